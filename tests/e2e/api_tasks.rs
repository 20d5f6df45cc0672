//! Tasks over HTTP: TaskShed's scheduler operations.
//!
//! The API runs without a delivery loop, so a task never changes status on its own; where
//! a test needs a finished task it sets the status in SQL, as delivery would.

use serde_json::{json, Value};
use std::collections::BTreeSet;

use crate::support::app::TestApp;

const HOOK: &str = "http://127.0.0.1:9/hook";

/// An API with callbacks `cb` and `cb2` registered.
async fn app_with_callbacks() -> TestApp {
    let app = TestApp::spawn().await;
    app.register_callback("cb", HOOK).await;
    app.register_callback("cb2", HOOK).await;
    app
}

async fn create(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/v1/tasks", body).await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    reply.body
}

async fn task(app: &TestApp, id: &str) -> Value {
    let reply = app.get(&format!("/v1/tasks/{id}")).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    reply.body
}

async fn count_tasks(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Marks a task finished, as the delivery loop would.
async fn finish(app: &TestApp, id: &str, status: &str) {
    sqlx::query("update tasks set status = $2, finished_at = now() where task_id = $1")
        .bind(id)
        .bind(status)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// The ids of a list reply, in order.
fn ids(body: &Value) -> Vec<String> {
    body["tasks"]
        .as_array()
        .expect("tasks array")
        .iter()
        .map(|t| t["task_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn create_and_fetch_a_task_with_defaults() {
    let app = TestApp::spawn().await;
    app.register_callback("add", HOOK).await;
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "add", "run_at": "2025-03-14T10:00:00", "timezone": "America/New_York"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    let task = &reply.body;
    assert_eq!(task["run_at"], "2025-03-14T14:00:00Z");
    assert_eq!(task["timezone"], "America/New_York");
    assert_eq!(task["callback"], "add");
    assert_eq!(task["kwargs"], json!({}));
    assert_eq!(task["run_type"], "once");
    assert_eq!(task["interval"], Value::Null);
    assert_eq!(task["group_id"], Value::Null);
    assert_eq!(task["paused"], false);
    assert_eq!(task["paused_at"], Value::Null);
    assert_eq!(task["coalesce"], true);
    assert_eq!(task["status"], "scheduled");
    assert_eq!(task["attempts"], 0);
    assert_eq!(task["runs"], 0);
    assert_eq!(task["last_error"], Value::Null);
    for stamp in ["created_at", "updated_at"] {
        assert!(
            task[stamp].as_str().unwrap().ends_with('Z'),
            "{stamp}: {task}"
        );
    }
    let id = task["task_id"].as_str().unwrap();
    assert_eq!(id.len(), 32);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    let fetched = app.get(&format!("/v1/tasks/{id}")).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, reply.body);
}

#[tokio::test]
async fn every_input_field_is_stored_and_returned() {
    let app = app_with_callbacks().await;
    let task = create(
        &app,
        json!({
            "callback": "cb", "run_at": "2030-01-01T12:00:00+02:00", "kwargs": {"n": 1},
            "run_type": "recurring", "interval": "PT90S", "task_id": "Job-1.a_b~c:d",
            "group_id": "g1", "paused": true, "coalesce": false
        }),
    )
    .await;
    assert_eq!(task["task_id"], "Job-1.a_b~c:d");
    assert_eq!(task["run_at"], "2030-01-01T10:00:00Z");
    assert_eq!(task["run_type"], "recurring");
    assert_eq!(task["interval"], "PT1M30S");
    assert_eq!(task["group_id"], "g1");
    assert_eq!(task["paused"], true);
    assert!(task["paused_at"].is_string(), "{task}");
    assert_eq!(task["coalesce"], false);
    assert_eq!(task["kwargs"], json!({"n": 1}));
    assert_eq!(task, self::task(&app, "Job-1.a_b~c:d").await);
}

#[tokio::test]
async fn recurring_intervals_come_back_normalised() {
    let app = app_with_callbacks().await;
    for (given, normal) in [
        ("PT90S", "PT1M30S"),
        ("PT3600S", "PT1H"),
        ("PT24H", "P1D"),
        ("P1W", "P7D"),
        ("PT0.5S", "PT0.5S"),
        ("PT1H30M", "PT1H30M"),
        ("P1DT0.25S", "P1DT0.25S"),
    ] {
        let task = create(
            &app,
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z",
                   "run_type": "recurring", "interval": given}),
        )
        .await;
        assert_eq!(task["interval"], normal, "{given}");
    }
}

#[tokio::test]
async fn run_at_is_normalised_to_utc() {
    let app = app_with_callbacks().await;
    for (run_at, timezone, utc) in [
        (
            "2025-03-14T10:00:00",
            Some("America/New_York"),
            "2025-03-14T14:00:00Z",
        ),
        (
            "2025-07-01T10:00:00",
            Some("Europe/Berlin"),
            "2025-07-01T08:00:00Z",
        ),
        ("2025-03-14T10:00:00+02:00", None, "2025-03-14T08:00:00Z"),
        // An explicit offset wins over `timezone`.
        (
            "2025-03-14T10:00:00-01:00",
            Some("Asia/Tokyo"),
            "2025-03-14T11:00:00Z",
        ),
        (
            "2025-03-14T10:00:00.123456789Z",
            None,
            "2025-03-14T10:00:00.123456Z",
        ),
    ] {
        let mut body = json!({"callback": "cb", "run_at": run_at});
        if let Some(zone) = timezone {
            body["timezone"] = json!(zone);
        }
        let task = create(&app, body).await;
        assert_eq!(task["run_at"], utc, "{run_at} in {timezone:?}");
    }
}

#[tokio::test]
async fn kwargs_come_back_as_sent() {
    let app = app_with_callbacks().await;
    let kwargs = json!({
        "nested": {"list": [1, 2.5, "three", null, true, {"deep": {"er": []}}]},
        "unicode": "Grüße, 日本語, emoji 🎉, quote \" backslash \\ tab \t",
        "escaped": "\u{1}",
        "big": 12345678901234567_u64,
        "": "empty key"
    });
    let task = create(
        &app,
        json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "k", "kwargs": kwargs}),
    )
    .await;
    assert_eq!(task["kwargs"], kwargs);
    assert_eq!(self::task(&app, "k").await["kwargs"], kwargs);

    // The exact bytes are kept: spacing, key order and number spelling included.
    let exact = r#"{"b":1,  "a" : 2.50, "c": "\u00e9"}"#;
    let body = format!(
        r#"{{"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "exact", "kwargs": {exact}}}"#
    );
    let reply = app
        .raw(
            reqwest::Method::POST,
            "/v1/tasks",
            Some("application/json"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    let text = app
        .client
        .get(format!("{}/v1/tasks/exact", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(&format!(r#""kwargs":{exact}"#)),
        "kwargs not byte for byte: {text}"
    );
}

#[tokio::test]
async fn replace_existing_decides_what_happens_to_an_existing_id() {
    let app = app_with_callbacks().await;
    let first = app
        .post(
            "/v1/tasks",
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "t", "kwargs": {"v": 1}}),
        )
        .await;
    assert_eq!(first.status, 201, "{first:#?}");

    // Default: replace, answered 200.
    let replaced = app
        .post(
            "/v1/tasks",
            json!({"callback": "cb2", "run_at": "2030-02-01T00:00:00Z", "task_id": "t", "kwargs": {"v": 2}}),
        )
        .await;
    assert_eq!(replaced.status, 200, "{replaced:#?}");
    assert_eq!(replaced.body["kwargs"], json!({"v": 2}));
    assert_eq!(replaced.body["callback"], "cb2");
    assert_eq!(replaced.body["run_at"], "2030-02-01T00:00:00Z");

    // Explicit true: replace again.
    let again = app
        .post(
            "/v1/tasks",
            json!({"callback": "cb", "run_at": "2030-03-01T00:00:00Z", "task_id": "t",
                   "kwargs": {"v": 3}, "replace_existing": true}),
        )
        .await;
    assert_eq!(again.status, 200, "{again:#?}");
    assert_eq!(again.body["kwargs"], json!({"v": 3}));

    // False: 409 and the stored task is untouched.
    let refused = app
        .post(
            "/v1/tasks",
            json!({"callback": "cb", "run_at": "2030-04-01T00:00:00Z", "task_id": "t",
                   "kwargs": {"v": 4}, "replace_existing": false}),
        )
        .await;
    refused.assert_problem(409, "task_exists");
    assert_eq!(task(&app, "t").await, again.body);

    // False with a new id creates.
    let fresh = app
        .post(
            "/v1/tasks",
            json!({"callback": "cb", "run_at": "2030-04-01T00:00:00Z", "task_id": "u",
                   "replace_existing": false}),
        )
        .await;
    assert_eq!(fresh.status, 201, "{fresh:#?}");
    assert_eq!(count_tasks(&app).await, 2);
}

#[tokio::test]
async fn batch_reports_created_replaced_and_kept_in_input_order() {
    let app = app_with_callbacks().await;
    let spec = |id: &str, v: i64| json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": id, "kwargs": {"v": v}});
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [spec("c", 1), spec("a", 1), spec("b", 1)]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(
        reply.body,
        json!({"results": [
            {"task_id": "c", "outcome": "created"},
            {"task_id": "a", "outcome": "created"},
            {"task_id": "b", "outcome": "created"},
        ]})
    );

    // replace_existing false: existing ids are kept, new ones created.
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [spec("b", 2), spec("d", 2), spec("a", 2)], "replace_existing": false}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(
        reply.body,
        json!({"results": [
            {"task_id": "b", "outcome": "kept"},
            {"task_id": "d", "outcome": "created"},
            {"task_id": "a", "outcome": "kept"},
        ]})
    );
    assert_eq!(task(&app, "a").await["kwargs"], json!({"v": 1}));
    assert_eq!(task(&app, "d").await["kwargs"], json!({"v": 2}));

    // Default (true): existing ids are replaced.
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [spec("e", 3), spec("a", 3), spec("c", 3)]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(
        reply.body,
        json!({"results": [
            {"task_id": "e", "outcome": "created"},
            {"task_id": "a", "outcome": "replaced"},
            {"task_id": "c", "outcome": "replaced"},
        ]})
    );
    assert_eq!(task(&app, "a").await["kwargs"], json!({"v": 3}));
    assert_eq!(task(&app, "b").await["kwargs"], json!({"v": 1}));
    assert_eq!(count_tasks(&app).await, 5);

    // Generated ids are reported too, and an empty batch is fine.
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [{"callback": "cb", "run_at": "2030-01-01T00:00:00Z"}]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let generated = reply.body["results"][0]["task_id"].as_str().unwrap();
    assert_eq!(generated.len(), 32);
    assert_eq!(reply.body["results"][0]["outcome"], "created");
    let reply = app.post("/v1/tasks/batch", json!({"tasks": []})).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body, json!({"results": []}));
}

