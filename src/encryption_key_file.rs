//! The encryption key file of the embedded default: without `--encryption-key`, the
//! embedded PostgreSQL's data directory holds a key file, created on first start, so
//! secrets are sealed at rest without any setup (API.md, "Secrets").
//!
//! The file is the key's standard base64 text and a newline, readable by its owner only.
//! - Created with mode 0600 from the start (never written then chmod-ed), under a
//!   temporary name, synced, then hard-linked to its final name: the link fails if the
//!   name exists, so two processes starting at once cannot overwrite each other's key
//!   (the loser reads the winner's) and a crash never leaves a half-written key in place.
//! - Refused on read if group or others have any permission bit: a key that others could
//!   read is no longer secret, and saying so beats sealing under it. The check is made on
//!   the opened file, so the file checked is the file read.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::domain::sealed::{EncryptionKey, KeyError};

/// Mode of a new key file.
const KEY_FILE_MODE: u32 = 0o600;

/// Why the key file could not be read or created. Never contains the key.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("encryption key file {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "encryption key file {path} has mode {mode:04o}: group and others must have no access (chmod 600 it)"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("encryption key file {path}: {source}")]
    Key { path: PathBuf, source: KeyError },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> KeyFileError + '_ {
    move |source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads the key at `path`, refusing a file with group or other permissions.
pub fn read_key_file(path: &Path) -> Result<EncryptionKey, KeyFileError> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let mode = file
        .metadata()
        .map_err(io_error(path))?
        .permissions()
        .mode()
        & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Permissions {
            path: path.to_owned(),
            mode,
        });
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(io_error(path))?;
    EncryptionKey::parse(&text).map_err(|source| KeyFileError::Key {
        path: path.to_owned(),
        source,
    })
}

/// Reads the key at `path`, or creates the file with a fresh key if there is none.
/// Returns the key and whether it was just created (worth a log line at start).
pub fn load_or_create_key_file(path: &Path) -> Result<(EncryptionKey, bool), KeyFileError> {
    match read_key_file(path) {
        Err(KeyFileError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
        other => return other.map(|key| (key, false)),
    }
    let key = EncryptionKey::generate();
    match write_new_key_file(path, &key) {
        Ok(()) => Ok((key, true)),
        // Another process created it between our read and our link: use theirs.
        Err(KeyFileError::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists => {
            read_key_file(path).map(|key| (key, false))
        }
        Err(e) => Err(e),
    }
}

/// Writes `key` to a new file at `path` (mode 0600); fails if `path` exists.
pub fn write_new_key_file(path: &Path, key: &EncryptionKey) -> Result<(), KeyFileError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path.file_name().ok_or_else(|| KeyFileError::Io {
        path: path.to_owned(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "not a file path"),
    })?;
    let mut temp_name = file_name.to_owned();
    temp_name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let temp = dir.join(temp_name);

    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(KEY_FILE_MODE)
            .open(&temp)?;
        // The umask can only clear bits, never add them, but say what we mean.
        file.set_permissions(fs::Permissions::from_mode(KEY_FILE_MODE))?;
        file.write_all(format!("{}\n", key.to_base64()).as_bytes())?;
        file.sync_all()?;
        fs::hard_link(&temp, path)?;
        // The new directory entry must survive a crash too.
        File::open(dir)?.sync_all()
    })();
    // Best effort: the temporary name is useless whatever happened.
    let _ = fs::remove_file(&temp);
    result.map_err(io_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            let path = std::env::temp_dir().join(format!(
                "taskshed-keyfile-{}-{}",
                std::process::id(),
                rand::random::<u64>()
            ));
            fs::create_dir(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn creates_a_0600_file_once_and_reads_it_back() {
        let dir = TempDir::new();
        let path = dir.0.join("encryption.key");
        let (created, fresh) = load_or_create_key_file(&path).unwrap();
        assert!(fresh);
        assert_eq!(mode_of(&path), 0o600);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{}\n", created.to_base64()));

        let (again, fresh) = load_or_create_key_file(&path).unwrap();
        assert!(!fresh);
        assert_eq!(again.id(), created.id());
        assert_eq!(read_key_file(&path).unwrap().id(), created.id());
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(&dir.0).unwrap().count(), 1);
    }

    #[test]
    fn never_overwrites_an_existing_file() {
        let dir = TempDir::new();
        let path = dir.0.join("encryption.key");
        let first = EncryptionKey::generate();
        write_new_key_file(&path, &first).unwrap();
        let err = write_new_key_file(&path, &EncryptionKey::generate()).unwrap_err();
        assert!(
            matches!(&err, KeyFileError::Io { source, .. } if source.kind() == io::ErrorKind::AlreadyExists),
            "{err}"
        );
        assert_eq!(read_key_file(&path).unwrap().id(), first.id());
    }

    #[test]
    fn refuses_a_file_others_can_read() {
        let dir = TempDir::new();
        let path = dir.0.join("encryption.key");
        let key = EncryptionKey::generate();
        write_new_key_file(&path, &key).unwrap();
        for mode in [0o640, 0o604, 0o644, 0o660] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let err = read_key_file(&path).unwrap_err();
            assert!(
                matches!(err, KeyFileError::Permissions { mode: m, .. } if m == mode),
                "{mode:o}: {err}"
            );
            assert!(err.to_string().contains("chmod 600"), "{err}");
            assert!(!err.to_string().contains(&key.to_base64()));
            // load_or_create must not paper over it with a new key either.
            assert!(load_or_create_key_file(&path).is_err());
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(read_key_file(&path).unwrap().id(), key.id());
    }

    #[test]
    fn a_bad_key_file_is_an_error_that_names_the_file() {
        let dir = TempDir::new();
        let path = dir.0.join("encryption.key");
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .unwrap()
            .write_all(b"too short\n")
            .unwrap();
        let err = read_key_file(&path).unwrap_err();
        assert!(matches!(err, KeyFileError::Key { .. }), "{err}");
        assert!(err.to_string().contains("encryption.key"), "{err}");
    }
}
