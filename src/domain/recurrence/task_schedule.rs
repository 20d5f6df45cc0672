//! `TaskSchedule`: everything about a task that decides when it runs (recurrence, bounds,
//! `coalesce`, `jitter`), the value a DTO converts into and the engine and the preview read.

use chrono::{DateTime, Utc};
use rand::Rng;

use super::bounds::Bounds;
use super::jitter::jittered_fire_at;
use super::rule::Recurrence;
use crate::domain::duration::IsoDuration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSchedule {
    pub recurrence: Recurrence,
    pub bounds: Bounds,
    /// `true`: a task that fell behind runs once and the missed occurrences are ledgered
    /// as `coalesced`; `false`: they run back to back, at most `CATCH_UP_LIMIT` of them.
    pub coalesce: bool,
    pub jitter: Option<IsoDuration>,
}

impl TaskSchedule {
    /// When to fire the occurrence due at `instant`: within `jitter` after it, never before.
    pub fn fire_at(&self, instant: DateTime<Utc>, rng: &mut impl Rng) -> DateTime<Utc> {
        match self.jitter {
            Some(jitter) => jittered_fire_at(instant, jitter, rng),
            None => instant,
        }
    }
}
