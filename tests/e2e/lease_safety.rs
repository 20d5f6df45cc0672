//! Lease safety and changes to running tasks (issue 12, problems 3 and 4): an attempt in
//! flight is never joined by a second one of the same task — not when its callback's
//! timeout is raised after the claim, not when recording its result is slow, not when the
//! task is changed (PATCH, execution-times, replace) while the receiver holds the request.
//!
//! Overlap is judged from the receiver's side: a request held for `HOLD` must be answered
//! before the next request of that task arrives.

use serde_json::{json, Value};
use std::time::Duration;

use crate::delivery::{at, start};
use crate::support::database::fresh_database;
use crate::support::receiver::{Answer, Receiver};
use crate::support::server::Server;

const SOON: Duration = Duration::from_secs(30);
/// How long the receiver holds the first request of each task.
const HOLD: Duration = Duration::from_secs(3);

fn is_final(task: &Value) -> bool {
    task["status"] == "succeeded" || task["status"] == "failed"
}

/// Asserts that the second request of a task arrived only after the first was answered.
#[track_caller]
fn assert_no_overlap(receiver: &Receiver, task_id: &str) {
    let got = receiver.for_task(task_id);
    assert!(got.len() >= 2, "{task_id}: {got:#?}");
    let gap = (got[1].at - got[0].at).to_std().unwrap_or_default();
    assert!(
        gap >= HOLD,
        "{task_id}: a second request came {gap:?} after the first, which was held for {HOLD:?}"
    );
}

#[tokio::test]
async fn run_at_changes_during_an_attempt_wait_for_it() {
    let (_db, server, receiver) = start(&[]).await;
    for name in ["patched", "moved", "replaced"] {
        server
            .api
            .callback(name, &receiver.url(&format!("/{name}")), json!({}))
            .await;
        receiver.script(&format!("/{name}"), [Answer::status(200).after(HOLD)]);
        let (_, now) = at(0);
        server
            .api
            .create_task(json!({"callback": name, "task_id": name, "run_at": now}))
            .await;
    }
    for name in ["patched", "moved", "replaced"] {
        receiver.wait_for_task(name, 1, SOON).await;
    }
    // Every attempt is now held by the receiver. Move each task to "now" three ways.
    let (_, now) = at(0);
    let patched = server
        .api
        .call(
            reqwest::Method::PATCH,
            "/v1/tasks/patched",
            Some(json!({"run_at": now})),
        )
        .await;
    assert_eq!(patched.status.as_u16(), 200, "{patched:?}");
    assert_eq!(
        patched.body["status"], "running",
        "the attempt is still in flight: {patched:?}"
    );
    let moved = server
        .api
        .post(
            "/v1/tasks/execution-times",
            json!({"tasks": [{"task_id": "moved", "run_at": now}]}),
        )
        .await;
    assert_eq!(moved.status.as_u16(), 200, "{moved:?}");
    assert_eq!(moved.body["updated"], 1, "{moved:?}");
    let replaced = server
        .api
        .post(
            "/v1/tasks",
            json!({"callback": "replaced", "task_id": "replaced", "run_at": now,
                   "replace_existing": true}),
        )
        .await;
    assert_eq!(replaced.status.as_u16(), 200, "{replaced:?}");

    for name in ["patched", "moved", "replaced"] {
        let got = receiver.wait_for_task(name, 2, SOON).await;
        assert_no_overlap(&receiver, name);
        assert_ne!(
            got[0].webhook_id(),
            got[1].webhook_id(),
            "{name}: a new run_at is a new occurrence"
        );
        let task = server.api.wait_for_task(name, SOON, is_final).await;
        assert_eq!(task["status"], "succeeded", "{task:#}");
        let attempts = server.api.attempts(name).await;
        assert_eq!(attempts.len(), 2, "{name}: {attempts:#?}");
        assert!(
            attempts.iter().all(|a| a["outcome"] == "succeeded"),
            "{name}: {attempts:#?}"
        );
    }
    assert_eq!(receiver.count(), 6, "{:#?}", receiver.received());
}

#[tokio::test]
async fn a_kwargs_change_during_an_attempt_is_sent_next_under_a_new_webhook_id() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    receiver.script("/hook", [Answer::status(200).after(HOLD)]);
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "t", "run_at": now, "kwargs": {"v": 1}}))
        .await;
    receiver.wait_for_task("t", 1, SOON).await;
    let patched = server
        .api
        .call(
            reqwest::Method::PATCH,
            "/v1/tasks/t",
            Some(json!({"kwargs": {"v": 2}})),
        )
        .await;
    assert_eq!(patched.status.as_u16(), 200, "{patched:?}");

    let got = receiver.wait_for_task("t", 2, SOON).await;
    assert_no_overlap(&receiver, "t");
    assert_eq!(&got[0].body[..], br#"{"v":1}"#);
    assert_eq!(
        &got[1].body[..],
        br#"{"v":2}"#,
        "the next delivery has the new body"
    );
    assert_ne!(
        got[0].webhook_id(),
        got[1].webhook_id(),
        "a new body is a new message"
    );
    let task = server.api.wait_for_task("t", SOON, is_final).await;
    assert_eq!(task["status"], "succeeded", "{task:#}");
    assert_eq!(receiver.for_task("t").len(), 2);
}

