//! The private PostgreSQL server TaskShed runs when no `DATABASE_URL` is configured, and
//! that the test suite uses to get a throwaway database server.
//!
//! This module owns the whole life of that server: finding the PostgreSQL binaries,
//! initialising the cluster once (`<data_dir>/pgdata`), starting `postgres` as a supervised
//! child listening only on a Unix socket, waiting until it accepts connections, making sure
//! the `taskshed` database exists, and stopping it again (fast shutdown) when TaskShed stops.
//!
//! Layout of the data directory:
//! ```text
//! <data_dir>/taskshed.lock   flock held while an EmbeddedPostgres owns this directory
//! <data_dir>/pgdata/         the cluster (initdb output)
//! <data_dir>/socket/         the Unix socket directory (unless the path is too long, see `data_dir`)
//! <data_dir>/postgres.log    the server's stdout/stderr, appended across runs
//! ```
//!
//! It is Unix-only (Unix sockets, uid switching); Linux gets the extra guarantees that need
//! `prctl` and `/proc` (parent-death signal, precise stale-lock detection).
//!
//! The parts, one job each:
//! - `binaries`: finding the PostgreSQL bin directory and asking the server for its version.
//! - `server_user`: the OS user the server runs as (a switch away from root) and chown.
//! - `data_dir`: the data directory, its lock, the cluster (initdb) and the socket directory.
//! - `stale_lock`: what a killed run left behind in `postmaster.pid`, and clearing it.
//! - `process`: the server's arguments, environment, log and supervised process.

mod binaries;
mod data_dir;
mod process;
mod server_user;
mod stale_lock;

pub(crate) use binaries::find_postgres_bindir;

use std::fs::{self, File, OpenOptions};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use tokio::process::Command;

use binaries::{is_executable, missing_binaries_message, server_version};
use data_dir::{
    check_cluster_version, choose_socket_dir, ensure_owned_by, init_cluster, lock_data_dir,
    prepare_data_dir, prepare_private_dir,
};
use process::{log_tail, postmaster_reports_ready, scrub_pg_env, server_args, ServerProcess};
use server_user::ServerUser;
use stale_lock::clear_stale_locks;

/// The superuser role created by initdb and the database TaskShed uses.
const ROLE: &str = "taskshed";
const DATABASE: &str = "taskshed";
/// Only names the socket file (`.s.PGSQL.5432`); nothing listens on TCP.
const PORT: u16 = 5432;
/// OS user the server runs as when TaskShed runs as root (PostgreSQL refuses to run as root).
const SERVER_USER_WHEN_ROOT: &str = "postgres";

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const FAST_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
const DROP_FAST_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// How to run the embedded server.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// Directory TaskShed owns for the server (e.g. `./taskshed-data`); created if missing.
    pub data_dir: PathBuf,
    /// `true` (the service default): fsync and synchronous commit on. `false` (tests): fsync,
    /// synchronous_commit and full_page_writes off — fast, but a machine crash may lose data.
    pub durable: bool,
    /// Extra `-c name=value` server settings, applied last so they override ours.
    pub extra_settings: Vec<(String, String)>,
}

/// A running private PostgreSQL server. Stop it with [`EmbeddedPostgres::stop`]; dropping it
/// also stops it, synchronously and best-effort.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    socket_dir: PathBuf,
    /// Set when the socket directory is our private fallback under /tmp, which we remove on stop.
    socket_dir_is_fallback: bool,
    server: Option<ServerProcess>,
    /// Held (flock) for as long as this value lives: a second TaskShed on the same data
    /// directory fails fast instead of racing initdb or the postmaster lock. The kernel drops
    /// it when the process dies, so a killed TaskShed never leaves it behind.
    _dir_lock: File,
}

