//! A delivery ledger for kill, restart and soak tests: for each task the API accepted,
//! was it delivered, how often, and is anything lost?
//!
//! It is built from what a recording receiver got and from the task states in the
//! database, never from TaskShed's own counters, so it checks the engine from outside:
//! - **delivered**: the receiver saw at least one request for the task;
//! - **duplicated**: receipts beyond the first, split into repeats of an earlier
//!   `webhook-id` (the same message sent again: a retry after a lost answer, or a lease
//!   taken over) and new `webhook-id`s (a second message for the task: a re-armed run);
//! - **pending**: not delivered yet, but `scheduled` or `running` in the database — still
//!   on its way, not lost;
//! - **lost**: accepted, never received and not pending (finished without a delivery, or
//!   gone from the table).
//!
//! The receiver in these tests answers 2xx, so every receipt beyond the first is a
//! duplicate; for a receiver that fails on purpose, count its retries separately.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use super::receiver::Received;

/// What the ledger knows about one accepted task.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskRecord {
    pub receipts: usize,
    /// Receipts repeating a `webhook-id` already received for this task.
    pub repeats_same_webhook_id: usize,
    /// Receipts after the first carrying a `webhook-id` not seen before for this task.
    pub repeats_new_webhook_id: usize,
    /// `scheduled` or `running` in the database when the ledger was built.
    pub pending: bool,
}

impl TaskRecord {
    pub fn delivered(&self) -> bool {
        self.receipts > 0
    }

    pub fn duplicates(&self) -> usize {
        self.receipts.saturating_sub(1)
    }

    pub fn lost(&self) -> bool {
        !self.delivered() && !self.pending
    }
}

/// Per-task delivery accounting; `Display` prints the summary line tests report.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    tasks: BTreeMap<String, TaskRecord>,
    /// Receipts for task ids that were never accepted (or had no task id at all).
    unexpected: usize,
}

impl Ledger {
    /// Builds the ledger from the accepted task ids, what the receiver got, and the ids of
    /// tasks still pending.
    pub fn new<S: Into<String>>(
        accepted: impl IntoIterator<Item = S>,
        receipts: &[Received],
        pending: &HashSet<String>,
    ) -> Ledger {
        let mut tasks: BTreeMap<String, TaskRecord> = accepted
            .into_iter()
            .map(|id| (id.into(), TaskRecord::default()))
            .collect();
        let mut unexpected = 0;
        let mut seen_webhook_ids: HashSet<(String, String)> = HashSet::new();
        for receipt in receipts {
            let Some(record) = receipt
                .try_header("taskshed-task-id")
                .and_then(|id| tasks.get_mut(id))
            else {
                unexpected += 1;
                continue;
            };
            let key = (
                receipt
                    .try_header("taskshed-task-id")
                    .unwrap_or_default()
                    .to_owned(),
                receipt
                    .try_header("webhook-id")
                    .unwrap_or_default()
                    .to_owned(),
            );
            let new_webhook_id = seen_webhook_ids.insert(key);
            if record.receipts > 0 {
                if new_webhook_id {
                    record.repeats_new_webhook_id += 1;
                } else {
                    record.repeats_same_webhook_id += 1;
                }
            }
            record.receipts += 1;
        }
        for (id, record) in tasks.iter_mut() {
            record.pending = pending.contains(id);
        }
        Ledger { tasks, unexpected }
    }

    /// Like [`Ledger::new`], reading which of the accepted tasks are still pending
    /// (`scheduled` or `running`) from TaskShed's database.
    pub async fn from_database<S: Into<String>>(
        pool: &sqlx::PgPool,
        accepted: impl IntoIterator<Item = S>,
        receipts: &[Received],
    ) -> Ledger {
        let accepted: Vec<String> = accepted.into_iter().map(Into::into).collect();
        let pending: Vec<String> = sqlx::query_scalar(
            "select task_id from tasks \
             where task_id = any($1) and status in ('scheduled', 'running')",
        )
        .bind(&accepted)
        .fetch_all(pool)
        .await
        .expect("read pending tasks");
        Ledger::new(accepted, receipts, &pending.into_iter().collect())
    }

    pub fn task(&self, task_id: &str) -> Option<&TaskRecord> {
        self.tasks.get(task_id)
    }

    pub fn accepted(&self) -> usize {
        self.tasks.len()
    }

    /// Tasks received at least once.
    pub fn delivered(&self) -> usize {
        self.tasks.values().filter(|t| t.delivered()).count()
    }

    /// Receipts beyond the first, over all tasks.
    pub fn duplicated(&self) -> usize {
        self.tasks.values().map(TaskRecord::duplicates).sum()
    }

