//! The recurrence step of settling: when an occurrence of a recurring or cron task has
//! finished (success or final failure), what comes next: the next occurrence (with its
//! jittered due time), or the end of the task because a bound was reached, plus the
//! occurrences that did not run, for the misfire ledger.
//!
//! A step of its own, apart from `settle` (which judges the attempt), so the rules of
//! *when* stay in `domain::recurrence` and settle only asks. It runs in Rust, per finished
//! attempt, on the delivery's own task: the finisher writes the result with the rest of
//! its batch in one statement, so a cron task costs the database nothing more than an
//! interval task.

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::domain::recurrence::catch_up::after_finish;
use crate::domain::recurrence::occurrence::Misfire;
use crate::store::deliveries::ClaimedTask;

/// What follows a finished occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterOccurrence {
    /// A `once` task: that was its only occurrence.
    Once,
    /// The task recurs: its next occurrence is at `run_at` (what `taskshed-scheduled-at`
    /// carries), first attempted at `due_at` (`run_at` plus jitter, never before it).
    Next {
        run_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
        misfires: Vec<Misfire>,
    },
    /// `max_runs` or `end_at` was reached (or the expression has no further match): the
    /// task ends `succeeded`.
    Ended { misfires: Vec<Misfire> },
    /// The stored schedule no longer parses: the task ends `failed`, saying why.
    Broken(String),
}

/// The step after the occurrence of `task` finished at `now`.
pub fn after_occurrence(
    task: &ClaimedTask,
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> AfterOccurrence {
    let schedule = match &task.schedule {
        None => return AfterOccurrence::Once,
        Some(Err(why)) => return AfterOccurrence::Broken(format!("schedule: {why}")),
        Some(Ok(schedule)) => schedule,
    };
    let runs_finished = u64::try_from(task.runs).unwrap_or(0) + 1;
    let outcome = after_finish(schedule, task.run_at, runs_finished, now);
    if outcome.misfires_truncated {
        tracing::info!(
            task_id = %task.task_id,
            recorded = outcome.misfires.len(),
            "more occurrences were missed than one finish records in the misfire ledger"
        );
    }
    match outcome.next {
        Some(next) => AfterOccurrence::Next {
            run_at: next.at,
            due_at: schedule.fire_at(next.at, rng),
            misfires: outcome.misfires,
        },
        None => AfterOccurrence::Ended {
            misfires: outcome.misfires,
        },
    }
}
