//! The delivery engine's wiring: builds the shared state ([`super::state`]), spawns the
//! pieces and stops them in order. It imports the pieces; none of them imports it.
//!
//! Pieces, each a task of its own:
//! - the claim loop ([`super::claim_loop`]) claims due tasks in batches a short
//!   look-ahead before they are due, sleeping until the next due time, woken early by
//!   NOTIFY hints, with a bounded safety poll;
//! - the timer thread ([`super::timer`]) fires each claimed task at its instant;
//! - the dispatcher ([`super::dispatch`]) sends each fired task's webhook; how many tasks
//!   are held at once is bounded by the in-flight ledger ([`super::in_flight`]), whose
//!   slots travel with the tasks, so no piece counts by hand;
//! - the finisher ([`super::finisher`]) writes results back in batches;
//! - the flow recorder ([`super::flow_recorder`]) writes what results said about each
//!   receiver's load (cuts, recoveries, `Retry-After` holds) into the shared flow state;
//! - housekeeping ([`super::housekeeping`]) rescues expired leases and prunes old rows,
//!   on its own schedule;
//! - the lease keeper ([`super::lease_keeper`]) extends the leases of long attempts and
//!   of results still waiting to be recorded;
//! - the place keeper ([`super::place_keeper`]) renews the places each callback's
//!   requests are spent from ([`super::place_book`]), this instance's share of the
//!   callback's `max_concurrency` over all instances.
//!
//! `pool` is the engine's own pool (`--db-delivery-pool-size` connections), apart from
//! the API's, so a saturated engine cannot starve the API and a burst of API calls cannot
//! stall deliveries; every engine statement runs within a client-side deadline
//! ([`super::db_deadline`]).
//!
//! Shutdown (one token for all): housekeeping and the dispatcher stop at once; the claim
//! loop stops claiming; unsent claims are handed back at once; in-flight attempts finish
//! within the grace period (their leases still kept alive); the finisher flushes results;
//! the lease keeper stops; whatever is still held is handed back.

use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::callback_cache::CallbackCache;
use super::db_clock::DbClock;
use super::in_flight::InFlight;
use super::sender::Sender;
use super::state::{DeliveryConfig, DeliveryState};
use super::timer::Timer;
use super::unsent_claims::UnsentClaims;
use crate::metrics::Metrics;

/// A running engine; [`DeliveryHandle::join`] waits for its orderly stop.
pub struct DeliveryHandle {
    tasks: TaskTracker,
}

impl DeliveryHandle {
    pub async fn join(self) {
        self.tasks.close();
        self.tasks.wait().await;
    }
}

