//! Task rows: create (single and batch), read, list, change, pause, resume, delete.
//!
//! Statements that can make a task due soon send a wake-up, and statements that touch a
//! claimed (`running`) task send `taskshed_revalidate` so its holder drops an unsent claim,
//! each as part of the statement itself, with the fragments of [`super::notify`].

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::notify::{evaluate, revalidate_cte, wake_cte};
use super::task_selection::{push_target, BulkOp, FailedWindow};
use crate::domain::ids::Id;
use crate::domain::kwargs_schema::KwargsViolation;
use crate::domain::task::{NewTask, RunType, TaskPatch, TaskSelector, TaskStatus};

/// Columns of a task as read back; `kwargs` comes back as its exact stored text.
pub const TASK_COLUMNS: &str = "t.task_id, t.callback, t.run_type, t.run_at, t.due_at, \
     t.interval_us, t.timezone, t.kwargs::text as kwargs, t.group_id, t.paused, t.paused_at, \
     t.coalesce_missed, t.status, t.attempts, t.last_error, t.runs, t.created_at, t.updated_at, \
     t.finished_at, t.cron, t.dst_gap, t.dst_overlap, t.start_at, t.end_at, t.max_runs, \
     t.jitter_us";

/// A task as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRow {
    pub task_id: String,
    pub callback: String,
    pub run_type: RunType,
    pub run_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub interval_us: Option<i64>,
    pub timezone: Option<String>,
    pub kwargs: String,
    pub group_id: Option<String>,
    pub paused: bool,
    pub paused_at: Option<DateTime<Utc>>,
    pub coalesce_missed: bool,
    pub status: TaskStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub runs: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub cron: Option<String>,
    pub dst_gap: Option<String>,
    pub dst_overlap: Option<String>,
    pub start_at: Option<DateTime<Utc>>,
    pub end_at: Option<DateTime<Utc>>,
    pub max_runs: Option<i64>,
    pub jitter_us: Option<i64>,
}

/// What a create did with one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Created,
    Replaced,
    /// The id existed and `replace_existing` was false: the stored task was kept.
    Kept,
}

/// Result of creating one task.
pub enum CreateOne {
    Written(Box<TaskRow>, WriteOutcome),
    Exists,
    UnknownCallback,
    /// The kwargs break the callback's `kwargs_schema`; nothing was written.
    InvalidKwargs(Vec<KwargsViolation>),
}

/// Which callbacks a single create (or group commit) may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackCheck {
    /// Any registered callback: the caller has checked the kwargs against its schema.
    Registered,
    /// Only a registered callback without a `kwargs_schema`: group commit's first try,
    /// made without reading the schemas. The statement itself checks that the callback
    /// has none, so a task is never written unchecked; one whose callback has a schema is
    /// left unwritten, as if the callback were unknown, for the caller to check and write.
    WithoutSchema,
}

impl CallbackCheck {
    /// The condition on the callback `c` named by `name` (a column or parameter).
    fn condition(self, name: &str) -> String {
        let schema = match self {
            CallbackCheck::Registered => "",
            CallbackCheck::WithoutSchema => " and c.kwargs_schema is null",
        };
        format!("exists (select 1 from callbacks c where c.name = {name}{schema})")
    }
}

/// What an insert does when the task id exists. A replaced task that is `running` keeps
/// its claim (status, holder, fence, lease) and is flagged `changed_while_running`: its
/// attempt in flight ends first, then the holder's finish re-arms it as replaced
/// (migration 0010), so two attempts of one task never overlap.
/// A replaced task is the caller's, even if its id was that of a failure notification
/// (migration 0008): its failures notify again.
fn on_conflict(replace: bool) -> &'static str {
    if replace {
        "do update set callback = excluded.callback, run_type = excluded.run_type, \
         run_at = excluded.run_at, due_at = excluded.due_at, interval_us = excluded.interval_us, \
         timezone = excluded.timezone, kwargs = excluded.kwargs, group_id = excluded.group_id, \
         paused = excluded.paused, \
         paused_at = case when excluded.paused then coalesce(t.paused_at, now()) end, \
         coalesce_missed = excluded.coalesce_missed, cron = excluded.cron, \
         dst_gap = excluded.dst_gap, dst_overlap = excluded.dst_overlap, \
         start_at = excluded.start_at, end_at = excluded.end_at, max_runs = excluded.max_runs, \
         jitter_us = excluded.jitter_us, attempts = 0, \
         last_error = null, runs = 0, occurrence = gen_random_uuid(), \
         status = case when t.status = 'running' then 'running' else 'scheduled' end, \
         lease_until = case when t.status = 'running' then t.lease_until end, \
         claimed_by = case when t.status = 'running' then t.claimed_by end, \
         fence = case when t.status = 'running' then t.fence else taskshed_new_fence() end, \
         changed_while_running = (t.status = 'running'), \
         updated_at = now(), finished_at = null, is_notification = false"
    } else {
        "do nothing"
    }
}

