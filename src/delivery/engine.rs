//! The delivery engine's shared state and life cycle.
//!
//! Pieces, each a task of its own:
//! - the claim loop ([`super::claim_loop`]) claims due tasks in batches a short
//!   look-ahead before they are due, sleeping until the next due time, woken early by
//!   NOTIFY hints, with a bounded safety poll;
//! - the timer thread ([`super::timer`]) fires each claimed task at its instant;
//! - the dispatcher ([`super::dispatch`]) sends each fired task's webhook, with a bounded
//!   number held at once;
//! - the finisher ([`super::finisher`]) writes results back in batches.
//!
//! Shutdown: stop claiming; hand unsent claims back at once; let in-flight attempts finish
//! within the grace period; flush results; hand back whatever is still held.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::clock_anchor::{AnchorChooser, ClockAnchor};
use super::dispatch::{Job, Target};
use super::sender::Sender;
use super::timer::Timer;
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
    /// How callbacks' secrets and header values are kept at rest (to open them).
    pub at_rest: crate::domain::sealed::AtRest,
}

/// State shared by the engine's tasks.
pub struct Engine {
    pub pool: PgPool,
    /// One connection with `synchronous_commit = off`, for claims only (see
    /// [`claim_pool`]).
    pub claim_pool: PgPool,
    pub config: DeliveryConfig,
    pub sender: Sender,
    pub metrics: Arc<Metrics>,
    /// Claimed tasks not yet finished (pending, sending, or awaiting the finisher).
    pub held: AtomicUsize,
    /// Claimed tasks not yet sent: task id → fence. Removing an entry is what cancels a
    /// pending send; firing removes it too, so exactly one of the two wins.
    pub pending: Mutex<HashMap<String, i64>>,
    /// Signalled when held tasks finish (capacity for claiming again).
    pub capacity_freed: Notify,
    /// Signalled when the claim loop should look at the database again now.
    pub poke: Notify,
    /// Database clock minus local clock, in microseconds, as of the last claim.
    db_offset_us: AtomicI64,
    pub finished_tx: mpsc::UnboundedSender<FinishedAttempt>,
    pub timer: Timer<Job>,
    pub dispatch_tx: mpsc::UnboundedSender<Job>,
    pub deliveries: TaskTracker,
    /// Resolved callbacks by name; entries are dropped when a `taskshed_callback` hint
    /// says the callback changed, and all of them when hints may have been missed.
    callbacks: Mutex<HashMap<String, Option<Arc<Target>>>>,
    clock_anchors: Mutex<AnchorChooser>,
}

impl Engine {
    fn lock_callbacks(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<Arc<Target>>>> {
        self.callbacks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Loads the callbacks among `names` that are not cached yet.
    pub async fn resolve_callbacks(&self, names: &[String]) -> Result<(), sqlx::Error> {
        let missing: Vec<String> = {
            let cache = self.lock_callbacks();
            names
                .iter()
                .filter(|n| !cache.contains_key(*n))
                .cloned()
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let found =
            crate::store::deliveries::callback_targets(&self.pool, &self.config.at_rest, &missing)
                .await?;
        let mut cache = self.lock_callbacks();
        for name in missing {
            cache.entry(name).or_insert(None);
        }
        for (name, parsed) in found {
            cache.insert(name, Some(Arc::new(Target::from(parsed))));
        }
        Ok(())
    }

    /// The callback named `name` as it is now; `None` if it is not registered.
    pub async fn callback(&self, name: &str) -> Result<Option<Arc<Target>>, sqlx::Error> {
        if let Some(cached) = self.lock_callbacks().get(name) {
            return Ok(cached.clone());
        }
        self.resolve_callbacks(&[name.to_owned()]).await?;
        Ok(self.lock_callbacks().get(name).cloned().flatten())
    }

    /// The mapping from database time to local instants for a new claim's tasks.
    pub fn choose_clock_anchor(&self, sample: ClockAnchor) -> ClockAnchor {
        self.clock_anchors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .choose(sample, self.config.look_ahead)
    }

    pub fn forget_callback(&self, name: &str) {
        self.lock_callbacks().remove(name);
    }

    pub fn forget_all_callbacks(&self) {
        self.lock_callbacks().clear();
    }

    /// The database clock, estimated from the local clock and the last claim's reading.
    pub fn db_now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::TimeDelta::microseconds(self.db_offset_us.load(Ordering::Relaxed))
    }

    pub fn observe_db_clock(&self, db_now: DateTime<Utc>) {
        let offset = (db_now - Utc::now()).num_microseconds().unwrap_or(0);
        self.db_offset_us.store(offset, Ordering::Relaxed);
    }

    pub fn lock_pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks `n` held tasks as done and lets the claim loop use the room.
    pub fn release_capacity(&self, n: usize) {
        if n > 0 {
            self.held.fetch_sub(n, Ordering::AcqRel);
            self.capacity_freed.notify_one();
        }
    }
}

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
    let sender = Sender::new(super::sender::DEFAULT_USER_AGENT)?;
    let (finished_tx, finished_rx) = mpsc::unbounded_channel();
    let (dispatch_tx, dispatch_rx) = mpsc::unbounded_channel();
    let timer = Timer::start(dispatch_tx.clone());
    let engine = Arc::new(Engine {
        claim_pool: claim_pool(&pool),
        pool,
        config,
        sender,
        metrics,
        held: AtomicUsize::new(0),
        pending: Mutex::new(HashMap::new()),
        capacity_freed: Notify::new(),
        poke: Notify::new(),
        db_offset_us: AtomicI64::new(0),
        finished_tx,
        timer,
        dispatch_tx,
        deliveries: TaskTracker::new(),
        callbacks: Mutex::new(HashMap::new()),
        clock_anchors: Mutex::new(AnchorChooser::default()),
    });
    let tasks = TaskTracker::new();
    let finisher_stop = CancellationToken::new();
    let finisher = tasks.spawn(super::finisher::run(
        engine.clone(),
        finished_rx,
        finisher_stop.clone(),
    ));
    tasks.spawn(super::dispatch::run(
        engine.clone(),
        dispatch_rx,
        shutdown.clone(),
    ));
    let lifecycle = engine.clone();
    tasks.spawn(async move {
        super::claim_loop::run(lifecycle.clone(), shutdown).await;
        shut_down(lifecycle, finisher_stop, finisher).await;
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
    engine: Arc<Engine>,
    finisher_stop: CancellationToken,
    finisher: tokio::task::JoinHandle<()>,
) {
    // Unsent claims go back at once, so another instance can take them.
    let unsent: Vec<(String, i64)> = {
        engine.timer.stop();
        drop(engine.timer.drain());
        engine.lock_pending().drain().collect()
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
