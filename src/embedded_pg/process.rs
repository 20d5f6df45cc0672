//! The server process: its command-line settings, a clean environment (no PG* variables),
//! the readiness signal in `postmaster.pid`, the tail of its log for error messages, and the
//! supervised child itself (`ServerProcess`, spawned from a dedicated thread and shut down
//! with escalating signals; `ExitState` reports how it ended).

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};

use super::server_user::ServerUser;
use super::{EmbeddedOptions, PORT};

const ESCALATION_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) fn server_args(pgdata: &Path, socket_dir: &Path, opts: &EmbeddedOptions) -> Vec<String> {
    let mut settings: Vec<(String, String)> = vec![
        // No TCP at all: nothing to collide with, nothing exposed.
        ("listen_addresses".into(), String::new()),
        (
            "unix_socket_directories".into(),
            quote_dir_list_entry(socket_dir),
        ),
        ("port".into(), PORT.to_string()),
        ("max_connections".into(), "200".into()),
        ("shared_buffers".into(), "128MB".into()),
        ("logging_collector".into(), "off".into()),
    ];
    let durability = if opts.durable { "on" } else { "off" };
    for name in ["fsync", "synchronous_commit", "full_page_writes"] {
        settings.push((name.into(), durability.into()));
    }
    settings.extend(opts.extra_settings.iter().cloned());

    let mut args = vec!["-D".to_string(), pgdata.to_string_lossy().into_owned()];
    for (name, value) in settings {
        args.push("-c".into());
        args.push(format!("{name}={value}"));
    }
    args
}