#[tokio::test]
async fn batch_is_all_or_nothing() {
    let app = app_with_callbacks().await;
    create(
        &app,
        json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "existing", "kwargs": {"v": 0}}),
    )
    .await;
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [
                {"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "new1"},
                {"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "existing", "kwargs": {"v": 1}},
                {"callback": "cb", "run_at": "2030-01-01T00:00:00", "task_id": "new2"},
            ]}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["tasks[2].run_at"]);
    assert_eq!(count_tasks(&app).await, 1);
    assert_eq!(task(&app, "existing").await["kwargs"], json!({"v": 0}));

    // An unregistered callback on one item: nothing written either.
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [
                {"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "new1"},
                {"callback": "nope", "run_at": "2030-01-01T00:00:00Z", "task_id": "new2"},
            ]}),
        )
        .await;
    reply.assert_problem(422, "unknown_callback");
    assert_eq!(reply.error_fields(), ["tasks[1].callback"]);
    assert_eq!(count_tasks(&app).await, 1);

    // The same id twice in one batch.
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [
                {"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "twice"},
                {"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "twice"},
            ]}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["tasks[1].task_id"]);
    assert_eq!(count_tasks(&app).await, 1);
}

#[tokio::test]
async fn fetch_by_ids_leaves_unknown_ids_out() {
    let app = app_with_callbacks().await;
    for id in ["a", "b", "c"] {
        create(
            &app,
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": id}),
        )
        .await;
    }
    let reply = app
        .get("/v1/tasks?task_id=c&task_id=missing&task_id=a")
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(ids(&reply.body), ["a", "c"]);
    assert_eq!(reply.body["next_cursor"], Value::Null);
    assert_eq!(reply.body["tasks"][0], task(&app, "a").await);

    let reply = app.get("/v1/tasks?task_id=missing").await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body, json!({"tasks": [], "next_cursor": null}));
}

