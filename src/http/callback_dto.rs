//! Callback request and response bodies, and their conversion into checked domain values.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use utoipa::ToSchema;

use super::task_dto::Errors;
use crate::domain::callback::{
    check_grace, check_timeout, Callback as DomainCallback, CallbackUrl, Registration,
    StaticHeaders, DEFAULT_GRACE, DEFAULT_TIMEOUT,
};
use crate::domain::duration::IsoDuration;
use crate::domain::failure_policy::{check_disable_after, FailurePolicy};
use crate::domain::flow::{check_max_concurrency, FlowLimits, RateLimit, DEFAULT_MAX_CONCURRENCY};
use crate::domain::ids::Id;
use crate::domain::limits::{MAX_HEADER_VALUE_BYTES, MAX_STATIC_HEADERS};
use crate::domain::retry::{RetryPolicy as DomainRetryPolicy, MAX_ATTEMPTS_LIMIT};
use crate::domain::secret::SigningSecret;
use crate::domain::time::format_instant;
use crate::error::FieldError;
use crate::store::callbacks::StoredCallback;

/// Extra static request headers sent with every delivery, name → value: at most 32, each
/// value at most 4 KiB. TaskShed's own headers (`content-type`, `user-agent`, `webhook-*`,
/// `taskshed-*`, hop-by-hop) cannot be overridden. Values are write-only: answers show
/// `"[redacted]"`.
#[derive(ToSchema)]
#[schema(example = json!({"authorization": "Bearer s3cr3t"}))]
#[allow(dead_code)] // Describes the schema only.
pub struct Headers(BTreeMap<String, String>);

/// What an `on_failure` callback receives when an occurrence of a task of the callback
/// naming it ends failed (retries exhausted or a permanent error; recurring tasks too).
/// Delivered like any task's `kwargs`: signed with the `on_failure` callback's secret and
/// retried with its policy. Documents the payload only.
#[derive(ToSchema)]
#[allow(dead_code)] // Describes the schema only; the finish statement writes it (store).
pub struct TaskFailedNotice {
    /// Always `task.failed`.
    #[schema(example = "task.failed")]
    r#type: String,
    task_id: String,
    /// The callback the task was delivered to (the one naming `on_failure`).
    callback: String,
    #[schema(required = true)]
    group_id: Option<String>,
    /// `once`, `recurring` or `cron`.
    run_type: String,
    /// The failed occurrence (its `taskshed-scheduled-at`).
    #[schema(format = DateTime)]
    scheduled_at: String,
    /// Attempts the occurrence got.
    attempts: i32,
    /// The last attempt's HTTP status; `null` after a timeout or connection error.
    #[schema(required = true)]
    last_status_code: Option<i32>,
    /// The task's `last_error`, e.g. `HTTP 400` or `timed out`.
    #[schema(required = true)]
    last_error: Option<String>,
    /// The failed occurrence's `webhook-id`.
    webhook_id: String,
    #[schema(format = DateTime)]
    failed_at: String,
}

/// What an `on_failure` callback receives when `disable_after` disables the callback
/// naming it. Documents the payload only.
#[derive(ToSchema)]
#[allow(dead_code)] // Describes the schema only; the finish statement writes it (store).
pub struct CallbackDisabledNotice {
    /// Always `callback.disabled`.
    #[schema(example = "callback.disabled")]
    r#type: String,
    /// The callback that was disabled.
    callback: String,
    #[schema(format = DateTime)]
    failing_since: String,
    #[schema(format = DateTime)]
    disabled_at: String,
}

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
    /// The kwargs contract: a JSON Schema (draft 2020-12) every task's `kwargs` must
    /// satisfy when the task is created or its `kwargs` changed (422 naming the path, e.g.
    /// `tasks[3].kwargs.user_id`). No `$ref` to other documents. Absent or null: none.
    /// Changing it leaves existing tasks as they are.
    #[serde(default)]
    #[schema(value_type = Option<Object>, example = json!({"type": "object", "required": ["user_id"], "properties": {"user_id": {"type": "integer"}}}))]
    pub kwargs_schema: Option<Box<RawValue>>,
    /// Another registered callback, told with a signed delivery of its own (with its own
    /// retries) when an occurrence of this callback's tasks ends failed (`task.failed`) or
    /// when this callback is disabled (`callback.disabled`). It must exist and must not be
    /// this callback (422); while named here it cannot be deleted (409). Notifications
    /// never notify in turn. Payloads: `TaskFailedNotice`, `CallbackDisabledNotice`.
    #[serde(default)]
    #[schema(example = "ops-alerts", nullable = false)]
    pub on_failure: Option<String>,
    /// Disable this callback once every attempt to it has failed for this long: no new
    /// attempt starts, its tasks wait (nothing is lost), and `on_failure` is told.
    /// `POST /v1/callbacks/{name}/enable` resumes it. More than zero, at most `P365D`;
    /// absent: never disabled.
    #[serde(default)]
    #[schema(format = Duration, example = "PT1H", nullable = false)]
    pub disable_after: Option<String>,
    /// Most attempts in flight to this callback at once, counted over all instances
    /// together: 1–10,000 (default 100). See "Flow control" in the README.
    #[serde(default)]
    #[schema(nullable = false, minimum = 1, maximum = 10000, example = 100)]
    pub max_concurrency: Option<i64>,
    /// Most attempts started per period, counted over all instances (none by default);
    /// `null` removes it.
    #[serde(default)]
    pub rate_limit: Option<RateLimitSpec>,
}

