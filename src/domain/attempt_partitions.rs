//! Which partitions of `attempts` to create and which to drop (migration 0012): a pure rule
//! that takes the database clock's `now` and the partitions that exist, so it is tested by
//! table and every instance, whatever its settings, extends the same chain.
//!
//! - **Width** follows the retention: an eighth of it (at least a second), so about nine
//!   partitions hold the kept history, a whole partition is never more than an eighth of
//!   the retention late to go, and a short retention (tests, soak) still drops partitions.
//! - **Creation** continues the chain from the highest upper bound, never below `now` +
//!   [`START_GAP`], so ranges never overlap even when instances run with different
//!   retentions; it keeps `ahead` covered beyond that, so a stalled housekeeping round does
//!   not leave recording without a partition (and if one ever does, the DEFAULT partition
//!   takes the rows). Starting in the future is what keeps a new range clear of rows the
//!   DEFAULT partition took, or is taking at that moment (see [`START_GAP`]).
//! - **Dropping** takes ranges whose upper bound is at least a retention old: every row in
//!   them is older than the retention. The DEFAULT partition is never dropped.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// Partitions per retention period.
const PARTITIONS_PER_RETENTION: u32 = 8;
/// The narrowest partition.
const MIN_WIDTH: Duration = Duration::from_secs(1);
/// How far in the future a new partition must start. A row is routed when its statement
/// starts, with `recorded_at` = its transaction's start: a statement that began before the
/// partition was attached, at or after its lower bound, would be routed to DEFAULT and then
/// refused there (the DEFAULT partition's constraint changed meanwhile). Starting every
/// range after the creating transaction has committed rules that out; the store checks,
/// before committing, that it is still at least half this gap ahead.
pub const START_GAP: Duration = Duration::from_secs(10);
/// Most partitions one round creates (a bound on DDL per round, whatever the clock did).
const MAX_CREATED_PER_ROUND: usize = 16;

/// A range partition that exists: `lower` is `None` for a `MINVALUE` bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangePartition {
    pub name: String,
    pub lower: Option<DateTime<Utc>>,
    pub upper: DateTime<Utc>,
}

/// A range partition to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPartition {
    pub name: String,
    pub lower: DateTime<Utc>,
    pub upper: DateTime<Utc>,
}

/// How partitions are laid out for one retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionPolicy {
    pub retention: Duration,
    pub width: Duration,
    /// How far past `now` partitions must exist.
    pub ahead: Duration,
    /// How often housekeeping should look (a quarter of the width, 1–60 s).
    pub every: Duration,
}

