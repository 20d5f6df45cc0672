//! Delivery end to end: a real `taskshed` process, a real PostgreSQL and a recording
//! receiver. What a webhook looks like on the wire, when it arrives, recurring tasks,
//! and changes (pause, move, delete) to tasks already claimed but not yet sent.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::Duration;

use crate::support::database::fresh_database;
use crate::support::receiver::{Answer, Received, Receiver};
use crate::support::server::Server;

/// Generous bound for anything that should happen "soon" on a busy shared machine.
const SOON: Duration = Duration::from_secs(30);

/// A database, one server on it (with `env`), and a receiver.
pub async fn start(env: &[(&str, &str)]) -> (String, Server, Receiver) {
    let database_url = fresh_database().await;
    let server = Server::start(&database_url, "a", env).await;
    let receiver = Receiver::start().await;
    (database_url, server, receiver)
}

/// `now + offset` (offset may be negative), in RFC 3339 at microsecond precision — the
/// precision TaskShed keeps, so the value comes back unchanged.
pub fn at(offset_ms: i64) -> (DateTime<Utc>, String) {
    let t = Utc::now() + TimeDelta::milliseconds(offset_ms);
    let t = DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap();
    (t, t.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// Standard Webhooks verification, written from the specification rather than reusing
/// TaskShed's signer: `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), the
/// key being the base64 after `whsec_`. The header may list several space-separated
/// signatures; one match is enough.
pub fn signature_is_valid(secret: &str, request: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(request.webhook_id().as_bytes());
    mac.update(b".");
    mac.update(request.header("webhook-timestamp").as_bytes());
    mac.update(b".");
    mac.update(&request.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    request
        .header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

async fn pool(database_url: &str) -> sqlx::PgPool {
    taskshed::harness::connect(database_url, 2)
        .await
        .expect("test pool")
}

/// A server that claims 2 s ahead, callback `hook` pointing at `path` on the receiver,
/// and task `task_id` due in 1.5 s, already claimed by instance `a` and not yet sent.
async fn claimed_unsent_task(
    task_id: &str,
    path: &str,
) -> (Server, Receiver, sqlx::PgPool, DateTime<Utc>) {
    let (db, server, receiver) = start(&[("TASKSHED_LOOK_AHEAD", "PT2S")]).await;
    let pool = pool(&db).await;
    server
        .api
        .callback("hook", &receiver.url(path), json!({}))
        .await;
    let (run_at, text) = at(1500);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": task_id, "run_at": text}))
        .await;
    wait_claimed(&pool, task_id, "a").await;
    (server, receiver, pool, run_at)
}

/// The task's row state as the delivery engine sees it.
async fn claim_state(pool: &sqlx::PgPool, task_id: &str) -> (String, Option<String>) {
    sqlx::query_as("select status, claimed_by from tasks where task_id = $1")
        .bind(task_id)
        .fetch_one(pool)
        .await
        .expect("task row")
}

/// Waits until the task is claimed (running, held by `instance`) and not yet due.
async fn wait_claimed(pool: &sqlx::PgPool, task_id: &str, instance: &str) {
    let deadline = tokio::time::Instant::now() + SOON;
    loop {
        let (status, claimed_by) = claim_state(pool, task_id).await;
        if status == "running" && claimed_by.as_deref() == Some(instance) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "task {task_id} never claimed: {status} {claimed_by:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn body_and_headers_are_exactly_as_specified() {
    let (_db, server, receiver) = start(&[]).await;
    let callback = server
        .api
        .callback(
            "hook",
            &receiver.url("/hook"),
            json!({"headers": {"x-api-key": "k1", "authorization": "Bearer t0ken"}}),
        )
        .await;
    let secret = callback["secret"].as_str().expect("a secret").to_owned();
    let (run_at, run_at_text) = at(300);
    // Non-canonical JSON: odd spacing, a trailing zero, a non-ASCII character. It must
    // arrive byte for byte.
    let kwargs = r#"{"b":1,  "a" : 2.50, "u":"é"}"#;
    let body = format!(
        r#"{{"callback": "hook", "task_id": "with-group", "group_id": "g-1", "run_at": "{run_at_text}", "kwargs": {kwargs}}}"#
    );
    let reply = server.api.post_raw("/v1/tasks", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:#?}");
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "no-group", "run_at": run_at_text}))
        .await;

    let received = receiver.wait_for(2, SOON).await;
    for request in &received {
        assert_eq!(request.path, "/hook");
        assert_eq!(request.header("content-type"), "application/json");
        assert_eq!(
            request.header("user-agent"),
            concat!("taskshed/", env!("CARGO_PKG_VERSION"))
        );
        assert!(!request.webhook_id().is_empty() && !request.webhook_id().contains('.'));
        let timestamp: i64 = request.header("webhook-timestamp").parse().unwrap();
        assert!(
            (timestamp - request.at.timestamp()).abs() <= 5,
            "webhook-timestamp {timestamp} far from receipt {}",
            request.at
        );
        assert!(
            signature_is_valid(&secret, request),
            "bad signature: {request:#?}"
        );
        assert_eq!(request.scheduled_at(), run_at);
        assert_eq!(request.header("taskshed-scheduled-at"), run_at_text);
        assert_eq!(request.header("taskshed-attempt"), "1");
        assert_eq!(request.header("x-api-key"), "k1");
        assert_eq!(request.header("authorization"), "Bearer t0ken");
    }
    let with_group = receiver.for_task("with-group");
    let no_group = receiver.for_task("no-group");
    assert_eq!((with_group.len(), no_group.len()), (1, 1));
    assert_eq!(&with_group[0].body[..], kwargs.as_bytes());
    assert_eq!(with_group[0].header("taskshed-group-id"), "g-1");
    assert_eq!(&no_group[0].body[..], b"{}");
    assert!(no_group[0].try_header("taskshed-group-id").is_none());
    assert_ne!(with_group[0].webhook_id(), no_group[0].webhook_id());

    // The attempt record names the same webhook-id and this instance.
    let task = server
        .api
        .wait_for_task("with-group", SOON, |t| t["status"] == "succeeded")
        .await;
    assert_eq!(task["runs"], 1);
    let attempts = server.api.attempts("with-group").await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["webhook_id"], with_group[0].webhook_id());
    assert_eq!(attempts[0]["instance"], "a");
    assert_eq!(attempts[0]["status_code"], 204);
}

#[tokio::test]
async fn tasks_are_delivered_on_time_and_never_early() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    let mut expected = Vec::new();
    for i in 0..8 {
        let (run_at, text) = at(300 + 40 * i);
        let task_id = format!("t{i}");
        server
            .api
            .create_task(json!({"callback": "hook", "task_id": task_id, "run_at": text}))
            .await;
        expected.push((task_id, run_at));
    }
    receiver.wait_for(expected.len(), SOON).await;
    for (task_id, run_at) in &expected {
        let got = receiver.for_task(task_id);
        assert_eq!(got.len(), 1, "{task_id}");
        let late = got[0].at - *run_at;
        assert!(
            late >= TimeDelta::zero(),
            "{task_id} arrived {late} early (run_at {run_at}, received {})",
            got[0].at
        );
        assert!(
            late < TimeDelta::milliseconds(500),
            "{task_id} arrived {late} late"
        );
    }
}

#[tokio::test]
async fn recurring_task_fires_every_100_ms_on_a_fixed_grid() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    let (run_at, text) = at(200);
    server
        .api
        .create_task(
            json!({"callback": "hook", "task_id": "tick", "run_at": text,
            "run_type": "recurring", "interval": "PT0.1S"}),
        )
        .await;
    let got = receiver.wait_for_task("tick", 6, SOON).await;
    for (i, request) in got.iter().enumerate() {
        let slot = run_at + TimeDelta::milliseconds(100 * i as i64);
        assert_eq!(request.scheduled_at(), slot, "delivery {i}");
        assert!(request.at >= slot, "delivery {i} was early");
        assert_eq!(request.attempt(), 1);
    }
    // Each occurrence is its own message.
    let mut ids: Vec<&str> = got.iter().map(|r| r.webhook_id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), got.len());
}