/// The batch insert, bound as arrays (`UNNEST`), with at most one wake-up and one
/// revalidation notice for the whole statement. The caller checks callbacks beforehand
/// ([`super::callbacks::callback_schemas`]) rather than per row here.
fn insert_many_statement(replace: bool) -> String {
    const SCHEDULE_COLUMNS: &str =
        "cron, dst_gap, dst_overlap, start_at, end_at, max_runs, jitter_us";
    format!(
        "with input as ( \
           select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], \
             $5::int8[], $6::text[], $7::text[], $8::text[], $9::bool[], $10::bool[], \
             $11::timestamptz[], $12::text[], $13::text[], $14::text[], $15::timestamptz[], \
             $16::timestamptz[], $17::int8[], $18::int8[]) \
           as i(task_id, callback, run_type, run_at, interval_us, timezone, kwargs, group_id, \
                paused, coalesce_missed, due_at, cron, dst_gap, dst_overlap, start_at, end_at, \
                max_runs, jitter_us) \
         ), written as ( \
           insert into tasks as t (task_id, callback, run_type, run_at, due_at, interval_us, \
             timezone, kwargs, group_id, paused, paused_at, coalesce_missed, {SCHEDULE_COLUMNS}) \
           select task_id, callback, run_type, run_at, due_at, interval_us, timezone, \
             kwargs::json, group_id, paused, case when paused then now() end, coalesce_missed, \
             {SCHEDULE_COLUMNS} \
           from input \
           on conflict (task_id) {} \
           returning t.task_id, t.due_at, t.paused, (xmax = 0) as inserted \
         ), {}, {} \
         select written.task_id, written.inserted, {} as notified \
         from written",
        on_conflict(replace),
        wake_cte("written", "not paused"),
        revalidate_cte("written", "not inserted"),
        evaluate(&["wake", "revalidate"]),
    )
}

/// The single-task insert without its conflict clause: a plain `INSERT … SELECT … WHERE`
/// (no arrays, no CTEs), the create path's hot statement; no row means the callback is
/// not one `check` accepts.
fn insert_one(check: CallbackCheck) -> String {
    format!(
        "insert into tasks as t (task_id, callback, run_type, run_at, due_at, \
           interval_us, timezone, kwargs, group_id, paused, paused_at, coalesce_missed, cron, \
           dst_gap, dst_overlap, start_at, end_at, max_runs, jitter_us) \
         select $1::text, $2::text, $3::text, $4::timestamptz, $11::timestamptz, $5::int8, \
           $6::text, $7::text::json, $8::text, $9::bool, case when $9::bool then now() end, \
           $10::bool, $12::text, $13::text, $14::text, $15::timestamptz, $16::timestamptz, \
           $17::int8, $18::int8 \
         where {}",
        check.condition("$2::text")
    )
}

/// The single-task upsert, with its wake-up and (for a replaced task, which may have been
/// claimed) its revalidation notice.
fn insert_one_statement(replace: bool, check: CallbackCheck) -> String {
    format!(
        "with written as ( \
           {} on conflict (task_id) {} \
           returning {TASK_COLUMNS}, (xmax = 0) as inserted \
         ), {}, {} \
         select written.*, {} as notified from written",
        insert_one(check),
        on_conflict(replace),
        wake_cte("written", "not paused"),
        revalidate_cte("written", "not inserted"),
        evaluate(&["wake", "revalidate"]),
    )
}

/// The optimistic batch insert: no `ON CONFLICT`, which costs PostgreSQL a speculative
/// insertion per row (about twice the work of a plain insert, measured). If an id exists
/// the statement fails whole with a unique violation and the upsert runs instead.
const INSERT_MANY_PLAIN: &str = "insert into tasks (task_id, callback, run_type, run_at, \
       due_at, interval_us, timezone, kwargs, group_id, paused, paused_at, coalesce_missed, \
       cron, dst_gap, dst_overlap, start_at, end_at, max_runs, jitter_us) \
     select task_id, callback, run_type, run_at, due_at, interval_us, timezone, kwargs::json, \
       group_id, paused, case when paused then now() end, coalesce_missed, cron, dst_gap, \
       dst_overlap, start_at, end_at, max_runs, jitter_us \
     from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int8[], \
       $6::text[], $7::text[], $8::text[], $9::bool[], $10::bool[], $11::timestamptz[], \
       $12::text[], $13::text[], $14::text[], $15::timestamptz[], $16::timestamptz[], \
       $17::int8[], $18::int8[]) \
       as i(task_id, callback, run_type, run_at, interval_us, timezone, kwargs, group_id, \
            paused, coalesce_missed, due_at, cron, dst_gap, dst_overlap, start_at, end_at, \
            max_runs, jitter_us)";

