//! Read-only figures over many tasks, for dashboards such as the console at `/ui`: what
//! an operator would otherwise get by paging through every task.

use axum::extract::{RawQuery, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::json::query_pairs;
use super::responses::ServerErrors;
use super::AppState;
use crate::domain::ids::Id;
use crate::domain::time::format_instant;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::store::{delivery_counts, task_counts};

/// How many tasks are in each status (exact, at the time of the request).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"scheduled": 120, "running": 3, "succeeded": 5400, "failed": 2, "paused": 7}))]
pub struct TaskCounts {
    pub scheduled: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
    /// Paused tasks, whatever their status (they are also counted under it).
    pub paused: i64,
}

/// Count tasks by status, all of them or those of one callback.
#[utoipa::path(get, path = "/v1/stats/tasks", tag = "tasks",
    params(
        ("callback" = Option<String>, Query, description = "Only tasks of this callback"),
    ),
    responses(
        (status = 200, description = "Counts by status", body = TaskCounts),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn task_counts(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<TaskCounts>> {
    let mut callback = None;
    let mut errors = Vec::new();
    for (key, value) in query_pairs(query.as_deref())? {
        match key.as_str() {
            "callback" => match Id::parse(&value) {
                Ok(id) => callback = Some(id.into_string()),
                Err(m) => errors.push(FieldError::new("callback", m)),
            },
            other => errors.push(FieldError::new(other, "is not a known query parameter")),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let c = task_counts::count_tasks(&state.pool, callback.as_deref()).await?;
    Ok(Json(TaskCounts {
        scheduled: c.scheduled,
        running: c.running,
        succeeded: c.succeeded,
        failed: c.failed,
        paused: c.paused,
    }))
}

/// The default and the bounds of `minutes` on `GET /v1/stats/deliveries`: an hour by
/// default, a day at most (attempts are kept for the retention period, seven days by
/// default, but a day of minutes is already 1,440 bars).
const DEFAULT_MINUTES: i32 = 60;
const MAX_MINUTES: i32 = 1440;

/// One minute of delivery attempts, by how they ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryMinute {
    /// The minute's start, UTC.
    #[schema(format = DateTime, example = "2026-11-30T06:41:00Z")]
    pub minute: String,
    /// Attempts that got a 2xx.
    pub succeeded: i64,
    /// Attempts that failed for good (not retried: attempts exhausted, or an error that
    /// retrying cannot fix).
    pub failed: i64,
    /// Attempts that failed and will be retried.
    pub retrying: i64,
}

/// Delivery attempts per minute, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryCounts {
    /// Every minute of the window, with zeros where nothing was attempted; the last is the
    /// current minute, still counting.
    pub minutes: Vec<DeliveryMinute>,
}

/// Count delivery attempts per minute over the last `minutes` minutes.
///
/// Each attempt counts in the minute (UTC, by the database clock) it started, under how it
/// ended: `succeeded`, `failed` (for good) or `retrying`. Exact at the time of the
/// request; results recorded by an instance that had lost its claim (`superseded`) are
/// not counted.
#[utoipa::path(get, path = "/v1/stats/deliveries", tag = "tasks",
    params(
        ("minutes" = Option<i32>, Query, description = "Minutes to report, the current one included: 1–1440 (default 60)", minimum = 1, maximum = 1440),
    ),
    responses(
        (status = 200, description = "Attempts per minute, oldest first", body = DeliveryCounts),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn delivery_counts(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<DeliveryCounts>> {
    let mut minutes = DEFAULT_MINUTES;
    let mut errors = Vec::new();
    for (key, value) in query_pairs(query.as_deref())? {
        match key.as_str() {
            "minutes" => match value.parse::<i32>() {
                Ok(n) if (1..=MAX_MINUTES).contains(&n) => minutes = n,
                _ => errors.push(FieldError::new(
                    "minutes",
                    format!("must be a whole number from 1 to {MAX_MINUTES}"),
                )),
            },
            other => errors.push(FieldError::new(other, "is not a known query parameter")),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let rows = delivery_counts::deliveries_per_minute(&state.pool, minutes).await?;
    Ok(Json(DeliveryCounts {
        minutes: rows
            .into_iter()
            .map(|r| DeliveryMinute {
                minute: format_instant(&r.minute),
                succeeded: r.succeeded,
                failed: r.failed,
                retrying: r.retrying,
            })
            .collect(),
    }))
}
