//! Callbacks: a name that resolves to a webhook endpoint, with its timeout, static headers,
//! retry policy and signing secret — one [`Callback`] type for registration, storage and
//! delivery, built only from parsed parts ([`CallbackUrl`], [`StaticHeaders`]).

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use super::duration::IsoDuration;
use super::flow::FlowLimits;
use super::ids::Id;
use super::retry::RetryPolicy;
use super::secret::SigningSecret;

/// Headers a callback's static `headers` may not set: the protocol headers (they are
/// signed or promised by the API), and those that control HTTP framing or routing, which
/// a caller setting would corrupt the request. Registration refuses them and the sender
/// drops them, from this one list, so nothing accepted at registration is lost at send.
pub const RESERVED_HEADERS: [&str; 18] = [
    "content-type",
    "user-agent",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "taskshed-task-id",
    "taskshed-group-id",
    "taskshed-scheduled-at",
    "taskshed-attempt",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-connection",
];

/// The whole namespace is TaskShed's, including headers it may add later.
pub const RESERVED_PREFIX: &str = "taskshed-";

/// Whether `name` (lowercase, as `HeaderName` keeps it) belongs to TaskShed.
pub fn is_reserved_header(name: &str) -> bool {
    RESERVED_HEADERS.contains(&name) || name.starts_with(RESERVED_PREFIX)
}

/// Longest per-attempt timeout a callback may ask for: leases are derived from it, and a
/// crashed instance's tasks wait that long before another instance takes them.
pub const MAX_TIMEOUT: IsoDuration = IsoDuration::from_secs(300);

/// Default per-attempt timeout.
pub const DEFAULT_TIMEOUT: IsoDuration = IsoDuration::from_secs(10);

/// A registered callback, as the API shows it and delivery uses it.
#[derive(Debug, Clone)]
pub struct Callback {
    pub name: Id,
    pub url: CallbackUrl,
    /// Bounds each whole attempt; `check_timeout` holds at registration.
    pub timeout: IsoDuration,
    pub headers: StaticHeaders,
    pub retry: RetryPolicy,
    pub secret: SigningSecret,
    /// The secret before the last rotation, while its grace period lasts (the store reads
    /// it only then); deliveries are signed with both.
    pub previous_secret: Option<PreviousSecret>,
    /// How much load the receiver is given (`max_concurrency`).
    pub flow: FlowLimits,
}

impl Callback {
    /// The previous secret to sign with as well at `now`, if its grace period still runs.
    /// The store already leaves out one that had expired when it read the row; this keeps
    /// a copy cached by delivery from outliving its grace.
    pub fn previous_secret_at(&self, now: DateTime<Utc>) -> Option<&SigningSecret> {
        self.previous_secret
            .as_ref()
            .filter(|previous| now < previous.expires_at)
            .map(|previous| &previous.secret)
    }
}

/// A rotated-out signing secret and the end of its grace period.
#[derive(Debug, Clone)]
pub struct PreviousSecret {
    pub secret: SigningSecret,
    pub expires_at: DateTime<Utc>,
}

/// How long a rotated-out secret keeps signing when the caller does not say.
pub const DEFAULT_GRACE: IsoDuration = IsoDuration::from_secs(24 * 3600);

/// The longest grace period: two secrets are a transition, not a way to run with both.
pub const MAX_GRACE: IsoDuration = IsoDuration::from_secs(30 * 24 * 3600);

/// Checks the grace period bounds (more than zero, at most [`MAX_GRACE`]).
pub fn check_grace(grace: IsoDuration) -> Result<IsoDuration, String> {
    if grace.as_micros() <= 0 {
        return Err("must be greater than zero".into());
    }
    if grace > MAX_GRACE {
        return Err(format!("must be at most {MAX_GRACE}"));
    }
    Ok(grace)
}

/// A registration: the callback, and whether its secret was given by the caller. A
/// generated secret applies only to a new callback; an existing one keeps its own, so
/// receivers keep verifying.
#[derive(Debug, Clone)]
pub struct Registration {
    pub callback: Callback,
    pub secret_given: bool,
    /// The kwargs contract as registered (JSON Schema text, checked to compile); `None`
    /// removes it. Not part of [`Callback`]: delivery never needs it.
    pub kwargs_schema: Option<String>,
    /// `on_failure` and `disable_after`; written with the callback, not used by delivery.
    pub failure: super::failure_policy::FailurePolicy,
}

/// An absolute `http`/`https` URL with a host, no user-info (credentials in URLs end up
/// in logs; use `headers` instead) and no fragment.
///
/// Parsed once — at the API boundary, or when a stored callback is read — and kept
/// parsed: parsing per attempt cost ~5% of the delivery CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackUrl(reqwest::Url);

impl CallbackUrl {
    /// The message on failure is fit for a 422.
    pub fn parse(raw: &str) -> Result<Self, String> {
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
        Ok(Self(url))
    }

    /// The normalised text, as stored and shown.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn as_url(&self) -> &reqwest::Url {
        &self.0
    }
}

/// The static headers a callback adds to every delivery: valid names (lowercased) and
/// values, none of them reserved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaticHeaders(Vec<(String, String)>);

impl StaticHeaders {
    /// Checks every header; on failure, each bad header's name with why it was refused.
    pub fn parse(headers: BTreeMap<String, String>) -> Result<Self, Vec<(String, String)>> {
        let mut checked = Vec::with_capacity(headers.len());
        let mut refused = Vec::new();
        for (name, value) in headers {
            match parse_header(&name, &value) {
                Ok(pair) => checked.push(pair),
                Err(why) => refused.push((name, why)),
            }
        }
        if refused.is_empty() {
            Ok(Self(checked))
        } else {
            Err(refused)
        }
    }

    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }
}

/// One static header, its name lowercased.
pub fn parse_header(name: &str, value: &str) -> Result<(String, String), String> {
    let header_name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{name:?} is not a valid header name"))?;
    if is_reserved_header(header_name.as_str()) {
        return Err(format!(
            "{name:?} is set by TaskShed and cannot be overridden"
        ));
    }
    reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| format!("the value of {name:?} is not a valid header value"))?;
    // Such a value would be taken for an encrypted one when read back (see `sealed`).
    if super::sealed::is_sealed(value) {
        return Err(format!(
            "the value of {name:?} must not start with `sealed:`"
        ));
    }
    Ok((header_name.as_str().to_owned(), value.to_owned()))
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
        assert!(CallbackUrl::parse("https://example.com/hook").is_ok());
        assert!(CallbackUrl::parse("http://127.0.0.1:9000/x?y=1").is_ok());
        for bad in [
            "/relative",
            "ftp://example.com",
            "https://u:p@example.com",
            "http://",
            "nonsense",
        ] {
            assert!(CallbackUrl::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn reserved_headers_are_refused() {
        assert!(parse_header("Authorization", "Bearer x").is_ok());
        assert!(parse_header("Webhook-Signature", "x").is_err());
        assert!(parse_header("TaskShed-Attempt", "1").is_err());
        assert!(parse_header("bad name", "x").is_err());
        assert!(parse_header("x-ok", "bad\nvalue").is_err());
        // Hop-by-hop and framing headers the sender would drop on every attempt.
        for dropped in ["Keep-Alive", "TE", "Upgrade", "Trailer", "Proxy-Connection"] {
            assert!(parse_header(dropped, "x").is_err(), "{dropped} accepted");
        }
    }
}
