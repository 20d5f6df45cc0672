//! Callback request and response bodies, and their conversion into checked domain values.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

use super::task_dto::Errors;
use crate::domain::callback::{
    check_header, check_timeout, check_url, NewCallback, RetrySettings, DEFAULT_TIMEOUT,
    MAX_ATTEMPTS_LIMIT,
};
use crate::domain::duration::IsoDuration;
use crate::domain::ids::Id;
use crate::domain::time::format_instant;
use crate::error::FieldError;
use crate::store::callbacks::CallbackRow;

/// Extra static request headers sent with every delivery, name → value. TaskShed's own
/// headers (`content-type`, `user-agent`, `webhook-*`, `taskshed-*`, hop-by-hop) cannot
/// be overridden.
#[derive(ToSchema)]
#[schema(example = json!({"authorization": "Bearer s3cr3t"}))]
#[allow(dead_code)] // Describes the schema only.
pub struct Headers(BTreeMap<String, String>);

/// How failed deliveries are retried. Every field is optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Attempts per occurrence, 1–100 (default 8).
    #[serde(default)]
    #[schema(nullable = false)]
    pub max_attempts: Option<i32>,
    /// Wait before the second attempt; doubles each time (default `PT5S`).
    #[serde(default)]
    #[schema(format = Duration, example = "PT5S", nullable = false)]
    pub initial_backoff: Option<String>,
    /// Longest wait between attempts (default `PT1H`).
    #[serde(default)]
    #[schema(format = Duration, example = "PT1H", nullable = false)]
    pub max_backoff: Option<String>,
}

/// Body of `PUT /v1/callbacks/{name}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://example.com/hooks/reminders",
    "timeout": "PT10S",
    "headers": {"authorization": "Bearer s3cr3t"},
    "retry": {"max_attempts": 5, "initial_backoff": "PT1S", "max_backoff": "PT5M"}
}))]
pub struct CallbackSpec {
    /// Absolute `http`/`https` URL, without user-info.
    #[schema(example = "https://example.com/hooks/reminders")]
    pub url: String,
    /// Per-attempt timeout, at most `PT5M` (default `PT10S`).
    #[serde(default)]
    #[schema(format = Duration, example = "PT10S", nullable = false)]
    pub timeout: Option<String>,
    /// Extra static request headers. TaskShed's own headers cannot be overridden.
    #[serde(default)]
    #[schema(value_type = Option<Headers>, nullable = false)]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default)]
    #[schema(nullable = false)]
    pub retry: Option<RetrySpec>,
    /// Standard Webhooks signing secret `whsec_<base64>`. Generated for a new callback when
    /// absent; an existing callback re-registered without one keeps its secret.
    #[serde(default)]
    #[schema(nullable = false)]
    pub secret: Option<String>,
}

impl CallbackSpec {
    pub fn into_new_callback(self, name: Id) -> Result<NewCallback, Vec<FieldError>> {
        let mut errors = Errors::new("");
        let url = errors.check("url", check_url(&self.url));
        let timeout = match self.timeout.as_deref() {
            None => Some(DEFAULT_TIMEOUT),
            Some(raw) => errors
                .check("timeout", IsoDuration::parse(raw))
                .and_then(|t| errors.check("timeout", check_timeout(t))),
        };
        let mut headers = Vec::new();
        for (header, value) in self.headers.unwrap_or_default() {
            if let Some(pair) =
                errors.check(&format!("headers.{header}"), check_header(&header, &value))
            {
                headers.push(pair);
            }
        }
        let retry = read_retry(&mut errors, self.retry.unwrap_or_default());
        if let Some(secret) = &self.secret {
            errors.check(
                "secret",
                crate::delivery::signing::SigningSecret::parse(secret)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            );
        }
        match (url, timeout) {
            (Some(url), Some(timeout)) if errors.list.is_empty() => Ok(NewCallback {
                name,
                url,
                timeout,
                headers,
                retry,
                secret: self.secret,
            }),
            _ => Err(errors.list),
        }
    }
}

fn read_retry(errors: &mut Errors, spec: RetrySpec) -> RetrySettings {
    let defaults = RetrySettings::default();
    let max_attempts = match spec.max_attempts {
        Some(n) if (1..=MAX_ATTEMPTS_LIMIT).contains(&n) => n,
        Some(_) => {
            errors.push(
                "retry.max_attempts",
                format!("must be from 1 to {MAX_ATTEMPTS_LIMIT}"),
            );
            defaults.max_attempts
        }
        None => defaults.max_attempts,
    };
    let mut backoff = |field: &str, raw: Option<&str>, default: IsoDuration| match raw {
        None => default,
        Some(raw) => errors
            .check(field, IsoDuration::parse(raw))
            .unwrap_or(default),
    };
    let initial_backoff = backoff(
        "retry.initial_backoff",
        spec.initial_backoff.as_deref(),
        defaults.initial_backoff,
    );
    let max_backoff = backoff(
        "retry.max_backoff",
        spec.max_backoff.as_deref(),
        defaults.max_backoff.max(initial_backoff),
    );
    if max_backoff < initial_backoff {
        errors.push(
            "retry.max_backoff",
            "must not be shorter than initial_backoff",
        );
    }
    RetrySettings {
        max_attempts,
        initial_backoff,
        max_backoff,
    }
}

/// The retry policy as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetryPolicy {
    pub max_attempts: i32,
    #[schema(format = Duration)]
    pub initial_backoff: String,
    #[schema(format = Duration)]
    pub max_backoff: String,
}

/// A registered callback.
#[derive(Debug, Serialize, ToSchema)]
pub struct Callback {
    pub name: String,
    #[schema(example = "https://example.com/hooks/reminders")]
    pub url: String,
    #[schema(format = Duration)]
    pub timeout: String,
    #[schema(value_type = Headers)]
    pub headers: BTreeMap<String, String>,
    pub retry: RetryPolicy,
    /// The Standard Webhooks signing secret receivers verify with.
    pub secret: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<CallbackRow> for Callback {
    fn from(row: CallbackRow) -> Self {
        Callback {
            name: row.name,
            url: row.url,
            timeout: IsoDuration::from_micros(row.timeout_us).to_string(),
            headers: row.headers.0,
            retry: RetryPolicy {
                max_attempts: row.max_attempts,
                initial_backoff: IsoDuration::from_micros(row.initial_backoff_us).to_string(),
                max_backoff: IsoDuration::from_micros(row.max_backoff_us).to_string(),
            },
            secret: row.secret,
            created_at: format_instant(&row.created_at),
            updated_at: format_instant(&row.updated_at),
        }
    }
}

/// A page of callbacks, in name order.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackPage {
    pub callbacks: Vec<Callback>,
    pub next_cursor: Option<String>,
}
