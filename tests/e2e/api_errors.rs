//! Bad input: every case answers a clear 4xx problem and writes nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::app::{Reply, TestApp};

const HOOK: &str = "http://127.0.0.1:9/hook";

async fn app_with_callback() -> TestApp {
    let app = TestApp::spawn().await;
    app.register_callback("cb", HOOK).await;
    app
}

async fn count_tasks(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// A minimal valid task body with `field` set to `value` (or removed when `value` is None).
fn task_with(field: &str, value: Option<Value>) -> Value {
    let mut body = json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z"});
    match value {
        Some(value) => body[field] = value,
        None => {
            body.as_object_mut().unwrap().remove(field);
        }
    }
    body
}

/// Asserts the full RFC 9457 shape, beyond what `assert_problem` checks.
#[track_caller]
fn assert_problem_shape(reply: &Reply, status: u16, code: &str) {
    let body = reply.assert_problem(status, code);
    assert_eq!(
        body["type"],
        format!("urn:taskshed:problem:{code}"),
        "{reply:#?}"
    );
    assert!(!body["title"].as_str().unwrap().is_empty());
    assert!(!body["detail"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = app_with_callback().await;
    for body in [
        &b"{"[..],
        b"{\"callback\": \"cb\", \"run_at\": }",
        b"not json",
        b"",
        b"{\"callback\": \"cb\", \"run_at\": \"2030-01-01T00:00:00Z\"} trailing",
        b"{\"callback\": \"cb\", \"run_at\": \"2030-01-01T00:00:00Z\",}",
        b"\xff\xfe",
    ] {
        for path in ["/v1/tasks", "/v1/tasks/batch", "/v1/tasks/pause"] {
            let reply = app
                .raw(Method::POST, path, Some("application/json"), body.to_vec())
                .await;
            assert_problem_shape(&reply, 400, "malformed_json");
        }
    }
    let reply = app
        .raw(
            Method::PUT,
            "/v1/callbacks/x",
            Some("application/json"),
            b"{".to_vec(),
        )
        .await;
    assert_problem_shape(&reply, 400, "malformed_json");
    assert_eq!(count_tasks(&app).await, 0);
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = app_with_callback().await;
    let body = serde_json::to_vec(&task_with("task_id", Some(json!("t")))).unwrap();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/xml"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let reply = app
            .raw(Method::POST, "/v1/tasks", content_type, body.clone())
            .await;
        assert_problem_shape(&reply, 415, "unsupported_media_type");
    }
    let reply = app
        .raw(
            Method::PUT,
            "/v1/callbacks/x",
            Some("text/plain"),
            br#"{"url": "http://a/"}"#.to_vec(),
        )
        .await;
    assert_problem_shape(&reply, 415, "unsupported_media_type");
    assert_eq!(count_tasks(&app).await, 0);
    // With a charset parameter it is still JSON.
    let reply = app
        .raw(
            Method::POST,
            "/v1/tasks",
            Some("application/json; charset=utf-8"),
            body,
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = app_with_callback().await;
    // Valid JSON, just over the single-task limit: 1 MiB of kwargs + 64 KiB (API v2,
    // "Limits"; this was the old 1 MiB body limit of the test app).
    let padding = "x".repeat(1024 * 1024 + 64 * 1024);
    let body = serde_json::to_vec(&task_with("kwargs", Some(json!({ "pad": padding })))).unwrap();
    let reply = app
        .raw(
            Method::POST,
            "/v1/tasks",
            Some("application/json"),
            body.clone(),
        )
        .await;
    assert_problem_shape(&reply, 413, "payload_too_large");
    // A batch over the test app's 4 MiB batch limit.
    let big_batch = format!(
        r#"{{"tasks": [], "pad": "{}"}}"#,
        "x".repeat(4 * 1024 * 1024)
    );
    let reply = app
        .raw(
            Method::POST,
            "/v1/tasks/batch",
            Some("application/json"),
            big_batch.into_bytes(),
        )
        .await;
    assert_problem_shape(&reply, 413, "payload_too_large");
    assert_eq!(count_tasks(&app).await, 0);
    // Just under the kwargs limit is fine.
    let padding = "x".repeat(1000 * 1000);
    let reply = app
        .post(
            "/v1/tasks",
            task_with("kwargs", Some(json!({ "pad": padding }))),
        )
        .await;
    assert_eq!(reply.status, 201);
}

#[tokio::test]
async fn invalid_tasks_are_422_naming_the_field_and_write_nothing() {
    let app = app_with_callback().await;
    let long_id = "a".repeat(256);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "run_at without offset or timezone",
            task_with("run_at", Some(json!("2030-01-01T00:00:00"))),
            "run_at",
        ),
        (
            "run_at not a date",
            task_with("run_at", Some(json!("tomorrow"))),
            "run_at",
        ),
        (
            "run_at a number",
            task_with("run_at", Some(json!(1_700_000_000))),
            "run_at",
        ),
        // Optional for cron tasks (issue 15), so required by the check, which names it.
        ("run_at missing", task_with("run_at", None), "run_at"),
        (
            "run_at in a DST gap",
            json!({"callback": "cb", "run_at": "2025-03-09T02:30:00", "timezone": "America/New_York"}),
            "run_at",
        ),
        (
            "unknown timezone",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00", "timezone": "Mars/Olympus"}),
            "timezone",
        ),
        (
            "offset as timezone",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00", "timezone": "+02:00"}),
            "timezone",
        ),
        (
            "run_type weekly",
            task_with("run_type", Some(json!("weekly"))),
            "run_type",
        ),
        (
            "run_type uppercase",
            task_with("run_type", Some(json!("ONCE"))),
            "run_type",
        ),
        (
            "recurring without interval",
            task_with("run_type", Some(json!("recurring"))),
            "interval",
        ),
        (
            "interval on a once task",
            task_with("interval", Some(json!("PT1M"))),
            "interval",
        ),
        (
            "interval zero",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "run_type": "recurring", "interval": "PT0S"}),
            "interval",
        ),
        (
            "interval zero days",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "run_type": "recurring", "interval": "P0D"}),
            "interval",
        ),
        (
            "interval negative",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "run_type": "recurring", "interval": "-PT1S"}),
            "interval",
        ),
        (
            "interval overflow",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "run_type": "recurring", "interval": "P99999999999D"}),
            "interval",
        ),
        (
            "interval huge seconds",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "run_type": "recurring", "interval": "PT99999999999999999999999999S"}),
            "interval",
        ),
        (
            "interval in months",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "run_type": "recurring", "interval": "P1M"}),
            "interval",
        ),
        (
            "interval with a fraction before the last unit",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "run_type": "recurring", "interval": "P1.5DT1H"}),
            "interval",
        ),
        (
            "interval not ISO",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "run_type": "recurring", "interval": "10s"}),
            "interval",
        ),
        (
            "interval a number",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "run_type": "recurring", "interval": 60}),
            "interval",
        ),
        (
            "task_id with a space",
            task_with("task_id", Some(json!("a b"))),
            "task_id",
        ),
        (
            "task_id with a slash",
            task_with("task_id", Some(json!("a/b"))),
            "task_id",
        ),
        (
            "task_id with a percent",
            task_with("task_id", Some(json!("a%20b"))),
            "task_id",
        ),
        (
            "task_id non-ASCII",
            task_with("task_id", Some(json!("café"))),
            "task_id",
        ),
        (
            "task_id empty",
            task_with("task_id", Some(json!(""))),
            "task_id",
        ),
        (
            "task_id too long",
            task_with("task_id", Some(json!(long_id))),
            "task_id",
        ),
        (
            "task_id a number",
            task_with("task_id", Some(json!(7))),
            "task_id",
        ),
        (
            "group_id with a slash",
            task_with("group_id", Some(json!("a/b"))),
            "group_id",
        ),
        (
            "group_id too long",
            task_with("group_id", Some(json!(long_id))),
            "group_id",
        ),
        (
            "callback name invalid",
            task_with("callback", Some(json!("a b"))),
            "callback",
        ),
        ("callback missing", task_with("callback", None), "body"),
        (
            "kwargs an array",
            task_with("kwargs", Some(json!([1, 2]))),
            "kwargs",
        ),
        (
            "kwargs a string",
            task_with("kwargs", Some(json!("{}"))),
            "kwargs",
        ),
        (
            "kwargs a number",
            task_with("kwargs", Some(json!(42))),
            "kwargs",
        ),
        (
            "kwargs a boolean",
            task_with("kwargs", Some(json!(true))),
            "kwargs",
        ),
        (
            "kwargs with NUL in a value",
            task_with("kwargs", Some(json!({"a": "x\u{0}y"}))),
            "kwargs",
        ),
        (
            "kwargs with NUL in a key",
            task_with("kwargs", Some(json!({"\u{0}": 1}))),
            "kwargs",
        ),
        (
            "paused a string",
            task_with("paused", Some(json!("yes"))),
            "paused",
        ),
        (
            "coalesce a number",
            task_with("coalesce", Some(json!(1))),
            "coalesce",
        ),
        (
            "replace_existing a string",
            task_with("replace_existing", Some(json!("no"))),
            "replace_existing",
        ),
        ("unknown field", task_with("typo", Some(json!(1))), "typo"),
        (
            "status is not an input",
            task_with("status", Some(json!("failed"))),
            "status",
        ),
    ];
    for (name, body, field) in cases {
        let reply = app.post("/v1/tasks", body.clone()).await;
        assert_problem_shape(&reply, 422, "validation_failed");
        let fields = reply.error_fields();
        assert_eq!(fields, [field], "{name}: {body} → {reply:#?}");
        assert!(
            reply.body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{name}"
        );
        // The same item inside a batch is named by its index.
        let batch = json!({"tasks": [task_with("task_id", Some(json!("ok"))), body]});
        let reply = app.post("/v1/tasks/batch", batch).await;
        assert_eq!(reply.status, 422, "{name} in a batch: {reply:#?}");
        let expected = if field == "body" {
            "tasks[1]".to_owned()
        } else {
            format!("tasks[1].{field}")
        };
        assert!(
            reply
                .error_fields()
                .iter()
                .all(|f| f.starts_with(&expected)),
            "{name} in a batch: {reply:#?}"
        );
    }
    assert_eq!(count_tasks(&app).await, 0);
}

