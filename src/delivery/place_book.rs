//! This instance's places (`store::places`): per callback, how many requests it may have
//! open, spent at send time and renewed by the place keeper ([`super::place_keeper`]).
//!
//! Each callback has a semaphore whose permits are the places this instance holds. An
//! attempt takes one before it sends and gives it back when its response is in
//! ([`Place`]), so a place is held exactly while a request is open — not while its task
//! waits for its instant, nor while its result waits for the finisher. That is what lets
//! claims stay large: the bound is kept at the receiver, not by claiming less.
//!
//! # The invariant
//!
//! The places this instance has (free + in use) are never more than its row in
//! `callback_places` says, so the bound over all instances holds (`store::places`):
//! - more places are added only after the keeper's grant is committed ([`PlaceBook::apply`]);
//! - fewer are written only after they were dropped here: a grant below what is held
//!   becomes a *debt*, paid by forgetting free places at once and in-use ones as their
//!   requests end; the next renewal writes what is left.
//!
//! And a place is used only while its lease covers a whole attempt from now (the caller
//! says how long that is: its timeout plus a guard): an instance that cannot renew stops
//! starting requests before its lease ends, so its places can come back to the others.
//!
//! # Fairness inside the instance
//!
//! A task that has waited [`GIVE_BACK_AFTER`] for a place while its callback has more
//! tasks claimed here than two rounds of its places gives its claim back: a receiver that
//! turned slow after a fast spell (when claims of it were large) does not keep the
//! instance full of its tasks while other callbacks' tasks wait unclaimed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use crate::store::deliveries::CallbackUsage;
use crate::store::places::{PlaceGrant, PlaceRequest};

/// How long places stay held after their callback's last request, so a steady trickle
/// of tasks never waits for a renewal (unless another instance is waiting for them).
pub const IDLE_KEEP: Duration = Duration::from_secs(2);

/// How long a task waits for a place before it checks whether to give its claim back.
pub const GIVE_BACK_AFTER: Duration = Duration::from_secs(1);

/// While the lease does not cover an attempt, how often a waiting task looks again.
const RECHECK: Duration = Duration::from_millis(100);

/// One per engine.
#[derive(Default)]
pub struct PlaceBook {
    callbacks: Mutex<HashMap<String, Arc<CallbackPlaces>>>,
    /// Wakes the place keeper: some callback needs places it does not have.
    pub wanted: Notify,
}

/// One callback's places and what this instance holds of it.
pub struct CallbackPlaces {
    name: String,
    free: Arc<Semaphore>,
    state: Mutex<PlaceState>,
    /// Tasks of this callback claimed here and not yet finished (what it will need).
    claimed: AtomicI64,
    /// Signalled after each renewal.
    renewed: Notify,
}

struct PlaceState {
    /// Places held here: free ones plus those carrying a request.
    total: u32,
    /// Places to drop as requests end (the grant went below `total`).
    debt: u32,
    /// Until when the lease covers a request started now (local clock).
    lease_until: Option<Instant>,
    /// The limit the last grant was shared from.
    limit: u32,
    /// When a request last ended or a task last needed a place.
    last_busy: Instant,
    /// The longest attempt a waiting task asked to be covered.
    timeout: Duration,
    /// Whether this instance has a row for the callback (so an idle entry still has to
    /// tell the database it is done).
    has_row: bool,
    drained: DrainMeter,
}

/// Attempts ended in the current and the previous second.
#[derive(Default)]
struct DrainMeter {
    since: Option<Instant>,
    previous: u32,
    current: u32,
}

impl DrainMeter {
    fn roll(&mut self, now: Instant) {
        let since = *self.since.get_or_insert(now);
        let elapsed = now.saturating_duration_since(since);
        if elapsed >= Duration::from_secs(2) {
            self.previous = 0;
            self.current = 0;
            self.since = Some(now);
        } else if elapsed >= Duration::from_secs(1) {
            self.previous = self.current;
            self.current = 0;
            self.since = Some(since + Duration::from_secs(1));
        }
    }

    fn add(&mut self, now: Instant) {
        self.roll(now);
        self.current += 1;
    }

    /// Ended within about the last second (between one and two seconds' worth).
    fn recent(&mut self, now: Instant) -> u32 {
        self.roll(now);
        self.previous + self.current
    }
}

/// A place carrying one request; dropping it gives the place back (or pays a debt).
pub struct Place {
    permit: Option<OwnedSemaphorePermit>,
    callback: Arc<CallbackPlaces>,
}

