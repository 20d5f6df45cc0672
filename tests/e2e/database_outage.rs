//! PostgreSQL going away under a running instance (issue 12, problem 6): while it is down
//! the API answers 503 `database_unavailable`, never 500, and once it is back everything
//! works again without restarting TaskShed.
//!
//! The test runs its own PostgreSQL (`ThrowawayPostgres`): stopping the shared test server
//! would break every other test running at the same time.

use reqwest::Method;
use serde_json::json;
use std::time::Duration;

use crate::delivery::at;
use crate::support::pg_control::ThrowawayPostgres;
use crate::support::receiver::Receiver;
use crate::support::server::Server;

/// Bound for the API to answer again after PostgreSQL is back (pool reconnects).
const RECOVERY: Duration = Duration::from_secs(30);

#[tokio::test]
async fn api_answers_503_while_postgres_is_down_and_recovers_by_itself() {
    let mut postgres = ThrowawayPostgres::start().await;
    let server = Server::start(postgres.database_url(), "a", &[]).await;
    let receiver = Receiver::start().await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "before", "run_at": now}))
        .await;

    postgres.stop().await;
    let (_, now) = at(0);
    let calls = [
        (Method::GET, "/v1/tasks/before".to_owned(), None),
        (Method::GET, "/v1/tasks".to_owned(), None),
        (Method::GET, "/v1/callbacks".to_owned(), None),
        (
            Method::POST,
            "/v1/tasks".to_owned(),
            Some(json!({"callback": "hook", "task_id": "during", "run_at": now})),
        ),
        (
            Method::PUT,
            "/v1/callbacks/other".to_owned(),
            Some(json!({"url": receiver.url("/other")})),
        ),
    ];
    for (method, path, body) in calls.iter().cloned() {
        let reply = server.api.call(method.clone(), &path, body).await;
        reply.assert_problem(503, "database_unavailable");
        let text = reply.body.to_string();
        assert!(
            !text.contains("sqlx") && !text.contains("connection"),
            "{method} {path}: internal detail leaked: {text}"
        );
    }
    let ready = server.api.get("/readyz").await;
    assert_eq!(ready.status.as_u16(), 503, "{ready:?}");

    postgres.start_again().await;
    let deadline = tokio::time::Instant::now() + RECOVERY;
    loop {
        let reply = server.api.get("/v1/tasks/before").await;
        if reply.status.is_success() {
            break;
        }
        assert_ne!(reply.status.as_u16(), 500, "{reply:?}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "the API did not recover: {reply:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "after", "run_at": now}))
        .await;
    let delivered = server
        .api
        .wait_for_task("after", RECOVERY, |t| t["status"] == "succeeded")
        .await;
    assert_eq!(delivered["status"], "succeeded");
}
