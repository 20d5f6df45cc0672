//! Egress control (API.md, "Egress"), through the HTTP API and real server processes:
//! literal IPs the policy refuses are answered 422 `egress_denied` at registration; a host
//! name that resolves only to refused addresses fails its first attempt as `egress_denied`
//! without the receiver seeing a connection; `--egress-allow` re-opens exactly what it
//! names; proxy variables in the environment never divert a delivery.

use serde_json::{json, Value};
use std::time::Duration;

use crate::delivery::{at, start};
use crate::support::app::TestApp;
use crate::support::database::fresh_database;
use crate::support::hostile::{HostileReceiver, Hostility};

/// Time for a first attempt and its recording on a busy shared machine.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(30);

fn finished(task: &Value) -> bool {
    task["status"] == "succeeded" || task["status"] == "failed"
}

/// Asserts a 422 `egress_denied` on `url` whose message contains `why`.
#[track_caller]
fn assert_egress_denied(reply: &crate::support::app::Reply, why: &str) {
    let body = reply.assert_problem(422, "egress_denied");
    assert_eq!(reply.error_fields(), ["url"], "{body:#}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(why), "{why:?} not in {message:?}");
}

#[tokio::test]
async fn default_mode_refuses_metadata_addresses_at_registration() {
    let app = TestApp::spawn().await;
    for (url, why) in [
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 is in 169.254.0.0/16 (link-local",
        ),
        // The same address inside IPv6 forms, and AWS's IPv6 metadata address.
        ("http://[::ffff:169.254.169.254]/", "IPv4-mapped"),
        ("http://[2002:a9fe:a9fe::]/", "6to4"),
        ("http://[fd00:ec2::254]/", "cloud metadata endpoint"),
        ("http://0.0.0.0:8080/", "unspecified"),
    ] {
        let reply = app
            .put("/v1/callbacks/metadata", json!({ "url": url }))
            .await;
        assert_egress_denied(&reply, why);
    }
    // Nothing was stored.
    app.get("/v1/callbacks/metadata")
        .await
        .assert_problem(404, "callback_not_found");
    // The default mode lets a self-hosted scheduler reach services next to it.
    for url in ["http://127.0.0.1:9/hook", "http://10.0.0.1/hook"] {
        let reply = app.put("/v1/callbacks/nearby", json!({ "url": url })).await;
        assert!(reply.status.is_success(), "{url}: {reply:#?}");
    }
}

#[tokio::test]
async fn public_mode_refuses_loopback_at_registration_and_at_connect_time() {
    let (_db, server, _unused) = start(&[("TASKSHED_EGRESS", "public")]).await;
    // Accepts and counts connections; it must never see one.
    let receiver = HostileReceiver::start(Hostility::Hang).await;
    let port = receiver.base.rsplit(':').next().unwrap().to_owned();

    for (url, why) in [
        (format!("http://127.0.0.1:{port}/hook"), "loopback"),
        (format!("http://[::1]:{port}/hook"), "loopback"),
        ("http://10.1.2.3/hook".to_owned(), "private network"),
        ("http://100.64.0.1/hook".to_owned(), "carrier-grade NAT"),
    ] {
        let reply = server
            .api
            .put("/v1/callbacks/internal", json!({ "url": url }))
            .await;
        assert_egress_denied(&reply, why);
    }

    // A name is judged when it is resolved, at each attempt.
    server
        .api
        .callback("named", &format!("http://localhost:{port}/hook"), json!({}))
        .await;
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "named", "task_id": "to-localhost", "run_at": now}))
        .await;
    let task = server
        .api
        .wait_for_task("to-localhost", DELIVERY_DEADLINE, finished)
        .await;
    assert_eq!(task["status"], "failed", "{task:#}");
    assert_eq!(task["attempts"], 1, "not retried: {task:#}");
    let last_error = task["last_error"].as_str().unwrap_or_default();
    assert!(
        last_error.starts_with("egress denied: localhost resolves only to refused addresses")
            && last_error.contains("loopback"),
        "{last_error}"
    );
    let attempts = server.api.attempts("to-localhost").await;
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    assert_eq!(attempts[0]["error"], "egress_denied");
    assert_eq!(attempts[0]["outcome"], "failed");
    assert_eq!(attempts[0]["status_code"], Value::Null);
    assert_eq!(receiver.connections(), 0, "the receiver saw a connection");
}

