//! The claim loop: sleep until the next task is nearly due, claim a batch, schedule each
//! task on the timer at its instant; repeat.
//!
//! Wake-ups come from three places: the planned time (the earliest unclaimed due time
//! minus half the look-ahead, so each claim takes about half a window of tasks), a NOTIFY
//! hint that something earlier became due (inserts, resumes, releases), and the bounded
//! safety poll. Lease rescue and retention pruning are not its job:
//! [`super::housekeeping`] runs them on a schedule of their own.

use sqlx::postgres::PgListener;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::db_deadline::within;
use super::job::Job;
use super::state::DeliveryState;
use crate::store::deliveries;
use crate::store::notify::{CALLBACK_CHANNEL, REVALIDATE_CHANNEL, WAKE_CHANNEL};

/// Back-off after a database error in the loop.
const ERROR_PAUSE: Duration = Duration::from_millis(500);

/// While a claim is capped (a callback's bound per claim, or its rate limit's slots),
/// how soon to look again even if no result of ours frees room: a rate limit's next slot
/// comes with time, not with results.
const CAPPED_RECHECK: Duration = Duration::from_millis(100);

/// What the NOTIFY listener tells the loop.
enum Hint {
    /// A task is due at this Unix time in microseconds.
    DueAt(i64),
    /// Some claimed task was changed; re-check unsent claims.
    Revalidate,
}

pub async fn run(engine: Arc<DeliveryState>, shutdown: CancellationToken) {
    let (hints_tx, mut hints) = mpsc::unbounded_channel();
    let listener = tokio::spawn(listen(engine.clone(), hints_tx, shutdown.clone()));
    let look_ahead_us = engine.config.look_ahead.as_micros() as i64;
    // Whether claims take the paced statement: some callback has a rate limit, as the
    // last claim saw (`deliveries::claim_due`).
    let mut paced = false;
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        let room = engine.in_flight.room();
        let mut next_due = None;
        if room > 0 {
            let limit = room.min(engine.config.claim_batch);
            let was_paced = paced;
            match claim(&engine, limit as i64, look_ahead_us, &mut paced).await {
                Ok((claimed, due)) => {
                    if claimed == limit {
                        // A full batch: more may be due right now.
                        continue;
                    }
                    if paced && !was_paced {
                        // A plain claim left rate-limited callbacks' tasks alone: take
                        // them now, with their slots.
                        continue;
                    }
                    next_due = due;
                }
                Err(error) => {
                    tracing::warn!(%error, "claiming due tasks failed; retrying shortly");
                    tokio::select! {
                        _ = tokio::time::sleep(ERROR_PAUSE) => {}
                        _ = shutdown.cancelled() => {}
                    }
                    continue;
                }
            }
        }
        // Plan the next look at the database.
        let poll_at = tokio::time::Instant::now() + engine.config.poll_interval;
        let mut wake_at = next_due
            .map(|due| instant_for(&engine, due, engine.config.look_ahead / 2))
            .map_or(poll_at, |at| at.min(poll_at));
        if let Some(hold_end) = engine.flow.next_hold_end() {
            wake_at = wake_at.min(tokio::time::Instant::from_std(hold_end));
        }
        if engine.flow.capped() {
            wake_at = wake_at.min(tokio::time::Instant::now() + CAPPED_RECHECK);
        }
        let sleep = tokio::time::sleep_until(wake_at);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => break,
                _ = shutdown.cancelled() => break,
                _ = engine.poke.notified() => break,
                _ = engine.in_flight.room_freed(), if room == 0 => break,
                hint = hints.recv() => match hint {
                    Some(Hint::DueAt(micros)) => {
                        let due = chrono::DateTime::from_timestamp_micros(micros);
                        let at = due.map(|d| instant_for(&engine, d, engine.config.look_ahead / 2));
                        if at.is_some_and(|at| at < wake_at) {
                            break;
                        }
                    }
                    Some(Hint::Revalidate) => {
                        let engine = engine.clone();
                        tokio::spawn(async move { revalidate(&engine).await });
                    }
                    None => break,
                },
            }
        }
    }
    listener.abort();
}

