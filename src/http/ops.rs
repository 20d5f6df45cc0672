//! Operational endpoints: liveness, readiness, metrics, the OpenAPI document and docs page.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::metrics::{render_flows, CallbackFlow, BACKLOG_COUNT_CAP, FLOW_METRICS_CAP};

/// Health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or what is wrong.
    pub status: String,
}

/// Liveness: the process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database is reachable and its schema is current.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready (database unreachable or schema behind)", body = Health),
    ))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (status, text) = match crate::store::schema_is_current(&state.pool).await {
        Ok(true) => (StatusCode::OK, "ok".to_owned()),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "database schema is behind this version; run `taskshed migrate`".to_owned(),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database unreachable".to_owned(),
            )
        }
    };
    (status, Json(Health { status: text }))
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let backlog = match crate::store::backlog::count_due(&state.pool, BACKLOG_COUNT_CAP).await {
        Ok(n) => Some(n),
        Err(error) => {
            tracing::warn!(%error, "could not count the due backlog");
            None
        }
    };
    let mut body = state.metrics.render(backlog);
    match crate::store::flow::flow_states(&state.pool, FLOW_METRICS_CAP).await {
        Ok(flows) => {
            let figures: Vec<CallbackFlow> = flows
                .into_iter()
                .map(|(callback, row)| CallbackFlow {
                    callback,
                    in_flight: row.in_flight,
                    effective_concurrency: row.effective_concurrency,
                    held: row.held_until.is_some(),
                })
                .collect();
            body.push_str(&render_flows(&figures));
        }
        Err(error) => tracing::warn!(%error, "could not read the callbacks' flow state"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}
