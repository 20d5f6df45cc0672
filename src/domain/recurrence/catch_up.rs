//! What happens when an occurrence finishes: the next occurrence to deliver (or the end of
//! the task) and the misfires to ledger, as one pure function of (schedule, the finished
//! occurrence, runs so far, now), for interval and cron tasks alike.
//!
//! Catch-up keeps no state. With `coalesce: false` the rule is "never more than
//! `CATCH_UP_LIMIT` occurrences behind": when more are missed, the newest 100 up to now are
//! kept, the older ones go to the ledger as `catchup_limit`, and the next occurrence is the
//! oldest kept. Each later finish sees at most 100 behind, so nothing more is dropped
//! unless delivery keeps falling behind. Keeping the newest (not the oldest) is what makes
//! the rule stateless, and the newest are the least stale.
//! With `coalesce: true` the late run that just finished stood for every occurrence missed
//! up to now: those are ledgered as `coalesced` and the next is the first after now.
//! Intervals without a backlog keep today's `next_occurrence` results exactly.

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};

use super::occurrence::{Misfire, MisfireReason, Occurrence, SkippedLocalTime};
use super::rule::{grid_slot, plain, Recurrence};
use super::task_schedule::TaskSchedule;
use super::zoned_cron::NextOccurrence;
use crate::domain::schedule::next_occurrence;

/// Most missed occurrences delivered back to back with `coalesce: false` (API.md).
pub const CATCH_UP_LIMIT: usize = 100;

/// Most ledger entries one finish records; the rest are summarised by `misfires_truncated`
/// (an every-second cron paused for a week misses 604,800).
pub const MISFIRE_RECORD_LIMIT: usize = 1_000;

/// The outcome of an occurrence finishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfterFinish {
    /// The next occurrence to deliver; `None` when the task ends `succeeded` (`max_runs`
    /// reached, nothing before `end_at`, or an expression with no further match).
    pub next: Option<Occurrence>,
    /// For the misfire ledger, oldest first.
    pub misfires: Vec<Misfire>,
    /// More misfires happened than `MISFIRE_RECORD_LIMIT` lets one finish record.
    pub misfires_truncated: bool,
}

/// The next step after the occurrence due at `finished` has finished (success or final
/// failure) at `now`, `runs_finished` counting it.
pub fn after_finish(
    schedule: &TaskSchedule,
    finished: DateTime<Utc>,
    runs_finished: u64,
    now: DateTime<Utc>,
) -> AfterFinish {
    let mut ledger = Ledger::default();
    if schedule.bounds.runs_exhausted(runs_finished) {
        return ledger.finish(None);
    }
    // Occurrences after `end_at` never existed, so they are not misfires either.
    let horizon = schedule.bounds.end_at.map_or(now, |end| end.min(now));
    let next = match (schedule.recurrence.interval_micros(), schedule.coalesce) {
        (Some(step), coalesce) => interval_next(
            &schedule.recurrence,
            step,
            coalesce,
            finished,
            horizon,
            now,
            &mut ledger,
        ),
        (None, true) => coalesced_next(&schedule.recurrence, finished, horizon, now, &mut ledger),
        (None, false) => caught_up_next(&schedule.recurrence, finished, horizon, &mut ledger),
    };
    let next = next.filter(|next| schedule.bounds.admits(next.at));
    if let Some(end) = schedule.bounds.end_at {
        ledger
            .misfires
            .retain(|misfire| misfire.scheduled_at <= end);
    }
    ledger.finish(next)
}

/// Interval tasks: arithmetic on the grid `finished + k * step`.
fn interval_next(
    recurrence: &Recurrence,
    step: i64,
    coalesce: bool,
    finished: DateTime<Utc>,
    horizon: DateTime<Utc>,
    now: DateTime<Utc>,
    ledger: &mut Ledger,
) -> Option<Occurrence> {
    let Recurrence::Interval { every, zone } = recurrence else {
        return None;
    };
    // Slots k = 1..=behind are due by the horizon.
    let behind = ((horizon - finished).num_microseconds().unwrap_or(i64::MAX) / step).max(0);
    let (next, dropped, reason) = if coalesce {
        let next = next_occurrence(finished, *every, true, now);
        (next, behind, MisfireReason::Coalesced)
    } else if behind as usize <= CATCH_UP_LIMIT {
        (
            next_occurrence(finished, *every, false, now),
            0,
            MisfireReason::CatchupLimit,
        )
    } else {
        let oldest_kept = behind - CATCH_UP_LIMIT as i64 + 1;
        (
            grid_slot(finished, step, oldest_kept),
            oldest_kept - 1,
            MisfireReason::CatchupLimit,
        )
    };
    for k in 1..=dropped {
        if !ledger.record(grid_slot(finished, step, k), reason) {
            break;
        }
    }
    Some(plain(next, *zone).occurrence)
}