/// The optimistic single insert (see [`INSERT_MANY_PLAIN`]) with its wake-up; no row back
/// means the callback is not one `check` accepts.
fn insert_one_plain_statement(check: CallbackCheck) -> &'static str {
    fn build(check: CallbackCheck) -> String {
        format!(
            "with written as ({} returning {TASK_COLUMNS}), {} \
             select written.*, {} as notified from written",
            insert_one(check),
            wake_cte("written", "not paused"),
            evaluate(&["wake"]),
        )
    }
    static REGISTERED: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| build(CallbackCheck::Registered));
    static WITHOUT_SCHEMA: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| build(CallbackCheck::WithoutSchema));
    match check {
        CallbackCheck::Registered => REGISTERED.as_str(),
        CallbackCheck::WithoutSchema => WITHOUT_SCHEMA.as_str(),
    }
}

/// [`INSERT_MANY_PLAIN`] with its wake-up; returns the number of rows written.
fn insert_many_plain_statement() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "with written as ({INSERT_MANY_PLAIN} returning due_at, paused), {} \
             select count(*) + {} from written",
            wake_cte("written", "not paused"),
            evaluate(&["wake"]),
        )
    });
    SQL.as_str()
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "23505")
}

/// The insert's array binds, one vector per column.
struct InsertColumns {
    task_id: Vec<String>,
    callback: Vec<String>,
    run_type: Vec<&'static str>,
    run_at: Vec<DateTime<Utc>>,
    interval_us: Vec<Option<i64>>,
    timezone: Vec<Option<String>>,
    kwargs: Vec<String>,
    group_id: Vec<Option<String>>,
    paused: Vec<bool>,
    coalesce: Vec<bool>,
    due_at: Vec<DateTime<Utc>>,
    cron: Vec<Option<String>>,
    dst_gap: Vec<Option<&'static str>>,
    dst_overlap: Vec<Option<&'static str>>,
    start_at: Vec<Option<DateTime<Utc>>>,
    end_at: Vec<Option<DateTime<Utc>>>,
    max_runs: Vec<Option<i64>>,
    jitter_us: Vec<Option<i64>>,
}

impl InsertColumns {
    fn from_tasks<'a>(tasks: impl ExactSizeIterator<Item = &'a NewTask>) -> Self {
        let n = tasks.len();
        let mut cols = InsertColumns {
            task_id: Vec::with_capacity(n),
            callback: Vec::with_capacity(n),
            run_type: Vec::with_capacity(n),
            run_at: Vec::with_capacity(n),
            interval_us: Vec::with_capacity(n),
            timezone: Vec::with_capacity(n),
            kwargs: Vec::with_capacity(n),
            group_id: Vec::with_capacity(n),
            paused: Vec::with_capacity(n),
            coalesce: Vec::with_capacity(n),
            due_at: Vec::with_capacity(n),
            cron: Vec::with_capacity(n),
            dst_gap: Vec::with_capacity(n),
            dst_overlap: Vec::with_capacity(n),
            start_at: Vec::with_capacity(n),
            end_at: Vec::with_capacity(n),
            max_runs: Vec::with_capacity(n),
            jitter_us: Vec::with_capacity(n),
        };
        for task in tasks {
            cols.task_id.push(task.task_id.as_str().to_owned());
            cols.callback.push(task.callback.as_str().to_owned());
            cols.run_type.push(task.run_type.as_str());
            cols.run_at.push(task.run_at);
            cols.interval_us.push(task.interval.map(|i| i.as_micros()));
            cols.timezone.push(task.timezone.clone());
            cols.kwargs.push(task.kwargs.clone());
            cols.group_id
                .push(task.group_id.as_ref().map(|g| g.as_str().to_owned()));
            cols.paused.push(task.paused);
            cols.coalesce.push(task.coalesce);
            let schedule = ScheduleValues::of(task);
            cols.due_at.push(task.due_at);
            cols.cron.push(schedule.cron.map(str::to_owned));
            cols.dst_gap.push(schedule.dst_gap);
            cols.dst_overlap.push(schedule.dst_overlap);
            cols.start_at.push(task.bounds.start_at);
            cols.end_at.push(task.bounds.end_at);
            cols.max_runs.push(task.bounds.max_runs);
            cols.jitter_us.push(schedule.jitter_us);
        }
        cols
    }
}

