//! Group commit of single creates (`create_batcher`): concurrent creates share one
//! statement when they can, and each still gets exactly the answer it would get alone.
//!
//! The store-level tests queue every create before the dispatcher runs (the test runtime
//! is single-threaded and `join_all` polls each create once, which queues it, before
//! yielding), so the batch they form is deterministic. Rows written by one statement share
//! one transaction id (`xmin`), which is how the tests see that a batch was one commit.

use chrono::{TimeDelta, Utc};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use taskshed::harness::CreateBatcher;
use taskshed::harness::Id;
use taskshed::harness::{CreateOne, WriteOutcome};
use taskshed::harness::{NewTask, RunType, ScheduleBounds};

use crate::support::app::TestApp;

fn task(id: &str, callback: &str) -> NewTask {
    let run_at = Utc::now() + TimeDelta::hours(1);
    NewTask {
        task_id: Id::parse(id).unwrap(),
        callback: Id::parse(callback).unwrap(),
        run_type: RunType::Once,
        run_at,
        due_at: run_at,
        interval: None,
        timezone: None,
        cron: None,
        bounds: ScheduleBounds::default(),
        kwargs: format!(r#"{{"id": "{id}"}}"#),
        group_id: None,
        paused: false,
        coalesce: true,
    }
}

/// What a create came back with, reduced to something comparable.
fn verdict(result: Result<CreateOne, sqlx::Error>) -> &'static str {
    match result.expect("no database error") {
        CreateOne::Written(_, WriteOutcome::Created) => "created",
        CreateOne::Written(_, WriteOutcome::Replaced) => "replaced",
        CreateOne::Written(_, WriteOutcome::Kept) => "kept",
        CreateOne::Exists => "exists",
        CreateOne::UnknownCallback => "unknown_callback",
        CreateOne::InvalidKwargs(_) => "invalid_kwargs",
    }
}

async fn transactions_of(app: &TestApp, prefix: &str) -> i64 {
    sqlx::query_scalar(
        "select count(distinct xmin::text::bigint) from tasks where task_id like $1 || '%'",
    )
    .bind(prefix)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn kwargs_of(app: &TestApp, task_id: &str) -> String {
    sqlx::query_scalar("select kwargs::text from tasks where task_id = $1")
        .bind(task_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn concurrent_creates_share_one_commit_and_each_gets_its_row() {
    let app = TestApp::spawn().await;
    app.register_callback("cb", "http://127.0.0.1:9/").await;
    let batcher = CreateBatcher::start(app.pool.clone(), Default::default());

    let mut creates: Vec<_> = (0..20)
        .map(|i| batcher.create(task(&format!("a{i}"), "cb"), false))
        .collect();
    // A create naming an unregistered callback rides in the same statement, unwritten.
    creates.push(batcher.create(task("a-unknown", "nope"), false));
    let results = join_all(creates).await;

    let mut verdicts: Vec<&str> = Vec::new();
    for (i, result) in results.into_iter().enumerate() {
        if let Ok(CreateOne::Written(row, _)) = &result {
            assert_eq!(
                row.task_id,
                format!("a{i}"),
                "each request gets its own row"
            );
            assert_eq!(row.kwargs, format!(r#"{{"id": "a{i}"}}"#));
        }
        verdicts.push(verdict(result));
    }
    let mut expected = vec!["created"; 20];
    expected.push("unknown_callback");
    assert_eq!(verdicts, expected);
    assert_eq!(
        transactions_of(&app, "a").await,
        1,
        "one statement, one commit"
    );
    let unknown: i64 = sqlx::query_scalar("select count(*) from tasks where callback = 'nope'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(unknown, 0);
}

#[tokio::test]
async fn a_batch_with_conflicts_falls_back_to_each_create_on_its_own() {
    let app = TestApp::spawn().await;
    app.register_callback("cb", "http://127.0.0.1:9/").await;
    let batcher = CreateBatcher::start(app.pool.clone(), Default::default());
    for id in ["b-keep", "b-replace"] {
        let reply = app
            .post(
                "/v1/tasks",
                json!({"task_id": id, "callback": "cb", "run_at": "2030-01-01T00:00:00Z",
                       "kwargs": {"old": true}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }

    let results = join_all([
        batcher.create(task("b-new-1", "cb"), false),
        batcher.create(task("b-keep", "cb"), false),
        batcher.create(task("b-replace", "cb"), true),
        batcher.create(task("b-unknown", "nope"), true),
        batcher.create(task("b-twice", "cb"), false),
        batcher.create(task("b-twice", "cb"), false),
        batcher.create(task("b-new-2", "cb"), true),
    ])
    .await;
    let verdicts: Vec<&str> = results.into_iter().map(verdict).collect();

    assert_eq!(
        verdicts[..4],
        ["created", "exists", "replaced", "unknown_callback"]
    );
    // The same id twice in one batch: exactly one of the two creates it.
    let mut twice = verdicts[4..6].to_vec();
    twice.sort_unstable();
    assert_eq!(twice, ["created", "exists"]);
    assert_eq!(verdicts[6], "created");
    assert_eq!(kwargs_of(&app, "b-keep").await, r#"{"old":true}"#);
    assert_eq!(kwargs_of(&app, "b-replace").await, r#"{"id": "b-replace"}"#);
    let stored: i64 = sqlx::query_scalar("select count(*) from tasks where task_id like 'b%'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 5, "b-new-1, b-keep, b-replace, b-twice, b-new-2");
}

#[tokio::test]
async fn many_concurrent_posts_each_get_the_right_status() {
    let app = TestApp::spawn().await;
    app.register_callback("cb", "http://127.0.0.1:9/").await;
    let existing = app
        .post(
            "/v1/tasks",
            json!({"task_id": "c-existing", "callback": "cb", "run_at": "2030-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(existing.status, StatusCode::CREATED);

    // 90 new tasks, 5 unknown callbacks, 5 creates of an existing id without replace.
    let requests = (0..100).map(|i| {
        let body = match i % 20 {
            0 => json!({"task_id": format!("c-unknown-{i}"), "callback": "nope",
                        "run_at": "2030-01-01T00:00:00Z"}),
            10 => json!({"task_id": "c-existing", "callback": "cb",
                         "run_at": "2030-01-01T00:00:00Z", "replace_existing": false}),
            _ => json!({"task_id": format!("c-{i}"), "callback": "cb",
                        "run_at": "2030-01-01T00:00:00Z", "kwargs": {"i": i}}),
        };
        let app = &app;
        async move { (i, app.post("/v1/tasks", body).await) }
    });
    for (i, reply) in join_all(requests).await {
        match i % 20 {
            0 => {
                reply.assert_problem(422, "unknown_callback");
            }
            10 => {
                reply.assert_problem(409, "task_exists");
            }
            _ => {
                assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
                assert_eq!(reply.body["task_id"], format!("c-{i}"));
                assert_eq!(reply.body["kwargs"], json!({"i": i}));
            }
        }
    }
    let stored: i64 = sqlx::query_scalar("select count(*) from tasks where task_id like 'c-%'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 91, "90 new tasks and the existing one");
}
