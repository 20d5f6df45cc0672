//! What a callback does when its deliveries fail (API.md "Failure handling"): whom it
//! notifies (`on_failure`), after how long a run of failures it is disabled
//! (`disable_after`), and the state that tracking leaves on it.
//!
//! Kept apart from [`super::callback::Callback`] on purpose: delivery never needs it (the
//! claim skips disabled callbacks in SQL, and notifications are written by the finish
//! statement), so the cached per-attempt callback stays as small as it was.

use chrono::{DateTime, Utc};

use super::duration::IsoDuration;
use super::ids::Id;

/// The longest `disable_after`: a callback failing for a year is not coming back by itself.
pub const MAX_DISABLE_AFTER: IsoDuration = IsoDuration::from_secs(365 * 24 * 3600);

/// A callback's failure handling, as registered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailurePolicy {
    /// The callback told about failed occurrences and about this one being disabled.
    pub on_failure: Option<Id>,
    /// How long every attempt must have failed before the callback is disabled.
    pub disable_after: Option<IsoDuration>,
}

impl FailurePolicy {
    /// Checks the rules that need no database: `on_failure` is not the callback itself
    /// (whether it exists is checked when it is written, under the foreign key).
    pub fn check_on_failure(name: &Id, on_failure: &Id) -> Result<(), String> {
        if name == on_failure {
            return Err("must name another callback, not this one".into());
        }
        Ok(())
    }
}

/// Checks `disable_after` bounds: more than zero, at most [`MAX_DISABLE_AFTER`].
pub fn check_disable_after(after: IsoDuration) -> Result<IsoDuration, String> {
    if after.as_micros() <= 0 {
        return Err("must be greater than zero".into());
    }
    if after > MAX_DISABLE_AFTER {
        return Err(format!("must be at most {MAX_DISABLE_AFTER}"));
    }
    Ok(after)
}

/// Where failure tracking stands for a callback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureState {
    /// Start of the current run of failed attempts; `None` after a success.
    pub failing_since: Option<DateTime<Utc>>,
    /// When it was disabled, and why; both `None` while enabled.
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_failure_must_name_another_callback() {
        let a = Id::parse("a").unwrap();
        let b = Id::parse("b").unwrap();
        assert!(FailurePolicy::check_on_failure(&a, &b).is_ok());
        assert!(FailurePolicy::check_on_failure(&a, &a).is_err());
    }

    #[test]
    fn disable_after_is_bounded() {
        assert!(check_disable_after(IsoDuration::from_secs(2)).is_ok());
        assert!(check_disable_after(IsoDuration::from_secs(0)).is_err());
        assert!(check_disable_after(IsoDuration::from_secs(366 * 24 * 3600)).is_err());
    }
}
