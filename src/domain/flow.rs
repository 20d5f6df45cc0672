//! Flow control rules per callback (API.md "Flow control"), pure: the limits a callback
//! registers, how one attempt's outcome counts for the receiver's load, how long a
//! `Retry-After` holds the callback, and the adaptive concurrency rule.
//!
//! The store applies these rules in SQL, because several instances update one callback's
//! state at once and only a single `UPDATE` makes their read-modify-write atomic; the SQL
//! there cites the functions here, which the unit tests below pin down.

use std::time::Duration;

use super::attempt::{AttemptError, AttemptOutcome};
use super::duration::IsoDuration;

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
    pub rate_limit: Option<RateLimit>,
}

impl Default for FlowLimits {
    fn default() -> Self {
        Self {
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            rate_limit: None,
        }
    }
}

/// Most attempt starts per period, over all instances: `requests` per `per`.
///
/// Enforced as a slot schedule (`store::deliveries::claim_due`): starts are spaced at
/// least [`RateLimit::spacing_us`] apart, so any window of length `per` holds at most
/// `requests` of them, and a burst is spread evenly rather than sent at the start of each
/// period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: IsoDuration,
}

/// Starts are spaced this much (in percent) wider than `per / requests`: instances map the
/// database clock onto their own with an error of a few milliseconds, and requests take
/// varying time to reach the receiver, so exactly even spacing could show the receiver
/// `requests + 1` arrivals within one period. 5% of the period is the slack for that.
pub const RATE_GUARD_PERCENT: i64 = 5;

/// Bounds of a rate limit: at most this many requests per period…
pub const MAX_RATE_REQUESTS: u32 = 100_000;
/// …and a period of at most a day.
pub const MAX_RATE_PERIOD: IsoDuration = IsoDuration::from_secs(24 * 3600);

impl RateLimit {
    /// Checks the bounds; each message names its field (`requests` or `per`).
    pub fn new(requests: i64, per: IsoDuration) -> Result<Self, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let requests = match u32::try_from(requests) {
            Ok(n) if (1..=MAX_RATE_REQUESTS).contains(&n) => n,
            _ => {
                errors.push(("requests", format!("must be from 1 to {MAX_RATE_REQUESTS}")));
                1
            }
        };
        if per.as_micros() <= 0 || per > MAX_RATE_PERIOD {
            errors.push((
                "per",
                format!("must be greater than zero and at most {MAX_RATE_PERIOD}"),
            ));
        } else if per.as_micros() < i64::from(requests) {
            errors.push((
                "per",
                "leaves less than a microsecond per request".to_owned(),
            ));
        }
        if errors.is_empty() {
            Ok(Self { requests, per })
        } else {
            Err(errors)
        }
    }

    /// The least time between two starts: `per / requests` plus [`RATE_GUARD_PERCENT`],
    /// rounded up to a microsecond. `store::deliveries::claim_due` computes the same in SQL.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn spacing_us(&self) -> i64 {
        let scaled = i128::from(self.per.as_micros()) * i128::from(100 + RATE_GUARD_PERCENT);
        let divisor = i128::from(self.requests) * 100;
        ((scaled + divisor - 1) / divisor) as i64
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
    fn rate_limits_are_checked_and_spaced() {
        let five = RateLimit::new(5, IsoDuration::from_secs(1)).unwrap();
        assert_eq!(five.spacing_us(), 210_000, "a fifth of a second, plus 5%");
        let three = RateLimit::new(3, IsoDuration::from_secs(1)).unwrap();
        assert_eq!(three.spacing_us(), 350_000);
        let seven = RateLimit::new(7, IsoDuration::from_micros(1_000_001)).unwrap();
        assert_eq!(seven.spacing_us(), 150_001, "rounded up, never faster");
        assert!(RateLimit::new(0, IsoDuration::from_secs(1)).is_err());
        assert!(RateLimit::new(5, IsoDuration::from_micros(0)).is_err());
        assert!(RateLimit::new(5, IsoDuration::from_secs(2 * 24 * 3600)).is_err());
        assert!(RateLimit::new(100_000, IsoDuration::from_micros(10)).is_err());
    }

    #[test]
    fn stop_header_values() {
        assert!(asks_to_stop("true"));
        assert!(asks_to_stop(" TRUE "));
        assert!(!asks_to_stop("false"));
        assert!(!asks_to_stop("1"));
    }
}
