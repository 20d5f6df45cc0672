//! What a schedule produces: occurrences (an instant, its local reading, a DST flag), local
//! times a spring-forward removed, and misfires for the ledger.
//!
//! A leaf of `recurrence`: plain data that the rules build and the API, the store and the
//! delivery engine read, so none of them depends on how the rules compute it.

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a DST change touched an occurrence (null when it did not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DstFlag {
    /// Its local time fell in a spring-forward gap; it runs at the first instant after it.
    GapShifted,
    /// Its local time occurs twice (fall-back); this is the first of the two instants.
    OverlapFirst,
    /// Its local time occurs twice; this is the second instant.
    OverlapSecond,
}

/// One occurrence of a schedule: when it is due, and how it reads in the schedule's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// The instant it is due; what `run_at` and `taskshed-scheduled-at` carry.
    pub at: DateTime<Utc>,
    /// The same instant on the schedule zone's clock, with that moment's offset.
    pub local: DateTime<FixedOffset>,
    pub dst: Option<DstFlag>,
}

impl Occurrence {
    /// `local` as RFC 3339 with its offset (`2027-03-14T03:00:00-04:00`), as the preview
    /// shows it; `+00:00`, never `Z`, so it reads as a zone's clock and not as UTC.
    pub fn local_rfc3339(&self) -> String {
        self.local.to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }
}

/// A local time the expression matches that did not exist: clocks jumped over it at
/// `clocks_jumped_at`, and the `skip` gap policy ran nothing for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkippedLocalTime {
    pub local: NaiveDateTime,
    /// The instant of the spring-forward: the moment this local time would have come.
    pub clocks_jumped_at: DateTime<Utc>,
}

/// Why an occurrence did not run: `coalesced` (a late run stood for it), `catchup_limit`
/// (older than the newest 100 missed with `coalesce: false`), `dst_gap` (a spring-forward
/// skipped its local time under the `skip` policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MisfireReason {
    /// Missed while the task was behind, with `coalesce: true`: one late run stood for it.
    Coalesced,
    /// Missed with `coalesce: false`, older than the newest 100 that are delivered.
    CatchupLimit,
    /// Its local time was skipped by a spring-forward under the `skip` gap policy.
    DstGap,
}

impl MisfireReason {
    pub fn as_str(self) -> &'static str {
        match self {
            MisfireReason::Coalesced => "coalesced",
            MisfireReason::CatchupLimit => "catchup_limit",
            MisfireReason::DstGap => "dst_gap",
        }
    }
}

/// One entry for the misfire ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Misfire {
    /// The occurrence's instant; for `dst_gap`, the instant clocks jumped over `local`.
    pub scheduled_at: DateTime<Utc>,
    /// For `dst_gap` only: the local time that did not exist.
    pub local: Option<NaiveDateTime>,
    pub reason: MisfireReason,
}

impl From<SkippedLocalTime> for Misfire {
    fn from(skipped: SkippedLocalTime) -> Self {
        Misfire {
            scheduled_at: skipped.clocks_jumped_at,
            local: Some(skipped.local),
            reason: MisfireReason::DstGap,
        }
    }
}
