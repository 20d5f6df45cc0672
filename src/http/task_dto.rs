//! Task request and response bodies, and their conversion into checked domain values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::schedule_dto::{self, read_schedule, ScheduleInput};
use crate::domain::attempt::RecordedOutcome;
use crate::domain::duration::IsoDuration;
use crate::domain::ids::Id;
use crate::domain::kwargs::check_kwargs;
use crate::domain::limits::Limits;
use crate::domain::recurrence::cron::CronExpression;
use crate::domain::recurrence::dst::DstPolicy;
use crate::domain::recurrence::stored::dst_policy;
use crate::domain::recurrence::zoned_cron::CronSchedule;
use crate::domain::task::{NewTask, RunType, TaskPatch, TaskStatus};
use crate::domain::time::{format_instant, parse_instant, parse_timezone};
use crate::error::FieldError;
use crate::store::attempts::AttemptRow;
use crate::store::tasks::TaskRow;

/// A task's keyword arguments: any JSON object. It is stored and POSTed to the callback's
/// URL byte for byte as sent (no re-encoding); `\u0000` is refused.
#[derive(ToSchema)]
#[schema(example = json!({"user_id": 42, "template": "reminder"}))]
#[allow(dead_code)] // Describes the schema only: handlers keep kwargs as raw JSON text.
pub struct Kwargs(std::collections::HashMap<String, serde_json::Value>);

/// A task to create: TaskShed's `Task`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "callback": "send-reminder",
    "run_at": "2025-03-14T10:00:00",
    "timezone": "America/New_York",
    "kwargs": {"user_id": 42},
    "task_id": "reminder-42",
    "group_id": "reminders"
}))]
pub struct TaskSpec {
    /// Name of a registered callback; resolved to its webhook URL at each attempt.
    pub callback: String,
    /// When to run (the first occurrence): RFC 3339 with an offset, or a local date-time
    /// with `timezone`. Required, except for cron tasks.
    #[serde(default)]
    #[schema(format = DateTime, example = "2025-03-14T14:00:00Z", nullable = false)]
    pub run_at: Option<String>,
    /// IANA time zone used to read a `run_at` that has no offset, and a cron expression.
    #[serde(default)]
    #[schema(example = "America/New_York", nullable = false)]
    pub timezone: Option<String>,
    /// JSON object POSTed, byte for byte, to the callback's URL. Default `{}`.
    #[serde(default)]
    #[schema(value_type = Option<Kwargs>, nullable = false)]
    pub kwargs: Option<Box<RawValue>>,
    /// `once` (default), `recurring` (every `interval`) or `cron`.
    #[serde(default)]
    #[schema(nullable = false)]
    pub run_type: Option<RunType>,
    /// ISO 8601 duration between occurrences; required (and > 0) for `recurring` tasks.
    #[serde(default)]
    #[schema(format = Duration, example = "PT10S", nullable = false)]
    pub interval: Option<String>,
    /// Unique id (1–255 of `A-Z a-z 0-9 . _ ~ : -`); generated (UUID hex) when absent.
    #[serde(default)]
    #[schema(nullable = false)]
    pub task_id: Option<String>,
    /// Optional group for bulk fetch, pause, resume and delete.
    #[serde(default)]
    #[schema(nullable = false)]
    pub group_id: Option<String>,
    /// Create the task paused. Default false.
    #[serde(default)]
    #[schema(nullable = false)]
    pub paused: Option<bool>,
    /// A recurring task that fell behind fires once (true, default) or once per missed
    /// slot (at most 100; older ones go to the misfire ledger).
    #[serde(default)]
    #[schema(nullable = false)]
    pub coalesce: Option<bool>,
    /// Cron expression (`run_type: "cron"`): 5 fields (minute hour day-of-month month
    /// day-of-week), or 6 with seconds first; `@yearly @annually @monthly @weekly @daily
    /// @midnight @hourly`; `L`, `W`, `#`. Read in `timezone` (default `UTC`).
    #[serde(default)]
    #[schema(nullable = false, example = "0 9 * * 1-5")]
    pub cron: Option<String>,
    /// Cron only: what to do in DST gaps and overlaps. Default `skip` / `once`.
    #[serde(default)]
    #[schema(nullable = false)]
    pub dst_policy: Option<DstPolicy>,
    /// Cron only: the first occurrence is the first match at or after this instant
    /// (default: now), when `run_at` is not given.
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub start_at: Option<String>,
    /// Recurring and cron: no occurrence after this instant; then the task ends
    /// `succeeded`.
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub end_at: Option<String>,
    /// Recurring and cron: the task ends `succeeded` after this many finished occurrences.
    #[serde(default)]
    #[schema(nullable = false, minimum = 1)]
    pub max_runs: Option<i64>,
    /// Recurring and cron: each occurrence runs at a uniformly random moment within
    /// `[instant, instant + jitter]`, never early (at most `P7D`).
    #[serde(default)]
    #[schema(format = Duration, nullable = false, example = "PT30S")]
    pub jitter: Option<String>,
}

