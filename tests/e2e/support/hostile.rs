//! Hostile webhook receivers: raw TCP servers on 127.0.0.1:0 that answer with bytes no
//! well-behaved HTTP framework would let us send.
//!
//! The fault suite (issue 12) needs receivers that answer `200` with NUL bytes or invalid
//! UTF-8, send 10 MB bodies or 100 KB of headers, drip a body past any timeout, reset the
//! connection mid-body, speak garbage, hang, or hang up. axum/hyper would refuse or
//! normalise most of these, so each receiver here writes its HTTP/1.1 bytes by hand on a
//! tokio `TcpListener`.
//!
//! Every receiver but [`Hostility::CloseImmediately`] reads one request per connection
//! (head and `Content-Length` body, so the request is recorded even when the answer is
//! hostile) and then misbehaves; all count connections and requests. Well-formed answers carry `connection: close`, so each
//! delivery attempt is its own connection and the counters match attempts one to one.
//! Tests wait on the counters through a `watch` channel, never by sleeping.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The body the NUL receiver answers with (issue 12, problem 1).
pub const NUL_BODY: &[u8] = b"ok\0\0binary";
/// The body the invalid-UTF-8 receiver answers with: a lone continuation byte, a byte never
/// valid in UTF-8, and a truncated two-byte sequence.
pub const INVALID_UTF8_BODY: &[u8] = b"ok \x80 \xff \xc3";
/// Bytes the garbage receiver sends instead of an HTTP response.
pub const GARBAGE: &[u8] = b"\x16\x03\x01\x00\xa5 SSH-2.0-not-http \0\xff\r\n\r\n";
/// The largest request head we read; anything longer is a broken client.
const MAX_REQUEST_HEAD: usize = 64 * 1024;

/// How a [`HostileReceiver`] misbehaves.
#[derive(Debug, Clone)]
pub enum Hostility {
    /// `200` with body [`NUL_BODY`] (`ok\0\0binary`).
    NulBody,
    /// `200` with body [`INVALID_UTF8_BODY`].
    InvalidUtf8,
    /// `200` with a body of this many bytes (10 MB in the fault suite).
    HugeBody { bytes: usize },
    /// `200` declaring a `Content-Length` of `bytes`, then one byte every `every`: the answer
    /// never completes within any sane timeout.
    Drip { every: Duration, bytes: usize },
    /// `200` with about `bytes` of response headers (in lines of at most 8 KB, so the count
    /// of header lines stays below hyper's default limit of 100).
    HugeHeaders { bytes: usize },
    /// Headers and half of the declared `Content-Length`, then a TCP reset (`SO_LINGER` 0).
    ResetMidBody,
    /// [`GARBAGE`] instead of HTTP, then close.
    Garbage,
    /// Reads the request and never answers; the connection stays open until the receiver
    /// is dropped.
    Hang,
    /// Sends FIN as soon as it accepts, without a byte of answer.
    CloseImmediately,
}

impl Hostility {
    /// The sizes issue 12 names: a 10 MB body.
    pub fn ten_megabyte_body() -> Hostility {
        Hostility::HugeBody {
            bytes: 10 * 1024 * 1024,
        }
    }

    /// 100 KB of response headers.
    pub fn hundred_kilobytes_of_headers() -> Hostility {
        Hostility::HugeHeaders { bytes: 100 * 1024 }
    }

    /// One byte every `every` of a 1 KB body.
    pub fn drip(every: Duration) -> Hostility {
        Hostility::Drip { every, bytes: 1024 }
    }
}

/// One request as read off the wire.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// E.g. `POST /hook HTTP/1.1`.
    pub request_line: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn task_id(&self) -> Option<&str> {
        self.header("taskshed-task-id")
    }
}

#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    requests: Mutex<Vec<RawRequest>>,
    /// Bumped on every connection and every request, so waits wake on either.
    changes: watch::Sender<()>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running hostile receiver; stops (and drops every open connection) when dropped.
pub struct HostileReceiver {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    seen: Arc<Seen>,
    stop: CancellationToken,
}