/// A rate limit: at most `requests` attempt starts per `per`, over all instances. Starts
/// are spaced evenly, at least `per / requests` apart.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"requests": 50, "per": "PT1S"}))]
pub struct RateLimitSpec {
    /// 1–100,000.
    #[schema(minimum = 1, maximum = 100000)]
    pub requests: i64,
    /// The period, more than zero and at most `P1D`.
    #[schema(format = Duration, example = "PT1S")]
    pub per: String,
}

impl CallbackSpec {
    /// The registration this body asks for, or every field error at once. Without a
    /// `secret`, a fresh one is generated (kept only if the callback is new).
    pub fn into_registration(self, name: Id) -> Result<Registration, Vec<FieldError>> {
        let mut errors = Errors::new("");
        let url = errors.check("url", CallbackUrl::parse(&self.url));
        let timeout = match self.timeout.as_deref() {
            None => Some(DEFAULT_TIMEOUT),
            Some(raw) => errors
                .check("timeout", IsoDuration::parse(raw))
                .and_then(|t| errors.check("timeout", check_timeout(t))),
        };
        let given_headers = self.headers.unwrap_or_default();
        if given_headers.len() > MAX_STATIC_HEADERS {
            errors.push(
                "headers",
                format!(
                    "has {} headers; at most {MAX_STATIC_HEADERS} are allowed",
                    given_headers.len()
                ),
            );
        }
        for (header, value) in &given_headers {
            if value.len() > MAX_HEADER_VALUE_BYTES {
                errors.push(
                    &format!("headers.{header}"),
                    format!("the value is longer than {MAX_HEADER_VALUE_BYTES} bytes"),
                );
            }
        }
        let headers = match StaticHeaders::parse(given_headers) {
            Ok(headers) => Some(headers),
            Err(refused) => {
                for (header, why) in refused {
                    errors.push(&format!("headers.{header}"), why);
                }
                None
            }
        };
        let retry = read_retry(&mut errors, self.retry.unwrap_or_default());
        let max_concurrency = match self.max_concurrency {
            None => Some(DEFAULT_MAX_CONCURRENCY),
            Some(n) => errors.check("max_concurrency", check_max_concurrency(n)),
        };
        let rate_limit = match &self.rate_limit {
            None => None,
            Some(spec) => errors
                .check("rate_limit.per", IsoDuration::parse(&spec.per))
                .and_then(|per| match RateLimit::new(spec.requests, per) {
                    Ok(limit) => Some(limit),
                    Err(problems) => {
                        for (field, why) in problems {
                            errors.push(&format!("rate_limit.{field}"), why);
                        }
                        None
                    }
                }),
        };
        let secret_given = self.secret.is_some();
        let secret = match &self.secret {
            Some(secret) => errors.check(
                "secret",
                SigningSecret::parse(secret).map_err(|e| e.to_string()),
            ),
            None => Some(SigningSecret::generate()),
        };
        let failure = read_failure_policy(&mut errors, &name, self.on_failure, self.disable_after);
        let kwargs_schema = match self.kwargs_schema {
            Some(raw) if raw.get() != "null" => errors
                .check("kwargs_schema", compile_schema(raw.get()))
                .map(|()| Some(String::from(Box::<str>::from(raw)))),
            _ => Some(None),
        };
        match (
            url,
            timeout,
            headers,
            secret,
            kwargs_schema,
            max_concurrency,
        ) {
            (
                Some(url),
                Some(timeout),
                Some(headers),
                Some(secret),
                Some(kwargs_schema),
                Some(max_concurrency),
            ) if errors.list.is_empty() => Ok(Registration {
                callback: DomainCallback {
                    name,
                    url,
                    timeout,
                    headers,
                    retry,
                    secret,
                    previous_secret: None,
                    flow: FlowLimits {
                        max_concurrency,
                        rate_limit,
                    },
                },
                secret_given,
                kwargs_schema,
                failure,
            }),
            _ => Err(errors.list),
        }
    }
}

