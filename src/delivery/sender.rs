//! The HTTP side of a delivery: one shared keep-alive client, and one signed `POST`
//! per attempt whose result is reported as an [`AttemptOutcome`].
//!
//! This module decides nothing about retries (see `domain::retry`); it only makes the
//! request exactly as the API promises and measures what came back.
//!
//! Limits, and why:
//! - Redirects are never followed: the signature covers the body, not the URL, and
//!   following would let a receiver bounce deliveries to arbitrary hosts.
//! - The callback's `timeout` bounds the whole attempt — connect, request, response
//!   headers and reading the (capped) body — through one deadline.
//! - At most `body_cap` bytes (64 KiB by default) of the response are read. A body
//!   that ends within the cap is drained so the connection can go back to the pool;
//!   a longer one is abandoned, which closes that connection instead of downloading
//!   an arbitrarily large body. Only the first `stored_prefix` bytes (1 KiB) are
//!   kept, cut at a UTF-8 character boundary and decoded lossily.
//! - Egress (API.md, "Egress"): the client resolves host names through the
//!   [`EgressResolver`](crate::egress_resolver::EgressResolver), which refuses forbidden
//!   addresses at connect time, and ignores proxy variables (a proxy would connect on our
//!   behalf, unchecked); a literal IP in the URL never reaches a resolver, so each send
//!   checks it first. Either refusal is [`AttemptError::EgressDenied`]: nothing is sent.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use tokio::time::Instant;

use super::signing::signature_header;
use crate::domain::attempt::{recordable_text, AttemptError, AttemptOutcome};
use crate::domain::callback::is_reserved_header;
use crate::domain::egress::{check_url_host, EgressPolicy};
use crate::domain::retry::parse_retry_after;
use crate::domain::secret::SigningSecret;
use crate::egress_resolver::{find_egress_denied, guard_client};

/// `taskshed/<crate version>`, the value `Sender::new` is meant to be given.
pub const DEFAULT_USER_AGENT: &str = concat!("taskshed/", env!("CARGO_PKG_VERSION"));
/// Response bytes read at most per attempt.
pub const DEFAULT_BODY_CAP: usize = 64 * 1024;
/// Response bytes kept for the attempt record.
pub const DEFAULT_STORED_PREFIX: usize = 1024;
/// Idle connections kept per receiver host: enough for ~256 concurrent deliveries
/// to one receiver to reuse their connections (HTTP/1.1: one request per connection).
const MAX_IDLE_PER_HOST: usize = 256;
/// Longest error message kept; transport error chains are short, but unbounded text
/// has no place in an attempt record.
const MAX_ERROR_LEN: usize = 512;

pub const HEADER_WEBHOOK_ID: &str = "webhook-id";
pub const HEADER_WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_WEBHOOK_SIGNATURE: &str = "webhook-signature";
pub const HEADER_TASK_ID: &str = "taskshed-task-id";
pub const HEADER_GROUP_ID: &str = "taskshed-group-id";
pub const HEADER_SCHEDULED_AT: &str = "taskshed-scheduled-at";
pub const HEADER_ATTEMPT: &str = "taskshed-attempt";

/// Everything one attempt needs. Borrowed, so the delivery loop builds it per attempt
/// without cloning the body or the headers.
#[derive(Clone, Copy)]
pub struct DeliveryRequest<'a> {
    /// Parsed once per callback: parsing per attempt cost ~5% of the delivery CPU.
    pub url: &'a reqwest::Url,
    /// The task's `kwargs` exactly as stored; signed and sent byte for byte.
    pub body: &'a [u8],
    /// Unique per occurrence, identical across its retries, without `.`.
    pub webhook_id: &'a str,
    pub task_id: &'a str,
    pub group_id: Option<&'a str>,
    pub scheduled_at: DateTime<Utc>,
    /// 1-based.
    pub attempt: u32,
    pub secret: &'a SigningSecret,
    /// A rotated-out secret still in its grace period: the request is signed with both.
    pub previous_secret: Option<&'a SigningSecret>,
    pub timeout: Duration,
    /// The callback's static headers; invalid or reserved ones are skipped.
    pub extra_headers: &'a [(String, String)],
    /// Unix seconds for `webhook-timestamp`, passed in so tests can pin it.
    pub now_unix: i64,
}

