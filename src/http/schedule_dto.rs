//! Schedule fields of a task over HTTP: reading `run_type` with `interval` or `cron`,
//! `timezone`, `dst_policy`, `start_at`, `end_at`, `max_runs` and `jitter` into checked
//! domain values (for creates and the preview alike), and the bodies of
//! `POST /v1/schedules/preview`, `GET /v1/tasks/{id}/schedule` and
//! `GET /v1/tasks/{id}/misfires`.
//!
//! A leaf of the task DTOs: `task_dto` uses it, never the other way round. Problems come
//! back as (field, message) pairs so each caller puts them under its own prefix
//! (`tasks[3].cron`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::duration::IsoDuration;
use crate::domain::limits::Limits;
use crate::domain::recurrence::bounds::Bounds;
use crate::domain::recurrence::cron::CronExpression;
use crate::domain::recurrence::dst::DstPolicy;
use crate::domain::recurrence::occurrence::{DstFlag, MisfireReason};
use crate::domain::recurrence::preview::Preview;
use crate::domain::recurrence::rule::Recurrence;
use crate::domain::recurrence::task_schedule::TaskSchedule;
use crate::domain::recurrence::zoned_cron::CronSchedule;
use crate::domain::task::{RunType, ScheduleBounds};
use crate::domain::time::{format_instant, parse_instant, parse_timezone};
use crate::store::misfires::MisfireRow;

/// Longest `jitter`: a spread wider than a week is a different schedule, not jitter.
const MAX_JITTER: IsoDuration = IsoDuration::from_secs(7 * 24 * 3600);

/// Field problems: (field name without prefix, message).
pub type FieldProblems = Vec<(&'static str, String)>;

/// The schedule fields of a task or preview request, as sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScheduleInput<'a> {
    pub run_type: RunType,
    pub run_at: Option<&'a str>,
    pub timezone: Option<&'a str>,
    pub interval: Option<&'a str>,
    pub cron: Option<&'a str>,
    pub dst_policy: Option<DstPolicy>,
    pub start_at: Option<&'a str>,
    pub end_at: Option<&'a str>,
    pub max_runs: Option<i64>,
    pub jitter: Option<&'a str>,
    pub coalesce: bool,
}

/// A checked schedule: the first occurrence and everything the row stores.
#[derive(Debug, Clone)]
pub struct ReadSchedule {
    /// The first occurrence: `run_at` as given, or for cron the first match at or after
    /// `start_at` (default: now).
    pub run_at: DateTime<Utc>,
    /// The zone's name when one applies: given, or `UTC` for cron.
    pub timezone: Option<String>,
    pub interval: Option<IsoDuration>,
    pub cron: Option<(String, DstPolicy)>,
    pub bounds: ScheduleBounds,
    /// `None` for `once`.
    pub schedule: Option<TaskSchedule>,
}

/// Reads an interval: an ISO 8601 duration greater than zero, within the limits.
pub fn interval(raw: &str, limits: &Limits) -> Result<IsoDuration, String> {
    let interval = IsoDuration::parse(raw)?;
    if interval.as_micros() <= 0 {
        return Err("must be greater than zero".to_owned());
    }
    limits.check_interval(interval)
}

/// Reads a jitter: a duration from zero to a week.
pub fn read_jitter(raw: &str) -> Result<IsoDuration, String> {
    let jitter = IsoDuration::parse(raw)?;
    if jitter.as_micros() < 0 {
        Err("must not be negative".to_owned())
    } else if jitter > MAX_JITTER {
        Err(format!("must be at most {MAX_JITTER}"))
    } else {
        Ok(jitter)
    }
}

