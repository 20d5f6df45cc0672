//! Schedules end to end: a real `taskshed` process, a real PostgreSQL and a recording
//! receiver. An every-second cron fires at whole seconds, `max_runs` and `end_at` end a
//! task `succeeded`, jitter delays a delivery but never makes it early (and the header
//! keeps the instant), and a paused cron task that resumes late runs once and ledgers
//! what it missed as `coalesced`.

use chrono::{DateTime, SecondsFormat, SubsecRound, TimeDelta, Timelike, Utc};
use serde_json::{json, Value};
use std::time::Duration;

use crate::delivery::{at, start};
use crate::support::receiver::Received;

/// Generous bound for "soon" on a busy shared machine.
const SOON: Duration = Duration::from_secs(30);

fn instant(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .expect("an instant")
        .parse()
        .expect("RFC 3339")
}

#[tokio::test]
async fn an_every_second_cron_fires_at_whole_seconds() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("tick", &receiver.url("/tick"), json!({}))
        .await;
    let task = server
        .api
        .create_task(json!({"callback": "tick", "task_id": "every-second",
                            "run_type": "cron", "cron": "* * * * * *"}))
        .await;
    assert_eq!(instant(&task["run_at"]).nanosecond(), 0, "{task:#}");
    let received = receiver.wait_for_task("every-second", 3, SOON).await;
    server.api.delete("/v1/tasks/every-second").await;
    let scheduled: Vec<DateTime<Utc>> = received.iter().map(Received::scheduled_at).collect();
    for (request, at) in received.iter().zip(&scheduled) {
        assert_eq!(*at, at.trunc_subsecs(0), "a whole second: {at}");
        assert!(request.at >= *at, "never early: {} < {at}", request.at);
    }
    // Consecutive seconds (with coalescing, a late finish could skip some, never repeat).
    for pair in scheduled.windows(2) {
        assert!(pair[1] > pair[0], "{scheduled:?}");
        assert_eq!((pair[1] - pair[0]).subsec_nanos(), 0);
    }
    // Each occurrence its own webhook-id.
    let mut ids: Vec<&str> = received.iter().map(Received::webhook_id).collect();
    ids.dedup();
    assert_eq!(ids.len(), received.len());
}

#[tokio::test]
async fn max_runs_three_delivers_exactly_three_times_then_succeeds() {
    let (db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    // A receiver failure counts as a finished occurrence too (after its retries).
    receiver.script("/hook", [crate::support::receiver::Answer::status(400)]);
    server
        .api
        .create_task(
            json!({"callback": "hook", "task_id": "three", "run_type": "cron",
                            "cron": "* * * * * *", "max_runs": 3}),
        )
        .await;
    let task = server
        .api
        .wait_for_task("three", SOON, |t| t["status"] == "succeeded")
        .await;
    assert_eq!(task["runs"], 3, "{task:#}");
    assert_eq!(receiver.for_task("three").len(), 3);
    // Finished: nothing more can be claimed, so the count is final.
    let claimable: i64 = sqlx::query_scalar(
        "select count(*) from tasks where task_id = 'three' and status in ('scheduled', 'running')",
    )
    .fetch_one(&pool(&db).await)
    .await
    .unwrap();
    assert_eq!(claimable, 0);
    let reply = server.api.get("/v1/tasks/three/schedule").await;
    assert_eq!(reply.body["occurrences"], json!([]));
}

async fn pool(database_url: &str) -> sqlx::PgPool {
    taskshed::harness::connect(database_url, 2)
        .await
        .expect("test pool")
}

#[tokio::test]
async fn end_at_ends_an_interval_task_and_nothing_runs_after_it() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    let (first, first_text) = at(300);
    let end_at = first + TimeDelta::milliseconds(1_250);
    server
        .api
        .create_task(
            json!({"callback": "hook", "task_id": "bounded", "run_type": "recurring",
                            "interval": "PT0.5S", "run_at": first_text, "coalesce": false,
                            "end_at": end_at.to_rfc3339_opts(SecondsFormat::Micros, true)}),
        )
        .await;
    let task = server
        .api
        .wait_for_task("bounded", SOON, |t| t["status"] == "succeeded")
        .await;
    let scheduled: Vec<DateTime<Utc>> = receiver
        .for_task("bounded")
        .iter()
        .map(Received::scheduled_at)
        .collect();
    // Slots at +0, +0.5 s, +1.0 s (each runs, even late: no coalescing); +1.5 s is after
    // end_at.
    assert_eq!(
        scheduled,
        [
            first,
            first + TimeDelta::milliseconds(500),
            first + TimeDelta::milliseconds(1000)
        ]
    );
    assert_eq!(task["runs"], 3);
    assert_eq!(instant(&task["end_at"]), end_at);
}