// Hand-written: the URL and the extra header values may hold credentials, so only
// identifiers are shown.
impl std::fmt::Debug for DeliveryRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryRequest")
            .field("webhook_id", &self.webhook_id)
            .field("task_id", &self.task_id)
            .field("group_id", &self.group_id)
            .field("scheduled_at", &self.scheduled_at)
            .field("attempt", &self.attempt)
            .field("timeout", &self.timeout)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// The response header by which a receiver ends its task (API.md "Receiver steering").
pub const STOP_HEADER: &str = "taskshed-stop";

/// Sends deliveries over one shared, pooled HTTP client. Cheap to share (`Arc` or
/// `&`); `reqwest::Client` is itself reference-counted.
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
    /// For literal-IP URLs, which the client's resolver never sees.
    egress: Arc<EgressPolicy>,
    user_agent: HeaderValue,
    body_cap: usize,
    stored_prefix: usize,
}

impl Sender {
    /// A sender with the default caps (64 KiB read, 1 KiB kept) that connects only where
    /// `egress` allows.
    pub fn new(user_agent: &str, egress: Arc<EgressPolicy>) -> anyhow::Result<Self> {
        Self::with_limits(user_agent, egress, DEFAULT_BODY_CAP, DEFAULT_STORED_PREFIX)
    }

    /// A sender with explicit caps; `stored_prefix` is bounded by `body_cap`.
    pub fn with_limits(
        user_agent: &str,
        egress: Arc<EgressPolicy>,
        body_cap: usize,
        stored_prefix: usize,
    ) -> anyhow::Result<Self> {
        let user_agent =
            HeaderValue::from_str(user_agent).context("user agent is not a valid header value")?;
        let client = guard_client(reqwest::Client::builder(), egress.clone())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent.clone())
            // No client-wide timeout: each attempt carries its callback's own deadline.
            .pool_max_idle_per_host(MAX_IDLE_PER_HOST)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()
            .context("building the webhook HTTP client")?;
        Ok(Self {
            client,
            egress,
            user_agent,
            body_cap,
            stored_prefix: stored_prefix.min(body_cap),
        })
    }

    /// Makes one attempt. Never fails: every problem is described in the outcome.
    pub async fn send(&self, req: &DeliveryRequest<'_>) -> AttemptOutcome {
        let started = Instant::now();
        // One deadline for both phases, so a receiver that answers quickly but then
        // trickles its body cannot stretch the attempt past its timeout.
        let deadline = started + req.timeout;
        let mut outcome = AttemptOutcome {
            status: None,
            error: None,
            duration: Duration::ZERO,
            response_prefix: None,
            retry_after: None,
            stop: false,
        };
        if let Err(denied) = check_url_host(req.url, &self.egress) {
            outcome.error = Some(AttemptError::EgressDenied(denied.to_string()));
            outcome.duration = started.elapsed();
            return outcome;
        }

        let signature = signature_header(
            req.secret,
            req.previous_secret,
            req.webhook_id,
            req.now_unix,
            req.body,
        );
        let headers = request_headers(req, &signature, &self.user_agent);
        let request = self
            .client
            .post(req.url.clone())
            .headers(headers)
            // One copy of the body per attempt; kwargs are small and this keeps the
            // request type free of a `bytes` dependency.
            .body(req.body.to_vec());

        match tokio::time::timeout_at(deadline, request.send()).await {
            Err(_) => outcome.error = Some(AttemptError::Timeout),
            Ok(Err(err)) => outcome.error = Some(attempt_error(err)),
            Ok(Ok(response)) => {
                outcome.status = Some(response.status().as_u16());
                outcome.retry_after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| parse_retry_after(value, Utc::now()));
                outcome.stop = response
                    .headers()
                    .get(STOP_HEADER)
                    .and_then(|value| value.to_str().ok())
                    .is_some_and(crate::domain::flow::asks_to_stop);
                let (prefix, error) = self.read_capped(response, deadline).await;
                outcome.response_prefix = (!prefix.is_empty()).then(|| utf8_prefix(&prefix));
                outcome.error = error;
            }
        }
        outcome.duration = started.elapsed();
        outcome
    }

    /// Reads at most `body_cap` bytes before `deadline`, keeping the first
    /// `stored_prefix`. Returns early (dropping, and so closing, the connection) once
    /// the cap is reached.
    async fn read_capped(
        &self,
        mut response: reqwest::Response,
        deadline: Instant,
    ) -> (Vec<u8>, Option<AttemptError>) {
        let mut kept = Vec::with_capacity(self.stored_prefix.min(8 * 1024));
        let mut read = 0usize;
        while read < self.body_cap {
            match tokio::time::timeout_at(deadline, response.chunk()).await {
                Err(_) => return (kept, Some(AttemptError::Timeout)),
                Ok(Err(err)) => return (kept, Some(attempt_error(err))),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    let room = self.stored_prefix.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    read = read.saturating_add(chunk.len());
                }
            }
        }
        (kept, None)
    }
}

