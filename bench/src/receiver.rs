//! The webhook receiver TaskShed delivers to: answers 204 at once, verifies the Standard
//! Webhooks signature, and records when each delivery arrived and when it was due.
//!
//! Task ids the bench creates are `<letter><index>`, so a receipt is four numbers and
//! duplicates are found by index, without hashing strings on the hot path.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::serve::ListenerExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use taskshed::harness::{sign, SigningSecret};

/// A fixed secret, registered with the bench's callback.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Clone, Copy)]
pub struct Receipt {
    /// Unix nanoseconds when the request reached the handler.
    pub at_ns: i64,
    /// The task's `run_at`, in Unix microseconds, as carried in kwargs (`due_us`).
    pub due_us: i64,
    /// The index in the task id (`u32::MAX` if none).
    pub index: u32,
    pub attempt: u16,
}

struct Shared {
    log: Mutex<Vec<Receipt>>,
    secret: SigningSecret,
    bad_signatures: AtomicU64,
}

#[derive(Clone)]
pub struct Receiver {
    shared: Arc<Shared>,
    pub url: String,
}

#[derive(serde::Deserialize)]
struct Kwargs {
    #[serde(default)]
    due_us: i64,
}

pub fn unix_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

async fn hook(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let at_ns = unix_ns();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let index = header("taskshed-task-id")
        .and_then(|id| id.get(1..))
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(u32::MAX);
    let attempt = header("taskshed-attempt")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let signed = match (
        header("webhook-id"),
        header("webhook-timestamp").and_then(|t| t.parse::<i64>().ok()),
        header("webhook-signature"),
    ) {
        (Some(id), Some(ts), Some(signature)) => sign(&shared.secret, id, ts, &body) == signature,
        _ => false,
    };
    if !signed {
        shared.bad_signatures.fetch_add(1, Ordering::Relaxed);
    }
    let due_us = serde_json::from_slice::<Kwargs>(&body)
        .map(|k| k.due_us)
        .unwrap_or(0);
    shared
        .log
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Receipt {
            at_ns,
            due_us,
            index,
            attempt,
        });
    StatusCode::NO_CONTENT
}

impl Receiver {
    /// Listens on 127.0.0.1:0 in the current (multi-threaded) runtime.
    pub async fn start() -> anyhow::Result<Receiver> {
        let shared = Arc::new(Shared {
            log: Mutex::new(Vec::with_capacity(1 << 20)),
            secret: SigningSecret::parse(SECRET).map_err(|e| anyhow::anyhow!("{e}"))?,
            bad_signatures: AtomicU64::new(0),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(shared.clone());
        // As in TaskShed's own server, and as most webhook receivers run: no Nagle delay.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver { shared, url })
    }

    pub fn count(&self) -> usize {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Takes every receipt so far (and empties the log).
    pub fn take(&self) -> Vec<Receipt> {
        std::mem::take(&mut *self.shared.log.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn take_bad_signatures(&self) -> u64 {
        self.shared.bad_signatures.swap(0, Ordering::Relaxed)
    }
}

/// Distinct indexes and duplicates among receipts of tasks `0..n`.
pub fn distinct(receipts: &[Receipt], n: usize) -> (usize, usize) {
    let mut seen = vec![false; n];
    let (mut unique, mut dup) = (0, 0);
    for r in receipts {
        let i = r.index as usize;
        if i < n {
            if seen[i] {
                dup += 1;
            } else {
                seen[i] = true;
                unique += 1;
            }
        }
    }
    (unique, dup)
}
