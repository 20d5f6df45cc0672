//! What an attempt's outcome does to its task: the next state, written by the finisher.
//!
//! Pure: takes the database clock estimate `now` and the retry decision, so every path
//! (success, retry, final failure, once vs recurring) is tested without I/O.

use chrono::{DateTime, Utc};

use crate::domain::attempt::{AttemptOutcome, RecordedOutcome as Outcome};
use crate::domain::duration::IsoDuration;
use crate::domain::retry::Decision;
use crate::domain::schedule::next_occurrence;
use crate::domain::task::TaskStatus;
use crate::store::deliveries::{ClaimedTask, FinishedAttempt};

/// The attempt's facts, as recorded.
pub struct AttemptRecord<'a> {
    pub webhook_id: String,
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub outcome: &'a AttemptOutcome,
}

/// The error text kept in `last_error`: status and error class, plus the error detail.
pub fn describe_failure(outcome: &AttemptOutcome) -> Option<String> {
    match (&outcome.status, &outcome.error) {
        (Some(status), _) if (200..300).contains(status) => None,
        (Some(status), _) => Some(format!("HTTP {status}")),
        (None, Some(error)) => Some(error.to_string()),
        (None, None) => Some("no response".to_owned()),
    }
}

/// Builds the finisher's row for `task` after an attempt judged as `decision`.
pub fn settle(
    task: &ClaimedTask,
    record: AttemptRecord<'_>,
    decision: Decision,
    now: DateTime<Utc>,
) -> FinishedAttempt {
    let recurring_next = || {
        task.interval_us.map(|us| {
            next_occurrence(
                task.run_at,
                IsoDuration::from_micros(us),
                task.coalesce_missed,
                now,
            )
        })
    };
    use TaskStatus::{Failed, Scheduled, Succeeded};
    let failure = describe_failure(record.outcome);
    let (status, next_run_at, due_at, attempts, outcome, finished) = match decision {
        Decision::Succeeded => match recurring_next() {
            Some(next) => (Scheduled, Some(next), next, 0, Outcome::Succeeded, true),
            None => (
                Succeeded,
                None,
                task.due_at,
                record.attempt,
                Outcome::Succeeded,
                true,
            ),
        },
        Decision::RetryIn(wait) => {
            let due = now + chrono::TimeDelta::from_std(wait).unwrap_or(chrono::TimeDelta::MAX);
            (
                Scheduled,
                None,
                due,
                record.attempt,
                Outcome::Retrying,
                false,
            )
        }
        Decision::Failed { .. } => match recurring_next() {
            Some(next) => (Scheduled, Some(next), next, 0, Outcome::Failed, true),
            None => (
                Failed,
                None,
                task.due_at,
                record.attempt,
                Outcome::Failed,
                true,
            ),
        },
    };
    let last_error = match decision {
        Decision::Succeeded => None,
        _ => failure,
    };
    FinishedAttempt {
        task_id: task.task_id.clone(),
        fence: task.fence,
        status,
        next_run_at,
        due_at,
        attempts,
        last_error,
        occurrence_finished: finished,
        webhook_id: record.webhook_id,
        attempt: record.attempt,
        scheduled_at: task.run_at,
        started_at: record.started_at,
        duration_us: i64::try_from(record.outcome.duration.as_micros()).unwrap_or(i64::MAX),
        status_code: record.outcome.status.map(i32::from),
        error: record.outcome.error.as_ref().map(|e| e.class().to_owned()),
        outcome,
        response_prefix: record.outcome.response_prefix.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::attempt::AttemptError;
    use std::time::Duration;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn task(interval_us: Option<i64>) -> ClaimedTask {
        ClaimedTask {
            task_id: "t".into(),
            callback: "cb".into(),
            run_at: at("2025-01-01T00:00:00Z"),
            due_at: at("2025-01-01T00:00:00Z"),
            fire_at: at("2025-01-01T00:00:00Z"),
            interval_us,
            kwargs: "{}".into(),
            group_id: None,
            coalesce_missed: true,
            attempts: 0,
            occurrence: uuid::Uuid::nil(),
            fence: 7,
        }
    }

    fn outcome(status: Option<u16>, error: Option<AttemptError>) -> AttemptOutcome {
        AttemptOutcome {
            status,
            error,
            duration: Duration::from_millis(3),
            response_prefix: None,
            retry_after: None,
            stop: false,
        }
    }

    fn record(outcome: &AttemptOutcome) -> AttemptRecord<'_> {
        AttemptRecord {
            webhook_id: "msg_x".into(),
            attempt: 1,
            started_at: at("2025-01-01T00:00:00.001Z"),
            outcome,
        }
    }

    #[test]
    fn once_success_finishes_the_task() {
        let ok = outcome(Some(204), None);
        let f = settle(
            &task(None),
            record(&ok),
            Decision::Succeeded,
            at("2025-01-01T00:00:01Z"),
        );
        assert_eq!(
            (f.status, f.outcome, f.occurrence_finished),
            (TaskStatus::Succeeded, Outcome::Succeeded, true)
        );
        assert_eq!(f.next_run_at, None);
        assert_eq!(f.last_error, None);
        assert_eq!(f.fence, 7);
    }

    #[test]
    fn recurring_success_moves_to_the_next_slot() {
        let ok = outcome(Some(200), None);
        let f = settle(
            &task(Some(10_000_000)),
            record(&ok),
            Decision::Succeeded,
            at("2025-01-01T00:00:01Z"),
        );
        assert_eq!(f.status, TaskStatus::Scheduled);
        assert_eq!(f.next_run_at, Some(at("2025-01-01T00:00:10Z")));
        assert_eq!(f.due_at, at("2025-01-01T00:00:10Z"));
        assert_eq!(f.attempts, 0);
    }

    #[test]
    fn retry_keeps_the_occurrence_and_waits() {
        let bad = outcome(Some(503), None);
        let now = at("2025-01-01T00:00:01Z");
        let f = settle(
            &task(None),
            record(&bad),
            Decision::RetryIn(Duration::from_secs(5)),
            now,
        );
        assert_eq!(
            (f.status, f.outcome),
            (TaskStatus::Scheduled, Outcome::Retrying)
        );
        assert_eq!(f.next_run_at, None);
        assert_eq!(f.due_at, at("2025-01-01T00:00:06Z"));
        assert_eq!(f.attempts, 1);
        assert_eq!(f.last_error.as_deref(), Some("HTTP 503"));
        assert!(!f.occurrence_finished);
    }

    #[test]
    fn final_failure_fails_once_tasks_and_moves_recurring_ones_on() {
        let timeout = outcome(None, Some(AttemptError::Timeout));
        let now = at("2025-01-01T00:00:01Z");
        let failed = Decision::Failed { exhausted: true };
        let once = settle(&task(None), record(&timeout), failed, now);
        assert_eq!(
            (once.status, once.outcome),
            (TaskStatus::Failed, Outcome::Failed)
        );
        assert_eq!(once.error.as_deref(), Some("timeout"));
        assert_eq!(once.last_error.as_deref(), Some("timed out"));
        let recurring = settle(&task(Some(10_000_000)), record(&timeout), failed, now);
        assert_eq!(
            (recurring.status, recurring.outcome),
            (TaskStatus::Scheduled, Outcome::Failed)
        );
        assert_eq!(recurring.next_run_at, Some(at("2025-01-01T00:00:10Z")));
        assert!(recurring.occurrence_finished);
    }
}
