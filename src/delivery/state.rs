//! The state the delivery engine's tasks share: pools, tunables, the channels between the
//! pieces, the in-flight bookkeeping, the callback cache and the database clock.
//!
//! A leaf of `delivery/`: the claim loop, the dispatcher and the finisher each import it,
//! and [`super::engine`] builds it; it imports none of them, so dependencies point one way.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
use tokio_util::task::TaskTracker;

use super::callback_cache::{CallbackCache, Target};
use super::clock_anchor::{AnchorChooser, ClockAnchor};
use super::in_flight::{InFlight, Slots};
use super::job::Job;
use super::sender::Sender;
use super::timer::Timer;
use super::unsent_claims::UnsentClaims;
use crate::metrics::Metrics;
use crate::store::deliveries::FinishedAttempt;

/// Tunables of the delivery engine.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub instance: String,
    /// Most tasks held (claimed and not yet finished) at once.
    pub max_in_flight: usize,
    pub claim_batch: usize,
    pub look_ahead: Duration,
    pub poll_interval: Duration,
    pub lease_margin: Duration,
    pub retention: Duration,
    pub shutdown_grace: Duration,
}

/// State shared by the engine's tasks.
pub struct DeliveryState {
    pub pool: PgPool,
    /// One connection with `synchronous_commit = off`, for claims only (see
    /// `engine::claim_pool`).
    pub claim_pool: PgPool,
    pub config: DeliveryConfig,
    pub sender: Sender,
    pub metrics: Arc<Metrics>,
    /// Claimed tasks not yet finished (unsent, sending, or awaiting the finisher).
    pub in_flight: InFlight,
    /// Claimed tasks not yet sent, each holding its in-flight slot.
    pub unsent: UnsentClaims,
    /// Signalled when the claim loop should look at the database again now.
    pub poke: Notify,
    /// Database clock minus local clock, in microseconds, as of the last claim.
    db_offset_us: AtomicI64,
    /// Results to record, each with the slot its task holds until recorded.
    pub finished_tx: mpsc::UnboundedSender<(FinishedAttempt, Slots)>,
    pub timer: Timer<Job>,
    pub dispatch_tx: mpsc::UnboundedSender<Job>,
    pub deliveries: TaskTracker,
    pub callbacks: CallbackCache,
    clock_anchors: Mutex<AnchorChooser>,
}

impl DeliveryState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        pool: PgPool,
        claim_pool: PgPool,
        config: DeliveryConfig,
        sender: Sender,
        metrics: Arc<Metrics>,
        finished_tx: mpsc::UnboundedSender<(FinishedAttempt, Slots)>,
        timer: Timer<Job>,
        dispatch_tx: mpsc::UnboundedSender<Job>,
    ) -> Self {
        let max_in_flight = config.max_in_flight;
        Self {
            pool,
            claim_pool,
            config,
            sender,
            metrics,
            in_flight: InFlight::new(max_in_flight),
            unsent: UnsentClaims::default(),
            poke: Notify::new(),
            db_offset_us: AtomicI64::new(0),
            finished_tx,
            timer,
            dispatch_tx,
            deliveries: TaskTracker::new(),
            callbacks: CallbackCache::default(),
            clock_anchors: Mutex::new(AnchorChooser::default()),
        }
    }

    /// Loads the callbacks among `names` that are not cached yet.
    pub async fn resolve_callbacks(&self, names: &[String]) -> Result<(), sqlx::Error> {
        self.callbacks.resolve(&self.pool, names).await
    }

    /// The callback named `name` as it is now; `None` if it is not registered.
    pub async fn callback(&self, name: &str) -> Result<Option<Arc<Target>>, sqlx::Error> {
        self.callbacks.get(&self.pool, name).await
    }

    /// The mapping from database time to local instants for a new claim's tasks.
    pub fn choose_clock_anchor(&self, sample: ClockAnchor) -> ClockAnchor {
        self.clock_anchors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .choose(sample, self.config.look_ahead)
    }

    /// The database clock, estimated from the local clock and the last claim's reading.
    pub fn db_now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::TimeDelta::microseconds(self.db_offset_us.load(Ordering::Relaxed))
    }

    pub fn observe_db_clock(&self, db_now: DateTime<Utc>) {
        let offset = (db_now - Utc::now()).num_microseconds().unwrap_or(0);
        self.db_offset_us.store(offset, Ordering::Relaxed);
    }
}