fn read_failure_policy(
    errors: &mut Errors,
    name: &Id,
    on_failure: Option<String>,
    disable_after: Option<String>,
) -> FailurePolicy {
    let on_failure = on_failure.and_then(|raw| {
        errors
            .check("on_failure", Id::parse(&raw))
            .and_then(|target| {
                errors
                    .check("on_failure", FailurePolicy::check_on_failure(name, &target))
                    .map(|()| target)
            })
    });
    let disable_after = disable_after.and_then(|raw| {
        errors
            .check("disable_after", IsoDuration::parse(&raw))
            .and_then(|d| errors.check("disable_after", check_disable_after(d)))
    });
    FailurePolicy {
        on_failure,
        disable_after,
    }
}

/// A schema is stored only if it compiles; the compiled form is cached at first use.
fn compile_schema(raw: &str) -> Result<(), String> {
    crate::domain::kwargs_schema::compile(raw).map(drop)
}

fn read_retry(errors: &mut Errors, spec: RetrySpec) -> DomainRetryPolicy {
    let defaults = DomainRetryPolicy::default();
    let max_attempts = match spec.max_attempts {
        Some(n) => match u32::try_from(n) {
            Ok(n) if (1..=MAX_ATTEMPTS_LIMIT).contains(&n) => n,
            _ => {
                errors.push(
                    "retry.max_attempts",
                    format!("must be from 1 to {MAX_ATTEMPTS_LIMIT}"),
                );
                defaults.max_attempts
            }
        },
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
        defaults.initial_backoff_iso(),
    );
    let max_backoff = backoff(
        "retry.max_backoff",
        spec.max_backoff.as_deref(),
        defaults.max_backoff_iso().max(initial_backoff),
    );
    if max_backoff < initial_backoff {
        errors.push(
            "retry.max_backoff",
            "must not be shorter than initial_backoff",
        );
    }
    DomainRetryPolicy {
        max_attempts,
        initial_backoff: initial_backoff.as_std(),
        max_backoff: max_backoff.as_std(),
    }
}

/// Body of `POST /v1/callbacks/{name}/rotate-secret`. Both fields are optional; send `{}`
/// to rotate to a generated secret with the default grace period.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grace": "PT24H"}))]
pub struct RotateSecretSpec {
    /// The new `whsec_<base64>` secret; generated when absent.
    #[serde(default)]
    #[schema(nullable = false)]
    pub secret: Option<String>,
    /// How long deliveries keep a signature made with the old secret as well: more than
    /// zero, at most `P30D` (default `PT24H`).
    #[serde(default)]
    #[schema(format = Duration, example = "PT24H", nullable = false)]
    pub grace: Option<String>,
}

impl RotateSecretSpec {
    /// The new secret and the grace period, or every field error at once.
    pub fn into_rotation(self) -> Result<(SigningSecret, IsoDuration), Vec<FieldError>> {
        let mut errors = Errors::new("");
        let secret = match &self.secret {
            Some(raw) => errors.check(
                "secret",
                SigningSecret::parse(raw).map_err(|e| e.to_string()),
            ),
            None => Some(SigningSecret::generate()),
        };
        let grace = match self.grace.as_deref() {
            None => Some(DEFAULT_GRACE),
            Some(raw) => errors
                .check("grace", IsoDuration::parse(raw))
                .and_then(|g| errors.check("grace", check_grace(g))),
        };
        match (secret, grace) {
            (Some(secret), Some(grace)) if errors.list.is_empty() => Ok((secret, grace)),
            _ => Err(errors.list),
        }
    }
}

/// The answer to a rotation: the new secret (the only time it is shown) and when the
/// previous one stops signing.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    /// The new Standard Webhooks signing secret.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
    /// Until this instant every delivery carries two signatures, new first.
    #[schema(format = DateTime)]
    pub previous_expires_at: String,
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

/// What replaces each static header value in an answer: header values are often
/// credentials for the receiver, so the API only ever takes them in.
pub const REDACTED: &str = "[redacted]";