#[tokio::test]
async fn missing_required_fields_are_named() {
    let app = app_with_callback().await;
    let reply = app.post("/v1/tasks", json!({"callback": "cb"})).await;
    assert_problem_shape(&reply, 422, "validation_failed");
    assert!(
        reply.body["detail"].as_str().unwrap().contains("run_at"),
        "{reply:#?}"
    );
    let reply = app.post("/v1/tasks/batch", json!({})).await;
    assert_problem_shape(&reply, 422, "validation_failed");
    assert!(
        reply.body["detail"].as_str().unwrap().contains("tasks"),
        "{reply:#?}"
    );
    for body in [json!([]), json!("x"), json!(null), json!({"tasks": {}})] {
        let reply = app.post("/v1/tasks/batch", body).await;
        assert_problem_shape(&reply, 422, "validation_failed");
    }
    assert_eq!(count_tasks(&app).await, 0);
}

#[tokio::test]
async fn several_errors_are_reported_together() {
    let app = app_with_callback().await;
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00", "task_id": "a b",
                   "kwargs": [], "run_type": "recurring"}),
        )
        .await;
    assert_problem_shape(&reply, 422, "validation_failed");
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(fields, ["interval", "kwargs", "run_at", "task_id"]);
    assert_eq!(count_tasks(&app).await, 0);
}

