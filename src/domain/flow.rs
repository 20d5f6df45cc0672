//! Flow control rules per callback (API.md "Flow control"), pure: the limits a callback
//! registers, how one attempt's outcome counts for the receiver's load, how long a
//! `Retry-After` holds the callback, and the adaptive concurrency rule.
//!
//! The store applies these rules in SQL, because several instances update one callback's
//! state at once and only a single `UPDATE` makes their read-modify-write atomic; the SQL
//! there cites the functions here, which the unit tests below pin down.

use std::time::Duration;

use super::attempt::{AttemptError, AttemptOutcome};

/// Default `max_concurrency`: attempts in flight to one callback over all instances.
pub const DEFAULT_MAX_CONCURRENCY: u32 = 100;
/// Largest `max_concurrency` a callback may register.
pub const MAX_MAX_CONCURRENCY: u32 = 10_000;
/// Longest a `Retry-After` holds a callback (API.md: at most 1 hour).
pub const MAX_HOLD: Duration = Duration::from_secs(3600);
/// An overload cuts the effective concurrency to this fraction (multiplicative decrease).
#[cfg_attr(not(test), allow(dead_code))]
pub const CUT_FACTOR: f64 = 0.5;

/// Checks a registered `max_concurrency`; the message is fit for a 422.
pub fn check_max_concurrency(n: i64) -> Result<u32, String> {
    match u32::try_from(n) {
        Ok(n) if (1..=MAX_MAX_CONCURRENCY).contains(&n) => Ok(n),
        _ => Err(format!("must be from 1 to {MAX_MAX_CONCURRENCY}")),
    }
}

/// A callback's registered flow limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowLimits {
    pub max_concurrency: u32,
}

impl Default for FlowLimits {
    fn default() -> Self {
        Self {
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
        }
    }
}

/// What one attempt says about the receiver's load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// A 2xx: the receiver keeps up.
    Served,
    /// A timeout, a refused connection, 429 or 503: the receiver is overwhelmed.
    Overloaded,
    /// Anything else (a 500, a 404, a reset): says nothing about load.
    Neutral,
}

/// Classifies an attempt for the adaptive concurrency.
pub fn load_of(outcome: &AttemptOutcome) -> Load {
    match (outcome.status, &outcome.error) {
        (Some(429 | 503), _) => Load::Overloaded,
        (Some(200..=299), None) => Load::Served,
        (None, Some(AttemptError::Timeout)) => Load::Overloaded,
        // Headers arrived but the body did not in time: the receiver is still too slow.
        (Some(_), Some(AttemptError::Timeout)) => Load::Overloaded,
        (None, Some(AttemptError::Connect(message))) if is_refusal(message) => Load::Overloaded,
        _ => Load::Neutral,
    }
}

/// A connection the receiver's host refused (nobody listening, or its backlog full), as
/// opposed to a name that does not resolve or a TLS failure, which are not about load.
fn is_refusal(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("refused") || message.contains("reset")
}

/// How long an answer holds its callback: a 429 or 503 with `Retry-After`, clamped to
/// [`MAX_HOLD`]. A zero `Retry-After` holds nothing.
pub fn hold_of(outcome: &AttemptOutcome) -> Option<Duration> {
    match outcome.status {
        Some(429 | 503) => outcome
            .retry_after
            .filter(|wait| !wait.is_zero())
            .map(|wait| wait.min(MAX_HOLD)),
        _ => None,
    }
}

/// The adaptive rule, for one callback after one finished batch of its attempts: any
/// overload in the batch cuts the effective concurrency by [`CUT_FACTOR`] (once per
/// batch, so one burst of timeouts is one signal, not fifty); otherwise each success
/// raises it by `1 / current` — about one more per round of `current` attempts, the
/// additive increase of TCP's congestion control. Never below 1, never above `max`.
///
/// `store::flow::record` applies exactly this in SQL; the tests here pin its numbers.
#[cfg_attr(not(test), allow(dead_code))]
pub fn adapt(current: f64, max: u32, overloaded: u32, served: u32) -> f64 {
    let max = f64::from(max);
    let current = current.clamp(1.0, max);
    if overloaded > 0 {
        (current * CUT_FACTOR).max(1.0)
    } else {
        (current + f64::from(served) / current).min(max)
    }
}

