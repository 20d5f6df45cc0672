//! Real `taskshed` server processes, and an HTTP client for their API.
//!
//! Each [`Server`] is the built binary on a free local port with its own instance id,
//! logging into a file in a private temporary directory. A server is killed when its
//! handle is dropped, so a failing test never leaks processes; if the test is panicking,
//! the tail of the log is printed first, which is usually the explanation.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::process::{Child, Command};

use super::app::Reply;

/// How long a server may take to answer `/readyz` (the machine is shared and busy).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Lines of log shown when a test fails.
const LOG_TAIL_LINES: usize = 60;

/// A running `taskshed` process.
pub struct Server {
    pub instance: String,
    pub base: String,
    pub api: Api,
    child: Child,
    dir: PathBuf,
    log_path: PathBuf,
}

impl Server {
    /// Starts `taskshed` on `database_url` as `instance`, with extra environment
    /// (`TASKSHED_…` settings), and waits until it is ready.
    pub async fn start(database_url: &str, instance: &str, env: &[(&str, &str)]) -> Server {
        Self::launch(Some(database_url), instance, env).await
    }

    /// Starts `taskshed` with no `DATABASE_URL`, so it runs its own PostgreSQL in
    /// `TASKSHED_DATA_DIR` (which `env` must give).
    pub async fn start_embedded(instance: &str, env: &[(&str, &str)]) -> Server {
        Self::launch(None, instance, env).await
    }

    async fn launch(database_url: Option<&str>, instance: &str, env: &[(&str, &str)]) -> Server {
        let dir = std::env::temp_dir().join(format!(
            "taskshed-e2e-{instance}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("create the server's directory");
        let log_path = dir.join("server.log");
        // The port is picked by binding :0 and letting go; another process may grab it
        // in between, so a start that fails to listen is retried on a new port.
        for _ in 0..5 {
            let port = free_port();
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log_path)
                .expect("open the server log");
            let mut command = Command::new(env!("CARGO_BIN_EXE_taskshed"));
            command
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .envs(database_url.map(|url| ("DATABASE_URL", url)))
                .env("TASKSHED_LISTEN", format!("127.0.0.1:{port}"))
                .env("TASKSHED_INSTANCE_ID", instance)
                .env("TASKSHED_LOG_FORMAT", "json")
                .env("TASKSHED_LOG", "info,taskshed=debug")
                .env("TASKSHED_DB_POOL_SIZE", "8")
                .envs(env.iter().copied())
                .current_dir(&dir)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log handle"))
                .stderr(log)
                .kill_on_drop(true);
            let child = command.spawn().expect("spawn taskshed");
            let base = format!("http://127.0.0.1:{port}");
            let mut server = Server {
                instance: instance.to_owned(),
                api: Api::new(&base),
                base,
                child,
                dir: dir.clone(),
                log_path: log_path.clone(),
            };
            match server.wait_ready().await {
                Ok(()) => return server,
                Err(exited) if exited && server.log_tail().contains("could not listen") => {
                    // Lost the port race; `server` is dropped (the process is gone).
                    continue;
                }
                Err(_) => panic!(
                    "server {instance} did not become ready; log:\n{}",
                    server.log_tail()
                ),
            }
        }
        panic!("server {instance} could not find a free port")
    }

    /// Polls `/readyz` until 200. `Err(true)` if the process exited meanwhile.
    async fn wait_ready(&mut self) -> Result<(), bool> {
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        while tokio::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Err(true);
            }
            if let Ok(response) = client.get(format!("{}/readyz", self.base)).send().await {
                if response.status() == StatusCode::OK {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(false)
    }

    pub fn pid(&self) -> i32 {
        self.child.id().expect("the server is running") as i32
    }

    /// `kill -9`: the process dies without any clean-up, like a crash.
    pub async fn kill9(&mut self) {
        self.child.start_kill().expect("SIGKILL the server");
        self.child.wait().await.expect("reap the server");
    }

    /// Sends SIGTERM (an orderly shutdown request).
    pub fn sigterm(&self) {
        // SAFETY: kill(2) on our own child's pid, with a valid signal number.
        let rc = unsafe { libc::kill(self.pid(), libc::SIGTERM) };
        assert_eq!(rc, 0, "SIGTERM the server");
    }

    /// Waits for the process to exit; `None` if it is still running after `timeout`.
    pub async fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        tokio::time::timeout(timeout, self.child.wait())
            .await
            .ok()
            .map(|status| status.expect("wait for the server"))
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "---- log of server {} (last {LOG_TAIL_LINES} lines) ----\n{}\n----",
                self.instance,
                self.log_tail()
            );
        }
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind :0");
    listener.local_addr().unwrap().port()
}

