//! `GET /v1/stats/deliveries`: attempts per minute by outcome, counted from real deliveries
//! of a real `taskshed` process to a scripted receiver.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};
use std::time::Duration;

use crate::delivery::{at, start};
use crate::support::receiver::Answer;

/// A retry after the default backoff (5 s, jittered), plus a busy machine.
const SOON: Duration = Duration::from_secs(60);

fn minute_of(entry: &Value) -> DateTime<Utc> {
    let text = entry["minute"].as_str().expect("minute is a string");
    assert!(text.ends_with(":00Z"), "not a whole UTC minute: {text}");
    text.parse().expect("RFC 3339")
}

fn sum(minutes: &[Value], key: &str) -> i64 {
    minutes.iter().map(|m| m[key].as_i64().unwrap()).sum()
}

#[tokio::test]
async fn deliveries_per_minute_count_real_attempts_by_outcome() {
    let (database_url, server, receiver) = start(&[]).await;
    let api = &server.api;
    // Default settings: 2xx succeeds, 503 is retried (5 s backoff), 400 fails at once.
    receiver.script("/flaky", [Answer::status(503)]);
    receiver.script("/bad", [Answer::status(400), Answer::status(400)]);
    for name in ["ok", "flaky", "bad"] {
        api.callback(name, &receiver.url(&format!("/{name}")), json!({}))
            .await;
    }
    let (_, now) = at(0);
    let tasks = [
        ("ok-1", "ok"),
        ("ok-2", "ok"),
        ("ok-3", "ok"),
        ("flaky-1", "flaky"),
        ("bad-1", "bad"),
        ("bad-2", "bad"),
    ];
    for (task_id, callback) in tasks {
        api.create_task(json!({"callback": callback, "task_id": task_id, "run_at": now}))
            .await;
    }
    for (task_id, callback) in tasks {
        let expected = if callback == "bad" {
            "failed"
        } else {
            "succeeded"
        };
        let task = api
            .wait_for_task(task_id, SOON, |t| {
                t["status"] == "succeeded" || t["status"] == "failed"
            })
            .await;
        assert_eq!(task["status"], expected, "{task:#}");
    }

    let pool = taskshed::harness::connect(&database_url, 2).await.unwrap();
    let reply = api.get("/v1/stats/deliveries").await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let db_minute: DateTime<Utc> = sqlx::query_scalar("select date_trunc('minute', now(), 'UTC')")
        .fetch_one(&pool)
        .await
        .unwrap();
    let minutes = reply.body["minutes"].as_array().expect("minutes").clone();
    // The default window: 60 consecutive minutes, oldest first, ending with the current
    // one (the database's minute, read just after; equal unless a minute turned between).
    assert_eq!(minutes.len(), 60);
    for pair in minutes.windows(2) {
        assert_eq!(
            minute_of(&pair[1]) - minute_of(&pair[0]),
            TimeDelta::minutes(1)
        );
    }
    let last = minute_of(minutes.last().unwrap());
    assert!(
        last == db_minute || last + TimeDelta::minutes(1) == db_minute,
        "last minute {last}, database minute {db_minute}"
    );
    // Four 2xx, one 503 that was retried, two 400s; every attempt was in the last few
    // minutes, and the minutes without any are there with zeros.
    assert_eq!(sum(&minutes, "succeeded"), 4, "{minutes:#?}");
    assert_eq!(sum(&minutes, "retrying"), 1, "{minutes:#?}");
    assert_eq!(sum(&minutes, "failed"), 2, "{minutes:#?}");
    assert_eq!(
        minutes[0],
        json!({"minute": minutes[0]["minute"], "succeeded": 0, "failed": 0, "retrying": 0})
    );
    // The same figures as the attempt histories, counted independently.
    let recorded: i64 = sqlx::query_scalar("select count(*) from attempts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(recorded, 7);

    // A day at most, one minute at least.
    let day = api.get("/v1/stats/deliveries?minutes=1440").await;
    let day = day.body["minutes"].as_array().unwrap();
    assert_eq!(day.len(), 1440);
    assert_eq!(sum(day, "succeeded"), 4);
    let one = api.get("/v1/stats/deliveries?minutes=1").await;
    assert_eq!(one.body["minutes"].as_array().unwrap().len(), 1, "{one:#?}");
}

#[tokio::test]
async fn a_bad_window_is_a_422_naming_the_parameter() {
    let (_db, server, _receiver) = start(&[]).await;
    for query in [
        "minutes=0",
        "minutes=1441",
        "minutes=-5",
        "minutes=sixty",
        "minutes=",
        "minutes=1.5",
        "minutes=99999999999999999999",
    ] {
        let reply = server
            .api
            .get(&format!("/v1/stats/deliveries?{query}"))
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), ["minutes"], "{query}: {reply:#?}");
    }
    let reply = server.api.get("/v1/stats/deliveries?hours=1").await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["hours"]);
}
