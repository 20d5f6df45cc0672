//! Mapping the database clock onto this process's monotonic clock, for the timers.
//!
//! A claim returns the database clock `db` read just before its answer was sent; the
//! answer arrives at local instant `local`, some unknown delay `d ≥ 0` later. The
//! mapping `t ↦ local + (t − db)` therefore fires at or after the true instant (never
//! early) but late by `d`, for every task of that claim. `d` is usually a few hundred
//! microseconds and occasionally over 10 ms (measured; BENCHMARKS.md), so each claim's
//! own mapping is compared with the best (least delayed) recent one, aged by a
//! clock-rate margin, and the earlier of the two is used. The margin covers a rate
//! difference of up to 500 ppm between the database's clock and ours (NTP's slew limit),
//! so the mapping stays never-early; anchors older than a few seconds are dropped.

use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

/// Largest rate difference between the two clocks we allow for, in parts per million.
const RATE_MARGIN_PPM: u32 = 500;
/// Anchors older than this are not reused.
const MAX_AGE: Duration = Duration::from_secs(3);

/// A pairing of a local instant with the database time it corresponds to (or precedes).
#[derive(Debug, Clone, Copy)]
pub struct ClockAnchor {
    pub local: Instant,
    pub db: DateTime<Utc>,
}

impl ClockAnchor {
    /// The local instant at which the database clock reads `at` (or later), never
    /// earlier. Past instants map to `self.local` at the latest.
    pub fn local_instant(&self, at: DateTime<Utc>) -> Instant {
        self.local + (at - self.db).to_std().unwrap_or(Duration::ZERO)
    }
}

/// Chooses the anchor for a new claim answer and remembers the best one.
#[derive(Debug, Default)]
pub struct AnchorChooser {
    best: Option<ClockAnchor>,
}

impl AnchorChooser {
    /// `sample` is the new claim's (arrival, database clock); `horizon` is how far ahead
    /// of the claim its tasks may fire (the look-ahead), over which the rate margin must
    /// also hold.
    pub fn choose(&mut self, sample: ClockAnchor, horizon: Duration) -> ClockAnchor {
        if let Some(best) = self.best {
            let age = sample.local.saturating_duration_since(best.local);
            if age <= MAX_AGE && sample.db >= best.db {
                let margin = (age + horizon) * RATE_MARGIN_PPM / 1_000_000;
                let aged = ClockAnchor {
                    local: best.local + margin,
                    db: best.db,
                };
                if aged.local_instant(sample.db) < sample.local {
                    return aged;
                }
            }
        }
        self.best = Some(sample);
        sample
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_delayed_answer_uses_the_earlier_anchor_with_a_margin() {
        let mut chooser = AnchorChooser::default();
        let t0 = Instant::now();
        let first = ClockAnchor {
            local: t0,
            db: at("2025-01-01T00:00:00Z"),
        };
        chooser.choose(first, Duration::ZERO);
        // 100 ms later by the database clock, but the answer arrived 10 ms late.
        let delayed = ClockAnchor {
            local: t0 + Duration::from_millis(110),
            db: at("2025-01-01T00:00:00.100Z"),
        };
        let chosen = chooser.choose(delayed, Duration::from_millis(200));
        let fire = chosen.local_instant(at("2025-01-01T00:00:00.200Z"));
        // Mapped through the first anchor: 200 ms after t0, plus the margin
        // ((110 + 200) ms × 500 ppm = 155 µs), instead of 210 ms.
        assert_eq!(
            fire,
            t0 + Duration::from_millis(200) + Duration::from_micros(155)
        );
    }

    #[test]
    fn a_prompt_answer_becomes_the_new_anchor() {
        let mut chooser = AnchorChooser::default();
        let t0 = Instant::now();
        chooser.choose(
            ClockAnchor {
                local: t0,
                db: at("2025-01-01T00:00:00Z"),
            },
            Duration::ZERO,
        );
        let prompt = ClockAnchor {
            local: t0 + Duration::from_millis(100),
            db: at("2025-01-01T00:00:00.100Z"),
        };
        let chosen = chooser.choose(prompt, Duration::ZERO);
        assert_eq!(chosen.local, prompt.local);
    }

    #[test]
    fn old_anchors_and_clock_steps_back_are_not_reused() {
        let mut chooser = AnchorChooser::default();
        let t0 = Instant::now();
        chooser.choose(
            ClockAnchor {
                local: t0,
                db: at("2025-01-01T00:00:00Z"),
            },
            Duration::ZERO,
        );
        let late = ClockAnchor {
            local: t0 + Duration::from_secs(5),
            db: at("2025-01-01T00:00:04Z"),
        };
        assert_eq!(chooser.choose(late, Duration::ZERO).local, late.local);
        let stepped_back = ClockAnchor {
            local: t0 + Duration::from_secs(6),
            db: at("2025-01-01T00:00:00Z"),
        };
        assert_eq!(
            chooser.choose(stepped_back, Duration::ZERO).local,
            stepped_back.local
        );
    }

    #[test]
    fn past_instants_map_to_the_anchor_itself() {
        let t0 = Instant::now();
        let anchor = ClockAnchor {
            local: t0,
            db: at("2025-01-01T00:00:01Z"),
        };
        assert_eq!(anchor.local_instant(at("2025-01-01T00:00:00Z")), t0);
    }
}
