//! Claims not yet sent: task id → (fence, slot). The one place that decides whether a
//! claimed task is still to be sent.
//!
//! Firing ([`UnsentClaims::take_for_send`]) and revocation (a changed, paused, moved or
//! re-claimed task; shutdown) race for an entry; whoever removes it decides, so a task is
//! either sent or handed back, never both. The entry holds the claim's in-flight slot: a
//! revoked or superseded claim gives its slot back at once (its job still sits in the
//! timer and is skipped when it fires); a sent one moves its slot to the attempt.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::in_flight::Slots;

/// A claim as the database knows it: task id and fence.
pub type Claim = (String, i64);

#[derive(Default)]
pub struct UnsentClaims {
    entries: Mutex<HashMap<String, (i64, Slots)>>,
}

impl UnsentClaims {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (i64, Slots)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers newly claimed tasks, each with its slot. An unsent claim of ours on the
    /// same task (moved or changed, then claimed again before revalidation dropped it) is
    /// superseded: its slot goes back here, its job is skipped when it fires.
    pub fn remember(&self, claims: impl IntoIterator<Item = (String, i64, Slots)>) {
        let superseded: Vec<(i64, Slots)> = {
            let mut entries = self.lock();
            claims
                .into_iter()
                .filter_map(|(id, fence, slot)| entries.insert(id, (fence, slot)))
                .collect()
        };
        // Given back outside the lock.
        drop(superseded);
    }

    /// Takes the claim for sending if it is still ours at this fence: the returned slot
    /// goes with the attempt. `None`: revoked or superseded meanwhile; skip the job.
    pub fn take_for_send(&self, task_id: &str, fence: i64) -> Option<Slots> {
        let mut entries = self.lock();
        match entries.get(task_id) {
            Some((held, _)) if *held == fence => entries.remove(task_id).map(|(_, slot)| slot),
            _ => None,
        }
    }

    /// The unsent claims now, for revalidation against the database.
    pub fn snapshot(&self) -> Vec<Claim> {
        self.lock()
            .iter()
            .map(|(id, (fence, _))| (id.clone(), *fence))
            .collect()
    }

    /// Revokes the claims among `candidates` that `still_valid` rejects and that are
    /// unchanged since the snapshot; returns them, to be handed back.
    pub fn revoke_invalid(
        &self,
        candidates: Vec<Claim>,
        still_valid: impl Fn(&str) -> bool,
    ) -> Vec<Claim> {
        let mut revoked = Vec::new();
        let mut slots = Vec::new();
        {
            let mut entries = self.lock();
            for (id, fence) in candidates {
                if still_valid(&id) || entries.get(&id).map(|(f, _)| *f) != Some(fence) {
                    continue;
                }
                if let Some((_, slot)) = entries.remove(&id) {
                    slots.push(slot);
                }
                revoked.push((id, fence));
            }
        }
        drop(slots);
        revoked
    }

    /// Revokes any unsent claim on these tasks, whatever its fence (a claim being handed
    /// back makes older ones stale too).
    pub fn revoke(&self, claims: &[Claim]) {
        let slots: Vec<(i64, Slots)> = {
            let mut entries = self.lock();
            claims
                .iter()
                .filter_map(|(id, _)| entries.remove(id))
                .collect()
        };
        drop(slots);
    }

    /// Revokes every unsent claim (shutdown) and returns them, to be handed back.
    pub fn drain(&self) -> Vec<Claim> {
        let drained: Vec<(String, (i64, Slots))> = self.lock().drain().collect();
        drained
            .into_iter()
            .map(|(id, (fence, _slot))| (id, fence))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::in_flight::InFlight;
    use super::*;

    #[test]
    fn each_claim_is_sent_or_revoked_once_and_its_slot_comes_back() {
        let ledger = InFlight::new(4);
        let mut batch = ledger.reserve(4).unwrap();
        let unsent = UnsentClaims::default();
        unsent.remember(["a", "b", "c"].map(|id| (id.to_owned(), 1, batch.take_one().unwrap())));
        drop(batch);
        assert_eq!(ledger.room(), 1);

        // Superseded by a new claim on the same task: the old slot comes back.
        let mut again = ledger.reserve(1).unwrap();
        unsent.remember([("a".to_owned(), 2, again.take_one().unwrap())]);
        drop(again);
        assert_eq!(ledger.room(), 1);
        assert!(unsent.take_for_send("a", 1).is_none(), "stale fence sent");

        let sending = unsent.take_for_send("a", 2).expect("ours");
        assert!(unsent.take_for_send("a", 2).is_none(), "sent twice");

        let revoked = unsent.revoke_invalid(unsent.snapshot(), |id| id == "c");
        assert_eq!(revoked, vec![("b".to_owned(), 1)]);
        assert_eq!(ledger.room(), 2);

        assert_eq!(unsent.drain(), vec![("c".to_owned(), 1)]);
        assert_eq!(ledger.room(), 3);
        drop(sending);
        assert_eq!(ledger.room(), 4);
    }
}
