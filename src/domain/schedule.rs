//! Recurring-task arithmetic: where the next occurrence of a fixed-rate task falls.
//!
//! Pure functions of `now`, so the rules are tested without clocks or sleeps.

use chrono::{DateTime, Utc};

use super::duration::IsoDuration;

/// The next occurrence after the one at `run_at` has finished (success or final failure).
///
/// Fixed rate: the grid is `run_at + k * interval`, so delays never accumulate. With
/// `coalesce`, a task that fell behind skips to the first slot on its grid strictly after
/// `now` (one catch-up run, already made); without it, every missed slot is run in turn.
pub fn next_occurrence(
    run_at: DateTime<Utc>,
    interval: IsoDuration,
    coalesce: bool,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let step = interval.as_micros().max(1);
    let next = run_at + chrono::TimeDelta::microseconds(step);
    if !coalesce || next > now {
        return next;
    }
    let behind = (now - run_at).num_microseconds().unwrap_or(i64::MAX);
    let slots = behind / step + 1;
    run_at + chrono::TimeDelta::microseconds(slots.saturating_mul(step))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn on_time_runs_advance_by_one_interval() {
        let next = next_occurrence(
            at("2025-01-01T00:00:00Z"),
            IsoDuration::from_secs(10),
            true,
            at("2025-01-01T00:00:00.002Z"),
        );
        assert_eq!(next, at("2025-01-01T00:00:10Z"));
    }

    #[test]
    fn coalesce_jumps_to_the_first_slot_after_now_on_the_grid() {
        let next = next_occurrence(
            at("2025-01-01T00:00:00Z"),
            IsoDuration::from_secs(10),
            true,
            at("2025-01-01T00:01:05Z"),
        );
        assert_eq!(next, at("2025-01-01T00:01:10Z"));
    }

    #[test]
    fn a_slot_exactly_at_now_is_skipped_when_coalescing() {
        let next = next_occurrence(
            at("2025-01-01T00:00:00Z"),
            IsoDuration::from_secs(10),
            true,
            at("2025-01-01T00:01:00Z"),
        );
        assert_eq!(next, at("2025-01-01T00:01:10Z"));
    }

    #[test]
    fn without_coalesce_every_missed_slot_runs() {
        let next = next_occurrence(
            at("2025-01-01T00:00:00Z"),
            IsoDuration::from_secs(10),
            false,
            at("2025-01-01T00:01:05Z"),
        );
        assert_eq!(next, at("2025-01-01T00:00:10Z"));
    }
}
