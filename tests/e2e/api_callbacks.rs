//! Callbacks over HTTP: register, read, list, delete, and what is refused.

use serde_json::{json, Value};

use crate::support::app::TestApp;

const HOOK: &str = "https://example.com/hooks/a";
/// A valid Standard Webhooks secret (`whsec_` + base64 of 32 bytes).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn count_callbacks(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from callbacks")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn register_then_replace_keeps_the_generated_secret() {
    let app = TestApp::spawn().await;
    let created = app.put("/v1/callbacks/mail", json!({"url": HOOK})).await;
    assert_eq!(created.status, 201, "{created:#?}");
    let cb = &created.body;
    assert_eq!(cb["name"], "mail");
    assert_eq!(cb["url"], HOOK);
    assert_eq!(cb["timeout"], "PT10S");
    assert_eq!(cb["headers"], json!({}));
    assert_eq!(
        cb["retry"],
        json!({"max_attempts": 8, "initial_backoff": "PT5S", "max_backoff": "PT1H"})
    );
    let secret = cb["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 20,
        "{secret}"
    );
    assert!(cb["created_at"].as_str().unwrap().ends_with('Z'));

    // Re-register without a secret: 200, new settings, same secret — which this answer,
    // not having set it, does not carry (v2: secrets are write-only).
    let replaced = app
        .put(
            "/v1/callbacks/mail",
            json!({"url": "http://other.example:8080/x?y=1", "timeout": "PT90S",
                   "headers": {"Authorization": "Bearer t", "X-Team": "a"},
                   "retry": {"max_attempts": 3, "initial_backoff": "PT0.5S", "max_backoff": "PT120S"}}),
        )
        .await;
    assert_eq!(replaced.status, 200, "{replaced:#?}");
    let cb = &replaced.body;
    assert_eq!(cb["url"], "http://other.example:8080/x?y=1");
    assert_eq!(cb["timeout"], "PT1M30S");
    // Header values are write-only too: only the names come back.
    assert_eq!(
        cb["headers"],
        json!({"authorization": "[redacted]", "x-team": "[redacted]"})
    );
    assert_eq!(
        cb["retry"],
        json!({"max_attempts": 3, "initial_backoff": "PT0.5S", "max_backoff": "PT2M"})
    );
    assert!(cb.get("secret").is_none(), "{cb:#}");
    assert_eq!(cb["created_at"], created.body["created_at"]);

    // A given secret is stored and returned.
    let given = app
        .put("/v1/callbacks/mail", json!({"url": HOOK, "secret": SECRET}))
        .await;
    assert_eq!(given.status, 200, "{given:#?}");
    assert_eq!(given.body["secret"], SECRET);
    // Defaults are back, since the body no longer gives them.
    assert_eq!(given.body["timeout"], "PT10S");
    let mut fetched = app.get("/v1/callbacks/mail").await;
    assert_eq!(fetched.status, 200);
    // Only the single GET carries the live flow state.
    assert_eq!(fetched.body["flow"]["in_flight"], 0);
    fetched.body.as_object_mut().unwrap().remove("flow");
    let mut shown = given.body.clone();
    shown.as_object_mut().unwrap().remove("secret");
    assert_eq!(
        fetched.body, shown,
        "a GET is the PUT answer without the secret"
    );

    // A new callback with a given secret.
    let other = app
        .put(
            "/v1/callbacks/other",
            json!({"url": HOOK, "secret": SECRET}),
        )
        .await;
    assert_eq!(other.status, 201, "{other:#?}");
    assert_eq!(other.body["secret"], SECRET);
    // Generated secrets differ between callbacks.
    let third = app.put("/v1/callbacks/third", json!({"url": HOOK})).await;
    assert_ne!(third.body["secret"], secret.as_str());
}

#[tokio::test]
async fn get_one_or_404() {
    let app = TestApp::spawn().await;
    let registered = app.register_callback("known", HOOK).await;
    let mut reply = app.get("/v1/callbacks/known").await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(
        reply.body["flow"],
        json!({"in_flight": 0, "effective_concurrency": 100, "held_until": null}),
        "a fresh callback: nothing in flight, full concurrency, not held"
    );
    reply.body.as_object_mut().unwrap().remove("flow");
    let mut shown = registered.clone();
    shown.as_object_mut().unwrap().remove("secret");
    assert_eq!(reply.body, shown);
    app.get("/v1/callbacks/unknown")
        .await
        .assert_problem(404, "callback_not_found");
}