/// Body of `POST /v1/tasks`: a task plus what to do if its id exists.
//
// The fields repeat `TaskSpec`'s on purpose: serde cannot `flatten` into a struct that
// denies unknown fields, and rejecting unknown fields is part of the API contract.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "callback": "send-reminder",
    "run_at": "2025-03-14T14:00:00Z",
    "kwargs": {"user_id": 42},
    "task_id": "reminder-42",
    "replace_existing": false
}))]
pub struct CreateTaskRequest {
    /// Name of a registered callback; resolved to its webhook URL at each attempt.
    pub callback: String,
    /// When to run (the first occurrence): RFC 3339 with an offset, or a local date-time
    /// with `timezone`. Required, except for cron tasks.
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub run_at: Option<String>,
    /// IANA time zone used to read a `run_at` that has no offset, and a cron expression.
    #[serde(default)]
    #[schema(nullable = false)]
    pub timezone: Option<String>,
    /// JSON object POSTed, byte for byte, to the callback's URL. Default `{}`.
    #[serde(default)]
    #[schema(value_type = Option<Kwargs>, nullable = false)]
    pub kwargs: Option<Box<RawValue>>,
    /// `once` (default), `recurring` (every `interval`) or `cron`.
    #[serde(default)]
    #[schema(nullable = false)]
    pub run_type: Option<RunType>,
    /// ISO 8601 duration between occurrences; required (and > 0) for `recurring` tasks.
    #[serde(default)]
    #[schema(format = Duration, nullable = false)]
    pub interval: Option<String>,
    /// Unique id (1–255 of `A-Z a-z 0-9 . _ ~ : -`); generated (UUID hex) when absent.
    #[serde(default)]
    #[schema(nullable = false)]
    pub task_id: Option<String>,
    /// Optional group for bulk fetch, pause, resume and delete.
    #[serde(default)]
    #[schema(nullable = false)]
    pub group_id: Option<String>,
    /// Create the task paused. Default false.
    #[serde(default)]
    #[schema(nullable = false)]
    pub paused: Option<bool>,
    /// A recurring task that fell behind fires once (true, default) or once per missed
    /// slot (at most 100; older ones go to the misfire ledger).
    #[serde(default)]
    #[schema(nullable = false)]
    pub coalesce: Option<bool>,
    /// Cron expression (`run_type: "cron"`): 5 fields (minute hour day-of-month month
    /// day-of-week), or 6 with seconds first; `@yearly @annually @monthly @weekly @daily
    /// @midnight @hourly`; `L`, `W`, `#`. Read in `timezone` (default `UTC`).
    #[serde(default)]
    #[schema(nullable = false, example = "0 9 * * 1-5")]
    pub cron: Option<String>,
    /// Cron only: what to do in DST gaps and overlaps. Default `skip` / `once`.
    #[serde(default)]
    #[schema(nullable = false)]
    pub dst_policy: Option<DstPolicy>,
    /// Cron only: the first occurrence is the first match at or after this instant
    /// (default: now), when `run_at` is not given.
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub start_at: Option<String>,
    /// Recurring and cron: no occurrence after this instant; then the task ends
    /// `succeeded`.
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub end_at: Option<String>,
    /// Recurring and cron: the task ends `succeeded` after this many finished occurrences.
    #[serde(default)]
    #[schema(nullable = false, minimum = 1)]
    pub max_runs: Option<i64>,
    /// Recurring and cron: each occurrence runs at a uniformly random moment within
    /// `[instant, instant + jitter]`, never early (at most `P7D`).
    #[serde(default)]
    #[schema(format = Duration, nullable = false, example = "PT30S")]
    pub jitter: Option<String>,
    /// Replace a task with the same id (true, default) or answer 409 `task_exists`.
    #[serde(default)]
    #[schema(nullable = false)]
    pub replace_existing: Option<bool>,
}

