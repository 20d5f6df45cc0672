//! Delivery: claiming due tasks, firing them at their instant, POSTing signed webhooks,
//! recording results and retrying.

pub mod retry_policy;
pub mod sender;
pub mod signing;
