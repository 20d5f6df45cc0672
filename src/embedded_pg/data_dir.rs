//! The data directory on disk: creating it (and making it reachable for the server user),
//! its flock against a second TaskShed, the cluster in `pgdata` (initdb, major-version check,
//! ownership), and the private socket directory (with its short /tmp fallback when the path
//! would not fit in `sun_path`).

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use anyhow::{bail, Context};
use tokio::process::Command;

use super::process::scrub_pg_env;
use super::server_user::ServerUser;
use super::{PORT, ROLE, SERVER_USER_WHEN_ROOT};

/// `sun_path` is 108 bytes on Linux including the terminating NUL (104 on macOS, where the
/// socket name is shorter than this margin anyway).
const MAX_SOCKET_PATH: usize = 107;

/// Creates the data directory, makes it absolute, and makes sure the server user can use it.
pub(super) fn prepare_data_dir(requested: &Path, user: &ServerUser) -> anyhow::Result<PathBuf> {
    let absolute = if requested.is_absolute() {
        requested.to_path_buf()
    } else {
        std::env::current_dir()
            .context("reading the current directory")?
            .join(requested)
    };
    // Remember which ancestors we create: those are ours to open up for the server user.
    let mut created: Vec<PathBuf> = absolute
        .ancestors()
        .take_while(|p| !p.exists())
        .map(Path::to_path_buf)
        .collect();
    created.reverse();
    // Root chowns the data directory to the server user, so it must really be ours: refuse a
    // pre-existing directory with other contents (say, a mistyped --data-dir pointing at $HOME).
    if let Ok(mut entries) = fs::read_dir(&absolute) {
        let has_other = entries.any(|e| e.is_ok());
        let ours = absolute.join("pgdata").exists() || absolute.join("taskshed.lock").exists();
        if has_other && !ours {
            bail!(
                "{} is not empty and holds no TaskShed PostgreSQL data; refusing to take it \
                 over. Point the data directory at a new or empty directory.",
                absolute.display()
            );
        }
    }
    fs::create_dir_all(&absolute)
        .with_context(|| format!("creating data directory {}", absolute.display()))?;
    let data_dir = absolute
        .canonicalize()
        .with_context(|| format!("resolving data directory {}", absolute.display()))?;

    if user.switch_to.is_some() {
        // Decision: directories we just created (other than the data dir itself) get g+x,o+x
        // so the server user can reach the data dir even under a strict umask. Directories
        // that already existed are never loosened: making e.g. /root traversable would widen
        // access to everything below it, so we refuse with a clear error instead.
        for dir in created.iter().filter(|d| **d != absolute) {
            let meta = fs::metadata(dir)?;
            let mode = meta.permissions().mode() | 0o011;
            fs::set_permissions(dir, fs::Permissions::from_mode(mode))
                .with_context(|| format!("chmod {}", dir.display()))?;
        }
        for ancestor in data_dir.ancestors().skip(1) {
            let meta = fs::metadata(ancestor)
                .with_context(|| format!("inspecting {}", ancestor.display()))?;
            if !user.can_traverse(&meta) {
                bail!(
                    "the embedded PostgreSQL server runs as the `{SERVER_USER_WHEN_ROOT}` user \
                     (TaskShed runs as root), which cannot reach the data directory {} because \
                     it may not enter {} (mode {:o}, owner uid {}). Choose a data directory \
                     outside it (e.g. --data-dir /var/lib/taskshed), or allow traversal with \
                     `chmod o+x {}`.",
                    data_dir.display(),
                    ancestor.display(),
                    meta.permissions().mode() & 0o7777,
                    meta.uid(),
                    ancestor.display()
                );
            }
        }
    }
    // The data dir holds the cluster, its log and socket: private to the server user.
    user.chown(&data_dir)?;
    fs::set_permissions(&data_dir, fs::Permissions::from_mode(0o700))
        .with_context(|| format!("chmod {}", data_dir.display()))?;
    Ok(data_dir)
}

/// Takes the data directory's flock, failing clearly if another TaskShed holds it.
pub(super) fn lock_data_dir(data_dir: &Path) -> anyhow::Result<File> {
    let path = data_dir.join("taskshed.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: flock on a file descriptor we own; no memory is involved.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            bail!(
                "the data directory {} is already in use by another embedded PostgreSQL \
                 (another TaskShed is probably running on this data directory); stop it, or \
                 give this one a different --data-dir",
                data_dir.display()
            );
        }
        return Err(err).context(format!("locking {}", path.display()));
    }
    Ok(file)
}

/// Fails clearly when the cluster was created by another major version (the server would
/// refuse with a less helpful message).
pub(super) fn check_cluster_version(
    pgdata: &Path,
    server_version: &str,
    bindir: &Path,
) -> anyhow::Result<()> {
    let cluster = fs::read_to_string(pgdata.join("PG_VERSION"))
        .with_context(|| format!("reading {}/PG_VERSION", pgdata.display()))?;
    let cluster = cluster.trim();
    // Major version: "15" from "15.4"; before 10 it was two parts ("9.6" from "9.6.24").
    let parts: Vec<&str> = server_version.split('.').collect();
    let server_major = if parts
        .first()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(0)
        >= 10
    {
        parts[0].to_string()
    } else {
        parts.iter().take(2).copied().collect::<Vec<_>>().join(".")
    };
    if cluster != server_major {
        bail!(
            "the embedded PostgreSQL cluster in {} was created by PostgreSQL {cluster}, but the \
             binaries found in {} are PostgreSQL {server_version}. Install PostgreSQL {cluster}, \
             upgrade the cluster with pg_upgrade, or move the data directory aside to start afresh.",
            pgdata.display(),
            bindir.display()
        );
    }
    Ok(())
}

