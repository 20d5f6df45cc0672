//! Schedules over HTTP without delivery: cron tasks and their fields, the preview with the
//! issue's DST examples (America/New_York, 2027), a task's next occurrences, the misfire
//! ledger's shape, and the 422s of bad expressions and zones.

use serde_json::{json, Value};

use crate::support::app::TestApp;

const HOOK: &str = "http://127.0.0.1:9/hook";

async fn app() -> TestApp {
    let app = TestApp::spawn().await;
    app.register_callback("cb", HOOK).await;
    app
}

/// `at local dst` of each occurrence, and the skipped local times.
fn shown(preview: &Value) -> (Vec<String>, Vec<String>) {
    let occurrences = preview["occurrences"]
        .as_array()
        .expect("occurrences")
        .iter()
        .map(|o| {
            format!(
                "{} {} {}",
                o["at"].as_str().unwrap(),
                o["local"].as_str().unwrap(),
                o["dst"].as_str().unwrap_or("-")
            )
        })
        .collect();
    let skipped = preview["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            assert_eq!(s["reason"], "dst_gap");
            s["local"].as_str().unwrap().to_owned()
        })
        .collect();
    (occurrences, skipped)
}

async fn preview(app: &TestApp, body: Value) -> (Vec<String>, Vec<String>) {
    let reply = app.post("/v1/schedules/preview", body).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    shown(&reply.body)
}

#[tokio::test]
async fn the_preview_shows_the_issues_new_york_examples() {
    let app = app().await;
    let spring = |gap: &str| {
        json!({"run_type": "cron", "cron": "30 2 * * *", "timezone": "America/New_York",
               "dst_policy": {"gap": gap}, "start_at": "2027-03-13T00:00:00Z", "count": 3})
    };
    let (occurrences, skipped) = preview(&app, spring("skip")).await;
    assert_eq!(
        occurrences,
        [
            "2027-03-13T07:30:00Z 2027-03-13T02:30:00-05:00 -",
            "2027-03-15T06:30:00Z 2027-03-15T02:30:00-04:00 -",
            "2027-03-16T06:30:00Z 2027-03-16T02:30:00-04:00 -",
        ]
    );
    assert_eq!(skipped, ["2027-03-14T02:30:00"]);
    let (occurrences, skipped) = preview(&app, spring("shift")).await;
    assert_eq!(
        occurrences[1],
        "2027-03-14T07:00:00Z 2027-03-14T03:00:00-04:00 gap_shifted"
    );
    assert!(skipped.is_empty());

    let fall = |overlap: &str| {
        json!({"cron": "30 1 * * *", "timezone": "America/New_York",
               "dst_policy": {"overlap": overlap}, "start_at": "2027-11-07T00:00:00Z",
               "count": 2})
    };
    let (occurrences, _) = preview(&app, fall("once")).await;
    assert_eq!(
        occurrences,
        [
            "2027-11-07T05:30:00Z 2027-11-07T01:30:00-04:00 overlap_first",
            "2027-11-08T06:30:00Z 2027-11-08T01:30:00-05:00 -",
        ]
    );
    let (occurrences, _) = preview(&app, fall("both")).await;
    assert_eq!(
        occurrences,
        [
            "2027-11-07T05:30:00Z 2027-11-07T01:30:00-04:00 overlap_first",
            "2027-11-07T06:30:00Z 2027-11-07T01:30:00-05:00 overlap_second",
        ]
    );
}