/// Checks the schedule fields together; `now` is the default `start_at` of cron tasks.
pub fn read_schedule(
    input: ScheduleInput<'_>,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<ReadSchedule, FieldProblems> {
    let mut problems = FieldProblems::new();
    let zone: Option<Tz> = match input.timezone.map(parse_timezone) {
        Some(Ok(zone)) => Some(zone),
        Some(Err(message)) => {
            problems.push(("timezone", message));
            return Err(problems);
        }
        None => None,
    };
    let mut instant = |raw: Option<&str>, field: &'static str| {
        raw.and_then(|raw| {
            parse_instant(raw, zone)
                .map_err(|message| problems.push((field, message)))
                .ok()
        })
    };
    let run_at = instant(input.run_at, "run_at");
    let start_at = instant(input.start_at, "start_at");
    let end_at = instant(input.end_at, "end_at");
    let run_type = input.run_type;
    let recurs = run_type != RunType::Once;
    let only = |field: &'static str, present: bool, allowed: bool, what: &str| {
        (present && !allowed).then(|| (field, format!("is only allowed with {what}")))
    };
    let misplaced = [
        only(
            "interval",
            input.interval.is_some(),
            run_type == RunType::Recurring,
            "run_type \"recurring\"",
        ),
        only(
            "cron",
            input.cron.is_some(),
            run_type == RunType::Cron,
            "run_type \"cron\"",
        ),
        only(
            "dst_policy",
            input.dst_policy.is_some(),
            run_type == RunType::Cron,
            "run_type \"cron\"",
        ),
        only(
            "start_at",
            input.start_at.is_some(),
            run_type == RunType::Cron,
            "run_type \"cron\" (other tasks start at run_at)",
        ),
        only(
            "end_at",
            input.end_at.is_some(),
            recurs,
            "run_type \"recurring\" or \"cron\"",
        ),
        only(
            "max_runs",
            input.max_runs.is_some(),
            recurs,
            "run_type \"recurring\" or \"cron\"",
        ),
        only(
            "jitter",
            input.jitter.is_some(),
            recurs,
            "run_type \"recurring\" or \"cron\"",
        ),
    ];
    problems.extend(misplaced.into_iter().flatten());
    let max_runs = match input.max_runs {
        Some(n) if n < 1 => {
            problems.push(("max_runs", "must be at least 1".to_owned()));
            None
        }
        other => other,
    };
    let jitter = input.jitter.and_then(|raw| {
        read_jitter(raw)
            .map_err(|m| problems.push(("jitter", m)))
            .ok()
    });
    let every = match (run_type, input.interval) {
        (RunType::Recurring, None) => {
            problems.push(("interval", "is required for recurring tasks".to_owned()));
            None
        }
        (RunType::Recurring, Some(raw)) => interval(raw, limits)
            .map_err(|m| problems.push(("interval", m)))
            .ok(),
        _ => None,
    };
    let cron = match (run_type, input.cron) {
        (RunType::Cron, None) => {
            problems.push(("cron", "is required for cron tasks".to_owned()));
            None
        }
        (RunType::Cron, Some(raw)) => CronExpression::parse(raw)
            .map_err(|m| problems.push(("cron", m)))
            .ok(),
        _ => None,
    };
    if run_type != RunType::Cron && input.run_at.is_none() {
        problems.push((
            "run_at",
            "is required (optional only for cron tasks)".to_owned(),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let dst = input.dst_policy.unwrap_or_default();
    let recurrence = match (every, &cron) {
        (Some(every), _) => Some(Recurrence::Interval {
            every,
            zone: zone.unwrap_or(chrono_tz::UTC),
        }),
        (None, Some(expression)) => Some(Recurrence::Cron(CronSchedule::new(
            expression.clone(),
            zone.unwrap_or(chrono_tz::UTC),
            dst,
        ))),
        (None, None) => None,
    };
    let schedule = recurrence.map(|recurrence| TaskSchedule {
        recurrence,
        bounds: Bounds {
            end_at,
            max_runs: max_runs.map(|n| n as u64),
        },
        coalesce: input.coalesce,
        jitter,
    });
    let first = match (run_at, &schedule) {
        (Some(at), _) => at,
        (None, Some(schedule)) => {
            let from = start_at.unwrap_or(now);
            match schedule.recurrence.first_at_or_after(from) {
                Some(first) => first.occurrence.at,
                None => {
                    problems.push((
                        "cron",
                        format!("has no occurrence after {}", format_instant(&from)),
                    ));
                    return Err(problems);
                }
            }
        }
        // Unreachable: `run_at` is required unless the task is a cron task.
        (None, None) => now,
    };
    if let Some(end) = end_at.filter(|end| *end < first) {
        problems.push((
            "end_at",
            format!(
                "{} is before the first occurrence, {}",
                format_instant(&end),
                format_instant(&first)
            ),
        ));
        return Err(problems);
    }
    let timezone = match (zone, run_type) {
        (Some(zone), _) => Some(zone.name().to_owned()),
        (None, RunType::Cron) => Some(chrono_tz::UTC.name().to_owned()),
        (None, _) => None,
    };
    Ok(ReadSchedule {
        run_at: first,
        timezone,
        interval: every,
        cron: cron.map(|expression| (expression.as_str().to_owned(), dst)),
        bounds: ScheduleBounds {
            start_at,
            end_at,
            max_runs,
            jitter,
        },
        schedule,
    })
}

/// Most occurrences a preview lists when `count` is not given.
const DEFAULT_COUNT: usize = 10;

/// Body of `POST /v1/schedules/preview`: a task's schedule fields, and how many
/// occurrences to list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "run_type": "cron",
    "cron": "30 2 * * *",
    "timezone": "America/New_York",
    "dst_policy": {"gap": "shift", "overlap": "once"},
    "start_at": "2027-03-13T00:00:00Z",
    "count": 3
}))]
pub struct PreviewRequest {
    /// `cron` (the default when `cron` is given) or `recurring`.
    #[serde(default)]
    #[schema(nullable = false)]
    pub run_type: Option<RunType>,
    /// Cron expression (5 or 6 fields, or a nickname such as `@daily`).
    #[serde(default)]
    #[schema(nullable = false, example = "0 9 * * 1-5")]
    pub cron: Option<String>,
    /// ISO 8601 duration (recurring).
    #[serde(default)]
    #[schema(format = Duration, nullable = false)]
    pub interval: Option<String>,
    /// IANA zone the expression (and local times) are read in. Default `UTC`.
    #[serde(default)]
    #[schema(nullable = false)]
    pub timezone: Option<String>,
    #[serde(default)]
    #[schema(nullable = false)]
    pub dst_policy: Option<DstPolicy>,
    /// First occurrence (required for `recurring`: the grid's anchor).
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub run_at: Option<String>,
    /// List occurrences at or after this instant. Default: now.
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub start_at: Option<String>,
    /// Nothing after this instant.
    #[serde(default)]
    #[schema(format = DateTime, nullable = false)]
    pub end_at: Option<String>,
    /// At most this many occurrences.
    #[serde(default)]
    #[schema(nullable = false, minimum = 1)]
    pub max_runs: Option<i64>,
    /// Accepted for symmetry with tasks; the preview lists instants, not jittered times.
    #[serde(default)]
    #[schema(format = Duration, nullable = false)]
    pub jitter: Option<String>,
    /// Accepted for symmetry with tasks; it does not change the occurrences.
    #[serde(default)]
    #[schema(nullable = false)]
    pub coalesce: Option<bool>,
    /// How many occurrences to list, 1–1000. Default 10.
    #[serde(default)]
    #[schema(nullable = false, minimum = 1, maximum = 1000)]
    pub count: Option<i64>,
}

