//! Secret rotation end to end: during the grace period every delivery carries two
//! signatures, new first, each verifying with its own secret; after it, only the new one.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use std::time::Duration;
use taskshed::harness::{sign, SigningSecret};

use crate::delivery::{at, start};
use crate::support::receiver::Received;

const SOON: Duration = Duration::from_secs(30);
const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The signatures listed in the request's `webhook-signature`, in order.
fn signatures(request: &Received) -> Vec<String> {
    request
        .header("webhook-signature")
        .split(' ')
        .map(str::to_owned)
        .collect()
}

/// What `secret` signs this request as (TaskShed's signer is checked against the
/// specification's vector in its unit tests, and the receiver-side check in
/// `delivery.rs` is written from the specification).
fn signed_with(secret: &str, request: &Received) -> String {
    let secret = SigningSecret::parse(secret).expect("a valid secret");
    let timestamp: i64 = request.header("webhook-timestamp").parse().unwrap();
    sign(&secret, request.webhook_id(), timestamp, &request.body)
}

#[tokio::test]
async fn during_grace_both_signatures_verify_and_after_it_only_the_new_one() {
    let (_db, server, receiver) = start(&[]).await;
    let api = &server.api;
    api.callback("hook", &receiver.url("/hook"), json!({"secret": OLD}))
        .await;

    // Bad rotations change nothing.
    for (body, field) in [
        (json!({"grace": "PT0S"}), "grace"),
        (json!({"grace": "P31D"}), "grace"),
        (json!({"grace": "soon"}), "grace"),
        (json!({"secret": "hunter2"}), "secret"),
        (json!({"graze": "PT1H"}), "graze"),
    ] {
        let reply = api.post("/v1/callbacks/hook/rotate-secret", body).await;
        let problem = reply.assert_problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{problem:#}");
    }
    api.post("/v1/callbacks/nobody/rotate-secret", json!({}))
        .await
        .assert_problem(404, "callback_not_found");

    // Rotate to a generated secret with the default grace (24 hours).
    let before = Utc::now();
    let rotated = api
        .post("/v1/callbacks/hook/rotate-secret", json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{rotated:#?}");
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("whsec_") && new != OLD, "{new}");
    let expires: DateTime<Utc> = rotated.body["previous_expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let grace = expires - before;
    assert!(
        grace > TimeDelta::hours(23) && grace < TimeDelta::hours(25),
        "{grace}"
    );
    // Neither secret is readable afterwards.
    let shown = api.get("/v1/callbacks/hook").await.body.to_string();
    assert!(!shown.contains(&new) && !shown.contains(OLD), "{shown}");

    let (_, now) = at(0);
    api.create_task(json!({"callback": "hook", "task_id": "in-grace", "run_at": now}))
        .await;
    let request = &receiver.wait_for_task("in-grace", 1, SOON).await[0];
    assert_eq!(
        signatures(request),
        [signed_with(&new, request), signed_with(OLD, request)],
        "new first, then old"
    );

    // Rotate again with a one-second grace; a task due after it is signed once, with the
    // newest secret only.
    let rotated = api
        .post("/v1/callbacks/hook/rotate-secret", json!({"grace": "PT1S"}))
        .await;
    assert_eq!(rotated.status, 200, "{rotated:#?}");
    let newest = rotated.body["secret"].as_str().unwrap().to_owned();
    let expires: DateTime<Utc> = rotated.body["previous_expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let run_at = (expires + TimeDelta::milliseconds(500)).to_rfc3339();
    api.create_task(json!({"callback": "hook", "task_id": "after-grace", "run_at": run_at}))
        .await;
    let request = &receiver.wait_for_task("after-grace", 1, SOON).await[0];
    assert_eq!(signatures(request), [signed_with(&newest, request)]);
    assert!(request.at > expires, "delivered before the grace ended");
}
