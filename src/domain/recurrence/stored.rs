//! A task's schedule as its row stores it (plain columns), back into a [`TaskSchedule`].
//!
//! The delivery engine rebuilds the schedule of every claimed recurring task, so parsing a
//! cron expression must not be paid per task: [`CronMemo`] keeps each distinct expression
//! of one claim parsed once (a burn-down of 100,000 tasks on one schedule parses it once
//! per claim batch, not 100,000 times). Zones are a table lookup and need no memo.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::bounds::Bounds;
use super::cron::CronExpression;
use super::dst::{DstPolicy, GapPolicy, OverlapPolicy};
use super::rule::Recurrence;
use super::task_schedule::TaskSchedule;
use super::zoned_cron::CronSchedule;
use crate::domain::duration::IsoDuration;
use crate::domain::time::parse_timezone;

/// The schedule columns of one task row.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredSchedule<'a> {
    pub interval_us: Option<i64>,
    pub cron: Option<&'a str>,
    pub timezone: Option<&'a str>,
    pub dst_gap: Option<&'a str>,
    pub dst_overlap: Option<&'a str>,
    pub end_at: Option<DateTime<Utc>>,
    pub max_runs: Option<i64>,
    pub jitter_us: Option<i64>,
    pub coalesce: bool,
}

/// Parsed cron expressions by their text, for the rows of one batch.
#[derive(Default)]
pub struct CronMemo(HashMap<String, CronExpression>);

impl CronMemo {
    fn parse(&mut self, raw: &str) -> Result<CronExpression, String> {
        if let Some(parsed) = self.0.get(raw) {
            return Ok(parsed.clone());
        }
        let parsed = CronExpression::parse(raw)?;
        self.0.insert(raw.to_owned(), parsed.clone());
        Ok(parsed)
    }
}

/// Reads the two DST columns; `None` when either is missing or unknown.
pub fn dst_policy(gap: Option<&str>, overlap: Option<&str>) -> Option<DstPolicy> {
    let gap = match gap? {
        "skip" => GapPolicy::Skip,
        "shift" => GapPolicy::Shift,
        _ => return None,
    };
    let overlap = match overlap? {
        "once" => OverlapPolicy::Once,
        "both" => OverlapPolicy::Both,
        _ => return None,
    };
    Some(DstPolicy { gap, overlap })
}

/// The task's schedule: `Ok(None)` for a task that runs once; an error when a stored
/// value no longer parses (it was checked when written, so only a changed parser or a
/// hand-edited row gets there).
pub fn task_schedule(
    stored: StoredSchedule<'_>,
    memo: &mut CronMemo,
) -> Result<Option<TaskSchedule>, String> {
    let zone = match stored.timezone {
        Some(name) => parse_timezone(name)?,
        None => chrono_tz::UTC,
    };
    let recurrence = match (stored.cron, stored.interval_us) {
        (Some(raw), _) => {
            let dst = dst_policy(stored.dst_gap, stored.dst_overlap)
                .ok_or_else(|| "the stored DST policy is not valid".to_owned())?;
            Recurrence::Cron(CronSchedule::new(memo.parse(raw)?, zone, dst))
        }
        (None, Some(us)) => Recurrence::Interval {
            every: IsoDuration::from_micros(us),
            zone,
        },
        (None, None) => return Ok(None),
    };
    Ok(Some(TaskSchedule {
        recurrence,
        bounds: Bounds {
            end_at: stored.end_at,
            max_runs: stored.max_runs.map(|max| max.max(0) as u64),
        },
        coalesce: stored.coalesce,
        jitter: stored.jitter_us.map(IsoDuration::from_micros),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_schedules_and_each_expression_is_parsed_once() {
        let mut memo = CronMemo::default();
        let once = task_schedule(StoredSchedule::default(), &mut memo).unwrap();
        assert!(once.is_none());
        let cron = StoredSchedule {
            cron: Some("30 2 * * *"),
            timezone: Some("America/New_York"),
            dst_gap: Some("shift"),
            dst_overlap: Some("both"),
            max_runs: Some(3),
            jitter_us: Some(1_000_000),
            ..StoredSchedule::default()
        };
        for _ in 0..3 {
            let schedule = task_schedule(cron, &mut memo).unwrap().unwrap();
            let Recurrence::Cron(parsed) = &schedule.recurrence else {
                panic!("not cron")
            };
            assert_eq!(parsed.expression().as_str(), "30 2 * * *");
            assert_eq!(parsed.zone().name(), "America/New_York");
            assert_eq!(parsed.dst_policy().gap, GapPolicy::Shift);
            assert_eq!(parsed.dst_policy().overlap, OverlapPolicy::Both);
            assert_eq!(schedule.bounds.max_runs, Some(3));
            assert_eq!(schedule.jitter, Some(IsoDuration::from_secs(1)));
        }
        assert_eq!(memo.0.len(), 1);
        let interval = StoredSchedule {
            interval_us: Some(10_000_000),
            ..StoredSchedule::default()
        };
        let schedule = task_schedule(interval, &mut memo).unwrap().unwrap();
        assert_eq!(schedule.recurrence.interval_micros(), Some(10_000_000));
        let broken = StoredSchedule {
            cron: Some("not cron"),
            dst_gap: Some("skip"),
            dst_overlap: Some("once"),
            ..StoredSchedule::default()
        };
        assert!(task_schedule(broken, &mut memo).is_err());
    }
}
