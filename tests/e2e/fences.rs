//! Recording results safely (issue 12). Fencing tokens (problem 2): a claim lost in a
//! database crash must not hand its token to the next claim, and a result is applied only
//! by the instance holding the claim. A batch PostgreSQL refuses (problem 1) is recorded in
//! parts, so one result never keeps the others from being recorded.
//!
//! The crash is emulated by putting the row back exactly as it was before the lost claim
//! (`scheduled`, the old fence), which is what recovery leaves when a claim committed with
//! `synchronous_commit = off` had not reached the disk.

use chrono::Utc;
use std::time::Duration;
use taskshed::harness::{
    claim_due, connect, finish_attempts, migrate, record_in_parts, settle, webhook_id,
    AttemptOutcome, AttemptRecord, ClaimedTask, Decision,
};

use crate::support::database::fresh_database;

const LEASE_MARGIN_US: i64 = 15_000_000;

/// A fresh, migrated database with callback `hook` and due `once` tasks `task_ids`.
async fn pool_with_due_tasks(task_ids: &[&str]) -> sqlx::PgPool {
    let pool = connect(&fresh_database().await, 4).await.expect("pool");
    migrate(&pool).await.expect("migrate");
    sqlx::query(
        "insert into callbacks (name, url, timeout_us, max_attempts, initial_backoff_us, \
           max_backoff_us, secret) \
         values ('hook', 'http://127.0.0.1:9/hook', 10000000, 3, 1000000, 60000000, \
           'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')",
    )
    .execute(&pool)
    .await
    .expect("callback");
    sqlx::query(
        "insert into tasks (task_id, callback, run_type, run_at, due_at, kwargs) \
         select id, 'hook', 'once', now() - interval '1 second', \
           now() - interval '1 second', '{}' from unnest($1::text[]) as id",
    )
    .bind(task_ids)
    .execute(&pool)
    .await
    .expect("tasks");
    pool
}

async fn claim_one(pool: &sqlx::PgPool, instance: &str) -> ClaimedTask {
    let claim = claim_due(pool, instance, 10, 0, LEASE_MARGIN_US, &[], true)
        .await
        .expect("claim");
    assert_eq!(claim.tasks.len(), 1, "one due task to claim");
    claim.tasks.into_iter().next().unwrap()
}

/// Records a successful attempt of `task` as `instance` would; true when it was applied.
async fn finish_as(pool: &sqlx::PgPool, instance: &str, task: &ClaimedTask) -> bool {
    let outcome = AttemptOutcome {
        status: Some(204),
        error: None,
        duration: Duration::from_millis(1),
        response_prefix: None,
        retry_after: None,
        stop: false,
    };
    let now = Utc::now();
    let finished = settle(
        task,
        AttemptRecord {
            webhook_id: webhook_id(&task.occurrence),
            attempt: task.attempts + 1,
            started_at: now,
            outcome: &outcome,
        },
        Decision::Succeeded,
        now,
    );
    !finish_attempts(pool, instance, &[finished])
        .await
        .expect("finish")
        .is_empty()
}

async fn status(pool: &sqlx::PgPool) -> (String, Option<String>) {
    sqlx::query_as("select status, claimed_by from tasks where task_id = 't'")
        .fetch_one(pool)
        .await
        .expect("task row")
}

#[tokio::test]
async fn a_claim_lost_in_a_crash_does_not_lend_its_fence_to_the_next_claim() {
    let pool = pool_with_due_tasks(&["t"]).await;
    let (fence_before,): (i64,) = sqlx::query_as("select fence from tasks where task_id = 't'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let lost = claim_one(&pool, "a").await;
    // The crash: the claim never reached the disk, the row is as it was before it.
    sqlx::query(
        "update tasks set status = 'scheduled', lease_until = null, claimed_by = null, \
           fence = $1 where task_id = 't'",
    )
    .bind(fence_before)
    .execute(&pool)
    .await
    .unwrap();
    // The same instance name on purpose (a restarted instance keeps a configured id):
    // only the fence can tell the two claims apart.
    let current = claim_one(&pool, "a").await;
    assert_ne!(
        current.fence, lost.fence,
        "the new claim reused the lost one's fence"
    );
    assert!(
        !finish_as(&pool, "a", &lost).await,
        "the lost claim's result was applied to the new claim"
    );
    assert_eq!(status(&pool).await, ("running".into(), Some("a".into())));
    assert!(finish_as(&pool, "a", &current).await);
    assert_eq!(status(&pool).await.0, "succeeded");
}

#[tokio::test]
async fn only_the_claiming_instance_can_apply_a_result() {
    let pool = pool_with_due_tasks(&["t"]).await;
    let claimed = claim_one(&pool, "a").await;
    assert!(
        !finish_as(&pool, "b", &claimed).await,
        "another instance applied a result with the right fence"
    );
    assert_eq!(status(&pool).await, ("running".into(), Some("a".into())));
    assert!(finish_as(&pool, "a", &claimed).await);
}

/// A batch PostgreSQL refuses as a whole (here a NUL in one result's recorded text, which
/// the sender never lets through any more) is recorded in parts: every other result is
/// applied, and the refused one is recorded without the receiver's text (issue 12,
/// problem 1: "isolate a batch that fails deterministically").
#[tokio::test]
async fn a_refused_result_does_not_keep_the_rest_of_its_batch_from_being_recorded() {
    let pool = pool_with_due_tasks(&["t1", "t2", "t3", "t4", "t5"]).await;
    let claim = claim_due(&pool, "a", 10, 0, LEASE_MARGIN_US, &[], true)
        .await
        .unwrap();
    assert_eq!(claim.tasks.len(), 5);
    let now = Utc::now();
    let batch: Vec<_> = claim
        .tasks
        .iter()
        .map(|task| {
            let poisoned = task.task_id == "t3";
            let outcome = AttemptOutcome {
                status: Some(200),
                error: None,
                duration: Duration::from_millis(1),
                response_prefix: Some(if poisoned { "ok\0binary" } else { "ok" }.into()),
                retry_after: None,
                stop: false,
            };
            settle(
                task,
                AttemptRecord {
                    webhook_id: webhook_id(&task.occurrence),
                    attempt: 1,
                    started_at: now,
                    outcome: &outcome,
                },
                Decision::Succeeded,
                now,
            )
        })
        .collect();
    assert!(
        finish_attempts(&pool, "a", &batch).await.is_err(),
        "the batch as a whole is refused (otherwise this test proves nothing)"
    );
    let (applied, written) = record_in_parts(&pool, "a", batch).await;
    assert_eq!((applied, written), (5, 5));
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "select t.task_id, t.status, a.response_prefix from tasks t \
         join attempts a using (task_id) order by t.task_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (task_id, status, prefix) in &rows {
        assert_eq!(status, "succeeded", "{task_id}");
        let expected = (task_id != "t3").then(|| "ok".to_owned());
        assert_eq!(prefix, &expected, "{task_id}");
    }
    assert_eq!(rows.len(), 5);
}