/// The concurrency claims may use: the adaptive value rounded down, at least 1
/// (`store::flow::LIMIT_SQL` in SQL).
#[cfg_attr(not(test), allow(dead_code))]
pub fn usable(effective: f64, max: u32) -> u32 {
    (effective.clamp(1.0, f64::from(max)).floor()) as u32
}

/// Whether a response asks TaskShed to end its task (`taskshed-stop: true`, any case).
pub fn asks_to_stop(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: Option<u16>, error: Option<AttemptError>) -> AttemptOutcome {
        AttemptOutcome {
            status,
            error,
            duration: Duration::ZERO,
            response_prefix: None,
            retry_after: None,
            stop: false,
        }
    }

    #[test]
    fn max_concurrency_bounds() {
        assert_eq!(check_max_concurrency(1), Ok(1));
        assert_eq!(check_max_concurrency(10_000), Ok(10_000));
        for bad in [0, -1, 10_001, i64::MAX] {
            assert!(check_max_concurrency(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn what_counts_as_overload() {
        assert_eq!(load_of(&outcome(Some(204), None)), Load::Served);
        assert_eq!(load_of(&outcome(Some(429), None)), Load::Overloaded);
        assert_eq!(load_of(&outcome(Some(503), None)), Load::Overloaded);
        assert_eq!(
            load_of(&outcome(None, Some(AttemptError::Timeout))),
            Load::Overloaded
        );
        assert_eq!(
            load_of(&outcome(
                None,
                Some(AttemptError::Connect(
                    "Connection refused (os error 111)".into()
                ))
            )),
            Load::Overloaded
        );
        assert_eq!(
            load_of(&outcome(
                None,
                Some(AttemptError::Connect("dns error: no such host".into()))
            )),
            Load::Neutral
        );
        assert_eq!(load_of(&outcome(Some(500), None)), Load::Neutral);
        assert_eq!(load_of(&outcome(Some(404), None)), Load::Neutral);
    }

    #[test]
    fn holds_only_for_429_and_503_and_at_most_an_hour() {
        let mut limited = outcome(Some(429), None);
        limited.retry_after = Some(Duration::from_secs(30));
        assert_eq!(hold_of(&limited), Some(Duration::from_secs(30)));
        limited.retry_after = Some(Duration::from_secs(86_400));
        assert_eq!(hold_of(&limited), Some(MAX_HOLD));
        limited.retry_after = Some(Duration::ZERO);
        assert_eq!(hold_of(&limited), None);
        let mut other = outcome(Some(500), None);
        other.retry_after = Some(Duration::from_secs(30));
        assert_eq!(hold_of(&other), None);
    }

    #[test]
    fn cuts_multiplicatively_and_recovers_step_by_step() {
        assert_eq!(adapt(100.0, 100, 3, 10), 50.0);
        assert_eq!(adapt(1.5, 100, 1, 0), 1.0);
        // Above the maximum (the registration was lowered): clamped first.
        assert_eq!(adapt(1e9, 100, 0, 5), 100.0);
        let mut effective = 10.0;
        let mut rounds = 0;
        while effective < 20.0 {
            effective = adapt(effective, 100, 0, effective as u32);
            rounds += 1;
        }
        assert!((9..=11).contains(&rounds), "about +1 per round: {rounds}");
        assert_eq!(usable(37.9, 100), 37);
        assert_eq!(usable(1e9, 100), 100);
        assert_eq!(usable(0.2, 100), 1);
    }

    #[test]
    fn stop_header_values() {
        assert!(asks_to_stop("true"));
        assert!(asks_to_stop(" TRUE "));
        assert!(!asks_to_stop("false"));
        assert!(!asks_to_stop("1"));
    }
}
