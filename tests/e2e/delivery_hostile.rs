//! Receivers that answer what no well-behaved receiver would: NUL bytes, invalid UTF-8, a
//! 10 MB body, a body dripped past the timeout, 100 KB of headers, a reset mid-body,
//! non-HTTP garbage, silence, an immediate close. With TaskShed's default settings each
//! attempt must be recorded, and tasks of other callbacks created afterwards must still
//! be delivered and recorded within seconds: one receiver's answer never blocks the
//! recording of another result (issue 12, problem 1: a NUL byte in a stored response
//! prefix made every later batch of results fail, forever).

use serde_json::{json, Value};
use std::time::Duration;

use crate::delivery::{at, start};
use crate::support::hostile::{HostileReceiver, Hostility};

/// The drip outlasts the default 10 s timeout, so attempts to it take that long.
const HOSTILE_DEADLINE: Duration = Duration::from_secs(60);
/// "Within seconds", with room for a busy shared machine.
const LATER_TASKS_DEADLINE: Duration = Duration::from_secs(20);

fn has_finished(task: &Value) -> bool {
    task["status"] == "succeeded" || task["status"] == "failed"
}

#[tokio::test]
async fn hostile_answers_are_recorded_and_never_block_other_results() {
    let (_db, server, receiver) = start(&[]).await;
    let kinds = [
        ("nul", Hostility::NulBody),
        ("invalid-utf8", Hostility::InvalidUtf8),
        ("huge-body", Hostility::ten_megabyte_body()),
        ("drip", Hostility::drip(Duration::from_millis(500))),
        ("huge-headers", Hostility::hundred_kilobytes_of_headers()),
        ("reset", Hostility::ResetMidBody),
        ("garbage", Hostility::Garbage),
        ("hang", Hostility::Hang),
        ("close", Hostility::CloseImmediately),
    ];
    let mut hostile = Vec::new();
    for (name, kind) in kinds {
        let receiver = HostileReceiver::start(kind).await;
        // Default timeout and retry policy: the settings a user gets.
        server
            .api
            .callback(name, &receiver.url("/hook"), json!({}))
            .await;
        hostile.push((name, receiver));
    }
    let (_, now) = at(0);
    for (name, _) in &hostile {
        server
            .api
            .create_task(json!({"callback": name, "task_id": format!("to-{name}"), "run_at": now}))
            .await;
    }
    // Every hostile receiver got its request before the well-behaved tasks are created,
    // so their results are recorded after (or in the same batches as) the hostile ones.
    for (name, receiver) in &hostile {
        assert!(
            receiver.wait_for_connections(1, HOSTILE_DEADLINE).await,
            "{name}: no attempt reached the receiver"
        );
    }
    server
        .api
        .callback("good", &receiver.url("/good"), json!({}))
        .await;
    let (_, now) = at(0);
    let good_created = std::time::Instant::now();
    for i in 0..3 {
        server
            .api
            .create_task(json!({"callback": "good", "task_id": format!("good-{i}"), "run_at": now}))
            .await;
    }
    for i in 0..3 {
        let task = server
            .api
            .wait_for_task(&format!("good-{i}"), LATER_TASKS_DEADLINE, has_finished)
            .await;
        assert_eq!(task["status"], "succeeded", "{task:#}");
    }
    let good_after = good_created.elapsed();
    for (name, _) in &hostile {
        let task_id = format!("to-{name}");
        let attempts = wait_for_attempts(&server.api, &task_id).await;
        let first = attempts.last().expect("at least one attempt");
        if let Some(prefix) = first["response"].as_str() {
            assert!(!prefix.contains('\0'), "{name}: NUL kept in {prefix:?}");
        }
        assert!(
            first["status_code"].is_number() || first["error"].is_string(),
            "{name}: the attempt records neither a status nor an error: {first:#}"
        );
        eprintln!(
            "hostile {name}: {} attempt(s) recorded, first: status {}, error {}",
            attempts.len(),
            first["status_code"],
            first["error"]
        );
    }
    eprintln!("tasks to a good receiver created after them succeeded in {good_after:?}");
    let nul = wait_for_attempts(&server.api, "to-nul").await;
    assert_eq!(nul[0]["status_code"], 200, "{nul:#?}");
    assert_eq!(
        nul[0]["response"], "ok\u{fffd}\u{fffd}binary",
        "NUL bytes are replaced, the rest is kept"
    );
}

/// The task's attempts once at least one is recorded.
async fn wait_for_attempts(api: &crate::support::server::Api, task_id: &str) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + HOSTILE_DEADLINE;
    loop {
        let attempts = api.attempts(task_id).await;
        if !attempts.is_empty() {
            return attempts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no attempt of {task_id} was recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