#[tokio::test]
async fn jitter_delays_each_delivery_within_its_window_and_never_early() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    let (first, first_text) = at(200);
    server
        .api
        .create_task(
            json!({"callback": "hook", "task_id": "jittered", "run_type": "recurring",
                            "interval": "PT1S", "run_at": first_text, "jitter": "PT0.8S",
                            "max_runs": 4, "coalesce": false}),
        )
        .await;
    server
        .api
        .wait_for_task("jittered", SOON, |t| t["status"] == "succeeded")
        .await;
    let received = receiver.for_task("jittered");
    assert_eq!(received.len(), 4);
    let mut delays = Vec::new();
    for (k, request) in received.iter().enumerate() {
        let instant = request.scheduled_at();
        // The header is the occurrence's instant on the grid, not the jittered moment.
        assert_eq!(instant, first + TimeDelta::seconds(k as i64));
        let delay = request.at - instant;
        assert!(delay >= TimeDelta::zero(), "early by {delay}");
        // The window, plus slack for a loaded machine (a late previous occurrence makes
        // this one overdue when it is computed).
        assert!(
            delay < TimeDelta::milliseconds(800 + 2_000),
            "late by {delay}"
        );
        delays.push(delay);
    }
    // Jitter was applied: four uniform draws in 800 ms all under 20 ms has odds ~6e-7
    // (an unjittered delivery is about a millisecond late).
    assert!(
        delays.iter().any(|d| *d > TimeDelta::milliseconds(20)),
        "{delays:?}"
    );
}