/// The local instant at which the database clock reads `due - early`.
fn instant_for(
    engine: &DeliveryState,
    due: chrono::DateTime<chrono::Utc>,
    early: Duration,
) -> tokio::time::Instant {
    let wait = (due - engine.clock.now())
        .to_std()
        .unwrap_or(Duration::ZERO)
        .saturating_sub(early);
    tokio::time::Instant::now() + wait
}

/// Claims up to `limit` tasks and schedules them. Returns how many were claimed and the
/// earliest due time left beyond the window. `paced` chooses the statement, and is set
/// to what this claim saw: whether some callback has a rate limit.
async fn claim(
    engine: &Arc<DeliveryState>,
    limit: i64,
    look_ahead_us: i64,
    paced: &mut bool,
) -> Result<(usize, Option<chrono::DateTime<chrono::Utc>>), sqlx::Error> {
    let lease_margin_us = engine.config.lease_margin.as_micros() as i64;
    // The loop saw this much room and is the only one taking slots: this cannot fail.
    let Some(mut slots) = engine.in_flight.reserve(limit as usize) else {
        return Ok((0, None));
    };
    let usage = engine.places.usage();
    let claim = deliveries::claim_due(
        &engine.claim_pool,
        &engine.config.instance,
        limit,
        look_ahead_us,
        lease_margin_us,
        &usage,
        *paced,
    );
    let claim = within(engine.config.db_deadline, claim).await?;
    *paced = claim.rate_limited;
    let received = claim.answered_at;
    engine.clock.observe(claim.db_now);
    let hold_end = claim
        .hold_end
        .map(|until| instant_for(engine, until, Duration::ZERO).into_std());
    engine.flow.observe_claim(hold_end, claim.capped);
    let count = claim.tasks.len();
    if count == 0 {
        return Ok((0, claim.next_due));
    }
    engine.metrics.claim_batch.observe(count as f64);
    let mut names: Vec<String> = claim.tasks.iter().map(|t| t.callback.clone()).collect();
    names.sort_unstable();
    names.dedup();
    // Warm the callback cache, so attempts rarely wait on a lookup of their own.
    if let Err(error) = engine.resolve_callbacks(&names).await {
        // Hand the claim back rather than sit on it until the lease expires.
        let claims: Vec<(String, i64)> = claim
            .tasks
            .iter()
            .map(|t| (t.task_id.clone(), t.fence))
            .collect();
        let _ = deliveries::release_claims(&engine.pool, &claims).await;
        engine.unsent.revoke(&claims);
        // The batch's slots go back with `slots`.
        return Err(error);
    }
    let mut timed = Vec::new();
    // Each task holds one slot from here until it is recorded, handed back or revoked;
    // its lease stays in the lease book, and it counts against its callback's claims here
    // (`place_book`), as long as the slot lives. The batch's unused slots go back when
    // `slots` is dropped. The lease's length is what the claim
    // statement granted: look-ahead + margin + the callback's timeout at claim.
    engine
        .unsent
        .remember(claim.tasks.iter().filter_map(|task| {
            let slot = slots.take_one()?;
            let length_us = look_ahead_us + lease_margin_us + task.timeout_us.unwrap_or(0);
            let lease = engine.leases.hold(
                &task.task_id,
                task.fence,
                task.lease_until,
                chrono::Duration::microseconds(length_us),
            );
            let mark = engine.places.claimed(&task.callback);
            Some((
                task.task_id.clone(),
                task.fence,
                slot.with_lease(lease).with_mark(mark),
            ))
        }));
    drop(slots);
    // Due times are on the database clock, so instance clocks don't matter; the anchor
    // maps them onto ours without ever firing early (see `clock_anchor`).
    let anchor = engine.clock.anchor_for_claim(received, claim.db_now);
    let now = Instant::now();
    for task in claim.tasks {
        let fire_at = anchor.local_instant(task.fire_at);
        let job = Job {
            task: Arc::new(task),
        };
        if fire_at <= now {
            let _ = engine.dispatch_tx.send(job);
        } else {
            timed.push((fire_at, job));
        }
    }
    if !timed.is_empty() {
        engine.timer.schedule_all(timed);
    }
    Ok((count, claim.next_due))
}