impl HostileReceiver {
    pub async fn start(hostility: Hostility) -> HostileReceiver {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the hostile receiver");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Seen::default());
        let stop = CancellationToken::new();
        tokio::spawn(accept_loop(
            listener,
            hostility.clone(),
            seen.clone(),
            stop.clone(),
        ));
        HostileReceiver { base, seen, stop }
    }

    /// The URL of `path` on this receiver (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.seen.connections.load(Ordering::SeqCst)
    }

    /// Requests read whole so far ([`Hostility::CloseImmediately`] reads none).
    pub fn request_count(&self) -> usize {
        lock(&self.seen.requests).len()
    }

    /// Every request read so far, in arrival order.
    pub fn requests(&self) -> Vec<RawRequest> {
        lock(&self.seen.requests).clone()
    }

    /// Waits until at least `count` connections were accepted; false on timeout.
    pub async fn wait_for_connections(&self, count: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, || self.connections() >= count)
            .await
    }

    /// Waits until at least `count` requests were read; false on timeout.
    pub async fn wait_for_requests(&self, count: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, || self.request_count() >= count)
            .await
    }

    async fn wait_until(&self, timeout: Duration, holds: impl Fn() -> bool) -> bool {
        let mut changes = self.seen.changes.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Mark the current state seen before checking, so no change slips between.
            changes.borrow_and_update();
            if holds() {
                return true;
            }
            if !matches!(
                tokio::time::timeout_at(deadline, changes.changed()).await,
                Ok(Ok(()))
            ) {
                return false;
            }
        }
    }
}

impl Drop for HostileReceiver {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn accept_loop(
    listener: TcpListener,
    hostility: Hostility,
    seen: Arc<Seen>,
    stop: CancellationToken,
) {
    loop {
        let stream = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors: accept fails at once until one is freed, so back off
                // instead of spinning, and keep serving the connections we have.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        seen.connections.fetch_add(1, Ordering::SeqCst);
        seen.changes.send_replace(());
        let (hostility, seen, stop) = (hostility.clone(), seen.clone(), stop.clone());
        tokio::spawn(async move {
            // Whatever the client does, a stopped receiver drops the connection.
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = misbehave(stream, &hostility, &seen) => {}
            }
        });
    }
}

/// Serves one connection the hostile way. I/O errors end it: the client giving up is
/// part of what these receivers provoke.
async fn misbehave(mut stream: TcpStream, hostility: &Hostility, seen: &Seen) -> Option<()> {
    if let Hostility::CloseImmediately = hostility {
        // Half-close our side at once, then drain until the client goes away: the client
        // sees a clean EOF with no answer, never a reset caused by unread request bytes.
        stream.shutdown().await.ok()?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await.ok()? > 0 {}
        return Some(());
    }
    let request = read_request(&mut stream).await?;
    lock(&seen.requests).push(request);
    seen.changes.send_replace(());
    match hostility {
        Hostility::NulBody => write_ok(&mut stream, &[], NUL_BODY).await,
        Hostility::InvalidUtf8 => write_ok(&mut stream, &[], INVALID_UTF8_BODY).await,
        Hostility::HugeBody { bytes } => {
            stream.write_all(&ok_head(&[], *bytes)).await.ok()?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut left = *bytes;
            while left > 0 {
                let n = left.min(chunk.len());
                stream.write_all(&chunk[..n]).await.ok()?;
                left -= n;
            }
            stream.flush().await.ok()
        }
        Hostility::Drip { every, bytes } => {
            stream.write_all(&ok_head(&[], *bytes)).await.ok()?;
            stream.flush().await.ok()?;
            for _ in 0..*bytes {
                // The drip rate is the behaviour under test, not a wait for a condition.
                tokio::time::sleep(*every).await;
                stream.write_all(b"x").await.ok()?;
                stream.flush().await.ok()?;
            }
            Some(())
        }
        Hostility::HugeHeaders { bytes } => {
            let line_value = "h".repeat(8 * 1024);
            let lines = bytes.div_ceil(line_value.len()).max(1);
            let extra: Vec<(String, String)> = (0..lines)
                .map(|i| (format!("x-filler-{i}"), line_value.clone()))
                .collect();
            write_ok(&mut stream, &extra, b"ok").await
        }
        Hostility::ResetMidBody => {
            let declared = 1000;
            stream.write_all(&ok_head(&[], declared)).await.ok()?;
            stream.write_all(&vec![b'x'; declared / 2]).await.ok()?;
            stream.flush().await.ok()?;
            // Linger 0 turns the close into an RST instead of a FIN. (The deprecation is
            // about a non-zero linger blocking the thread on drop; zero never blocks.)
            #[allow(deprecated)]
            stream.set_linger(Some(Duration::ZERO)).ok()?;
            drop(stream);
            Some(())
        }
        Hostility::Garbage => {
            stream.write_all(GARBAGE).await.ok()?;
            stream.shutdown().await.ok()
        }
        Hostility::Hang => {
            // Keep the connection open (and read whatever comes) until the client gives up
            // or the receiver stops.
            let mut sink = [0u8; 4096];
            while stream.read(&mut sink).await.ok()? > 0 {}
            Some(())
        }
        Hostility::CloseImmediately => unreachable!("handled above"),
    }
}