#[tokio::test]
async fn coalesced_recurring_task_catches_up_once() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    // Ten slots were missed "while down".
    let (run_at, text) = at(-1000);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "c", "run_at": text,
            "run_type": "recurring", "interval": "PT0.1S", "coalesce": true}))
        .await;
    let got = receiver.wait_for_task("c", 3, SOON).await;
    assert_eq!(got[0].scheduled_at(), run_at, "the catch-up run");
    let second = got[1].scheduled_at();
    let step = (second - run_at).num_microseconds().unwrap();
    assert_eq!(step % 100_000, 0, "{second} is off the grid of {run_at}");
    assert!(
        step >= 1_000_000,
        "more than one catch-up delivery: next slot {second}"
    );
    // The next slot is the first after the catch-up finished (allowing for the
    // engine's clock estimate), and later ones follow the grid.
    assert!(second > got[0].at - TimeDelta::milliseconds(50));
    assert!(second <= got[0].at + TimeDelta::milliseconds(600));
    assert_eq!(got[2].scheduled_at() - second, TimeDelta::milliseconds(100));
    assert!(got[1].at >= second && got[2].at >= got[2].scheduled_at());
}

#[tokio::test]
async fn uncoalesced_recurring_task_runs_every_missed_slot() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    // Twenty slots were missed.
    let (run_at, text) = at(-2000);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "nc", "run_at": text,
            "run_type": "recurring", "interval": "PT0.1S", "coalesce": false}))
        .await;
    let got = receiver.wait_for_task("nc", 15, SOON).await;
    for (i, request) in got.iter().enumerate() {
        assert_eq!(
            request.scheduled_at(),
            run_at + TimeDelta::milliseconds(100 * i as i64),
            "delivery {i}"
        );
    }
    // Missed slots go out back to back, not at the 100 ms pace of the grid.
    let span = got[14].at - got[0].at;
    assert!(
        span < TimeDelta::milliseconds(1400),
        "15 missed slots took {span}"
    );
}

