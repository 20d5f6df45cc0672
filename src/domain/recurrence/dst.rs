//! The DST policy and the one place that turns a local date-time into instants.
//!
//! We implement the policy ourselves instead of taking a cron library's behaviour: croner
//! runs a fixed-time job at the first valid time after a gap, while OCPS and EventBridge
//! skip it, and users get to choose. A local date-time in a zone is exactly one of:
//! - a single instant (almost always);
//! - two instants (a fall-back repeats it): `once` keeps the first, `both` keeps each;
//! - no instant (a spring-forward jumped over it): `skip` runs nothing, `shift` runs at
//!   the jump itself, the first instant after the gap.
//!
//! The policy is for wall-clock schedules (`30 2 * * *`: "at half past two"). A schedule
//! whose hour field is `*` or stepped (`*/15 * * * *`, `0 * * * *`) keeps its rhythm in
//! elapsed time instead: it runs at both instants of a repeated local time and has no
//! local times in a gap, so there is nothing to shift or to report.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::occurrence::DstFlag;

/// What to do with a local time that a spring-forward skips: `skip` runs nothing that
/// day, `shift` runs at the first instant after the gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GapPolicy {
    /// Run nothing for it (OCPS, EventBridge); the preview and the ledger say `dst_gap`.
    #[default]
    Skip,
    /// Run at the first instant after the gap, flagged `gap_shifted`.
    Shift,
}

/// What to do with a local time that a fall-back repeats: `once` runs at the first of
/// the two instants, `both` at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverlapPolicy {
    /// Run at the first of the two instants.
    #[default]
    Once,
    /// Run at each of them.
    Both,
}

/// The stored (and JSON) names of the policies.
impl GapPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            GapPolicy::Skip => "skip",
            GapPolicy::Shift => "shift",
        }
    }
}

impl OverlapPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            OverlapPolicy::Once => "once",
            OverlapPolicy::Both => "both",
        }
    }
}

/// What a cron task does with local times that DST changes skip or repeat (default
/// `skip` / `once`). Applies to expressions whose hour field names hours; `*` or stepped
/// hours keep their rhythm in elapsed time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DstPolicy {
    pub gap: GapPolicy,
    pub overlap: OverlapPolicy,
}

/// How a local date-time of a wall-clock or rhythm schedule runs, after the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Runs at one or two instants, in order (`second` only for a repeated local time).
    Runs {
        first: (DateTime<Utc>, Option<DstFlag>),
        second: Option<(DateTime<Utc>, Option<DstFlag>)>,
    },
    /// A wall-clock time in a gap under `skip`: reported, not run.
    Skipped { clocks_jumped_at: DateTime<Utc> },
    /// A rhythm time in a gap: the clock never shows it, and nothing was missed.
    Absent,
}

/// Where `local` falls in `zone`, with `policy` applied; `wall_clock` says whether the
/// policy applies at all (see the module doc).
pub(crate) fn place(
    zone: Tz,
    local: NaiveDateTime,
    wall_clock: bool,
    policy: DstPolicy,
) -> Placement {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => Placement::Runs {
            first: (at.with_timezone(&Utc), None),
            second: None,
        },
        LocalResult::Ambiguous(earlier, later) => {
            let keeps_second = !wall_clock || policy.overlap == OverlapPolicy::Both;
            Placement::Runs {
                first: (earlier.with_timezone(&Utc), Some(DstFlag::OverlapFirst)),
                second: keeps_second
                    .then(|| (later.with_timezone(&Utc), Some(DstFlag::OverlapSecond))),
            }
        }
        LocalResult::None if !wall_clock => Placement::Absent,
        LocalResult::None => {
            let clocks_jumped_at = jump_over(zone, local);
            match policy.gap {
                GapPolicy::Skip => Placement::Skipped { clocks_jumped_at },
                GapPolicy::Shift => Placement::Runs {
                    first: (clocks_jumped_at, Some(DstFlag::GapShifted)),
                    second: None,
                },
            }
        }
    }
}

/// Seconds the zone's clocks are ahead of UTC at the whole-second instant `at`.
fn offset_at(zone: Tz, at: i64) -> i64 {
    let utc = DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .naive_utc();
    i64::from(zone.offset_from_utc_datetime(&utc).fix().local_minus_utc())
}

/// The instant at which the clocks of `zone` jump over the non-existent local time `gap_local`:
/// the first instant whose local reading is later than it.
///
/// Offsets lie within UTC−12…UTC+14, so that instant lies within 15 hours of `gap_local`
/// read as UTC; bisection over whole seconds (zone changes happen on whole seconds) finds
/// it in 17 steps. It assumes local time only moves forward in that window, which holds
/// for every zone: no two offset changes are that close.
fn jump_over(zone: Tz, gap_local: NaiveDateTime) -> DateTime<Utc> {
    let target = gap_local.and_utc().timestamp();
    let local_at = |at: i64| at + offset_at(zone, at);
    let (mut before, mut after) = (target - 15 * 3600, target + 15 * 3600);
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        if local_at(middle) > target {
            after = middle;
        } else {
            before = middle;
        }
    }
    DateTime::from_timestamp(after, 0).unwrap_or_default()
}

/// When `at` lies in the first pass of a fall-back, the local time the second pass starts
/// at and the offset it runs on; `None` otherwise.
///
/// A local time earlier than `at`'s own can still lie ahead of `at` only in this case, so
/// the search for the next occurrence asks it once.
pub(crate) fn second_pass_ahead(zone: Tz, at: DateTime<Utc>) -> Option<NaiveDateTime> {
    let local = at.with_timezone(&zone).naive_local();
    let LocalResult::Ambiguous(_, later) = zone.from_local_datetime(&local) else {
        return None;
    };
    let later = later.with_timezone(&Utc);
    // Sub-seconds: `at` is on the first pass exactly when it is before its later twin.
    if at >= later {
        return None;
    }
    // The clocks go back somewhere in (at, later]: find the first instant on the new offset.
    let first_offset = offset_at(zone, at.timestamp());
    let (mut before, mut after) = (at.timestamp(), later.timestamp());
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        if offset_at(zone, middle) == first_offset {
            before = middle;
        } else {
            after = middle;
        }
    }
    let second_pass_starts = DateTime::from_timestamp(after, 0)?;
    Some(second_pass_starts.naive_utc() + TimeDelta::seconds(offset_at(zone, after)))
}
