//! The callbacks deliveries are sent to, resolved once per name and cached: a re-parse per
//! attempt cost ~5% of the delivery CPU. Entries are dropped when a `taskshed_callback`
//! hint says the callback changed, and all of them when hints may have been missed; the
//! claim loop's listener decides when, this module only owns the map.

use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::domain::callback::Callback;

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

/// Resolved callbacks by name; `None` caches "not registered".
#[derive(Default)]
pub struct CallbackCache {
    entries: Mutex<HashMap<String, Option<Arc<Target>>>>,
}

impl CallbackCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Option<Arc<Target>>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Loads the callbacks among `names` that are not cached yet.
    pub async fn resolve(&self, pool: &PgPool, names: &[String]) -> Result<(), sqlx::Error> {
        let missing: Vec<String> = {
            let cache = self.lock();
            names
                .iter()
                .filter(|n| !cache.contains_key(*n))
                .cloned()
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let found = crate::store::deliveries::callback_targets(pool, &missing).await?;
        let mut cache = self.lock();
        for name in missing {
            cache.entry(name).or_insert(None);
        }
        for (name, parsed) in found {
            cache.insert(name, Some(Arc::new(Target::from(parsed))));
        }
        Ok(())
    }

    /// The callback named `name` as it is now; `None` if it is not registered.
    pub async fn get(&self, pool: &PgPool, name: &str) -> Result<Option<Arc<Target>>, sqlx::Error> {
        if let Some(cached) = self.lock().get(name) {
            return Ok(cached.clone());
        }
        self.resolve(pool, &[name.to_owned()]).await?;
        Ok(self.lock().get(name).cloned().flatten())
    }

    pub fn forget(&self, name: &str) {
        self.lock().remove(name);
    }

    pub fn forget_all(&self) {
        self.lock().clear();
    }
}
