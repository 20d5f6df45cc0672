//! The leases of the claims this instance holds: when each ends, how long it is, and
//! whether it is still ours. The one place that knows (issue 12, problem 3).
//!
//! A claim's lease is look-ahead + the callback's timeout + `--lease-margin`, set by the
//! claim statement. An attempt that runs long, or a result that waits for a slow finisher
//! or database, could outlive it, and then another instance would deliver the task again
//! while this one still holds it. So every held claim is in this book from its claim until
//! its result is recorded (or it is handed back, revoked or dropped): the lease keeper
//! ([`super::lease_keeper`]) extends those past half their lease, in one fenced statement,
//! and the dispatcher asks the book before sending whether enough lease is left.
//!
//! Entries are owned by [`LeaseHold`]s, which travel inside the claim's in-flight slot
//! ([`super::in_flight::Slots`]): dropping the slot, on whatever path, ends the entry, so
//! nobody removes entries by hand and none can be forgotten (and extended forever).

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::store::deliveries::LeaseRenewal;

/// One held claim's lease, as this instance last saw it confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub fence: i64,
    /// End of the lease (database clock).
    pub until: DateTime<Utc>,
    /// Its length, which every extension grants again from the database's `now()`.
    pub length: chrono::Duration,
    /// An extension found the claim no longer ours (re-claimed after an expiry, deleted):
    /// it must not be sent, and is not extended again.
    pub lost: bool,
}

type Entries = HashMap<String, Lease>;

/// The book; one per engine.
#[derive(Default)]
pub struct LeaseBook {
    entries: Arc<Mutex<Entries>>,
}

fn lock(entries: &Mutex<Entries>) -> MutexGuard<'_, Entries> {
    entries.lock().unwrap_or_else(|p| p.into_inner())
}

/// Keeps one claim's entry in the book while it lives.
#[must_use = "dropping the hold ends the lease's entry at once"]
pub struct LeaseHold {
    entries: Arc<Mutex<Entries>>,
    task_id: String,
    fence: i64,
}

impl Drop for LeaseHold {
    fn drop(&mut self) {
        let mut entries = lock(&self.entries);
        // A newer claim of ours on the same task (another fence) keeps its entry.
        if entries
            .get(&self.task_id)
            .is_some_and(|l| l.fence == self.fence)
        {
            entries.remove(&self.task_id);
        }
    }
}

impl LeaseBook {
    /// Enters a new claim: its lease ends at `until` and was `length` long when claimed.
    pub fn hold(
        &self,
        task_id: &str,
        fence: i64,
        until: DateTime<Utc>,
        length: chrono::Duration,
    ) -> LeaseHold {
        lock(&self.entries).insert(
            task_id.to_owned(),
            Lease {
                fence,
                until,
                length,
                lost: false,
            },
        );
        LeaseHold {
            entries: self.entries.clone(),
            task_id: task_id.to_owned(),
            fence,
        }
    }

    /// The lease of this claim now; `None` if it is not held (anymore).
    pub fn get(&self, task_id: &str, fence: i64) -> Option<Lease> {
        lock(&self.entries)
            .get(task_id)
            .filter(|l| l.fence == fence)
            .copied()
    }

    /// Held claims with less than half their lease left at `now` (database clock), still
    /// ours as far as we know: the ones to extend now.
    pub fn due_for_renewal(&self, now: DateTime<Utc>) -> Vec<LeaseRenewal> {
        lock(&self.entries)
            .iter()
            .filter(|(_, l)| !l.lost && l.until - now < l.length / 2)
            .map(|(id, l)| {
                let length_us = l.length.num_microseconds().unwrap_or(i64::MAX);
                (id.clone(), l.fence, length_us)
            })
            .collect()
    }

    /// Takes an extension's answer: the claims in `extended` got a new end; those asked
    /// for but missing from it are no longer ours.
    pub fn renewed(&self, asked: &[LeaseRenewal], extended: &[(String, DateTime<Utc>)]) {
        let confirmed: HashMap<&str, DateTime<Utc>> =
            extended.iter().map(|(id, at)| (id.as_str(), *at)).collect();
        let mut entries = lock(&self.entries);
        for (id, fence, _) in asked {
            let Some(lease) = entries.get_mut(id).filter(|l| l.fence == *fence) else {
                continue;
            };
            match confirmed.get(id.as_str()) {
                Some(until) => lease.until = *until,
                None => lease.lost = true,
            }
        }
    }

    /// How many claims the book holds (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.entries).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn claims_past_half_their_lease_are_renewed_and_lost_ones_are_marked() {
        let book = LeaseBook::default();
        let length = chrono::Duration::seconds(20);
        let a = book.hold("a", 1, at(20), length);
        let b = book.hold("b", 2, at(30), length);
        assert!(book.due_for_renewal(at(5)).is_empty(), "15 s of 20 left");
        let due = book.due_for_renewal(at(11));
        assert_eq!(due, vec![("a".to_owned(), 1, 20_000_000)]);
        // `a` extended; pretend `b` was asked too and is gone.
        let asked = vec![due[0].clone(), ("b".to_owned(), 2, 20_000_000)];
        book.renewed(&asked, &[("a".to_owned(), at(31))]);
        assert_eq!(book.get("a", 1).unwrap().until, at(31));
        assert!(book.get("b", 2).unwrap().lost);
        assert!(
            book.due_for_renewal(at(21)).is_empty(),
            "lost: never renewed"
        );
        drop((a, b));
        assert_eq!(book.len(), 0);
    }

    #[test]
    fn a_stale_hold_does_not_end_a_newer_claim_of_the_same_task() {
        let book = LeaseBook::default();
        let length = chrono::Duration::seconds(20);
        let old = book.hold("a", 1, at(20), length);
        let new = book.hold("a", 2, at(40), length);
        drop(old);
        assert_eq!(book.get("a", 2).map(|l| l.until), Some(at(40)));
        assert!(book.get("a", 1).is_none());
        drop(new);
        assert_eq!(book.len(), 0);
    }
}