#[tokio::test]
async fn fetch_by_group_with_filters() {
    let app = app_with_callbacks().await;
    let tasks = [
        ("g-1", "cb", Some("g"), false),
        ("g-2", "cb2", Some("g"), true),
        ("g-3", "cb", Some("g"), false),
        ("g-4", "cb", Some("g"), true),
        ("h-1", "cb", Some("h"), false),
        ("none", "cb", None, false),
    ];
    for (id, callback, group, paused) in tasks {
        create(
            &app,
            json!({"callback": callback, "run_at": "2030-01-01T00:00:00Z", "task_id": id,
                   "group_id": group, "paused": paused}),
        )
        .await;
    }
    finish(&app, "g-3", "failed").await;
    let fetch = |query: &'static str| {
        let app = &app;
        async move {
            let reply = app.get(&format!("/v1/tasks?{query}")).await;
            assert_eq!(reply.status, 200, "{query}: {reply:#?}");
            ids(&reply.body)
        }
    };
    assert_eq!(fetch("group_id=g").await, ["g-1", "g-2", "g-3", "g-4"]);
    assert_eq!(fetch("group_id=h").await, ["h-1"]);
    assert_eq!(fetch("group_id=nobody").await, Vec::<String>::new());
    assert_eq!(fetch("group_id=g&paused=true").await, ["g-2", "g-4"]);
    assert_eq!(fetch("group_id=g&paused=false").await, ["g-1", "g-3"]);
    assert_eq!(fetch("group_id=g&callback=cb2").await, ["g-2"]);
    assert_eq!(fetch("group_id=g&status=failed").await, ["g-3"]);
    assert_eq!(
        fetch("group_id=g&status=scheduled").await,
        ["g-1", "g-2", "g-4"]
    );
    assert_eq!(
        fetch("group_id=g&status=scheduled&callback=cb&paused=false").await,
        ["g-1"]
    );
    // Filters work without a selector too, and no selector lists everything.
    assert_eq!(fetch("paused=true").await, ["g-2", "g-4"]);
    assert_eq!(fetch("").await.len(), 6);
    assert_eq!(fetch("task_id=g-1&task_id=g-2&paused=true").await, ["g-2"]);
}