/// A task's schedule columns as bound.
struct ScheduleValues<'a> {
    cron: Option<&'a str>,
    dst_gap: Option<&'static str>,
    dst_overlap: Option<&'static str>,
    jitter_us: Option<i64>,
}

impl<'a> ScheduleValues<'a> {
    fn of(task: &'a NewTask) -> Self {
        let cron = task.cron.as_ref();
        ScheduleValues {
            cron: cron.map(|(expression, _)| expression.as_str()),
            dst_gap: cron.map(|(_, dst)| dst.gap.as_str()),
            dst_overlap: cron.map(|(_, dst)| dst.overlap.as_str()),
            jitter_us: task.bounds.jitter.map(|jitter| jitter.as_micros()),
        }
    }
}

/// Binds the eighteen column arrays, in statement order, to a `Query` or `QueryAs`.
macro_rules! bind_columns {
    ($query:expr, $cols:expr) => {{
        let cols = $cols;
        $query
            .bind(cols.task_id)
            .bind(cols.callback)
            .bind(cols.run_type)
            .bind(cols.run_at)
            .bind(cols.interval_us)
            .bind(cols.timezone)
            .bind(cols.kwargs)
            .bind(cols.group_id)
            .bind(cols.paused)
            .bind(cols.coalesce)
            .bind(cols.due_at)
            .bind(cols.cron)
            .bind(cols.dst_gap)
            .bind(cols.dst_overlap)
            .bind(cols.start_at)
            .bind(cols.end_at)
            .bind(cols.max_runs)
            .bind(cols.jitter_us)
    }};
}

#[derive(sqlx::FromRow)]
struct WrittenRow {
    #[sqlx(flatten)]
    task: TaskRow,
    inserted: bool,
}

#[derive(sqlx::FromRow)]
struct WrittenId {
    task_id: String,
    inserted: bool,
}

/// Creates (or replaces) one task and returns it as stored. `UnknownCallback` means the
/// callback is not one `check` accepts.
pub async fn insert_task(
    pool: &PgPool,
    task: &NewTask,
    replace: bool,
    check: CallbackCheck,
) -> Result<CreateOne, sqlx::Error> {
    let schedule = ScheduleValues::of(task);
    macro_rules! bind_task {
        ($query:expr) => {
            $query
                .bind(task.task_id.as_str())
                .bind(task.callback.as_str())
                .bind(task.run_type.as_str())
                .bind(task.run_at)
                .bind(task.interval.map(|i| i.as_micros()))
                .bind(task.timezone.as_deref())
                .bind(task.kwargs.as_str())
                .bind(task.group_id.as_ref().map(Id::as_str))
                .bind(task.paused)
                .bind(task.coalesce)
                .bind(task.due_at)
                .bind(schedule.cron)
                .bind(schedule.dst_gap)
                .bind(schedule.dst_overlap)
                .bind(task.bounds.start_at)
                .bind(task.bounds.end_at)
                .bind(task.bounds.max_runs)
                .bind(schedule.jitter_us)
        };
    }
    let plain: Result<Option<TaskRow>, sqlx::Error> =
        bind_task!(sqlx::query_as(insert_one_plain_statement(check)))
            .fetch_optional(pool)
            .await;
    let (row, outcome) = match plain {
        Ok(Some(row)) => (row, WriteOutcome::Created),
        Ok(None) => return Ok(CreateOne::UnknownCallback),
        Err(error) if is_unique_violation(&error) => {
            let upserted: Option<WrittenRow> =
                bind_task!(sqlx::query_as(&insert_one_statement(replace, check)))
                    .fetch_optional(pool)
                    .await?;
            match upserted {
                Some(row) if row.inserted => (row.task, WriteOutcome::Created),
                Some(row) => (row.task, WriteOutcome::Replaced),
                None => return no_row_written(pool, task, check).await,
            }
        }
        Err(error) => return Err(error),
    };
    Ok(CreateOne::Written(Box::new(row), outcome))
}

/// Nothing written by the upsert: either the callback is unknown (to `check`) or the id
/// exists (and `replace_existing` is false).
async fn no_row_written(
    pool: &PgPool,
    task: &NewTask,
    check: CallbackCheck,
) -> Result<CreateOne, sqlx::Error> {
    let callback_known: bool =
        sqlx::query_scalar(&format!("select {}", check.condition("$1::text")))
            .bind(task.callback.as_str())
            .fetch_one(pool)
            .await?;
    Ok(if callback_known {
        CreateOne::Exists
    } else {
        CreateOne::UnknownCallback
    })
}

