//! A cron expression read in an IANA time zone under a DST policy: the occurrences as
//! instants, and the local times a spring-forward removed.
//!
//! The design argument. Matching happens on local date-times (`cron`), placing them on
//! the time line happens in one function (`dst::place`), and this module only searches.
//! The search for the next occurrence strictly after an instant `after` rests on two facts
//! about a zone's clock (local reading as a function of the instant):
//! 1. Between `after` and any later instant, the clock passes every local time between the
//!    two readings, except those in a gap it jumps over. So, walking the matching local
//!    times upward from `after`'s reading, the first one with a placement after `after`
//!    gives the earliest such occurrence: any later local time is reached later.
//! 2. A local time at or before `after`'s reading lies ahead of `after` only when `after`
//!    is in the first pass of a fall-back; then its second pass is the only candidate,
//!    from the start of the repeated range up to `after`'s reading.
//!
//! The answer is the earlier of the two. In the common case (no DST change near) this is
//! one croner step, one local-to-instant lookup and one fold check.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::cron::CronExpression;
use super::dst::{place, second_pass_ahead, DstPolicy, OverlapPolicy, Placement};
use super::occurrence::{DstFlag, Occurrence, SkippedLocalTime};

/// A cron schedule: expression, zone (default UTC) and DST policy. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    expression: CronExpression,
    zone: Tz,
    dst: DstPolicy,
}

/// The next occurrence, and the wall-clock local times that the `skip` policy passed
/// over on the way there (clocks jumped over them after the search's start, at or before
/// the occurrence), for the preview and the misfire ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextOccurrence {
    pub occurrence: Occurrence,
    pub skipped: Vec<SkippedLocalTime>,
}

impl CronSchedule {
    pub fn new(expression: CronExpression, zone: Tz, dst: DstPolicy) -> Self {
        CronSchedule {
            expression,
            zone,
            dst,
        }
    }

    pub fn expression(&self) -> &CronExpression {
        &self.expression
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub fn dst_policy(&self) -> DstPolicy {
        self.dst
    }

    /// The first occurrence strictly after `after`; `None` when there is none (croner
    /// stops looking at year 5000).
    ///
    /// Called when an occurrence finishes (with its instant) and, through
    /// `first_at_or_after`, for the first occurrence of a task.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<NextOccurrence> {
        let wall_clock = self.expression.is_wall_clock();
        let mut skipped = Vec::new();

        // Fact 1: walk the matching local times upward from `after`'s reading.
        let mut ahead = None;
        let mut local = after.with_timezone(&self.zone).naive_local();
        while let Some(candidate) = self.expression.next_local_after(local) {
            local = candidate;
            match place(self.zone, candidate, wall_clock, self.dst) {
                Placement::Runs { first, second } => {
                    // `first` can be behind `after` when `after` is in a second pass.
                    if let Some(run) = [Some(first), second]
                        .into_iter()
                        .flatten()
                        .find(|run| run.0 > after)
                    {
                        ahead = Some(run);
                        break;
                    }
                }
                Placement::Skipped { clocks_jumped_at } if clocks_jumped_at > after => {
                    skipped.push(SkippedLocalTime {
                        local: candidate,
                        clocks_jumped_at,
                    });
                }
                Placement::Skipped { .. } | Placement::Absent => {}
            }
        }

        // Fact 2: the second pass of a fall-back that `after` is in the first pass of.
        let keeps_second_pass = !wall_clock || self.dst.overlap == OverlapPolicy::Both;
        let behind = if keeps_second_pass {
            self.second_pass_candidate(after)
        } else {
            None
        };

        let (at, dst) = match (ahead, behind) {
            (Some(ahead), Some(behind)) => {
                if behind.0 < ahead.0 {
                    behind
                } else {
                    ahead
                }
            }
            (Some(run), None) | (None, Some(run)) => run,
            (None, None) => return None,
        };
        skipped.retain(|gap| gap.clocks_jumped_at <= at);
        Some(NextOccurrence {
            occurrence: Occurrence {
                at,
                local: at.with_timezone(&self.zone).fixed_offset(),
                dst,
            },
            skipped,
        })
    }

    /// The first occurrence at or after `start` (API.md: "the first match at or after
    /// `start_at`").
    pub fn first_at_or_after(&self, start: DateTime<Utc>) -> Option<NextOccurrence> {
        self.next_after(start - TimeDelta::microseconds(1))
    }

    /// When `after` is in the first pass of a fall-back: the earliest matching local time
    /// from the start of the repeated range up to `after`'s reading, at its second instant.
    fn second_pass_candidate(
        &self,
        after: DateTime<Utc>,
    ) -> Option<(DateTime<Utc>, Option<DstFlag>)> {
        let range_starts = second_pass_ahead(self.zone, after)?;
        let reading = after.with_timezone(&self.zone).naive_local();
        let candidate = self.expression.next_local_at_or_after(range_starts)?;
        if candidate > reading {
            return None;
        }
        match place(self.zone, candidate, false, self.dst) {
            Placement::Runs {
                second: Some(second),
                ..
            } => Some(second).filter(|run| run.0 > after),
            _ => None,
        }
    }
}
