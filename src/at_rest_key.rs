//! Which key this process seals secrets with (API.md, "Secrets"), decided once at start:
//! `--encryption-key` when given; otherwise, for the embedded default, the key file in its
//! data directory (created on first start, mode 0600); otherwise none, and the process says
//! at start that secrets are stored as they are, so nobody believes otherwise.

use anyhow::Context;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::domain::sealed::EncryptionKey;
use crate::encryption_key_file::{load_or_create_key_file, write_new_key_file};

/// Name of the embedded default's key file inside `--data-dir`.
pub const KEY_FILE_NAME: &str = "encryption.key";

/// Where the embedded default keeps its key, when it uses one: only without
/// `--encryption-key` and without `--database-url`.
pub fn key_file(config: &Config) -> Option<PathBuf> {
    (config.encryption_key.is_none() && config.database_url.is_none())
        .then(|| config.data_dir.join(KEY_FILE_NAME))
}

/// The key to seal with, or none; logs which it is.
pub fn resolve(config: &Config) -> anyhow::Result<Option<EncryptionKey>> {
    if let Some(key) = &config.encryption_key {
        tracing::info!(key_id = %key.id(), "signing secrets and header values are sealed at rest with --encryption-key");
        return Ok(Some(key.clone()));
    }
    let Some(path) = key_file(config) else {
        tracing::warn!(
            "no --encryption-key (TASKSHED_ENCRYPTION_KEY): signing secrets and header values are stored as they are"
        );
        return Ok(None);
    };
    let (key, created) = load_or_create_key_file(&path)?;
    if created {
        tracing::info!(path = %path.display(), key_id = %key.id(), "created the encryption key file; back it up with the data directory");
    } else {
        tracing::info!(path = %path.display(), key_id = %key.id(), "signing secrets and header values are sealed at rest with the key file");
    }
    Ok(Some(key))
}

/// Replaces the embedded default's key file with `key`, once every value is sealed under
/// it: written beside the old file, then renamed over it, so the file always holds one
/// whole key.
pub fn replace_key_file(path: &Path, key: &EncryptionKey) -> anyhow::Result<()> {
    let mut next = path.as_os_str().to_owned();
    next.push(".next");
    let next = PathBuf::from(next);
    // A leftover from an interrupted rekey holds a key nothing depends on yet.
    let _ = std::fs::remove_file(&next);
    write_new_key_file(&next, key)?;
    std::fs::rename(&next, path)
        .with_context(|| format!("could not replace the key file {}", path.display()))
}