impl PreviewRequest {
    /// The schedule to preview, where to start, and how many occurrences.
    pub fn read(
        &self,
        limits: &Limits,
        now: DateTime<Utc>,
    ) -> Result<(TaskSchedule, DateTime<Utc>, usize), FieldProblems> {
        let run_type = self.run_type.unwrap_or(if self.interval.is_some() {
            RunType::Recurring
        } else {
            RunType::Cron
        });
        let mut problems = FieldProblems::new();
        let count = read_count(self.count).map_err(|m| problems.push(("count", m)));
        if run_type == RunType::Once {
            problems.push((
                "run_type",
                "a preview needs a schedule: \"recurring\" or \"cron\"".to_owned(),
            ));
        }
        let read = read_schedule(
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
                coalesce: self.coalesce.unwrap_or(true),
            },
            limits,
            now,
        );
        match (read, count) {
            (Ok(read), Ok(count)) if problems.is_empty() => match read.schedule {
                Some(schedule) => Ok((schedule, read.run_at, count)),
                None => Err(problems),
            },
            (read, _) => {
                problems.extend(read.err().unwrap_or_default());
                Err(problems)
            }
        }
    }
}

/// Reads `count`: 1–1000, default 10.
pub fn read_count(count: Option<i64>) -> Result<usize, String> {
    match count {
        None => Ok(DEFAULT_COUNT),
        Some(n) if (1..=1000).contains(&n) => Ok(n as usize),
        Some(_) => Err("must be a whole number from 1 to 1000".to_owned()),
    }
}

