//! What happens after a delivery attempt: success, retry (and how long to wait), or
//! failure.
//!
//! Pure rules only — no clock, no I/O, randomness passed in — so every branch is
//! tested without sleeping. The sender reports an [`AttemptOutcome`]; the delivery
//! loop asks [`RetryPolicy::decide`] what to do with it. [`RetryPolicy`] is also what a
//! callback registers and stores: its defaults are defined here once.
//!
//! Decisions (documented here because the API promises them):
//! - Retryable: timeouts, connection errors, other transport errors, any 3xx (never
//!   followed, so a redirect is treated like a temporary misconfiguration), 408, 409,
//!   425, 429 and 5xx. Any other 4xx fails at once; so do status codes outside
//!   100–599 and requests that could not even be built (bad URL).
//! - Backoff before attempt `n + 1` is `initial_backoff * 2^(n-1)`, capped at
//!   `max_backoff`, with *equal jitter*: half of it is fixed and the other half is
//!   uniformly random, so the delay lies in `[base/2, base]`. Full jitter could pick
//!   ~0 and hammer a struggling receiver; equal jitter still spreads out a thundering
//!   herd of occurrences that failed together.
//! - `Retry-After` replaces the computed delay (no jitter: the receiver asked for a
//!   moment), clamped to `[initial_backoff, max_backoff]`. The floor stops
//!   `Retry-After: 0` from turning into a hot loop; the ceiling stops a receiver from
//!   parking an occurrence beyond what the callback's owner configured.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use rand::Rng;

use super::attempt::{AttemptError, AttemptOutcome};
use super::duration::IsoDuration;

/// Highest `max_attempts` a callback may ask for.
pub const MAX_ATTEMPTS_LIMIT: u32 = 100;

/// A callback's retry policy: the one type registration, storage and delivery share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per occurrence, the first included. `0` behaves like `1`.
    pub max_attempts: u32,
    /// Delay before the second attempt (before jitter), and the floor for `Retry-After`.
    pub initial_backoff: Duration,
    /// Ceiling for every delay, `Retry-After` included. Wins if below `initial_backoff`.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Eight attempts, 5 s doubling to at most 1 h: about ten minutes of retries, enough to
    /// ride out a deploy or a short outage of the receiver.
    fn default() -> Self {
        Self {
            max_attempts: 8,
            initial_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(3600),
        }
    }
}

impl RetryPolicy {
    /// A policy as stored (`max_attempts int4`, backoffs in microseconds). The CHECK
    /// constraints keep these in range; a row outside them is refused, not clamped.
    pub fn from_stored(
        max_attempts: i32,
        initial_backoff_us: i64,
        max_backoff_us: i64,
    ) -> Result<Self, String> {
        let micros = |us: i64, what: &str| {
            u64::try_from(us)
                .map(Duration::from_micros)
                .map_err(|_| format!("{what} is negative ({us} µs)"))
        };
        Ok(Self {
            max_attempts: u32::try_from(max_attempts)
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| format!("max_attempts {max_attempts} is out of range"))?,
            initial_backoff: micros(initial_backoff_us, "initial_backoff")?,
            max_backoff: micros(max_backoff_us, "max_backoff")?,
        })
    }

    /// `initial_backoff` as the API and the store write it.
    pub fn initial_backoff_iso(&self) -> IsoDuration {
        iso(self.initial_backoff)
    }

    /// `max_backoff` as the API and the store write it.
    pub fn max_backoff_iso(&self) -> IsoDuration {
        iso(self.max_backoff)
    }
}

/// Registered policies come from `IsoDuration`s, so they always fit; saturate anyway.
fn iso(duration: Duration) -> IsoDuration {
    IsoDuration::from_micros(i64::try_from(duration.as_micros()).unwrap_or(i64::MAX))
}

/// How one attempt went, judged on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Succeeded,
    Retry,
    Fail,
}

/// What to do with the occurrence after an attempt, attempts left taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Succeeded,
    /// Make another attempt after this delay.
    RetryIn(Duration),
    /// The occurrence has failed. `exhausted` is true when the attempt was retryable
    /// but `max_attempts` had been reached (useful for `last_error`).
    Failed {
        exhausted: bool,
    },
}