#[tokio::test]
async fn a_paused_cron_task_resumed_late_runs_once_and_ledgers_the_rest_as_coalesced() {
    let (db, server, receiver) = start(&[]).await;
    let pool = pool(&db).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    server
        .api
        .create_task(
            json!({"callback": "hook", "task_id": "paused-cron", "run_type": "cron",
                            "cron": "* * * * * *"}),
        )
        .await;
    receiver.wait_for_task("paused-cron", 1, SOON).await;
    let reply = server
        .api
        .post("/v1/tasks/pause", json!({"task_ids": ["paused-cron"]}))
        .await;
    assert_eq!(reply.status, 200);
    // Wait until the task's next occurrence is at least three seconds overdue (by the
    // database clock, which decides what is due).
    let paused = server
        .api
        .wait_for_task("paused-cron", SOON, |t| t["status"] == "scheduled")
        .await;
    let run_at = instant(&paused["run_at"]);
    let deadline = tokio::time::Instant::now() + SOON;
    loop {
        let overdue: bool = sqlx::query_scalar("select now() > $1")
            .bind(run_at + TimeDelta::milliseconds(3_500))
            .fetch_one(&pool)
            .await
            .unwrap();
        if overdue {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before_resume = receiver.for_task("paused-cron").len();
    let reply = server
        .api
        .post("/v1/tasks/resume", json!({"task_ids": ["paused-cron"]}))
        .await;
    assert_eq!(reply.body["affected"], 1);
    // The overdue occurrence runs once, at once, for its own instant...
    let received = receiver
        .wait_for_task("paused-cron", before_resume + 1, SOON)
        .await;
    let late = received
        .iter()
        .find(|r| r.scheduled_at() == run_at)
        .expect("the overdue occurrence was delivered");
    assert!(late.at - run_at > TimeDelta::seconds(3));
    // ...and the seconds missed after it are in the ledger, newest first.
    let deadline = tokio::time::Instant::now() + SOON;
    let misfires = loop {
        let reply = server.api.get("/v1/tasks/paused-cron/misfires").await;
        let misfires = reply.body["misfires"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if misfires.len() >= 3 {
            break misfires;
        }
        assert!(tokio::time::Instant::now() < deadline, "{reply:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    server.api.delete("/v1/tasks/paused-cron").await;
    let delivered: Vec<DateTime<Utc>> = receiver
        .for_task("paused-cron")
        .iter()
        .map(Received::scheduled_at)
        .collect();
    let ledgered: Vec<DateTime<Utc>> = misfires
        .iter()
        .map(|m| {
            assert_eq!(m["reason"], "coalesced", "{m:#}");
            instant(&m["scheduled_at"])
        })
        .collect();
    assert!(
        ledgered.windows(2).all(|w| w[0] > w[1]),
        "newest first: {ledgered:?}"
    );
    // The three seconds after the overdue one, each a whole second, none delivered.
    for k in 1..=3 {
        let second = run_at + TimeDelta::seconds(k);
        assert!(ledgered.contains(&second), "{second} not in {ledgered:?}");
        assert!(!delivered.contains(&second), "{second} was delivered");
    }
}

#[tokio::test]
async fn without_coalesce_at_most_a_hundred_missed_slots_run_and_older_ones_are_ledgered() {
    let (_db, server, receiver) = start(&[]).await;
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    // Created three seconds behind on a 10 ms grid: about 300 slots missed by the time the
    // first occurrence finishes.
    let (first, first_text) = at(-3_000);
    server
        .api
        .create_task(
            json!({"callback": "hook", "task_id": "behind", "run_type": "recurring",
                            "interval": "PT0.01S", "run_at": first_text, "coalesce": false,
                            "max_runs": 5}),
        )
        .await;
    server
        .api
        .wait_for_task("behind", SOON, |t| t["status"] == "succeeded")
        .await;
    let scheduled: Vec<DateTime<Utc>> = receiver
        .for_task("behind")
        .iter()
        .map(Received::scheduled_at)
        .collect();
    assert_eq!(scheduled.len(), 5, "{scheduled:?}");
    assert_eq!(scheduled[0], first);
    let step = TimeDelta::milliseconds(10);
    // The second delivery is the oldest of the newest 100: more than two seconds on.
    let skipped = (scheduled[1] - scheduled[0]).num_milliseconds() / 10 - 1;
    assert!(skipped >= 200, "{scheduled:?}");
    // From there on the grid, in order (back to back while delivery keeps up; a slot
    // that falls more than 100 behind again is ledgered too).
    for pair in scheduled.windows(2) {
        assert!(pair[1] > pair[0], "{scheduled:?}");
        assert_eq!((pair[1] - pair[0]).num_microseconds().unwrap() % 10_000, 0);
    }
    let reply = server.api.get("/v1/tasks/behind/misfires?limit=1000").await;
    let mut ledgered: Vec<DateTime<Utc>> = reply.body["misfires"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["reason"], "catchup_limit", "{m:#}");
            instant(&m["scheduled_at"])
        })
        .collect();
    ledgered.reverse();
    // Every slot up to the last delivery was either delivered or ledgered, never both.
    let last = *scheduled.last().unwrap();
    let mut slot = first;
    let mut expected_ledger = Vec::new();
    while slot < last {
        if !scheduled.contains(&slot) {
            expected_ledger.push(slot);
        }
        slot += step;
    }
    assert_eq!(ledgered.len() as i64, expected_ledger.len() as i64);
    assert_eq!(ledgered, expected_ledger);
    assert!(ledgered.len() as i64 >= skipped);
}
