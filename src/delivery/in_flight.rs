//! The in-flight ledger: how many claimed tasks this instance holds (unsent, sending, or
//! awaiting the finisher), bounded by `max_in_flight`.
//!
//! It owns the count so nobody adjusts it by hand: each claimed task holds a [`Slots`]
//! of one (an owned `tokio::sync::Semaphore` permit, the mini-redis pattern), which moves
//! with the task from the unsent claims to its attempt and to the finisher. Dropping it
//! gives the slot back and wakes the claim loop, on every path: sent and recorded, handed
//! back, revoked, superseded, failed, or abandoned at shutdown. A slot cannot leak, and
//! cannot be given back twice.

use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::lease_book::LeaseHold;
use super::place_book::ClaimMark;

/// The ledger; one per engine.
pub struct InFlight {
    free: Arc<Semaphore>,
}

/// Slots held in the ledger (one per claimed task, or a batch's worth); dropping them
/// gives them back. A claimed task's slot also carries its entry in the lease book
/// ([`super::lease_book`]), so a lease is kept alive exactly as long as the task is held.
#[must_use = "dropping slots gives them back at once"]
pub struct Slots {
    permit: OwnedSemaphorePermit,
    leases: Vec<LeaseHold>,
    marks: Vec<ClaimMark>,
}

impl InFlight {
    pub fn new(max_in_flight: usize) -> Self {
        Self {
            free: Arc::new(Semaphore::new(max_in_flight)),
        }
    }

    /// How many more tasks may be claimed now.
    pub fn room(&self) -> usize {
        self.free.available_permits()
    }

    /// Takes `n` slots if that many are free. Only the claim loop takes slots, so after it
    /// saw [`Self::room`], this succeeds for up to that many.
    pub fn reserve(&self, n: usize) -> Option<Slots> {
        let n = u32::try_from(n).ok()?;
        let permit = self.free.clone().try_acquire_many_owned(n).ok()?;
        Some(Slots {
            permit,
            leases: Vec::new(),
            marks: Vec::new(),
        })
    }

    /// Returns once at least one slot is free (the claim loop's wake-up when it was full).
    pub async fn room_freed(&self) {
        // The permit is dropped at once: this only waits, it takes nothing.
        let _ = self.free.acquire().await;
    }
}

impl Slots {
    /// Splits one slot off, for one claimed task; `None` if none are left.
    pub fn take_one(&mut self) -> Option<Slots> {
        let permit = self.permit.split(1)?;
        Some(Slots {
            permit,
            leases: Vec::new(),
            marks: Vec::new(),
        })
    }

    /// This slot, now also holding a claim's lease entry until it is dropped.
    pub fn with_lease(mut self, lease: LeaseHold) -> Slots {
        self.leases.push(lease);
        self
    }

    /// This slot, now also counted against its callback's claims here
    /// ([`super::place_book`]) until it is dropped.
    pub fn with_mark(mut self, mark: ClaimMark) -> Slots {
        self.marks.push(mark);
        self
    }

    /// Joins `other` into these, so a batch gives its slots back at once.
    pub fn merge(&mut self, other: Slots) {
        self.permit.merge(other.permit);
        self.leases.extend(other.leases);
        self.marks.extend(other.marks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn slots_come_back_on_every_path() {
        let ledger = InFlight::new(4);
        let mut batch = ledger.reserve(4).expect("4 free");
        assert_eq!(ledger.room(), 0);
        assert!(ledger.reserve(1).is_none(), "never more than the maximum");

        let sent = batch.take_one().unwrap();
        let revoked = batch.take_one().unwrap();
        let failed = batch.take_one().unwrap();
        assert_eq!(ledger.room(), 0, "splitting gives nothing back");

        // What a claim did not use goes back with the batch.
        drop(batch);
        assert_eq!(ledger.room(), 1);

        // Revoked (or superseded, or handed back): dropped with the unsent entry.
        drop(revoked);
        assert_eq!(ledger.room(), 2);

        // Recorded: the finisher merges a batch's slots and drops them together.
        let mut recorded = sent;
        recorded.merge(failed);
        assert_eq!(ledger.room(), 2);
        drop(recorded);
        assert_eq!(ledger.room(), 4);

        // A slot carried by a task that is abandoned (a future dropped mid-attempt, a
        // closed channel at shutdown) comes back too.
        let mut again = ledger.reserve(1).unwrap();
        let one = again.take_one().unwrap();
        assert!(again.take_one().is_none());
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Slots>();
        drop(rx);
        assert!(tx.send(one).is_err());
        drop(again);
        assert_eq!(ledger.room(), 4);
    }

    #[tokio::test]
    async fn a_full_ledger_wakes_the_claim_loop_when_a_slot_comes_back() {
        let ledger = Arc::new(InFlight::new(1));
        let held = ledger.reserve(1).unwrap();
        let waiter = {
            let ledger = ledger.clone();
            tokio::spawn(async move { ledger.room_freed().await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "woke while full");
        drop(held);
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .unwrap();
        assert_eq!(ledger.room(), 1, "waiting takes no slot");
    }
}