impl CreateTaskRequest {
    /// Splits into the task and the `replace_existing` flag (default true).
    pub fn split(self) -> (TaskSpec, bool) {
        let spec = TaskSpec {
            callback: self.callback,
            run_at: self.run_at,
            timezone: self.timezone,
            kwargs: self.kwargs,
            run_type: self.run_type,
            interval: self.interval,
            task_id: self.task_id,
            group_id: self.group_id,
            paused: self.paused,
            coalesce: self.coalesce,
            cron: self.cron,
            dst_policy: self.dst_policy,
            start_at: self.start_at,
            end_at: self.end_at,
            max_runs: self.max_runs,
            jitter: self.jitter,
        };
        (spec, self.replace_existing.unwrap_or(true))
    }
}

/// Collects field errors under a path prefix such as `tasks[3].`.
pub struct Errors<'a> {
    prefix: &'a str,
    pub list: Vec<FieldError>,
}

impl<'a> Errors<'a> {
    pub fn new(prefix: &'a str) -> Self {
        Self {
            prefix,
            list: Vec::new(),
        }
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.list
            .push(FieldError::new(format!("{}{field}", self.prefix), message));
    }

    /// Runs a check, recording its failure under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.push(field, message)).ok()
    }
}

/// Reads `run_at` (with optional `timezone`) into an instant, recording errors.
pub fn read_run_at(
    errors: &mut Errors,
    run_at: &str,
    timezone: Option<&str>,
) -> (Option<DateTime<Utc>>, Option<String>) {
    let zone = match timezone {
        Some(name) => match errors.check("timezone", parse_timezone(name)) {
            Some(zone) => Some(zone),
            None => return (None, None),
        },
        None => None,
    };
    let at = errors.check("run_at", parse_instant(run_at, zone));
    (at, zone.map(|z| z.name().to_owned()))
}

/// Reads an interval: an ISO 8601 duration greater than zero.
pub fn read_interval(errors: &mut Errors, raw: &str, limits: &Limits) -> Option<IsoDuration> {
    errors.check("interval", schedule_dto::interval(raw, limits))
}

/// Reads kwargs: a JSON object without NUL characters; absent or null means `{}`.
pub fn read_kwargs(
    errors: &mut Errors,
    raw: Option<Box<RawValue>>,
    limits: &Limits,
) -> Option<String> {
    match raw {
        None => Some("{}".to_owned()),
        Some(raw) if raw.get() == "null" => Some("{}".to_owned()),
        Some(raw) => errors
            .check("kwargs", limits.check_kwargs_size(raw.get()))
            .and_then(|()| errors.check("kwargs", check_kwargs(raw.get())))
            .map(|()| String::from(Box::<str>::from(raw))),
    }
}

