//! Delivery when things go wrong: failing and slow receivers, refused connections,
//! exhausted retries, and an instance killed while holding claims.

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

use crate::delivery::{at, start};
use crate::support::database::fresh_database;
use crate::support::receiver::{closed_port_url, Answer, Receiver};
use crate::support::server::{wait_for_count, Server};

const SOON: Duration = Duration::from_secs(30);

/// Fast retries, so retry paths take milliseconds.
fn fast_retries(max_attempts: u32) -> Value {
    json!({"max_attempts": max_attempts, "initial_backoff": "PT0.05S", "max_backoff": "PT0.2S"})
}

fn is_final(task: &Value) -> bool {
    task["status"] == "succeeded" || task["status"] == "failed"
}

#[tokio::test]
async fn server_error_then_success_is_delivered_on_attempt_2() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback(
            "hook",
            &receiver.url("/hook"),
            json!({"retry": fast_retries(5)}),
        )
        .await;
    receiver.script("/hook", [Answer::status(500)]);
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "flaky", "run_at": now}))
        .await;
    let task = server.api.wait_for_task("flaky", SOON, is_final).await;
    assert_eq!(task["status"], "succeeded", "{task:#}");
    assert_eq!(task["attempts"], 2);
    let got = receiver.for_task("flaky");
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].attempt(), got[1].attempt()), (1, 2));
    assert_eq!(got[0].webhook_id(), got[1].webhook_id(), "same message");
    assert_eq!(got[0].scheduled_at(), got[1].scheduled_at());
    let attempts = server.api.attempts("flaky").await;
    assert_eq!(attempts.len(), 2, "{attempts:#?}");
    assert_eq!(
        (&attempts[0]["attempt"], &attempts[0]["outcome"]),
        (&json!(2), &json!("succeeded"))
    );
    assert_eq!(
        (&attempts[1]["attempt"], &attempts[1]["outcome"]),
        (&json!(1), &json!("retrying"))
    );
    assert_eq!(attempts[1]["status_code"], 500);
    for attempt in &attempts {
        assert_eq!(attempt["webhook_id"], got[0].webhook_id());
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback(
            "hook",
            &receiver.url("/hook"),
            json!({"retry": {"max_attempts": 3, "initial_backoff": "PT0.1S", "max_backoff": "PT5S"}}),
        )
        .await;
    receiver.script_all([Answer::status(429).header("retry-after", "1")]);
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "busy", "run_at": now}))
        .await;
    let got = receiver.wait_for_task("busy", 2, SOON).await;
    let waited = got[1].at - got[0].at;
    // Without Retry-After the wait would be 50–100 ms.
    assert!(
        waited >= TimeDelta::milliseconds(950),
        "retried after {waited}"
    );
    assert!(
        waited < TimeDelta::milliseconds(3000),
        "retried after {waited}"
    );
    let task = server.api.wait_for_task("busy", SOON, is_final).await;
    assert_eq!(task["status"], "succeeded");
}

#[tokio::test]
async fn client_error_fails_at_once() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback(
            "hook",
            &receiver.url("/hook"),
            json!({"retry": fast_retries(5)}),
        )
        .await;
    receiver.set_default(Answer::status(400));
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "bad", "run_at": now}))
        .await;
    let task = server.api.wait_for_task("bad", SOON, is_final).await;
    assert_eq!(task["status"], "failed", "{task:#}");
    assert_eq!(task["attempts"], 1);
    assert_eq!(task["last_error"], "HTTP 400");
    assert_eq!(receiver.count(), 1);
    let attempts = server.api.attempts("bad").await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["outcome"], "failed");
    assert_eq!(attempts[0]["status_code"], 400);
}

#[tokio::test]
async fn slow_receiver_times_out() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback(
            "hook",
            &receiver.url("/hook"),
            json!({"timeout": "PT0.2S", "retry": fast_retries(2)}),
        )
        .await;
    receiver.set_default(Answer::status(200).after(Duration::from_secs(1)));
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "slow", "run_at": now}))
        .await;
    let task = server.api.wait_for_task("slow", SOON, is_final).await;
    assert_eq!(task["status"], "failed", "{task:#}");
    assert_eq!(task["attempts"], 2);
    assert_eq!(task["last_error"], "timed out");
    let attempts = server.api.attempts("slow").await;
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        (&attempts[1]["outcome"], &attempts[0]["outcome"]),
        (&json!("retrying"), &json!("failed"))
    );
    for attempt in &attempts {
        assert_eq!(attempt["error"], "timeout", "{attempt:#}");
        assert_eq!(attempt["status_code"], Value::Null);
        let ms = attempt["duration_ms"].as_f64().unwrap();
        assert!((190.0..900.0).contains(&ms), "attempt took {ms} ms");
    }
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let (_db, server, _receiver) = start(&[]).await;
    server
        .api
        .callback(
            "hook",
            &closed_port_url(),
            json!({"retry": fast_retries(2)}),
        )
        .await;
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "refused", "run_at": now}))
        .await;
    let task = server.api.wait_for_task("refused", SOON, is_final).await;
    assert_eq!(task["status"], "failed", "{task:#}");
    assert_eq!(task["attempts"], 2);
    let last_error = task["last_error"].as_str().unwrap();
    assert!(last_error.starts_with("connect error"), "{last_error}");
    let attempts = server.api.attempts("refused").await;
    assert_eq!(attempts.len(), 2);
    for attempt in &attempts {
        assert_eq!(attempt["error"], "connect", "{attempt:#}");
    }
}

