//! The state the delivery engine's tasks share: pools, tunables, the channels between the
//! pieces, the in-flight ledger, the unsent claims, the callback cache and the database
//! clock. Each of those owns its own invariant; this module only puts them together.
//!
//! A leaf of `delivery/`: the claim loop, the dispatcher and the finisher each import it,
//! and `engine` builds it; it imports none of them, so dependencies point one way.

use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
use tokio_util::task::TaskTracker;

use super::callback_cache::{CallbackCache, Target};
use super::db_clock::DbClock;
use super::flow_gate::{FlowGate, FlowSignal};
use super::in_flight::{InFlight, Slots};
use super::job::Job;
use super::lease_book::LeaseBook;
use super::place_book::PlaceBook;
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
    /// Client-side deadline of every engine statement (see `db_deadline`).
    pub db_deadline: Duration,
    /// How callbacks' secrets and header values are kept at rest (to open them).
    pub at_rest: crate::domain::sealed::AtRest,
    /// Where deliveries may connect (`--egress`, `--egress-allow`, `--egress-deny`).
    pub egress: Arc<crate::domain::egress::EgressPolicy>,
}

/// State shared by the engine's tasks; `engine::spawn` builds it.
pub struct DeliveryState {
    /// The engine's own connections (`--db-delivery-pool-size`), apart from the API's, so
    /// neither can starve the other.
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
    /// The lease of every held claim, kept alive by the lease keeper.
    pub leases: LeaseBook,
    /// The places this instance holds per callback, renewed by the place keeper.
    pub places: PlaceBook,
    /// Signalled when the claim loop should look at the database again now.
    pub poke: Notify,
    pub clock: DbClock,
    /// Results to record, each with the slot its task holds until recorded.
    pub finished_tx: mpsc::UnboundedSender<(FinishedAttempt, Slots)>,
    pub timer: Timer<Job>,
    pub dispatch_tx: mpsc::UnboundedSender<Job>,
    pub deliveries: TaskTracker,
    pub callbacks: CallbackCache,
    /// This instance's view of the flow state between claims (holds, recovering, capped).
    pub flow: FlowGate,
    /// What attempts told about their receivers, for the flow recorder.
    pub flow_tx: mpsc::UnboundedSender<FlowSignal>,
}

impl DeliveryState {
    /// Loads the callbacks among `names` that are not cached yet.
    pub async fn resolve_callbacks(&self, names: &[String]) -> Result<(), sqlx::Error> {
        let resolve = self
            .callbacks
            .resolve(&self.pool, &self.config.at_rest, names);
        super::db_deadline::within(self.config.db_deadline, resolve).await
    }

    /// The callback named `name` as it is now; `None` if it is not registered.
    pub async fn callback(&self, name: &str) -> Result<Option<Arc<Target>>, sqlx::Error> {
        let get = self.callbacks.get(&self.pool, &self.config.at_rest, name);
        super::db_deadline::within(self.config.db_deadline, get).await
    }
}
