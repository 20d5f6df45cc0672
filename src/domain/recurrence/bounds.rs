//! Bounds of a recurring or cron task: `end_at` (nothing after it) and `max_runs`
//! (finished occurrences; when reached the task ends `succeeded`).
//!
//! Kept apart from `Recurrence` because they bound any recurrence the same way, and both
//! the catch-up rules and the preview apply them.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bounds {
    pub end_at: Option<DateTime<Utc>>,
    pub max_runs: Option<u64>,
}

impl Bounds {
    /// Whether `runs_finished` occurrences used up `max_runs`: then the task ends.
    pub fn runs_exhausted(&self, runs_finished: u64) -> bool {
        self.max_runs.is_some_and(|max| runs_finished >= max)
    }

    /// Whether an occurrence at `at` may still run (`end_at` is inclusive).
    pub fn admits(&self, at: DateTime<Utc>) -> bool {
        self.end_at.is_none_or(|end| at <= end)
    }

    /// How many more occurrences may run after `runs_finished` (`u64::MAX` when unbounded).
    pub fn runs_left(&self, runs_finished: u64) -> u64 {
        self.max_runs
            .map_or(u64::MAX, |max| max.saturating_sub(runs_finished))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn end_at_is_inclusive_and_max_runs_counts_finished_occurrences() {
        let bounds = Bounds {
            end_at: Some(at("2027-01-01T00:00:00Z")),
            max_runs: Some(3),
        };
        assert!(bounds.admits(at("2027-01-01T00:00:00Z")));
        assert!(!bounds.admits(at("2027-01-01T00:00:00.000001Z")));
        assert!(!bounds.runs_exhausted(2));
        assert!(bounds.runs_exhausted(3));
        assert_eq!(bounds.runs_left(1), 2);
        assert_eq!(bounds.runs_left(5), 0);
        let unbounded = Bounds::default();
        assert!(unbounded.admits(at("9999-01-01T00:00:00Z")));
        assert!(!unbounded.runs_exhausted(u64::MAX));
    }
}
