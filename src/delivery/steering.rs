//! Receiver steering (API.md "Flow control"): a response carrying `taskshed-stop: true`
//! ends its task, whatever its status — no retry of this occurrence, no next occurrence.
//! A recurring task then finishes `succeeded` if the answer was a 2xx, `failed`
//! otherwise, exactly as a `once` task would.
//!
//! Pure, applied to what [`super::settle`] decided, so the settle rules stay as they are
//! and this one rule is tested on its own.

use crate::domain::attempt::RecordedOutcome;
use crate::domain::task::TaskStatus;
use crate::store::deliveries::{ClaimedTask, FinishedAttempt};

/// `finished` as it must be written when the receiver asked to stop.
pub fn end_task(mut finished: FinishedAttempt, task: &ClaimedTask) -> FinishedAttempt {
    let served = finished.outcome == RecordedOutcome::Succeeded;
    finished.status = if served {
        TaskStatus::Succeeded
    } else {
        TaskStatus::Failed
    };
    if !served {
        finished.outcome = RecordedOutcome::Failed;
    }
    finished.next_run_at = None;
    finished.due_at = task.due_at;
    finished.attempts = finished.attempt;
    finished.occurrence_finished = true;
    // Occurrences skipped on the way to a next one that will never come are not misfires.
    finished.misfires.clear();
    finished
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn task(interval_us: Option<i64>) -> ClaimedTask {
        use crate::domain::recurrence::stored::{task_schedule, CronMemo, StoredSchedule};
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let stored = StoredSchedule {
            interval_us,
            coalesce: true,
            ..StoredSchedule::default()
        };
        ClaimedTask {
            task_id: "t".into(),
            callback: "c".into(),
            run_at: at,
            due_at: at,
            fire_at: at,
            kwargs: "{}".into(),
            group_id: None,
            attempts: 0,
            occurrence: uuid::Uuid::nil(),
            fence: 1,
            runs: 0,
            schedule: task_schedule(stored, &mut CronMemo::default()).transpose(),
            timeout_us: None,
            lease_until: at,
        }
    }

    fn finished(status: TaskStatus, outcome: RecordedOutcome, next: bool) -> FinishedAttempt {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        FinishedAttempt {
            task_id: "t".into(),
            fence: 1,
            status,
            next_run_at: next.then(|| at + chrono::TimeDelta::hours(1)),
            due_at: at + chrono::TimeDelta::hours(1),
            attempts: 0,
            last_error: None,
            occurrence_finished: outcome != RecordedOutcome::Retrying,
            webhook_id: "msg_x".into(),
            attempt: 2,
            scheduled_at: at,
            started_at: at,
            duration_us: 1,
            status_code: Some(200),
            error: None,
            outcome,
            response_prefix: None,
            misfires: Vec::new(),
        }
    }

    #[test]
    fn a_recurring_success_ends_succeeded_without_a_next_occurrence() {
        let ended = end_task(
            finished(TaskStatus::Scheduled, RecordedOutcome::Succeeded, true),
            &task(Some(3_600_000_000)),
        );
        assert_eq!(ended.status, TaskStatus::Succeeded);
        assert_eq!(ended.next_run_at, None);
        assert_eq!(ended.due_at, task(None).due_at);
        assert!(ended.occurrence_finished);
        assert_eq!(ended.attempts, 2);
    }

    #[test]
    fn a_retryable_failure_ends_failed_without_a_retry() {
        let ended = end_task(
            finished(TaskStatus::Scheduled, RecordedOutcome::Retrying, false),
            &task(None),
        );
        assert_eq!(ended.status, TaskStatus::Failed);
        assert_eq!(ended.outcome, RecordedOutcome::Failed);
        assert!(ended.occurrence_finished);
        assert_eq!(ended.next_run_at, None);
    }
}
