//! The place keeper: renews this instance's places (`store::places::lease`) for every
//! callback it delivers to, in one transaction for all of them, every [`TICK`] while it
//! holds or needs any, and at once when a callback needs places it has none of.
//!
//! Each renewal says what the instance needs (its claimed tasks), holds and has in use,
//! and learns what it may hold, the callback's hold and whether it is recovering. Shares
//! move with renewals: an instance that holds more than its fair share while another
//! waits gives the excess back within a tick of learning it, and the waiting one takes it
//! at its next. With nothing held or needed it sends nothing (an idle instance costs no
//! statement).

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::db_deadline::within;
use super::state::DeliveryState;
use crate::store::places;

/// How often places are renewed while any are held or needed.
pub const TICK: Duration = Duration::from_millis(100);

/// Runs until `shutdown`. Like the lease keeper, it keeps going while in-flight attempts
/// finish during the shutdown grace: the engine stops it last.
pub async fn run(engine: Arc<DeliveryState>, shutdown: CancellationToken) {
    loop {
        renew(&engine).await;
        let active = engine.places.is_active();
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = engine.places.wanted.notified() => {}
            _ = tokio::time::sleep(TICK), if active => {}
        }
    }
}

async fn renew(engine: &DeliveryState) {
    let asked = engine.places.requests();
    if asked.is_empty() {
        engine.places.prune();
        return;
    }
    let lease = places::lease(&engine.pool, &engine.config.instance, &asked);
    match within(engine.config.db_deadline, lease).await {
        Ok(places::Lease {
            grants,
            answered_at,
        }) => {
            // A short statement's clock reading, ten times a second while delivering:
            // it keeps the timers' anchor fresh between claims (`clock_anchor`).
            if let Some(db_now) = grants.iter().map(|g| g.db_now).max() {
                engine.clock.sample(answered_at, db_now);
            }
            let local = |at: chrono::DateTime<chrono::Utc>| -> Instant {
                let left = (at - engine.clock.now()).to_std().unwrap_or(Duration::ZERO);
                Instant::now() + left
            };
            for grant in &grants {
                engine.flow.observe_grant(
                    &grant.callback,
                    grant.held_until.map(&local),
                    grant.reduced,
                );
            }
            engine.places.apply(&asked, &grants, local);
            engine.places.prune();
        }
        Err(error) => {
            // Places already held stay usable while their lease covers an attempt; after
            // that no request starts until a renewal succeeds.
            tracing::warn!(%error, "could not renew places; retrying next tick");
        }
    }
}