/// The same rule as registration's (`domain::callback`), from the same list: a header
/// skipped here was refused there, so only a hand-edited row loses one.
fn is_reserved(name: &HeaderName) -> bool {
    is_reserved_header(name.as_str())
}

/// The full header set of one attempt. Extra headers go in first and protocol
/// headers are `insert`ed after, so the signed/protocol values always win; reserved
/// and invalid extra headers are skipped (never a panic).
fn request_headers(
    req: &DeliveryRequest<'_>,
    signature: &str,
    user_agent: &HeaderValue,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in req.extra_headers {
        let parsed = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        );
        match parsed {
            (Ok(name), Ok(value)) if !is_reserved(&name) => {
                headers.append(name, value);
            }
            // Registration validates headers, so reaching here means a bug or an old
            // row; log the name only, since values may be credentials.
            _ => tracing::warn!(header = %name, "skipping reserved or invalid callback header"),
        }
    }

    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, user_agent.clone());
    let mut protocol = |name: &'static str, value: &str| {
        // Ids are validated upstream; an id that is not a valid header value is
        // skipped rather than panicking, and the receiver will reject the request.
        match HeaderValue::from_str(value) {
            Ok(value) => {
                headers.insert(HeaderName::from_static(name), value);
            }
            Err(_) => tracing::warn!(header = name, "protocol header value is not sendable"),
        }
    };
    protocol(HEADER_WEBHOOK_ID, req.webhook_id);
    protocol(HEADER_WEBHOOK_TIMESTAMP, &req.now_unix.to_string());
    protocol(HEADER_WEBHOOK_SIGNATURE, signature);
    protocol(HEADER_TASK_ID, req.task_id);
    if let Some(group_id) = req.group_id {
        protocol(HEADER_GROUP_ID, group_id);
    }
    protocol(HEADER_SCHEDULED_AT, &format_scheduled_at(req.scheduled_at));
    protocol(HEADER_ATTEMPT, &req.attempt.to_string());
    headers
}

/// RFC 3339 in UTC with `Z`: whole seconds when the sub-second part is zero at
/// microsecond precision (PostgreSQL's), otherwise exactly six fractional digits.
pub fn format_scheduled_at(at: DateTime<Utc>) -> String {
    let micros = at.nanosecond() / 1_000;
    if micros == 0 {
        at.to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        // Truncate to microseconds first, so nanoseconds never leak into the digits.
        let truncated = at.with_nanosecond(micros * 1_000).unwrap_or(at);
        truncated.to_rfc3339_opts(SecondsFormat::Micros, true)
    }
}

/// Decodes `bytes` lossily, first dropping an incomplete character at the end (the
/// cut of a prefix), so a truncated body does not end in a replacement character.
pub fn utf8_prefix(bytes: &[u8]) -> String {
    let cut = match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        // `error_len() == None` means the input ended inside a character.
        Err(err) if err.error_len().is_none() => err.valid_up_to(),
        Err(_) => incomplete_tail_start(bytes),
    };
    recordable_text(String::from_utf8_lossy(&bytes[..cut]).into_owned())
}

