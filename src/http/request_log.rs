//! Per-request observability: a request id (taken from `x-request-id` or generated) on a
//! span around the request, so every log line inside it carries the id; the id echoed in
//! the response; counts and latencies by matched route.
//!
//! Server errors are logged here and nowhere else: once per request, in its span, with
//! the cause the handler's [`crate::error::ApiError`] attached ([`ServerErrorCause`]).

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

use super::AppState;
use crate::error::ServerErrorCause;

const REQUEST_ID: &str = "x-request-id";

pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_owned)
        .unwrap_or_else(crate::domain::ids::random_uuid_hex);
    // The matched route template, never the raw path: raw paths carry ids and would give
    // metrics unbounded cardinality.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %method, route = %route);
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state.metrics.http_request(&method, &route, status, elapsed);
    span.in_scope(|| {
        if status >= 500 {
            let cause = response.extensions_mut().remove::<ServerErrorCause>();
            tracing::error!(
                status,
                elapsed_ms = elapsed.as_secs_f64() * 1e3,
                error = cause.as_ref().map_or("unknown", |c| c.0.as_str()),
                "request failed"
            );
        } else {
            tracing::debug!(status, elapsed_ms = elapsed.as_secs_f64() * 1e3, "request");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}