/// Drops unsent claims whose task was paused, changed, deleted or re-claimed, and hands
/// back the ones still ours (paused while pending).
async fn revalidate(engine: &DeliveryState) {
    let snapshot = engine.unsent.snapshot();
    if snapshot.is_empty() {
        return;
    }
    let still_valid = deliveries::still_valid_claims(&engine.pool, &snapshot);
    let valid = match within(engine.config.db_deadline, still_valid).await {
        Ok(valid) => valid.into_iter().collect::<std::collections::HashSet<_>>(),
        Err(error) => {
            tracing::warn!(%error, "could not revalidate unsent claims");
            return;
        }
    };
    let dropped = engine
        .unsent
        .revoke_invalid(snapshot, |id| valid.contains(id));
    if dropped.is_empty() {
        return;
    }
    tracing::debug!(
        count = dropped.len(),
        "dropped unsent claims of changed tasks"
    );
    if let Err(error) = deliveries::release_claims(&engine.pool, &dropped).await {
        tracing::warn!(%error, "could not hand back dropped claims; their leases will expire");
    }
}

/// Forwards NOTIFY hints. The listener reconnects by itself; hints lost meanwhile are
/// covered by the safety poll.
async fn listen(
    engine: Arc<DeliveryState>,
    hints: mpsc::UnboundedSender<Hint>,
    shutdown: CancellationToken,
) {
    loop {
        let mut listener = match PgListener::connect_with(&engine.pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "LISTEN connection failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = shutdown.cancelled() => return,
                }
            }
        };
        if let Err(error) = listener
            .listen_all([WAKE_CHANNEL, REVALIDATE_CHANNEL, CALLBACK_CHANNEL])
            .await
        {
            tracing::warn!(%error, "LISTEN failed; retrying");
            continue;
        }
        loop {
            // `try_recv`, not `recv`: `recv` reconnects silently after a lost connection,
            // and hints sent meanwhile would be missed without anyone knowing. `Ok(None)`
            // says the connection was lost (the next call reconnects and listens again).
            let notification = tokio::select! {
                n = listener.try_recv() => n,
                _ = shutdown.cancelled() => return,
            };
            if let Ok(Some(n)) = &notification {
                tracing::trace!(channel = n.channel(), payload = n.payload(), "hint");
            }
            match notification {
                Ok(Some(n)) if n.channel() == WAKE_CHANNEL => {
                    if let Ok(micros) = n.payload().parse() {
                        let _ = hints.send(Hint::DueAt(micros));
                    }
                }
                Ok(Some(n)) if n.channel() == CALLBACK_CHANNEL => {
                    engine.callbacks.forget(n.payload());
                }
                Ok(Some(_)) => {
                    let _ = hints.send(Hint::Revalidate);
                }
                Ok(None) => {
                    tracing::warn!("LISTEN connection lost; reconnecting");
                    hints_may_be_missed(&engine, &hints);
                }
                Err(error) => {
                    tracing::warn!(%error, "LISTEN connection failed; reconnecting");
                    hints_may_be_missed(&engine, &hints);
                    break;
                }
            }
        }
    }
}

/// After a lost LISTEN connection: whatever a missed hint would have said, act as if it
/// had — drop every cached callback, look at the database now, re-check unsent claims.
fn hints_may_be_missed(engine: &DeliveryState, hints: &mpsc::UnboundedSender<Hint>) {
    engine.callbacks.forget_all();
    engine.poke.notify_one();
    let _ = hints.send(Hint::Revalidate);
}