impl RetryPolicy {
    /// The delay after failed attempt number `attempt` (1-based; `0` is treated as `1`).
    ///
    /// Never panics or overflows, whatever `attempt` is: the exponent stops growing
    /// once the cap is certainly reached, and multiplication saturates.
    pub fn backoff(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let ceiling = self.max_backoff;
        // `Duration::clamp` panics when min > max; a misconfigured policy must not.
        let floor = self.initial_backoff.min(ceiling);
        if let Some(asked) = retry_after {
            return asked.clamp(floor, ceiling);
        }
        // 2^31 times any non-zero duration of at least 1ns exceeds two seconds, and
        // saturating_mul handles the rest, so 31 is a safe exponent cap.
        let exponent = attempt.saturating_sub(1).min(31);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(ceiling);
        equal_jitter(base, rng)
    }

    /// Classifies `outcome` of attempt number `attempt` (1-based) and, if it should be
    /// retried and attempts remain, picks the delay.
    pub fn decide(&self, attempt: u32, outcome: &AttemptOutcome, rng: &mut impl Rng) -> Decision {
        match classify(outcome) {
            Verdict::Succeeded => Decision::Succeeded,
            Verdict::Fail => Decision::Failed { exhausted: false },
            Verdict::Retry if attempt >= self.max_attempts.max(1) => {
                Decision::Failed { exhausted: true }
            }
            Verdict::Retry => Decision::RetryIn(self.backoff(attempt, outcome.retry_after, rng)),
        }
    }
}

/// A delay uniformly in `[base/2, base]`.
fn equal_jitter(base: Duration, rng: &mut impl Rng) -> Duration {
    // u64 nanoseconds cover 584 years; anything longer is treated as that.
    let nanos = u64::try_from(base.as_nanos()).unwrap_or(u64::MAX);
    let fixed = nanos / 2;
    Duration::from_nanos(fixed + rng.gen_range(0..=nanos - fixed))
}

/// Judges an HTTP status on its own.
pub fn classify_status(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Succeeded,
        // Redirects are never followed; retrying lets a receiver that is being moved
        // or is briefly misconfigured recover, and max_attempts bounds the cost.
        300..=399 => Verdict::Retry,
        408 | 409 | 425 | 429 => Verdict::Retry,
        500..=599 => Verdict::Retry,
        // Other 4xx say "this request is wrong" and would be wrong again; 1xx and codes
        // beyond 599 are not valid final answers.
        _ => Verdict::Fail,
    }
}

/// Judges one attempt. A received status decides, even if reading the body then
/// failed or timed out: the receiver already answered, and retrying a 2xx would
/// deliver twice.
pub fn classify(outcome: &AttemptOutcome) -> Verdict {
    if let Some(status) = outcome.status {
        return classify_status(status);
    }
    match &outcome.error {
        // A refused destination is not a passing fault: the policy is fixed for the
        // process's life, and a name that resolves only to refused addresses is a
        // misconfiguration or an attack. Retrying only delays the failure the user must see
        // (API.md: "a refused attempt fails at once, not retried").
        Some(AttemptError::Invalid(_) | AttemptError::EgressDenied(_)) => Verdict::Fail,
        Some(AttemptError::Timeout | AttemptError::Connect(_) | AttemptError::Other(_)) => {
            Verdict::Retry
        }
        // The sender never produces neither status nor error; if it ever does, a
        // retry bounded by max_attempts is the safe reading.
        None => Verdict::Retry,
    }
}

/// Parses a `Retry-After` value: delta-seconds, or an HTTP-date (IMF-fixdate, plus the
/// obsolete RFC 850 and asctime forms that HTTP recipients must accept). A date in
/// the past means "now" (zero); anything unparseable is ignored (`None`).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Only digits, so parsing fails solely on overflow; such a value is clamped
        // to max_backoff later anyway.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let when = parse_http_date(value)?;
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
}

fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    const FORMATS: [&str; 3] = [
        "%a, %d %b %Y %H:%M:%S GMT", // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        "%A, %d-%b-%y %H:%M:%S GMT", // RFC 850:     Sunday, 06-Nov-94 08:49:37 GMT
        "%a %b %e %H:%M:%S %Y",      // asctime:     Sun Nov  6 08:49:37 1994
    ];
    FORMATS.iter().find_map(|format| {
        NaiveDateTime::parse_from_str(value, format)
            .ok()
            .map(|naive| naive.and_utc())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
        }
    }

    fn with_status(status: u16) -> AttemptOutcome {
        AttemptOutcome {
            status: Some(status),
            error: None,
            duration: Duration::from_millis(5),
            response_prefix: None,
            retry_after: None,
            stop: false,
        }
    }

    fn with_error(error: AttemptError) -> AttemptOutcome {
        AttemptOutcome {
            status: None,
            error: Some(error),
            duration: Duration::from_millis(5),
            response_prefix: None,
            retry_after: None,
            stop: false,
        }
    }

    #[test]
    fn classifies_every_status_class() {
        use Verdict::*;
        let cases = [
            (200, Succeeded),
            (201, Succeeded),
            (204, Succeeded),
            (299, Succeeded),
            (300, Retry),
            (301, Retry),
            (302, Retry),
            (304, Retry),
            (307, Retry),
            (308, Retry),
            (400, Fail),
            (401, Fail),
            (403, Fail),
            (404, Fail),
            (405, Fail),
            (408, Retry),
            (409, Retry),
            (410, Fail),
            (413, Fail),
            (422, Fail),
            (425, Retry),
            (429, Retry),
            (451, Fail),
            (499, Fail),
            (500, Retry),
            (501, Retry),
            (502, Retry),
            (503, Retry),
            (504, Retry),
            (599, Retry),
            (100, Fail),
            (600, Fail),
            (999, Fail),
        ];
        for (status, expected) in cases {
            assert_eq!(classify(&with_status(status)), expected, "status {status}");
        }
    }

    #[test]
    fn classifies_transport_errors() {
        assert_eq!(classify(&with_error(AttemptError::Timeout)), Verdict::Retry);
        assert_eq!(
            classify(&with_error(AttemptError::Connect("refused".into()))),
            Verdict::Retry
        );
        assert_eq!(
            classify(&with_error(AttemptError::Other("reset".into()))),
            Verdict::Retry
        );
        assert_eq!(
            classify(&with_error(AttemptError::EgressDenied("loopback".into()))),
            Verdict::Fail
        );
        assert_eq!(
            classify(&with_error(AttemptError::Invalid("bad url".into()))),
            Verdict::Fail
        );
    }

    #[test]
    fn status_wins_over_a_body_error() {
        let mut outcome = with_status(200);
        outcome.error = Some(AttemptError::Timeout);
        assert_eq!(classify(&outcome), Verdict::Succeeded);
        outcome.status = Some(404);
        assert_eq!(classify(&outcome), Verdict::Fail);
    }

    #[test]
    fn backoff_doubles_with_equal_jitter_bounds() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..=10u32 {
            let base = (Duration::from_secs(2) * 2u32.pow(attempt - 1)).min(policy.max_backoff);
            for _ in 0..200 {
                let delay = policy.backoff(attempt, None, &mut rng);
                assert!(
                    delay >= base / 2,
                    "attempt {attempt}: {delay:?} < {base:?}/2"
                );
                assert!(delay <= base, "attempt {attempt}: {delay:?} > {base:?}");
            }
        }
    }

    #[test]
    fn jitter_actually_varies() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(1);
        let delays: std::collections::HashSet<Duration> =
            (0..50).map(|_| policy.backoff(3, None, &mut rng)).collect();
        assert!(delays.len() > 40, "only {} distinct delays", delays.len());
    }

    #[test]
    fn backoff_is_capped_and_overflow_safe() {
        let mut rng = StdRng::seed_from_u64(3);
        let policy = policy();
        for attempt in [7, 31, 32, 33, 64, 1000, u32::MAX] {
            let delay = policy.backoff(attempt, None, &mut rng);
            assert!(delay <= policy.max_backoff, "attempt {attempt}: {delay:?}");
            assert!(
                delay >= policy.max_backoff / 2,
                "attempt {attempt}: {delay:?}"
            );
        }
        let huge = RetryPolicy {
            max_attempts: 1000,
            initial_backoff: Duration::from_secs(u64::MAX / 4),
            max_backoff: Duration::MAX,
        };
        let delay = huge.backoff(1000, None, &mut rng);
        // Beyond u64 nanoseconds (584 years) the jitter base saturates there.
        assert!(delay > Duration::from_secs(1 << 33), "{delay:?}");
    }

    #[test]
    fn attempt_zero_is_treated_as_one() {
        let mut rng = StdRng::seed_from_u64(5);
        let delay = policy().backoff(0, None, &mut rng);
        assert!(delay >= Duration::from_secs(1) && delay <= Duration::from_secs(2));
    }

    #[test]
    fn retry_after_overrides_but_is_clamped() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(9);
        let secs = Duration::from_secs;
        assert_eq!(policy.backoff(1, Some(secs(30)), &mut rng), secs(30));
        assert_eq!(policy.backoff(9, Some(secs(30)), &mut rng), secs(30));
        assert_eq!(policy.backoff(1, Some(Duration::ZERO), &mut rng), secs(2));
        assert_eq!(policy.backoff(1, Some(secs(86_400)), &mut rng), secs(60));
        assert_eq!(policy.backoff(1, Some(Duration::MAX), &mut rng), secs(60));
    }

    #[test]
    fn misconfigured_policy_does_not_panic() {
        let inverted = RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_secs(100),
            max_backoff: Duration::from_secs(10),
        };
        let mut rng = StdRng::seed_from_u64(11);
        let secs = Duration::from_secs;
        assert_eq!(inverted.backoff(1, Some(secs(1)), &mut rng), secs(10));
        assert!(inverted.backoff(1, None, &mut rng) <= secs(10));
        let zero = RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        };
        assert_eq!(zero.backoff(1000, None, &mut rng), Duration::ZERO);
    }

    #[test]
    fn decide_respects_max_attempts() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(13);
        assert_eq!(
            policy.decide(1, &with_status(204), &mut rng),
            Decision::Succeeded
        );
        assert_eq!(
            policy.decide(1, &with_status(404), &mut rng),
            Decision::Failed { exhausted: false }
        );
        assert!(matches!(
            policy.decide(4, &with_status(503), &mut rng),
            Decision::RetryIn(_)
        ));
        assert_eq!(
            policy.decide(5, &with_status(503), &mut rng),
            Decision::Failed { exhausted: true }
        );
        let mut limited = with_status(429);
        limited.retry_after = Some(Duration::from_secs(42));
        assert_eq!(
            policy.decide(1, &limited, &mut rng),
            Decision::RetryIn(Duration::from_secs(42))
        );
        let single = RetryPolicy {
            max_attempts: 0,
            ..policy
        };
        assert_eq!(
            single.decide(1, &with_error(AttemptError::Timeout), &mut rng),
            Decision::Failed { exhausted: true }
        );
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(1994, 11, 6, 8, 49, 0)
            .single()
            .expect("valid test instant")
    }

    #[test]
    fn parses_delta_seconds() {
        assert_eq!(
            parse_retry_after("120", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now()),
            Some(Duration::from_secs(u64::MAX))
        );
        for bad in ["", "  ", "-5", "1.5", "+3", "soon", "12s"] {
            assert_eq!(parse_retry_after(bad, now()), None, "{bad:?}");
        }
    }

    #[test]
    fn parses_http_dates() {
        let in_37s = Some(Duration::from_secs(37));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now()),
            in_37s
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now()),
            in_37s
        );
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:37 1994", now()), in_37s);
        assert_eq!(
            parse_retry_after("Mon, 07 Nov 1994 08:49:00 GMT", now()),
            Some(Duration::from_secs(86_400))
        );
    }

    #[test]
    fn past_dates_mean_now_and_garbage_is_ignored() {
        assert_eq!(
            parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now()),
            Some(Duration::ZERO)
        );
        for bad in [
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "2025-03-14T14:00:00Z",
            "Sun, 06 Foo 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, now()), None, "{bad:?}");
        }
    }
}