#[tokio::test]
async fn unregistered_callback_is_422_unknown_callback() {
    let app = app_with_callback().await;
    let reply = app
        .post("/v1/tasks", task_with("callback", Some(json!("nobody"))))
        .await;
    assert_problem_shape(&reply, 422, "unknown_callback");
    assert_eq!(reply.error_fields(), ["callback"]);
    // Even with replace_existing false and an existing id, the callback is checked.
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "nobody", "run_at": "2030-01-01T00:00:00Z", "replace_existing": false}),
        )
        .await;
    assert_problem_shape(&reply, 422, "unknown_callback");
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [task_with("task_id", Some(json!("x"))),
                              task_with("callback", Some(json!("nobody"))),
                              task_with("callback", Some(json!("ghost")))]}),
        )
        .await;
    assert_problem_shape(&reply, 422, "unknown_callback");
    assert_eq!(
        reply.error_fields(),
        ["tasks[1].callback", "tasks[2].callback"]
    );
    assert_eq!(count_tasks(&app).await, 0);
}

#[tokio::test]
async fn unknown_fields_are_named_with_their_path() {
    let app = app_with_callback().await;
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [task_with("task_id", Some(json!("a"))), task_with("typo", Some(json!(1)))]}),
        )
        .await;
    assert_problem_shape(&reply, 422, "validation_failed");
    assert_eq!(reply.error_fields(), ["tasks[1].typo"]);
    assert!(reply.body["detail"].as_str().unwrap().contains("typo"));
    let reply = app
        .post("/v1/tasks/batch", json!({"tasks": [], "replace": true}))
        .await;
    assert_eq!(reply.error_fields(), ["replace"]);
    let reply = app
        .post(
            "/v1/tasks/execution-times",
            json!({"tasks": [{"task_id": "a", "run_at": "2030-01-01T00:00:00Z", "when": 1}]}),
        )
        .await;
    assert_eq!(reply.error_fields(), ["tasks[0].when"]);
    let reply = app
        .post("/v1/tasks/pause", json!({"group_id": "g", "force": true}))
        .await;
    assert_eq!(reply.error_fields(), ["force"]);
    assert_eq!(count_tasks(&app).await, 0);
}

