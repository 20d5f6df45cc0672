//! Load generation over HTTP: request bodies are built before the clock starts, then a
//! fixed number of keep-alive workers send them, timing each request.

use axum::body::Bytes;
use axum::http::uri::Authority;
use axum::http::{HeaderMap, Uri};
use chrono::{DateTime, SecondsFormat};
use http_body_util::{BodyExt, Full};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `BENCH_API_KEY`: when set, the bench starts TaskShed with it as `TASKSHED_ADMIN_KEY`
/// (so auth is enforced) and every request carries it, to measure what key checking costs.
pub fn api_key() -> Option<String> {
    std::env::var("BENCH_API_KEY")
        .ok()
        .filter(|k| !k.is_empty())
}

/// `Authorization: Bearer <BENCH_API_KEY>`, or nothing.
fn auth_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(key) = api_key() {
        let value = format!("Bearer {key}")
            .parse()
            .expect("BENCH_API_KEY is header-safe");
        headers.insert(axum::http::header::AUTHORIZATION, value);
    }
    headers
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .default_headers(auth_headers())
        .no_proxy()
        .pool_max_idle_per_host(512)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("building the HTTP client")
}

pub fn rfc3339_us(unix_us: i64) -> String {
    DateTime::from_timestamp_micros(unix_us)
        .expect("time in range")
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn unix_us() -> i64 {
    super::receiver::unix_ns() / 1000
}

/// A batch body: tasks `prefix{first..first+n}` (no id when `prefix` is empty) on callback
/// `bench`, with `run_at(i)` and the due time carried in kwargs.
pub fn batch_body(prefix: &str, first: usize, n: usize, run_at_us: impl Fn(usize) -> i64) -> Bytes {
    batch_body_with(prefix, first, n, run_at_us, "")
}

/// [`batch_body`] with `extra` (a JSON fragment starting with `,`, such as
/// `,"run_type":"cron","cron":"0 0 * * *"`) added to every task.
pub fn batch_body_with(
    prefix: &str,
    first: usize,
    n: usize,
    run_at_us: impl Fn(usize) -> i64,
    extra: &str,
) -> Bytes {
    let mut body = String::with_capacity(n * 140 + 64);
    body.push_str(r#"{"replace_existing":true,"tasks":["#);
    for i in first..first + n {
        if i > first {
            body.push(',');
        }
        let due = run_at_us(i);
        let id = if prefix.is_empty() {
            String::new()
        } else {
            format!(r#""task_id":"{prefix}{i}","#)
        };
        body.push_str(&format!(
            r#"{{{id}"callback":"bench","run_at":"{}","kwargs":{{"due_us":{due}}}{extra}}}"#,
            rfc3339_us(due)
        ));
    }
    body.push_str("]}");
    Bytes::from(body)
}

#[derive(Default)]
pub struct Driven {
    pub elapsed: Duration,
    /// Latency of each successful request, in microseconds.
    pub latencies_us: Vec<u64>,
    pub errors: usize,
    pub first_error: Option<String>,
}

impl Driven {
    pub fn ok(&self) -> usize {
        self.latencies_us.len()
    }
}

/// Sends each body once, `concurrency` at a time.
pub async fn drive_bodies(url: &str, bodies: Vec<Bytes>, concurrency: usize) -> Driven {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let source = move || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        bodies.get(i).cloned()
    };
    drive_with(url, Arc::new(source), concurrency, None, HeaderMap::new()).await
}

/// Sends `body` over and over for `duration`, `concurrency` at a time.
pub async fn drive_for(
    url: &str,
    body: Bytes,
    concurrency: usize,
    duration: Duration,
    headers: HeaderMap,
) -> Driven {
    let source = move || Some(body.clone());
    drive_with(url, Arc::new(source), concurrency, Some(duration), headers).await
}

async fn drive_with(
    url: &str,
    source: Arc<dyn Fn() -> Option<Bytes> + Send + Sync>,
    concurrency: usize,
    duration: Option<Duration>,
    mut headers: HeaderMap,
) -> Driven {
    for (name, value) in &auth_headers() {
        if !headers.contains_key(name) {
            headers.insert(name, value.clone());
        }
    }
    let uri: Uri = url.parse().expect("a valid load URL");
    let authority = uri.authority().expect("a URL with a host").clone();
    let start = Instant::now();
    let deadline = duration.map(|d| start + d);
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (uri, authority) = (uri.clone(), authority.clone());
        let source = source.clone();
        let headers = headers.clone();
        workers.push(tokio::spawn(async move {
            let mut out = Driven::default();
            let mut sender = match connect(&authority).await {
                Ok(sender) => sender,
                Err(e) => {
                    out.errors += 1;
                    out.first_error = Some(e.to_string());
                    return out;
                }
            };
            while deadline.is_none_or(|d| Instant::now() < d) {
                let Some(body) = source() else { break };
                let sent = Instant::now();
                match post(&mut sender, &uri, &authority, &headers, body).await {
                    Ok(()) => out.latencies_us.push(sent.elapsed().as_micros() as u64),
                    Err(e) => {
                        out.errors += 1;
                        out.first_error.get_or_insert(e);
                        break;
                    }
                }
            }
            out
        }));
    }
    let mut all = Driven::default();
    for w in workers {
        if let Ok(mut part) = w.await {
            all.latencies_us.append(&mut part.latencies_us);
            all.errors += part.errors;
            if all.first_error.is_none() {
                all.first_error = part.first_error;
            }
        }
    }
    all.elapsed = start.elapsed();
    all
}

/// One keep-alive HTTP/1.1 connection per load worker, driven by hyper directly: no
/// pool, no URL parsing per request, so the load tool takes as little of the two cores
/// as it can from the service under test.
async fn connect(
    authority: &Authority,
) -> anyhow::Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(authority.as_str()).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Sends one POST and reads the whole response; anything but 2xx is an error.
async fn post(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    uri: &Uri,
    authority: &Authority,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(), String> {
    let mut request = hyper::Request::post(uri.path())
        .header(hyper::header::HOST, authority.as_str())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    request.headers_mut().extend(headers.clone());
    sender.ready().await.map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
    }
}

/// The `q`-quantile (0..=1) of unsorted samples.
pub fn quantile<T: Copy + Ord>(samples: &mut [T], q: f64) -> Option<T> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let i = ((samples.len() - 1) as f64 * q).round() as usize;
    Some(samples[i])
}
