//! `POST /v1/tasks/retry`: re-arming many failed tasks at once, by ids, group or
//! callback, within a window of failure times; and, with a real server and receiver, that
//! re-armed tasks are delivered again at once, with the same `webhook-id`.
//!
//! The API-only tests run without a delivery loop, so tasks are marked failed in SQL, as
//! the delivery loop would leave them (status, `finished_at`, attempts, a due time past).

use serde_json::{json, Value};
use std::time::Duration;

use crate::support::app::TestApp;
use crate::support::database::fresh_database;
use crate::support::receiver::{Answer, Receiver};
use crate::support::server::Server;

const HOOK: &str = "http://127.0.0.1:9/hook";

/// An API with callbacks `cb` and `cb2`, and these tasks, all due in 2030:
/// `a1 a2 a3` (cb, group `a`), `b1 b2` (cb2, group `b`), `c1` (cb, no group).
async fn app_with_tasks() -> TestApp {
    let app = TestApp::spawn().await;
    app.register_callback("cb", HOOK).await;
    app.register_callback("cb2", HOOK).await;
    let mut tasks = Vec::new();
    for (id, callback, group) in [
        ("a1", "cb", Some("a")),
        ("a2", "cb", Some("a")),
        ("a3", "cb", Some("a")),
        ("b1", "cb2", Some("b")),
        ("b2", "cb2", Some("b")),
        ("c1", "cb", None),
    ] {
        let mut task =
            json!({"callback": callback, "run_at": "2030-01-01T00:00:00Z", "task_id": id});
        if let Some(group) = group {
            task["group_id"] = json!(group);
        }
        tasks.push(task);
    }
    let reply = app.post("/v1/tasks/batch", json!({ "tasks": tasks })).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    app
}