/// What waiting for a place came to.
pub enum Waited {
    Place(Place),
    /// Give the claim back: the callback has far more tasks here than places.
    GiveBack,
}

/// One claimed task counted against its callback until dropped.
pub struct ClaimMark(Arc<CallbackPlaces>);

impl Drop for ClaimMark {
    fn drop(&mut self) {
        self.0.claimed.fetch_sub(1, Ordering::Relaxed);
    }
}

impl PlaceBook {
    fn entry(&self, callback: &str) -> Arc<CallbackPlaces> {
        self.entry_counting(callback, 0)
    }

    /// The entry of `callback`, its claimed count raised by `claims` under the book's lock:
    /// [`Self::prune`] forgets only entries with nothing claimed, under the same lock, so
    /// an entry is never forgotten between being found and being counted (a task counted
    /// on a forgotten entry would wait on a new one that nobody asks places for).
    fn entry_counting(&self, callback: &str, claims: i64) -> Arc<CallbackPlaces> {
        let mut callbacks = self.callbacks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = callbacks.get(callback) {
            entry.claimed.fetch_add(claims, Ordering::Relaxed);
            return entry.clone();
        }
        let entry = callbacks
            .entry(callback.to_owned())
            .or_insert_with(|| {
                Arc::new(CallbackPlaces {
                    name: callback.to_owned(),
                    free: Arc::new(Semaphore::new(0)),
                    state: Mutex::new(PlaceState {
                        total: 0,
                        debt: 0,
                        lease_until: None,
                        limit: 0,
                        last_busy: Instant::now(),
                        timeout: Duration::ZERO,
                        has_row: false,
                        drained: DrainMeter::default(),
                    }),
                    claimed: AtomicI64::new(0),
                    renewed: Notify::new(),
                })
            })
            .clone();
        entry.claimed.fetch_add(claims, Ordering::Relaxed);
        entry
    }

    /// Counts one claimed task of `callback` until the mark is dropped; wakes the keeper
    /// if the callback has no places here yet, so they are granted before the task fires.
    pub fn claimed(&self, callback: &str) -> ClaimMark {
        let entry = self.entry_counting(callback, 1);
        if entry.lock().total == 0 {
            self.wanted.notify_one();
        }
        ClaimMark(entry)
    }

    /// What the claim needs to bound each callback: tasks held here and drained lately.
    pub fn usage(&self) -> Vec<CallbackUsage> {
        let now = Instant::now();
        let callbacks = self.callbacks.lock().unwrap_or_else(|e| e.into_inner());
        callbacks
            .values()
            .filter_map(|entry| {
                let claimed = entry.claimed.load(Ordering::Relaxed).max(0);
                let drained = i64::from(entry.lock().drained.recent(now));
                (claimed > 0 || drained > 0).then(|| CallbackUsage {
                    callback: entry.name.clone(),
                    claimed,
                    drained,
                })
            })
            .collect()
    }

    /// Waits for a place of `callback` whose lease covers `attempt` from now (the attempt's
    /// timeout and whatever guard the caller wants on top).
    pub async fn wait_for_place(&self, callback: &str, attempt: Duration) -> Waited {
        let entry = self.entry(callback);
        {
            let mut state = entry.lock();
            state.timeout = state.timeout.max(attempt);
            state.last_busy = Instant::now();
            if state.total == 0 {
                self.wanted.notify_one();
            }
        }
        // The common case, a free place under a lease that covers the attempt: no timer
        // is armed, nothing waits.
        if let Ok(permit) = entry.free.clone().try_acquire_owned() {
            if entry.covers(attempt) {
                return Waited::Place(Place {
                    permit: Some(permit),
                    callback: entry,
                });
            }
        }
        let mut give_back_check = tokio::time::Instant::now() + GIVE_BACK_AFTER;
        // Kept across the give-back checks, so the task keeps its turn in the queue.
        let mut acquire = Box::pin(entry.free.clone().acquire_owned());
        loop {
            tokio::select! {
                permit = &mut acquire => {
                    let Ok(permit) = permit else { return Waited::GiveBack };
                    if entry.covers(attempt) {
                        return Waited::Place(Place { permit: Some(permit), callback: entry });
                    }
                    // The lease does not cover an attempt (renewals failing): put the
                    // place back and wait for a renewal.
                    drop(permit);
                    self.wanted.notify_one();
                    let renewed = entry.renewed.notified();
                    let _ = tokio::time::timeout(RECHECK, renewed).await;
                    acquire = Box::pin(entry.free.clone().acquire_owned());
                }
                _ = tokio::time::sleep_until(give_back_check) => {
                    if entry.crowded() {
                        return Waited::GiveBack;
                    }
                    give_back_check += GIVE_BACK_AFTER;
                }
            }
        }
    }