#[tokio::test]
async fn selectors_need_exactly_one_of_task_ids_or_group_id() {
    let app = app_with_callback().await;
    let reply = app
        .post("/v1/tasks", task_with("task_id", Some(json!("t"))))
        .await;
    assert_eq!(reply.status, 201);
    for path in ["/v1/tasks/pause", "/v1/tasks/resume", "/v1/tasks/delete"] {
        for (body, field) in [
            (json!({"task_ids": ["t"], "group_id": "g"}), "body"),
            (json!({}), "body"),
            (json!({"task_ids": null, "group_id": null}), "body"),
            (json!({"task_ids": ["a b"]}), "task_ids[0]"),
            (json!({"task_ids": ["t", "x/y"]}), "task_ids[1]"),
            (json!({"group_id": "a b"}), "group_id"),
            (json!({"group_id": ""}), "group_id"),
            (json!({"task_ids": "t"}), "task_ids"),
        ] {
            let reply = app.post(path, body.clone()).await;
            assert_problem_shape(&reply, 422, "validation_failed");
            assert_eq!(reply.error_fields(), [field], "{path} {body}");
        }
    }
    // Nothing was paused or deleted.
    let task = app.get("/v1/tasks/t").await;
    assert_eq!(task.status, 200);
    assert_eq!(task.body["paused"], false);
}

#[tokio::test]
async fn invalid_execution_times_write_nothing() {
    let app = app_with_callback().await;
    app.post("/v1/tasks", task_with("task_id", Some(json!("t"))))
        .await;
    let before = app.get("/v1/tasks/t").await.body;
    for (body, field) in [
        (
            json!({"tasks": [{"task_id": "t", "run_at": "2031-01-01T00:00:00Z"},
                          {"task_id": "u", "run_at": "2031-01-01T00:00:00"}]}),
            "tasks[1].run_at",
        ),
        (
            json!({"tasks": [{"task_id": "t", "run_at": "2031-01-01T00:00:00", "timezone": "Nowhere/Else"}]}),
            "tasks[0].timezone",
        ),
        (
            json!({"tasks": [{"task_id": "a b", "run_at": "2031-01-01T00:00:00Z"}]}),
            "tasks[0].task_id",
        ),
        (
            json!({"tasks": [{"task_id": "t", "run_at": "2031-01-01T00:00:00Z"},
                          {"task_id": "t", "run_at": "2032-01-01T00:00:00Z"}]}),
            "tasks[1].task_id",
        ),
        (json!({"tasks": [{"task_id": "t"}]}), "tasks[0]"),
    ] {
        let reply = app.post("/v1/tasks/execution-times", body.clone()).await;
        assert_problem_shape(&reply, 422, "validation_failed");
        let fields = reply.error_fields();
        assert!(
            fields.len() == 1 && fields[0].starts_with(field),
            "{body}: {reply:#?}"
        );
    }
    assert_eq!(app.get("/v1/tasks/t").await.body, before);
}