#[tokio::test]
async fn exhausted_task_fails_after_max_attempts_and_can_be_retried() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback(
            "hook",
            &receiver.url("/hook"),
            json!({"retry": fast_retries(3)}),
        )
        .await;
    receiver.set_default(Answer::status(500));
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "doomed", "run_at": now}))
        .await;
    let task = server.api.wait_for_task("doomed", SOON, is_final).await;
    assert_eq!(task["status"], "failed", "{task:#}");
    assert_eq!(task["attempts"], 3);
    assert_eq!(task["last_error"], "HTTP 500");
    let failed = receiver.for_task("doomed");
    assert_eq!(failed.len(), 3);
    let numbers: Vec<u32> = failed.iter().map(|r| r.attempt()).collect();
    assert_eq!(numbers, [1, 2, 3]);
    let outcomes: Vec<Value> = server
        .api
        .attempts("doomed")
        .await
        .iter()
        .map(|a| a["outcome"].clone())
        .collect();
    assert_eq!(
        outcomes,
        [json!("failed"), json!("retrying"), json!("retrying")]
    );

    // Fixed receiver; re-arm.
    receiver.set_default(Answer::status(200));
    let reply = server.api.post("/v1/tasks/doomed/retry", json!({})).await;
    assert!(reply.status.is_success(), "{reply:#?}");
    let got = receiver.wait_for_task("doomed", 4, SOON).await;
    assert_eq!(got[3].attempt(), 1, "attempts start over");
    assert_eq!(
        got[3].webhook_id(),
        failed[0].webhook_id(),
        "the same occurrence"
    );
    let task = server.api.wait_for_task("doomed", SOON, is_final).await;
    assert_eq!(task["status"], "succeeded", "{task:#}");
    assert_eq!(task["last_error"], Value::Null);
    // Retrying a task that is not failed is a conflict.
    let reply = server.api.post("/v1/tasks/doomed/retry", json!({})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_of_a_killed_instance_are_delivered_by_another() {
    const TASKS: usize = 50;
    let database_url = fresh_database().await;
    let pool = taskshed::harness::connect(&database_url, 2).await.unwrap();
    // A claims everything due within 5 s and holds it in its timer.
    let mut a = Server::start(
        &database_url,
        "A",
        &[
            ("TASKSHED_LOOK_AHEAD", "PT5S"),
            ("TASKSHED_LEASE_MARGIN", "PT1S"),
        ],
    )
    .await;
    let receiver = Receiver::start().await;
    a.api
        .callback(
            "hook",
            &receiver.url("/hook"),
            json!({"timeout": "PT1S", "retry": fast_retries(5)}),
        )
        .await;
    let (run_at, text) = at(3000);
    let tasks: Vec<Value> = (0..TASKS)
        .map(|i| json!({"callback": "hook", "task_id": format!("k{i:02}"), "run_at": text}))
        .collect();
    a.api.create_tasks(tasks, 1000).await;
    let held = wait_for_count(
        &pool,
        "select count(*) from tasks where status = 'running' and claimed_by = 'A'",
        TASKS as i64,
        SOON,
    )
    .await;
    assert_eq!(held, TASKS as i64, "A did not claim every task");
    a.kill9().await;
    assert!(
        chrono::Utc::now() < run_at,
        "A was killed too late to test anything"
    );

    let b = Server::start(
        &database_url,
        "B",
        &[
            ("TASKSHED_LEASE_MARGIN", "PT1S"),
            ("TASKSHED_POLL_INTERVAL", "PT0.5S"),
        ],
    )
    .await;
    // Lease = 5 s look-ahead + 1 s timeout + 1 s margin after the claim.
    let all_arrived = receiver
        .wait_until(SOON, |r| {
            let mut ids: Vec<&str> = r.iter().map(|r| r.task_id()).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.len() == TASKS
        })
        .await;
    assert!(all_arrived, "lost tasks: got {}", receiver.count());
    let succeeded = wait_for_count(
        &pool,
        "select count(*) from tasks where status = 'succeeded'",
        TASKS as i64,
        SOON,
    )
    .await;
    assert_eq!(succeeded, TASKS as i64);
    let mut webhook_ids: HashMap<String, String> = HashMap::new();
    for request in receiver.received() {
        assert!(request.at >= run_at, "delivered early");
        let id = webhook_ids
            .entry(request.task_id().to_owned())
            .or_insert_with(|| request.webhook_id().to_owned());
        assert_eq!(
            id,
            request.webhook_id(),
            "a duplicate with another webhook-id"
        );
    }
    let instances: Vec<(String, i64)> =
        sqlx::query_as("select instance, count(*) from attempts group by 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(instances, [("B".to_owned(), TASKS as i64)]);
    drop(b);
}