/// The lease is computed from the callback's timeout at claim; raising the timeout after
/// the claim must not stretch the attempt past it (else another claim would send the task
/// again while the first request is open). Claims are made 10 s early (`--look-ahead`),
/// so the timeout can be raised between claim and send; a short `--lease-margin` and
/// `--poll-interval` make a lease overrun show up within the test, not hide it.
#[tokio::test]
async fn a_timeout_raised_after_the_claim_is_not_used_by_that_attempt() {
    let database_url = fresh_database().await;
    let env = [
        ("TASKSHED_LOOK_AHEAD", "PT10S"),
        ("TASKSHED_LEASE_MARGIN", "PT2S"),
        ("TASKSHED_POLL_INTERVAL", "PT1S"),
    ];
    let server = Server::start(&database_url, "a", &env).await;
    let receiver = Receiver::start().await;
    let retry = json!({"max_attempts": 3, "initial_backoff": "PT0.5S", "max_backoff": "PT1S"});
    server
        .api
        .callback(
            "hook",
            &receiver.url("/hook"),
            json!({"timeout": "PT1S", "retry": retry}),
        )
        .await;
    // Held well past both the claimed timeout and the lease (10 + 1 + 2 s from claim).
    receiver.script(
        "/hook",
        [Answer::status(200).after(Duration::from_secs(20))],
    );
    let (_, due) = at(4_000);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "t", "run_at": due}))
        .await;
    server
        .api
        .wait_for_task("t", SOON, |t| t["status"] == "running")
        .await;
    server
        .api
        .callback(
            "hook",
            &receiver.url("/hook"),
            json!({"timeout": "PT30S", "retry": retry}),
        )
        .await;

    let task = server.api.wait_for_task("t", SOON, is_final).await;
    assert_eq!(task["status"], "succeeded", "{task:#}");
    let got = receiver.for_task("t");
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(
        (got[0].attempt(), got[1].attempt()),
        (1, 2),
        "the second request is a retry, not the same attempt claimed again"
    );
    let attempts = server.api.attempts("t").await;
    let first = attempts.last().expect("attempts");
    assert_eq!(first["outcome"], "retrying", "{attempts:#?}");
    assert!(
        first["duration_ms"].as_f64().unwrap_or(f64::MAX) < 5_000.0,
        "the first attempt used the claimed 1 s timeout: {attempts:#?}"
    );
    assert!(
        attempts.iter().all(|a| a["outcome"] != "superseded"),
        "{attempts:#?}"
    );
}

/// A result that cannot be recorded for longer than the lease (the `attempts` table is
/// locked, as a long migration or a slow disk would hold it up) must not let the lease
/// expire: the lease keeper extends it (its statement touches only `tasks`), so the task
/// is neither rescued nor delivered again.
#[tokio::test]
async fn slow_recording_does_not_let_the_lease_expire() {
    let database_url = fresh_database().await;
    let env = [
        ("TASKSHED_LEASE_MARGIN", "PT2S"),
        ("TASKSHED_POLL_INTERVAL", "PT1S"),
    ];
    let server = Server::start(&database_url, "a", &env).await;
    let receiver = Receiver::start().await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({"timeout": "PT1S"}))
        .await;
    let pool = taskshed::harness::connect(&database_url, 2)
        .await
        .expect("pool");
    let mut lock = pool.begin().await.expect("begin");
    sqlx::query("lock table attempts in exclusive mode")
        .execute(&mut *lock)
        .await
        .expect("lock attempts");
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "t", "run_at": now}))
        .await;
    receiver.wait_for_task("t", 1, SOON).await;
    // Recording is held up for 8 s: more than twice the lease (0.2 + 1 + 2 s), with the
    // rescuer looking every second. Holding the lock is the fault, so it is timed.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let running: (String, Option<String>) =
        sqlx::query_as("select status, claimed_by from tasks where task_id = 't'")
            .fetch_one(&pool)
            .await
            .expect("read the task");
    assert_eq!(
        running,
        ("running".to_owned(), Some("a".to_owned())),
        "the lease was kept while the result waited"
    );
    lock.commit().await.expect("unlock");

    let task = server.api.wait_for_task("t", SOON, is_final).await;
    assert_eq!(task["status"], "succeeded", "{task:#}");
    assert_eq!(receiver.for_task("t").len(), 1, "delivered once");
    let attempts = server.api.attempts("t").await;
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    assert_eq!(attempts[0]["outcome"], "succeeded");
}
