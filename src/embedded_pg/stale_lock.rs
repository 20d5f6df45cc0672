//! Leftovers of a killed run: reading `postmaster.pid`, telling a live postmaster on this
//! data directory from a stale PID (gone, or reused by an unrelated process), and removing the
//! stale lock and socket files once the orphaned server and its backends have gone.

use std::fs;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::PORT;

/// How long to wait for a postmaster that we know is orphaned (its TaskShed is gone) to die
/// from its parent-death signal, and for backends of a killed postmaster to notice and exit.
const ORPHAN_EXIT_TIMEOUT: Duration = Duration::from_secs(10);

/// What `postmaster.pid` says about the server that wrote it.
#[derive(Debug, PartialEq, Eq)]
enum LockOwner {
    /// A postmaster on this data directory is running.
    Live(libc::pid_t),
    /// The PID is gone, or belongs to an unrelated process (PID reuse after a kill).
    Stale(libc::pid_t),
}

fn lock_owner(pgdata: &Path, pid: libc::pid_t) -> LockOwner {
    if pid <= 0 || !process_exists(pid) {
        return LockOwner::Stale(pid);
    }
    match process_uses_dir(pid, pgdata) {
        Some(false) => LockOwner::Stale(pid),
        // Unknown (no /proc, or not ours to inspect): assume it is a live server.
        Some(true) | None => LockOwner::Live(pid),
    }
}

fn process_exists(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Whether process `pid` has `dir` as its working directory (postmaster and backends chdir
/// into the data directory). `None` when that cannot be told.
#[cfg(target_os = "linux")]
fn process_uses_dir(pid: libc::pid_t, dir: &Path) -> Option<bool> {
    match fs::read_link(format!("/proc/{pid}/cwd")) {
        Ok(cwd) => Some(cwd == dir),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some(false),
        // cwd is hidden for processes we may not ptrace (another user's, or outside our
        // namespace even for root); the command name is world-readable and enough to tell
        // a reused PID from a postgres process.
        Err(_) => match fs::read_to_string(format!("/proc/{pid}/comm")) {
            Ok(comm) if !matches!(comm.trim(), "postgres" | "postmaster") => Some(false),
            _ => None,
        },
    }
}

#[cfg(not(target_os = "linux"))]
fn process_uses_dir(_pid: libc::pid_t, _dir: &Path) -> Option<bool> {
    None
}

/// Processes whose working directory is `dir` (Linux; elsewhere none are found).
fn processes_in_dir(dir: &Path) -> Vec<libc::pid_t> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<libc::pid_t>().ok())
        .filter(|pid| process_uses_dir(*pid, dir) == Some(true))
        .collect()
}

fn read_lock_pid(path: &Path) -> Option<libc::pid_t> {
    let text = fs::read_to_string(path).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// Handles the leftovers of a killed run before starting. We hold the directory flock, so any
/// postmaster still on this data directory is not supervised by a live TaskShed.
pub(super) async fn clear_stale_locks(pgdata: &Path, socket_dir: &Path) -> anyhow::Result<()> {
    let pid_file = pgdata.join("postmaster.pid");
    // /proc/<pid>/cwd shows the resolved path.
    let pgdata = &pgdata
        .canonicalize()
        .unwrap_or_else(|_| pgdata.to_path_buf());
    let Some(pid) = read_lock_pid(&pid_file) else {
        if pid_file.exists() {
            // Unparseable (e.g. truncated by a crash while being written).
            remove_stale(&pid_file)?;
        }
        return Ok(());
    };

    // A postmaster whose TaskShed was just killed dies from its parent-death signal within
    // moments; give it that time rather than failing a quick restart.
    let deadline = Instant::now() + ORPHAN_EXIT_TIMEOUT;
    while let LockOwner::Live(live) = lock_owner(pgdata, pid) {
        if Instant::now() >= deadline {
            bail!(
                "a PostgreSQL server (pid {live}) is already running on {} — another TaskShed \
                 is probably running on this data directory (or a server was started there by \
                 hand). Stop it, or give this TaskShed a different --data-dir.",
                pgdata.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    tracing::warn!(pid, pid_file = %pid_file.display(), "removing stale PostgreSQL lock left by a previous run");
    remove_stale(&pid_file)?;
    remove_stale(&socket_dir.join(format!(".s.PGSQL.{PORT}.lock")))?;
    remove_stale(&socket_dir.join(format!(".s.PGSQL.{PORT}")))?;

    // Backends of a killed postmaster exit once they notice it is gone; until then they hold
    // its shared memory and PostgreSQL refuses to start ("pre-existing shared memory block is
    // still in use"). Wait for them, bounded; if some linger the server's own error says so.
    let deadline = Instant::now() + ORPHAN_EXIT_TIMEOUT;
    while !processes_in_dir(pgdata).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

fn remove_stale(path: &Path) -> anyhow::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing stale {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn pid_one_is_not_a_postmaster_of_some_data_dir() {
        let dir = Path::new("/nonexistent/pgdata");
        assert_eq!(lock_owner(dir, 1), LockOwner::Stale(1));
        assert_eq!(lock_owner(dir, 0), LockOwner::Stale(0));
    }
}
