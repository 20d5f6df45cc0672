//! What one delivery attempt produced, as the sender reports it and the retry policy
//! judges it.
//!
//! A leaf module: the sender (which produces outcomes) and the retry rules (which judge
//! them) both import it, and neither imports the other.

use std::time::Duration;

/// Text from the far side (a response body's start, a transport error's message) as it
/// may be recorded: PostgreSQL `text` cannot hold U+0000, and one NUL in a batch of results
/// made the whole statement fail, again at every retry, so no later result was recorded
/// either. NUL becomes U+FFFD, the same mark invalid UTF-8 gets; everything else is kept.
pub fn recordable_text(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{fffd}")
    } else {
        text
    }
}

/// Why an attempt got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttemptError {
    /// The attempt's deadline passed (before or while reading the response).
    #[error("timed out")]
    Timeout,
    /// No connection could be made: DNS, refused, unreachable, TLS handshake.
    #[error("connect error: {0}")]
    Connect(String),
    /// Anything else on the wire: reset, malformed response, body read error.
    #[error("request error: {0}")]
    Other(String),
    /// The request could not be built (e.g. an unusable URL); retrying cannot help.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The egress policy refused every address of the callback's host (API.md, "Egress"):
    /// nothing was sent, and nothing will be until the policy or the URL changes.
    #[error("egress denied: {0}")]
    EgressDenied(String),
}

impl AttemptError {
    /// A stable snake_case tag for storage and metrics.
    pub fn class(&self) -> &'static str {
        match self {
            AttemptError::Timeout => "timeout",
            AttemptError::Connect(_) => "connect",
            AttemptError::Other(_) => "request",
            AttemptError::Invalid(_) => "invalid_request",
            AttemptError::EgressDenied(_) => "egress_denied",
        }
    }
}

/// What one attempt produced.
///
/// `status` is set whenever response headers arrived; `error` is set when something
/// failed, which may be *after* the status (the body read timed out or broke). The
/// status then decides the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub status: Option<u16>,
    pub error: Option<AttemptError>,
    /// From just before sending to the end of reading (or giving up).
    pub duration: Duration,
    /// The start of the response body; `None` when no response or an empty body.
    pub response_prefix: Option<String>,
    /// A parseable `Retry-After` of any response (the policy decides whether it matters).
    pub retry_after: Option<Duration>,
    /// The response asked to end the task (`taskshed-stop: true`, API.md "Receiver
    /// steering"): no more retries, no more occurrences.
    pub stop: bool,
}

/// How a recorded attempt ended, as the history shows it: `superseded` when its
/// instance had lost the claim by the time the result was written.
///
/// Stored in a `text` column with a CHECK; an unknown value read back is a decode error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case", no_pg_array)]
pub enum RecordedOutcome {
    Succeeded,
    Retrying,
    Failed,
    Superseded,
}

// Bound as `text[]` in the finisher's `unnest(…)`.
impl sqlx::postgres::PgHasArrayType for RecordedOutcome {
    fn array_type_info() -> sqlx::postgres::PgTypeInfo {
        <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
    }
}

#[cfg(test)]
mod recordable_text_tests {
    use super::recordable_text;

    #[test]
    fn nul_is_replaced_and_the_rest_kept() {
        assert_eq!(
            recordable_text("ok\0\0binary".into()),
            "ok\u{fffd}\u{fffd}binary"
        );
        assert_eq!(recordable_text("plain €".into()), "plain €");
        assert_eq!(recordable_text(String::new()), "");
    }
}