#[tokio::test]
async fn list_is_paginated_in_name_order() {
    let app = TestApp::spawn().await;
    for name in ["e", "b", "a", "d", "c"] {
        app.register_callback(name, HOOK).await;
    }
    let mut names = Vec::new();
    let mut path = "/v1/callbacks?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 200, "{reply:#?}");
        pages += 1;
        for cb in reply.body["callbacks"].as_array().unwrap() {
            names.push(cb["name"].as_str().unwrap().to_owned());
            assert!(cb.get("secret").is_none(), "a list shows a secret: {cb:#}");
        }
        match reply.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/callbacks?limit=2&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 10);
    }
    assert_eq!(pages, 3);
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    let all = app.get("/v1/callbacks").await;
    assert_eq!(all.body["callbacks"].as_array().unwrap().len(), 5);
    assert_eq!(all.body["next_cursor"], Value::Null);

    for query in ["limit=0", "limit=1001", "cursor=zz", "typo=1"] {
        app.get(&format!("/v1/callbacks?{query}"))
            .await
            .assert_problem(422, "validation_failed");
    }
}

#[tokio::test]
async fn delete_is_refused_while_unfinished_tasks_use_it() {
    let app = TestApp::spawn().await;
    app.register_callback("busy", HOOK).await;
    app.register_callback("idle", HOOK).await;
    for id in ["t1", "t2"] {
        let reply = app
            .post(
                "/v1/tasks",
                json!({"callback": "busy", "run_at": "2030-01-01T00:00:00Z", "task_id": id}),
            )
            .await;
        assert_eq!(reply.status, 201, "{reply:#?}");
    }

    let reply = app.delete("/v1/callbacks/idle").await;
    assert_eq!(reply.status, 204, "{reply:#?}");
    assert_eq!(reply.body, Value::Null);
    app.get("/v1/callbacks/idle")
        .await
        .assert_problem(404, "callback_not_found");
    app.delete("/v1/callbacks/idle")
        .await
        .assert_problem(404, "callback_not_found");

    app.delete("/v1/callbacks/busy")
        .await
        .assert_problem(409, "callback_in_use");
    // A paused task is still unfinished.
    app.post("/v1/tasks/pause", json!({"task_ids": ["t1", "t2"]}))
        .await;
    app.delete("/v1/callbacks/busy")
        .await
        .assert_problem(409, "callback_in_use");
    assert_eq!(app.delete("/v1/tasks/t1").await.status, 204);
    app.delete("/v1/callbacks/busy")
        .await
        .assert_problem(409, "callback_in_use");
    // A finished task does not hold the callback.
    sqlx::query("update tasks set status = 'succeeded', finished_at = now() where task_id = 't2'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.delete("/v1/callbacks/busy").await.status, 204);
    assert_eq!(count_callbacks(&app).await, 0);
}

#[tokio::test]
async fn invalid_callbacks_are_refused_and_not_written() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({"url": "/relative/path"}), "url"),
        (json!({"url": "example.com/hook"}), "url"),
        (json!({"url": "ftp://example.com/hook"}), "url"),
        (json!({"url": "https://user:pass@example.com/hook"}), "url"),
        (json!({"url": "https://user@example.com/hook"}), "url"),
        (json!({"url": "https://example.com/hook#frag"}), "url"),
        (json!({"url": ""}), "url"),
        (json!({"url": 5}), "url"),
        (json!({}), "body"),
        (json!({"url": HOOK, "timeout": "10s"}), "timeout"),
        (json!({"url": HOOK, "timeout": "PT0S"}), "timeout"),
        (json!({"url": HOOK, "timeout": "PT1H"}), "timeout"),
        (json!({"url": HOOK, "timeout": "P1M"}), "timeout"),
        (json!({"url": HOOK, "timeout": "PT-1S"}), "timeout"),
        (
            json!({"url": HOOK, "headers": {"webhook-signature": "x"}}),
            "headers.webhook-signature",
        ),
        (
            json!({"url": HOOK, "headers": {"Webhook-Id": "x"}}),
            "headers.Webhook-Id",
        ),
        (
            json!({"url": HOOK, "headers": {"taskshed-foo": "x"}}),
            "headers.taskshed-foo",
        ),
        (
            json!({"url": HOOK, "headers": {"Content-Type": "text/plain"}}),
            "headers.Content-Type",
        ),
        (
            json!({"url": HOOK, "headers": {"bad name": "x"}}),
            "headers.bad name",
        ),
        (
            json!({"url": HOOK, "headers": {"x-ok": "bad\nvalue"}}),
            "headers.x-ok",
        ),
        (
            json!({"url": HOOK, "headers": {"x-num": 1}}),
            "headers.x-num",
        ),
        (json!({"url": HOOK, "secret": "not-a-secret"}), "secret"),
        (json!({"url": HOOK, "secret": "whsec_!!!"}), "secret"),
        (json!({"url": HOOK, "secret": "whsec_"}), "secret"),
        (
            json!({"url": HOOK, "retry": {"max_attempts": 0}}),
            "retry.max_attempts",
        ),
        (
            json!({"url": HOOK, "retry": {"max_attempts": 101}}),
            "retry.max_attempts",
        ),
        (
            json!({"url": HOOK, "retry": {"initial_backoff": "soon"}}),
            "retry.initial_backoff",
        ),
        (
            json!({"url": HOOK, "retry": {"initial_backoff": "PT1M", "max_backoff": "PT1S"}}),
            "retry.max_backoff",
        ),
        (json!({"url": HOOK, "retry": {"typo": 1}}), "retry.typo"),
        // Flow control (issue 13).
        (
            json!({"url": HOOK, "max_concurrency": 0}),
            "max_concurrency",
        ),
        (
            json!({"url": HOOK, "max_concurrency": 10001}),
            "max_concurrency",
        ),
        (
            json!({"url": HOOK, "max_concurrency": "many"}),
            "max_concurrency",
        ),
        (
            json!({"url": HOOK, "rate_limit": {"requests": 0, "per": "PT1S"}}),
            "rate_limit.requests",
        ),
        (
            json!({"url": HOOK, "rate_limit": {"requests": 5, "per": "PT0S"}}),
            "rate_limit.per",
        ),
        (
            json!({"url": HOOK, "rate_limit": {"requests": 5, "per": "soon"}}),
            "rate_limit.per",
        ),
        (
            json!({"url": HOOK, "rate_limit": {"requests": 5, "per": "PT1S", "burst": 2}}),
            "rate_limit.burst",
        ),
        (json!({"url": HOOK, "typo": 1}), "typo"),
    ];
    for (body, field) in cases {
        let reply = app.put("/v1/callbacks/hook", body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}: {reply:#?}");
    }
    for name in ["a%20b", "a%2Fb", "caf%C3%A9", &"n".repeat(256)] {
        let reply = app
            .put(&format!("/v1/callbacks/{name}"), json!({"url": HOOK}))
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), ["name"], "{name}");
    }
    assert_eq!(count_callbacks(&app).await, 0);
    // The longest allowed name works.
    let reply = app
        .put(
            &format!("/v1/callbacks/{}", "n".repeat(255)),
            json!({"url": HOOK}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
}

#[tokio::test]
async fn secrets_and_header_values_are_never_in_a_get() {
    let app = TestApp::spawn().await;
    let spec = json!({"url": HOOK, "secret": SECRET,
                      "headers": {"authorization": "Bearer receiver-token"}});
    let put = app.put("/v1/callbacks/vault", spec.clone()).await;
    assert_eq!(put.status, 201, "{put:#?}");
    // The PUT that set the secret returns it; header values are redacted even there.
    assert_eq!(put.body["secret"], SECRET);
    assert_eq!(put.body["headers"], json!({"authorization": "[redacted]"}));
    // Re-registering without a secret keeps it, and that answer does not carry it.
    let kept = app
        .put(
            "/v1/callbacks/vault",
            json!({"url": HOOK, "headers": spec["headers"]}),
        )
        .await;
    assert_eq!(kept.status, 200, "{kept:#?}");
    assert!(kept.body.get("secret").is_none(), "{kept:#?}");

    for path in [
        "/v1/callbacks/vault",
        "/v1/callbacks",
        "/v1/callbacks?limit=1",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 200, "{reply:#?}");
        let text = reply.body.to_string();
        for leaked in [SECRET, "whsec_", "receiver-token", "\"secret\""] {
            assert!(!text.contains(leaked), "{path} shows {leaked}: {text}");
        }
        assert!(text.contains("[redacted]"), "{text}");
    }
}
