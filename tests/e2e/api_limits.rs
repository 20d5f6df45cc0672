//! API v2 "Limits" through HTTP: kwargs and body sizes, callback headers, the shortest
//! interval, and forged query values that must be a 422, never a 500.

use serde_json::{json, Value};

use crate::support::app::TestApp;

const HOOK: &str = "https://example.com/hooks/a";

fn task(task_id: &str, kwargs: Value) -> Value {
    json!({"callback": "cb", "task_id": task_id, "run_at": "2030-01-01T00:00:00Z", "kwargs": kwargs})
}

/// kwargs of `bytes` bytes as sent.
fn kwargs_of(bytes: usize) -> Value {
    let overhead = r#"{"pad":""}"#.len();
    json!({"pad": "x".repeat(bytes - overhead)})
}

fn field_of(reply: &crate::support::app::Reply) -> String {
    reply.body["errors"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn kwargs_over_one_mib_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    app.register_callback("cb", HOOK).await;
    let limit = 1024 * 1024;
    let ok = app
        .post("/v1/tasks", task("at-limit", kwargs_of(limit)))
        .await;
    assert_eq!(ok.status, 201, "{:?}", ok.status);

    let over = app
        .post("/v1/tasks", task("over", kwargs_of(limit + 1)))
        .await;
    over.assert_problem(422, "validation_failed");
    assert_eq!(field_of(&over), "kwargs");

    let batch = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [task("b0", json!({})), task("b1", kwargs_of(limit + 1))]}),
        )
        .await;
    batch.assert_problem(422, "validation_failed");
    assert_eq!(field_of(&batch), "tasks[1].kwargs");

    let patch = app
        .call(
            reqwest::Method::PATCH,
            "/v1/tasks/at-limit",
            Some(json!({"kwargs": kwargs_of(limit + 1)})),
        )
        .await;
    patch.assert_problem(422, "validation_failed");
    assert_eq!(field_of(&patch), "kwargs");
}

#[tokio::test]
async fn callback_headers_are_bounded_in_number_and_size() {
    let app = TestApp::spawn().await;
    let many: serde_json::Map<String, Value> =
        (0..33).map(|i| (format!("x-h{i}"), json!("v"))).collect();
    let reply = app
        .put("/v1/callbacks/many", json!({"url": HOOK, "headers": many}))
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(field_of(&reply), "headers");

    let reply = app
        .put(
            "/v1/callbacks/big",
            json!({"url": HOOK, "headers": {"x-big": "v".repeat(4097)}}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(field_of(&reply), "headers.x-big");

    let thirty_two: serde_json::Map<String, Value> = (0..32)
        .map(|i| (format!("x-h{i}"), json!("v".repeat(4096))))
        .collect();
    let reply = app
        .put(
            "/v1/callbacks/ok",
            json!({"url": HOOK, "headers": thirty_two}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
}

#[tokio::test]
async fn intervals_under_ten_milliseconds_are_refused() {
    let app = TestApp::spawn().await;
    app.register_callback("cb", HOOK).await;
    let recurring = |id: &str, interval: &str| {
        json!({"callback": "cb", "task_id": id, "run_at": "2030-01-01T00:00:00Z",
               "run_type": "recurring", "interval": interval})
    };
    for short in ["PT0.000001S", "PT0.009S"] {
        let reply = app.post("/v1/tasks", recurring("fast", short)).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(field_of(&reply), "interval", "{short}");
    }
    let reply = app.post("/v1/tasks", recurring("ok", "PT0.01S")).await;
    assert_eq!(reply.status, 201, "{reply:#?}");
}

#[tokio::test]
async fn forged_cursors_are_422_never_500() {
    let app = TestApp::spawn().await;
    for path in [
        "/v1/tasks?cursor=00",
        "/v1/callbacks?cursor=00",
        "/v1/tasks?cursor=0a",
        "/v1/callbacks?cursor=2020",
        "/v1/tasks/x/attempts?cursor=00",
    ] {
        let reply = app.get(path).await;
        let status = reply.status.as_u16();
        assert!(status == 422 || status == 404, "{path}: {reply:#?}");
        if status == 422 {
            assert_eq!(field_of(&reply), "cursor", "{path}");
        }
    }
}
