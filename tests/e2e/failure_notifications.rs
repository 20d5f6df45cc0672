//! Failure handling, part B (API.md "Failure handling"): `on_failure` notifications
//! (`task.failed`, `callback.disabled`) delivered as ordinary signed tasks of the named
//! callback, `disable_after` with `enable`, and what registration and delete refuse.
//! Real `taskshed` processes, real PostgreSQL, real receivers; default retry settings.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

use crate::delivery::{at, signature_is_valid, start};
use crate::support::app::TestApp;
use crate::support::receiver::{Answer, Received, Receiver};
use crate::support::server::Api;

/// Generous bound for anything that should happen "soon" on a busy shared machine.
const SOON: Duration = Duration::from_secs(45);
const ALERTS_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const HOOK_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

const TASK_FAILED_FIELDS: [&str; 11] = [
    "type",
    "task_id",
    "callback",
    "group_id",
    "run_type",
    "scheduled_at",
    "attempts",
    "last_status_code",
    "last_error",
    "webhook_id",
    "failed_at",
];

fn body(request: &Received) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

fn instant(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .parse()
        .expect("RFC 3339")
}

/// Notifications received about `task_id`.
fn notices_about(receiver: &Receiver, task_id: &str) -> Vec<(Received, Value)> {
    receiver
        .received()
        .into_iter()
        .map(|r| {
            let b = body(&r);
            (r, b)
        })
        .filter(|(_, b)| b["task_id"] == task_id)
        .collect()
}

