//! The API error type and its RFC 9457 `application/problem+json` rendering.
//!
//! Every failure a handler can meet becomes an [`ApiError`] with a stable snake_case
//! `code`. Server-side failures are answered with a generic 500/503 that carries no
//! internal detail; their cause travels to the request log in the response's extensions
//! ([`ServerErrorCause`]), which logs it once, inside the request span, so the cause and
//! the request id are on one line.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid input field, e.g. `{"field": "tasks[3].run_at", "message": "..."}`.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the offending field in the request (`tasks[3].run_at`, `cursor`, `name`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:taskshed:problem:validation_failed",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "the request is well-formed but invalid",
    "code": "validation_failed",
    "errors": [{"field": "run_at", "message": "\"2025-03-14T10:00:00\" has no UTC offset; add one (e.g. Z or +02:00) or give a `timezone`"}]
}))]
pub struct Problem {
    /// `urn:taskshed:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A human-readable explanation of this occurrence.
    pub detail: String,
    /// Stable machine-readable code, e.g. `task_not_found`, `validation_failed`.
    pub code: String,
    /// For validation errors: every invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error answered to an API client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// For server-side failures: what went wrong, for the log, never for the client.
    cause: Option<String>,
}

/// The cause of a 5xx answer, attached to the response for the request log
/// (`http::request_log`), which logs it with the request id.
#[derive(Debug, Clone)]
pub struct ServerErrorCause(pub String);

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            cause: None,
        }
    }

    /// 422 `validation_failed` listing every invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [only] => format!("{}: {}", only.field, only.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            detail,
            errors,
            cause: None,
        }
    }

    /// 422 for a single field, with a specific code (e.g. `unknown_callback`).
    pub fn invalid_field(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let error = FieldError::new(field, message);
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code,
            detail: format!("{}: {}", error.field, error.message),
            errors: vec![error],
            cause: None,
        }
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// A server-side failure: answered without its cause, which the request log logs.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an internal error occurred; it has been logged",
        )
        .caused_by(cause)
    }

    fn caused_by(mut self, cause: impl std::fmt::Display) -> Self {
        self.cause = Some(cause.to_string());
        self
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            kind: format!("urn:taskshed:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
        }
    }
}

/// Whether `error` says the database cannot serve us right now (down, restarting,
/// unreachable, out of connections, or a statement cut off by its timeout), as opposed to
/// a bug or a request it refused. Those are a 503 `database_unavailable`, which a client
/// may retry, never a 500 (issue 12, problem 6).
fn database_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 08: connection exception. 57P01–57P03: the server is shutting down or
            // starting up. 53300: too many connections. 57014: canceled, which is how
            // `statement_timeout` ends a statement on a stalled server.
            code.starts_with("08")
                || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300" | "57014")
        }),
        _ => false,
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        if database_unavailable(&error) {
            Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database is unavailable; retry later",
            )
            .caused_by(format!("database unavailable: {error}"))
        } else {
            Self::internal(error)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.to_problem()).unwrap_or_default();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(cause) = self.cause {
            response.extensions_mut().insert(ServerErrorCause(cause));
        }
        response
    }
}