/// An HTTP client for one server's API, answering with [`Reply`]s.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    client: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let sent = request.send().await;
        read_reply(sent.unwrap_or_else(|e| panic!("{path}: {e:?}"))).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// Sends a JSON body exactly as given (to check bytes survive the round trip).
    pub async fn post_raw(&self, path: &str, body: &str) -> Reply {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_owned());
        let sent = request.send().await;
        read_reply(sent.unwrap_or_else(|e| panic!("{path}: {e:?}"))).await
    }

    /// `/metrics` as text.
    pub async fn metrics(&self) -> String {
        self.client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body")
    }

    /// Registers (or replaces) callback `name`; `spec` is merged over `{"url": url}`.
    pub async fn callback(&self, name: &str, url: &str, spec: Value) -> Value {
        let mut body = json!({ "url": url });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), spec) {
            body.extend(extra);
        }
        let reply = self.put(&format!("/v1/callbacks/{name}"), body).await;
        assert!(reply.status.is_success(), "register callback: {reply:#?}");
        reply.body
    }

    /// Creates one task; panics unless 201.
    #[track_caller]
    pub fn create_task(&self, task: Value) -> impl std::future::Future<Output = Value> + '_ {
        let caller = std::panic::Location::caller();
        async move {
            let reply = self.post("/v1/tasks", task).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{caller}: {reply:#?}");
            reply.body
        }
    }

    /// Creates tasks in batches of `batch` through `POST /v1/tasks/batch`.
    pub async fn create_tasks(&self, tasks: Vec<Value>, batch: usize) {
        for chunk in tasks.chunks(batch) {
            let reply = self
                .post("/v1/tasks/batch", json!({ "tasks": chunk }))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "batch create: {reply:#?}");
        }
    }

    /// `GET /v1/tasks/{id}`; panics unless 200.
    pub async fn task(&self, task_id: &str) -> Value {
        let reply = self.get(&format!("/v1/tasks/{task_id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "get task: {reply:#?}");
        reply.body
    }

    /// The task's attempts, newest first.
    pub async fn attempts(&self, task_id: &str) -> Vec<Value> {
        let reply = self.get(&format!("/v1/tasks/{task_id}/attempts")).await;
        assert_eq!(reply.status, StatusCode::OK, "attempts: {reply:#?}");
        reply.body["attempts"]
            .as_array()
            .cloned()
            .expect("an attempts array")
    }

    /// Polls the task until `holds` is true of it (state written by the delivery engine
    /// after the receiver answered); panics with the last state after `timeout`.
    pub async fn wait_for_task(
        &self,
        task_id: &str,
        timeout: Duration,
        holds: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let task = self.task(task_id).await;
            if holds(&task) {
                return task;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "task {task_id} did not reach the expected state within {timeout:?}: {task:#}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn read_reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// Polls an SQL count on the test database until it reaches `expected`.
pub async fn wait_for_count(
    pool: &sqlx::PgPool,
    sql: &str,
    expected: i64,
    timeout: Duration,
) -> i64 {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let n: i64 = sqlx::query_scalar(sql)
            .fetch_one(pool)
            .await
            .expect("count query");
        if n == expected || tokio::time::Instant::now() >= deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
