//! Access control through HTTP against a real PostgreSQL (API.md, "Access control"): open
//! on loopback with no key, the Host guard, the first key enforcing, 401/403 for every
//! operation of the OpenAPI document, revocation across two instances, expiry, the
//! start-up refusal beyond loopback, `--admin-key` and `taskshed keys create`.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::time::Instant;

use crate::support::app::TestApp;
use crate::support::database::fresh_database;
use crate::support::server::Server;

/// One answer, read whole.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    #[track_caller]
    fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{self:#?}");
        assert_eq!(self.body["code"], code, "{self:#?}");
        assert_eq!(
            self.headers.get("content-type").unwrap(),
            "application/problem+json"
        );
    }

    #[track_caller]
    fn assert_unauthorized(&self) {
        self.assert_problem(401, "unauthorized");
        assert_eq!(self.headers.get("www-authenticate").unwrap(), "Bearer");
    }
}

/// Sends a request with an optional bearer key and an optional `Host` header.
async fn send(
    base: &str,
    method: Method,
    path: &str,
    key: Option<&str>,
    host: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let client = reqwest::Client::new();
    let mut request = client.request(method, format!("{base}{path}"));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(host) = host {
        request = request.header("host", host);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(base: &str, path: &str, key: Option<&str>) -> Answer {
    send(base, Method::GET, path, key, None, None).await
}

/// Creates a key through the API and returns its text.
async fn create_key(base: &str, admin: Option<&str>, name: &str, scopes: &[&str]) -> String {
    let answer = send(
        base,
        Method::POST,
        "/v1/keys",
        admin,
        None,
        Some(json!({"name": name, "scopes": scopes})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:#?}");
    let key = answer.body["key"].as_str().expect("key").to_owned();
    assert!(key.starts_with("tsk_"), "{key}");
    key
}

/// Polls `check` until it holds, failing after `limit`.
async fn wait_until<F, Fut>(limit: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn without_keys_the_api_is_open_on_loopback_to_loopback_hosts_only() {
    let app = TestApp::spawn().await;
    assert_eq!(
        get(&app.base, "/v1/tasks", None).await.status,
        StatusCode::OK
    );
    for host in ["localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080"] {
        let answer = send(&app.base, Method::GET, "/v1/tasks", None, Some(host), None).await;
        assert_eq!(answer.status, StatusCode::OK, "{host}: {answer:#?}");
    }
    for host in [
        "evil.example",
        "evil.example:8080",
        "10.0.0.1",
        "localhost.evil.example",
    ] {
        let answer = send(&app.base, Method::GET, "/v1/tasks", None, Some(host), None).await;
        answer.assert_problem(403, "forbidden_host");
        let answer = send(&app.base, Method::GET, "/metrics", None, Some(host), None).await;
        answer.assert_problem(403, "forbidden_host");
        // Probes and documentation are not guarded: they reveal nothing.
        let answer = send(&app.base, Method::GET, "/healthz", None, Some(host), None).await;
        assert_eq!(answer.status, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn the_first_key_enforces_and_keys_are_checked_scoped_and_never_shown_again() {
    let app = TestApp::spawn().await;
    let base = app.base.as_str();
    let admin = create_key(base, None, "admin", &["admin"]).await;

    let anonymous = get(base, "/v1/tasks", None).await;
    anonymous.assert_unauthorized();
    get(base, "/metrics", None).await.assert_unauthorized();
    assert_eq!(get(base, "/healthz", None).await.status, StatusCode::OK);
    assert_eq!(get(base, "/readyz", None).await.status, StatusCode::OK);
    assert_eq!(
        get(base, "/openapi.json", None).await.status,
        StatusCode::OK
    );
    assert_eq!(get(base, "/docs", None).await.status, StatusCode::OK);
    assert_eq!(get(base, "/ui", None).await.status, StatusCode::OK);
    // Missing, malformed and unknown keys alike.
    for header in [
        "Bearer",
        "Bearer tsk_short",
        "Basic dXNlcjpwYXNz",
        &format!("Bearer tsk_{}", "A".repeat(43)),
        &format!("bearer {admin}x"),
    ] {
        let answer = reqwest::Client::new()
            .get(format!("{base}/v1/tasks"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "{header}");
        assert_eq!(answer.headers()["www-authenticate"], "Bearer");
    }

    let read = create_key(base, Some(&admin), "reader", &["read"]).await;
    assert_eq!(
        get(base, "/v1/tasks", Some(&read)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(base, "/metrics", Some(&read)).await.status,
        StatusCode::OK
    );
    let denied = send(
        base,
        Method::POST,
        "/v1/tasks",
        Some(&read),
        None,
        Some(json!({"callback": "c", "run_at": "2030-01-01T00:00:00Z"})),
    )
    .await;
    denied.assert_problem(403, "forbidden");
    assert!(
        denied.body["detail"].as_str().unwrap().contains("`tasks`"),
        "{denied:#?}"
    );
    // While auth is on, a non-loopback Host with a valid key is fine.
    let answer = send(
        base,
        Method::GET,
        "/v1/tasks",
        Some(&read),
        Some("taskshed.internal"),
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);

    // The list shows metadata, never key material.
    let list = get(base, "/v1/keys", Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK, "{list:#?}");
    let text = list.body.to_string();
    for key in [&admin, &read] {
        assert!(!text.contains(key.as_str()), "key material listed: {text}");
        assert!(!text.contains(&key[4..]), "key material listed: {text}");
    }
    let keys = list.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for key in keys {
        assert!(
            key.get("key").is_none() && key.get("digest").is_none(),
            "{key}"
        );
        for field in ["id", "name", "scopes", "created_at"] {
            assert!(key.get(field).is_some(), "{field} missing in {key}");
        }
    }
    get(base, "/v1/keys", Some(&read))
        .await
        .assert_problem(403, "forbidden");

    // Validation.
    let cases = [
        (json!({"name": "x", "scopes": ["root"]}), "scopes[0]"),
        (json!({"name": "x", "scopes": []}), "scopes"),
        (json!({"name": "", "scopes": ["read"]}), "name"),
        (json!({"name": "a\u{7}b", "scopes": ["read"]}), "name"),
        (json!({"name": "x".repeat(101), "scopes": ["read"]}), "name"),
        (
            json!({"name": "x", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00Z"}),
            "expires_at",
        ),
        (
            json!({"name": "x", "scopes": ["read"], "expires_at": "tomorrow"}),
            "expires_at",
        ),
    ];
    for (body, field) in cases {
        let answer = send(
            base,
            Method::POST,
            "/v1/keys",
            Some(&admin),
            None,
            Some(body.clone()),
        )
        .await;
        answer.assert_problem(422, "validation_failed");
        let fields: Vec<&str> = answer.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, [field], "{body}");
    }

    // Revocation: 204, then the key is refused (this instance forgets at once); 404 after.
    let id = keys.iter().find(|k| k["name"] == "reader").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/keys/{id}");
    let answer = send(base, Method::DELETE, &path, Some(&admin), None, None).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{answer:#?}");
    get(base, "/v1/tasks", Some(&read))
        .await
        .assert_unauthorized();
    send(base, Method::DELETE, &path, Some(&admin), None, None)
        .await
        .assert_problem(404, "key_not_found");
    send(
        base,
        Method::DELETE,
        "/v1/keys/%00",
        Some(&admin),
        None,
        None,
    )
    .await
    .assert_problem(404, "key_not_found");
}

/// Fills `{param}` segments with a harmless value.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "no-such-thing"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The scope an operation needs by API.md's rules, written out independently of the
/// service's own table so that a mistake in either shows up here.
fn scope_by_rule(method: &Method, path: &str) -> Option<&'static str> {
    if matches!(path, "/healthz" | "/readyz") {
        return None;
    }
    if path.starts_with("/v1/keys") {
        return Some("admin");
    }
    // The schedule preview computes and stores nothing: a read, though it is a POST.
    if method == Method::GET || path == "/v1/schedules/preview" {
        return Some("read");
    }
    if path.starts_with("/v1/callbacks") {
        return Some("callbacks");
    }
    Some("tasks")
}

/// Every operation of the OpenAPI document: 401 without a key, 403 with a key lacking its
/// scope, neither with a key holding it, and the document declares it protected.
#[tokio::test]
async fn every_operation_refuses_missing_keys_and_keys_without_its_scope() {
    let app = TestApp::spawn().await;
    let base = app.base.as_str();
    let admin = create_key(base, None, "admin", &["admin"]).await;
    let mut keys = std::collections::HashMap::new();
    for scope in ["read", "tasks", "callbacks"] {
        keys.insert(scope, create_key(base, Some(&admin), scope, &[scope]).await);
    }
    keys.insert("admin", admin.clone());
    let both = create_key(base, Some(&admin), "both", &["tasks", "callbacks"]).await;
    // A key that lacks the scope (every key implies `read`, so reads have none).
    let lacking = |scope: &str| match scope {
        "tasks" => Some(keys["callbacks"].clone()),
        "callbacks" => Some(keys["tasks"].clone()),
        "admin" => Some(both.clone()),
        _ => None,
    };

    let doc = serde_json::to_value(taskshed::harness::openapi()).unwrap();
    let mut checked = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method_name, operation) in item.as_object().unwrap() {
            let Ok(method) = method_name.to_uppercase().parse::<Method>() else {
                continue;
            };
            if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
                continue;
            }
            let path = concrete(template);
            let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
            let what = format!("{method} {template}");
            let Some(scope) = scope_by_rule(&method, template) else {
                let answer = send(base, method.clone(), &path, None, None, body).await;
                assert_eq!(answer.status, StatusCode::OK, "{what} should be open");
                continue;
            };
            assert_eq!(
                operation["security"],
                json!([{"bearer": []}]),
                "{what} is not declared protected"
            );
            for status in ["401", "403"] {
                assert!(
                    operation["responses"][status].is_object(),
                    "{what}: no {status}"
                );
            }
            send(base, method.clone(), &path, None, None, body.clone())
                .await
                .assert_unauthorized();
            if let Some(key) = lacking(scope) {
                let answer =
                    send(base, method.clone(), &path, Some(&key), None, body.clone()).await;
                answer.assert_problem(403, "forbidden");
                assert!(
                    answer.body["detail"].as_str().unwrap().contains(scope),
                    "{what}: {answer:#?}"
                );
            }
            let answer = send(base, method.clone(), &path, Some(&keys[scope]), None, body).await;
            assert!(
                answer.status != StatusCode::UNAUTHORIZED && answer.status != StatusCode::FORBIDDEN,
                "{what} refuses a key with `{scope}`: {answer:#?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} operations checked");
}

#[tokio::test]
async fn an_expired_key_is_refused() {
    let app = TestApp::spawn().await;
    let admin = create_key(&app.base, None, "admin", &["admin"]).await;
    let read = create_key(&app.base, Some(&admin), "soon", &["read"]).await;
    assert_eq!(
        get(&app.base, "/v1/tasks", Some(&read)).await.status,
        StatusCode::OK
    );
    sqlx::query("update api_keys set expires_at = now() - interval '1 second' where name = 'soon'")
        .execute(&app.pool)
        .await
        .unwrap();
    let base = app.base.clone();
    wait_until(Duration::from_secs(3), "expired key refused", || {
        let (base, read) = (base.clone(), read.clone());
        async move { get(&base, "/v1/tasks", Some(&read)).await.status == StatusCode::UNAUTHORIZED }
    })
    .await;
    get(&app.base, "/v1/tasks", Some(&read))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn a_revoked_key_stops_working_on_every_instance_within_two_seconds() {
    let database = fresh_database().await;
    let admin = taskshed_key();
    let env = [
        ("TASKSHED_ADMIN_KEY", admin.as_str()),
        ("TASKSHED_ROLE", "api"),
    ];
    let a = Server::start(&database, "auth-a", &env).await;
    let b = Server::start(&database, "auth-b", &env).await;
    let read = create_key(&a.base, Some(&admin), "shared", &["read"]).await;
    let base_b = b.base.clone();
    wait_until(Duration::from_secs(2), "new key accepted by b", || {
        let (base, read) = (base_b.clone(), read.clone());
        async move { get(&base, "/v1/tasks", Some(&read)).await.status == StatusCode::OK }
    })
    .await;
    let list = get(&a.base, "/v1/keys", Some(&admin)).await;
    let id = list.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "shared")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = send(
        &a.base,
        Method::DELETE,
        &format!("/v1/keys/{id}"),
        Some(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let took = wait_until(Duration::from_secs(2), "revoked key refused by b", || {
        let (base, read) = (base_b.clone(), read.clone());
        async move { get(&base, "/v1/tasks", Some(&read)).await.status == StatusCode::UNAUTHORIZED }
    })
    .await;
    eprintln!("revocation reached the other instance after {took:?}");
    get(&a.base, "/v1/tasks", Some(&read))
        .await
        .assert_unauthorized();
}

/// A fresh key's text, made the way the service makes them (via the CLI-free route:
/// `tsk_` and 43 base62 characters).
fn taskshed_key() -> String {
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let body: String = (0..43)
        .map(|_| alphabet[rand::random::<u8>() as usize % 62] as char)
        .collect();
    format!("tsk_{body}")
}

#[tokio::test]
async fn admin_key_is_installed_idempotently_and_works() {
    let database = fresh_database().await;
    let admin = taskshed_key();
    let env = [
        ("TASKSHED_ADMIN_KEY", admin.as_str()),
        ("TASKSHED_ROLE", "api"),
    ];
    let a = Server::start(&database, "admin-a", &env).await;
    let b = Server::start(&database, "admin-b", &env).await;
    for server in [&a, &b] {
        get(&server.base, "/v1/tasks", None)
            .await
            .assert_unauthorized();
        assert_eq!(
            get(&server.base, "/v1/tasks", Some(&admin)).await.status,
            StatusCode::OK
        );
    }
    let list = get(&a.base, "/v1/keys", Some(&admin)).await;
    assert_eq!(list.body["keys"].as_array().unwrap().len(), 1, "{list:#?}");
    assert!(!list.body.to_string().contains(&admin));
    assert_eq!(list.body["keys"][0]["scopes"], json!(["admin"]));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn taskshed_command(database: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_taskshed"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", database)
        .env("TASKSHED_ROLE", "api")
        .env("TASKSHED_DB_POOL_SIZE", "4")
        .kill_on_drop(true);
    command
}

#[tokio::test]
async fn a_non_loopback_listener_needs_a_key_or_insecure_no_auth() {
    let database = fresh_database().await;
    let port = free_port();
    let listen = format!("0.0.0.0:{port}");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        taskshed_command(&database)
            .env("TASKSHED_LISTEN", &listen)
            .output(),
    )
    .await
    .expect("taskshed exits")
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refusing to listen on 0.0.0.0"), "{stderr}");
    assert!(stderr.contains("--insecure-no-auth"), "{stderr}");

    let mut child = taskshed_command(&database)
        .env("TASKSHED_LISTEN", &listen)
        .env("TASKSHED_INSECURE_NO_AUTH", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_until(Duration::from_secs(60), "insecure server ready", || {
        let base = base.clone();
        async move {
            reqwest::get(format!("{base}/readyz"))
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
        }
    })
    .await;
    // Open, and not Host-guarded: it is not a loopback listener.
    let answer = send(
        &base,
        Method::GET,
        "/v1/tasks",
        None,
        Some("taskshed.internal"),
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:#?}");
    child.kill().await.unwrap();
}

#[tokio::test]
async fn keys_create_prints_a_working_key_once() {
    let database = fresh_database().await;
    let out = taskshed_command(&database)
        .args([
            "keys", "create", "--name", "from-cli", "--scope", "read", "--scope", "tasks",
        ])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(
        key.starts_with("tsk_") && !key.contains(char::is_whitespace),
        "{key}"
    );
    assert!(!stderr.contains(&key), "the key is printed once, on stdout");

    let bad = taskshed_command(&database)
        .args(["keys", "create", "--name", "bad", "--scope", "root"])
        .output()
        .await
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown scope"));

    let server = Server::start(&database, "cli-key", &[("TASKSHED_ROLE", "api")]).await;
    get(&server.base, "/v1/tasks", None)
        .await
        .assert_unauthorized();
    assert_eq!(
        get(&server.base, "/v1/tasks", Some(&key)).await.status,
        StatusCode::OK
    );
    let answer = send(
        &server.base,
        Method::POST,
        "/v1/tasks/pause",
        Some(&key),
        None,
        Some(json!({"group_id": "g"})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:#?}");
}

/// `last_used_at` is recorded without a write per request: a few seconds late, in batches.
#[tokio::test]
async fn last_used_at_is_recorded_in_batches() {
    let app = TestApp::spawn().await;
    let admin = create_key(&app.base, None, "admin", &["admin"]).await;
    let list = get(&app.base, "/v1/keys", Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK);
    for _ in 0..20 {
        assert_eq!(
            get(&app.base, "/v1/tasks", Some(&admin)).await.status,
            StatusCode::OK
        );
    }
    let pool = app.pool.clone();
    wait_until(Duration::from_secs(15), "last_used_at recorded", || {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, bool>(
                "select last_used_at is not null from api_keys where name = 'admin'",
            )
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    })
    .await;
    let list = get(&app.base, "/v1/keys", Some(&admin)).await;
    assert!(
        list.body["keys"][0]["last_used_at"].is_string(),
        "{list:#?}"
    );
}

/// A `--role worker` process serves only operations; `/metrics` needs `read` there too.
#[tokio::test]
async fn a_worker_enforces_metrics_too() {
    let database = fresh_database().await;
    let admin = taskshed_key();
    let env = [
        ("TASKSHED_ADMIN_KEY", admin.as_str()),
        ("TASKSHED_ROLE", "worker"),
    ];
    let worker = Server::start(&database, "auth-worker", &env).await;
    get(&worker.base, "/metrics", None)
        .await
        .assert_unauthorized();
    assert_eq!(
        get(&worker.base, "/metrics", Some(&admin)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&worker.base, "/healthz", None).await.status,
        StatusCode::OK
    );
}
