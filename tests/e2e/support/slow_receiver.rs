//! Receivers that model limited capacity, for the flow-control tests of issue 13.
//!
//! - [`SlowReceiver`] is "a plain single-process Python `http.server`": one OS thread
//!   serves one request at a time, each taking a fixed service time, one request per
//!   connection (HTTP/1.0 style, `connection: close`). An acceptor thread takes
//!   connections off the listen queue as they come and hands them to the worker in
//!   order. It stands in for the kernel backlog, with one difference: the backlog has no
//!   bound, so a connect never waits for a SYN retry. In exchange it sees every waiting
//!   client, so it can record the largest number of requests open at once (accepted, not
//!   yet answered): how hard the senders pushed.
//! - [`ConcurrencyProbe`] accepts everything at once (axum), holds each request for a
//!   configured time and records how many were in flight together and when each started,
//!   so "never more than 3 concurrent" and "no sliding second holds more than 5 starts"
//!   are checks on what the receiver saw, not on what the sender claims.
//!
//! Both answer `200` and record `taskshed-task-id` and `webhook-id` of every request.
//! Waits go through a `watch` channel bumped per request, never a sleep. The service and
//! hold times are the behaviour under test, so sleeping there is the model.

use axum::extract::State;
use axum::http::HeaderMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// One request served by a [`SlowReceiver`].
#[derive(Debug, Clone)]
pub struct ServedRequest {
    /// When its connection was accepted.
    pub arrived: Instant,
    /// When the worker began reading it.
    pub started: Instant,
    /// When the answer was written (or the write failed).
    pub finished: Instant,
    pub task_id: Option<String>,
    pub webhook_id: Option<String>,
    /// False if the client had gone before the answer could be written (it timed out
    /// while waiting in the queue or during service).
    pub answered: bool,
}

impl ServedRequest {
    /// Time spent waiting in the queue before service began.
    pub fn queued(&self) -> Duration {
        self.started - self.arrived
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Requests accepted and not yet answered, with the largest value reached. Updated only
/// through [`OpenRequest`], whose drop ends the request, so the two can never drift.
#[derive(Default)]
struct OpenGauge {
    now: AtomicUsize,
    max: AtomicUsize,
}

struct OpenRequest {
    gauge: Arc<OpenGauge>,
}

impl OpenRequest {
    fn open(gauge: &Arc<OpenGauge>) -> OpenRequest {
        let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
        gauge.max.fetch_max(now, Ordering::SeqCst);
        OpenRequest {
            gauge: gauge.clone(),
        }
    }
}

impl Drop for OpenRequest {
    fn drop(&mut self) {
        self.gauge.now.fetch_sub(1, Ordering::SeqCst);
    }
}

struct SlowShared {
    served: Mutex<Vec<ServedRequest>>,
    open: Arc<OpenGauge>,
    stopping: AtomicBool,
    /// The number of requests served so far.
    count: watch::Sender<usize>,
}

/// A single-threaded receiver serving one request at a time; stops when dropped.
pub struct SlowReceiver {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    shared: Arc<SlowShared>,
    address: std::net::SocketAddr,
}

impl SlowReceiver {
    /// Starts serving on 127.0.0.1:0, each request taking `service_time`.
    pub fn start(service_time: Duration) -> SlowReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the slow receiver");
        let address = listener.local_addr().unwrap();
        let shared = Arc::new(SlowShared {
            served: Mutex::new(Vec::new()),
            open: Arc::default(),
            stopping: AtomicBool::new(false),
            count: watch::channel(0).0,
        });
        let (queue, waiting) = mpsc::channel::<(TcpStream, Instant, OpenRequest)>();
        let acceptor = shared.clone();
        std::thread::Builder::new()
            .name("slow-receiver-accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if acceptor.stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else {
                        // Out of descriptors: accept fails at once until one is freed, so
                        // back off instead of spinning.
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    };
                    let open = OpenRequest::open(&acceptor.open);
                    if queue.send((stream, Instant::now(), open)).is_err() {
                        return;
                    }
                }
            })
            .expect("spawn the acceptor");
        let worker = shared.clone();
        std::thread::Builder::new()
            .name("slow-receiver-serve".into())
            .spawn(move || {
                while let Ok((stream, arrived, open)) = waiting.recv() {
                    if worker.stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    let served = serve_one(stream, arrived, service_time, open);
                    lock(&worker.served).push(served);
                    worker.count.send_modify(|n| *n += 1);
                }
            })
            .expect("spawn the worker");
        SlowReceiver {
            base: format!("http://{address}"),
            shared,
            address,
        }
    }

    /// The URL of `path` on this receiver (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Everything served so far, in service order.
    pub fn served(&self) -> Vec<ServedRequest> {
        lock(&self.shared.served).clone()
    }

    pub fn count(&self) -> usize {
        *self.shared.count.borrow()
    }

    /// Requests accepted and not yet answered right now.
    pub fn open_now(&self) -> usize {
        self.shared.open.now.load(Ordering::SeqCst)
    }

    /// The most requests that were accepted and not yet answered at one moment.
    pub fn max_open(&self) -> usize {
        self.shared.open.max.load(Ordering::SeqCst)
    }

    /// Waits until `count` requests were served; false if `timeout` passed first.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> bool {
        wait_for_count(&self.shared.count, count, timeout).await
    }
}