#[tokio::test]
async fn pause_stamps_once_and_resume_clears() {
    let app = app_with_callbacks().await;
    let created = create(
        &app,
        json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "p"}),
    )
    .await;
    let reply = app
        .post("/v1/tasks/pause", json!({"task_ids": ["p"]}))
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body, json!({"affected": 1}));
    let paused = task(&app, "p").await;
    assert_eq!(paused["paused"], true);
    let stamp = paused["paused_at"].as_str().expect("paused_at").to_owned();
    assert_eq!(paused["run_at"], created["run_at"]);

    // A second pause changes nothing and keeps the first stamp.
    let reply = app
        .post("/v1/tasks/pause", json!({"task_ids": ["p"]}))
        .await;
    assert_eq!(reply.body, json!({"affected": 0}));
    assert_eq!(task(&app, "p").await["paused_at"], stamp.as_str());

    let reply = app
        .post("/v1/tasks/resume", json!({"task_ids": ["p", "unknown"]}))
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body, json!({"affected": 1}));
    let resumed = task(&app, "p").await;
    assert_eq!(resumed["paused"], false);
    assert_eq!(resumed["paused_at"], Value::Null);
    assert_eq!(resumed["run_at"], created["run_at"]);

    let reply = app
        .post("/v1/tasks/resume", json!({"task_ids": ["p"]}))
        .await;
    assert_eq!(reply.body, json!({"affected": 0}));
}