/// Polls `GET /v1/callbacks/{name}` until `holds`; panics with the last answer on timeout.
async fn wait_for_callback(api: &Api, name: &str, holds: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + SOON;
    loop {
        let reply = api.get(&format!("/v1/callbacks/{name}")).await;
        assert_eq!(reply.status, 200, "{reply:#?}");
        if holds(&reply.body) {
            return reply.body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "callback {name} did not reach the expected state: {:#}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn tasks_of(api: &Api, callback: &str) -> Vec<Value> {
    let reply = api.get(&format!("/v1/tasks?callback={callback}")).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    reply.body["tasks"].as_array().cloned().expect("tasks")
}

#[tokio::test]
async fn a_failed_occurrence_sends_a_signed_task_failed_with_every_field() {
    let (_db, server, hook) = start(&[]).await;
    let api = &server.api;
    let alerts = Receiver::start().await;
    hook.set_default(Answer::status(400));
    api.callback(
        "alerts",
        &alerts.url("/alerts"),
        json!({"secret": ALERTS_SECRET}),
    )
    .await;
    api.callback(
        "hook",
        &hook.url("/hook"),
        json!({"secret": HOOK_SECRET, "on_failure": "alerts"}),
    )
    .await;

    // A once task that fails at once (400), and a recurring one whose occurrences fail
    // while the task goes on.
    let (_, now) = at(0);
    api.create_task(
        json!({"callback": "hook", "task_id": "doomed", "run_at": now,
        "group_id": "g1", "kwargs": {"n": 1}}),
    )
    .await;
    api.create_task(json!({"callback": "hook", "task_id": "tick", "run_at": now,
        "run_type": "recurring", "interval": "PT1S"}))
        .await;

    let arrived = alerts
        .wait_until(SOON, |got| {
            let about = |id: &str| got.iter().filter(|r| body(r)["task_id"] == id).count();
            about("doomed") >= 1 && about("tick") >= 2
        })
        .await;
    assert!(arrived, "notifications: {:#?}", alerts.received());

    let task = api.task("doomed").await;
    assert_eq!(task["status"], "failed", "{task:#}");
    let delivered = hook.for_task("doomed");
    assert_eq!(delivered.len(), 1, "a 400 is not retried");
    let notices = notices_about(&alerts, "doomed");
    assert_eq!(notices.len(), 1, "one notification per failed occurrence");
    let (request, notice) = &notices[0];
    assert_eq!(
        keys(notice),
        TASK_FAILED_FIELDS.iter().map(|k| k.to_string()).collect(),
        "{notice:#}"
    );
    assert_eq!(notice["type"], "task.failed");
    assert_eq!(notice["task_id"], "doomed");
    assert_eq!(notice["callback"], "hook");
    assert_eq!(notice["group_id"], "g1");
    assert_eq!(notice["run_type"], "once");
    assert_eq!(notice["scheduled_at"], task["run_at"]);
    assert_eq!(
        notice["scheduled_at"],
        delivered[0].header("taskshed-scheduled-at")
    );
    assert_eq!(notice["attempts"], 1);
    assert_eq!(notice["attempts"], task["attempts"]);
    assert_eq!(notice["last_status_code"], 400);
    assert_eq!(notice["last_error"], task["last_error"]);
    assert_eq!(notice["last_error"], "HTTP 400");
    assert_eq!(notice["webhook_id"], delivered[0].webhook_id());
    let failed_at = instant(&notice["failed_at"]);
    assert!(
        failed_at >= delivered[0].at - TimeDelta::seconds(1) && failed_at <= request.at,
        "failed_at {failed_at} vs delivery at {} and notice at {}",
        delivered[0].at,
        request.at
    );
    // A normal delivery of the `alerts` callback: its own task id, signed with its secret.
    assert!(
        signature_is_valid(ALERTS_SECRET, request),
        "bad signature: {request:#?}"
    );
    assert!(!signature_is_valid(HOOK_SECRET, request));
    let notice_task = request.task_id();
    assert!(
        notice_task.len() == 32 && notice_task.bytes().all(|b| b.is_ascii_hexdigit()),
        "{notice_task}"
    );
    let stored = api.task(notice_task).await;
    assert_eq!(stored["callback"], "alerts");
    assert_eq!(stored["run_type"], "once");

    // The recurring task: each failed occurrence is told once, and the task goes on.
    let ticks = notices_about(&alerts, "tick");
    let (first, second) = (&ticks[0].1, &ticks[1].1);
    for notice in [first, second] {
        assert_eq!(notice["run_type"], "recurring", "{notice:#}");
        assert_eq!(notice["last_status_code"], 400);
        assert_eq!(notice["group_id"], Value::Null);
    }
    assert_ne!(first["webhook_id"], second["webhook_id"]);
    assert!(instant(&second["scheduled_at"]) > instant(&first["scheduled_at"]));
    let tick = api.task("tick").await;
    assert_ne!(tick["status"], "failed", "{tick:#}");
    assert!(tick["runs"].as_i64().unwrap() >= 2, "{tick:#}");
}

#[tokio::test]
async fn a_failing_notification_does_not_notify_in_turn() {
    let (_db, server, hook) = start(&[]).await;
    let api = &server.api;
    let alerts = Receiver::start().await;
    let ops = Receiver::start().await;
    hook.set_default(Answer::status(400));
    alerts.set_default(Answer::status(400));
    api.callback("ops", &ops.url("/ops"), json!({})).await;
    api.callback(
        "alerts",
        &alerts.url("/alerts"),
        json!({"on_failure": "ops"}),
    )
    .await;
    api.callback("hook", &hook.url("/hook"), json!({"on_failure": "alerts"}))
        .await;

    let (_, now) = at(0);
    api.create_task(json!({"callback": "hook", "task_id": "first", "run_at": now}))
        .await;
    let notice = alerts.wait_for(1, SOON).await;
    assert_eq!(body(&notice[0])["task_id"], "first");
    let notice_task = notice[0].task_id().to_owned();
    // The notification fails for good (400); the statement that records that would have
    // queued a notification to `ops` with it.
    let failed = api
        .wait_for_task(&notice_task, SOON, |t| t["status"] == "failed")
        .await;
    assert_eq!(failed["last_error"], "HTTP 400");
    assert!(tasks_of(api, "ops").await.is_empty(), "a notice notified");

    // The control: the same task, replaced by a caller (so now an ordinary task of
    // `alerts`), does reach `ops` when it fails.
    let replaced = api
        .post(
            "/v1/tasks",
            json!({"callback": "alerts", "task_id": notice_task, "run_at": now}),
        )
        .await;
    assert_eq!(replaced.status, 200, "{replaced:#?}");
    let told = ops.wait_for(1, SOON).await;
    let told = body(&told[0]);
    assert_eq!(
        (&told["task_id"], &told["callback"]),
        (&json!(notice_task), &json!("alerts"))
    );
    assert_eq!(tasks_of(api, "ops").await.len(), 1);
    assert_eq!(ops.count(), 1);
}

#[tokio::test]
async fn a_callback_failing_longer_than_disable_after_is_disabled_until_enabled() {
    let (_db, server, hook) = start(&[]).await;
    let api = &server.api;
    let alerts = Receiver::start().await;
    let other = Receiver::start().await;
    hook.set_default(Answer::status(500));
    api.callback(
        "alerts",
        &alerts.url("/alerts"),
        json!({"secret": ALERTS_SECRET}),
    )
    .await;
    api.callback("other", &other.url("/other"), json!({})).await;
    // Default retry policy: attempts 5 s apart at first, so the second failure already
    // comes more than 2 s after the first.
    let registered = api
        .callback(
            "hook",
            &hook.url("/hook"),
            json!({"disable_after": "PT2S", "on_failure": "alerts"}),
        )
        .await;
    assert_eq!(registered["disable_after"], "PT2S");
    assert_eq!(registered["disabled_at"], Value::Null);

    let (_, now) = at(0);
    api.create_task(json!({"callback": "hook", "task_id": "waits-1", "run_at": now}))
        .await;
    let disabled = wait_for_callback(api, "hook", |c| !c["disabled_at"].is_null()).await;
    let disabled_at = instant(&disabled["disabled_at"]);
    let failing_since = instant(&disabled["failing_since"]);
    assert!(
        disabled_at - failing_since >= TimeDelta::seconds(2),
        "{disabled:#}"
    );
    assert!(
        disabled["disabled_reason"]
            .as_str()
            .is_some_and(|r| r.contains("failed")),
        "{disabled:#}"
    );
    let attempts_when_disabled = hook.count();
    assert!(attempts_when_disabled >= 2);

    // `on_failure` is told, with exactly these fields, signed with its own secret.
    let told = alerts
        .wait_until(SOON, |got| {
            got.iter().any(|r| body(r)["type"] == "callback.disabled")
        })
        .await;
    assert!(told, "{:#?}", alerts.received());
    let (request, notice) = alerts
        .received()
        .into_iter()
        .map(|r| {
            let b = body(&r);
            (r, b)
        })
        .find(|(_, b)| b["type"] == "callback.disabled")
        .unwrap();
    assert_eq!(
        keys(&notice),
        ["type", "callback", "failing_since", "disabled_at"]
            .iter()
            .map(|k| k.to_string())
            .collect()
    );
    assert_eq!(notice["callback"], "hook");
    assert_eq!(notice["failing_since"], disabled["failing_since"]);
    assert_eq!(notice["disabled_at"], disabled["disabled_at"]);
    assert!(signature_is_valid(ALERTS_SECRET, &request));
    // A retried occurrence (500s) is not a failed one: no `task.failed` yet.
    assert!(notices_about(&alerts, "waits-1").is_empty());

    // While disabled, nothing of it is claimed: a task due before the canary (another
    // callback) is still untouched once the canary has been delivered.
    let (_, due) = at(0);
    api.create_task(json!({"callback": "hook", "task_id": "waits-2", "run_at": due}))
        .await;
    let (_, later) = at(300);
    api.create_task(json!({"callback": "other", "task_id": "canary", "run_at": later}))
        .await;
    other.wait_for_task("canary", 1, SOON).await;
    assert!(hook.for_task("waits-2").is_empty());
    let waiting = api.task("waits-2").await;
    assert_eq!(
        (&waiting["status"], &waiting["attempts"]),
        (&json!("scheduled"), &json!(0)),
        "{waiting:#}"
    );
    assert_eq!(api.task("waits-1").await["status"], "scheduled");

    // Fixed and enabled: both are delivered, nothing was lost.
    hook.set_default(Answer::status(204));
    let enabled = api.post("/v1/callbacks/hook/enable", json!({})).await;
    assert_eq!(enabled.status, 200, "{enabled:#?}");
    assert_eq!(enabled.body["disabled_at"], Value::Null);
    assert_eq!(enabled.body["disabled_reason"], Value::Null);
    assert_eq!(enabled.body["failing_since"], Value::Null);
    for id in ["waits-2", "waits-1"] {
        api.wait_for_task(id, SOON, |t| t["status"] == "succeeded")
            .await;
    }
    let after = wait_for_callback(api, "hook", |c| c["disabled_at"].is_null()).await;
    assert_eq!(after["failing_since"], Value::Null, "{after:#}");
    assert_eq!(hook.for_task("waits-2").len(), 1);
}

#[tokio::test]
async fn on_failure_and_disable_after_are_checked_and_kept() {
    let app = TestApp::spawn().await;
    let url = "https://example.com/hook";
    let put = |name: &'static str, extra: Value| {
        let mut body = json!({ "url": url });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let app = &app;
        async move { app.put(&format!("/v1/callbacks/{name}"), body).await }
    };
    assert_eq!(put("alerts", json!({})).await.status, 201);

    for (extra, field) in [
        (json!({"on_failure": "hook"}), "on_failure"),
        (json!({"on_failure": "nobody"}), "on_failure"),
        (json!({"on_failure": "bad name"}), "on_failure"),
        (json!({"disable_after": "PT0S"}), "disable_after"),
        (json!({"disable_after": "soon"}), "disable_after"),
        (json!({"disable_after": "P400D"}), "disable_after"),
    ] {
        let reply = put("hook", extra.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), vec![field], "{extra}: {reply:#?}");
    }
    assert_eq!(app.get("/v1/callbacks/hook").await.status, 404);

    let created = put(
        "hook",
        json!({"on_failure": "alerts", "disable_after": "PT90S"}),
    )
    .await;
    assert_eq!(created.status, 201, "{created:#?}");
    let shown = app.get("/v1/callbacks/hook").await.body;
    assert_eq!(shown["on_failure"], "alerts");
    assert_eq!(shown["disable_after"], "PT1M30S");
    for unset in ["failing_since", "disabled_at", "disabled_reason"] {
        assert_eq!(shown[unset], Value::Null, "{unset}: {shown:#}");
    }
    let alerts = app.get("/v1/callbacks/alerts").await.body;
    assert_eq!(
        (&alerts["on_failure"], &alerts["disable_after"]),
        (&Value::Null, &Value::Null)
    );

    // `alerts` cannot go while `hook` sends its notifications there.
    let refused = app.delete("/v1/callbacks/alerts").await;
    let problem = refused.assert_problem(409, "callback_in_use");
    assert!(
        problem["detail"].as_str().unwrap().contains("hook"),
        "{problem:#}"
    );
    assert_eq!(app.get("/v1/callbacks/alerts").await.status, 200);
    // Re-registered without `on_failure`, `hook` lets it go.
    assert_eq!(put("hook", json!({})).await.status, 200);
    assert_eq!(
        app.get("/v1/callbacks/hook").await.body["on_failure"],
        Value::Null
    );
    assert_eq!(app.delete("/v1/callbacks/alerts").await.status, 204);

    app.post("/v1/callbacks/nobody/enable", json!({}))
        .await
        .assert_problem(404, "callback_not_found");
    let enabled = app.post("/v1/callbacks/hook/enable", json!({})).await;
    assert_eq!(enabled.status, 200, "{enabled:#?}");
    assert_eq!(enabled.body["disabled_at"], Value::Null);
}