#[tokio::test]
async fn resuming_an_overdue_paused_task_fires_it_at_once() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    let (run_at, text) = at(-500);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "p", "run_at": text, "paused": true}))
        .await;
    // Overdue, but paused: nothing may arrive (this wait is expected to time out).
    let arrived = receiver
        .wait_until(Duration::from_millis(700), |r| !r.is_empty())
        .await;
    assert!(!arrived, "a paused task was delivered");
    let resumed_at = Utc::now();
    let reply = server
        .api
        .post("/v1/tasks/resume", json!({"task_ids": ["p"]}))
        .await;
    assert_eq!(reply.body["affected"], 1, "{reply:#?}");
    let got = receiver.wait_for_task("p", 1, SOON).await;
    assert_eq!(got[0].scheduled_at(), run_at, "run_at is kept");
    let delay = got[0].at - resumed_at;
    assert!(
        delay < TimeDelta::milliseconds(500),
        "fired {delay} after resume"
    );
}

#[tokio::test]
async fn pausing_a_claimed_task_stops_its_send_until_resumed() {
    let (server, receiver, pool, run_at) = claimed_unsent_task("pc", "/hook").await;
    let reply = server
        .api
        .post("/v1/tasks/pause", json!({"task_ids": ["pc"]}))
        .await;
    assert_eq!(reply.body["affected"], 1, "{reply:#?}");
    assert!(
        Utc::now() < run_at,
        "the pause came too late to test anything"
    );
    // Past the due time and then some: nothing arrives (expected to time out).
    let wait = (run_at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(700);
    assert!(!receiver.wait_until(wait, |r| !r.is_empty()).await);
    // The claim was handed back.
    assert_eq!(claim_state(&pool, "pc").await, ("scheduled".into(), None));
    let reply = server
        .api
        .post("/v1/tasks/resume", json!({"task_ids": ["pc"]}))
        .await;
    assert_eq!(reply.body["affected"], 1, "{reply:#?}");
    let got = receiver.wait_for_task("pc", 1, SOON).await;
    assert_eq!(got[0].scheduled_at(), run_at);
    server
        .api
        .wait_for_task("pc", SOON, |t| t["status"] == "succeeded")
        .await;
    assert_eq!(receiver.count(), 1);
}

#[tokio::test]
async fn moving_a_claimed_task_delivers_it_at_the_new_time_only() {
    let (server, receiver, _pool, old) = claimed_unsent_task("mv", "/hook").await;
    let (new, new_text) = at(3000);
    let reply = server
        .api
        .post(
            "/v1/tasks/execution-times",
            json!({"tasks": [{"task_id": "mv", "run_at": new_text}]}),
        )
        .await;
    assert_eq!(reply.body["updated"], 1, "{reply:#?}");
    assert!(Utc::now() < old, "the move came too late to test anything");
    let got = receiver.wait_for_task("mv", 1, SOON).await;
    assert_eq!(got[0].scheduled_at(), new);
    assert!(
        got[0].at >= new,
        "delivered at {}, before the new time {new}",
        got[0].at
    );
    server
        .api
        .wait_for_task("mv", SOON, |t| t["status"] == "succeeded")
        .await;
    assert_eq!(receiver.count(), 1, "delivered at the old time too");
}

#[tokio::test]
async fn deleting_a_claimed_task_means_it_is_never_delivered() {
    let (server, receiver, _pool, run_at) = claimed_unsent_task("gone", "/hook").await;
    let reply = server.api.delete("/v1/tasks/gone").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:#?}");
    assert!(
        Utc::now() < run_at,
        "the delete came too late to test anything"
    );
    // A marker task due after the deleted one: once it arrives, the deleted one's
    // instant is well past.
    let (_, marker) = at(2200);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "marker", "run_at": marker}))
        .await;
    receiver.wait_for_task("marker", 1, SOON).await;
    let grace = receiver
        .wait_until(Duration::from_millis(300), |r| {
            r.iter().any(|r| r.task_id() == "gone")
        })
        .await;
    assert!(!grace, "a deleted task was delivered");
    assert_eq!(receiver.count(), 1);
}