/// Creates many tasks in one statement; outcomes come back in input order.
///
/// The caller has checked that task ids are distinct and callbacks registered
/// ([`super::callbacks::callback_schemas`]). A callback deleted in between (its deletion raced this
/// insert's check) leaves tasks naming it; their attempts fail with
/// `callback is not registered`, visible in their attempt history.
pub async fn insert_tasks(
    pool: &PgPool,
    tasks: &[NewTask],
    replace: bool,
) -> Result<Vec<WriteOutcome>, sqlx::Error> {
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    let plain: Result<i64, sqlx::Error> = bind_columns!(
        sqlx::query_scalar(insert_many_plain_statement()),
        InsertColumns::from_tasks(tasks.iter())
    )
    .fetch_one(pool)
    .await;
    match plain {
        Ok(_) => return Ok(vec![WriteOutcome::Created; tasks.len()]),
        Err(error) if is_unique_violation(&error) => {}
        Err(error) => return Err(error),
    }
    // Some ids exist: the upsert decides, per row, between created, replaced and kept.
    let sql = insert_many_statement(replace);
    let written: Vec<WrittenId> = bind_columns!(
        sqlx::query_as(&sql),
        InsertColumns::from_tasks(tasks.iter())
    )
    .fetch_all(pool)
    .await?;
    let by_id: std::collections::HashMap<&str, bool> = written
        .iter()
        .map(|w| (w.task_id.as_str(), w.inserted))
        .collect();
    Ok(tasks
        .iter()
        .map(|task| match by_id.get(task.task_id.as_str()) {
            Some(true) => WriteOutcome::Created,
            Some(false) => WriteOutcome::Replaced,
            None => WriteOutcome::Kept,
        })
        .collect())
}

/// The statement behind group commit ([`crate::create_batcher`]): creates the tasks of
/// several independent single-create requests in one plain `INSERT`, and returns each
/// written row. A task whose callback `check` does not accept is left out of the result.
fn insert_coalesced_statement(check: CallbackCheck) -> String {
    format!(
        "with written as ( \
           insert into tasks as t (task_id, callback, run_type, run_at, \
             due_at, interval_us, timezone, kwargs, group_id, paused, paused_at, \
             coalesce_missed, cron, dst_gap, dst_overlap, start_at, end_at, max_runs, \
             jitter_us) \
           select i.task_id, i.callback, i.run_type, i.run_at, i.due_at, i.interval_us, \
             i.timezone, i.kwargs::json, i.group_id, i.paused, \
             case when i.paused then now() end, i.coalesce_missed, i.cron, i.dst_gap, \
             i.dst_overlap, i.start_at, i.end_at, i.max_runs, i.jitter_us \
           from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int8[], \
             $6::text[], $7::text[], $8::text[], $9::bool[], $10::bool[], \
             $11::timestamptz[], $12::text[], $13::text[], $14::text[], \
             $15::timestamptz[], $16::timestamptz[], $17::int8[], $18::int8[]) \
             as i(task_id, callback, run_type, run_at, interval_us, timezone, kwargs, \
                  group_id, paused, coalesce_missed, due_at, cron, dst_gap, dst_overlap, \
                  start_at, end_at, max_runs, jitter_us) \
           where {} \
           returning {TASK_COLUMNS} \
         ), {} \
         select written.*, {} as notified from written",
        check.condition("i.callback"),
        wake_cte("written", "not paused"),
        evaluate(&["wake"]),
    )
}

/// Creates the tasks of several single-create requests in one statement (one transaction,
/// one WAL flush). The statement is all or nothing: if any id
/// exists (or two requests share one) it fails with a unique violation and nothing is
/// written, and the caller falls back to [`insert_task`] per request, which decides
/// created / replaced / 409 for each.
///
/// Returns the written rows (in no particular order); a task missing from them names a
/// callback `check` does not accept. Sends one wake-up for the batch if one is due soon.
pub async fn insert_coalesced(
    pool: &PgPool,
    tasks: &[&NewTask],
    check: CallbackCheck,
) -> Result<Vec<TaskRow>, sqlx::Error> {
    static REGISTERED: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| insert_coalesced_statement(CallbackCheck::Registered));
    static WITHOUT_SCHEMA: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| insert_coalesced_statement(CallbackCheck::WithoutSchema));
    let sql = match check {
        CallbackCheck::Registered => REGISTERED.as_str(),
        CallbackCheck::WithoutSchema => WITHOUT_SCHEMA.as_str(),
    };
    let rows: Vec<TaskRow> = bind_columns!(
        sqlx::query_as(sql),
        InsertColumns::from_tasks(tasks.iter().copied())
    )
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub async fn get_task(pool: &PgPool, task_id: &str) -> Result<Option<TaskRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {TASK_COLUMNS} from tasks t where t.task_id = $1"
    ))
    .bind(task_id)
    .fetch_optional(pool)
    .await
}

