//! A real webhook receiver: an HTTP server on 127.0.0.1:0 that records every request it
//! gets and answers from a script.
//!
//! Answers come from a per-path queue, then a global queue, then the default (204 unless
//! changed), so a test can say "500 then 200" for one callback and leave the rest alone.
//! Tests wait on what was received through a `watch` channel bumped on every request —
//! never by sleeping — so a wait ends as soon as its condition holds.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    /// When the handler saw it (after the body was read).
    pub at: DateTime<Utc>,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    /// A header's value as text; panics with the request if it is absent.
    #[track_caller]
    pub fn header(&self, name: &str) -> &str {
        self.try_header(name)
            .unwrap_or_else(|| panic!("no `{name}` header in {self:#?}"))
    }

    pub fn try_header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn task_id(&self) -> &str {
        self.header("taskshed-task-id")
    }

    pub fn webhook_id(&self) -> &str {
        self.header("webhook-id")
    }

    pub fn attempt(&self) -> u32 {
        self.header("taskshed-attempt")
            .parse()
            .expect("taskshed-attempt is a number")
    }

    /// `taskshed-scheduled-at`, parsed.
    pub fn scheduled_at(&self) -> DateTime<Utc> {
        self.header("taskshed-scheduled-at")
            .parse()
            .expect("taskshed-scheduled-at is RFC 3339")
    }
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Waited before answering (to provoke timeouts or keep deliveries in flight).
    pub delay: Duration,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Answer {
        self.delay = delay;
        self
    }
}

struct Script {
    per_path: HashMap<String, VecDeque<Answer>>,
    global: VecDeque<Answer>,
    default: Answer,
}

struct Shared {
    received: Mutex<Vec<Received>>,
    script: Mutex<Script>,
    /// The number of requests received so far.
    count: watch::Sender<usize>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running receiver; stops when dropped.
pub struct Receiver {
    pub base: String,
    shared: Arc<Shared>,
    stop: CancellationToken,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let shared = Arc::new(Shared {
            received: Mutex::new(Vec::new()),
            script: Mutex::new(Script {
                per_path: HashMap::new(),
                global: VecDeque::new(),
                default: Answer::status(204),
            }),
            count: watch::channel(0).0,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let token = stop.clone();
        let router = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await
                .ok();
        });
        Receiver { base, shared, stop }
    }

    /// The URL of `path` on this receiver (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Queues answers for requests to `path`, used before the global queue and default.
    pub fn script(&self, path: &str, answers: impl IntoIterator<Item = Answer>) {
        lock(&self.shared.script)
            .per_path
            .entry(path.to_owned())
            .or_default()
            .extend(answers);
    }

    /// Queues answers for requests to any path without a script of its own.
    pub fn script_all(&self, answers: impl IntoIterator<Item = Answer>) {
        lock(&self.shared.script).global.extend(answers);
    }

    /// The answer once the queues are empty.
    pub fn set_default(&self, answer: Answer) {
        lock(&self.shared.script).default = answer;
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }

    /// Requests carrying this `taskshed-task-id`, in arrival order.
    pub fn for_task(&self, task_id: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.try_header("taskshed-task-id") == Some(task_id))
            .collect()
    }

    pub fn count(&self) -> usize {
        *self.shared.count.borrow()
    }

    /// Waits until `holds` is true of what was received; false if `timeout` passed first.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut holds: impl FnMut(&[Received]) -> bool,
    ) -> bool {
        let mut changes = self.shared.count.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Mark the current value seen before checking, so no request slips between.
            changes.borrow_and_update();
            if holds(&lock(&self.shared.received)) {
                return true;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                _ => return false,
            }
        }
    }

    /// Waits for at least `count` requests in total and returns them all; panics on timeout.
    #[track_caller]
    pub fn wait_for(
        &self,
        count: usize,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Vec<Received>> + '_ {
        let caller = std::panic::Location::caller();
        async move {
            if !self.wait_until(timeout, |r| r.len() >= count).await {
                panic!(
                    "{caller}: expected {count} requests within {timeout:?}, got {}",
                    self.count()
                );
            }
            self.received()
        }
    }

    /// Waits for at least `count` requests for `task_id`; panics on timeout.
    #[track_caller]
    pub fn wait_for_task<'a>(
        &'a self,
        task_id: &'a str,
        count: usize,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Vec<Received>> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let arrived = self
                .wait_until(timeout, |r| {
                    r.iter()
                        .filter(|r| r.try_header("taskshed-task-id") == Some(task_id))
                        .count()
                        >= count
                })
                .await;
            let got = self.for_task(task_id);
            assert!(
                arrived,
                "{caller}: expected {count} requests for task {task_id} within {timeout:?}, got {}",
                got.len()
            );
            got
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Utc::now();
    let path = uri.path().to_owned();
    let scripted = {
        let mut script = lock(&shared.script);
        let Script {
            per_path,
            global,
            default,
        } = &mut *script;
        per_path
            .get_mut(&path)
            .and_then(VecDeque::pop_front)
            .or_else(|| global.pop_front())
            .unwrap_or_else(|| default.clone())
    };
    lock(&shared.received).push(Received {
        at,
        path,
        headers,
        body,
    });
    shared.count.send_modify(|n| *n += 1);
    if !scripted.delay.is_zero() {
        tokio::time::sleep(scripted.delay).await;
    }
    let status = StatusCode::from_u16(scripted.status).expect("a valid scripted status");
    let mut response = status.into_response();
    for (name, value) in scripted.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            value.parse().expect("header value"),
        );
    }
    response
}

/// A URL nobody listens on: a port bound and released again, so connecting is refused.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/refused")
}