#[tokio::test]
async fn group_pause_resume_and_delete() {
    let app = app_with_callbacks().await;
    let mut specs = Vec::new();
    for i in 0..5 {
        specs.push(json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z",
                          "task_id": format!("g-{i}"), "group_id": "g"}));
    }
    for i in 0..2 {
        specs.push(json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z",
                          "task_id": format!("h-{i}"), "group_id": "h"}));
    }
    let reply = app.post("/v1/tasks/batch", json!({"tasks": specs})).await;
    assert_eq!(reply.status, 200, "{reply:#?}");

    let reply = app.post("/v1/tasks/pause", json!({"group_id": "g"})).await;
    assert_eq!(reply.body, json!({"affected": 5}), "{reply:#?}");
    let listed = app.get("/v1/tasks?paused=true").await;
    assert_eq!(ids(&listed.body), ["g-0", "g-1", "g-2", "g-3", "g-4"]);
    assert!(listed.body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["paused_at"].is_string()));

    let reply = app
        .post("/v1/tasks/resume", json!({"task_ids": ["g-0", "g-1"]}))
        .await;
    assert_eq!(reply.body, json!({"affected": 2}));
    let reply = app.post("/v1/tasks/resume", json!({"group_id": "g"})).await;
    assert_eq!(reply.body, json!({"affected": 3}));
    let reply = app.get("/v1/tasks?paused=true").await;
    assert_eq!(ids(&reply.body), Vec::<String>::new());

    let reply = app.post("/v1/tasks/delete", json!({"group_id": "g"})).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body, json!({"affected": 5}));
    let reply = app.post("/v1/tasks/delete", json!({"group_id": "g"})).await;
    assert_eq!(reply.body, json!({"affected": 0}));
    assert_eq!(ids(&app.get("/v1/tasks").await.body), ["h-0", "h-1"]);

    let reply = app
        .post("/v1/tasks/delete", json!({"task_ids": ["h-1", "nope"]}))
        .await;
    assert_eq!(reply.body, json!({"affected": 1}));
    assert_eq!(ids(&app.get("/v1/tasks").await.body), ["h-0"]);
    let reply = app.post("/v1/tasks/pause", json!({"task_ids": []})).await;
    assert_eq!(reply.body, json!({"affected": 0}));
}

#[tokio::test]
async fn delete_one_task() {
    let app = app_with_callbacks().await;
    create(
        &app,
        json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "d"}),
    )
    .await;
    let reply = app.delete("/v1/tasks/d").await;
    assert_eq!(reply.status, 204, "{reply:#?}");
    assert_eq!(reply.body, Value::Null);
    app.delete("/v1/tasks/d")
        .await
        .assert_problem(404, "task_not_found");
    app.get("/v1/tasks/d")
        .await
        .assert_problem(404, "task_not_found");
    assert_eq!(count_tasks(&app).await, 0);
}

