//! The lease keeper: extends the leases of claims this instance still holds once they are
//! past half their length (issue 12, problem 3).
//!
//! Why: a lease is look-ahead + callback timeout + `--lease-margin`. An attempt that uses
//! its whole timeout and then waits for a slow finisher, or a database that is slow to
//! record (locks, I/O, a long checkpoint), can outlast it; another instance would then
//! claim the task again and deliver it a second time while this one still holds it. The
//! keeper prevents that for every instance that is alive and can reach its database:
//! each tick, the claims of the lease book ([`super::lease_book`]) that are past half
//! their lease get `now() + length` again, in one statement for all of them, fenced like
//! a finish (fence, `running`, our instance). A claim the statement does not return is no
//! longer ours and is marked lost (its result will be recorded as `superseded`; if unsent,
//! it is not sent). An instance that dies, or cannot reach its database, stops extending,
//! and its leases run out as before: that is what leases are for.
//!
//! Cost: nothing while attempts are short (no claim reaches half its lease, so no
//! statement is sent); one batched `UPDATE` per tick while some are long.

use std::sync::Arc;
use std::time::Duration;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::db_deadline::within;
use super::state::DeliveryState;
use crate::store::deliveries;

/// How often the book is looked at: a quarter of the lease margin (so a claim is
/// extended long before the margin is used up), between 250 ms and 2 s.
pub fn tick_for(lease_margin: Duration) -> Duration {
    (lease_margin / 4).clamp(Duration::from_millis(250), Duration::from_secs(2))
}

/// Runs until `shutdown`. It keeps going while in-flight attempts finish during the
/// shutdown grace: the engine stops it after the finisher.
pub async fn run(engine: Arc<DeliveryState>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(tick_for(engine.config.lease_margin));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => extend(&engine).await,
        }
    }
}

async fn extend(engine: &DeliveryState) {
    let due = engine.leases.due_for_renewal(engine.clock.now());
    if due.is_empty() {
        return;
    }
    let statement = deliveries::extend_leases(&engine.pool, &engine.config.instance, &due);
    match within(engine.config.db_deadline, statement).await {
        Ok(extended) => {
            let lost = due.len() - extended.len();
            if lost > 0 {
                tracing::warn!(
                    lost,
                    "claims were no longer ours when their lease was extended"
                );
            }
            tracing::debug!(extended = extended.len(), "extended leases");
            engine.leases.renewed(&due, &extended);
        }
        Err(error) => {
            tracing::warn!(%error, count = due.len(), "could not extend leases; retrying next tick")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tick_is_a_quarter_of_the_margin_within_bounds() {
        assert_eq!(tick_for(Duration::from_secs(15)), Duration::from_secs(2));
        assert_eq!(tick_for(Duration::from_secs(2)), Duration::from_millis(500));
        assert_eq!(tick_for(Duration::from_secs(1)), Duration::from_millis(250));
    }
}