impl TaskSpec {
    /// Checks every field, reporting all problems under `prefix` (e.g. `tasks[3].`).
    pub fn into_new_task(self, prefix: &str, limits: &Limits) -> Result<NewTask, Vec<FieldError>> {
        let mut errors = Errors::new(prefix);
        let callback = errors.check("callback", Id::parse(&self.callback));
        let kwargs = read_kwargs(&mut errors, self.kwargs, limits);
        let run_type = self.run_type.unwrap_or_default();
        let coalesce = self.coalesce.unwrap_or(true);
        let schedule = read_schedule(
            ScheduleInput {
                run_type,
                run_at: self.run_at.as_deref(),
                timezone: self.timezone.as_deref(),
                interval: self.interval.as_deref(),
                cron: self.cron.as_deref(),
                dst_policy: self.dst_policy,
                start_at: self.start_at.as_deref(),
                end_at: self.end_at.as_deref(),
                max_runs: self.max_runs,
                jitter: self.jitter.as_deref(),
                coalesce,
            },
            limits,
            Utc::now(),
        );
        let schedule = match schedule {
            Ok(schedule) => Some(schedule),
            Err(problems) => {
                for (field, message) in problems {
                    errors.push(field, message);
                }
                None
            }
        };
        let task_id = match self.task_id.as_deref() {
            Some(raw) => errors.check("task_id", Id::parse(raw)),
            None => Some(Id::generate()),
        };
        let group_id = match self.group_id.as_deref() {
            Some(raw) => errors.check("group_id", Id::parse(raw)).map(Some),
            None => Some(None),
        };
        match (callback, schedule, kwargs, task_id, group_id) {
            (Some(callback), Some(schedule), Some(kwargs), Some(task_id), Some(group_id))
                if errors.list.is_empty() =>
            {
                // The first occurrence is jittered like every later one.
                let due_at = schedule.schedule.as_ref().map_or(schedule.run_at, |s| {
                    s.fire_at(schedule.run_at, &mut rand::thread_rng())
                });
                Ok(NewTask {
                    task_id,
                    callback,
                    run_type,
                    run_at: schedule.run_at,
                    due_at,
                    interval: schedule.interval,
                    timezone: schedule.timezone,
                    cron: schedule.cron,
                    bounds: schedule.bounds,
                    kwargs,
                    group_id,
                    paused: self.paused.unwrap_or(false),
                    coalesce,
                })
            }
            _ => Err(errors.list),
        }
    }
}

/// Body of `POST /v1/tasks/batch`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchCreateRequest {
    /// The tasks, written in one transaction: all or none.
    pub tasks: Vec<TaskSpec>,
    /// Replace tasks whose id exists (true, default) or keep the stored ones.
    #[serde(default)]
    #[schema(nullable = false)]
    pub replace_existing: Option<bool>,
}

/// What a create did with one task.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BatchOutcome {
    Created,
    Replaced,
    Kept,
}

/// One entry of a batch answer, in input order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    pub task_id: String,
    pub outcome: BatchOutcome,
}

/// Answer of `POST /v1/tasks/batch`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchCreateResponse {
    pub results: Vec<BatchResult>,
}

/// A task as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct Task {
    pub task_id: String,
    pub callback: String,
    /// The next occurrence (or the last one, once finished). UTC.
    #[schema(format = DateTime)]
    pub run_at: String,
    /// The time zone `run_at` was given in, if any (informational).
    pub timezone: Option<String>,
    #[schema(value_type = Kwargs)]
    pub kwargs: Box<RawValue>,
    pub run_type: RunType,
    /// Normalised ISO 8601 duration (recurring tasks only).
    #[schema(format = Duration)]
    pub interval: Option<String>,
    pub group_id: Option<String>,
    pub paused: bool,
    /// When the task was first paused; null while not paused.
    #[schema(format = DateTime)]
    pub paused_at: Option<String>,
    pub coalesce: bool,
    pub status: TaskStatus,
    /// Attempts made at the current occurrence.
    pub attempts: i32,
    /// Error of the latest failed attempt.
    pub last_error: Option<String>,
    /// Finished occurrences.
    pub runs: i64,
    /// When the next attempt may start: `run_at`, or later while waiting out a retry backoff.
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
    /// Cron tasks: the expression.
    pub cron: Option<String>,
    /// Cron tasks: the DST policy.
    pub dst_policy: Option<DstPolicy>,
    /// Cron tasks: the first occurrence was the first match at or after this instant.
    #[schema(format = DateTime)]
    pub start_at: Option<String>,
    /// No occurrence after this instant.
    #[schema(format = DateTime)]
    pub end_at: Option<String>,
    /// The task ends `succeeded` after this many finished occurrences (`runs`).
    pub max_runs: Option<i64>,
    /// Each occurrence runs within this long after its instant.
    #[schema(format = Duration)]
    pub jitter: Option<String>,
}

