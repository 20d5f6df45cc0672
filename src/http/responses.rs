//! Error responses shared by many operations, described once for the OpenAPI document.

use utoipa::IntoResponses;

use crate::error::Problem;

/// The ways a JSON request body can be refused before it is even read as a request.
#[derive(IntoResponses)]
#[allow(dead_code)] // Describes responses only; handlers answer with `ApiError`.
pub enum JsonBodyErrors {
    /// `malformed_json`: the body is not valid JSON.
    #[response(status = 400, content_type = "application/problem+json")]
    MalformedJson(Problem),
    /// `payload_too_large`: the body is larger than the server's limit.
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
    /// `unsupported_media_type`: the body was not sent as `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
}

/// Server-side failures; they never carry internal details.
#[derive(IntoResponses)]
#[allow(dead_code)] // Describes responses only; handlers answer with `ApiError`.
pub enum ServerErrors {
    /// `internal_error`: an unexpected failure, logged by the server.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// `database_unavailable`: the database cannot be reached; retry later.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// The answers of access control (see `http::auth`), added to every operation that needs
/// a scope when the OpenAPI document is generated.
#[derive(IntoResponses)]
#[allow(dead_code)] // Describes responses only; the middleware answers with `ApiError`.
pub enum AuthErrors {
    /// `unauthorized`: no key, or a malformed, unknown, expired or revoked key; the answer
    /// carries `WWW-Authenticate: Bearer`.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// `forbidden`: the key lacks the scope this operation needs (`detail` names it);
    /// `forbidden_host`: auth is off and the request's `Host` is not a loopback name.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
}
