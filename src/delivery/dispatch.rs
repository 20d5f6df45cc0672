//! Fired tasks become webhook attempts: one spawned task per attempt, sharing one
//! keep-alive client; each result goes to the finisher.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::engine::Engine;
use super::retry_policy::{Decision, RetryPolicy};
use super::sender::{AttemptError, AttemptOutcome, DeliveryRequest};
use super::settle::{settle, AttemptRecord};
use super::signing::SigningSecret;
use crate::metrics::DeliveryOutcome;
use crate::store::deliveries::{CallbackTarget, ClaimedTask};

/// A callback resolved for delivery, parsed once when it is cached (not per attempt).
pub struct Target {
    /// `None` if the stored URL does not parse (then attempts fail without sending).
    pub url: Option<reqwest::Url>,
    pub timeout: Duration,
    pub headers: Vec<(String, String)>,
    pub policy: RetryPolicy,
    /// `None` if the stored secret is unusable (then attempts fail without sending).
    pub secret: Option<SigningSecret>,
}

impl From<CallbackTarget> for Target {
    fn from(c: CallbackTarget) -> Self {
        let micros = |us: i64| Duration::from_micros(us.max(0) as u64);
        Target {
            url: reqwest::Url::parse(&c.url).ok(),
            timeout: micros(c.timeout_us),
            headers: c.headers.0.into_iter().collect(),
            policy: RetryPolicy {
                max_attempts: c.max_attempts.max(1) as u32,
                initial_backoff: micros(c.initial_backoff_us),
                max_backoff: micros(c.max_backoff_us),
            },
            secret: SigningSecret::parse(&c.secret).ok(),
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
        Some(Target {
            secret: Some(secret),
            url: Some(url),
            timeout,
            headers,
            policy,
        }) => {
            let request = DeliveryRequest {
                url,
                body: task.kwargs.as_bytes(),
                webhook_id: &webhook_id,
                task_id: &task.task_id,
                group_id: task.group_id.as_deref(),
                scheduled_at: task.run_at,
                attempt: attempt as u32,
                secret,
                timeout: *timeout,
                extra_headers: headers,
                now_unix: started_at.timestamp(),
            };
            let outcome = engine.sender.send(&request).await;
            engine
                .metrics
                .delivery_duration
                .observe_duration(outcome.duration);
            let decision = policy.decide(attempt as u32, &outcome, &mut rand::thread_rng());
            (outcome, decision)
        }
        unusable => {
            // The callback vanished, or its stored URL or secret is unusable (registration
            // validates both, so only a hand-edited row gets here): nothing to send to.
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
        "succeeded" => DeliveryOutcome::Succeeded,
        "retrying" => DeliveryOutcome::Retrying,
        _ => DeliveryOutcome::Failed,
    };
    engine.metrics.delivery_finished(outcome_metric);
    if engine.finished_tx.send(finished).is_err() {
        // The finisher is gone (shutdown past its grace): the lease will expire and the
        // task will be delivered again, which at-least-once allows.
        engine.release_capacity(1);
    }
}