impl Drop for SlowReceiver {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor out of `accept` so it sees the flag and drops the queue, which
        // in turn ends the worker after its current request.
        let _ = TcpStream::connect(self.address);
    }
}

/// Reads one request (head and `Content-Length` body), holds it for `service_time`,
/// answers `200` and closes.
/// Serves one request; `open` is given back just before the answer is written — from
/// then on the client can see the answer and start another request, so counting it any
/// longer would show the senders one more open request than they have.
fn serve_one(
    stream: TcpStream,
    arrived: Instant,
    service_time: Duration,
    open: OpenRequest,
) -> ServedRequest {
    let started = Instant::now();
    let mut task_id = None;
    let mut webhook_id = None;
    // A client that sends nothing must not stall the worker for ever.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(&stream);
    let mut content_length = 0usize;
    let mut line = String::new();
    let mut complete = false;
    // The request line, then headers up to the blank line.
    while matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            complete = true;
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            let value = value.trim().to_owned();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => content_length = value.parse().unwrap_or(0),
                "taskshed-task-id" => task_id = Some(value),
                "webhook-id" => webhook_id = Some(value),
                _ => {}
            }
        }
        line.clear();
    }
    let mut body = vec![0u8; content_length];
    complete = complete && reader.read_exact(&mut body).is_ok();
    std::thread::sleep(service_time);
    drop(open);
    let answered = complete
        && (&stream)
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .is_ok();
    ServedRequest {
        arrived,
        started,
        finished: Instant::now(),
        task_id,
        webhook_id,
        answered,
    }
}

async fn wait_for_count(count: &watch::Sender<usize>, at_least: usize, timeout: Duration) -> bool {
    let mut changes = count.subscribe();
    tokio::time::timeout(timeout, changes.wait_for(|n| *n >= at_least))
        .await
        .is_ok_and(|r| r.is_ok())
}

/// One request seen by a [`ConcurrencyProbe`].
#[derive(Debug, Clone)]
pub struct ProbedRequest {
    pub started: Instant,
    pub task_id: Option<String>,
    pub webhook_id: Option<String>,
    /// Requests in flight at the probe once this one had started (itself included).
    pub in_flight_at_start: usize,
}

struct ProbeShared {
    hold: Duration,
    requests: Mutex<Vec<ProbedRequest>>,
    in_flight: Arc<OpenGauge>,
    count: watch::Sender<usize>,
}

/// A receiver that takes any number of requests at once, holds each for a set time, and
/// records how many were in flight together; stops when dropped.
pub struct ConcurrencyProbe {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    shared: Arc<ProbeShared>,
    stop: CancellationToken,
}

impl ConcurrencyProbe {
    /// Starts on 127.0.0.1:0, answering each request `200` after `hold`.
    pub async fn start(hold: Duration) -> ConcurrencyProbe {
        let shared = Arc::new(ProbeShared {
            hold,
            requests: Mutex::new(Vec::new()),
            in_flight: Arc::default(),
            count: watch::channel(0).0,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the concurrency probe");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let token = stop.clone();
        let router = axum::Router::new()
            .fallback(probe_answer)
            .with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await
                .ok();
        });
        ConcurrencyProbe { base, shared, stop }
    }

    /// The URL of `path` on this probe (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Every request that started, in start order.
    pub fn requests(&self) -> Vec<ProbedRequest> {
        lock(&self.shared.requests).clone()
    }

    pub fn count(&self) -> usize {
        *self.shared.count.borrow()
    }

    /// Requests in flight right now.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.now.load(Ordering::SeqCst)
    }

    /// The most requests in flight at one moment.
    pub fn max_in_flight(&self) -> usize {
        self.shared.in_flight.max.load(Ordering::SeqCst)
    }

    /// The most request starts within any window of length `window` (sliding, not aligned
    /// to clock seconds): the figure a rate limit of N per `window` must keep ≤ N.
    pub fn max_starts_within(&self, window: Duration) -> usize {
        let starts: Vec<Instant> = self.requests().iter().map(|r| r.started).collect();
        max_starts_within(&starts, window)
    }

    /// [`Self::max_starts_within`] counting only the requests that started at `since` or
    /// later.
    pub fn max_starts_within_since(&self, window: Duration, since: Instant) -> usize {
        let starts: Vec<Instant> = self
            .requests()
            .iter()
            .map(|r| r.started)
            .filter(|started| *started >= since)
            .collect();
        max_starts_within(&starts, window)
    }

    /// Starts per whole second since the first start (index 0 is the first second).
    pub fn starts_per_second(&self) -> Vec<usize> {
        let requests = self.requests();
        let Some(first) = requests.iter().map(|r| r.started).min() else {
            return Vec::new();
        };
        let mut counts = Vec::new();
        for request in &requests {
            let second = (request.started - first).as_secs() as usize;
            if counts.len() <= second {
                counts.resize(second + 1, 0);
            }
            counts[second] += 1;
        }
        counts
    }

    /// Waits until `count` requests have started; false if `timeout` passed first.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> bool {
        wait_for_count(&self.shared.count, count, timeout).await
    }
}

