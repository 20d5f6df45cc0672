//! Fired tasks become webhook attempts: one spawned task per attempt, sharing one
//! keep-alive client; each result goes to the finisher.
//!
//! An attempt is bounded by the callback timeout its lease was computed from (carried in
//! the claim), not by the callback as it is now: a timeout raised after the claim would
//! otherwise let the attempt outlive its lease. And it is sent only if the lease still
//! covers it ([`lease_covers`]): a claim whose lease is nearly over (the instance stalled
//! between claim and send) is handed back — fenced, so it only returns the task if it is
//! still ours — to be claimed again with a fresh lease, at once, by any instance; one
//! found lost (re-claimed elsewhere) is dropped unsent. Handing back rather than waiting
//! for the expiry costs a statement, but only on this rare path, and spares the task a
//! full lease of delay.
//!
//! Before it sends, an attempt waits for one of this instance's places of its callback
//! ([`super::place_book`]) and holds it until the response is in: the concurrency bound
//! over all instances. The lease checks come after that wait, which can be long.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::callback_cache::Target;
use super::flow_gate::FlowSignal;
use super::in_flight::Slots;
use super::job::Job;
use super::place_book::Waited;
use super::sender::DeliveryRequest;
use super::settle::{settle, AttemptRecord};
use super::state::DeliveryState;
use crate::domain::attempt::{AttemptError, AttemptOutcome, RecordedOutcome};
use crate::domain::flow::{self, Load};
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

/// Tells the flow state what this attempt said about the receiver's load: a hold applies
/// here at once (this instance starts nothing more for the callback) and, like cuts and
/// recoveries, reaches every instance through the recorder's next write. Successes at full
/// concurrency are not sent anywhere: they would change nothing.
fn report_flow(engine: &DeliveryState, callback: &str, outcome: &AttemptOutcome) {
    let load = flow::load_of(outcome);
    let hold = flow::hold_of(outcome);
    if let Some(hold) = hold {
        engine.flow.hold(callback, std::time::Instant::now() + hold);
    }
    let worth_writing = match load {
        Load::Overloaded => true,
        Load::Served => engine.flow.is_reduced(callback),
        Load::Neutral => false,
    } || hold.is_some();
    if worth_writing {
        let _ = engine.flow_tx.send(FlowSignal {
            callback: callback.to_owned(),
            load,
            hold,
        });
    }
}

/// Lease that must be left, beyond the attempt's timeout, for a claim to be sent: time to
/// start the request and for the lease keeper's next extension to land.
pub const SEND_GUARD: Duration = Duration::from_secs(1);

/// Whether `lease_left` covers an attempt bounded by `timeout`, plus [`SEND_GUARD`].
pub fn lease_covers(lease_left: chrono::Duration, timeout: Duration) -> bool {
    lease_left
        .to_std()
        .is_ok_and(|left| left >= timeout + SEND_GUARD)
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
            // The timeout the lease was computed from; the callback's current one only if
            // it did not exist at claim time (then the lease check below decides).
            let timeout = task
                .timeout_us
                .and_then(|us| u64::try_from(us).ok())
                .map_or(callback.timeout.as_std(), Duration::from_micros);
            // One of this instance's places of the callback, held until the response is
            // in: what keeps `max_concurrency` over all instances (`place_book`).
            let covered = timeout + SEND_GUARD;
            let place = match engine.places.wait_for_place(&task.callback, covered).await {
                Waited::Place(place) => place,
                Waited::GiveBack => {
                    tracing::debug!("callback is crowded here; the task goes back unsent");
                    let claim = [(task.task_id.clone(), task.fence)];
                    let _ = crate::store::deliveries::release_claims(&engine.pool, &claim).await;
                    engine.metrics.in_flight_add(-1);
                    return;
                }
            };
            if engine.flow.held(&task.callback) {
                // Held since the claim: not sent. Handed back, it waits in the database,
                // which no claim takes from until the hold ends.
                tracing::debug!("callback is held; the task goes back");
                let claim = [(task.task_id.clone(), task.fence)];
                let _ = crate::store::deliveries::release_claims(&engine.pool, &claim).await;
                engine.metrics.in_flight_add(-1);
                return;
            }
            let lease = engine.leases.get(&task.task_id, task.fence);
            if lease.is_some_and(|l| l.lost) {
                tracing::warn!("claim lost before sending (its lease was taken over); not sent");
                engine.metrics.in_flight_add(-1);
                return;
            }
            let lease_until = lease.map_or(task.lease_until, |l| l.until);
            if !lease_covers(lease_until - engine.clock.now(), timeout) {
                tracing::warn!(
                    ?timeout,
                    "lease nearly over before sending; handing the claim back unsent"
                );
                let claim = [(task.task_id.clone(), task.fence)];
                let release = crate::store::deliveries::release_claims(&engine.pool, &claim);
                if let Err(error) =
                    super::db_deadline::within(engine.config.db_deadline, release).await
                {
                    tracing::warn!(%error, "could not hand the claim back; its lease will expire");
                }
                engine.metrics.in_flight_add(-1);
                return;
            }
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
                timeout,
                extra_headers: callback.headers.as_slice(),
                now_unix: started_at.timestamp(),
            };
            let outcome = engine.sender.send(&request).await;
            drop(place);
            engine
                .metrics
                .delivery_duration
                .observe_duration(outcome.duration);
            report_flow(&engine, &task.callback, &outcome);
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
                stop: false,
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
    let finished = if outcome.stop {
        tracing::info!(attempt, "the receiver asked to stop; the task ends");
        super::steering::end_task(finished, task)
    } else {
        finished
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_sent_only_while_its_lease_covers_the_attempt() {
        let timeout = Duration::from_secs(10);
        let left = |ms: i64| chrono::Duration::milliseconds(ms);
        assert!(lease_covers(left(25_000), timeout));
        assert!(
            lease_covers(left(11_000), timeout),
            "exactly timeout + guard"
        );
        assert!(!lease_covers(left(10_999), timeout));
        assert!(!lease_covers(left(0), timeout));
        assert!(!lease_covers(left(-5_000), timeout), "already expired");
    }
}