/// Filters of a task listing.
#[derive(Debug, Default, Clone)]
pub struct TaskFilter {
    pub task_ids: Option<Vec<String>>,
    pub group_id: Option<String>,
    pub status: Option<TaskStatus>,
    pub callback: Option<String>,
    pub paused: Option<bool>,
    /// Exclusive lower bound on `task_id` (the decoded cursor).
    pub after: Option<String>,
}

/// One page of tasks in `task_id` order, and whether more follow.
pub async fn list_tasks(
    pool: &PgPool,
    filter: &TaskFilter,
    limit: i64,
) -> Result<(Vec<TaskRow>, bool), sqlx::Error> {
    let mut query: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("select {TASK_COLUMNS} from tasks t where true"));
    if let Some(ids) = &filter.task_ids {
        query
            .push(" and t.task_id = any(")
            .push_bind(ids.clone())
            .push(")");
    }
    if let Some(group) = &filter.group_id {
        query.push(" and t.group_id = ").push_bind(group.clone());
    }
    if let Some(status) = filter.status {
        query.push(" and t.status = ").push_bind(status.as_str());
    }
    if let Some(callback) = &filter.callback {
        query.push(" and t.callback = ").push_bind(callback.clone());
    }
    if let Some(paused) = filter.paused {
        query.push(" and t.paused = ").push_bind(paused);
    }
    if let Some(after) = &filter.after {
        query.push(" and t.task_id > ").push_bind(after.clone());
    }
    query
        .push(" order by t.task_id limit ")
        .push_bind(limit + 1);
    let mut rows: Vec<TaskRow> = query.build_query_as().fetch_all(pool).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// Runs a bulk write built around `op`'s target predicate ([`push_target`]): `head` up to
/// its `where`, then `tail` after it. Returns the statement's count.
async fn run_bulk(
    pool: &PgPool,
    op: BulkOp,
    selector: &TaskSelector,
    head: &str,
    tail: &str,
) -> Result<i64, sqlx::Error> {
    let mut query = QueryBuilder::new(head);
    push_target(&mut query, op, selector);
    query.push(tail);
    query.build_query_scalar().fetch_one(pool).await
}

/// Pauses unfinished, unpaused tasks; returns how many changed. Already-paused tasks keep
/// their first `paused_at`.
pub async fn pause_tasks(pool: &PgPool, selector: &TaskSelector) -> Result<i64, sqlx::Error> {
    run_bulk(
        pool,
        BulkOp::Pause,
        selector,
        "with changed as ( \
           update tasks t set paused = true, paused_at = now(), updated_at = now() where ",
        &format!(
            " returning t.status \
             ), {} \
             select count(*) + {} from changed",
            revalidate_cte("changed", "status = 'running'"),
            evaluate(&["revalidate"]),
        ),
    )
    .await
}

/// Resumes paused tasks; `run_at` is kept, so an overdue task fires at once.
pub async fn resume_tasks(pool: &PgPool, selector: &TaskSelector) -> Result<i64, sqlx::Error> {
    run_bulk(
        pool,
        BulkOp::Resume,
        selector,
        "with changed as ( \
           update tasks t set paused = false, paused_at = null, updated_at = now() where ",
        &format!(
            " returning t.due_at, t.status \
             ), {} \
             select count(*) + {} from changed",
            wake_cte("changed", "status = 'scheduled'"),
            evaluate(&["wake"]),
        ),
    )
    .await
}

/// Deletes tasks (any status) with their attempt history; returns how many.
pub async fn delete_tasks(pool: &PgPool, selector: &TaskSelector) -> Result<i64, sqlx::Error> {
    run_bulk(
        pool,
        BulkOp::Delete,
        selector,
        "with gone as (delete from tasks t where ",
        &format!(
            " returning t.task_id, t.status \
             ), history as ( \
               delete from attempts where task_id in (select task_id from gone) \
             ), ledger as ( \
               delete from misfires where task_id in (select task_id from gone) \
             ), {} \
             select count(*) + {} from gone",
            revalidate_cte("gone", "status = 'running'"),
            evaluate(&["revalidate"]),
        ),
    )
    .await
}