impl From<TaskRow> for Task {
    fn from(row: TaskRow) -> Self {
        let status = row.status;
        let finished = matches!(status, TaskStatus::Succeeded | TaskStatus::Failed);
        let kwargs = RawValue::from_string(row.kwargs)
            .unwrap_or_else(|_| RawValue::from_string("{}".to_owned()).expect("valid JSON"));
        Task {
            task_id: row.task_id,
            callback: row.callback,
            run_at: format_instant(&row.run_at),
            timezone: row.timezone,
            kwargs,
            run_type: row.run_type,
            interval: row
                .interval_us
                .map(|us| IsoDuration::from_micros(us).to_string()),
            group_id: row.group_id,
            paused: row.paused,
            paused_at: row.paused_at.as_ref().map(format_instant),
            coalesce: row.coalesce_missed,
            status,
            attempts: row.attempts,
            last_error: row.last_error,
            runs: row.runs,
            next_attempt_at: (!finished).then(|| format_instant(&row.due_at)),
            created_at: format_instant(&row.created_at),
            updated_at: format_instant(&row.updated_at),
            finished_at: row.finished_at.as_ref().map(format_instant),
            dst_policy: dst_policy(row.dst_gap.as_deref(), row.dst_overlap.as_deref()),
            cron: row.cron,
            start_at: row.start_at.as_ref().map(format_instant),
            end_at: row.end_at.as_ref().map(format_instant),
            max_runs: row.max_runs,
            jitter: row
                .jitter_us
                .map(|us| IsoDuration::from_micros(us).to_string()),
        }
    }
}

/// A page of tasks.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Body of `PATCH /v1/tasks/{task_id}`: only the fields present change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"run_at": "2025-03-15T09:00:00Z", "kwargs": {"user_id": 43}}))]
pub struct PatchTaskRequest {
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub run_at: Option<String>,
    /// Time zone for a `run_at` without offset; for cron tasks, the zone the expression is
    /// read in (given alone, it moves the next occurrence).
    #[serde(default)]
    #[schema(nullable = false)]
    pub timezone: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Kwargs>, nullable = false)]
    pub kwargs: Option<Box<RawValue>>,
    /// Recurring tasks only.
    #[serde(default)]
    #[schema(format = Duration, nullable = false)]
    pub interval: Option<String>,
    /// A group id, or null to remove the task from its group.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub group_id: Option<Option<String>>,
    /// Cron tasks only. Without `run_at`, the next occurrence becomes the first match at
    /// or after now (or `start_at`, if later) under the new schedule.
    #[serde(default)]
    #[schema(nullable = false)]
    pub cron: Option<String>,
    /// Cron tasks only; moves the next occurrence like `cron`.
    #[serde(default)]
    #[schema(nullable = false)]
    pub dst_policy: Option<DstPolicy>,
    /// Cron tasks only; moves the next occurrence like `cron`.
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub start_at: Option<String>,
    /// Recurring and cron tasks; null removes the bound.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub end_at: Option<Option<String>>,
    /// Recurring and cron tasks; null removes the bound.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub max_runs: Option<Option<i64>>,
    /// Recurring and cron tasks, from the next occurrence on; null removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Duration)]
    pub jitter: Option<Option<String>>,
}

