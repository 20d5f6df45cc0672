//! Fired tasks become webhook attempts: one spawned task per attempt, sharing one
//! keep-alive client; each result goes to the finisher.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::callback_cache::Target;
use super::in_flight::Slots;
use super::job::Job;
use super::sender::DeliveryRequest;
use super::settle::{settle, AttemptRecord};
use super::state::DeliveryState;
use crate::domain::attempt::{AttemptError, AttemptOutcome, RecordedOutcome};
use crate::domain::retry::Decision;
use crate::metrics::DeliveryOutcome;

/// Receives fired jobs and starts their attempts until shutdown.
pub async fn run(
    engine: Arc<DeliveryState>,
    mut fired: mpsc::UnboundedReceiver<Job>,
    shutdown: CancellationToken,
) {
    loop {
        let job = tokio::select! {
            job = fired.recv() => match job { Some(job) => job, None => return },
            _ = shutdown.cancelled() => return,
        };
        // Firing and revalidation race for the unsent entry; whoever removes it decides.
        let Some(slot) = engine
            .unsent
            .take_for_send(&job.task.task_id, job.task.fence)
        else {
            continue;
        };
        let span = tracing::info_span!("delivery", task_id = %job.task.task_id);
        engine
            .deliveries
            .spawn(deliver(engine.clone(), job, slot).instrument(span));
    }
}

/// The `webhook-id` of an occurrence: stable across retries, no `.`.
pub fn webhook_id(occurrence: &uuid::Uuid) -> String {
    format!("msg_{}", occurrence.simple())
}

/// One attempt; `slot` is the task's in-flight slot, handed on to the finisher with the
/// result (or given back by being dropped, on every early return).
async fn deliver(engine: Arc<DeliveryState>, job: Job, slot: Slots) {
    let task = &job.task;
    engine.metrics.in_flight_add(1);
    let attempt = task.attempts + 1;
    let started_at = engine.clock.now();
    if attempt == 1 {
        // Against `due_at`, not `run_at`: a jittered occurrence is due later on purpose.
        let late = (started_at - task.due_at)
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
        engine.clock.now(),
    );
    engine.metrics.in_flight_add(-1);
    let outcome_metric = match finished.outcome {
        RecordedOutcome::Succeeded => DeliveryOutcome::Succeeded,
        RecordedOutcome::Retrying => DeliveryOutcome::Retrying,
        // Settle never produces `Superseded`: only the store records it, for lost claims.
        RecordedOutcome::Failed | RecordedOutcome::Superseded => DeliveryOutcome::Failed,
    };
    engine.metrics.delivery_finished(outcome_metric);
    // If the finisher is gone (shutdown past its grace), the result and its slot are
    // dropped: the lease will expire and the task will be delivered again, which
    // at-least-once allows.
    let _ = engine.finished_tx.send((finished, slot));
}
