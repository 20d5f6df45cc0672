//! A deadline on every API request, so a request whose statement went out on a connection
//! that then fell silent (a half-open connection: no answer, no error, ever) is answered
//! 503 `database_unavailable` in bounded time instead of hanging until the kernel gives up
//! on the socket, minutes later (issue 12, problem 6).
//!
//! Everything else that can make a request slow has a bound of its own, and the deadline
//! is their sum plus slack, so it only fires when one of them cannot: reading the body
//! (`--read-timeout`), getting a connection (the pool's acquire timeout, which also pings
//! it), running the statement (`statement_timeout`, enforced by PostgreSQL — but only by a
//! PostgreSQL that hears the statement and can answer). sqlx 0.8 has no TCP keepalive for
//! its sockets, so this is the API's only way to notice a silent connection in flight.
//!
//! Dropping the handler at the deadline is safe: a statement sent meanwhile either commits
//! (a retry then sees its effect: 200 or 409, never lost data) or does not.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::error::ApiError;

pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.request_deadline, next.run(request)).await {
        Ok(response) => response,
        // As a lost connection: the one mapping of database errors answers 503
        // `database_unavailable` and has the request log record why.
        Err(_) => ApiError::from(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "no answer within the request deadline of {:?}",
                state.request_deadline
            ),
        )))
        .into_response(),
    }
}