    pub fn duplicated_same_webhook_id(&self) -> usize {
        self.tasks.values().map(|t| t.repeats_same_webhook_id).sum()
    }

    pub fn duplicated_new_webhook_id(&self) -> usize {
        self.tasks.values().map(|t| t.repeats_new_webhook_id).sum()
    }

    /// Not received yet but still pending in the database.
    pub fn pending(&self) -> usize {
        self.tasks
            .values()
            .filter(|t| !t.delivered() && t.pending)
            .count()
    }

    pub fn lost(&self) -> usize {
        self.tasks.values().filter(|t| t.lost()).count()
    }

    /// The ids of lost tasks, sorted (for an assertion message).
    pub fn lost_tasks(&self) -> Vec<&str> {
        self.ids_where(TaskRecord::lost)
    }

    /// The ids of tasks received more than once, sorted.
    pub fn duplicated_tasks(&self) -> Vec<&str> {
        self.ids_where(|t| t.duplicates() > 0)
    }

    /// Receipts that match no accepted task.
    pub fn unexpected_receipts(&self) -> usize {
        self.unexpected
    }

    fn ids_where(&self, holds: impl Fn(&TaskRecord) -> bool) -> Vec<&str> {
        self.tasks
            .iter()
            .filter(|(_, t)| holds(t))
            .map(|(id, _)| id.as_str())
            .collect()
    }
}

impl fmt::Display for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "accepted {} / delivered {} / duplicated {} (same webhook-id {}, new webhook-id {}) / lost {}",
            self.accepted(),
            self.delivered(),
            self.duplicated(),
            self.duplicated_same_webhook_id(),
            self.duplicated_new_webhook_id(),
            self.lost(),
        )?;
        if self.pending() > 0 {
            write!(f, " (pending {})", self.pending())?;
        }
        if self.unexpected > 0 {
            write!(f, " (unexpected receipts {})", self.unexpected)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::database::fresh_database;
    use axum::http::{HeaderMap, HeaderValue};

    fn receipt(task_id: &str, webhook_id: &str) -> Received {
        let mut headers = HeaderMap::new();
        headers.insert("taskshed-task-id", HeaderValue::from_str(task_id).unwrap());
        headers.insert("webhook-id", HeaderValue::from_str(webhook_id).unwrap());
        Received {
            at: chrono::Utc::now(),
            path: "/hook".into(),
            headers,
            body: Default::default(),
        }
    }

    #[test]
    fn ledger_counts_delivered_duplicated_pending_and_lost() {
        let receipts = [
            receipt("a", "msg_a"),
            receipt("b", "msg_b1"),
            receipt("b", "msg_b1"),
            receipt("b", "msg_b2"),
            receipt("stranger", "msg_x"),
        ];
        let pending: HashSet<String> = ["c".to_owned()].into();
        let ledger = Ledger::new(["a", "b", "c", "d"], &receipts, &pending);
        assert_eq!(
            (ledger.accepted(), ledger.delivered(), ledger.duplicated()),
            (4, 2, 2)
        );
        assert_eq!(ledger.duplicated_same_webhook_id(), 1);
        assert_eq!(ledger.duplicated_new_webhook_id(), 1);
        assert_eq!(ledger.pending(), 1);
        assert_eq!(ledger.lost_tasks(), ["d"]);
        assert_eq!(ledger.duplicated_tasks(), ["b"]);
        assert_eq!(ledger.unexpected_receipts(), 1);
        assert_eq!(
            ledger.to_string(),
            "accepted 4 / delivered 2 / duplicated 2 (same webhook-id 1, new webhook-id 1) \
             / lost 1 (pending 1) (unexpected receipts 1)"
        );
    }

    #[tokio::test]
    async fn ledger_reads_pending_tasks_from_the_database() {
        let pool = taskshed::harness::connect(&fresh_database().await, 1)
            .await
            .expect("pool");
        taskshed::harness::migrate(&pool).await.expect("migrate");
        // Minimal rows: one waiting, one finished, so only the first counts as pending.
        sqlx::query(
            "insert into tasks (task_id, callback, run_type, run_at, due_at, kwargs, status, finished_at) \
             values ('waiting', 'hook', 'once', now(), now(), '{}', 'scheduled', null), \
                    ('finished', 'hook', 'once', now(), now(), '{}', 'succeeded', now())",
        )
        .execute(&pool)
        .await
        .expect("insert tasks");
        let ledger = Ledger::from_database(&pool, ["waiting", "finished", "gone"], &[]).await;
        assert_eq!(ledger.pending(), 1);
        assert!(ledger.task("waiting").unwrap().pending);
        assert_eq!(ledger.lost_tasks(), ["finished", "gone"]);
    }
}
