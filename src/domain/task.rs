//! Tasks as the domain sees them: validated inputs for creating and changing tasks, and
//! the enumerations shared by the API and the store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::duration::IsoDuration;
use super::ids::Id;
use super::recurrence::dst::DstPolicy;

/// Whether a task runs once, repeats on a fixed `interval`, or on a `cron` expression.
// Stored in a `text` column with a CHECK; an unknown value read back is a decode error.
// (A `//` comment: the `///` text is the API's schema description.)
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema, sqlx::Type,
)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case", no_pg_array)]
pub enum RunType {
    #[default]
    Once,
    Recurring,
    Cron,
}

impl RunType {
    pub fn as_str(self) -> &'static str {
        match self {
            RunType::Once => "once",
            RunType::Recurring => "recurring",
            RunType::Cron => "cron",
        }
    }
}

/// Where a task is in its life: waiting, being delivered, or finished.
// Stored in a `text` column with a CHECK; an unknown value read back is a decode error.
// (A `//` comment: the `///` text is the API's schema description.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case", no_pg_array)]
pub enum TaskStatus {
    Scheduled,
    Running,
    Succeeded,
    Failed,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Scheduled => "scheduled",
            TaskStatus::Running => "running",
            TaskStatus::Succeeded => "succeeded",
            TaskStatus::Failed => "failed",
        }
    }
}

// Bound as `text[]` in the finisher's `unnest(…)`: the array of the text OID, known
// statically, so no type lookup per connection.
impl sqlx::postgres::PgHasArrayType for TaskStatus {
    fn array_type_info() -> sqlx::postgres::PgTypeInfo {
        <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
    }
}

/// A task ready to be written: every field checked, defaults applied.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub task_id: Id,
    pub callback: Id,
    pub run_type: RunType,
    /// The first occurrence's instant.
    pub run_at: DateTime<Utc>,
    /// When the first attempt may start: `run_at`, or later within `jitter`.
    pub due_at: DateTime<Utc>,
    /// Present exactly when `run_type` is recurring.
    pub interval: Option<IsoDuration>,
    pub timezone: Option<String>,
    /// Cron tasks only: the expression and its DST policy.
    pub cron: Option<(String, DstPolicy)>,
    pub bounds: ScheduleBounds,
    /// The exact JSON text of a JSON object.
    pub kwargs: String,
    pub group_id: Option<Id>,
    pub paused: bool,
    pub coalesce: bool,
}

/// Schedule fields beyond the recurrence itself (recurring and cron tasks only; all
/// `None` for `once` tasks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScheduleBounds {
    pub start_at: Option<DateTime<Utc>>,
    pub end_at: Option<DateTime<Utc>>,
    pub max_runs: Option<i64>,
    pub jitter: Option<IsoDuration>,
}

/// A checked partial update of an unfinished task; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    pub run_at: Option<DateTime<Utc>>,
    pub timezone: Option<String>,
    pub kwargs: Option<String>,
    pub interval: Option<IsoDuration>,
    /// `Some(None)` removes the task from its group.
    pub group_id: Option<Option<Id>>,
    /// Cron tasks: the expression and DST policy (both, as they will be).
    pub cron: Option<(String, DstPolicy)>,
    pub start_at: Option<DateTime<Utc>>,
    /// `Some(None)` removes the bound.
    pub end_at: Option<Option<DateTime<Utc>>>,
    pub max_runs: Option<Option<i64>>,
    pub jitter: Option<Option<IsoDuration>>,
}

impl TaskPatch {
    pub fn is_empty(&self) -> bool {
        self.run_at.is_none()
            && self.kwargs.is_none()
            && self.interval.is_none()
            && self.group_id.is_none()
            && self.cron.is_none()
            && self.start_at.is_none()
            && self.end_at.is_none()
            && self.max_runs.is_none()
            && self.jitter.is_none()
    }
}

/// Which tasks a bulk operation (fetch, pause, resume, delete, retry) applies to.
#[derive(Debug, Clone)]
pub enum TaskSelector {
    Ids(Vec<Id>),
    Group(Id),
    /// Every task of a callback (bulk retry).
    Callback(Id),
}
