//! The Tasks resource: TaskShed's scheduler methods over REST.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use std::collections::HashSet;

use super::json::{query_pairs, ApiJson, ApiPath};
use super::pagination::{next_cursor, PageRequest};
use super::responses::{JsonBodyErrors, ServerErrors};
use super::task_dto::*;
use super::AppState;
use crate::domain::ids::Id;
use crate::domain::task::{TaskSelector, TaskStatus};
use crate::domain::time::parse_instant;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::store::callbacks::callback_schemas;
use crate::store::task_selection::{preview, BulkOp, FailedWindow};
use crate::store::tasks::{
    self as store, CreateOne, ExecutionTimeOutcome, RetryOutcome, WriteOutcome,
};

/// Most tasks accepted in one batch request.
pub const MAX_BATCH: usize = 10_000;

fn path_id(raw: &str, field: &str) -> ApiResult<Id> {
    Id::parse(raw).map_err(|message| ApiError::validation(vec![FieldError::new(field, message)]))
}

fn task_not_found(task_id: &str) -> ApiError {
    ApiError::not_found(
        "task_not_found",
        format!("no task with task_id {task_id:?}"),
    )
}

/// Create one task (TaskShed's `add_task`).
///
/// The callback must be registered. If `task_id` exists, the task is replaced (200) when
/// `replace_existing` is true (the default) or the request fails with 409 `task_exists`.
/// If the callback has a `kwargs_schema`, `kwargs` must satisfy it (422 naming the path,
/// e.g. `kwargs.user_id`).
#[utoipa::path(post, path = "/v1/tasks", tag = "tasks",
    request_body = CreateTaskRequest,
    responses(
        (status = 201, description = "Created", body = Task),
        (status = 200, description = "Replaced an existing task with the same id", body = Task),
        (status = 409, description = "`task_exists`: the id exists and `replace_existing` is false", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid task, or `unknown_callback`", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn create_task(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreateTaskRequest>,
) -> ApiResult<(StatusCode, Json<Task>)> {
    let (spec, replace) = request.split();
    let task = spec
        .into_new_task("", &state.limits)
        .map_err(ApiError::validation)?;
    let (task_id, callback) = (task.task_id.clone(), task.callback.clone());
    match state.creates.create(task, replace).await? {
        CreateOne::Written(row, outcome) => {
            let status = if outcome == WriteOutcome::Created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, Json(Task::from(*row))))
        }
        CreateOne::Exists => Err(ApiError::conflict(
            "task_exists",
            format!(
                "a task with task_id {:?} exists and replace_existing is false",
                task_id.as_str()
            ),
        )),
        CreateOne::UnknownCallback => Err(unknown_callback("callback", callback.as_str())),
        CreateOne::InvalidKwargs(violations) => {
            Err(ApiError::validation(kwargs_errors("", violations)))
        }
    }
}

/// A stored schema that no longer compiles was edited by hand: a server-side fault.
fn broken_schema(why: String) -> ApiError {
    ApiError::from(sqlx::Error::Decode(why.into()))
}

fn unknown_callback(field: &str, name: &str) -> ApiError {
    ApiError::invalid_field(
        "unknown_callback",
        field,
        format!("no callback named {name:?} is registered (PUT /v1/callbacks/{name})"),
    )
}