/// Marks a task failed at `failed_at`, as delivery leaves one after its last attempt.
pub async fn fail(app: &TestApp, id: &str, failed_at: &str) {
    sqlx::query(
        "update tasks set status = 'failed', finished_at = $2::timestamptz, attempts = 8, \
         due_at = '2020-01-01T00:00:00Z', last_error = 'HTTP 500' where task_id = $1",
    )
    .bind(id)
    .bind(failed_at)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// (task_id, status) of every task, in id order.
async fn statuses(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("select task_id, status from tasks order by task_id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

fn scheduled(ids: &[&str], all: &[(String, String)]) -> bool {
    all.iter()
        .all(|(id, status)| (status == "scheduled") == ids.contains(&id.as_str()))
}

async fn retry(app: &TestApp, body: Value) -> i64 {
    let reply = app.post("/v1/tasks/retry", body).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert!(reply.body.get("task_ids").is_none(), "{reply:#?}");
    reply.body["affected"].as_i64().expect("affected")
}

#[tokio::test]
async fn bulk_retry_by_ids_rearms_the_failed_ones_as_single_retry_does() {
    let app = app_with_tasks().await;
    for id in ["a1", "a2", "b1"] {
        fail(&app, id, "2026-01-01T00:00:00Z").await;
    }
    // a3 is scheduled, "nope" does not exist: neither counts.
    let affected = retry(&app, json!({"task_ids": ["a1", "b1", "a3", "nope"]})).await;
    assert_eq!(affected, 2);
    let all = statuses(&app).await;
    assert!(scheduled(&["a1", "a3", "b1", "b2", "c1"], &all), "{all:?}");
    // Re-armed like `POST /v1/tasks/{id}/retry`: due now, attempts reset, unfinished.
    let task = app.get("/v1/tasks/a1").await.body;
    assert_eq!(task["attempts"], 0, "{task}");
    assert_eq!(task["finished_at"], Value::Null, "{task}");
    let due: chrono::DateTime<chrono::Utc> =
        task["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert!(
        (chrono::Utc::now() - due).num_seconds().abs() < 60,
        "{task}"
    );
    // The run_at (the occurrence) is kept.
    assert_eq!(task["run_at"], "2030-01-01T00:00:00Z");
    // A second call finds nothing failed among them.
    assert_eq!(retry(&app, json!({"task_ids": ["a1", "b1"]})).await, 0);
}

#[tokio::test]
async fn bulk_retry_by_group_and_by_callback() {
    let app = app_with_tasks().await;
    for id in ["a1", "a2", "b1", "b2", "c1"] {
        fail(&app, id, "2026-01-01T00:00:00Z").await;
    }
    assert_eq!(retry(&app, json!({"group_id": "a"})).await, 2);
    let all = statuses(&app).await;
    assert!(scheduled(&["a1", "a2", "a3"], &all), "{all:?}");

    // By callback: c1 (cb, no group) now; b1, b2 are cb2's and stay failed.
    assert_eq!(retry(&app, json!({"callback": "cb"})).await, 1);
    let all = statuses(&app).await;
    assert!(scheduled(&["a1", "a2", "a3", "c1"], &all), "{all:?}");
    assert_eq!(retry(&app, json!({"callback": "cb2"})).await, 2);
    assert!(statuses(&app).await.iter().all(|(_, s)| s == "scheduled"));
    // An unknown group or callback matches nothing.
    assert_eq!(retry(&app, json!({"callback": "nobody"})).await, 0);
    assert_eq!(retry(&app, json!({"group_id": "nobody"})).await, 0);
}

#[tokio::test]
async fn failed_after_and_failed_before_bound_the_failure_time() {
    let app = app_with_tasks().await;
    fail(&app, "a1", "2026-01-01T09:00:00Z").await;
    fail(&app, "a2", "2026-01-01T10:00:00Z").await;
    fail(&app, "a3", "2026-01-01T11:00:00Z").await;
    fail(&app, "c1", "2026-01-01T12:00:00Z").await;
    // [10:00, 12:00) UTC, written with other offsets: a2 and a3.
    let affected = retry(
        &app,
        json!({"callback": "cb", "failed_after": "2026-01-01T12:00:00+02:00",
               "failed_before": "2026-01-01T07:00:00-05:00"}),
    )
    .await;
    assert_eq!(affected, 2);
    let all = statuses(&app).await;
    assert!(scheduled(&["a2", "a3", "b1", "b2"], &all), "{all:?}");
    // Only a lower bound: c1 (12:00) but not a1 (09:00).
    assert_eq!(
        retry(
            &app,
            json!({"group_id": "a", "failed_after": "2026-01-01T09:00:00.000001Z"})
        )
        .await,
        0
    );
    assert_eq!(
        retry(
            &app,
            json!({"task_ids": ["a1", "c1"], "failed_after": "2026-01-01T09:30:00Z"})
        )
        .await,
        1
    );
    // Only an upper bound: a1.
    assert_eq!(
        retry(
            &app,
            json!({"callback": "cb", "failed_before": "2026-01-01T09:00:00.000001Z"})
        )
        .await,
        1
    );
    assert!(statuses(&app).await.iter().all(|(_, s)| s == "scheduled"));
}

#[tokio::test]
async fn bulk_retry_needs_exactly_one_selector_and_valid_fields() {
    let app = app_with_tasks().await;
    fail(&app, "a1", "2026-01-01T00:00:00Z").await;
    for body in [
        json!({}),
        json!({"task_ids": ["a1"], "group_id": "a"}),
        json!({"group_id": "a", "callback": "cb"}),
        json!({"task_ids": ["a1"], "callback": "cb"}),
        json!({"failed_after": "2026-01-01T00:00:00Z"}),
    ] {
        let reply = app.post("/v1/tasks/retry", body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), ["body"], "{body}");
    }
    let reply = app
        .post(
            "/v1/tasks/retry",
            json!({"callback": "cb", "failed_after": "yesterday"}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["failed_after"]);
    // An offset is required: a local time has no zone to read it in.
    let reply = app
        .post(
            "/v1/tasks/retry",
            json!({"callback": "cb", "failed_before": "2026-01-01T00:00:00"}),
        )
        .await;
    assert_eq!(reply.error_fields(), ["failed_before"], "{reply:#?}");
    // An empty window (here the same instant twice) is refused, not answered with 0.
    let reply = app
        .post(
            "/v1/tasks/retry",
            json!({"callback": "cb", "failed_after": "2026-01-01T00:00:00Z",
                   "failed_before": "2026-01-01T01:00:00+01:00"}),
        )
        .await;
    assert_eq!(reply.error_fields(), ["failed_before"], "{reply:#?}");
    let reply = app
        .post("/v1/tasks/retry", json!({"callback": "bad name"}))
        .await;
    assert_eq!(reply.error_fields(), ["callback"], "{reply:#?}");
    let reply = app
        .post("/v1/tasks/retry", json!({"task_ids": ["ok", "no way"]}))
        .await;
    assert_eq!(reply.error_fields(), ["task_ids[1]"], "{reply:#?}");
    let reply = app
        .post("/v1/tasks/retry", json!({"callback": "cb", "force": true}))
        .await;
    reply.assert_problem(422, "validation_failed");
    // Nothing was re-armed by any of them.
    assert_eq!(
        app.get("/v1/tasks/a1").await.body["status"],
        "failed",
        "a refused request changed a task"
    );
}

/// With a real server and receiver: a task that failed for good (400) is re-armed by
/// callback, delivered again at once (the statement wakes the engine; the safety poll is
/// 60 s away) with the same `webhook-id`, and succeeds.
#[tokio::test]
async fn rearmed_tasks_are_delivered_again_at_once() {
    let database_url = fresh_database().await;
    let server = Server::start(&database_url, "a", &[("TASKSHED_POLL_INTERVAL", "PT60S")]).await;
    let receiver = Receiver::start().await;
    receiver.set_default(Answer::status(400));
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "t", "run_at": "2020-01-01T00:00:00Z"}))
        .await;
    let first = receiver
        .wait_for_task("t", 1, Duration::from_secs(30))
        .await;
    server
        .api
        .wait_for_task("t", Duration::from_secs(30), |t| t["status"] == "failed")
        .await;

    receiver.set_default(Answer::status(204));
    let reply = server
        .api
        .post("/v1/tasks/retry", json!({"callback": "hook"}))
        .await;
    assert_eq!(reply.body, json!({"affected": 1}), "{reply:#?}");
    // Within 30 s, while the safety poll is 60 s away: the retry statement woke the engine.
    let both = receiver
        .wait_for_task("t", 2, Duration::from_secs(30))
        .await;
    assert_eq!(both[1].webhook_id(), first[0].webhook_id());
    assert_eq!(both[1].attempt(), 1);
    server
        .api
        .wait_for_task("t", Duration::from_secs(30), |t| t["status"] == "succeeded")
        .await;
}