#[tokio::test]
async fn execution_times_update_and_report_unknown_and_finished_ids() {
    let app = app_with_callbacks().await;
    for id in ["a", "b", "done"] {
        create(
            &app,
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": id}),
        )
        .await;
    }
    app.post("/v1/tasks/pause", json!({"task_ids": ["b"]}))
        .await;
    finish(&app, "done", "succeeded").await;
    let before_done = task(&app, "done").await;
    let reply = app
        .post(
            "/v1/tasks/execution-times",
            json!({"tasks": [
                {"task_id": "a", "run_at": "2031-05-05T05:05:05Z"},
                {"task_id": "ghost", "run_at": "2031-05-05T05:05:05Z"},
                {"task_id": "b", "run_at": "2031-05-05T08:00:00", "timezone": "Europe/London"},
                {"task_id": "done", "run_at": "2031-05-05T05:05:05Z"},
            ]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(
        reply.body,
        json!({"updated": 2, "not_found": ["ghost"], "finished": ["done"]})
    );
    assert_eq!(task(&app, "a").await["run_at"], "2031-05-05T05:05:05Z");
    let b = task(&app, "b").await;
    assert_eq!(b["run_at"], "2031-05-05T07:00:00Z");
    assert_eq!(b["paused"], true, "a paused task stays paused");
    assert_eq!(task(&app, "done").await, before_done);
    // Unknown ids create nothing.
    app.get("/v1/tasks/ghost")
        .await
        .assert_problem(404, "task_not_found");
    assert_eq!(count_tasks(&app).await, 3);

    let reply = app
        .post("/v1/tasks/execution-times", json!({"tasks": []}))
        .await;
    assert_eq!(
        reply.body,
        json!({"updated": 0, "not_found": [], "finished": []})
    );
}

#[tokio::test]
async fn patch_changes_the_fields_given() {
    let app = app_with_callbacks().await;
    create(
        &app,
        json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "r",
               "run_type": "recurring", "interval": "PT1M", "group_id": "g", "kwargs": {"a": 1}}),
    )
    .await;
    let patch = |body: Value| {
        let app = &app;
        async move {
            let reply = app.patch("/v1/tasks/r", body).await;
            assert_eq!(reply.status, 200, "{reply:#?}");
            reply.body
        }
    };
    let t = patch(json!({"run_at": "2030-06-01T09:00:00", "timezone": "America/New_York"})).await;
    assert_eq!(t["run_at"], "2030-06-01T13:00:00Z");
    assert_eq!(t["kwargs"], json!({"a": 1}));
    assert_eq!(t["group_id"], "g");

    let t = patch(json!({"kwargs": {"b": [1, {"c": "ü"}]}})).await;
    assert_eq!(t["kwargs"], json!({"b": [1, {"c": "ü"}]}));
    assert_eq!(t["run_at"], "2030-06-01T13:00:00Z");

    let t = patch(json!({"interval": "PT7200S"})).await;
    assert_eq!(t["interval"], "PT2H");

    let t = patch(json!({"group_id": "other"})).await;
    assert_eq!(t["group_id"], "other");
    assert_eq!(ids(&app.get("/v1/tasks?group_id=other").await.body), ["r"]);

    let t = patch(json!({"group_id": null})).await;
    assert_eq!(t["group_id"], Value::Null);
    assert_eq!(
        ids(&app.get("/v1/tasks?group_id=other").await.body),
        Vec::<String>::new()
    );

    let t = patch(json!({"run_at": "2030-07-01T00:00:00Z", "kwargs": {}, "group_id": "g2"})).await;
    assert_eq!(t["run_at"], "2030-07-01T00:00:00Z");
    assert_eq!(t["kwargs"], json!({}));
    assert_eq!(t["group_id"], "g2");
    assert_eq!(t["interval"], "PT2H");
    assert_eq!(t, task(&app, "r").await);
}

#[tokio::test]
async fn patch_refuses_finished_missing_and_invalid_changes() {
    let app = app_with_callbacks().await;
    for id in ["once", "done", "failed"] {
        create(
            &app,
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": id}),
        )
        .await;
    }
    finish(&app, "done", "succeeded").await;
    finish(&app, "failed", "failed").await;
    for id in ["done", "failed"] {
        let before = task(&app, id).await;
        app.patch(&format!("/v1/tasks/{id}"), json!({"kwargs": {"x": 1}}))
            .await
            .assert_problem(409, "task_finished");
        assert_eq!(task(&app, id).await, before);
    }
    let before = task(&app, "once").await;
    let reply = app
        .patch("/v1/tasks/once", json!({"interval": "PT1M"}))
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["interval"]);
    for (body, field) in [
        (json!({}), "body"),
        (json!({"run_at": "2030-01-01T00:00:00"}), "run_at"),
        (json!({"timezone": "Europe/Paris"}), "timezone"),
        (json!({"kwargs": [1]}), "kwargs"),
        (json!({"group_id": "a b"}), "group_id"),
        (json!({"typo": 1}), "typo"),
    ] {
        let reply = app.patch("/v1/tasks/once", body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
    assert_eq!(task(&app, "once").await, before);
    app.patch("/v1/tasks/missing", json!({"kwargs": {}}))
        .await
        .assert_problem(404, "task_not_found");
}

#[tokio::test]
async fn list_pages_without_duplicates_or_gaps() {
    let app = app_with_callbacks().await;
    let specs: Vec<Value> = (0..250)
        .map(|i| json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z",
                        "task_id": format!("task-{i:03}"), "group_id": if i % 2 == 0 { "even" } else { "odd" }}))
        .collect();
    let reply = app.post("/v1/tasks/batch", json!({"tasks": specs})).await;
    assert_eq!(reply.status, 200, "{reply:#?}");

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/tasks?limit=100&cursor={c}"),
            None => "/v1/tasks?limit=100".to_owned(),
        };
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 200, "{reply:#?}");
        pages += 1;
        let page = ids(&reply.body);
        assert!(page.len() <= 100);
        seen.extend(page);
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                assert_eq!(reply.body["next_cursor"], Value::Null);
                break;
            }
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    let expected: BTreeSet<String> = (0..250).map(|i| format!("task-{i:03}")).collect();
    assert_eq!(seen.len(), 250, "duplicates");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), expected);

    // The default limit is 100; a group pages the same way.
    let reply = app.get("/v1/tasks").await;
    assert_eq!(ids(&reply.body).len(), 100);
    assert!(reply.body["next_cursor"].is_string());
    let first = app.get("/v1/tasks?group_id=odd&limit=120").await;
    assert_eq!(ids(&first.body).len(), 120);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/v1/tasks?group_id=odd&limit=120&cursor={cursor}"))
        .await;
    assert_eq!(ids(&second.body).len(), 5);
    assert_eq!(second.body["next_cursor"], Value::Null);

    // Exactly a page's worth left: the last page says so.
    let reply = app.get("/v1/tasks?limit=250").await;
    assert_eq!(ids(&reply.body).len(), 250);
    assert_eq!(reply.body["next_cursor"], Value::Null);
    let reply = app.get("/v1/tasks?limit=1000").await;
    assert_eq!(reply.status, 200);

    for query in ["limit=0", "limit=1001", "limit=-1", "limit=ten", "limit="] {
        let reply = app.get(&format!("/v1/tasks?{query}")).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), ["limit"], "{query}");
    }
    for query in ["cursor=zz", "cursor=abc", "cursor=%E2%9C%93"] {
        let reply = app.get(&format!("/v1/tasks?{query}")).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), ["cursor"], "{query}");
    }
}

