//! Housekeeping, a service of its own beside the claim loop (River's rescuer): it re-queues
//! tasks whose lease expired (their instance died or stalled), every poll interval, and
//! keeps retention, on a period derived from it (a quarter of a partition's width, 1–60 s):
//! - `attempts` partitions: create the ones ahead, drop the ones past the retention, whole
//!   (migration 0012, `domain::attempt_partitions`). Dropping a partition costs the same
//!   whatever it holds, so attempt pruning keeps pace with any delivery rate.
//! - finished tasks past the retention (with their misfires), then misfires past it:
//!   deleted in batches until none is left (or the round's period is spent: the rest is
//!   next round's), not a fixed number per minute, which fell behind the delivery rate
//!   (issue 12, problem 7).
//!
//! Neither job is on the delivery path, so neither should wait for, or delay, a claim; it
//! has its own schedule and stops with the same shutdown token as the rest of the engine.
//! Every instance runs it; partition DDL is serialized by an advisory lock in the store,
//! and task batches skip rows another instance is deleting.

use sqlx::PgPool;
use std::time::Duration;
use tokio::time::{interval_at, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::domain::attempt_partitions::PartitionPolicy;
use crate::store::{attempt_partitions, deliveries};

/// Rows rescued or pruned per statement.
const BATCH: i64 = 2000;

/// What housekeeping needs to know.
pub struct Schedule {
    /// How often expired leases are rescued (the engine's poll interval).
    pub rescue_every: Duration,
    /// How long finished tasks and attempts are kept.
    pub retention: Duration,
}

/// Runs until `shutdown`: a rescue and a retention round at once, then each on its period.
/// The two are separate loops, so a long retention round (a backlog of finished tasks to
/// delete) never delays a lease rescue.
pub async fn run(pool: PgPool, schedule: Schedule, shutdown: CancellationToken) {
    let policy = PartitionPolicy::for_retention(schedule.retention);
    tokio::join!(
        every(schedule.rescue_every, &shutdown, || rescue_expired_leases(
            &pool
        )),
        every(policy.every, &shutdown, || keep_retention(
            &pool, policy, &shutdown
        )),
    );
}

/// Runs `job` at once and then every `period` (a late round delays the next, never
/// doubles it up) until `shutdown`.
async fn every<F: std::future::Future<Output = ()>>(
    period: Duration,
    shutdown: &CancellationToken,
    mut job: impl FnMut() -> F,
) {
    let mut ticks = interval_at(Instant::now(), period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticks.tick() => job().await,
        }
    }
}

async fn rescue_expired_leases(pool: &PgPool) {
    match deliveries::rescue_expired_leases(pool, BATCH).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            rescued = n,
            "re-queued tasks whose lease expired (instance died?)"
        ),
        Err(error) => tracing::warn!(%error, "lease rescue failed"),
    }
}

/// One retention round. Partitions ahead come first: they are what recording needs. Then
/// finished tasks are deleted until none past the retention is left, for at most one
/// period, so the next round's partition check is never more than a period late.
async fn keep_retention(pool: &PgPool, policy: PartitionPolicy, shutdown: &CancellationToken) {
    match attempt_partitions::create_ahead(pool, policy).await {
        Ok(Some(n)) if n > 0 => tracing::debug!(created = n, "created attempt partitions"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "creating attempt partitions failed"),
    }
    match attempt_partitions::drop_expired(pool, policy).await {
        Ok(Some(n)) if n > 0 => tracing::debug!(dropped = n, "dropped expired attempt partitions"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "dropping attempt partitions failed"),
    }
    let retention_us = policy.retention.as_micros() as i64;
    if let Err(error) = attempt_partitions::prune_default(pool, retention_us, BATCH).await {
        tracing::warn!(%error, "pruning the default attempt partition failed");
    }
    let started = Instant::now();
    let mut removed = 0;
    while started.elapsed() < policy.every && !shutdown.is_cancelled() {
        match deliveries::prune_finished_tasks(pool, retention_us, BATCH).await {
            Ok(n) => {
                removed += n;
                if n < BATCH as u64 {
                    break;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "pruning finished tasks failed");
                break;
            }
        }
    }
    if removed > 0 {
        tracing::debug!(removed, "pruned finished tasks");
    }
    while started.elapsed() < policy.every && !shutdown.is_cancelled() {
        match deliveries::prune_old_misfires(pool, retention_us, BATCH).await {
            Ok(n) if n < BATCH as u64 => break,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "pruning old misfires failed");
                break;
            }
        }
    }
}
