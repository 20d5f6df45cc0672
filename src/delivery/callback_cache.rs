//! The callbacks deliveries are sent to, resolved once per name and cached: a re-parse per
//! attempt cost ~5% of the delivery CPU. Entries are dropped when a `taskshed_callback`
//! hint says the callback changed, and all of them when hints may have been missed; the
//! claim loop's listener decides when, this module only owns the map.
//!
//! Hints are only hints: one sent while this instance's LISTEN connection was down (a
//! PostgreSQL restart, a network blip) is lost. So every entry also expires after
//! [`MAX_AGE`], which bounds how long a re-registered callback can go unnoticed — the API
//! promises every instance uses a new registration within 2 s — at the cost of one lookup
//! per callback name per second while it has deliveries.

use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::domain::callback::Callback;
use crate::domain::sealed::AtRest;

/// A callback resolved for delivery, cached per name. Its URL was parsed when it was read
/// (not per attempt).
// One per callback name, behind an `Arc`: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Target {
    Ready(Callback),
    /// The stored row does not parse (registration parses every part, so only a
    /// hand-edited row gets here): attempts fail without sending. The reason is logged
    /// when the row is read.
    Unusable,
}

impl From<Result<Callback, String>> for Target {
    fn from(parsed: Result<Callback, String>) -> Self {
        match parsed {
            Ok(callback) => Target::Ready(callback),
            Err(why) => {
                // Logged once per cache fill, not per attempt.
                tracing::error!(%why, "stored callback does not parse; its deliveries fail");
                Target::Unusable
            }
        }
    }
}

/// How long a cached callback is used without reading it again: half the API's 2 s bound,
/// so a registration read just before it changed is replaced in time.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// One cached lookup: the callback (`None`: not registered) and when it was read.
struct Entry {
    target: Option<Arc<Target>>,
    read_at: Instant,
}

impl Entry {
    fn is_fresh(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.read_at) < MAX_AGE
    }
}

/// Resolved callbacks by name.
#[derive(Default)]
pub struct CallbackCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl CallbackCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Loads the callbacks among `names` that are not cached, or cached for too long.
    pub async fn resolve(
        &self,
        pool: &PgPool,
        at_rest: &AtRest,
        names: &[String],
    ) -> Result<(), sqlx::Error> {
        let now = Instant::now();
        let missing: Vec<String> = {
            let cache = self.lock();
            names
                .iter()
                .filter(|n| !cache.get(*n).is_some_and(|e| e.is_fresh(now)))
                .cloned()
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let found = crate::store::deliveries::callback_targets(pool, at_rest, &missing).await?;
        let mut fetched: HashMap<String, Option<Arc<Target>>> =
            missing.into_iter().map(|name| (name, None)).collect();
        for (name, parsed) in found {
            fetched.insert(name, Some(Arc::new(Target::from(parsed))));
        }
        let mut cache = self.lock();
        for (name, target) in fetched {
            // `now` (taken before the read), so the age never understates.
            cache.insert(
                name,
                Entry {
                    target,
                    read_at: now,
                },
            );
        }
        Ok(())
    }

    /// The callback named `name` as it is now (at most [`MAX_AGE`] old); `None` if it is
    /// not registered.
    pub async fn get(
        &self,
        pool: &PgPool,
        at_rest: &AtRest,
        name: &str,
    ) -> Result<Option<Arc<Target>>, sqlx::Error> {
        if let Some(entry) = self.lock().get(name) {
            if entry.is_fresh(Instant::now()) {
                return Ok(entry.target.clone());
            }
        }
        self.resolve(pool, at_rest, &[name.to_owned()]).await?;
        Ok(self.lock().get(name).and_then(|e| e.target.clone()))
    }

    pub fn forget(&self, name: &str) {
        self.lock().remove(name);
    }

    pub fn forget_all(&self) {
        self.lock().clear();
    }
}
