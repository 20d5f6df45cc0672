//! LISTEN/NOTIFY channel names. Notifications are hints: the delivery loop's safety poll
//! catches anything a lost notification would have told it.

/// "A task became due earlier than you may think"; payload: its due time in Unix µs.
pub const WAKE_CHANNEL: &str = "taskshed_wake";
/// "A claimed task was paused, deleted or changed"; holders re-check unsent claims.
pub const REVALIDATE_CHANNEL: &str = "taskshed_revalidate";
/// "This callback was registered, replaced or deleted"; payload: its name. Delivery
/// loops drop their cached copy, so the next attempt uses the new URL, timeout and secret.
pub const CALLBACK_CHANNEL: &str = "taskshed_callback";