/// A registered callback as every answer shows it: without its signing secret, and with
/// each static header value replaced by `"[redacted]"` (both are write-only).
#[derive(Debug, Serialize, ToSchema)]
pub struct Callback {
    pub name: String,
    #[schema(example = "https://example.com/hooks/reminders")]
    pub url: String,
    #[schema(format = Duration)]
    pub timeout: String,
    /// The static header names; each value is `"[redacted]"`.
    #[schema(value_type = Headers, example = json!({"authorization": "[redacted]"}))]
    pub headers: BTreeMap<String, String>,
    pub retry: RetryPolicy,
    /// Most attempts in flight to this callback at once, over all instances.
    #[schema(example = 100)]
    pub max_concurrency: u32,
    /// Most attempt starts per period over all instances; `null` when unlimited.
    pub rate_limit: Option<RateLimitSpec>,
    /// The flow state now (`GET /v1/callbacks/{name}` only; absent in other answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub flow: Option<FlowState>,
    /// The kwargs contract as registered, or null.
    #[schema(value_type = Option<Object>)]
    pub kwargs_schema: Option<Box<RawValue>>,
    /// The callback told about failures (see the request field); `null` when none.
    pub on_failure: Option<String>,
    /// How long every attempt must fail before the callback is disabled; `null`: never.
    #[schema(format = Duration)]
    pub disable_after: Option<String>,
    /// Start of the current run of failed attempts (the first failure after a success);
    /// `null` while the last attempt succeeded.
    #[schema(format = DateTime)]
    pub failing_since: Option<String>,
    /// When `disable_after` disabled this callback; `null` while it is enabled. No new
    /// attempt starts while it is set; `POST /v1/callbacks/{name}/enable` clears it.
    #[schema(format = DateTime)]
    pub disabled_at: Option<String>,
    /// Why it was disabled; `null` while it is enabled.
    pub disabled_reason: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<StoredCallback> for Callback {
    fn from(stored: StoredCallback) -> Self {
        let callback = stored.callback;
        let (failure, state) = (stored.failure, stored.failure_state);
        // Stored only after it parsed, as JSON; a hand-edited row shows as null.
        let kwargs_schema = stored
            .kwargs_schema
            .and_then(|text| RawValue::from_string(text).ok());
        Callback {
            name: callback.name.into_string(),
            url: callback.url.as_str().to_owned(),
            timeout: callback.timeout.to_string(),
            headers: callback
                .headers
                .as_slice()
                .iter()
                .map(|(name, _)| (name.clone(), REDACTED.to_owned()))
                .collect(),
            retry: RetryPolicy {
                max_attempts: i32::try_from(callback.retry.max_attempts).unwrap_or(i32::MAX),
                initial_backoff: callback.retry.initial_backoff_iso().to_string(),
                max_backoff: callback.retry.max_backoff_iso().to_string(),
            },
            max_concurrency: callback.flow.max_concurrency,
            rate_limit: callback.flow.rate_limit.map(|limit| RateLimitSpec {
                requests: i64::from(limit.requests),
                per: limit.per.to_string(),
            }),
            flow: None,
            kwargs_schema,
            on_failure: failure.on_failure.map(Id::into_string),
            disable_after: failure.disable_after.map(|d| d.to_string()),
            failing_since: state.failing_since.as_ref().map(format_instant),
            disabled_at: state.disabled_at.as_ref().map(format_instant),
            disabled_reason: state.disabled_reason,
            created_at: format_instant(&stored.created_at),
            updated_at: format_instant(&stored.updated_at),
        }
    }
}

/// A callback's flow state, shared by all instances.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowState {
    /// Requests open to this callback's receiver over all instances, as each instance
    /// last reported them (it reports every 100 ms while it delivers).
    pub in_flight: i64,
    /// The concurrency shared among instances now: `max_concurrency`, or less after the
    /// receiver showed overload (timeouts, refused connections, 429, 503); it recovers
    /// step by step.
    pub effective_concurrency: u32,
    /// While set and in the future, no attempt starts for this callback (a 429 or 503
    /// with `Retry-After`, at most 1 hour).
    #[schema(format = DateTime)]
    pub held_until: Option<String>,
}

impl From<crate::store::flow::FlowRow> for FlowState {
    fn from(row: crate::store::flow::FlowRow) -> Self {
        Self {
            in_flight: row.in_flight,
            effective_concurrency: row.effective_concurrency,
            held_until: row.held_until.as_ref().map(format_instant),
        }
    }
}

/// The answer to `PUT /v1/callbacks/{name}`: the callback, plus its signing secret when
/// this `PUT` set it (given, or generated for a new callback). It is the only answer that
/// ever carries the secret; a re-registration that keeps the old secret leaves it out.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredCallback {
    #[serde(flatten)]
    pub callback: Callback,
    /// The Standard Webhooks signing secret receivers verify with; present only when this
    /// request set it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: Option<String>,
}

impl RegisteredCallback {
    /// `secret_set`: whether this registration wrote the secret now stored.
    pub fn new(stored: StoredCallback, secret_set: bool) -> Self {
        let secret = secret_set.then(|| stored.callback.secret.as_str().to_owned());
        Self {
            callback: stored.into(),
            secret,
        }
    }
}

/// A page of callbacks, in name order.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackPage {
    pub callbacks: Vec<Callback>,
    pub next_cursor: Option<String>,
}