/// Create many tasks in one transaction (TaskShed's `add_tasks`).
///
/// All tasks are valid and written, or none is (the 422 names the item, e.g.
/// `tasks[3].run_at`, or `tasks[3].kwargs.user_id` for kwargs that break the callback's
/// `kwargs_schema`). Results come back in input order. At most 10,000 tasks per request;
/// task ids must be distinct within a request.
#[utoipa::path(post, path = "/v1/tasks/batch", tag = "tasks",
    request_body = BatchCreateRequest,
    responses(
        (status = 200, description = "Every task written (or kept)", body = BatchCreateResponse),
        (status = 422, description = "An item is invalid; nothing was written", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn create_tasks(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<BatchCreateRequest>,
) -> ApiResult<Json<BatchCreateResponse>> {
    if request.tasks.len() > MAX_BATCH {
        return Err(ApiError::validation(vec![FieldError::new(
            "tasks",
            format!(
                "has {} items; at most {MAX_BATCH} per request",
                request.tasks.len()
            ),
        )]));
    }
    let mut errors = Vec::new();
    let mut tasks = Vec::with_capacity(request.tasks.len());
    for (i, spec) in request.tasks.into_iter().enumerate() {
        match spec.into_new_task(&format!("tasks[{i}]."), &state.limits) {
            Ok(task) => tasks.push(task),
            Err(mut e) => errors.append(&mut e),
        }
    }
    let mut seen = HashSet::with_capacity(tasks.len());
    for (i, task) in tasks.iter().enumerate() {
        if !seen.insert(task.task_id.as_str()) {
            errors.push(FieldError::new(
                format!("tasks[{i}].task_id"),
                format!(
                    "{:?} appears more than once in this batch",
                    task.task_id.as_str()
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut names: Vec<String> = tasks
        .iter()
        .map(|t| t.callback.as_str().to_owned())
        .collect();
    names.sort_unstable();
    names.dedup();
    // One statement tells which callbacks are unknown and what each one's kwargs contract is.
    let known = callback_schemas(&state.pool, &names).await?;
    let unknown: Vec<&String> = names
        .iter()
        .filter(|name| !known.iter().any(|(k, _)| k == *name))
        .collect();
    if !unknown.is_empty() {
        let errors = tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| unknown.iter().any(|u| *u == t.callback.as_str()))
            .map(|(i, t)| {
                FieldError::new(
                    format!("tasks[{i}].callback"),
                    format!("no callback named {:?} is registered", t.callback.as_str()),
                )
            })
            .collect();
        let mut error = ApiError::validation(errors);
        error.code = "unknown_callback";
        return Err(error);
    }
    let mut errors = Vec::new();
    for (name, text) in &known {
        let Some(text) = text else { continue };
        let schema = state.schemas.get(name, text).map_err(broken_schema)?;
        for (i, task) in tasks.iter().enumerate() {
            if task.callback.as_str() == name {
                if let Err(violations) = schema.check(&task.kwargs) {
                    errors.extend(kwargs_errors(&format!("tasks[{i}]."), violations));
                }
            }
        }
    }
    if !errors.is_empty() {
        // Input order, whatever order the callbacks came back in.
        errors.sort_by_key(|e| item_index(&e.field));
        return Err(ApiError::validation(errors));
    }
    let replace = request.replace_existing.unwrap_or(true);
    let outcomes = store::insert_tasks(&state.pool, &tasks, replace).await?;
    let results = tasks
        .into_iter()
        .zip(outcomes)
        .map(|(task, outcome)| BatchResult {
            task_id: task.task_id.into_string(),
            outcome: match outcome {
                WriteOutcome::Created => BatchOutcome::Created,
                WriteOutcome::Replaced => BatchOutcome::Replaced,
                WriteOutcome::Kept => BatchOutcome::Kept,
            },
        })
        .collect();
    Ok(Json(BatchCreateResponse { results }))
}

/// The `i` of a `tasks[i].…` field.
fn item_index(field: &str) -> usize {
    field
        .strip_prefix("tasks[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|i| i.parse().ok())
        .unwrap_or(usize::MAX)
}

/// Get one task.
#[utoipa::path(get, path = "/v1/tasks/{task_id}", tag = "tasks",
    params(("task_id" = String, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The task", body = Task),
        (status = 404, description = "`task_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn get_task(
    State(state): State<AppState>,
    ApiPath(task_id): ApiPath<String>,
) -> ApiResult<Json<Task>> {
    let id = path_id(&task_id, "task_id")?;
    let row = store::get_task(&state.pool, id.as_str())
        .await?
        .ok_or_else(|| task_not_found(id.as_str()))?;
    Ok(Json(row.into()))
}

/// List or fetch tasks (TaskShed's `fetch_tasks`).
///
/// With `task_id` (repeatable) returns those tasks, leaving out unknown ids; with
/// `group_id` the group's tasks; without either, all tasks. `status`, `callback` and
/// `paused` filter further. Ordered by `task_id`, paginated with `limit` and `cursor`.
#[utoipa::path(get, path = "/v1/tasks", tag = "tasks",
    params(
        ("task_id" = Option<Vec<String>>, Query, description = "Fetch these tasks (repeat the parameter)", explode = true),
        ("group_id" = Option<String>, Query, description = "Fetch this group's tasks"),
        ("status" = Option<TaskStatus>, Query, description = "Only tasks in this status"),
        ("callback" = Option<String>, Query, description = "Only tasks of this callback"),
        ("paused" = Option<bool>, Query, description = "Only paused (true) or unpaused (false) tasks"),
        ("limit" = Option<i64>, Query, description = "Page size, 1–1000 (default 100)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of tasks", body = TaskPage),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn list_tasks(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<TaskPage>> {
    let pairs = query_pairs(query.as_deref())?;
    let mut filter = store::TaskFilter::default();
    let mut errors = Vec::new();
    let (mut limit, mut cursor) = (None, None);
    for (key, value) in &pairs {
        match key.as_str() {
            "task_id" => match Id::parse(value) {
                Ok(id) => filter
                    .task_ids
                    .get_or_insert_with(Vec::new)
                    .push(id.into_string()),
                Err(m) => errors.push(FieldError::new("task_id", m)),
            },
            "group_id" => match Id::parse(value) {
                Ok(id) => filter.group_id = Some(id.into_string()),
                Err(m) => errors.push(FieldError::new("group_id", m)),
            },
            "callback" => match Id::parse(value) {
                Ok(id) => filter.callback = Some(id.into_string()),
                Err(m) => errors.push(FieldError::new("callback", m)),
            },
            "status" => match serde_json::from_value::<TaskStatus>(value.clone().into()) {
                Ok(status) => filter.status = Some(status),
                Err(_) => errors.push(FieldError::new(
                    "status",
                    "must be one of scheduled, running, succeeded, failed",
                )),
            },
            "paused" => match value.as_str() {
                "true" => filter.paused = Some(true),
                "false" => filter.paused = Some(false),
                _ => errors.push(FieldError::new("paused", "must be true or false")),
            },
            "limit" => limit = Some(value.as_str()),
            "cursor" => cursor = Some(value.as_str()),
            other => errors.push(FieldError::new(other, "is not a known query parameter")),
        }
    }
    if filter.task_ids.as_ref().is_some_and(|ids| ids.len() > 1000) {
        errors.push(FieldError::new("task_id", "at most 1000 ids per request"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let page = PageRequest::parse(limit, cursor)?;
    filter.after = page.after;
    let (rows, more) = store::list_tasks(&state.pool, &filter, page.limit).await?;
    let next_cursor = next_cursor(more, rows.last().map(|r| r.task_id.as_str()));
    Ok(Json(TaskPage {
        tasks: rows.into_iter().map(Task::from).collect(),
        next_cursor,
    }))
}

/// Change an unfinished task.
///
/// Only the fields present change: `run_at` (with `timezone`), `kwargs`, `interval`
/// (recurring tasks), `group_id` (null removes it from its group), `cron`, `timezone`,
/// `dst_policy`, `start_at` (cron tasks: without `run_at`, the next occurrence becomes the
/// first match from now under the new schedule), `end_at`, `max_runs`, `jitter` (null
/// removes them). Changing `run_at` starts a new occurrence (attempts reset); changing
/// `run_at` or `kwargs` gives the next delivery a new `webhook-id`. A task claimed but not
/// yet sent is sent as changed; if its attempt is already in flight (`running`), the change
/// takes effect when that attempt ends, so two attempts of one task never overlap. New
/// `kwargs` must satisfy the callback's `kwargs_schema` (422 naming e.g. `kwargs.user_id`).
#[utoipa::path(patch, path = "/v1/tasks/{task_id}", tag = "tasks",
    params(("task_id" = String, Path, description = "The task's id")),
    request_body = PatchTaskRequest,
    responses(
        (status = 200, description = "The changed task", body = Task),
        (status = 404, description = "`task_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`task_finished`: the task has succeeded or failed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid change", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn update_task(
    State(state): State<AppState>,
    ApiPath(task_id): ApiPath<String>,
    ApiJson(request): ApiJson<PatchTaskRequest>,
) -> ApiResult<Json<Task>> {
    let id = path_id(&task_id, "task_id")?;
    let current = store::get_task(&state.pool, id.as_str())
        .await?
        .ok_or_else(|| task_not_found(id.as_str()))?;
    let finished = |status: TaskStatus| {
        ApiError::conflict(
            "task_finished",
            format!(
                "task {:?} has {}; only unfinished tasks can be changed",
                id.as_str(),
                status.as_str()
            ),
        )
    };
    if matches!(current.status, TaskStatus::Succeeded | TaskStatus::Failed) {
        return Err(finished(current.status));
    }
    let patch = request
        .into_patch(&current, &state.limits, chrono::Utc::now())
        .map_err(ApiError::validation)?;
    if let Some(kwargs) = &patch.kwargs {
        check_contract(&state, &current.callback, kwargs).await?;
    }
    let row = match store::patch_task(&state.pool, &id, &patch).await? {
        Some(patched) => patched,
        None => {
            return Err(match store::get_task(&state.pool, id.as_str()).await? {
                Some(task) => finished(task.status),
                None => task_not_found(id.as_str()),
            })
        }
    };
    Ok(Json(row.into()))
}

/// Checks new kwargs against the callback's `kwargs_schema`, read now (so a schema
/// changed on another instance applies).
async fn check_contract(state: &AppState, callback: &str, kwargs: &str) -> ApiResult<()> {
    let known = callback_schemas(&state.pool, &[callback.to_owned()]).await?;
    let Some((_, Some(text))) = known.into_iter().next() else {
        return Ok(());
    };
    let schema = state.schemas.get(callback, &text).map_err(broken_schema)?;
    schema
        .check(kwargs)
        .map_err(|violations| ApiError::validation(kwargs_errors("", violations)))
}

/// Move tasks to new execution times (TaskShed's `update_execution_times`).
///
/// Each listed unfinished task gets its new `run_at` (a new occurrence; for a task whose
/// attempt is in flight, once that attempt has ended). Unknown ids are
/// reported in `not_found`, finished tasks in `finished`; neither is changed or created.
/// With `"dry_run": true` nothing changes and the answer is `{"affected", "task_ids"}`:
/// the tasks that would be moved (ids: the first 100, in id order).
#[utoipa::path(post, path = "/v1/tasks/execution-times", tag = "tasks",
    request_body = ExecutionTimesRequest,
    responses(
        (status = 200, description = "What was updated (or, with `dry_run`, would be)", body = ExecutionTimesAnswer),
        (status = 422, description = "Invalid entry", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn update_execution_times(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ExecutionTimesRequest>,
) -> ApiResult<Json<ExecutionTimesAnswer>> {
    let dry_run = request.dry_run.unwrap_or(false);
    if request.tasks.len() > MAX_BATCH {
        return Err(ApiError::validation(vec![FieldError::new(
            "tasks",
            format!("at most {MAX_BATCH} entries per request"),
        )]));
    }
    let mut errors = Vec::new();
    let mut updates = Vec::with_capacity(request.tasks.len());
    let mut seen = HashSet::new();
    for (i, entry) in request.tasks.into_iter().enumerate() {
        let prefix = format!("tasks[{i}].");
        let mut entry_errors = Errors::new(&prefix);
        let id = entry_errors.check("task_id", Id::parse(&entry.task_id));
        let (at, _) = read_run_at(&mut entry_errors, &entry.run_at, entry.timezone.as_deref());
        if let Some(id) = &id {
            if !seen.insert(id.clone()) {
                entry_errors.push("task_id", "appears more than once in this request");
            }
        }
        match (id, at) {
            (Some(id), Some(at)) if entry_errors.list.is_empty() => updates.push((id, at)),
            _ => errors.append(&mut entry_errors.list),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if dry_run {
        let ids = updates.into_iter().map(|(id, _)| id).collect();
        let found = preview(&state.pool, BulkOp::MoveTime, &TaskSelector::Ids(ids)).await?;
        return Ok(Json(ExecutionTimesAnswer::DryRun(found.into())));
    }
    let outcomes = store::update_execution_times(&state.pool, &updates).await?;
    let mut response = ExecutionTimesResponse {
        updated: 0,
        not_found: Vec::new(),
        finished: Vec::new(),
    };
    for (id, outcome) in outcomes {
        match outcome {
            ExecutionTimeOutcome::Updated => response.updated += 1,
            ExecutionTimeOutcome::Finished => response.finished.push(id),
            ExecutionTimeOutcome::NotFound => response.not_found.push(id),
        }
    }
    Ok(Json(ExecutionTimesAnswer::Done(response)))
}

/// Reads a selector body: exactly one of `task_ids` or `group_id`.
fn selector(request: TaskSelectorRequest) -> ApiResult<TaskSelector> {
    match (request.task_ids, request.group_id) {
        (Some(ids), None) => task_ids(ids),
        (None, Some(group)) => Id::parse(&group)
            .map(TaskSelector::Group)
            .map_err(|m| ApiError::validation(vec![FieldError::new("group_id", m)])),
        (Some(_), Some(_)) => Err(ApiError::validation(vec![FieldError::new(
            "body",
            "give exactly one of task_ids or group_id, not both",
        )])),
        (None, None) => Err(ApiError::validation(vec![FieldError::new(
            "body",
            "give exactly one of task_ids or group_id",
        )])),
    }
}

/// A dry run of `op`: its selection alone, nothing written.
async fn dry_run(
    state: &AppState,
    op: BulkOp,
    selector: &TaskSelector,
) -> ApiResult<Json<AffectedResponse>> {
    Ok(Json(preview(&state.pool, op, selector).await?.into()))
}

/// Reads `task_ids`: at most [`MAX_BATCH`] valid ids.
fn task_ids(ids: Vec<String>) -> ApiResult<TaskSelector> {
    if ids.len() > MAX_BATCH {
        return Err(ApiError::validation(vec![FieldError::new(
            "task_ids",
            format!("at most {MAX_BATCH} ids per request"),
        )]));
    }
    let mut errors = Vec::new();
    let mut parsed = Vec::with_capacity(ids.len());
    for (i, raw) in ids.iter().enumerate() {
        match Id::parse(raw) {
            Ok(id) => parsed.push(id),
            Err(m) => errors.push(FieldError::new(format!("task_ids[{i}]"), m)),
        }
    }
    if errors.is_empty() {
        Ok(TaskSelector::Ids(parsed))
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Pause tasks (TaskShed's `pause_tasks`).
///
/// Pausing keeps `run_at` and stamps `paused_at`; tasks already paused keep their first
/// stamp and are not counted. `affected` counts tasks that became paused. A delivery
/// already in flight finishes; nothing more happens until resumed. With `"dry_run": true`
/// nothing changes: the answer counts the tasks that would be paused and lists the first
/// 100 ids (`task_ids`).
#[utoipa::path(post, path = "/v1/tasks/pause", tag = "tasks",
    request_body = TaskSelectorRequest,
    responses(
        (status = 200, description = "How many tasks became paused", body = AffectedResponse),
        (status = 422, description = "Not exactly one of task_ids or group_id", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn pause_tasks(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<TaskSelectorRequest>,
) -> ApiResult<Json<AffectedResponse>> {
    let dry = request.dry_run.unwrap_or(false);
    let selector = selector(request)?;
    if dry {
        return dry_run(&state, BulkOp::Pause, &selector).await;
    }
    let affected = store::pause_tasks(&state.pool, &selector).await?;
    Ok(Json(AffectedResponse::done(affected)))
}

/// Resume paused tasks (TaskShed's `resume_tasks`).
///
/// Clears `paused` and `paused_at` without rescheduling: an overdue task fires at once.
/// `affected` counts tasks that were paused. With `"dry_run": true` nothing changes: the
/// answer counts the tasks that would be resumed and lists the first 100 ids.
#[utoipa::path(post, path = "/v1/tasks/resume", tag = "tasks",
    request_body = TaskSelectorRequest,
    responses(
        (status = 200, description = "How many tasks were resumed", body = AffectedResponse),
        (status = 422, description = "Not exactly one of task_ids or group_id", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn resume_tasks(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<TaskSelectorRequest>,
) -> ApiResult<Json<AffectedResponse>> {
    let dry = request.dry_run.unwrap_or(false);
    let selector = selector(request)?;
    if dry {
        return dry_run(&state, BulkOp::Resume, &selector).await;
    }
    let affected = store::resume_tasks(&state.pool, &selector).await?;
    Ok(Json(AffectedResponse::done(affected)))
}

/// Delete tasks (TaskShed's `remove_tasks`), with their attempt history.
///
/// `affected` counts deleted tasks. A delivery already in flight finishes; nothing more
/// happens. With `"dry_run": true` nothing changes: the answer counts the tasks that would
/// be deleted and lists the first 100 ids.
#[utoipa::path(post, path = "/v1/tasks/delete", tag = "tasks",
    request_body = TaskSelectorRequest,
    responses(
        (status = 200, description = "How many tasks were deleted", body = AffectedResponse),
        (status = 422, description = "Not exactly one of task_ids or group_id", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn delete_tasks(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<TaskSelectorRequest>,
) -> ApiResult<Json<AffectedResponse>> {
    let dry = request.dry_run.unwrap_or(false);
    let selector = selector(request)?;
    if dry {
        return dry_run(&state, BulkOp::Delete, &selector).await;
    }
    let affected = store::delete_tasks(&state.pool, &selector).await?;
    Ok(Json(AffectedResponse::done(affected)))
}

/// Delete one task, with its attempt history.
#[utoipa::path(delete, path = "/v1/tasks/{task_id}", tag = "tasks",
    params(("task_id" = String, Path, description = "The task's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`task_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn delete_task(
    State(state): State<AppState>,
    ApiPath(task_id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let id = path_id(&task_id, "task_id")?;
    if store::delete_task(&state.pool, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(task_not_found(id.as_str()))
    }
}

/// A task's delivery history, newest first.
#[utoipa::path(get, path = "/v1/tasks/{task_id}/attempts", tag = "tasks",
    params(
        ("task_id" = String, Path, description = "The task's id"),
        ("limit" = Option<i64>, Query, description = "Page size, 1–1000 (default 100)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of attempts", body = AttemptPage),
        (status = 404, description = "`task_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed id, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn list_attempts(
    State(state): State<AppState>,
    ApiPath(task_id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<AttemptPage>> {
    let id = path_id(&task_id, "task_id")?;
    let page = PageRequest::from_query(query.as_deref())?;
    let before = page.after_id()?;
    if store::get_task(&state.pool, id.as_str()).await?.is_none() {
        return Err(task_not_found(id.as_str()));
    }
    let (rows, more) =
        crate::store::attempts::list_attempts(&state.pool, id.as_str(), before, page.limit).await?;
    let last = rows.last().map(|r| r.attempt_id.to_string());
    Ok(Json(AttemptPage {
        attempts: rows.into_iter().map(Attempt::from).collect(),
        next_cursor: next_cursor(more, last.as_deref()),
    }))
}

/// Re-arm a failed task: it becomes due now, with a fresh attempt count.
///
/// The occurrence (and so the `webhook-id`) stays the same, so receivers can deduplicate.
#[utoipa::path(post, path = "/v1/tasks/{task_id}/retry", tag = "tasks",
    params(("task_id" = String, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The re-armed task", body = Task),
        (status = 404, description = "`task_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`task_not_failed`: only failed tasks can be retried", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn retry_task(
    State(state): State<AppState>,
    ApiPath(task_id): ApiPath<String>,
) -> ApiResult<Json<Task>> {
    let id = path_id(&task_id, "task_id")?;
    match store::retry_task(&state.pool, &id).await? {
        RetryOutcome::Rearmed(row) => Ok(Json(Task::from(*row))),
        RetryOutcome::NotFailed(status) => Err(ApiError::conflict(
            "task_not_failed",
            format!(
                "task {:?} is {}; only failed tasks can be retried",
                id.as_str(),
                status.as_str()
            ),
        )),
        RetryOutcome::NotFound => Err(task_not_found(id.as_str())),
    }
}

/// Re-arm many failed tasks at once, in one statement.
///
/// Exactly one of `task_ids`, `group_id` or `callback` picks the tasks; only `failed` ones
/// are re-armed, as `POST /v1/tasks/{task_id}/retry` does each (due now, attempts reset,
/// same occurrence and `webhook-id`). `failed_after` / `failed_before` (RFC 3339, any
/// offset) keep those whose failure time (`finished_at`) is in `[failed_after,
/// failed_before)`. `affected` counts re-armed tasks. With `"dry_run": true` nothing
/// changes: the answer counts the tasks that would be re-armed and lists the first 100 ids.
#[utoipa::path(post, path = "/v1/tasks/retry", tag = "tasks",
    request_body = RetryTasksRequest,
    responses(
        (status = 200, description = "How many tasks were (or, with `dry_run`, would be) re-armed", body = AffectedResponse),
        (status = 422, description = "Not exactly one of task_ids, group_id or callback, or an invalid field", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn retry_tasks(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RetryTasksRequest>,
) -> ApiResult<Json<AffectedResponse>> {
    let one_of = "give exactly one of task_ids, group_id or callback";
    let selector = match (request.task_ids, request.group_id, request.callback) {
        (Some(ids), None, None) => task_ids(ids)?,
        (None, Some(group), None) => TaskSelector::Group(
            Id::parse(&group)
                .map_err(|m| ApiError::validation(vec![FieldError::new("group_id", m)]))?,
        ),
        (None, None, Some(callback)) => TaskSelector::Callback(
            Id::parse(&callback)
                .map_err(|m| ApiError::validation(vec![FieldError::new("callback", m)]))?,
        ),
        _ => return Err(ApiError::validation(vec![FieldError::new("body", one_of)])),
    };
    let mut errors = Vec::new();
    let mut instant = |field: &str, raw: Option<String>| {
        raw.and_then(|raw| {
            parse_instant(&raw, None)
                .map_err(|m| errors.push(FieldError::new(field, m)))
                .ok()
        })
    };
    let window = FailedWindow {
        failed_after: instant("failed_after", request.failed_after),
        failed_before: instant("failed_before", request.failed_before),
    };
    if let (Some(after), Some(before)) = (window.failed_after, window.failed_before) {
        if after >= before {
            // An empty window is a mistake, not a request to retry nothing.
            errors.push(FieldError::new(
                "failed_before",
                "must be later than failed_after",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let op = BulkOp::Retry(window);
    if request.dry_run.unwrap_or(false) {
        return dry_run(&state, op, &selector).await;
    }
    let affected = store::retry_tasks(&state.pool, &selector, window).await?;
    Ok(Json(AffectedResponse::done(affected)))
}