#[tokio::test]
async fn the_preview_counts_bounds_and_intervals() {
    let app = app().await;
    let reply = app
        .post(
            "/v1/schedules/preview",
            json!({"cron": "* * * * *", "start_at": "2027-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(reply.body["occurrences"].as_array().unwrap().len(), 10);
    let (occurrences, _) = preview(
        &app,
        json!({"cron": "@hourly", "start_at": "2027-01-01T00:00:00Z", "count": 1000,
               "end_at": "2027-01-01T02:00:00Z"}),
    )
    .await;
    assert_eq!(occurrences.len(), 3);
    let (occurrences, _) = preview(
        &app,
        json!({"run_type": "recurring", "interval": "PT90S", "run_at": "2027-01-01T00:00:00Z",
               "max_runs": 2, "count": 5}),
    )
    .await;
    assert_eq!(
        occurrences,
        [
            "2027-01-01T00:00:00Z 2027-01-01T00:00:00+00:00 -",
            "2027-01-01T00:01:30Z 2027-01-01T00:01:30+00:00 -",
        ]
    );
    // The edges of the calendar: answered, never a 5xx.
    for (cron, start) in [
        ("* * * * * *", "9999-12-31T23:59:00Z"),
        ("0 0 29 2 *", "9999-03-01T00:00:00Z"),
        ("0 0 29 2 *", "0001-01-01T00:00:00Z"),
        ("59 23 31 12 *", "0001-01-01T00:00:00Z"),
    ] {
        let body = json!({"cron": cron, "start_at": start, "count": 1000,
                          "timezone": "Pacific/Kiritimati"});
        let reply = app.post("/v1/schedules/preview", body.clone()).await;
        assert!(
            reply.status == 200 || reply.status == 422,
            "{body}: {reply:#?}"
        );
    }
    for (body, field) in [
        (json!({"cron": "* * * * *", "count": 1001}), "count"),
        (json!({"cron": "* * * * *", "count": 0}), "count"),
        (json!({"cron": "61 * * * *"}), "cron"),
        (
            json!({"cron": "* * * * *", "timezone": "Mars/Olympus"}),
            "timezone",
        ),
        (
            json!({"run_type": "once", "run_at": "2027-01-01T00:00:00Z"}),
            "run_type",
        ),
    ] {
        let reply = app.post("/v1/schedules/preview", body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert!(
            reply.error_fields().contains(&field.to_owned()),
            "{body}: {reply:#?}"
        );
    }
}

#[tokio::test]
async fn a_cron_task_shows_its_schedule_fields_and_next_occurrences() {
    let app = app().await;
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "cb", "task_id": "weekday-nine", "run_type": "cron",
                   "cron": "0 9 * * 1-5", "timezone": "America/New_York",
                   "start_at": "2030-01-01T00:00:00Z", "end_at": "2030-12-31T00:00:00Z",
                   "max_runs": 5, "jitter": "PT90S"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    let task = &reply.body;
    // 2030-01-01 is a Tuesday: 09:00 EST.
    assert_eq!(task["run_at"], "2030-01-01T14:00:00Z");
    assert_eq!(task["run_type"], "cron");
    assert_eq!(task["cron"], "0 9 * * 1-5");
    assert_eq!(task["timezone"], "America/New_York");
    assert_eq!(
        task["dst_policy"],
        json!({"gap": "skip", "overlap": "once"})
    );
    assert_eq!(task["start_at"], "2030-01-01T00:00:00Z");
    assert_eq!(task["end_at"], "2030-12-31T00:00:00Z");
    assert_eq!(task["max_runs"], 5);
    assert_eq!(task["jitter"], "PT1M30S");
    assert_eq!(task["interval"], Value::Null);
    // Jitter delays the attempt, never the occurrence.
    let next_attempt: chrono::DateTime<chrono::Utc> =
        task["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let run_at: chrono::DateTime<chrono::Utc> = "2030-01-01T14:00:00Z".parse().unwrap();
    assert!(next_attempt >= run_at && next_attempt <= run_at + chrono::TimeDelta::seconds(90));

    let reply = app.get("/v1/tasks/weekday-nine/schedule?count=3").await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let (occurrences, _) = shown(&reply.body);
    assert_eq!(
        occurrences,
        [
            "2030-01-01T14:00:00Z 2030-01-01T09:00:00-05:00 -",
            "2030-01-02T14:00:00Z 2030-01-02T09:00:00-05:00 -",
            "2030-01-03T14:00:00Z 2030-01-03T09:00:00-05:00 -",
        ]
    );
    // max_runs caps the listing too.
    let reply = app.get("/v1/tasks/weekday-nine/schedule?count=100").await;
    assert_eq!(reply.body["occurrences"].as_array().unwrap().len(), 5);
    app.get("/v1/tasks/weekday-nine/schedule?count=0")
        .await
        .assert_problem(422, "validation_failed");
    app.get("/v1/tasks/nope/schedule")
        .await
        .assert_problem(404, "task_not_found");

    let reply = app.get("/v1/tasks/weekday-nine/misfires").await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body, json!({"misfires": [], "next_cursor": null}));
    app.get("/v1/tasks/weekday-nine/misfires?cursor=forged")
        .await
        .assert_problem(422, "validation_failed");
    app.get("/v1/tasks/nope/misfires")
        .await
        .assert_problem(404, "task_not_found");
}

#[tokio::test]
async fn the_misfire_ledger_lists_newest_first_in_pages() {
    let app = app().await;
    app.post(
        "/v1/tasks",
        json!({"callback": "cb", "task_id": "ledgered", "run_type": "cron", "cron": "@hourly"}),
    )
    .await;
    sqlx::query(
        "insert into misfires (task_id, scheduled_at, local, reason) values \
         ('ledgered', '2027-03-14T07:00:00Z', '2027-03-14T02:30:00', 'dst_gap'), \
         ('ledgered', '2027-03-15T06:00:00Z', null, 'coalesced'), \
         ('ledgered', '2027-03-15T07:00:00Z', null, 'catchup_limit')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let first = app.get("/v1/tasks/ledgered/misfires?limit=2").await;
    assert_eq!(first.status, 200, "{first:#?}");
    let reasons: Vec<&str> = first.body["misfires"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["catchup_limit", "coalesced"]);
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(&format!(
            "/v1/tasks/ledgered/misfires?limit=2&cursor={cursor}"
        ))
        .await;
    let last = &second.body["misfires"][0];
    assert_eq!(last["reason"], "dst_gap");
    assert_eq!(last["scheduled_at"], "2027-03-14T07:00:00Z");
    assert_eq!(last["local"], "2027-03-14T02:30:00");
    assert!(last["recorded_at"].is_string());
    assert_eq!(second.body["next_cursor"], Value::Null);
    // Deleting the task deletes its ledger.
    assert_eq!(app.delete("/v1/tasks/ledgered").await.status, 204);
    let left: i64 = sqlx::query_scalar("select count(*) from misfires")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn bad_expressions_zones_and_misplaced_fields_are_422_naming_the_field() {
    let app = app().await;
    let cases = [
        (json!({"run_type": "cron", "cron": "61 * * * *"}), "cron"),
        (json!({"run_type": "cron", "cron": "* * * *"}), "cron"),
        (json!({"run_type": "cron", "cron": "0 0 30 2 *"}), "cron"),
        (json!({"run_type": "cron", "cron": "@reboot"}), "cron"),
        (json!({"run_type": "cron"}), "cron"),
        (
            json!({"run_type": "cron", "cron": "@daily", "timezone": "Mars/Olympus"}),
            "timezone",
        ),
        (
            json!({"run_type": "cron", "cron": "@daily", "interval": "PT1S"}),
            "interval",
        ),
        (
            json!({"run_type": "cron", "cron": "@daily", "max_runs": 0}),
            "max_runs",
        ),
        (
            json!({"run_type": "cron", "cron": "@daily", "jitter": "P8D"}),
            "jitter",
        ),
        (
            json!({"run_type": "cron", "cron": "@daily", "start_at": "2030-01-01T00:00:00Z",
                   "end_at": "2029-01-01T00:00:00Z"}),
            "end_at",
        ),
        (
            json!({"run_at": "2030-01-01T00:00:00Z", "cron": "@daily"}),
            "cron",
        ),
        (
            json!({"run_at": "2030-01-01T00:00:00Z", "max_runs": 3}),
            "max_runs",
        ),
        (
            json!({"run_at": "2030-01-01T00:00:00Z", "jitter": "PT1S"}),
            "jitter",
        ),
        (
            json!({"run_type": "recurring", "interval": "PT1S", "run_at": "2030-01-01T00:00:00Z",
                   "dst_policy": {"gap": "shift"}}),
            "dst_policy",
        ),
        (
            json!({"run_type": "recurring", "interval": "PT1S"}),
            "run_at",
        ),
        (
            json!({"run_type": "cron", "cron": "@daily", "dst_policy": {"gap": "later"}}),
            "dst_policy.gap",
        ),
    ];
    for (fields, field) in cases {
        let mut body = json!({"callback": "cb"});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        let reply = app.post("/v1/tasks", body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert!(
            reply.error_fields().iter().any(|f| f == field),
            "{body}: expected field {field}, got {reply:#?}"
        );
    }
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [
                {"callback": "cb", "run_type": "cron", "cron": "@daily"},
                {"callback": "cb", "run_type": "cron", "cron": "0 0 * * 8"},
            ]}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["tasks[1].cron"]);
    let written: i64 = sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(written, 0, "a batch is all or nothing");
}

#[tokio::test]
async fn batches_and_replacement_take_cron_tasks() {
    let app = app().await;
    let reply = app
        .post(
            "/v1/tasks/batch",
            json!({"tasks": [
                {"callback": "cb", "task_id": "b1", "run_type": "cron", "cron": "0 12 * * *",
                 "timezone": "Asia/Kathmandu", "start_at": "2030-01-01T00:00:00Z",
                 "dst_policy": {"gap": "shift", "overlap": "both"}},
                {"callback": "cb", "task_id": "b2", "run_type": "recurring", "interval": "PT1M",
                 "run_at": "2030-01-01T00:00:00Z", "max_runs": 2},
            ]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let b1 = app.get("/v1/tasks/b1").await.body;
    // Noon at +05:45.
    assert_eq!(b1["run_at"], "2030-01-01T06:15:00Z");
    assert_eq!(b1["dst_policy"], json!({"gap": "shift", "overlap": "both"}));
    assert_eq!(app.get("/v1/tasks/b2").await.body["max_runs"], 2);
    // Replacing a cron task with a once task clears its schedule fields.
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "cb", "task_id": "b1", "run_at": "2030-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body["run_type"], "once");
    assert_eq!(reply.body["cron"], Value::Null);
    assert_eq!(reply.body["dst_policy"], Value::Null);
    assert_eq!(reply.body["timezone"], Value::Null);
    // And back to cron, now with the default zone.
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "cb", "task_id": "b1", "run_type": "cron", "cron": "@yearly",
                   "start_at": "2030-06-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body["run_at"], "2031-01-01T00:00:00Z");
    assert_eq!(reply.body["timezone"], "UTC");
}

#[tokio::test]
async fn patch_changes_a_cron_schedule_and_its_bounds() {
    let app = app().await;
    let created = app
        .post(
            "/v1/tasks",
            json!({"callback": "cb", "task_id": "nine", "run_type": "cron",
                   "cron": "0 9 * * *", "timezone": "America/New_York",
                   "start_at": "2030-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(created.body["run_at"], "2030-01-01T14:00:00Z");
    let patch = |body: Value| app.patch("/v1/tasks/nine", body);
    // A new zone alone moves the next occurrence: 09:00 in London (GMT in January).
    let reply = patch(json!({"timezone": "Europe/London"})).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body["run_at"], "2030-01-01T09:00:00Z");
    assert_eq!(reply.body["timezone"], "Europe/London");
    let reply = patch(json!({"cron": "0 10 * * *", "dst_policy": {"gap": "shift"}})).await;
    assert_eq!(reply.body["run_at"], "2030-01-01T10:00:00Z");
    assert_eq!(reply.body["cron"], "0 10 * * *");
    assert_eq!(
        reply.body["dst_policy"],
        json!({"gap": "shift", "overlap": "once"})
    );
    let reply =
        patch(json!({"max_runs": 3, "jitter": "PT1M", "end_at": "2031-01-01T00:00:00Z"})).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(
        (
            &reply.body["max_runs"],
            &reply.body["jitter"],
            &reply.body["end_at"]
        ),
        (&json!(3), &json!("PT1M"), &json!("2031-01-01T00:00:00Z"))
    );
    // The schedule itself did not move.
    assert_eq!(reply.body["run_at"], "2030-01-01T10:00:00Z");
    let reply = patch(json!({"max_runs": null, "jitter": null})).await;
    assert_eq!(reply.body["max_runs"], Value::Null);
    assert_eq!(reply.body["jitter"], Value::Null);
    assert_eq!(reply.body["end_at"], "2031-01-01T00:00:00Z");
    // A local run_at is read in the task's zone, which it keeps.
    let reply = patch(json!({"run_at": "2030-07-01T08:00:00"})).await;
    assert_eq!(reply.body["run_at"], "2030-07-01T07:00:00Z");
    assert_eq!(reply.body["timezone"], "Europe/London");
    // That hand-set time (not a match of `0 10 * * *`) is the next occurrence; then the
    // expression takes over (10:00 BST = 09:00Z).
    let reply = app.get("/v1/tasks/nine/schedule?count=2").await;
    let (occurrences, _) = shown(&reply.body);
    assert_eq!(
        occurrences,
        [
            "2030-07-01T07:00:00Z 2030-07-01T08:00:00+01:00 -",
            "2030-07-01T09:00:00Z 2030-07-01T10:00:00+01:00 -",
        ]
    );
    for (body, field) in [
        (json!({"cron": "0 25 * * *"}), "cron"),
        (json!({"timezone": "Mars/Olympus"}), "timezone"),
        (json!({"interval": "PT1S"}), "interval"),
        (json!({"max_runs": 0}), "max_runs"),
        (json!({"end_at": "2030-01-01T00:00:00Z"}), "end_at"),
    ] {
        let reply = patch(body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
    app.post(
        "/v1/tasks",
        json!({"callback": "cb", "task_id": "plain", "run_at": "2030-01-01T00:00:00Z"}),
    )
    .await;
    for (body, field) in [
        (json!({"cron": "@daily"}), "cron"),
        (json!({"dst_policy": {"gap": "shift"}}), "dst_policy"),
        (json!({"max_runs": 2}), "max_runs"),
    ] {
        let reply = app.patch("/v1/tasks/plain", body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}");
    }
}

#[tokio::test]
async fn misfires_are_pruned_after_the_retention_like_attempts() {
    let app = app().await;
    for id in ["live", "done"] {
        app.post(
            "/v1/tasks",
            json!({"callback": "cb", "task_id": id, "run_type": "cron", "cron": "@hourly"}),
        )
        .await;
    }
    // `done` finished nine days ago; `live` has one old and one recent ledger entry.
    sqlx::query(
        "update tasks set status = 'succeeded', finished_at = now() - interval '9 days' \
         where task_id = 'done'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into misfires (task_id, scheduled_at, reason, recorded_at) values \
         ('live', now() - interval '8 days', 'coalesced', now() - interval '8 days'), \
         ('live', now() - interval '1 hour', 'coalesced', now() - interval '1 hour'), \
         ('done', now() - interval '9 days', 'catchup_limit', now() - interval '1 hour')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let week_us = 7 * 24 * 3600 * 1_000_000;
    taskshed::harness::prune_finished_tasks(&app.pool, week_us, 1000)
        .await
        .unwrap();
    taskshed::harness::prune_old_misfires(&app.pool, week_us, 1000)
        .await
        .unwrap();
    let left: Vec<(String, String)> =
        sqlx::query_as("select task_id, reason from misfires order by misfire_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(left, [("live".to_owned(), "coalesced".to_owned())]);
    let reply = app.get("/v1/tasks/live/misfires").await;
    assert_eq!(reply.body["misfires"].as_array().unwrap().len(), 1);
}
