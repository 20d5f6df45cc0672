//! Per-process memory of API keys, so checking a key costs no database round trip on most
//! requests, yet a revocation reaches every instance within 2 s (API.md).
//!
//! Two answers are cached, each for at most [`TTL`] (1 s): what a digest resolves to (a
//! live key's scopes and expiry, or "no such live key"), and whether any live key exists
//! (the switch that turns enforcement on). A revocation on another instance is seen at
//! the next refresh, at most 1 s later. Expiry is applied in memory on every request, so
//! an expired key stops at its instant even while cached.
//!
//! Entries are bucketed by the first 8 bytes of the digest and the full digest is then
//! compared with [`KeyDigest::matches`] (constant time), so the in-memory comparison
//! leaks nothing beyond which bucket was hit, which says nothing about any key.
//!
//! `last_used_at` is not written per request: used key ids are collected in a set and
//! written by one statement every [`FLUSH_EVERY`]. A process that stops loses at most
//! that much of "last used", which is a hint, not an audit log.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::domain::api_key::{KeyDigest, Scope};
use crate::store::api_keys as store;

/// How long a cached answer is trusted.
pub const TTL: Duration = Duration::from_secs(1);
/// How often used key ids are written to `last_used_at`.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);
/// Unknown keys are cached too (so a client with a bad key cannot make every request a
/// query); a bound keeps a flood of random keys from growing memory without limit.
const MAX_ENTRIES: usize = 10_000;

/// A live key as far as this process knows.
#[derive(Debug, Clone)]
pub struct KnownKey {
    pub id: String,
    pub scopes: Arc<[Scope]>,
    pub expires_at: Option<DateTime<Utc>>,
}

struct Entry {
    digest: KeyDigest,
    key: Option<KnownKey>,
    fetched: Instant,
}

#[derive(Default)]
struct Memory {
    buckets: HashMap<u64, Vec<Entry>>,
    entries: usize,
    any_live: Option<(bool, Instant)>,
}

pub struct KeyCache {
    pool: PgPool,
    memory: Mutex<Memory>,
    used: Mutex<HashSet<String>>,
}

fn bucket(digest: &KeyDigest) -> u64 {
    let bytes = digest.as_bytes();
    u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"))
}

impl KeyCache {
    /// A cache on `pool`, and its background writer of `last_used_at` (which ends when
    /// the cache is dropped).
    pub fn start(pool: PgPool) -> Arc<Self> {
        let cache = Arc::new(Self {
            pool,
            memory: Mutex::default(),
            used: Mutex::default(),
        });
        let weak = Arc::downgrade(&cache);
        tokio::spawn(flush_used(weak));
        cache
    }

    /// Whether any live key exists (cached for at most [`TTL`]).
    pub async fn any_live(&self) -> Result<bool, sqlx::Error> {
        if let Some((live, at)) = self.memory.lock().expect("lock").any_live {
            if at.elapsed() < TTL {
                return Ok(live);
            }
        }
        let fetched = Instant::now();
        let live = store::any_live_key(&self.pool).await?;
        self.memory.lock().expect("lock").any_live = Some((live, fetched));
        Ok(live)
    }

    /// The live key with this digest, if any; records its use for `last_used_at`.
    pub async fn lookup(
        &self,
        digest: &KeyDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<KnownKey>, sqlx::Error> {
        let key = match self.cached(digest) {
            Some(key) => key,
            None => self.fetch(digest).await?,
        };
        let key = key.filter(|k| k.expires_at.is_none_or(|at| at > now));
        if let Some(key) = &key {
            let mut used = self.used.lock().expect("lock");
            if !used.contains(&key.id) {
                used.insert(key.id.clone());
            }
        }
        Ok(key)
    }

    /// Drops everything remembered, after a key was created or revoked here: this instance
    /// then sees the change at once, the others within [`TTL`].
    pub fn forget(&self) {
        *self.memory.lock().expect("lock") = Memory::default();
    }

    /// `Some(answer)` when a fresh answer is cached.
    fn cached(&self, digest: &KeyDigest) -> Option<Option<KnownKey>> {
        let memory = self.memory.lock().expect("lock");
        let entry = memory
            .buckets
            .get(&bucket(digest))?
            .iter()
            .find(|e| e.digest.matches(digest))?;
        (entry.fetched.elapsed() < TTL).then(|| entry.key.clone())
    }

    async fn fetch(&self, digest: &KeyDigest) -> Result<Option<KnownKey>, sqlx::Error> {
        let fetched = Instant::now();
        let key = store::find_live_key(&self.pool, digest)
            .await?
            .map(|live| KnownKey {
                id: live.id,
                scopes: live.scopes.into(),
                expires_at: live.expires_at,
            });
        let mut guard = self.memory.lock().expect("lock");
        let memory = &mut *guard;
        if memory.entries >= MAX_ENTRIES {
            memory.buckets.clear();
            memory.entries = 0;
        }
        let entry = Entry {
            digest: *digest,
            key: key.clone(),
            fetched,
        };
        let bucket = memory.buckets.entry(bucket(digest)).or_default();
        match bucket.iter().position(|e| e.digest.matches(digest)) {
            Some(i) => bucket[i] = entry,
            None => {
                bucket.push(entry);
                memory.entries += 1;
            }
        }
        Ok(key)
    }
}

/// Writes `last_used_at` for the keys used since the last round, every [`FLUSH_EVERY`].
async fn flush_used(cache: Weak<KeyCache>) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(cache) = cache.upgrade() else { return };
        let ids: Vec<String> = std::mem::take(&mut *cache.used.lock().expect("lock"))
            .into_iter()
            .collect();
        if ids.is_empty() {
            continue;
        }
        if let Err(error) = store::touch_keys(&cache.pool, &ids).await {
            // A hint only: log and carry on; the next use records it again.
            tracing::warn!(%error, keys = ids.len(), "could not record when API keys were used");
        }
    }
}
