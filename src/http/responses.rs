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