    /// What the keeper asks the database for: each callback with places, a row, or tasks
    /// that need places. Debts are paid from free places first, so the request says what
    /// is really held.
    pub fn requests(&self) -> Vec<PlaceRequest> {
        let now = Instant::now();
        let callbacks = self.callbacks.lock().unwrap_or_else(|e| e.into_inner());
        callbacks
            .values()
            .filter_map(|entry| {
                let mut state = entry.lock();
                entry.pay_debt(&mut state);
                let free = entry.free.available_permits() as u32;
                let in_use = state.total.saturating_sub(free);
                let needed = entry.claimed.load(Ordering::Relaxed).max(0);
                if needed > 0 || in_use > 0 {
                    state.last_busy = now;
                }
                let keep = if now.saturating_duration_since(state.last_busy) < IDLE_KEEP {
                    state.total
                } else {
                    0
                };
                if needed == 0 && state.total == 0 && !state.has_row {
                    return None;
                }
                Some(PlaceRequest {
                    callback: entry.name.clone(),
                    needed: i32::try_from(needed).unwrap_or(i32::MAX),
                    keep: i32::try_from(keep).unwrap_or(i32::MAX),
                    holding: i32::try_from(state.total).unwrap_or(i32::MAX),
                    in_use: i32::try_from(in_use).unwrap_or(i32::MAX),
                    timeout_us: i64::try_from(state.timeout.as_micros()).unwrap_or(i64::MAX),
                })
            })
            .collect()
    }

    /// Applies the grants for `asked` (a callback missing from `grants` was deleted: it
    /// gets none). `local` maps a database instant onto this machine's clock.
    pub fn apply(
        &self,
        asked: &[PlaceRequest],
        grants: &[PlaceGrant],
        local: impl Fn(chrono::DateTime<chrono::Utc>) -> Instant,
    ) {
        for request in asked {
            let entry = self.entry(&request.callback);
            let grant = grants.iter().find(|g| g.callback == request.callback);
            let granted = grant.map_or(0, |g| u32::try_from(g.places).unwrap_or(0));
            let mut state = entry.lock();
            if granted > state.total {
                entry.free.add_permits((granted - state.total) as usize);
                state.total = granted;
                state.debt = 0;
            } else {
                state.debt = state.total - granted;
                entry.pay_debt(&mut state);
            }
            state.lease_until = grant.map(|g| local(g.lease_until));
            state.limit = grant.map_or(0, |g| u32::try_from(g.limit).unwrap_or(0));
            state.has_row = granted.max(request.holding as u32) > 0 || request.needed > 0;
            drop(state);
            entry.renewed.notify_waiters();
        }
    }

    /// Forgets callbacks with nothing here: no places, no row, no claimed task.
    pub fn prune(&self) {
        let mut callbacks = self.callbacks.lock().unwrap_or_else(|e| e.into_inner());
        callbacks.retain(|_, entry| {
            let state = entry.lock();
            state.total > 0 || state.has_row || entry.claimed.load(Ordering::Relaxed) > 0
        });
    }

    /// Whether the keeper has anything to renew.
    pub fn is_active(&self) -> bool {
        !self
            .callbacks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }
}

