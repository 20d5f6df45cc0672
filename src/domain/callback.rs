//! Callbacks: a name that resolves to a webhook endpoint, with its timeout, static headers,
//! retry policy and signing secret.

use super::duration::IsoDuration;
use super::ids::Id;

/// Header names TaskShed sets itself on every delivery; a callback may not override them,
/// because receivers rely on them for signature checks and deduplication.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "user-agent",
    "host",
    "connection",
    "transfer-encoding",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];
const RESERVED_PREFIX: &str = "taskshed-";

/// Longest per-attempt timeout a callback may ask for: leases are derived from it, and a
/// crashed instance's tasks wait that long before another instance takes them.
pub const MAX_TIMEOUT: IsoDuration = IsoDuration::from_secs(300);
/// Highest `max_attempts`.
pub const MAX_ATTEMPTS_LIMIT: i32 = 100;

/// How failed attempts of one occurrence are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    pub max_attempts: i32,
    pub initial_backoff: IsoDuration,
    pub max_backoff: IsoDuration,
}

impl Default for RetrySettings {
    /// Eight attempts, 5 s doubling to at most 1 h: about ten minutes of retries, enough to
    /// ride out a deploy or a short outage of the receiver.
    fn default() -> Self {
        Self {
            max_attempts: 8,
            initial_backoff: IsoDuration::from_secs(5),
            max_backoff: IsoDuration::from_secs(3600),
        }
    }
}

/// Default per-attempt timeout.
pub const DEFAULT_TIMEOUT: IsoDuration = IsoDuration::from_secs(10);

/// A callback ready to be written.
#[derive(Debug, Clone)]
pub struct NewCallback {
    pub name: Id,
    pub url: String,
    pub timeout: IsoDuration,
    pub headers: Vec<(String, String)>,
    pub retry: RetrySettings,
    /// A `whsec_…` secret; `None` keeps the current one (or generates one for a new callback).
    pub secret: Option<String>,
}

/// An absolute `http`/`https` URL with a host and no user-info (credentials in URLs end up
/// in logs; use `headers` instead).
pub fn check_url(raw: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(raw).map_err(|e| format!("is not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme {:?} is not http or https", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain user-info; send credentials in `headers`".into());
    }
    if url.fragment().is_some() {
        return Err("must not contain a #fragment".into());
    }
    Ok(url.to_string())
}

/// A static header a callback adds to every delivery.
pub fn check_header(name: &str, value: &str) -> Result<(String, String), String> {
    let header_name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{name:?} is not a valid header name"))?;
    let lower = header_name.as_str();
    if RESERVED_HEADERS.contains(&lower) || lower.starts_with(RESERVED_PREFIX) {
        return Err(format!(
            "{name:?} is set by TaskShed and cannot be overridden"
        ));
    }
    reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| format!("the value of {name:?} is not a valid header value"))?;
    Ok((lower.to_owned(), value.to_owned()))
}

/// Checks the timeout bounds.
pub fn check_timeout(timeout: IsoDuration) -> Result<IsoDuration, String> {
    if timeout.as_micros() <= 0 {
        return Err("must be greater than zero".into());
    }
    if timeout > MAX_TIMEOUT {
        return Err(format!("must be at most {MAX_TIMEOUT}"));
    }
    Ok(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_http_without_credentials() {
        assert!(check_url("https://example.com/hook").is_ok());
        assert!(check_url("http://127.0.0.1:9000/x?y=1").is_ok());
        for bad in [
            "/relative",
            "ftp://example.com",
            "https://u:p@example.com",
            "http://",
            "nonsense",
        ] {
            assert!(check_url(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn reserved_headers_are_refused() {
        assert!(check_header("Authorization", "Bearer x").is_ok());
        assert!(check_header("Webhook-Signature", "x").is_err());
        assert!(check_header("TaskShed-Attempt", "1").is_err());
        assert!(check_header("bad name", "x").is_err());
        assert!(check_header("x-ok", "bad\nvalue").is_err());
    }
}