impl PartitionPolicy {
    pub fn for_retention(retention: Duration) -> PartitionPolicy {
        let width = (retention / PARTITIONS_PER_RETENTION).max(MIN_WIDTH);
        let every = (width / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
        PartitionPolicy {
            retention,
            width,
            ahead: (width * 2).max(every * 4),
            every,
        }
    }

    /// The partitions to create so that `[.., now + START_GAP + ahead)` is covered. None
    /// starts before `now + START_GAP`.
    pub fn partitions_to_create(
        self,
        now: DateTime<Utc>,
        existing: &[RangePartition],
    ) -> Vec<NewPartition> {
        let Some(width) = chrono_duration(self.width) else {
            return Vec::new();
        };
        let Some(earliest) = chrono_duration(START_GAP).and_then(|g| now.checked_add_signed(g))
        else {
            return Vec::new();
        };
        let Some(horizon) =
            chrono_duration(self.ahead).and_then(|a| earliest.checked_add_signed(a))
        else {
            return Vec::new();
        };
        let last_upper = existing.iter().map(|p| p.upper).max();
        let mut lower = last_upper.map_or(earliest, |upper| upper.max(earliest));
        let mut created = Vec::new();
        while lower < horizon && created.len() < MAX_CREATED_PER_ROUND {
            let Some(upper) = lower.checked_add_signed(width) else {
                break;
            };
            created.push(NewPartition {
                name: partition_name(lower),
                lower,
                upper,
            });
            lower = upper;
        }
        created
    }

    /// The partitions whose every row is older than the retention.
    pub fn partitions_to_drop(
        self,
        now: DateTime<Utc>,
        existing: &[RangePartition],
    ) -> Vec<RangePartition> {
        let Some(cutoff) = chrono_duration(self.retention).and_then(|r| now.checked_sub_signed(r))
        else {
            return Vec::new();
        };
        existing
            .iter()
            .filter(|p| p.upper <= cutoff)
            .cloned()
            .collect()
    }
}

/// `attempts_` and the lower bound to the microsecond (lower bounds never repeat: ranges
/// do not overlap and the chain only moves forward).
fn partition_name(lower: DateTime<Utc>) -> String {
    format!("attempts_{}", lower.format("%Y%m%d_%H%M%S_%6f"))
}

fn chrono_duration(duration: Duration) -> Option<chrono::Duration> {
    chrono::Duration::from_std(duration).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn range(lower: Option<i64>, upper: i64) -> RangePartition {
        RangePartition {
            name: format!("p{upper}"),
            lower: lower.map(at),
            upper: at(upper),
        }
    }

    fn bounds(created: &[NewPartition]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        created.iter().map(|p| (p.lower, p.upper)).collect()
    }

    #[test]
    fn width_and_schedule_follow_the_retention() {
        let week = PartitionPolicy::for_retention(Duration::from_secs(7 * 86_400));
        assert_eq!(week.width, Duration::from_secs(7 * 86_400 / 8));
        assert_eq!(week.every, Duration::from_secs(60));
        assert_eq!(week.ahead, week.width * 2);
        let short = PartitionPolicy::for_retention(Duration::from_secs(4));
        assert_eq!(short.width, Duration::from_secs(1), "never below a second");
        assert_eq!(short.every, Duration::from_secs(1));
        assert_eq!(short.ahead, Duration::from_secs(4));
    }

    #[test]
    fn creation_continues_the_chain_and_covers_the_horizon() {
        let policy = PartitionPolicy::for_retention(Duration::from_secs(80)); // width 10 s
        assert_eq!(policy.width, Duration::from_secs(10));
        type Case = (&'static str, Vec<RangePartition>, i64, Vec<(i64, i64)>);
        let cases: &[Case] = &[
            (
                "nothing yet: start a gap after now",
                vec![],
                0,
                vec![(10, 20), (20, 30)],
            ),
            (
                "legacy only, migrated before now",
                vec![range(None, -30)],
                0,
                vec![(10, 20), (20, 30)],
            ),
            (
                "covered only to 5, inside the gap: start a gap after now",
                vec![range(Some(-5), 5)],
                0,
                vec![(10, 20), (20, 30)],
            ),
            (
                "covered up to 15: continue from 15",
                vec![range(Some(-5), 5), range(Some(5), 15)],
                0,
                vec![(15, 25), (25, 35)],
            ),
            (
                "already covered past the horizon",
                vec![range(Some(0), 30)],
                0,
                vec![],
            ),
            (
                "a gap (housekeeping stalled): restart after now, not in the past",
                vec![range(Some(-100), -90)],
                7,
                vec![(17, 27), (27, 37)],
            ),
        ];
        for (what, existing, now, expected) in cases {
            let created = policy.partitions_to_create(at(*now), existing);
            let expected: Vec<_> = expected.iter().map(|(l, u)| (at(*l), at(*u))).collect();
            assert_eq!(bounds(&created), expected, "{what}");
            // Nothing created overlaps anything that exists.
            for new in &created {
                for old in existing {
                    assert!(
                        new.lower >= old.upper || old.lower.is_some_and(|l| new.upper <= l),
                        "{what}: {new:?} overlaps {old:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn instances_with_different_retentions_never_overlap() {
        let week = PartitionPolicy::for_retention(Duration::from_secs(80));
        let short = PartitionPolicy::for_retention(Duration::from_secs(24));
        let mut existing: Vec<RangePartition> = Vec::new();
        for (step, policy) in [week, short, week, short].iter().enumerate() {
            let now = at(step as i64 * 7);
            for new in policy.partitions_to_create(now, &existing) {
                assert!(existing.iter().all(|old| new.lower >= old.upper));
                existing.push(RangePartition {
                    name: new.name,
                    lower: Some(new.lower),
                    upper: new.upper,
                });
            }
        }
        assert!(existing.len() >= 3);
    }

    #[test]
    fn creation_is_bounded_per_round() {
        let policy = PartitionPolicy {
            retention: Duration::from_secs(8),
            width: Duration::from_secs(1),
            ahead: Duration::from_secs(1000),
            every: Duration::from_secs(1),
        };
        assert_eq!(
            policy.partitions_to_create(at(0), &[]).len(),
            MAX_CREATED_PER_ROUND
        );
    }

    #[test]
    fn names_are_unique_per_lower_bound() {
        let policy = PartitionPolicy::for_retention(Duration::from_secs(8));
        let created = policy.partitions_to_create(at(0), &[]);
        assert_eq!(created[0].name, "attempts_20270115_080010_000000");
        let mut names: Vec<_> = created.iter().map(|p| &p.name).collect();
        names.dedup();
        assert_eq!(names.len(), created.len());
    }

    #[test]
    fn only_ranges_entirely_past_the_retention_are_dropped() {
        let policy = PartitionPolicy::for_retention(Duration::from_secs(80));
        let existing = vec![
            range(None, -100),
            range(Some(-100), -80),
            range(Some(-80), -79),
            range(Some(-79), 10),
        ];
        let dropped: Vec<_> = policy
            .partitions_to_drop(at(0), &existing)
            .into_iter()
            .map(|p| p.upper)
            .collect();
        assert_eq!(dropped, [at(-100), at(-80)]);
    }
}