impl EmbeddedPostgres {
    /// Finds binaries, initialises the cluster once, starts the server, waits until it accepts
    /// connections, and makes sure database `taskshed` exists.
    pub async fn start(opts: EmbeddedOptions) -> anyhow::Result<EmbeddedPostgres> {
        let bindir = find_postgres_bindir().ok_or_else(|| anyhow!(missing_binaries_message()))?;
        let user = ServerUser::current_or_postgres()?;

        let data_dir = prepare_data_dir(&opts.data_dir, &user)?;
        let dir_lock = lock_data_dir(&data_dir)?;
        let pgdata = data_dir.join("pgdata");

        let server_version = server_version(&bindir).await?;
        if !pgdata.join("PG_VERSION").exists() {
            init_cluster(&bindir, &data_dir, &pgdata, &user, opts.durable).await?;
        } else {
            check_cluster_version(&pgdata, &server_version, &bindir)?;
            ensure_owned_by(&pgdata, &user)?;
        }

        let (socket_dir, socket_dir_is_fallback) = choose_socket_dir(&data_dir);
        prepare_private_dir(&socket_dir, &user)?;

        clear_stale_locks(&pgdata, &socket_dir).await?;

        let log_path = data_dir.join("postgres.log");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&log_path)
            .with_context(|| format!("opening server log {}", log_path.display()))?;
        user.chown(&log_path)?;
        // Only this run's part of the log is worth showing when start-up fails.
        let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);

        let args = server_args(&pgdata, &socket_dir, &opts);
        let server = ServerProcess::spawn(&bindir.join("postgres"), &args, &data_dir, &user, log)
            .context("starting the embedded PostgreSQL server")?;

        let this = EmbeddedPostgres {
            data_dir,
            socket_dir,
            socket_dir_is_fallback,
            server: Some(server),
            _dir_lock: dir_lock,
        };
        // On any failure from here on, dropping `this` stops the half-started server.
        this.wait_ready(&pgdata, &log_path, log_start).await?;
        this.ensure_database(&bindir, DATABASE)
            .await
            .with_context(|| format!("creating database `{DATABASE}`"))?;

        tracing::info!(
            bindir = %bindir.display(),
            data_dir = %this.data_dir.display(),
            socket_dir = %this.socket_dir.display(),
            version = %server_version,
            "embedded PostgreSQL started"
        );
        Ok(this)
    }

    /// A URL sqlx accepts, connecting over the Unix socket to database `taskshed`.
    pub fn database_url(&self) -> String {
        self.database_url_for(DATABASE)
    }

    /// Same server, another database name (tests create one database per test).
    pub fn database_url_for(&self, database: &str) -> String {
        // The explicit port matters: sqlx would otherwise take PGPORT from the environment,
        // and the port selects the socket file name (`.s.PGSQL.<port>`).
        format!(
            "postgres://{ROLE}@localhost:{PORT}/{}?host={}",
            percent_encode(database.as_bytes()),
            percent_encode(self.socket_dir.as_os_str().as_bytes()),
        )
    }

    /// The directory given in [`EmbeddedOptions::data_dir`], made absolute.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The directory holding the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// PID of the postmaster (it leads its own process group).
    pub fn postmaster_pid(&self) -> Option<u32> {
        self.server.as_ref().map(|s| s.pid as u32)
    }

    /// Fast shutdown (SIGINT to the postmaster: active transactions are rolled back, a
    /// shutdown checkpoint is written) and waits for the server to exit. If it does not exit
    /// in time it escalates to SIGQUIT (immediate: crash recovery on next start), then SIGKILL.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let Some(server) = self.server.take() else {
            return Ok(());
        };
        let socket_dir = self.socket_dir.clone();
        let fallback = self.socket_dir_is_fallback;
        // Waiting is a blocking condvar wait; keep it off the async worker threads.
        let outcome = tokio::task::spawn_blocking(move || server.shut_down(FAST_SHUTDOWN_TIMEOUT))
            .await
            .context("joining the shutdown task")?;
        if fallback {
            // Only succeeds once the server removed its socket, i.e. the directory is empty.
            let _ = fs::remove_dir(&socket_dir);
        }
        outcome
    }

    async fn wait_ready(
        &self,
        pgdata: &Path,
        log_path: &Path,
        log_start: u64,
    ) -> anyhow::Result<()> {
        let server = self
            .server
            .as_ref()
            .ok_or_else(|| anyhow!("server not running"))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut interval = Duration::from_millis(10);
        loop {
            if let Some(exit) = server.exit.get() {
                bail!(
                    "the embedded PostgreSQL server exited during start-up ({exit}); \
                     last lines of {}:\n{}",
                    log_path.display(),
                    log_tail(log_path, log_start)
                );
            }
            // The postmaster writes "ready" into line 8 of postmaster.pid once it accepts
            // connections (the same signal `pg_ctl -w` waits for); cheaper than a process per poll.
            if postmaster_reports_ready(pgdata, server.pid) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "the embedded PostgreSQL server did not accept connections within {}s; \
                     last lines of {}:\n{}",
                    READY_TIMEOUT.as_secs(),
                    log_path.display(),
                    log_tail(log_path, log_start)
                );
            }
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(Duration::from_millis(100));
        }
    }

    /// Creates `database` unless it exists, using `psql` from the same bindir over the socket.
    async fn ensure_database(&self, bindir: &Path, database: &str) -> anyhow::Result<()> {
        let exists = self
            .psql(
                bindir,
                &format!(
                    "SELECT 1 FROM pg_database WHERE datname = '{}'",
                    database.replace('\'', "''")
                ),
            )
            .await?;
        if exists.trim() == "1" {
            return Ok(());
        }
        self.psql(
            bindir,
            &format!("CREATE DATABASE \"{}\"", database.replace('"', "\"\"")),
        )
        .await?;
        Ok(())
    }

    async fn psql(&self, bindir: &Path, sql: &str) -> anyhow::Result<String> {
        // Packagers may split client and server binaries; fall back to psql on PATH.
        let local = bindir.join("psql");
        let program = if is_executable(&local) {
            local
        } else {
            PathBuf::from("psql")
        };
        let mut cmd = Command::new(&program);
        cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(&self.socket_dir)
            .args([
                "-p",
                &PORT.to_string(),
                "-U",
                ROLE,
                "-d",
                "postgres",
                "-c",
                sql,
            ])
            .stdin(Stdio::null());
        scrub_pg_env(cmd.as_std_mut());
        let out = cmd
            .output()
            .await
            .with_context(|| format!("running {}", program.display()))?;
        if !out.status.success() {
            bail!(
                "psql failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            if let Err(err) = server.shut_down(DROP_FAST_SHUTDOWN_TIMEOUT) {
                tracing::warn!(error = %err, "stopping the embedded PostgreSQL server on drop");
            }
            if self.socket_dir_is_fallback {
                let _ = fs::remove_dir(&self.socket_dir);
            }
        }
    }
}

fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_percent_encode_socket_dir_and_database() {
        assert_eq!(percent_encode(b"/tmp/a b&c"), "/tmp/a%20b%26c");
        assert_eq!(percent_encode(b"test_db-1"), "test_db-1");
    }
}