/// Starts the engine; it stops when `shutdown` is cancelled.
pub fn spawn(
    pool: PgPool,
    config: DeliveryConfig,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) -> anyhow::Result<DeliveryHandle> {
    let sender = Sender::new(super::sender::DEFAULT_USER_AGENT, config.egress.clone())?;
    let (finished_tx, finished_rx) = mpsc::unbounded_channel();
    let (dispatch_tx, dispatch_rx) = mpsc::unbounded_channel();
    let (flow_tx, flow_rx) = mpsc::unbounded_channel();
    let timer = Timer::start(dispatch_tx.clone());
    let engine = Arc::new(DeliveryState {
        claim_pool: claim_pool(&pool),
        pool,
        in_flight: InFlight::new(config.max_in_flight),
        unsent: UnsentClaims::default(),
        leases: Default::default(),
        places: Default::default(),
        poke: Notify::new(),
        clock: DbClock::new(config.look_ahead),
        config,
        sender,
        metrics,
        finished_tx,
        timer,
        dispatch_tx,
        deliveries: TaskTracker::new(),
        callbacks: CallbackCache::default(),
        flow: Default::default(),
        flow_tx,
    });
    let tasks = TaskTracker::new();
    let finisher_stop = CancellationToken::new();
    let finisher = tasks.spawn(super::finisher::run(
        engine.clone(),
        finished_rx,
        finisher_stop.clone(),
    ));
    tasks.spawn(super::flow_recorder::run(
        engine.clone(),
        flow_rx,
        finisher_stop.clone(),
    ));
    tasks.spawn(super::dispatch::run(
        engine.clone(),
        dispatch_rx,
        shutdown.clone(),
    ));
    tasks.spawn(super::housekeeping::run(
        engine.pool.clone(),
        super::housekeeping::Schedule {
            rescue_every: engine.config.poll_interval,
            retention: engine.config.retention,
        },
        shutdown.clone(),
    ));
    // Stopped after the finisher, so leases stay alive while results are recorded.
    let keeper_stop = CancellationToken::new();
    tasks.spawn(super::lease_keeper::run(
        engine.clone(),
        keeper_stop.clone(),
    ));
    // Stopped once no request is open, right before the places are given back.
    let places_stop = CancellationToken::new();
    let place_keeper = tasks.spawn(super::place_keeper::run(
        engine.clone(),
        places_stop.clone(),
    ));
    let lifecycle = engine.clone();
    tasks.spawn(async move {
        super::claim_loop::run(lifecycle.clone(), shutdown).await;
        shut_down(lifecycle.clone(), finisher_stop, finisher).await;
        places_stop.cancel();
        let _ = place_keeper.await;
        let instance = &lifecycle.config.instance;
        // No request is open any more (or the grace is over): the places go back at once
        // rather than when their leases run out.
        if let Err(error) = crate::store::places::release_instance(&lifecycle.pool, instance).await
        {
            tracing::warn!(%error, "could not give places back; their leases will expire");
        }
        keeper_stop.cancel();
    });
    Ok(DeliveryHandle { tasks })
}

/// The claim statement's connection: `synchronous_commit = off`, so a claim answers
/// without waiting for its WAL flush.
///
/// Why this is safe: a claim that a database crash loses only returns the task to
/// `scheduled`, to be claimed again, which at-least-once delivery (with a stable
/// `webhook-id`) already allows. Why it matters: the answer's arrival time anchors every
/// claimed task's timer (fired at arrival + (due − database clock)), and a commit that
/// waits on an fsync delayed whole claims by up to 17 ms on this project's benchmark
/// machine (BENCHMARKS.md). Finishes and every API write stay fully durable.
fn claim_pool(pool: &PgPool) -> PgPool {
    let options = (*pool.connect_options())
        .clone()
        .options([("synchronous_commit", "off")]);
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy_with(options)
}

async fn shut_down(
    engine: Arc<DeliveryState>,
    finisher_stop: CancellationToken,
    finisher: tokio::task::JoinHandle<()>,
) {
    // Unsent claims go back at once, so another instance can take them.
    let unsent: Vec<(String, i64)> = {
        engine.timer.stop();
        drop(engine.timer.drain());
        engine.unsent.drain()
    };
    if !unsent.is_empty() {
        match crate::store::deliveries::release_claims(&engine.pool, &unsent).await {
            Ok(n) => tracing::info!(released = n, "handed unsent claims back"),
            Err(error) => {
                tracing::warn!(%error, "could not hand unsent claims back; their leases will expire")
            }
        }
    }
    engine.deliveries.close();
    let grace = engine.config.shutdown_grace;
    if tokio::time::timeout(grace, engine.deliveries.wait())
        .await
        .is_err()
    {
        tracing::warn!(grace = ?grace, "deliveries still in flight after the grace period; handing them back");
    }
    finisher_stop.cancel();
    let _ = finisher.await;
    match crate::store::deliveries::release_instance(&engine.pool, &engine.config.instance).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(released = n, "handed abandoned claims back"),
        Err(error) => {
            tracing::warn!(%error, "could not hand claims back; their leases will expire")
        }
    }
    tracing::info!("delivery engine stopped");
}
