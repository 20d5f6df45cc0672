//! The database clock as this instance sees it: due times are on the database clock
//! (instances may disagree), so every claim reads it, and this module keeps the two
//! estimates made from those readings: the offset from the local wall clock (for
//! "database now" when recording attempts and planning wake-ups) and the anchor that
//! maps due times onto the local monotonic clock for the timer ([`super::clock_anchor`]).
//! The place keeper's renewals read the clock too ([`DbClock::sample`]): the anchor is the
//! least delayed recent reading, so more readings make firing more punctual (S3 lateness
//! p50 0.33–0.35 ms with them against 0.46–0.62 ms without, BENCHMARKS.md).

use chrono::{DateTime, TimeDelta, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::clock_anchor::{AnchorChooser, ClockAnchor};

pub struct DbClock {
    /// Database clock minus local clock, in microseconds, as of the last claim.
    offset_us: AtomicI64,
    anchors: Mutex<AnchorChooser>,
    /// How far ahead of a claim its tasks may fire (the look-ahead).
    horizon: Duration,
}

impl DbClock {
    pub fn new(horizon: Duration) -> Self {
        Self {
            offset_us: AtomicI64::new(0),
            anchors: Mutex::new(AnchorChooser::default()),
            horizon,
        }
    }

    /// The database clock, estimated from the local clock and the last claim's reading.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::microseconds(self.offset_us.load(Ordering::Relaxed))
    }

    /// Takes the database clock read by a claim, answered or empty.
    pub fn observe(&self, db_now: DateTime<Utc>) {
        let offset = (db_now - Utc::now()).num_microseconds().unwrap_or(0);
        self.offset_us.store(offset, Ordering::Relaxed);
    }

    /// Offers one more reading of the database clock (`db_now`, answered at `received`)
    /// to the anchor chooser: a reading less delayed than the recent ones becomes the
    /// anchor later claims map their tasks with.
    pub fn sample(&self, received: Instant, db_now: DateTime<Utc>) {
        let _ = self.anchor_for_claim(received, db_now);
    }

    /// The mapping from database time to local instants for the tasks of a claim read at
    /// `db_now` whose answer arrived at `received` (never early, see `clock_anchor`).
    pub fn anchor_for_claim(&self, received: Instant, db_now: DateTime<Utc>) -> ClockAnchor {
        let sample = ClockAnchor {
            local: received,
            db: db_now,
        };
        self.anchors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .choose(sample, self.horizon)
    }
}
