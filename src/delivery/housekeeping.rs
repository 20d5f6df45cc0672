//! Housekeeping, a service of its own beside the claim loop (River's rescuer): it re-queues
//! tasks whose lease expired (their instance died or stalled), every poll interval, and
//! prunes finished tasks and old attempts past the retention, every minute.
//!
//! Neither job is on the delivery path, so neither should wait for, or delay, a claim; it
//! has its own schedule and stops with the same shutdown token as the rest of the engine.

use sqlx::PgPool;
use std::time::Duration;
use tokio::time::{interval_at, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::store::deliveries;

/// How often finished tasks are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// Rows rescued or pruned per statement.
const BATCH: i64 = 1000;
/// Prune statements per round: a bounded number of small batches, so pruning never hogs
/// the database.
const PRUNE_BATCHES_PER_ROUND: usize = 10;

/// What housekeeping needs to know.
pub struct Schedule {
    /// How often expired leases are rescued (the engine's poll interval).
    pub rescue_every: Duration,
    /// How long finished tasks and attempts are kept.
    pub retention: Duration,
}

/// Runs until `shutdown`: a rescue at once and then every `rescue_every`, a prune round
/// every [`PRUNE_EVERY`] (the first one a minute after start).
pub async fn run(pool: PgPool, schedule: Schedule, shutdown: CancellationToken) {
    let now = Instant::now();
    let mut rescue = interval_at(now, schedule.rescue_every);
    rescue.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut prune = interval_at(now + PRUNE_EVERY, PRUNE_EVERY);
    prune.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let retention_us = schedule.retention.as_micros() as i64;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = rescue.tick() => rescue_expired_leases(&pool).await,
            _ = prune.tick() => prune_finished(&pool, retention_us).await,
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

async fn prune_finished(pool: &PgPool, retention_us: i64) {
    for _ in 0..PRUNE_BATCHES_PER_ROUND {
        match deliveries::prune(pool, retention_us, BATCH).await {
            Ok(n) if n > 0 => {
                tracing::debug!(removed = n, "pruned finished tasks and old attempts")
            }
            Ok(_) => break,
            Err(error) => {
                tracing::warn!(%error, "pruning failed");
                break;
            }
        }
    }
}