fn ok_head(extra_headers: &[(String, String)], content_length: usize) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: {content_length}\r\n"
    );
    for (name, value) in extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

async fn write_ok(
    stream: &mut TcpStream,
    extra_headers: &[(String, String)],
    body: &[u8],
) -> Option<()> {
    let mut bytes = ok_head(extra_headers, body.len());
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).await.ok()?;
    stream.shutdown().await.ok()
}

/// Reads one HTTP/1.1 request: the head, then a `Content-Length` body. `None` if the
/// client closes first or the head is absurd.
async fn read_request(stream: &mut TcpStream) -> Option<RawRequest> {
    let mut buffer = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(at) = find(&buffer, b"\r\n\r\n") {
            break at;
        }
        if buffer.len() > MAX_REQUEST_HEAD {
            return None;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let content_length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < content_length {
        let mut chunk = vec![0u8; (content_length - body.len()).min(64 * 1024)];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(RawRequest {
        request_line,
        headers,
        body,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends a small POST over a raw socket and returns the socket to read the answer from.
    async fn raw_post(receiver: &HostileReceiver) -> TcpStream {
        let mut stream = TcpStream::connect(receiver.base.trim_start_matches("http://"))
            .await
            .expect("connect");
        stream
            .write_all(
                b"POST /hook HTTP/1.1\r\nhost: x\r\ntaskshed-task-id: t1\r\ncontent-length: 2\r\n\r\n{}",
            )
            .await
            .expect("send the request");
        stream
    }

    /// Reads until EOF; panics after 2 s (every receiver tested this way closes sooner).
    async fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
        let mut bytes = Vec::new();
        tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut bytes))
            .await
            .expect("the receiver closes within 2 s")
            .expect("read the answer");
        bytes
    }

    fn body_of(answer: &[u8]) -> &[u8] {
        let head_end = find(answer, b"\r\n\r\n").expect("a response head");
        &answer[head_end + 4..]
    }

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(Duration::from_millis(500))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn nul_body_bytes_arrive_raw_and_the_request_is_recorded() {
        let receiver = HostileReceiver::start(Hostility::NulBody).await;
        let mut stream = raw_post(&receiver).await;
        let answer = read_to_end(&mut stream).await;
        assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert_eq!(body_of(&answer), b"ok\0\0binary");
        assert!(body_of(&answer).contains(&0));
        let requests = receiver.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].request_line, "POST /hook HTTP/1.1");
        assert_eq!(requests[0].task_id(), Some("t1"));
        assert_eq!(requests[0].body, b"{}");
        assert_eq!(receiver.connections(), 1);
    }

    #[tokio::test]
    async fn invalid_utf8_body_is_a_well_formed_200_that_is_not_text() {
        let receiver = HostileReceiver::start(Hostility::InvalidUtf8).await;
        let response = client().post(receiver.url("/hook")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body = response.bytes().await.unwrap();
        assert_eq!(&body[..], INVALID_UTF8_BODY);
        assert!(std::str::from_utf8(&body).is_err());
    }

    #[tokio::test]
    async fn huge_body_is_ten_megabytes() {
        let receiver = HostileReceiver::start(Hostility::ten_megabyte_body()).await;
        let response = client().get(receiver.url("/")).send().await.unwrap();
        assert_eq!(response.content_length(), Some(10 * 1024 * 1024));
        let body = response.bytes().await.unwrap();
        assert_eq!(body.len(), 10 * 1024 * 1024);
    }

    #[tokio::test]
    async fn drip_has_not_finished_after_twice_the_interval() {
        let every = Duration::from_millis(50);
        let receiver = HostileReceiver::start(Hostility::drip(every)).await;
        let mut stream = raw_post(&receiver).await;
        let mut answer = Vec::new();
        let finished = tokio::time::timeout(every * 2, stream.read_to_end(&mut answer)).await;
        assert!(finished.is_err(), "the drip ended within {:?}", every * 2);
        // What did arrive is the head and at most a few bytes of the 1 KB body.
        let got = body_of(&answer).len();
        assert!(got < 10, "{got} body bytes after {:?}", every * 2);
        assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"));
    }

    #[tokio::test]
    async fn huge_headers_are_over_100_kilobytes() {
        let receiver = HostileReceiver::start(Hostility::hundred_kilobytes_of_headers()).await;
        let mut stream = raw_post(&receiver).await;
        let answer = read_to_end(&mut stream).await;
        let head_len = find(&answer, b"\r\n\r\n").expect("a response head");
        assert!(head_len >= 100 * 1024, "head of {head_len} bytes");
        assert_eq!(body_of(&answer), b"ok");
    }

    #[tokio::test]
    async fn reset_mid_body_is_an_error_for_reqwest() {
        let receiver = HostileReceiver::start(Hostility::ResetMidBody).await;
        let outcome = match client().post(receiver.url("/hook")).send().await {
            Ok(response) => response.bytes().await.map(|_| ()),
            Err(error) => Err(error),
        };
        let error = outcome.expect_err("a reset mid-body must fail the request");
        assert!(!error.is_timeout(), "{error:?}");
        assert_eq!(receiver.request_count(), 1);
    }

    #[tokio::test]
    async fn garbage_is_not_http_to_reqwest() {
        let receiver = HostileReceiver::start(Hostility::Garbage).await;
        let mut stream = raw_post(&receiver).await;
        assert_eq!(read_to_end(&mut stream).await, GARBAGE);
        let error = client()
            .post(receiver.url("/hook"))
            .send()
            .await
            .expect_err("garbage is not a response");
        assert!(!error.is_timeout(), "{error:?}");
        assert_eq!(receiver.request_count(), 2);
    }

    #[tokio::test]
    async fn hang_times_the_client_out_and_keeps_the_connection() {
        let receiver = HostileReceiver::start(Hostility::Hang).await;
        let error = reqwest::Client::builder()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap()
            .post(receiver.url("/hook"))
            .body("{}")
            .send()
            .await
            .expect_err("no answer ever comes");
        assert!(error.is_timeout(), "{error:?}");
        assert!(receiver.wait_for_requests(1, Duration::from_secs(1)).await);
        assert_eq!(receiver.connections(), 1);
    }

    #[tokio::test]
    async fn close_immediately_answers_nothing() {
        let receiver = HostileReceiver::start(Hostility::CloseImmediately).await;
        let mut stream = raw_post(&receiver).await;
        assert!(read_to_end(&mut stream).await.is_empty());
        let error = client()
            .post(receiver.url("/hook"))
            .send()
            .await
            .expect_err("no answer");
        assert!(!error.is_timeout(), "{error:?}");
        assert!(
            receiver
                .wait_for_connections(2, Duration::from_secs(1))
                .await
        );
        assert_eq!(receiver.request_count(), 0);
    }
}
