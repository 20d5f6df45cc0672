//! A callback's `kwargs_schema`: registered (and refused when invalid), shown back,
//! enforced on single creates (alone and group-committed), batch creates and `PATCH`, with
//! errors that name the path, and nothing written when any item fails.

use serde_json::{json, Value};

use crate::support::app::TestApp;

const HOOK: &str = "http://127.0.0.1:9/hook";

fn user_schema() -> Value {
    json!({
        "type": "object",
        "required": ["user_id"],
        "properties": {
            "user_id": {"type": "integer", "minimum": 1},
            "template": {"enum": ["reminder", "digest"]},
            "tags": {"type": "array", "items": {"type": "string"}}
        }
    })
}

/// An API with callback `users` (with [`user_schema`]) and `free` (no schema).
async fn app_with_schema() -> TestApp {
    let app = TestApp::spawn().await;
    let reply = app
        .put(
            "/v1/callbacks/users",
            json!({"url": HOOK, "kwargs_schema": user_schema()}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    assert_eq!(reply.body["kwargs_schema"], user_schema());
    app.register_callback("free", HOOK).await;
    app
}

async fn task_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn task(callback: &str, kwargs: Value) -> Value {
    json!({"callback": callback, "run_at": "2030-01-01T00:00:00Z", "kwargs": kwargs})
}

#[tokio::test]
async fn the_schema_is_stored_exactly_and_shown_by_get_and_list() {
    let app = app_with_schema().await;
    // The exact text as registered, key order included.
    let raw = r#"{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"integer"}}}"#;
    let body = format!(r#"{{"url": "{HOOK}", "kwargs_schema": {raw}}}"#);
    let reply = app
        .raw(
            reqwest::Method::PUT,
            "/v1/callbacks/ordered",
            Some("application/json"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    let text = app
        .client
        .get(format!("{}/v1/callbacks/ordered", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(&format!(r#""kwargs_schema":{raw}"#)),
        "{text}"
    );
    assert_eq!(
        app.get("/v1/callbacks/users").await.body["kwargs_schema"],
        user_schema()
    );
    assert_eq!(
        app.get("/v1/callbacks/free").await.body["kwargs_schema"],
        Value::Null
    );
    let list = app.get("/v1/callbacks").await.body;
    assert_eq!(
        list["callbacks"][2]["kwargs_schema"],
        user_schema(),
        "{list}"
    );
}

#[tokio::test]
async fn an_invalid_schema_is_refused_and_nothing_is_registered() {
    let app = TestApp::spawn().await;
    for schema in [
        json!({"type": "no-such-type"}),
        json!({"properties": {"a": {"minLength": -1}}}),
        json!({"pattern": "(unclosed"}),
        json!({"$ref": "https://example.com/schema.json"}),
        json!([1, 2]),
        json!("string"),
    ] {
        let reply = app
            .put(
                "/v1/callbacks/bad",
                json!({"url": HOOK, "kwargs_schema": schema}),
            )
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(
            reply.error_fields(),
            ["kwargs_schema"],
            "{schema}: {reply:#?}"
        );
    }
    app.get("/v1/callbacks/bad")
        .await
        .assert_problem(404, "callback_not_found");
    // A registered callback keeps its old schema when a replacement is refused.
    let reply = app
        .put(
            "/v1/callbacks/good",
            json!({"url": HOOK, "kwargs_schema": user_schema()}),
        )
        .await;
    assert_eq!(reply.status, 201);
    let reply = app
        .put(
            "/v1/callbacks/good",
            json!({"url": HOOK, "kwargs_schema": {"type": 5}}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(
        app.get("/v1/callbacks/good").await.body["kwargs_schema"],
        user_schema()
    );
}

#[tokio::test]
async fn a_single_create_with_bad_kwargs_is_refused_naming_the_path() {
    let app = app_with_schema().await;
    for (kwargs, field) in [
        (json!({"user_id": "42"}), "kwargs.user_id"),
        (json!({}), "kwargs.user_id"),
        (json!({"user_id": 0}), "kwargs.user_id"),
        (json!({"user_id": 1, "tags": ["a", 2]}), "kwargs.tags[1]"),
        (
            json!({"user_id": 1, "template": "other"}),
            "kwargs.template",
        ),
    ] {
        let reply = app.post("/v1/tasks", task("users", kwargs.clone())).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{kwargs}: {reply:#?}");
    }
    // Absent kwargs are `{}`, which lacks user_id.
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "users", "run_at": "2030-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(reply.error_fields(), ["kwargs.user_id"], "{reply:#?}");
    assert_eq!(task_count(&app).await, 0);

    let reply = app
        .post(
            "/v1/tasks",
            task("users", json!({"user_id": 42, "tags": ["x"]})),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    // A callback without a schema takes anything.
    let reply = app
        .post("/v1/tasks", task("free", json!({"user_id": "x"})))
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    assert_eq!(task_count(&app).await, 2);
}

#[tokio::test]
async fn concurrent_single_creates_are_each_checked() {
    let app = app_with_schema().await;
    // Sent at once, so the create batcher writes them in shared statements.
    let replies = futures_util::future::join_all((0..40).map(|i| {
        let kwargs = if i % 4 == 0 {
            json!({"user_id": "not a number"})
        } else {
            json!({"user_id": i + 1})
        };
        let callback = if i % 8 == 1 { "free" } else { "users" };
        let mut body = task(callback, kwargs);
        body["task_id"] = json!(format!("t{i:02}"));
        let app = &app;
        async move { (i, app.post("/v1/tasks", body).await) }
    }))
    .await;
    for (i, reply) in &replies {
        if i % 4 == 0 {
            reply.assert_problem(422, "validation_failed");
            assert_eq!(reply.error_fields(), ["kwargs.user_id"]);
        } else {
            assert_eq!(reply.status, 201, "t{i:02}: {reply:#?}");
        }
    }
    let ids: Vec<String> = sqlx::query_scalar("select task_id from tasks order by task_id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let expected: Vec<String> = (0..40)
        .filter(|i| i % 4 != 0)
        .map(|i| format!("t{i:02}"))
        .collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn a_batch_with_one_bad_item_writes_nothing_and_names_each_bad_item() {
    let app = app_with_schema().await;
    let mut tasks: Vec<Value> = (0..6)
        .map(|i| task("users", json!({"user_id": i + 1})))
        .collect();
    tasks[3] = task("users", json!({"user_id": "three"}));
    tasks[4] = task("free", json!({"anything": true}));
    tasks[5] = task("users", json!({"tags": [1]}));
    let reply = app.post("/v1/tasks/batch", json!({ "tasks": tasks })).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(
        reply.error_fields(),
        [
            "tasks[3].kwargs.user_id",
            "tasks[5].kwargs.user_id",
            "tasks[5].kwargs.tags[0]"
        ],
        "{reply:#?}"
    );
    assert_eq!(task_count(&app).await, 0);

    tasks[3] = task("users", json!({"user_id": 3}));
    tasks[5] = task("users", json!({"user_id": 5, "tags": ["1"]}));
    let reply = app.post("/v1/tasks/batch", json!({ "tasks": tasks })).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(task_count(&app).await, 6);
}

#[tokio::test]
async fn patch_checks_new_kwargs_and_only_them() {
    let app = app_with_schema().await;
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "users", "run_at": "2030-01-01T00:00:00Z", "task_id": "p",
                   "kwargs": {"user_id": 1}}),
        )
        .await;
    assert_eq!(reply.status, 201);
    let before = app.get("/v1/tasks/p").await.body;
    let reply = app
        .patch(
            "/v1/tasks/p",
            json!({"kwargs": {"user_id": -3}, "group_id": "g"}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["kwargs.user_id"]);
    assert_eq!(
        app.get("/v1/tasks/p").await.body,
        before,
        "a refused PATCH changed the task"
    );

    let reply = app
        .patch("/v1/tasks/p", json!({"kwargs": {"user_id": 2}}))
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body["kwargs"], json!({"user_id": 2}));

    // The schema changes: the stored task stays as it is and can still be changed in
    // other ways; new kwargs must satisfy the new schema.
    let stricter = json!({"type": "object", "required": ["user_id", "email"]});
    let reply = app
        .put(
            "/v1/callbacks/users",
            json!({"url": HOOK, "kwargs_schema": stricter}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(
        app.get("/v1/tasks/p").await.body["kwargs"],
        json!({"user_id": 2})
    );
    let reply = app
        .patch("/v1/tasks/p", json!({"run_at": "2031-01-01T00:00:00Z"}))
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let reply = app
        .patch("/v1/tasks/p", json!({"kwargs": {"user_id": 2}}))
        .await;
    assert_eq!(reply.error_fields(), ["kwargs.email"], "{reply:#?}");
    let reply = app
        .post("/v1/tasks", task("users", json!({"user_id": 2})))
        .await;
    assert_eq!(reply.error_fields(), ["kwargs.email"], "{reply:#?}");

    // Re-registered without a schema: no contract any more.
    app.register_callback("users", HOOK).await;
    assert_eq!(
        app.get("/v1/callbacks/users").await.body["kwargs_schema"],
        Value::Null
    );
    let reply = app.post("/v1/tasks", task("users", json!({"n": 1}))).await;
    assert_eq!(reply.status, 201, "{reply:#?}");
}

/// Group commit writes the creates of callbacks it last saw without a schema without
/// reading schemas, on the condition, checked by the insert itself, that they still have
/// none. A schema registered since (here or on another instance: registering does not
/// touch this instance's cache either way) must apply to the very next create.
#[tokio::test]
async fn a_schema_added_later_applies_to_the_next_create() {
    let app = app_with_schema().await;
    let bad = json!({"user_id": "x"});
    let reply = app.post("/v1/tasks", task("free", bad.clone())).await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    let reply = app
        .put(
            "/v1/callbacks/free",
            json!({"url": HOOK, "kwargs_schema": user_schema()}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let reply = app.post("/v1/tasks", task("free", bad.clone())).await;
    assert_eq!(reply.error_fields(), ["kwargs.user_id"], "{reply:#?}");
    // Concurrent creates, written by shared statements, too.
    let replies = futures_util::future::join_all(
        (0..10).map(|_| app.post("/v1/tasks", task("free", bad.clone()))),
    )
    .await;
    for reply in &replies {
        assert_eq!(reply.error_fields(), ["kwargs.user_id"], "{reply:#?}");
    }
    assert_eq!(task_count(&app).await, 1);
    // Replacing an existing task is checked the same way.
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "free", "run_at": "2030-01-01T00:00:00Z",
                                  "task_id": "same", "kwargs": {"user_id": 1}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "free", "run_at": "2030-01-01T00:00:00Z",
                                  "task_id": "same", "kwargs": bad}),
        )
        .await;
    assert_eq!(reply.error_fields(), ["kwargs.user_id"], "{reply:#?}");
    assert_eq!(
        app.get("/v1/tasks/same").await.body["kwargs"],
        json!({"user_id": 1})
    );
    // An unknown callback is still a 422 `unknown_callback`.
    app.post("/v1/tasks", task("nobody", json!({})))
        .await
        .assert_problem(422, "unknown_callback");
}