/// The re-arm of a failed task, shared by single and bulk retry: due now, attempts reset,
/// same occurrence (so receivers that already processed it can deduplicate by
/// `webhook-id`).
const REARM: &str = "update tasks t set status = 'scheduled', due_at = now(), attempts = 0, \
     finished_at = null, updated_at = now() where ";

/// Re-arms the failed tasks `selector` and `window` pick, in one statement (one wake-up);
/// returns how many.
pub async fn retry_tasks(
    pool: &PgPool,
    selector: &TaskSelector,
    window: FailedWindow,
) -> Result<i64, sqlx::Error> {
    run_bulk(
        pool,
        BulkOp::Retry(window),
        selector,
        &format!("with changed as ({REARM}"),
        &format!(
            " returning t.due_at, t.paused), {} \
             select count(*) + {} from changed",
            wake_cte("changed", "not paused"),
            evaluate(&["wake"]),
        ),
    )
    .await
}

/// Deletes one task; false when it did not exist.
pub async fn delete_task(pool: &PgPool, task_id: &Id) -> Result<bool, sqlx::Error> {
    let deleted = delete_tasks(pool, &TaskSelector::Ids(vec![task_id.clone()])).await?;
    Ok(deleted > 0)
}

/// What happened to one entry of an execution-times update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionTimeOutcome {
    Updated,
    Finished,
    NotFound,
}

/// Moves unfinished tasks to new occurrence times in one statement. A claimed task keeps
/// its claim, flagged `changed_while_running`: an unsent claim is dropped by its holder
/// (told through `taskshed_revalidate`) and handed back, an attempt in flight ends first
/// and its finish re-arms the task at the new time (migration 0010), so attempts never
/// overlap.
pub async fn update_execution_times(
    pool: &PgPool,
    updates: &[(Id, DateTime<Utc>)],
) -> Result<Vec<(String, ExecutionTimeOutcome)>, sqlx::Error> {
    let ids: Vec<String> = updates
        .iter()
        .map(|(id, _)| id.as_str().to_owned())
        .collect();
    let times: Vec<DateTime<Utc>> = updates.iter().map(|(_, at)| *at).collect();
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "with input as ( \
           select * from unnest($1::text[], $2::timestamptz[]) as i(task_id, run_at) \
         ), old as ( \
           select t.task_id, t.status from tasks t join input using (task_id) for update of t \
         ), changed as ( \
           update tasks t set run_at = i.run_at, due_at = i.run_at, attempts = 0, \
             occurrence = gen_random_uuid(), \
             status = case when o.status = 'running' then 'running' else 'scheduled' end, \
             lease_until = case when o.status = 'running' then t.lease_until end, \
             claimed_by = case when o.status = 'running' then t.claimed_by end, \
             fence = case when o.status = 'running' then t.fence \
                     else taskshed_new_fence() end, \
             changed_while_running = (o.status = 'running'), updated_at = now() \
           from input i, old o \
           where t.task_id = i.task_id and o.task_id = t.task_id and {} \
           returning t.task_id, o.status as old_status, t.due_at, t.paused \
         ), {}, {} \
         select i.task_id, \
           case when c.task_id is not null then 'updated' \
                when o.task_id is not null then 'finished' \
                else 'not_found' end, \
           {} \
         from input i left join changed c using (task_id) left join old o using (task_id)",
            BulkOp::MoveTime.condition(),
            wake_cte("changed", "not paused and old_status <> 'running'"),
            revalidate_cte("changed", "old_status = 'running'"),
            evaluate(&["wake", "revalidate"]),
        )
    });
    let rows: Vec<(String, String, i64)> = sqlx::query_as(SQL.as_str())
        .bind(ids)
        .bind(times)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, outcome, _notified)| {
            let outcome = match outcome.as_str() {
                "updated" => ExecutionTimeOutcome::Updated,
                "finished" => ExecutionTimeOutcome::Finished,
                _ => ExecutionTimeOutcome::NotFound,
            };
            (id, outcome)
        })
        .collect())
}