impl CallbackPlaces {
    fn lock(&self) -> std::sync::MutexGuard<'_, PlaceState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pay_debt(&self, state: &mut PlaceState) {
        let paid = self.free.forget_permits(state.debt as usize) as u32;
        state.debt -= paid;
        state.total -= paid;
    }

    fn covers(&self, attempt: Duration) -> bool {
        self.lock()
            .lease_until
            .is_some_and(|until| until.saturating_duration_since(Instant::now()) >= attempt)
    }

    /// More tasks claimed here than two rounds of places.
    fn crowded(&self) -> bool {
        let limit = i64::from(self.lock().limit);
        self.claimed.load(Ordering::Relaxed) > 2 * limit
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let mut state = self.callback.lock();
        let now = Instant::now();
        state.drained.add(now);
        state.last_busy = now;
        if state.debt > 0 {
            state.debt -= 1;
            state.total -= 1;
            permit.forget();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn grant(callback: &str, places: i32, limit: i32) -> PlaceGrant {
        PlaceGrant {
            callback: callback.into(),
            places,
            limit,
            lease_until: Utc::now(),
            held_until: None,
            reduced: false,
            db_now: Utc::now(),
        }
    }

    fn far(_: chrono::DateTime<Utc>) -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    async fn place(book: &PlaceBook, callback: &str) -> Place {
        match book.wait_for_place(callback, Duration::from_secs(1)).await {
            Waited::Place(place) => place,
            Waited::GiveBack => panic!("gave back"),
        }
    }

    #[tokio::test]
    async fn places_are_spent_per_request_and_never_exceed_the_grant() {
        let book = PlaceBook::default();
        let marks: Vec<ClaimMark> = (0..5).map(|_| book.claimed("a")).collect();
        let asked = book.requests();
        assert_eq!(asked.len(), 1);
        assert_eq!((asked[0].needed, asked[0].holding), (5, 0));
        book.apply(&asked, &[grant("a", 2, 2)], far);
        let first = place(&book, "a").await;
        let second = place(&book, "a").await;
        let third = tokio::time::timeout(Duration::from_millis(50), place(&book, "a")).await;
        assert!(third.is_err(), "a third request while 2 places are held");
        drop(first);
        let third = place(&book, "a").await;
        assert_eq!(book.requests()[0].in_use, 2);
        drop((second, third, marks));
    }

    #[tokio::test]
    async fn a_smaller_grant_is_paid_as_requests_end_before_it_is_written() {
        let book = PlaceBook::default();
        let _mark = book.claimed("a");
        book.apply(&book.requests(), &[grant("a", 3, 3)], far);
        let busy = [place(&book, "a").await, place(&book, "a").await];
        // Cut to 1: one free place goes at once, the two in use only as they end.
        book.apply(&book.requests(), &[grant("a", 1, 1)], far);
        assert_eq!(
            book.requests()[0].holding,
            2,
            "in-use places are still held"
        );
        let [one, two] = busy;
        drop(one);
        let asked = book.requests();
        assert_eq!((asked[0].holding, asked[0].in_use), (1, 1));
        drop(two);
        assert_eq!(book.requests()[0].holding, 1);
        let again = place(&book, "a").await;
        assert!(
            tokio::time::timeout(Duration::from_millis(50), place(&book, "a"))
                .await
                .is_err(),
            "only the granted place is left"
        );
        drop(again);
    }

    #[tokio::test]
    async fn an_uncovered_lease_starts_no_request() {
        let book = PlaceBook::default();
        let _mark = book.claimed("a");
        let soon = |_| Instant::now() + Duration::from_millis(900);
        book.apply(&book.requests(), &[grant("a", 1, 1)], soon);
        let waited = tokio::time::timeout(Duration::from_millis(150), place(&book, "a")).await;
        assert!(waited.is_err(), "a lease shorter than the attempt was used");
    }

    #[tokio::test]
    async fn a_crowded_callback_gives_claims_back_but_a_normal_queue_waits() {
        let book = PlaceBook::default();
        let marks: Vec<ClaimMark> = (0..3).map(|_| book.claimed("a")).collect();
        book.apply(&book.requests(), &[grant("a", 1, 1)], far);
        let _busy = place(&book, "a").await;
        // 3 claimed, limit 1: more than two rounds, so a waiting task gives back.
        let waited = book.wait_for_place("a", Duration::from_secs(1)).await;
        assert!(matches!(waited, Waited::GiveBack));
        drop(marks);
        let _two: Vec<ClaimMark> = (0..2).map(|_| book.claimed("a")).collect();
        let wait = GIVE_BACK_AFTER + Duration::from_millis(500);
        let waited = tokio::time::timeout(wait, book.wait_for_place("a", Duration::ZERO)).await;
        assert!(waited.is_err(), "two rounds of places may wait");
    }

    #[tokio::test]
    async fn idle_callbacks_are_forgotten_once_their_row_is_gone() {
        let book = PlaceBook::default();
        let mark = book.claimed("a");
        book.apply(&book.requests(), &[grant("a", 1, 1)], far);
        drop(mark);
        book.apply(&book.requests(), &[grant("a", 0, 1)], far);
        book.prune();
        assert!(
            book.is_active(),
            "the row still says 1 place until it is written"
        );
        let asked = book.requests();
        assert_eq!((asked[0].holding, asked[0].needed), (0, 0));
        book.apply(&asked, &[grant("a", 0, 1)], far);
        book.prune();
        assert!(!book.is_active());
        assert!(book.usage().is_empty());
    }
}
