//! Schedules over HTTP: the preview of a schedule before it exists
//! (`POST /v1/schedules/preview`), a task's next occurrences
//! (`GET /v1/tasks/{task_id}/schedule`) and its misfire ledger
//! (`GET /v1/tasks/{task_id}/misfires`). Thin: the rules are `domain::recurrence`'s.

use axum::extract::{RawQuery, State};
use axum::Json;
use chrono::Utc;

use super::json::{query_pairs, ApiJson, ApiPath};
use super::pagination::{next_cursor, PageRequest};
use super::responses::{JsonBodyErrors, ServerErrors};
use super::schedule_dto::{read_count, MisfirePage, PreviewRequest, SchedulePreview};
use super::AppState;
use crate::domain::ids::Id;
use crate::domain::recurrence::preview::{preview, Preview};
use crate::domain::recurrence::rule::plain;
use crate::domain::recurrence::stored::{task_schedule, CronMemo, StoredSchedule};
use crate::domain::task::TaskStatus;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::store::misfires::list_misfires as store_misfires;
use crate::store::tasks::{get_task, TaskRow};

fn task_id(raw: &str) -> ApiResult<Id> {
    Id::parse(raw)
        .map_err(|message| ApiError::validation(vec![FieldError::new("task_id", message)]))
}

async fn task(state: &AppState, id: &Id) -> ApiResult<TaskRow> {
    get_task(&state.pool, id.as_str()).await?.ok_or_else(|| {
        ApiError::not_found(
            "task_not_found",
            format!("no task with task_id {:?}", id.as_str()),
        )
    })
}

/// Preview a schedule: its next occurrences with their DST flags, and the local times a
/// DST gap skips.
///
/// Takes a task's schedule fields (`run_type` `cron` or `recurring`, `cron` or `interval`,
/// `timezone`, `dst_policy`, `run_at`, `start_at`, `end_at`, `max_runs`) and `count`
/// (1–1000, default 10). Occurrences start at `run_at`, else at the first match at or
/// after `start_at` (default: now). Nothing is stored.
#[utoipa::path(post, path = "/v1/schedules/preview", tag = "schedules",
    request_body = PreviewRequest,
    responses(
        (status = 200, description = "The occurrences", body = SchedulePreview),
        (status = 422, description = "Invalid schedule (e.g. field `cron`)", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn preview_schedule(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PreviewRequest>,
) -> ApiResult<Json<SchedulePreview>> {
    let (schedule, from, count) = request
        .read(&state.limits, Utc::now())
        .map_err(|problems| {
            ApiError::validation(
                problems
                    .into_iter()
                    .map(|(field, message)| FieldError::new(field, message))
                    .collect(),
            )
        })?;
    Ok(Json(preview(&schedule, from, count, 0).into()))
}

/// A task's next occurrences, from its current `run_at`, within its bounds.
///
/// Same answer as the preview. A finished task has none; a `once` task lists its single
/// occurrence while it is unfinished.
#[utoipa::path(get, path = "/v1/tasks/{task_id}/schedule", tag = "schedules",
    params(
        ("task_id" = String, Path, description = "The task's id"),
        ("count" = Option<i64>, Query, description = "How many occurrences, 1–1000 (default 10)", minimum = 1, maximum = 1000),
    ),
    responses(
        (status = 200, description = "The occurrences", body = SchedulePreview),
        (status = 404, description = "`task_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed id or `count`", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn task_schedule_preview(
    State(state): State<AppState>,
    ApiPath(raw_id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<SchedulePreview>> {
    let id = task_id(&raw_id)?;
    let mut count = None;
    for (key, value) in query_pairs(query.as_deref())? {
        let problem = match key.as_str() {
            "count" => match value
                .parse::<i64>()
                .map_err(|_| ())
                .and_then(|n| read_count(Some(n)).map_err(|_| ()))
            {
                Ok(n) => {
                    count = Some(n);
                    None
                }
                Err(()) => Some(FieldError::new(
                    "count",
                    "must be a whole number from 1 to 1000",
                )),
            },
            other => Some(FieldError::new(other, "is not a known query parameter")),
        };
        if let Some(problem) = problem {
            return Err(ApiError::validation(vec![problem]));
        }
    }
    let count = count.unwrap_or(read_count(None).unwrap_or(10));
    let row = task(&state, &id).await?;
    if matches!(row.status, TaskStatus::Succeeded | TaskStatus::Failed) {
        return Ok(Json(Preview::default().into()));
    }
    let stored = StoredSchedule {
        interval_us: row.interval_us,
        cron: row.cron.as_deref(),
        timezone: row.timezone.as_deref(),
        dst_gap: row.dst_gap.as_deref(),
        dst_overlap: row.dst_overlap.as_deref(),
        end_at: row.end_at,
        max_runs: row.max_runs,
        jitter_us: row.jitter_us,
        coalesce: row.coalesce_missed,
    };
    let schedule = task_schedule(stored, &mut CronMemo::default()).map_err(|why| {
        ApiError::internal(format!("stored schedule of {:?}: {why}", id.as_str()))
    })?;
    let shown = match schedule {
        Some(schedule) => {
            let mut shown = preview(&schedule, row.run_at, count, row.runs.max(0) as u64);
            // A `run_at` set by hand (create, PATCH, execution-times) need not match a cron
            // expression, but it is the next occurrence all the same.
            let listed = shown.occurrences.len();
            if listed > 0 && shown.occurrences[0].at != row.run_at {
                let zone = row.timezone.as_deref().and_then(|name| name.parse().ok());
                let next = plain(row.run_at, zone.unwrap_or(chrono_tz::UTC)).occurrence;
                shown.occurrences.insert(0, next);
                shown.occurrences.truncate(listed);
            }
            shown
        }
        // A `once` task: its one occurrence.
        None => Preview {
            occurrences: vec![plain(row.run_at, chrono_tz::UTC).occurrence],
            skipped: Vec::new(),
        },
    };
    Ok(Json(shown.into()))
}

/// A task's misfire ledger: occurrences that did not run, newest first.
///
/// `reason` is `coalesced` (a late run stood for it), `catchup_limit` (more than 100 were
/// missed with `coalesce: false`; the older ones are not delivered) or `dst_gap` (its local
/// time did not exist, `skip` policy). Kept for the retention period, like attempts.
#[utoipa::path(get, path = "/v1/tasks/{task_id}/misfires", tag = "schedules",
    params(
        ("task_id" = String, Path, description = "The task's id"),
        ("limit" = Option<i64>, Query, description = "Page size, 1–1000 (default 100)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of misfires", body = MisfirePage),
        (status = 404, description = "`task_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed id, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn list_misfires(
    State(state): State<AppState>,
    ApiPath(raw_id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<MisfirePage>> {
    let id = task_id(&raw_id)?;
    let page = PageRequest::from_query(query.as_deref())?;
    let before = page.after_id()?;
    task(&state, &id).await?;
    let (rows, more) = store_misfires(&state.pool, id.as_str(), before, page.limit).await?;
    let last = rows.last().map(|r| r.misfire_id.to_string());
    Ok(Json(MisfirePage {
        misfires: rows.into_iter().map(Into::into).collect(),
        next_cursor: next_cursor(more, last.as_deref()),
    }))
}