/// One occurrence of a schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOccurrence {
    /// The instant, UTC.
    #[schema(format = DateTime, example = "2027-03-14T07:00:00Z")]
    pub at: String,
    /// The same instant on the schedule zone's clock, with its offset.
    #[schema(example = "2027-03-14T03:00:00-04:00")]
    pub local: String,
    /// How a DST change touched it, or null.
    pub dst: Option<DstFlag>,
}

/// A local time the expression names that a spring-forward skipped (`skip` policy).
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedOccurrence {
    /// The local date-time that did not exist (no offset: it had none).
    #[schema(example = "2027-03-14T02:30:00")]
    pub local: String,
    pub reason: MisfireReason,
}

/// Answer of `POST /v1/schedules/preview` and `GET /v1/tasks/{task_id}/schedule`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchedulePreview {
    pub occurrences: Vec<PreviewOccurrence>,
    /// DST-gap local times in the window, in order.
    pub skipped: Vec<SkippedOccurrence>,
}

impl From<Preview> for SchedulePreview {
    fn from(preview: Preview) -> Self {
        SchedulePreview {
            occurrences: preview
                .occurrences
                .iter()
                .map(|o| PreviewOccurrence {
                    at: format_instant(&o.at),
                    local: o.local_rfc3339(),
                    dst: o.dst,
                })
                .collect(),
            skipped: preview
                .skipped
                .iter()
                .map(|s| SkippedOccurrence {
                    local: s.local.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    reason: MisfireReason::DstGap,
                })
                .collect(),
        }
    }
}

/// One entry of the misfire ledger: an occurrence that did not run.
#[derive(Debug, Serialize, ToSchema)]
pub struct Misfire {
    /// The occurrence's instant; for `dst_gap`, the instant clocks jumped over `local`.
    #[schema(format = DateTime)]
    pub scheduled_at: String,
    pub reason: MisfireReason,
    /// For `dst_gap`: the local date-time that did not exist; otherwise null.
    pub local: Option<String>,
    #[schema(format = DateTime)]
    pub recorded_at: String,
}

impl From<MisfireRow> for Misfire {
    fn from(row: MisfireRow) -> Self {
        let reason = match row.reason.as_str() {
            "catchup_limit" => MisfireReason::CatchupLimit,
            "dst_gap" => MisfireReason::DstGap,
            _ => MisfireReason::Coalesced,
        };
        Misfire {
            scheduled_at: format_instant(&row.scheduled_at),
            reason,
            local: row
                .local
                .map(|local| local.format("%Y-%m-%dT%H:%M:%S").to_string()),
            recorded_at: format_instant(&row.recorded_at),
        }
    }
}

/// A page of misfires, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MisfirePage {
    pub misfires: Vec<Misfire>,
    pub next_cursor: Option<String>,
}
