//! The binary as a user meets it: configuration errors, the `openapi` subcommand, and
//! the private PostgreSQL that `taskshed` runs when no `DATABASE_URL` is given.

use serde_json::json;
use std::process::Command;

use crate::support::server::Server;

fn taskshed(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_taskshed"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run taskshed")
}

#[test]
fn bad_configuration_is_refused_with_a_clear_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["--listen", "nonsense"], "--listen"),
        (&["--look-ahead", "5s"], "ISO 8601 duration"),
        (&["--db-pool-size", "0"], "--db-pool-size"),
        (&["--poll-interval", "PT5M"], "--poll-interval"),
        (&["--role", "everything"], "--role"),
        (&["--log-format", "xml"], "--log-format"),
        (&["--instance-id", "a b"], "--instance-id"),
        (&["--encryption-key", "c2hvcnQ="], "expected 32"),
        (&["--min-interval", "PT0S"], "--min-interval"),
        (&["--egress", "open"], "--egress"),
        (&["--egress-allow", "10.0.0.0/8,"], "--egress-allow"),
        (&["--egress-deny", "example.com"], "--egress-deny"),
    ];
    for (args, expected) in cases {
        let out = taskshed(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn help_lists_every_option_with_its_environment_variable() {
    let out = taskshed(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for env in [
        "DATABASE_URL",
        "TASKSHED_DATA_DIR",
        "TASKSHED_LISTEN",
        "TASKSHED_ROLE",
        "TASKSHED_LOG_FORMAT",
        "TASKSHED_DB_POOL_SIZE",
        "TASKSHED_MAX_IN_FLIGHT",
        "TASKSHED_LOOK_AHEAD",
        "TASKSHED_POLL_INTERVAL",
        "TASKSHED_RETENTION",
        "TASKSHED_SHUTDOWN_GRACE",
        "TASKSHED_ENCRYPTION_KEY",
        "TASKSHED_MAX_KWARGS_BYTES",
        "TASKSHED_MIN_INTERVAL",
        "TASKSHED_MAX_CONNECTIONS",
        "TASKSHED_READ_TIMEOUT",
        "TASKSHED_EGRESS",
        "TASKSHED_EGRESS_ALLOW",
        "TASKSHED_EGRESS_DENY",
    ] {
        assert!(help.contains(env), "--help does not mention {env}");
    }
}

#[test]
fn openapi_subcommand_prints_the_spec() {
    let out = taskshed(&["openapi"]);
    assert!(out.status.success());
    let spec: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).expect("YAML");
    assert_eq!(spec["openapi"].as_str(), Some("3.1.0"));
}

/// With no `DATABASE_URL`, `taskshed` runs its own PostgreSQL in `--data-dir`; tasks
/// survive a `kill -9` of the service (which leaves a stale postmaster lock behind) and a
/// restart on the same directory, and signing secrets are sealed with a key file there.
#[tokio::test]
async fn embedded_postgres_keeps_tasks_across_a_kill_and_restart() {
    let dir = std::env::temp_dir().join(format!("taskshed-cli-{}", uuid::Uuid::new_v4().simple()));
    let data_dir = dir.join("data");
    let data_dir_text = data_dir.to_string_lossy().into_owned();
    let env = [
        ("TASKSHED_DATA_DIR", data_dir_text.as_str()),
        ("TASKSHED_EMBEDDED_DURABLE", "true"),
    ];
    let mut first = Server::start_embedded("embedded-a", &env).await;
    first
        .api
        .callback("hook", "http://127.0.0.1:9/unused", json!({}))
        .await;
    first
        .api
        .create_task(json!({
            "callback": "hook", "task_id": "survivor",
            "run_at": "2099-01-01T00:00:00Z", "kwargs": {"kept": true}
        }))
        .await;
    // The embedded default seals secrets with a key file it created, readable by its owner
    // only; the restart below reads the callback with it.
    let key_file = data_dir.join("encryption.key");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key_file)
            .expect("the key file")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "{}", key_file.display());
    first.kill9().await;

    let second = Server::start_embedded("embedded-b", &env).await;
    let task = second.api.task("survivor").await;
    assert_eq!(task["kwargs"], json!({"kept": true}));
    assert_eq!(task["status"], "scheduled");
    let hook = second.api.get("/v1/callbacks/hook").await;
    assert_eq!(hook.status, 200, "{hook:#?}");
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--role worker` serves only the operational endpoints; `--role api` serves the API
/// and delivers nothing (its tasks wait for a worker).
#[tokio::test]
async fn roles_split_the_api_from_delivery() {
    let db = crate::support::database::fresh_database().await;
    let api = Server::start(&db, "api-only", &[("TASKSHED_ROLE", "api")]).await;
    api.api
        .callback("hook", "http://127.0.0.1:9/unused", json!({}))
        .await;
    api.api
        .create_task(
            json!({"callback": "hook", "task_id": "waiting", "run_at": "2000-01-01T00:00:00Z"}),
        )
        .await;
    let metrics = api.api.metrics().await;
    assert!(metrics.contains("taskshed_deliveries_total"), "{metrics}");

    let worker = Server::start(&db, "worker-only", &[("TASKSHED_ROLE", "worker")]).await;
    let reply = worker.api.get("/v1/tasks").await;
    reply.assert_problem(404, "route_not_found");
    assert_eq!(worker.api.get("/readyz").await.status, 200);
    // The worker takes the task the API-only instance left waiting.
    api.api
        .wait_for_task("waiting", std::time::Duration::from_secs(30), |t| {
            t["attempts"].as_i64() >= Some(1)
        })
        .await;
    // Every attempt is the worker's: the API-only instance never delivered.
    let attempts = api.api.attempts("waiting").await;
    assert!(!attempts.is_empty());
    assert!(
        attempts.iter().all(|a| a["instance"] == "worker-only"),
        "{attempts:#?}"
    );
}