/// Runs initdb into a scratch directory and renames it into place, so a run killed mid-way
/// never leaves a half-initialised `pgdata` that later starts would trip over.
pub(super) async fn init_cluster(
    bindir: &Path,
    data_dir: &Path,
    pgdata: &Path,
    user: &ServerUser,
    durable: bool,
) -> anyhow::Result<()> {
    if pgdata.exists() {
        bail!(
            "{} exists but holds no PostgreSQL cluster (no PG_VERSION); move it aside so \
             TaskShed can initialise a new one",
            pgdata.display()
        );
    }
    let scratch = data_dir.join("pgdata.initdb-tmp");
    if scratch.exists() {
        fs::remove_dir_all(&scratch)
            .with_context(|| format!("removing leftover {}", scratch.display()))?;
    }
    prepare_private_dir(&scratch, user)?;

    let mut cmd = StdCommand::new(bindir.join("initdb"));
    cmd.arg("-D")
        .arg(&scratch)
        .args(["-U", ROLE, "--auth=trust", "-E", "UTF8", "--locale=C"])
        .current_dir(data_dir)
        .stdin(Stdio::null());
    if !durable {
        // Throwaway (test) clusters: flushing initdb's ~1,000 files costs seconds per test.
        cmd.arg("--no-sync");
    }
    scrub_pg_env(&mut cmd);
    user.apply(&mut cmd);
    let out = Command::from(cmd)
        .output()
        .await
        .context("running initdb")?;
    if !out.status.success() {
        bail!(
            "initdb failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    fs::rename(&scratch, pgdata)
        .with_context(|| format!("moving the new cluster to {}", pgdata.display()))?;
    Ok(())
}

/// A cluster copied in by root (e.g. restored from backup) is handed to the server user;
/// PostgreSQL refuses a data directory it does not own.
pub(super) fn ensure_owned_by(pgdata: &Path, user: &ServerUser) -> anyhow::Result<()> {
    let meta = fs::metadata(pgdata).with_context(|| format!("inspecting {}", pgdata.display()))?;
    if meta.uid() == user.uid {
        return Ok(());
    }
    if user.switch_to.is_none() {
        bail!(
            "the PostgreSQL cluster {} belongs to uid {}, not to the user running TaskShed \
             (uid {}); run TaskShed as that user or fix the ownership",
            pgdata.display(),
            meta.uid(),
            user.uid
        );
    }
    chown_recursive(pgdata, user)
}

fn chown_recursive(path: &Path, user: &ServerUser) -> anyhow::Result<()> {
    user.chown(path)?;
    let meta = fs::symlink_metadata(path)?;
    if meta.is_dir() {
        for entry in fs::read_dir(path)? {
            chown_recursive(&entry?.path(), user)?;
        }
    }
    Ok(())
}

/// `<data_dir>/socket`, unless the socket path would exceed `sun_path`; then a short private
/// directory under /tmp named after a stable hash of the data directory.
pub(super) fn choose_socket_dir(data_dir: &Path) -> (PathBuf, bool) {
    let preferred = data_dir.join("socket");
    if socket_path_len(&preferred) <= MAX_SOCKET_PATH {
        return (preferred, false);
    }
    let hash = fnv1a(data_dir.as_os_str().as_bytes());
    (PathBuf::from(format!("/tmp/taskshed-pg-{hash:016x}")), true)
}

fn socket_path_len(dir: &Path) -> usize {
    dir.as_os_str().len() + format!("/.s.PGSQL.{PORT}").len()
}

/// FNV-1a: stable across Rust releases (unlike `DefaultHasher`), so a restart finds the same
/// fallback socket directory and its stale lock file.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Creates (or re-checks) a directory that only the server user may use: mode 0700, owned by
/// it, not a symlink. Under /tmp this guards against another user pre-creating the directory.
pub(super) fn prepare_private_dir(dir: &Path, user: &ServerUser) -> anyhow::Result<()> {
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
    }
    let meta =
        fs::symlink_metadata(dir).with_context(|| format!("inspecting {}", dir.display()))?;
    if !meta.is_dir() {
        bail!("{} exists and is not a directory", dir.display());
    }
    // SAFETY: geteuid cannot fail.
    let euid = unsafe { libc::geteuid() };
    if meta.uid() != user.uid && meta.uid() != euid {
        bail!(
            "{} is owned by uid {}, not by the PostgreSQL server user (uid {}); remove it",
            dir.display(),
            meta.uid(),
            user.uid
        );
    }
    user.chown(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .with_context(|| format!("chmod {}", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_data_dirs_fall_back_to_a_short_stable_socket_dir() {
        let short = Path::new("/srv/taskshed-data");
        assert_eq!(choose_socket_dir(short), (short.join("socket"), false));

        let long = PathBuf::from(format!("/srv/{}", "x".repeat(120)));
        let (dir, fallback) = choose_socket_dir(&long);
        assert!(fallback);
        assert!(dir.starts_with("/tmp"));
        assert!(socket_path_len(&dir) <= MAX_SOCKET_PATH);
        assert_eq!(choose_socket_dir(&long).0, dir, "stable across calls");
    }
}