/// For input that is invalid somewhere before its end, where a trailing incomplete
/// character (if any) starts; otherwise the length.
fn incomplete_tail_start(bytes: &[u8]) -> usize {
    // A UTF-8 character is at most 4 bytes: look back for its lead byte.
    for back in 1..=bytes.len().min(4) {
        let start = bytes.len() - back;
        let byte = bytes[start];
        if byte & 0b1100_0000 == 0b1000_0000 {
            continue; // continuation byte
        }
        let needed = match byte {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if needed > back { start } else { bytes.len() };
    }
    bytes.len()
}

/// Maps a reqwest error to the stable classes, keeping its cause chain (not the URL,
/// which may carry credentials in its query).
fn attempt_error(err: reqwest::Error) -> AttemptError {
    let err = err.without_url();
    // Before the generic classes: a refusal by the resolver surfaces as a connect error.
    if let Some(denied) = find_egress_denied(&err) {
        return AttemptError::EgressDenied(recordable_text(denied.detail()));
    }
    let message = error_chain(&err);
    if err.is_timeout() {
        AttemptError::Timeout
    } else if err.is_builder() {
        AttemptError::Invalid(message)
    } else if err.is_connect() {
        AttemptError::Connect(message)
    } else {
        AttemptError::Other(message)
    }
}

fn error_chain(err: &dyn StdError) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // hyper and reqwest sometimes repeat the cause in the outer message.
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    if message.len() > MAX_ERROR_LEN {
        let mut end = MAX_ERROR_LEN;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
    }
    recordable_text(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::callback::RESERVED_HEADERS;
    use chrono::TimeZone;

    fn secret() -> SigningSecret {
        SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("valid secret")
    }

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .expect("valid instant")
    }

    #[test]
    fn scheduled_at_format() {
        let whole = at(2025, 3, 14, 14, 0, 0);
        assert_eq!(format_scheduled_at(whole), "2025-03-14T14:00:00Z");
        let micros = whole.with_nanosecond(123_456_000).expect("valid");
        assert_eq!(format_scheduled_at(micros), "2025-03-14T14:00:00.123456Z");
        let millis = whole.with_nanosecond(500_000_000).expect("valid");
        assert_eq!(format_scheduled_at(millis), "2025-03-14T14:00:00.500000Z");
        let nanos = whole.with_nanosecond(123_456_789).expect("valid");
        assert_eq!(format_scheduled_at(nanos), "2025-03-14T14:00:00.123456Z");
        let sub_micro = whole.with_nanosecond(999).expect("valid");
        assert_eq!(format_scheduled_at(sub_micro), "2025-03-14T14:00:00Z");
    }

    #[test]
    fn utf8_prefix_cuts_at_char_boundaries() {
        assert_eq!(utf8_prefix(b"plain"), "plain");
        assert_eq!(utf8_prefix(b""), "");
        let text = "ab€"; // € is 3 bytes
        let bytes = text.as_bytes();
        assert_eq!(utf8_prefix(&bytes[..4]), "ab");
        assert_eq!(utf8_prefix(&bytes[..3]), "ab");
        assert_eq!(utf8_prefix(bytes), "ab€");
        // Invalid in the middle: replaced; incomplete at the end: dropped.
        assert_eq!(utf8_prefix(b"a\xffb\xe2\x82"), "a\u{fffd}b");
        assert_eq!(utf8_prefix(b"a\xffb\xe2\x82\xac"), "a\u{fffd}b€");
        assert_eq!(utf8_prefix(b"a\xff\x80"), "a\u{fffd}\u{fffd}");
        assert_eq!(utf8_prefix("😀".as_bytes()), "😀");
        // NUL cannot be stored in PostgreSQL text: replaced like invalid bytes.
        assert_eq!(utf8_prefix(b"ok\0\0binary"), "ok\u{fffd}\u{fffd}binary");
        assert_eq!(utf8_prefix(&"x😀".as_bytes()[..4]), "x");
    }

    fn request<'a>(
        url: &'a reqwest::Url,
        secret: &'a SigningSecret,
        extra: &'a [(String, String)],
    ) -> DeliveryRequest<'a> {
        DeliveryRequest {
            url,
            body: br#"{"a":1}"#,
            webhook_id: "msg_abc",
            task_id: "task-1",
            group_id: None,
            scheduled_at: at(2025, 3, 14, 14, 0, 0),
            attempt: 2,
            secret,
            previous_secret: None,
            timeout: Duration::from_secs(1),
            extra_headers: extra,
            now_unix: 1_700_000_000,
        }
    }

    #[test]
    fn protocol_headers_win_and_bad_extras_are_skipped() {
        let secret = secret();
        let extra: Vec<(String, String)> = [
            ("Authorization", "Bearer t"),
            ("X-Multi", "one"),
            ("x-multi", "two"),
            ("Content-Type", "text/plain"),
            ("User-Agent", "evil"),
            ("Webhook-Signature", "v1,forged"),
            ("taskshed-attempt", "99"),
            ("taskshed-group-id", "forged"),
            ("TaskShed-Future", "x"),
            ("Host", "elsewhere"),
            ("Content-Length", "0"),
            ("bad name", "x"),
            ("", "x"),
            ("x-newline", "a\r\nb"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        let url = reqwest::Url::parse("http://127.0.0.1:9/hook").unwrap();
        let req = request(&url, &secret, &extra);
        let ua = HeaderValue::from_static("taskshed/test");
        let headers = request_headers(&req, "v1,real", &ua);

        assert_eq!(headers["authorization"], "Bearer t");
        let multi: Vec<_> = headers.get_all("x-multi").iter().collect();
        assert_eq!(multi, ["one", "two"]);
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["user-agent"], "taskshed/test");
        assert_eq!(headers["webhook-signature"], "v1,real");
        assert_eq!(headers["webhook-id"], "msg_abc");
        assert_eq!(headers["webhook-timestamp"], "1700000000");
        assert_eq!(headers["taskshed-task-id"], "task-1");
        assert_eq!(headers["taskshed-attempt"], "2");
        assert_eq!(headers["taskshed-scheduled-at"], "2025-03-14T14:00:00Z");
        // Not set by the task, and the extra header trying to set it was dropped.
        assert!(headers.get("taskshed-group-id").is_none());
        assert!(headers.get("taskshed-future").is_none());
        assert!(headers.get("host").is_none());
        assert!(headers.get("content-length").is_none());
        assert!(headers.get("x-newline").is_none());
        for name in RESERVED_HEADERS {
            assert!(headers.get_all(name).iter().count() <= 1, "{name}");
        }
    }

    #[test]
    fn every_protocol_header_is_reserved() {
        // The domain list is written out by name; this keeps it in step with the sender.
        for name in [
            HEADER_WEBHOOK_ID,
            HEADER_WEBHOOK_TIMESTAMP,
            HEADER_WEBHOOK_SIGNATURE,
            HEADER_TASK_ID,
            HEADER_GROUP_ID,
            HEADER_SCHEDULED_AT,
            HEADER_ATTEMPT,
            CONTENT_TYPE.as_str(),
            USER_AGENT.as_str(),
        ] {
            assert!(is_reserved_header(name), "{name}");
        }
    }

    #[test]
    fn debug_hides_url_and_header_values() {
        let secret = secret();
        let extra = vec![("authorization".to_string(), "Bearer hunter2".to_string())];
        let url = reqwest::Url::parse("http://127.0.0.1:9/hook").unwrap();
        let shown = format!("{:?}", request(&url, &secret, &extra));
        assert!(
            !shown.contains("hunter2") && !shown.contains("127.0.0.1"),
            "{shown}"
        );
        assert!(shown.contains("task-1"), "{shown}");
    }

    #[test]
    fn error_classes_are_stable() {
        assert_eq!(AttemptError::Timeout.class(), "timeout");
        assert_eq!(AttemptError::Connect(String::new()).class(), "connect");
        assert_eq!(AttemptError::Other(String::new()).class(), "request");
        assert_eq!(
            AttemptError::Invalid(String::new()).class(),
            "invalid_request"
        );
    }

    #[test]
    fn default_user_agent_is_taskshed() {
        assert!(DEFAULT_USER_AGENT.starts_with("taskshed/"));
        let egress = Arc::new(EgressPolicy::default());
        assert!(Sender::new(DEFAULT_USER_AGENT, egress.clone()).is_ok());
        assert!(Sender::new("bad\nagent", egress).is_err());
    }

    /// A listener that counts accepted connections (and never answers).
    async fn counting_listener() -> (
        u16,
        Arc<std::sync::atomic::AtomicUsize>,
        tokio::task::JoinHandle<()>,
    ) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                held.push(stream);
            }
        });
        (port, accepted, task)
    }

    #[tokio::test]
    async fn refused_destinations_are_egress_denied_and_never_connected() {
        use crate::domain::egress::EgressMode;
        let (port, accepted, listener) = counting_listener().await;
        let public = Arc::new(EgressPolicy::new(EgressMode::Public, vec![], vec![]));
        let sender = Sender::new(DEFAULT_USER_AGENT, public).unwrap();
        let secret = secret();
        // A literal IP (never seen by the resolver) and a name (refused by the resolver).
        for (host, expected) in [
            ("127.0.0.1", "127.0.0.1 is in 127.0.0.0/8 (loopback"),
            ("localhost", "localhost resolves only to refused addresses"),
        ] {
            let url = reqwest::Url::parse(&format!("http://{host}:{port}/hook")).unwrap();
            let outcome = sender.send(&request(&url, &secret, &[])).await;
            let Some(AttemptError::EgressDenied(detail)) = &outcome.error else {
                panic!("{host}: {outcome:?}");
            };
            assert!(detail.starts_with(expected), "{host}: {detail}");
            assert_eq!(outcome.status, None);
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 0);
        listener.abort();
    }
}
