//! What an attempt's outcome does to its task: the next state, written by the finisher.
//!
//! Pure: takes the database clock estimate `now` and the retry decision, so every path
//! (success, retry, final failure, once vs recurring) is tested without I/O. What follows
//! a finished occurrence of a recurring task is [`super::recurrence_step`]'s to say.

use chrono::{DateTime, Utc};

use super::recurrence_step::{after_occurrence, AfterOccurrence};
use crate::domain::attempt::{AttemptOutcome, RecordedOutcome as Outcome};
use crate::domain::retry::Decision;
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
    use TaskStatus::{Failed, Scheduled, Succeeded};
    let mut failure = describe_failure(record.outcome);
    let mut misfires = Vec::new();
    // The occurrence is over (success or final failure): the recurrence says what is next.
    let mut occurrence_over = |ended_ok: TaskStatus, outcome: Outcome| match after_occurrence(
        task,
        now,
        &mut rand::thread_rng(),
    ) {
        AfterOccurrence::Next {
            run_at,
            due_at,
            misfires: missed,
        } => {
            misfires = missed;
            (Scheduled, Some(run_at), due_at, 0, outcome, true)
        }
        AfterOccurrence::Once => (ended_ok, None, task.due_at, record.attempt, outcome, true),
        AfterOccurrence::Ended { misfires: missed } => {
            misfires = missed;
            (Succeeded, None, task.due_at, record.attempt, outcome, true)
        }
        AfterOccurrence::Broken(why) => {
            failure = Some(why);
            (Failed, None, task.due_at, record.attempt, outcome, true)
        }
    };
    let (status, next_run_at, due_at, attempts, outcome, finished) = match decision {
        Decision::Succeeded => occurrence_over(Succeeded, Outcome::Succeeded),
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
        Decision::Failed { .. } => occurrence_over(Failed, Outcome::Failed),
    };
    let last_error = match (decision, status) {
        (Decision::Succeeded, Succeeded | Scheduled) => None,
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
        misfires,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::attempt::AttemptError;
    use crate::domain::recurrence::stored::{task_schedule, CronMemo, StoredSchedule};
    use std::time::Duration;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn task(interval_us: Option<i64>) -> ClaimedTask {
        let stored = StoredSchedule {
            interval_us,
            coalesce: true,
            ..StoredSchedule::default()
        };
        ClaimedTask {
            task_id: "t".into(),
            callback: "cb".into(),
            run_at: at("2025-01-01T00:00:00Z"),
            due_at: at("2025-01-01T00:00:00Z"),
            fire_at: at("2025-01-01T00:00:00Z"),
            kwargs: "{}".into(),
            group_id: None,
            attempts: 0,
            occurrence: uuid::Uuid::nil(),
            fence: 7,
            runs: 0,
            schedule: task_schedule(stored, &mut CronMemo::default()).transpose(),
            timeout_us: Some(10_000_000),
            lease_until: at("2025-01-01T00:00:25Z"),
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

#[cfg(test)]
mod bound_tests {
    //! Settling recurring tasks whose bounds end them, and cron tasks.
    use super::*;
    use crate::domain::recurrence::stored::{task_schedule, CronMemo, StoredSchedule};
    use std::time::Duration;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn cron_task(stored: StoredSchedule<'_>, runs: i64) -> ClaimedTask {
        ClaimedTask {
            task_id: "c".into(),
            callback: "cb".into(),
            run_at: at("2027-03-13T07:30:00Z"),
            due_at: at("2027-03-13T07:30:00Z"),
            fire_at: at("2027-03-13T07:30:00Z"),
            kwargs: "{}".into(),
            group_id: None,
            attempts: 0,
            occurrence: uuid::Uuid::nil(),
            fence: 1,
            runs,
            schedule: task_schedule(stored, &mut CronMemo::default()).transpose(),
            timeout_us: Some(10_000_000),
            lease_until: at("2027-03-13T07:30:25Z"),
        }
    }

    fn settled(task: &ClaimedTask, decision: Decision, now: &str) -> FinishedAttempt {
        let outcome = AttemptOutcome {
            status: Some(if decision == Decision::Succeeded {
                200
            } else {
                500
            }),
            error: None,
            duration: Duration::from_millis(1),
            response_prefix: None,
            retry_after: None,
            stop: false,
        };
        let record = AttemptRecord {
            webhook_id: "msg_c".into(),
            attempt: 1,
            started_at: task.run_at,
            outcome: &outcome,
        };
        settle(task, record, decision, at(now))
    }

    const NEW_YORK_SKIP: StoredSchedule<'static> = StoredSchedule {
        interval_us: None,
        cron: Some("30 2 * * *"),
        timezone: Some("America/New_York"),
        dst_gap: Some("skip"),
        dst_overlap: Some("once"),
        end_at: None,
        max_runs: None,
        jitter_us: None,
        coalesce: true,
    };

    #[test]
    fn a_cron_task_moves_to_its_next_match_and_ledgers_the_dst_gap() {
        let task = cron_task(NEW_YORK_SKIP, 0);
        let f = settled(&task, Decision::Succeeded, "2027-03-13T07:30:01Z");
        assert_eq!(f.status, TaskStatus::Scheduled);
        assert_eq!(f.next_run_at, Some(at("2027-03-15T06:30:00Z")));
        assert_eq!(f.due_at, at("2027-03-15T06:30:00Z"));
        assert_eq!(f.misfires.len(), 1);
        assert_eq!(f.misfires[0].reason.as_str(), "dst_gap");
        assert_eq!(f.misfires[0].scheduled_at, at("2027-03-14T07:00:00Z"));
    }

    #[test]
    fn max_runs_and_end_at_end_the_task_succeeded_even_after_a_failure() {
        let bounded = StoredSchedule {
            max_runs: Some(3),
            ..NEW_YORK_SKIP
        };
        let third = settled(
            &cron_task(bounded, 2),
            Decision::Failed { exhausted: true },
            "2027-03-13T07:30:01Z",
        );
        assert_eq!(third.status, TaskStatus::Succeeded);
        assert_eq!(third.next_run_at, None);
        assert_eq!(third.last_error.as_deref(), Some("HTTP 500"));
        assert!(third.occurrence_finished);
        let second = settled(
            &cron_task(bounded, 1),
            Decision::Succeeded,
            "2027-03-13T07:30:01Z",
        );
        assert_eq!(second.status, TaskStatus::Scheduled);
        let ending = StoredSchedule {
            end_at: Some(at("2027-03-14T12:00:00Z")),
            ..NEW_YORK_SKIP
        };
        let last = settled(
            &cron_task(ending, 0),
            Decision::Succeeded,
            "2027-03-13T07:30:01Z",
        );
        assert_eq!(last.status, TaskStatus::Succeeded);
        assert_eq!(last.last_error, None);
    }

    #[test]
    fn jitter_delays_the_attempt_but_never_the_occurrence() {
        let jittered = StoredSchedule {
            jitter_us: Some(60_000_000),
            ..NEW_YORK_SKIP
        };
        let task = cron_task(jittered, 0);
        for _ in 0..100 {
            let f = settled(&task, Decision::Succeeded, "2027-03-13T07:30:01Z");
            let run_at = f.next_run_at.unwrap();
            assert_eq!(run_at, at("2027-03-15T06:30:00Z"));
            assert!(f.due_at >= run_at && f.due_at <= run_at + chrono::TimeDelta::seconds(60));
        }
    }

    #[test]
    fn a_schedule_that_no_longer_parses_fails_the_task_with_the_reason() {
        let broken = StoredSchedule {
            cron: Some("61 * * * *"),
            ..NEW_YORK_SKIP
        };
        let f = settled(
            &cron_task(broken, 0),
            Decision::Succeeded,
            "2027-03-13T07:30:01Z",
        );
        assert_eq!(f.status, TaskStatus::Failed);
        assert!(f.last_error.unwrap().starts_with("schedule:"));
    }
}