/// Tells "absent" (outer `None`) from "null" (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

impl PatchTaskRequest {
    /// Checks the patch against the task as it is (`now`: where a cron task's next
    /// occurrence is searched from when its schedule changes).
    pub fn into_patch(
        self,
        current: &TaskRow,
        limits: &Limits,
        now: DateTime<Utc>,
    ) -> Result<TaskPatch, Vec<FieldError>> {
        let run_type = current.run_type;
        let is_cron = run_type == RunType::Cron;
        let mut errors = Errors::new("");
        let mut patch = TaskPatch::default();
        // A cron task keeps its zone unless the patch names another one.
        let zone_name = match (&self.timezone, is_cron) {
            (Some(name), _) => Some(name.clone()),
            (None, true) => current.timezone.clone(),
            (None, false) => None,
        };
        let zone = match zone_name.as_deref().map(parse_timezone) {
            Some(Ok(zone)) => Some(zone),
            Some(Err(message)) => {
                errors.push("timezone", message);
                None
            }
            None => None,
        };
        match self.run_at.as_deref() {
            // Read in the zone (a bad zone is reported once, not again as a bad run_at).
            Some(raw) if zone.is_some() || zone_name.is_none() => {
                patch.run_at = errors.check("run_at", parse_instant(raw, zone));
                patch.timezone = zone.map(|z| z.name().to_owned());
            }
            Some(_) => {}
            None if self.timezone.is_some() && !is_cron => {
                errors.push("timezone", "is only allowed together with run_at");
            }
            None => {}
        }
        if self.kwargs.is_some() {
            patch.kwargs = read_kwargs(&mut errors, self.kwargs, limits);
        }
        if let Some(raw) = self.interval.as_deref() {
            if run_type != RunType::Recurring {
                errors.push("interval", "only recurring tasks have an interval");
            } else {
                patch.interval = read_interval(&mut errors, raw, limits);
            }
        }
        if let Some(group) = self.group_id {
            patch.group_id = match group {
                None => Some(None),
                Some(raw) => errors.check("group_id", Id::parse(&raw)).map(Some),
            };
        }
        for (field, present) in [
            ("cron", self.cron.is_some()),
            ("dst_policy", self.dst_policy.is_some()),
            ("start_at", self.start_at.is_some()),
        ] {
            if present && !is_cron {
                errors.push(field, "only cron tasks have this field");
            }
        }
        for (field, present) in [
            ("end_at", self.end_at.is_some()),
            ("max_runs", self.max_runs.is_some()),
            ("jitter", self.jitter.is_some()),
        ] {
            if present && run_type == RunType::Once {
                errors.push(field, "only recurring and cron tasks have this field");
            }
        }
        if let Some(raw) = self.start_at.as_deref() {
            patch.start_at = errors.check("start_at", parse_instant(raw, zone));
        }
        patch.end_at = self
            .end_at
            .map(|end| end.and_then(|raw| errors.check("end_at", parse_instant(&raw, zone))));
        patch.max_runs = match self.max_runs {
            Some(Some(n)) if n < 1 => {
                errors.push("max_runs", "must be at least 1");
                None
            }
            other => other,
        };
        patch.jitter = self.jitter.map(|jitter| {
            jitter.and_then(|raw| errors.check("jitter", schedule_dto::read_jitter(&raw)))
        });
        let reschedules = self.cron.is_some()
            || self.dst_policy.is_some()
            || self.start_at.is_some()
            || (self.timezone.is_some() && is_cron);
        if is_cron && reschedules && errors.list.is_empty() {
            let stored = dst_policy(current.dst_gap.as_deref(), current.dst_overlap.as_deref());
            let dst = self.dst_policy.or(stored).unwrap_or_default();
            let raw = self
                .cron
                .clone()
                .or_else(|| current.cron.clone())
                .unwrap_or_default();
            if let (Some(expression), Some(zone)) = (
                errors.check("cron", CronExpression::parse(&raw)),
                zone.or(Some(chrono_tz::UTC)),
            ) {
                if patch.run_at.is_none() {
                    let start = patch.start_at.or(current.start_at).unwrap_or(now).max(now);
                    let schedule = CronSchedule::new(expression.clone(), zone, dst);
                    match schedule.first_at_or_after(start) {
                        Some(first) => patch.run_at = Some(first.occurrence.at),
                        None => errors.push("cron", "has no occurrence after now"),
                    }
                    patch.timezone = Some(zone.name().to_owned());
                }
                patch.cron = Some((expression.as_str().to_owned(), dst));
            }
        }
        if let Some(Some(end)) = patch.end_at {
            let next = patch.run_at.unwrap_or(current.run_at);
            if end < next {
                errors.push(
                    "end_at",
                    format!(
                        "{} is before the next occurrence, {}",
                        format_instant(&end),
                        format_instant(&next)
                    ),
                );
            }
        }
        if errors.list.is_empty() && patch.is_empty() {
            errors.push(
                "body",
                "nothing to change: give at least one of run_at, kwargs, interval, group_id, \
                 cron, timezone, dst_policy, start_at, end_at, max_runs, jitter",
            );
        }
        if errors.list.is_empty() {
            Ok(patch)
        } else {
            Err(errors.list)
        }
    }
}

