//! Fired tasks become webhook attempts: one spawned task per attempt, sharing one
//! keep-alive client; each result goes to the finisher.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::engine::Engine;
use super::sender::DeliveryRequest;
use super::settle::{settle, AttemptRecord};
use crate::domain::attempt::{AttemptError, AttemptOutcome, RecordedOutcome};
use crate::domain::callback::Callback;
use crate::domain::retry::Decision;
use crate::metrics::DeliveryOutcome;
use crate::store::deliveries::ClaimedTask;

/// A callback resolved for delivery, cached per name. Its URL was parsed when it was read
/// (not per attempt: that cost ~5% of the delivery CPU).
// One per callback name, behind an `Arc`: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Target {
    Ready(Callback),
    /// The stored row does not parse (registration parses every part, so only a
    /// hand-edited row gets here): attempts fail without sending. The reason is logged
    /// when the row is read.
    Unusable,
}

impl From<Result<Callback, String>> for Target {
    fn from(parsed: Result<Callback, String>) -> Self {
        match parsed {
            Ok(callback) => Target::Ready(callback),
            Err(why) => {
                // Logged once per cache fill, not per attempt.
                tracing::error!(%why, "stored callback does not parse; its deliveries fail");
                Target::Unusable
            }
        }
    }
}

/// A claimed task on its way to delivery.
pub struct Job {
    pub task: Arc<ClaimedTask>,
}

/// Receives fired jobs and starts their attempts until shutdown.
pub async fn run(
    engine: Arc<Engine>,
    mut fired: mpsc::UnboundedReceiver<Job>,
    shutdown: CancellationToken,
) {
    loop {
        let job = tokio::select! {
            job = fired.recv() => match job { Some(job) => job, None => return },
            _ = shutdown.cancelled() => return,
        };
        // Firing and revalidation race for the pending entry; whoever removes it decides.
        let still_ours = {
            let mut pending = engine.lock_pending();
            match pending.get(&job.task.task_id) {
                Some(fence) if *fence == job.task.fence => {
                    pending.remove(&job.task.task_id);
                    true
                }
                _ => false,
            }
        };
        if !still_ours {
            continue;
        }
        let span = tracing::info_span!("delivery", task_id = %job.task.task_id);
        engine
            .deliveries
            .spawn(deliver(engine.clone(), job).instrument(span));
    }
}

/// The `webhook-id` of an occurrence: stable across retries, no `.`.
pub fn webhook_id(occurrence: &uuid::Uuid) -> String {
    format!("msg_{}", occurrence.simple())
}

async fn deliver(engine: Arc<Engine>, job: Job) {
    let task = &job.task;
    engine.metrics.in_flight_add(1);
    let attempt = task.attempts + 1;
    let started_at = engine.db_now();
    if attempt == 1 {
        let late = (started_at - task.run_at)
            .to_std()
            .unwrap_or(Duration::ZERO);
        engine.metrics.lateness.observe_duration(late);
    }
    let webhook_id = webhook_id(&task.occurrence);
    // Resolved now, at the attempt: a re-registered callback applies to claimed tasks too.
    let target = match engine.callback(&task.callback).await {
        Ok(target) => target,
        Err(error) => {
            tracing::warn!(%error, "could not resolve the callback; the task goes back");
            let claim = [(task.task_id.clone(), task.fence)];
            let _ = crate::store::deliveries::release_claims(&engine.pool, &claim).await;
            engine.metrics.in_flight_add(-1);
            engine.release_capacity(1);
            return;
        }
    };
    let (outcome, decision) = match target.as_deref() {
        Some(Target::Ready(callback)) => {
            let request = DeliveryRequest {
                url: callback.url.as_url(),
                body: task.kwargs.as_bytes(),
                webhook_id: &webhook_id,
                task_id: &task.task_id,
                group_id: task.group_id.as_deref(),
                scheduled_at: task.run_at,
                attempt: attempt as u32,
                secret: &callback.secret,
                previous_secret: callback.previous_secret_at(started_at),
                timeout: callback.timeout.as_std(),
                extra_headers: callback.headers.as_slice(),
                now_unix: started_at.timestamp(),
            };
            let outcome = engine.sender.send(&request).await;
            engine
                .metrics
                .delivery_duration
                .observe_duration(outcome.duration);
            let decision = callback
                .retry
                .decide(attempt as u32, &outcome, &mut rand::thread_rng());
            (outcome, decision)
        }
        unusable => {
            // The callback vanished, or its stored row does not parse: nothing to send to.
            let why = if unusable.is_some() {
                "callback URL or secret is not usable"
            } else {
                "callback is not registered"
            };
            let outcome = AttemptOutcome {
                status: None,
                error: Some(AttemptError::Invalid(why.into())),
                duration: Duration::ZERO,
                response_prefix: None,
                retry_after: None,
            };
            (outcome, Decision::Failed { exhausted: false })
        }
    };
    match &decision {
        Decision::Succeeded => tracing::debug!(attempt, "delivered"),
        Decision::RetryIn(wait) => {
            tracing::info!(attempt, status = ?outcome.status, error = ?outcome.error.as_ref().map(|e| e.class()), retry_in = ?wait, "attempt failed; will retry")
        }
        Decision::Failed { exhausted } => {
            tracing::warn!(attempt, status = ?outcome.status, error = ?outcome.error.as_ref().map(|e| e.class()), exhausted, "delivery failed")
        }
    }
    let finished = settle(
        task,
        AttemptRecord {
            webhook_id,
            attempt,
            started_at,
            outcome: &outcome,
        },
        decision,
        engine.db_now(),
    );
    engine.metrics.in_flight_add(-1);
    let outcome_metric = match finished.outcome {
        RecordedOutcome::Succeeded => DeliveryOutcome::Succeeded,
        RecordedOutcome::Retrying => DeliveryOutcome::Retrying,
        // Settle never produces `Superseded`: only the store records it, for lost claims.
        RecordedOutcome::Failed | RecordedOutcome::Superseded => DeliveryOutcome::Failed,
    };
    engine.metrics.delivery_finished(outcome_metric);
    if engine.finished_tx.send(finished).is_err() {
        // The finisher is gone (shutdown past its grace): the lease will expire and the
        // task will be delivered again, which at-least-once allows.
        engine.release_capacity(1);
    }
}
