//! `taskshed rekey --new-key <b64>`: re-encrypts every sealed signing secret and header
//! value under a new key (API.md, "Secrets").
//!
//! Reads with the current key (`--encryption-key`, or the embedded default's key file) and
//! writes under the new one, a batch of callbacks per transaction, so it never holds the
//! whole table locked. Values already under the new key are left alone: an interrupted run
//! is finished by running it again. Plain values (written before any key was configured)
//! are sealed too. The embedded default's key file is replaced only after every row is
//! under the new key, so until then the old file still opens whatever is not.
//!
//! Instances that keep running with the old key write new values under it; restart them
//! with the new key and run `rekey` again to catch those.

use crate::app::Database;
use crate::config::Config;
use crate::domain::sealed::{AtRest, EncryptionKey};

/// Callbacks per transaction.
const BATCH: i64 = 500;

pub async fn run(config: &Config, new_key: &EncryptionKey) -> anyhow::Result<()> {
    let database = Database::open(config).await?;
    crate::store::migrate(&database.pool).await?;
    let current = crate::at_rest_key::resolve(config)?;
    let from = AtRest::new(current.as_ref());
    let to = AtRest::new(Some(new_key));
    let mut after: Option<String> = None;
    let mut changed = 0;
    loop {
        let (last, n) = crate::store::callbacks::reseal_batch(
            &database.pool,
            &from,
            &to,
            after.as_deref(),
            BATCH,
        )
        .await?;
        changed += n;
        match last {
            Some(name) => after = Some(name),
            None => break,
        }
    }
    if let Some(path) = crate::at_rest_key::key_file(config) {
        crate::at_rest_key::replace_key_file(&path, new_key)?;
        tracing::info!(path = %path.display(), "the key file now holds the new key");
    } else {
        tracing::info!("start every instance with the new --encryption-key");
    }
    tracing::info!(callbacks = changed, key_id = %new_key.id(), "rekey done");
    database.close().await
}