/// One new execution time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionTimeUpdate {
    pub task_id: String,
    #[schema(format = DateTime)]
    pub run_at: String,
    /// Time zone for a `run_at` without offset.
    #[serde(default)]
    #[schema(nullable = false)]
    pub timezone: Option<String>,
}

/// Body of `POST /v1/tasks/execution-times`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tasks": [{"task_id": "reminder-42", "run_at": "2025-03-15T09:00:00Z"}]}))]
pub struct ExecutionTimesRequest {
    pub tasks: Vec<ExecutionTimeUpdate>,
    /// Change nothing; answer `{"affected", "task_ids"}`: how many tasks (and which, up to
    /// 100) would be moved. Default false.
    #[serde(default)]
    #[schema(nullable = false)]
    pub dry_run: Option<bool>,
}

/// Answer of `POST /v1/tasks/execution-times`: what was updated, or with `dry_run` what
/// would be.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ExecutionTimesAnswer {
    Done(ExecutionTimesResponse),
    DryRun(AffectedResponse),
}

/// Answer of `POST /v1/tasks/execution-times`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExecutionTimesResponse {
    /// Tasks moved to their new time.
    pub updated: usize,
    /// Ids that match no task.
    pub not_found: Vec<String>,
    /// Ids of finished tasks, left unchanged (use `POST /v1/tasks/{task_id}/retry` or
    /// create them again).
    pub finished: Vec<String>,
}

/// Exactly one of `task_ids` or `group_id`, and optionally `dry_run`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"group_id": "reminders"}))]
pub struct TaskSelectorRequest {
    #[serde(default)]
    #[schema(nullable = false)]
    pub task_ids: Option<Vec<String>>,
    #[serde(default)]
    #[schema(nullable = false)]
    pub group_id: Option<String>,
    /// Change nothing; answer how many tasks (and which, up to 100) the operation would
    /// change. Default false.
    #[serde(default)]
    #[schema(nullable = false)]
    pub dry_run: Option<bool>,
}

/// Body of `POST /v1/tasks/retry`: exactly one of `task_ids`, `group_id`, `callback`, and
/// optionally a window of failure times.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"callback": "send-reminder", "failed_after": "2025-03-14T00:00:00Z", "dry_run": true}))]
pub struct RetryTasksRequest {
    #[serde(default)]
    #[schema(nullable = false)]
    pub task_ids: Option<Vec<String>>,
    #[serde(default)]
    #[schema(nullable = false)]
    pub group_id: Option<String>,
    /// Every failed task of this callback.
    #[serde(default)]
    #[schema(nullable = false)]
    pub callback: Option<String>,
    /// Only tasks that failed at or after this instant (RFC 3339 with an offset).
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub failed_after: Option<String>,
    /// Only tasks that failed before this instant (RFC 3339 with an offset).
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub failed_before: Option<String>,
    /// Change nothing; answer how many tasks (and which, up to 100) would be re-armed.
    #[serde(default)]
    #[schema(nullable = false)]
    pub dry_run: Option<bool>,
}