impl Drop for ConcurrencyProbe {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The largest number of `starts` inside any half-open window `[t, t + window)`.
pub fn max_starts_within(starts: &[Instant], window: Duration) -> usize {
    let mut sorted = starts.to_vec();
    sorted.sort();
    let mut best = 0;
    let mut first = 0;
    for last in 0..sorted.len() {
        while sorted[last] - sorted[first] >= window {
            first += 1;
        }
        best = best.max(last - first + 1);
    }
    best
}

async fn probe_answer(State(shared): State<Arc<ProbeShared>>, headers: HeaderMap) -> &'static str {
    // Dropped when the answer is sent or the client goes away, ending the request either way.
    let _in_flight = OpenRequest::open(&shared.in_flight);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    lock(&shared.requests).push(ProbedRequest {
        started: Instant::now(),
        task_id: header("taskshed-task-id"),
        webhook_id: header("webhook-id"),
        in_flight_at_start: shared.in_flight.now.load(Ordering::SeqCst),
    });
    shared.count.send_modify(|n| *n += 1);
    tokio::time::sleep(shared.hold).await;
    "ok"
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn post(client: &reqwest::Client, url: String, task_id: String) -> reqwest::StatusCode {
        client
            .post(url)
            .header("webhook-id", format!("msg_{task_id}"))
            .header("taskshed-task-id", task_id)
            .body("{}")
            .send()
            .await
            .expect("request")
            .status()
    }

    #[tokio::test]
    async fn slow_receiver_serves_one_at_a_time_and_sees_the_queue() {
        let service = Duration::from_millis(100);
        let receiver = SlowReceiver::start(service);
        let client = reqwest::Client::new();
        let sends = (0..4).map(|i| post(&client, receiver.url("/hook"), format!("t{i}")));
        let statuses = futures_util::future::join_all(sends).await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        assert!(receiver.wait_for(4, Duration::from_secs(2)).await);
        assert_eq!(receiver.count(), 4);
        let served = receiver.served();
        for pair in served.windows(2) {
            assert!(pair[1].started >= pair[0].finished, "overlap: {pair:#?}");
        }
        for request in &served {
            assert!(request.answered);
            assert!(request.finished - request.started >= service);
            let task_id = request.task_id.as_deref().expect("task id recorded");
            assert_eq!(
                request.webhook_id.as_deref(),
                Some(&*format!("msg_{task_id}"))
            );
        }
        let mut task_ids: Vec<_> = served.iter().filter_map(|r| r.task_id.clone()).collect();
        task_ids.sort();
        assert_eq!(task_ids, ["t0", "t1", "t2", "t3"]);
        // Four clients sent at once: while the first was served the others waited.
        assert!(receiver.max_open() >= 2, "max open {}", receiver.max_open());
        assert!(receiver.max_open() <= 4);
        assert_eq!(receiver.open_now(), 0);
        assert!(served.iter().map(ServedRequest::queued).max().unwrap() >= service);
    }

    #[tokio::test]
    async fn concurrency_probe_measures_requests_in_flight_together() {
        let probe = ConcurrencyProbe::start(Duration::from_millis(500)).await;
        let client = reqwest::Client::new();
        let sends = (0..5).map(|i| post(&client, probe.url("/hook"), format!("t{i}")));
        let statuses = futures_util::future::join_all(sends).await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        assert!(probe.wait_for(5, Duration::from_secs(1)).await);
        assert_eq!(probe.count(), 5);
        assert_eq!(probe.max_in_flight(), 5);
        assert_eq!(probe.in_flight(), 0);
        assert_eq!(probe.max_starts_within(Duration::from_secs(1)), 5);
        assert_eq!(probe.starts_per_second(), [5]);
        let requests = probe.requests();
        let mut task_ids: Vec<_> = requests.iter().filter_map(|r| r.task_id.clone()).collect();
        task_ids.sort();
        assert_eq!(task_ids, ["t0", "t1", "t2", "t3", "t4"]);
        assert!(requests.iter().all(|r| r.webhook_id.is_some()));
        assert_eq!(requests.iter().map(|r| r.in_flight_at_start).max(), Some(5));
    }

    #[test]
    fn sliding_windows_are_not_aligned_to_seconds() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // Three late in one clock second and three early in the next: 6 within one second.
        let starts = [at(700), at(800), at(900), at(1100), at(1200), at(1300)];
        assert_eq!(max_starts_within(&starts, Duration::from_secs(1)), 6);
        // The window is half-open: a start exactly one window later is in the next one.
        let edge = [at(0), at(1000)];
        assert_eq!(max_starts_within(&edge, Duration::from_secs(1)), 1);
        assert_eq!(max_starts_within(&[], Duration::from_secs(1)), 0);
    }
}
