//! Writes attempt results back in batches: whatever has queued up while the previous
//! write ran goes into the next statement, so the batch size follows the load.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::in_flight::Slots;
use super::state::DeliveryState;
use crate::metrics::DeliveryOutcome;
use crate::store::deliveries::{finish_attempts, FinishedAttempt};

/// Most results written by one statement.
const MAX_BATCH: usize = 1000;
/// Below this many queued results, wait `LINGER` for more before writing: at a steady
/// 1,000 deliveries/s the queue rarely holds more than one, and a commit per result
/// cost PostgreSQL most of a core (measured with taskshed-bench, see BENCHMARKS.md).
/// Only recording waits; deliveries never do.
const LINGER_BELOW: usize = 64;
const LINGER: Duration = Duration::from_millis(5);

/// A batch of results to write, with the in-flight slots of their tasks merged into one
/// (given back together after the write: one release per batch, not per result).
struct Batch {
    results: Vec<FinishedAttempt>,
    slots: Option<Slots>,
}

impl Batch {
    fn new() -> Self {
        Self {
            results: Vec::with_capacity(MAX_BATCH),
            slots: None,
        }
    }

    fn push(&mut self, (result, slot): (FinishedAttempt, Slots)) {
        self.results.push(result);
        match &mut self.slots {
            Some(slots) => slots.merge(slot),
            None => self.slots = Some(slot),
        }
    }

    fn len(&self) -> usize {
        self.results.len()
    }
}

pub async fn run(
    engine: Arc<DeliveryState>,
    mut results: mpsc::UnboundedReceiver<(FinishedAttempt, Slots)>,
    stop: CancellationToken,
) {
    let mut batch = Batch::new();
    loop {
        let first = tokio::select! {
            first = results.recv() => first,
            _ = stop.cancelled() => None,
        };
        match first {
            Some(first) => batch.push(first),
            None => {
                // Stopping: write what is already queued, then end.
                while let Ok(next) = results.try_recv() {
                    batch.push(next);
                }
                if batch.len() > 0 {
                    write(&engine, batch, &stop).await;
                }
                return;
            }
        }
        drain(&mut results, &mut batch);
        // Not while a claim is capped: then these results are what frees places under a
        // callback's concurrency limit, and lingering would hold them empty.
        if batch.len() < LINGER_BELOW && !engine.flow.capped() {
            tokio::select! {
                _ = tokio::time::sleep(LINGER) => {}
                _ = stop.cancelled() => {}
            }
            drain(&mut results, &mut batch);
        }
        write(&engine, std::mem::replace(&mut batch, Batch::new()), &stop).await;
    }
}

/// Moves queued results into `batch`, up to [`MAX_BATCH`].
fn drain(results: &mut mpsc::UnboundedReceiver<(FinishedAttempt, Slots)>, batch: &mut Batch) {
    while batch.len() < MAX_BATCH {
        match results.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
}

/// Writes one batch, retrying database errors: a result is only dropped at shutdown, and
/// then the lease expiry re-delivers the task (at least once). The batch's slots go back
/// once it is written (or given up).
async fn write(engine: &DeliveryState, batch: Batch, stop: &CancellationToken) {
    let Batch {
        results: mut batch,
        slots,
    } = batch;
    let mut pause = Duration::from_millis(50);
    // A final failure may also have queued an `on_failure` notification, due now.
    let reschedules_soon = batch.iter().any(|f| {
        f.status == crate::domain::task::TaskStatus::Scheduled
            || f.outcome == crate::domain::attempt::RecordedOutcome::Failed
    });
    loop {
        let finish = finish_attempts(&engine.pool, &engine.config.instance, &batch);
        // Within a deadline: a half-open connection must not hold every result (and, with
        // them, the in-flight slots) for minutes; the retry takes a fresh connection.
        match super::db_deadline::within(engine.config.db_deadline, finish).await {
            Ok(applied) => {
                count_superseded(engine, batch.len() - applied.len());
                break;
            }
            Err(error) if fails_deterministically(&error) => {
                tracing::error!(%error, count = batch.len(), "PostgreSQL refuses a result of this batch; recording it in parts so the others are kept");
                let (applied, written) = record_in_parts(
                    &engine.pool,
                    &engine.config.instance,
                    std::mem::take(&mut batch),
                )
                .await;
                count_superseded(engine, written - applied);
                break;
            }
            Err(error) if !stop.is_cancelled() => {
                tracing::warn!(%error, count = batch.len(), "recording results failed; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(error) => {
                tracing::warn!(%error, count = batch.len(), "could not record results before stopping; the tasks will be delivered again after their lease");
                break;
            }
        }
    }
    drop(slots);
    // A claim that left tasks for want of room under a callback's concurrency limit: the
    // places these results freed may be what they wait for.
    if reschedules_soon || engine.flow.capped() {
        // Retries, next recurring slots and failure notifications may be due before the
        // loop's planned wake-up.
        engine.poke.notify_one();
    }
}

fn count_superseded(engine: &DeliveryState, superseded: usize) {
    for _ in 0..superseded {
        engine
            .metrics
            .delivery_finished(DeliveryOutcome::Superseded);
    }
}

/// Whether a failed finish would fail again with the same input: PostgreSQL refused the
/// data itself (class 22, data exception; class 23, integrity violation), not the
/// connection or the server's state. Retrying such a batch as a whole would block every
/// result behind it forever (issue 12, problem 1).
fn fails_deterministically(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db)
        if db.code().is_some_and(|code| code.starts_with("22") || code.starts_with("23")))
}

/// Records a batch that PostgreSQL refused as a whole, in halves, down to the single
/// result it refuses; that one is recorded once more without the receiver's text (the
/// only part of a result that comes from outside), and if even that is refused it is
/// dropped with an error log — its lease then expires and the task is delivered again,
/// which at-least-once allows. Transient errors on a part end the isolation the same way
/// (the tasks concerned are re-delivered after their lease) rather than stall the
/// finisher. Returns (results applied, results written).
pub async fn record_in_parts(
    pool: &sqlx::PgPool,
    instance: &str,
    batch: Vec<FinishedAttempt>,
) -> (usize, usize) {
    let (mut applied, mut written) = (0, 0);
    let mut parts = vec![batch];
    while let Some(mut part) = parts.pop() {
        match finish_attempts(pool, instance, &part).await {
            Ok(ids) => {
                applied += ids.len();
                written += part.len();
            }
            Err(error) if fails_deterministically(&error) && part.len() > 1 => {
                let second = part.split_off(part.len() / 2);
                parts.push(second);
                parts.push(part);
            }
            Err(error) if fails_deterministically(&error) => {
                let mut bare = part.remove(0);
                tracing::error!(%error, task_id = %bare.task_id, "PostgreSQL refuses this result; recording it without the receiver's text");
                bare.response_prefix = None;
                bare.last_error = bare
                    .last_error
                    .as_ref()
                    .map(|_| "the receiver's answer could not be recorded".to_owned());
                match finish_attempts(pool, instance, std::slice::from_ref(&bare)).await {
                    Ok(ids) => {
                        applied += ids.len();
                        written += 1;
                    }
                    Err(error) => {
                        tracing::error!(%error, task_id = %bare.task_id, "could not record this result; the task will be delivered again after its lease")
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, count = part.len(), "recording part of a refused batch failed; those tasks will be delivered again after their lease");
            }
        }
    }
    (applied, written)
}