/// Notifications are built in SQL; their instants must read exactly as the API writes
/// instants everywhere else (`format_instant`: chrono's `AutoSi`, UTC, `Z`).
#[tokio::test]
async fn notification_times_are_written_as_the_api_writes_instants() {
    let app = TestApp::spawn().await;
    for text in [
        "2025-03-14T10:00:00Z",
        "2025-03-14T10:00:00.5Z",
        "2025-03-14T10:00:00.123Z",
        "2025-03-14T10:00:00.123456Z",
        "2025-03-14T10:00:00.000001Z",
        "1999-12-31T23:59:59.99999Z",
    ] {
        let at: DateTime<Utc> = text.parse().unwrap();
        let sql: String = sqlx::query_scalar("select taskshed_rfc3339($1)")
            .bind(at)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let api = at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        assert_eq!(sql, api, "{text}");
    }
}

/// `failing_since` starts at the first failure, is not rewritten by further failures (the
/// callback row is written on transitions only), and a success clears it.
#[tokio::test]
async fn failing_since_is_written_on_transitions_only() {
    let (db, server, hook) = start(&[]).await;
    let api = &server.api;
    let pool = taskshed::harness::connect(&db, 2).await.expect("pool");
    hook.set_default(Answer::status(400));
    api.callback("flaky", &hook.url("/flaky"), json!({})).await;
    let row_version = || async {
        sqlx::query_scalar::<_, String>("select xmin::text from callbacks where name = 'flaky'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let registered = row_version().await;

    let (_, now) = at(0);
    api.create_task(json!({"callback": "flaky", "task_id": "f1", "run_at": now}))
        .await;
    api.wait_for_task("f1", SOON, |t| t["status"] == "failed")
        .await;
    let failing = api.get("/v1/callbacks/flaky").await.body;
    let since = instant(&failing["failing_since"]);
    assert!(since <= hook.for_task("f1")[0].at, "{failing:#}");
    let after_first = row_version().await;
    assert_ne!(after_first, registered, "the first failure is a transition");

    for id in ["f2", "f3"] {
        api.create_task(json!({"callback": "flaky", "task_id": id, "run_at": now}))
            .await;
        api.wait_for_task(id, SOON, |t| t["status"] == "failed")
            .await;
    }
    assert_eq!(
        row_version().await,
        after_first,
        "a further failure wrote the row"
    );
    assert_eq!(
        api.get("/v1/callbacks/flaky").await.body["failing_since"],
        failing["failing_since"]
    );

    hook.set_default(Answer::status(204));
    api.create_task(json!({"callback": "flaky", "task_id": "f4", "run_at": now}))
        .await;
    api.wait_for_task("f4", SOON, |t| t["status"] == "succeeded")
        .await;
    let recovered = api.get("/v1/callbacks/flaky").await.body;
    assert_eq!(recovered["failing_since"], Value::Null, "{recovered:#}");
    assert_eq!(recovered["disabled_at"], Value::Null);
}