#[tokio::test]
async fn attempts_of_a_task() {
    let app = app_with_callbacks().await;
    create(
        &app,
        json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": "t"}),
    )
    .await;
    let reply = app.get("/v1/tasks/t/attempts").await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body, json!({"attempts": [], "next_cursor": null}));
    app.get("/v1/tasks/missing/attempts")
        .await
        .assert_problem(404, "task_not_found");

    // History as the delivery loop records it: newest first, paginated.
    for n in 1..=3 {
        sqlx::query(
            "insert into attempts (task_id, webhook_id, attempt, scheduled_at, started_at, \
               duration_us, status_code, error, outcome, response_prefix, instance) \
             values ('t', 'msg_1', $1, '2030-01-01T00:00:00Z', now(), 1500, 503, null, \
               case when $1 = 3 then 'failed' else 'retrying' end, 'busy', 'test')",
        )
        .bind(n)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let reply = app.get("/v1/tasks/t/attempts?limit=2").await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let attempts = reply.body["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["attempt"], 3);
    assert_eq!(attempts[0]["outcome"], "failed");
    assert_eq!(attempts[0]["status_code"], 503);
    assert_eq!(attempts[0]["duration_ms"], 1.5);
    assert_eq!(attempts[0]["scheduled_at"], "2030-01-01T00:00:00Z");
    assert_eq!(attempts[1]["attempt"], 2);
    assert_eq!(attempts[1]["outcome"], "retrying");
    let cursor = reply.body["next_cursor"].as_str().unwrap();
    let reply = app
        .get(&format!("/v1/tasks/t/attempts?limit=2&cursor={cursor}"))
        .await;
    let attempts = reply.body["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["attempt"], 1);
    assert_eq!(reply.body["next_cursor"], Value::Null);

    app.get("/v1/tasks/t/attempts?limit=0")
        .await
        .assert_problem(422, "validation_failed");
    app.get("/v1/tasks/t/attempts?cursor=zz")
        .await
        .assert_problem(422, "validation_failed");
    app.get("/v1/tasks/t/attempts?nope=1")
        .await
        .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn retry_rearms_only_failed_tasks() {
    let app = app_with_callbacks().await;
    for id in ["s", "f", "ok"] {
        create(
            &app,
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": id}),
        )
        .await;
    }
    app.post("/v1/tasks/s/retry", json!({}))
        .await
        .assert_problem(409, "task_not_failed");
    finish(&app, "ok", "succeeded").await;
    app.post("/v1/tasks/ok/retry", json!({}))
        .await
        .assert_problem(409, "task_not_failed");
    app.post("/v1/tasks/missing/retry", json!({}))
        .await
        .assert_problem(404, "task_not_found");

    sqlx::query(
        "update tasks set status = 'failed', finished_at = now(), attempts = 8, \
         last_error = 'HTTP 500' where task_id = 'f'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let reply = app.post("/v1/tasks/f/retry", json!({})).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body["status"], "scheduled");
    assert_eq!(reply.body["attempts"], 0);
    assert_eq!(reply.body["finished_at"], Value::Null);
    assert_eq!(reply.body, task(&app, "f").await);
    // Re-armed means unfinished again: a second retry is refused.
    app.post("/v1/tasks/f/retry", json!({}))
        .await
        .assert_problem(409, "task_not_failed");
}

#[tokio::test]
async fn ids_that_match_route_names_are_still_addressable() {
    let app = app_with_callbacks().await;
    for id in [
        "batch",
        "execution-times",
        "pause",
        "resume",
        "delete",
        "retry",
    ] {
        create(
            &app,
            json!({"callback": "cb", "run_at": "2030-01-01T00:00:00Z", "task_id": id}),
        )
        .await;
        assert_eq!(task(&app, id).await["task_id"], id);
        let reply = app
            .patch(&format!("/v1/tasks/{id}"), json!({"kwargs": {"id": id}}))
            .await;
        assert_eq!(reply.status, 200, "{reply:#?}");
        assert_eq!(reply.body["kwargs"], json!({"id": id}));
        let reply = app.get(&format!("/v1/tasks/{id}/attempts")).await;
        assert_eq!(reply.status, 200, "{reply:#?}");
        app.post(&format!("/v1/tasks/{id}/retry"), json!({}))
            .await
            .assert_problem(409, "task_not_failed");
        assert_eq!(app.delete(&format!("/v1/tasks/{id}")).await.status, 204);
        app.get(&format!("/v1/tasks/{id}"))
            .await
            .assert_problem(404, "task_not_found");
    }
    // The bulk endpoints behind those paths still work.
    let reply = app.post("/v1/tasks/pause", json!({"task_ids": []})).await;
    assert_eq!(reply.body, json!({"affected": 0}));
}
