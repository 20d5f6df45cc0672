//! What this instance knows of its callbacks' flow state between claims: which callbacks
//! are held (`Retry-After`) and until when, which are still recovering from a cut, and
//! whether the last claim left tasks unclaimed for want of room.
//!
//! The database is the authority (`store::flow`): claims never take tasks of a held
//! callback, and a held callback's places are taken back. This copy exists for what
//! happens without a database round trip: a claimed task whose callback became held is
//! not sent (the dispatcher asks [`FlowGate::held`]); the finisher prompts another claim
//! only if a claim was capped; the recorder writes successes only for callbacks that are
//! recovering (learnt from the place keeper's renewals and from its own cuts, forgotten
//! when its write finds them back at their maximum).
//! A leaf of `delivery/`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// One per engine.
#[derive(Default)]
pub struct FlowGate {
    holds: Mutex<HashMap<String, Instant>>,
    reduced: Mutex<HashSet<String>>,
    capped: AtomicBool,
    /// The earliest hold end the last claim saw (any callback's, ours or not).
    claim_hold_end: Mutex<Option<Instant>>,
}

impl FlowGate {
    /// Whether `callback` is held now; forgets holds that have ended.
    pub fn held(&self, callback: &str) -> bool {
        let mut holds = self.holds.lock().unwrap_or_else(|e| e.into_inner());
        match holds.get(callback) {
            Some(until) if *until > Instant::now() => true,
            Some(_) => {
                holds.remove(callback);
                false
            }
            None => false,
        }
    }

    /// Holds `callback` until `until` (a hold only ever extends).
    pub fn hold(&self, callback: &str, until: Instant) {
        let mut holds = self.holds.lock().unwrap_or_else(|e| e.into_inner());
        let entry = holds.entry(callback.to_owned()).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// Records what a claim learnt: the earliest end of a hold on any callback, and
    /// whether it was capped.
    pub fn observe_claim(&self, hold_end: Option<Instant>, capped: bool) {
        *self
            .claim_hold_end
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = hold_end;
        self.capped.store(capped, Ordering::Relaxed);
    }

    /// Records what a renewal of places learnt about `callback`: held until when, and
    /// whether it is recovering. Recovering is only ever added here: the renewal may have
    /// read before a cut this instance just made, so it cannot say the callback
    /// recovered; the recorder's own write does ([`Self::recovered`]).
    pub fn observe_grant(&self, callback: &str, held_until: Option<Instant>, reduced: bool) {
        if let Some(until) = held_until {
            self.hold(callback, until);
        }
        if reduced {
            self.reduce(callback);
        }
    }

    /// Marks `callback` as recovering (this instance just cut it).
    pub fn reduce(&self, callback: &str) {
        self.reduced
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(callback.to_owned());
    }

    /// `callback` is back at its maximum (the recorder's write says so).
    pub fn recovered(&self, callback: &str) {
        self.reduced
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(callback);
    }

    pub fn is_reduced(&self, callback: &str) -> bool {
        self.reduced
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(callback)
    }

    /// Whether the last claim left tasks unclaimed for want of room.
    pub fn capped(&self) -> bool {
        self.capped.load(Ordering::Relaxed)
    }

    /// The earliest end of a hold, for planning the claim loop's next look.
    pub fn next_hold_end(&self) -> Option<Instant> {
        let now = Instant::now();
        let claimed = *self
            .claim_hold_end
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let holds = self.holds.lock().unwrap_or_else(|e| e.into_inner());
        holds
            .values()
            .copied()
            .chain(claimed)
            .filter(|until| *until > now)
            .min()
    }
}

/// What one attempt told about its callback's receiver, on its way to the recorder
/// (`super::flow_recorder`).
#[derive(Debug, Clone)]
pub struct FlowSignal {
    pub callback: String,
    pub load: crate::domain::flow::Load,
    /// A `Retry-After` hold asked for (429 or 503), clamped to an hour.
    pub hold: Option<std::time::Duration>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn holds_extend_and_end() {
        let gate = FlowGate::default();
        let now = Instant::now();
        gate.hold("a", now + Duration::from_secs(60));
        gate.hold("a", now + Duration::from_secs(1));
        assert!(gate.held("a"));
        assert!(!gate.held("b"));
        assert_eq!(gate.next_hold_end(), Some(now + Duration::from_secs(60)));
        gate.hold("c", now - Duration::from_secs(1));
        assert!(!gate.held("c"), "an ended hold holds nothing");
    }

    #[test]
    fn recovering_ends_only_when_the_recorder_says_so() {
        let gate = FlowGate::default();
        gate.reduce("a");
        // A renewal that does not say "a" may have read before the cut was written.
        gate.observe_grant("a", None, false);
        gate.observe_grant("b", None, true);
        gate.observe_claim(None, true);
        assert!(gate.is_reduced("a"));
        assert!(gate.is_reduced("b"));
        assert!(gate.capped());
        gate.recovered("a");
        assert!(!gate.is_reduced("a"));
    }
}