#[tokio::test]
async fn bad_ids_in_paths_and_queries_are_422() {
    let app = app_with_callback().await;
    let long = "a".repeat(256);
    for id in ["a%20b", "a%2Fb", "caf%C3%A9", "%3F", long.as_str()] {
        for (method, path) in [
            (Method::GET, format!("/v1/tasks/{id}")),
            (Method::DELETE, format!("/v1/tasks/{id}")),
            (Method::GET, format!("/v1/tasks/{id}/attempts")),
            (Method::POST, format!("/v1/tasks/{id}/retry")),
            (Method::GET, format!("/v1/callbacks/{id}")),
            (Method::DELETE, format!("/v1/callbacks/{id}")),
        ] {
            let reply = app.call(method.clone(), &path, None).await;
            assert_problem_shape(&reply, 422, "validation_failed");
            assert!(
                reply.error_fields().len() == 1,
                "{method} {path}: {reply:#?}"
            );
        }
        let reply = app
            .patch(&format!("/v1/tasks/{id}"), json!({"kwargs": {}}))
            .await;
        assert_problem_shape(&reply, 422, "validation_failed");
    }
    // Not valid UTF-8 once decoded.
    for path in ["/v1/tasks/%FF", "/v1/callbacks/%C3"] {
        let reply = app.get(path).await;
        assert!(reply.status.is_client_error(), "{path}: {reply:#?}");
        assert_eq!(
            reply.content_type(),
            "application/problem+json",
            "{path}: {reply:#?}"
        );
    }
    for query in [
        "task_id=a%20b",
        "group_id=a/b",
        "callback=a%20b",
        &format!("task_id={long}"),
    ] {
        let reply = app.get(&format!("/v1/tasks?{query}")).await;
        assert_problem_shape(&reply, 422, "validation_failed");
    }
    for query in ["status=done", "paused=yes", "run_type=once"] {
        let reply = app.get(&format!("/v1/tasks?{query}")).await;
        assert_problem_shape(&reply, 422, "validation_failed");
    }
}

#[tokio::test]
async fn unknown_routes_methods_and_query_parameters() {
    let app = app_with_callback().await;
    for path in [
        "/nope",
        "/v1",
        "/v1/task",
        "/v2/tasks",
        "/v1/tasks/a/b/c",
        "/v1/callbacks/a/b",
    ] {
        let reply = app.get(path).await;
        assert_problem_shape(&reply, 404, "route_not_found");
    }
    for (method, path) in [
        (Method::PUT, "/v1/tasks"),
        (Method::DELETE, "/v1/tasks"),
        (Method::PUT, "/v1/tasks/batch"),
        (Method::POST, "/v1/callbacks"),
        (Method::POST, "/v1/callbacks/x"),
        (Method::PUT, "/v1/tasks/t"),
        (Method::GET, "/v1/tasks/t/retry"),
        (Method::POST, "/healthz"),
    ] {
        let reply = app.call(method.clone(), path, Some(json!({}))).await;
        assert_problem_shape(&reply, 405, "method_not_allowed");
        assert!(
            reply.headers.contains_key("allow"),
            "{method} {path}: {reply:#?}"
        );
    }
    for query in ["typo=1", "task_ids=a", "group=g", "limit=10&offset=5"] {
        let reply = app.get(&format!("/v1/tasks?{query}")).await;
        assert_problem_shape(&reply, 422, "validation_failed");
        assert_eq!(reply.error_fields().len(), 1, "{query}");
    }
    assert_eq!(count_tasks(&app).await, 0);
}

#[tokio::test]
async fn kwargs_strict_parsers_would_reject_are_422() {
    let app = app_with_callback().await;
    for kwargs in [
        r#"{"a": "\ud800"}"#.to_owned(),
        r#"{"a": "x\udc00"}"#.to_owned(),
        r#"{"a": 1e999}"#.to_owned(),
        format!("{}1{}", r#"{"a":"#.repeat(200), "}".repeat(200)),
        r#"{"a": "\u0000"}"#.to_owned(),
    ] {
        let body = format!(
            r#"{{"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "kwargs": {kwargs}}}"#
        );
        let reply = app
            .raw(
                Method::POST,
                "/v1/tasks",
                Some("application/json"),
                body.into_bytes(),
            )
            .await;
        assert_problem_shape(&reply, 422, "validation_failed");
        assert_eq!(reply.error_fields(), ["kwargs"], "{kwargs}");
    }
    assert_eq!(count_tasks(&app).await, 0);
}