/// Applies a patch to an unfinished task. `None` when the task is missing or finished.
///
/// A new `run_at` or new `kwargs` start a new `webhook-id` (a receiver must never see one
/// id with two bodies). A claimed (`running`) task keeps its claim; if `run_at` or
/// `kwargs` changed it is flagged `changed_while_running`, so an unsent claim is dropped
/// by its holder and handed back, and an attempt in flight ends first, its finish
/// re-arming the task as patched (migration 0010): attempts never overlap. `interval` and
/// `group_id` alone take effect without re-arming anything.
pub async fn patch_task(
    pool: &PgPool,
    task_id: &Id,
    patch: &TaskPatch,
) -> Result<Option<TaskRow>, sqlx::Error> {
    let (set_group, group) = match &patch.group_id {
        Some(group) => (true, group.as_ref().map(|g| g.as_str().to_owned())),
        None => (false, None),
    };
    let row: Option<TaskRow> = sqlx::query_as(&format!(
        "with old as ( \
           select task_id, status from tasks \
           where task_id = $1 and status in ('scheduled', 'running') for update \
         ), changed as ( \
         update tasks t set \
           run_at = coalesce($2::timestamptz, t.run_at), \
           due_at = coalesce($2::timestamptz, t.due_at), \
           timezone = case when $2::timestamptz is null then t.timezone else $3::text end, \
           kwargs = coalesce($4::text::json, t.kwargs), \
           interval_us = coalesce($5::int8, t.interval_us), \
           group_id = case when $6::bool then $7::text else t.group_id end, \
           cron = coalesce($8::text, t.cron), dst_gap = coalesce($9::text, t.dst_gap), \
           dst_overlap = coalesce($10::text, t.dst_overlap), \
           start_at = coalesce($11::timestamptz, t.start_at), \
           end_at = case when $12::bool then $13::timestamptz else t.end_at end, \
           max_runs = case when $14::bool then $15::int8 else t.max_runs end, \
           jitter_us = case when $16::bool then $17::int8 else t.jitter_us end, \
           attempts = case when $2::timestamptz is null then t.attempts else 0 end, \
           occurrence = case when $2::timestamptz is null and $4::text is null \
                        then t.occurrence else gen_random_uuid() end, \
           status = case when o.status = 'running' then 'running' else 'scheduled' end, \
           lease_until = case when o.status = 'running' then t.lease_until end, \
           claimed_by = case when o.status = 'running' then t.claimed_by end, \
           fence = case when o.status = 'running' then t.fence else taskshed_new_fence() end, \
           changed_while_running = t.changed_while_running or (o.status = 'running' \
             and ($2::timestamptz is not null or $4::text is not null)), \
           updated_at = now() \
         from old o where t.task_id = o.task_id \
         returning {TASK_COLUMNS}, o.status as old_status, \
           t.changed_while_running as rearm_later \
         ), {}, {} \
         select changed.*, {} as notified from changed",
        wake_cte("changed", "not paused and old_status <> 'running'"),
        revalidate_cte("changed", "rearm_later"),
        evaluate(&["wake", "revalidate"]),
    ))
    .bind(task_id.as_str())
    .bind(patch.run_at)
    .bind(patch.timezone.as_deref())
    .bind(patch.kwargs.as_deref())
    .bind(patch.interval.map(|i| i.as_micros()))
    .bind(set_group)
    .bind(group)
    .bind(
        patch
            .cron
            .as_ref()
            .map(|(expression, _)| expression.as_str()),
    )
    .bind(patch.cron.as_ref().map(|(_, dst)| dst.gap.as_str()))
    .bind(patch.cron.as_ref().map(|(_, dst)| dst.overlap.as_str()))
    .bind(patch.start_at)
    .bind(patch.end_at.is_some())
    .bind(patch.end_at.flatten())
    .bind(patch.max_runs.is_some())
    .bind(patch.max_runs.flatten())
    .bind(patch.jitter.is_some())
    .bind(patch.jitter.flatten().map(|jitter| jitter.as_micros()))
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Re-arms a failed task: due now, attempts reset, same occurrence (so receivers that
/// already processed it can deduplicate by `webhook-id`). `None` if not found.
pub enum RetryOutcome {
    Rearmed(Box<TaskRow>),
    NotFailed(TaskStatus),
    NotFound,
}

pub async fn retry_task(pool: &PgPool, task_id: &Id) -> Result<RetryOutcome, sqlx::Error> {
    let row: Option<TaskRow> = sqlx::query_as(&format!(
        "with changed as ( \
           {REARM} t.task_id = $1 and {} \
           returning {TASK_COLUMNS} \
         ), {} \
         select changed.*, {} as notified from changed",
        BulkOp::Retry(FailedWindow::default()).condition(),
        wake_cte("changed", "not paused"),
        evaluate(&["wake"]),
    ))
    .bind(task_id.as_str())
    .fetch_optional(pool)
    .await?;
    if let Some(row) = row {
        return Ok(RetryOutcome::Rearmed(Box::new(row)));
    }
    Ok(match get_task(pool, task_id.as_str()).await? {
        Some(task) => RetryOutcome::NotFailed(task.status),
        None => RetryOutcome::NotFound,
    })
}