#[tokio::test]
async fn an_allow_entry_reopens_exactly_what_it_names() {
    let (_db, server, receiver) = start(&[
        ("TASKSHED_EGRESS", "public"),
        ("TASKSHED_EGRESS_ALLOW", "127.0.0.0/8"),
    ])
    .await;
    server
        .api
        .callback("literal", &receiver.url("/literal"), json!({}))
        .await;
    let port = receiver.base.rsplit(':').next().unwrap().to_owned();
    // localhost may also resolve to ::1, which stays refused and is skipped.
    server
        .api
        .callback(
            "named",
            &format!("http://localhost:{port}/named"),
            json!({}),
        )
        .await;
    let reply = server
        .api
        .put(
            "/v1/callbacks/v6",
            json!({ "url": format!("http://[::1]:{port}/") }),
        )
        .await;
    assert_egress_denied(&reply, "loopback");

    let (_, now) = at(0);
    for name in ["literal", "named"] {
        server
            .api
            .create_task(json!({"callback": name, "task_id": name, "run_at": now}))
            .await;
    }
    for name in ["literal", "named"] {
        let task = server
            .api
            .wait_for_task(name, DELIVERY_DEADLINE, finished)
            .await;
        assert_eq!(task["status"], "succeeded", "{task:#}");
        assert_eq!(receiver.for_task(name).len(), 1, "{name}");
    }
}

#[tokio::test]
async fn proxy_variables_in_the_environment_do_not_divert_deliveries() {
    // A "proxy" that accepts and never answers: a delivery sent through it would hang
    // until its timeout and be retried.
    let proxy = HostileReceiver::start(Hostility::Hang).await;
    let (_db, server, receiver) = start(&[
        ("HTTP_PROXY", proxy.base.as_str()),
        ("http_proxy", proxy.base.as_str()),
        ("HTTPS_PROXY", proxy.base.as_str()),
        ("ALL_PROXY", proxy.base.as_str()),
    ])
    .await;
    server
        .api
        .callback("direct", &receiver.url("/hook"), json!({}))
        .await;
    let (_, now) = at(0);
    server
        .api
        .create_task(json!({"callback": "direct", "task_id": "direct", "run_at": now}))
        .await;
    let task = server
        .api
        .wait_for_task("direct", DELIVERY_DEADLINE, finished)
        .await;
    assert_eq!(task["status"], "succeeded", "{task:#}");
    assert_eq!(receiver.for_task("direct").len(), 1);
    assert_eq!(proxy.connections(), 0, "a delivery went through the proxy");
}

#[tokio::test]
async fn bad_egress_settings_stop_the_start_with_a_clear_message() {
    let database_url = fresh_database().await;
    for (env, flag, expected) in [
        (
            ("TASKSHED_EGRESS", "private"),
            "--egress",
            "`default` or `public`",
        ),
        (
            ("TASKSHED_EGRESS_ALLOW", "10.1.2.3/16"),
            "--egress-allow",
            "did you mean 10.1.0.0/16?",
        ),
        (
            ("TASKSHED_EGRESS_DENY", "10.0.0.0/8,metadata.internal"),
            "--egress-deny",
            "entry 2 (\"metadata.internal\") is not an IP address or CIDR",
        ),
    ] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_taskshed"))
            .env_clear()
            .env("DATABASE_URL", &database_url)
            .env("TASKSHED_LISTEN", "127.0.0.1:0")
            .env(env.0, env.1)
            .output()
            .await
            .expect("run taskshed");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{env:?}: {stderr}");
        assert!(
            stderr.contains(flag),
            "{env:?} does not name {flag}: {stderr}"
        );
        assert!(stderr.contains(expected), "{env:?}: {stderr}");
    }
}
