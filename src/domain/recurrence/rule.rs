//! `Recurrence`: the one type for "when does this task recur", over the fixed `interval`
//! of `recurring` tasks and the zoned cron of `cron` tasks, so the delivery engine, the
//! preview and the catch-up rules call one function whatever the run type.
//!
//! Intervals keep today's arithmetic (`domain::schedule::next_occurrence`): the grid is
//! `run_at + k * interval` in elapsed time, where no DST rule applies.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::occurrence::Occurrence;
use super::zoned_cron::{CronSchedule, NextOccurrence};
use crate::domain::duration::IsoDuration;
use crate::domain::schedule::next_occurrence;

/// How a recurring task recurs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recurrence {
    /// Fixed rate in elapsed time; `zone` only says how `local` reads in a preview.
    Interval {
        every: IsoDuration,
        zone: Tz,
    },
    Cron(CronSchedule),
}

impl Recurrence {
    /// The occurrence strictly after the one at `after` (which need not be on the grid for
    /// cron; for an interval it is the grid's anchor).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<NextOccurrence> {
        match self {
            Recurrence::Interval { every, zone } => {
                // Not coalescing, `now` is irrelevant: the next slot on the grid.
                let at = next_occurrence(after, *every, false, after);
                Some(plain(at, *zone))
            }
            Recurrence::Cron(cron) => cron.next_after(after),
        }
    }

    /// The first occurrence at or after `start`: `start` itself for an interval (it anchors
    /// the grid), the first match for cron.
    pub fn first_at_or_after(&self, start: DateTime<Utc>) -> Option<NextOccurrence> {
        match self {
            Recurrence::Interval { zone, .. } => Some(plain(start, *zone)),
            Recurrence::Cron(cron) => cron.first_at_or_after(start),
        }
    }

    /// The step of an interval in microseconds, at least 1 (as `next_occurrence` uses it).
    pub(crate) fn interval_micros(&self) -> Option<i64> {
        match self {
            Recurrence::Interval { every, .. } => Some(every.as_micros().max(1)),
            Recurrence::Cron(_) => None,
        }
    }
}

/// An interval occurrence: no DST flag (elapsed time never meets one), nothing skipped.
pub(crate) fn plain(at: DateTime<Utc>, zone: Tz) -> NextOccurrence {
    NextOccurrence {
        occurrence: Occurrence {
            at,
            local: at.with_timezone(&zone).fixed_offset(),
            dst: None,
        },
        skipped: Vec::new(),
    }
}

/// `anchor + k * step` for an interval grid.
pub(crate) fn grid_slot(anchor: DateTime<Utc>, step_micros: i64, k: i64) -> DateTime<Utc> {
    anchor + TimeDelta::microseconds(k.saturating_mul(step_micros))
}