/// Cron, `coalesce: true`: walk to the first occurrence after `now`, ledgering the rest.
fn coalesced_next(
    recurrence: &Recurrence,
    finished: DateTime<Utc>,
    horizon: DateTime<Utc>,
    now: DateTime<Utc>,
    ledger: &mut Ledger,
) -> Option<Occurrence> {
    let mut cursor = finished;
    loop {
        let next = recurrence.next_after(cursor)?;
        ledger.record_skipped(&next.skipped, next.occurrence.at);
        if next.occurrence.at > now {
            return Some(next.occurrence);
        }
        if next.occurrence.at > horizon
            || !ledger.record(next.occurrence.at, MisfireReason::Coalesced)
        {
            // The ledger is full (or `end_at` passed): jump instead of walking on.
            return recurrence.next_after(now).map(|next| next.occurrence);
        }
        cursor = next.occurrence.at;
    }
}

/// Cron, `coalesce: false`: the oldest of the newest `CATCH_UP_LIMIT` missed occurrences.
fn caught_up_next(
    recurrence: &Recurrence,
    finished: DateTime<Utc>,
    horizon: DateTime<Utc>,
    ledger: &mut Ledger,
) -> Option<Occurrence> {
    let mut missed: Vec<NextOccurrence> = Vec::new();
    let mut cursor = finished;
    let after_missed = loop {
        let next = recurrence.next_after(cursor)?;
        if next.occurrence.at > horizon || missed.len() == CATCH_UP_LIMIT {
            break next;
        }
        cursor = next.occurrence.at;
        missed.push(next);
    };
    if after_missed.occurrence.at > horizon {
        // Within the limit: deliver them all, in order, starting with the oldest.
        let next = missed.into_iter().next().unwrap_or(after_missed);
        ledger.record_skipped(&next.skipped, next.occurrence.at);
        return Some(next.occurrence);
    }
    // More than the limit: find the newest ones, ledger everything older.
    let span = missed.last().map_or(horizon, |last| last.occurrence.at) - finished;
    let kept = newest_occurrences(recurrence, finished, horizon, CATCH_UP_LIMIT, span);
    let oldest_kept = kept.front()?.at;
    let mut cursor = finished;
    while let Some(next) = recurrence.next_after(cursor) {
        ledger.record_skipped(&next.skipped, oldest_kept);
        if next.occurrence.at >= oldest_kept
            || !ledger.record(next.occurrence.at, MisfireReason::CatchupLimit)
        {
            break;
        }
        cursor = next.occurrence.at;
    }
    Some(kept[0])
}

/// The newest `n` occurrences in `(after, until]`, oldest first. Searches back from `until`
/// in windows that double, starting from `span`, so the cost follows `n`, not the backlog.
fn newest_occurrences(
    recurrence: &Recurrence,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
    n: usize,
    span: TimeDelta,
) -> VecDeque<Occurrence> {
    let mut window = span.max(TimeDelta::seconds(1));
    loop {
        let start = (until - window).max(after);
        let mut newest = VecDeque::with_capacity(n + 1);
        let mut cursor = start;
        while let Some(next) = recurrence.next_after(cursor) {
            if next.occurrence.at > until {
                break;
            }
            cursor = next.occurrence.at;
            newest.push_back(next.occurrence);
            if newest.len() > n {
                newest.pop_front();
            }
        }
        if newest.len() == n || start == after {
            return newest;
        }
        window = window * 2;
    }
}

/// Misfires gathered by one finish, capped at `MISFIRE_RECORD_LIMIT`.
#[derive(Default)]
struct Ledger {
    misfires: Vec<Misfire>,
    truncated: bool,
}

impl Ledger {
    /// Records one misfire; `false` when the ledger is full.
    fn record(&mut self, scheduled_at: DateTime<Utc>, reason: MisfireReason) -> bool {
        self.push(Misfire {
            scheduled_at,
            local: None,
            reason,
        })
    }

    /// Records DST-gap skips whose jump happened by `until`.
    fn record_skipped(&mut self, skipped: &[SkippedLocalTime], until: DateTime<Utc>) {
        for gap in skipped.iter().filter(|gap| gap.clocks_jumped_at <= until) {
            self.push(Misfire::from(*gap));
        }
    }

    fn push(&mut self, misfire: Misfire) -> bool {
        if self.misfires.len() >= MISFIRE_RECORD_LIMIT {
            self.truncated = true;
            return false;
        }
        self.misfires.push(misfire);
        true
    }

    fn finish(self, next: Option<Occurrence>) -> AfterFinish {
        AfterFinish {
            next,
            misfires: self.misfires,
            misfires_truncated: self.truncated,
        }
    }
}
