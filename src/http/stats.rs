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
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::store::task_counts;

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