/// How many tasks an operation changed; with `dry_run`, would change, and which.
#[derive(Debug, Serialize, ToSchema)]
pub struct AffectedResponse {
    pub affected: i64,
    /// Dry runs only: the first 100 ids of the tasks that would change, in id order.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub task_ids: Option<Vec<String>>,
}

impl AffectedResponse {
    pub fn done(affected: i64) -> Self {
        Self {
            affected,
            task_ids: None,
        }
    }
}

impl From<crate::store::task_selection::Preview> for AffectedResponse {
    fn from(preview: crate::store::task_selection::Preview) -> Self {
        Self {
            affected: preview.affected,
            task_ids: Some(preview.task_ids),
        }
    }
}

/// The field errors of kwargs that break a callback's `kwargs_schema`, under `prefix`
/// (`tasks[3].` in a batch): `tasks[3].kwargs.user_id`, or `kwargs` for the object itself.
pub fn kwargs_errors(
    prefix: &str,
    violations: Vec<crate::domain::kwargs_schema::KwargsViolation>,
) -> Vec<FieldError> {
    violations
        .into_iter()
        .map(|v| {
            let field = if v.path.is_empty() {
                format!("{prefix}kwargs")
            } else {
                format!("{prefix}kwargs.{}", v.path)
            };
            FieldError::new(field, v.message)
        })
        .collect()
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// 2xx: the occurrence succeeded.
    Succeeded,
    /// Failed, another attempt is scheduled.
    Retrying,
    /// Failed for good (non-retryable, or the last allowed attempt).
    Failed,
    /// Finished after the task was changed, deleted or re-claimed; did not change it.
    Superseded,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attempt {
    pub task_id: String,
    /// The `webhook-id` sent; the same on every retry of an occurrence.
    pub webhook_id: String,
    /// 1-based attempt number within the occurrence.
    pub attempt: i32,
    /// The occurrence's `run_at`.
    #[schema(format = DateTime)]
    pub scheduled_at: String,
    #[schema(format = DateTime)]
    pub started_at: String,
    /// Wall time of the HTTP exchange, in milliseconds.
    pub duration_ms: f64,
    /// HTTP status, when a response arrived.
    pub status_code: Option<i32>,
    /// Error class when no usable response arrived (`timeout`, `connect`, `request`,
    /// `invalid_request`, `egress_denied`).
    pub error: Option<String>,
    pub outcome: AttemptOutcome,
    /// The first bytes of the response body.
    pub response: Option<String>,
    /// The TaskShed instance that made the attempt.
    pub instance: String,
}

impl From<AttemptRow> for Attempt {
    fn from(row: AttemptRow) -> Self {
        let outcome = match row.outcome {
            RecordedOutcome::Succeeded => AttemptOutcome::Succeeded,
            RecordedOutcome::Retrying => AttemptOutcome::Retrying,
            RecordedOutcome::Failed => AttemptOutcome::Failed,
            RecordedOutcome::Superseded => AttemptOutcome::Superseded,
        };
        Attempt {
            task_id: row.task_id,
            webhook_id: row.webhook_id,
            attempt: row.attempt,
            scheduled_at: format_instant(&row.scheduled_at),
            started_at: format_instant(&row.started_at),
            duration_ms: row.duration_us as f64 / 1000.0,
            status_code: row.status_code,
            error: row.error,
            outcome,
            response: row.response_prefix,
            instance: row.instance,
        }
    }
}

/// A page of attempts, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptPage {
    pub attempts: Vec<Attempt>,
    pub next_cursor: Option<String>,
}