#[tokio::test]
async fn metrics_count_deliveries() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    let (_, now) = at(0);
    let tasks: Vec<Value> = (0..5)
        .map(|i| json!({"callback": "hook", "task_id": format!("m{i}"), "run_at": now}))
        .collect();
    server.api.create_tasks(tasks, 1000).await;
    receiver.wait_for(5, SOON).await;
    for i in 0..5 {
        server
            .api
            .wait_for_task(&format!("m{i}"), SOON, |t| t["status"] == "succeeded")
            .await;
    }
    let metrics = server.api.metrics().await;
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no `{name}` in metrics:\n{metrics}"))
    };
    assert!(value("taskshed_deliveries_total{outcome=\"succeeded\"} ") >= 5.0);
    assert!(value("taskshed_delivery_lateness_seconds_count") >= 5.0);
    assert!(value("taskshed_delivery_duration_seconds_count") >= 5.0);
}

#[tokio::test]
async fn moving_claimed_tasks_does_not_leak_capacity() {
    // Two tasks at a time at most; every move of a claimed task must give its slot back.
    let (db, server, receiver) = start(&[
        ("TASKSHED_LOOK_AHEAD", "PT2S"),
        ("TASKSHED_MAX_IN_FLIGHT", "2"),
    ])
    .await;
    let pool = pool(&db).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    for i in 0..3 {
        let task_id = format!("moved{i}");
        let (_, text) = at(1500);
        server
            .api
            .create_task(json!({"callback": "hook", "task_id": task_id, "run_at": text}))
            .await;
        wait_claimed(&pool, &task_id, "a").await;
        // Earlier, still inside the look-ahead: claimed again at once.
        let (_, new_text) = at(300);
        let reply = server
            .api
            .post(
                "/v1/tasks/execution-times",
                json!({"tasks": [{"task_id": task_id, "run_at": new_text}]}),
            )
            .await;
        assert_eq!(reply.body["updated"], 1, "{reply:#?}");
        receiver.wait_for_task(&task_id, 1, SOON).await;
    }
    // Both slots must be free again: two due tasks to a slow receiver are sent together.
    receiver.set_default(Answer::status(200).after(Duration::from_millis(1500)));
    let (_, now) = at(0);
    let tasks: Vec<Value> = (0..2)
        .map(|i| json!({"callback": "hook", "task_id": format!("pair{i}"), "run_at": now}))
        .collect();
    server.api.create_tasks(tasks, 1000).await;
    let got = receiver.wait_for(5, SOON).await;
    let gap = got[4].at - got[3].at;
    assert!(
        gap < TimeDelta::milliseconds(1000),
        "the pair was sent one after the other ({gap} apart): capacity leaked"
    );
    assert_eq!(receiver.count(), 5);
}

#[tokio::test]
async fn re_registering_a_callback_re_points_claimed_tasks() {
    let (server, receiver, _pool, _) = claimed_unsent_task("re", "/old").await;
    server
        .api
        .callback("hook", &receiver.url("/new"), json!({}))
        .await;
    let got = receiver.wait_for_task("re", 1, SOON).await;
    assert_eq!(
        got[0].path, "/new",
        "sent to the URL the callback no longer has"
    );
}

/// A re-registration whose hint never arrives (here: the row changed by SQL, which sends
/// none — as when the LISTEN connection was down during a PostgreSQL restart) still
/// reaches the delivering instance within the API's 2 s: cached callbacks expire after
/// 1 s (issue 12, problem 5).
#[tokio::test]
async fn a_callback_change_without_a_hint_applies_within_two_seconds() {
    let (db, server, receiver) = start(&[]).await;
    let pool = pool(&db).await;
    server
        .api
        .callback("hook", &receiver.url("/old"), json!({}))
        .await;
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "warm", "run_at": now}))
        .await;
    receiver.wait_for_task("warm", 1, SOON).await;
    sqlx::query("update callbacks set url = $1 where name = 'hook'")
        .bind(receiver.url("/new"))
        .execute(&pool)
        .await
        .unwrap();
    let changed = std::time::Instant::now();
    // One task at a time until one goes to the new URL; the cache is what decides.
    for i in 0.. {
        let task_id = format!("probe-{i}");
        let (_, now) = at(0);
        server
            .api
            .create_task(json!({"callback": "hook", "task_id": task_id, "run_at": now}))
            .await;
        let got = receiver.wait_for_task(&task_id, 1, SOON).await;
        if got[0].path == "/new" {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(3),
            "still delivering to the old URL {:?} after the change",
            changed.elapsed()
        );
    }
    let took = changed.elapsed();
    assert!(took < Duration::from_secs(3), "{took:?}");
}