/// `unix_socket_directories` is a comma-separated list; a path with separators must be quoted.
fn quote_dir_list_entry(dir: &Path) -> String {
    let s = dir.to_string_lossy();
    if s.contains([',', ' ', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

pub(super) fn postmaster_reports_ready(pgdata: &Path, pid: libc::pid_t) -> bool {
    let Ok(text) = fs::read_to_string(pgdata.join("postmaster.pid")) else {
        return false;
    };
    let lines: Vec<&str> = text.lines().collect();
    lines.first().map(|l| l.trim()) == Some(pid.to_string().as_str())
        && lines.get(7).map(|l| l.trim()) == Some("ready")
}

/// The last lines of the server log written since `from`.
pub(super) fn log_tail(path: &Path, from: u64) -> String {
    const MAX_BYTES: u64 = 8 * 1024;
    const MAX_LINES: usize = 30;
    let read = || -> io::Result<String> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let start = from.max(len.saturating_sub(MAX_BYTES));
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        file.read_to_end(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    };
    match read() {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(MAX_LINES)..].join("\n")
        }
        Err(e) => format!("(could not read the log: {e})"),
    }
}

/// PG* variables (PGPORT, PGHOST, PGOPTIONS, PGSSLMODE, ...) would redirect or alter our
/// private server and clients; they are meant for the user's own servers.
pub(super) fn scrub_pg_env(cmd: &mut StdCommand) {
    for (key, _) in std::env::vars_os() {
        if key.as_bytes().starts_with(b"PG") {
            cmd.env_remove(key);
        }
    }
}

/// How the server process ended, as seen by its supervising thread.
#[derive(Debug, Default)]
pub(super) struct ExitState {
    exit: Mutex<Option<String>>,
    changed: Condvar,
}

impl ExitState {
    fn set(&self, description: String) {
        let mut guard = self.exit.lock().unwrap_or_else(|e| e.into_inner());
        *guard = Some(description);
        self.changed.notify_all();
    }

    pub(super) fn get(&self) -> Option<String> {
        self.exit.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits up to `timeout` for the process to exit; true if it has.
    fn wait(&self, timeout: Duration) -> bool {
        let guard = self.exit.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |exit| exit.is_none())
            .unwrap_or_else(|e| e.into_inner());
        guard.is_some()
    }
}

/// The postmaster child and the thread that spawned it.
///
/// Why a dedicated thread: the server must not outlive TaskShed, so the child sets
/// `PR_SET_PDEATHSIG`. That signal fires when the *thread* that forked the child exits, not
/// the process; tokio's blocking and worker threads come and go, so spawning from one of them
/// could kill the server while TaskShed runs on. This thread spawns the child, then blocks in
/// `wait()` until the child exits, so it lives exactly as long as the server, and reports the
/// exit through `exit`. If TaskShed dies, the thread dies with it and the server gets SIGQUIT
/// (immediate shutdown, which is safe: crash recovery runs on the next start).
#[derive(Debug)]
pub(super) struct ServerProcess {
    pub(super) pid: libc::pid_t,
    pub(super) exit: Arc<ExitState>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerProcess {
    pub(super) fn spawn(
        program: &Path,
        args: &[String],
        cwd: &Path,
        user: &ServerUser,
        log: File,
    ) -> anyhow::Result<ServerProcess> {
        let log_err = log.try_clone().context("duplicating the log file handle")?;
        let mut cmd = StdCommand::new(program);
        cmd.args(args)
            // postgres fails on start if it cannot resolve its working directory, and the
            // caller's may be unreadable by the server user (e.g. /root).
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Own process group: a Ctrl-C in the terminal (SIGINT to the foreground group)
            // would otherwise fast-shutdown the database under a TaskShed still draining work.
            // TaskShed stops the server itself, in order.
            .process_group(0);
        scrub_pg_env(&mut cmd);
        user.apply(&mut cmd);
        let parent = std::process::id();
        // SAFETY: the closure runs between fork and exec and only makes async-signal-safe
        // calls (prctl, getppid). std runs it after the uid switch, which matters: changing
        // credentials clears the parent-death signal.
        unsafe {
            cmd.pre_exec(move || {
                #[cfg(target_os = "linux")]
                {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT as libc::c_ulong) != 0 {
                        return Err(io::Error::last_os_error());
                    }
                }
                // If TaskShed already died before prctl took effect, do not start orphaned.
                if libc::getppid() as u32 != parent {
                    return Err(io::Error::other("parent exited before the server started"));
                }
                Ok(())
            });
        }

        let exit = Arc::new(ExitState::default());
        let (pid_tx, pid_rx) = std::sync::mpsc::sync_channel::<io::Result<u32>>(1);
        let thread_exit = Arc::clone(&exit);
        let thread = std::thread::Builder::new()
            .name("embedded-postgres".into())
            .spawn(move || {
                let mut child = match cmd.spawn() {
                    Ok(child) => child,
                    Err(e) => {
                        let _ = pid_tx.send(Err(e));
                        return;
                    }
                };
                let _ = pid_tx.send(Ok(child.id()));
                let description = match child.wait() {
                    Ok(status) => status.to_string(),
                    Err(e) => format!("waiting for it failed: {e}"),
                };
                thread_exit.set(description);
            })
            .context("spawning the supervisor thread")?;
        // fork+exec takes milliseconds; blocking here briefly is fine at start-up.
        let pid = pid_rx
            .recv()
            .map_err(|_| anyhow!("the supervisor thread exited without starting the server"))?
            .with_context(|| format!("spawning {}", program.display()))?;
        Ok(ServerProcess {
            pid: pid as libc::pid_t,
            exit,
            thread: Some(thread),
        })
    }

    /// SIGINT (fast), then SIGQUIT (immediate), then SIGKILL, each bounded. Blocking.
    pub(super) fn shut_down(mut self, fast_timeout: Duration) -> anyhow::Result<()> {
        let steps = [
            (libc::SIGINT, fast_timeout, "fast shutdown (SIGINT)"),
            (
                libc::SIGQUIT,
                ESCALATION_TIMEOUT,
                "immediate shutdown (SIGQUIT)",
            ),
            (libc::SIGKILL, ESCALATION_TIMEOUT, "SIGKILL"),
        ];
        let mut exited = self.exit.get().is_some();
        for (i, (signal, timeout, what)) in steps.iter().enumerate() {
            if exited {
                break;
            }
            if i > 0 {
                tracing::warn!(
                    pid = self.pid,
                    "embedded PostgreSQL did not stop in time; escalating to {what}"
                );
            }
            // The supervisor thread reaps the child only after it exits, and we checked that it
            // has not, so the PID still names our postmaster (modulo a sub-millisecond race).
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(self.pid, *signal) };
            exited = self.exit.wait(*timeout);
        }
        if !exited {
            bail!(
                "the embedded PostgreSQL server (pid {}) did not exit even after SIGKILL",
                self.pid
            );
        }
        if let Some(thread) = self.thread.take() {
            // Returns promptly: the thread's last act was recording the exit.
            let _ = thread.join();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_dir_list_entries_are_quoted_when_needed() {
        assert_eq!(quote_dir_list_entry(Path::new("/a/b")), "/a/b");
        assert_eq!(quote_dir_list_entry(Path::new("/a,b")), "\"/a,b\"");
    }
}
