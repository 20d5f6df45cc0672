//! The preview of a schedule: the next occurrences with their DST flags, and the DST-gap
//! local times skipped among them. What `POST /v1/schedules/preview` and
//! `GET /v1/tasks/{id}/schedule` answer:
//! `{"occurrences": [{"at", "local", "dst"}], "skipped": [{"local", "reason"}]}`.

use chrono::{DateTime, Utc};

use super::occurrence::{Occurrence, SkippedLocalTime};
use super::task_schedule::TaskSchedule;

/// Most occurrences one preview lists (API.md: `count` ≤ 1000).
pub const PREVIEW_LIMIT: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preview {
    pub occurrences: Vec<Occurrence>,
    /// Reason `dst_gap`, each; in order, between `from` and the last occurrence listed.
    pub skipped: Vec<SkippedLocalTime>,
}

/// Up to `count` (capped at `PREVIEW_LIMIT`) occurrences at or after `from`, within the
/// bounds: none after `end_at`, and no more than `max_runs` leaves after `runs_finished`.
pub fn preview(
    schedule: &TaskSchedule,
    from: DateTime<Utc>,
    count: usize,
    runs_finished: u64,
) -> Preview {
    let runs_left = usize::try_from(schedule.bounds.runs_left(runs_finished)).unwrap_or(usize::MAX);
    let count = count.min(PREVIEW_LIMIT).min(runs_left);
    let mut preview = Preview::default();
    let mut next = schedule.recurrence.first_at_or_after(from);
    while let Some(found) = next {
        if preview.occurrences.len() >= count || !schedule.bounds.admits(found.occurrence.at) {
            break;
        }
        preview.skipped.extend(found.skipped);
        preview.occurrences.push(found.occurrence);
        next = schedule.recurrence.next_after(found.occurrence.at);
    }
    preview
}
