//! Tasks as the domain sees them: validated inputs for creating and changing tasks, and
//! the enumerations shared by the API and the store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::duration::IsoDuration;
use super::ids::Id;

/// Whether a task runs once or repeats on a fixed interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunType {
    #[default]
    Once,
    Recurring,
}

impl RunType {
    pub fn as_str(self) -> &'static str {
        match self {
            RunType::Once => "once",
            RunType::Recurring => "recurring",
        }
    }

    pub fn from_db(raw: &str) -> Self {
        if raw == "recurring" {
            RunType::Recurring
        } else {
            RunType::Once
        }
    }
}

/// Where a task is in its life: waiting, being delivered, or finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
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

    pub fn from_db(raw: &str) -> Self {
        match raw {
            "running" => TaskStatus::Running,
            "succeeded" => TaskStatus::Succeeded,
            "failed" => TaskStatus::Failed,
            _ => TaskStatus::Scheduled,
        }
    }
}

/// A task ready to be written: every field checked, defaults applied.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub task_id: Id,
    pub callback: Id,
    pub run_type: RunType,
    pub run_at: DateTime<Utc>,
    /// Present exactly when `run_type` is recurring.
    pub interval: Option<IsoDuration>,
    pub timezone: Option<String>,
    /// The exact JSON text of a JSON object.
    pub kwargs: String,
    pub group_id: Option<Id>,
    pub paused: bool,
    pub coalesce: bool,
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
}

impl TaskPatch {
    pub fn is_empty(&self) -> bool {
        self.run_at.is_none()
            && self.kwargs.is_none()
            && self.interval.is_none()
            && self.group_id.is_none()
    }
}

/// Which tasks a bulk operation (fetch, pause, resume, delete) applies to.
#[derive(Debug, Clone)]
pub enum TaskSelector {
    Ids(Vec<Id>),
    Group(Id),
}
