//! `"dry_run": true` on pause, resume, delete, retry and execution-times: the database is
//! read back whole before and after each dry run and must be unchanged, and the count a
//! dry run answers must be what the real call then affects.

use serde_json::{json, Value};

use crate::bulk_retry::fail;
use crate::support::app::TestApp;

const HOOK: &str = "http://127.0.0.1:9/hook";

/// Everything a bulk operation could change, for every task and attempt, as text.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let mut rows: Vec<String> = sqlx::query_scalar(
        "select concat_ws('|', task_id, status, paused, paused_at, run_at, due_at, attempts, \
           occurrence, fence, kwargs::text, group_id, updated_at, finished_at) \
         from tasks order by task_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let attempts: i64 = sqlx::query_scalar("select count(*) from attempts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    rows.push(format!("attempts: {attempts}"));
    rows
}

/// Callback `cb`; tasks `g00`…`g{n-1}` in group `g` due in 2030, and `other` outside it.
async fn app_with_group(n: usize) -> TestApp {
    let app = TestApp::spawn().await;
    app.register_callback("cb", HOOK).await;
    let mut tasks: Vec<Value> = (0..n)
        .map(|i| {
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z",
                   "task_id": format!("g{i:03}"), "group_id": "g"})
        })
        .collect();
    tasks.push(json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "other"}));
    let reply = app.post("/v1/tasks/batch", json!({ "tasks": tasks })).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    // An attempt row, so a delete that took history with it would show.
    sqlx::query(
        "insert into attempts (task_id, webhook_id, attempt, scheduled_at, started_at, \
           duration_us, status_code, outcome, instance) \
         values ('g000', 'w', 1, now(), now(), 1, 500, 'retrying', 'test')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    app
}

/// Runs `path` with `body` + `dry_run: true`, checks nothing changed, then runs it for
/// real and checks it affected what the dry run said. Returns the dry run's answer.
async fn dry_then_real(app: &TestApp, path: &str, body: Value) -> Value {
    let before = snapshot(app).await;
    let mut dry_body = body.clone();
    dry_body["dry_run"] = json!(true);
    let dry = app.post(path, dry_body).await;
    assert_eq!(dry.status, 200, "{dry:#?}");
    assert_eq!(
        snapshot(app).await,
        before,
        "dry run of {path} changed the database"
    );
    let ids = dry.body["task_ids"].as_array().expect("task_ids").clone();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    assert_eq!(ids, sorted, "task_ids in id order");
    assert!(ids.len() <= 100);

    let real = app.post(path, body).await;
    assert_eq!(real.status, 200, "{real:#?}");
    let affected = real.body.get("affected").or(real.body.get("updated"));
    assert_eq!(
        affected.and_then(Value::as_i64),
        dry.body["affected"].as_i64(),
        "dry run {} vs real {}",
        dry.body,
        real.body
    );
    dry.body
}

fn id_list(body: &Value) -> Vec<&str> {
    body["task_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn pause_resume_and_delete_dry_runs_change_nothing_and_match_the_real_call() {
    let app = app_with_group(150).await;
    // One already paused: pausing does not count it, resuming does.
    app.post("/v1/tasks/pause", json!({"task_ids": ["g005"]}))
        .await;
    let dry = dry_then_real(&app, "/v1/tasks/pause", json!({"group_id": "g"})).await;
    assert_eq!(dry["affected"], 149);
    let ids = id_list(&dry);
    assert_eq!(ids.len(), 100);
    assert_eq!(&ids[..6], ["g000", "g001", "g002", "g003", "g004", "g006"]);

    // Everything is paused now: a second pause would change nothing.
    let dry = dry_then_real(&app, "/v1/tasks/pause", json!({"group_id": "g"})).await;
    assert_eq!(dry, json!({"affected": 0, "task_ids": []}));

    let dry = dry_then_real(
        &app,
        "/v1/tasks/resume",
        json!({"task_ids": ["g001", "g002", "other", "missing"]}),
    )
    .await;
    assert_eq!(dry, json!({"affected": 2, "task_ids": ["g001", "g002"]}));

    let dry = dry_then_real(&app, "/v1/tasks/delete", json!({"group_id": "g"})).await;
    assert_eq!(dry["affected"], 150);
    let left: i64 = sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 1);
}

#[tokio::test]
async fn retry_dry_run_changes_nothing_and_matches_the_real_call() {
    let app = app_with_group(5).await;
    fail(&app, "g001", "2026-01-01T10:00:00Z").await;
    fail(&app, "g002", "2026-01-01T11:00:00Z").await;
    fail(&app, "other", "2026-01-01T11:00:00Z").await;
    let dry = dry_then_real(
        &app,
        "/v1/tasks/retry",
        json!({"callback": "cb", "failed_after": "2026-01-01T10:30:00Z"}),
    )
    .await;
    assert_eq!(dry, json!({"affected": 2, "task_ids": ["g002", "other"]}));
    let dry = dry_then_real(&app, "/v1/tasks/retry", json!({"group_id": "g"})).await;
    assert_eq!(dry, json!({"affected": 1, "task_ids": ["g001"]}));
}

#[tokio::test]
async fn execution_times_dry_run_changes_nothing_and_matches_the_real_call() {
    let app = app_with_group(3).await;
    sqlx::query(
        "update tasks set status = 'succeeded', finished_at = now() where task_id = 'g002'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let body = json!({"tasks": [
        {"task_id": "g001", "run_at": "2031-01-01T00:00:00Z"},
        {"task_id": "g000", "run_at": "2031-01-01T09:00:00", "timezone": "Europe/Paris"},
        {"task_id": "g002", "run_at": "2031-01-01T00:00:00Z"},
        {"task_id": "missing", "run_at": "2031-01-01T00:00:00Z"}
    ]});
    let dry = dry_then_real(&app, "/v1/tasks/execution-times", body).await;
    assert_eq!(dry, json!({"affected": 2, "task_ids": ["g000", "g001"]}));
    let moved = app.get("/v1/tasks/g000").await.body;
    assert_eq!(moved["run_at"], "2031-01-01T08:00:00Z");
}

#[tokio::test]
async fn a_dry_run_is_still_validated_like_the_real_call() {
    let app = app_with_group(1).await;
    let before = snapshot(&app).await;
    for (path, body) in [
        ("/v1/tasks/pause", json!({"dry_run": true})),
        (
            "/v1/tasks/delete",
            json!({"group_id": "g", "task_ids": [], "dry_run": true}),
        ),
        ("/v1/tasks/retry", json!({"dry_run": true})),
        (
            "/v1/tasks/resume",
            json!({"group_id": "g", "dry_run": "yes"}),
        ),
        (
            "/v1/tasks/execution-times",
            json!({"tasks": [{"task_id": "g000", "run_at": "soon"}], "dry_run": true}),
        ),
    ] {
        let reply = app.post(path, body.clone()).await;
        assert_eq!(reply.status.as_u16(), 422, "{path} {body}: {reply:#?}");
    }
    // `dry_run: false` is the real call, answered without `task_ids`.
    let reply = app
        .post(
            "/v1/tasks/pause",
            json!({"group_id": "g", "dry_run": false}),
        )
        .await;
    assert_eq!(reply.body, json!({"affected": 1}));
    assert_ne!(snapshot(&app).await, before);
}
