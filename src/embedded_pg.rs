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
//! <data_dir>/socket/         the Unix socket directory (unless the path is too long, see below)
//! <data_dir>/postgres.log    the server's stdout/stderr, appended across runs
//! ```
//!
//! It is Unix-only (Unix sockets, uid switching); Linux gets the extra guarantees that need
//! `prctl` and `/proc` (parent-death signal, precise stale-lock detection).

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use tokio::process::Command;

/// The superuser role created by initdb and the database TaskShed uses.
const ROLE: &str = "taskshed";
const DATABASE: &str = "taskshed";
/// Only names the socket file (`.s.PGSQL.5432`); nothing listens on TCP.
const PORT: u16 = 5432;
/// `sun_path` is 108 bytes on Linux including the terminating NUL (104 on macOS, where the
/// socket name is shorter than this margin anyway).
const MAX_SOCKET_PATH: usize = 107;
/// OS user the server runs as when TaskShed runs as root (PostgreSQL refuses to run as root).
const SERVER_USER_WHEN_ROOT: &str = "postgres";

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const FAST_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
const DROP_FAST_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);
const ESCALATION_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for a postmaster that we know is orphaned (its TaskShed is gone) to die
/// from its parent-death signal, and for backends of a killed postmaster to notice and exit.
const ORPHAN_EXIT_TIMEOUT: Duration = Duration::from_secs(10);

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

/// Finds a PostgreSQL bin directory (containing `initdb` and `postgres`).
///
/// Symlinked binaries (e.g. `/usr/local/bin/postgres -> /usr/lib/postgresql/15/bin/postgres`,
/// or Homebrew's `bin` links into its Cellar) resolve to the real bin directory, where the
/// client programs of the same version (`psql`) live too.
pub fn find_postgres_bindir() -> Option<PathBuf> {
    find_linked_bindir().map(|dir| {
        fs::canonicalize(dir.join("postgres"))
            .ok()
            .and_then(|real| real.parent().map(Path::to_path_buf))
            .filter(|real| is_executable(&real.join("initdb")))
            .unwrap_or(dir)
    })
}

fn find_linked_bindir() -> Option<PathBuf> {
    let has_both =
        |dir: &Path| is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres"));

    if let Some(path) = std::env::var_os("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|d| has_both(d)) {
            return Some(dir);
        }
    }
    // pg_config is often on PATH when the server binaries are not (Debian's client packages).
    if let Ok(out) = StdCommand::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
    {
        if out.status.success() {
            let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if has_both(&dir) {
                return Some(dir);
            }
        }
    }
    let candidates = [
        highest_versioned("/usr/lib/postgresql", "", "bin"),
        Some(PathBuf::from("/usr/local/pgsql/bin")),
        highest_versioned("/opt/homebrew/opt", "postgresql@", "bin"),
        highest_versioned("/usr/local/opt", "postgresql@", "bin"),
        Some(PathBuf::from("/opt/homebrew/bin")),
        Some(PathBuf::from("/usr/local/bin")),
    ];
    candidates.into_iter().flatten().find(|d| has_both(d))
}

/// The one paragraph a user sees when no PostgreSQL is installed.
fn missing_binaries_message() -> String {
    "TaskShed needs PostgreSQL. No DATABASE_URL was given, so it tried to start a private \
     PostgreSQL server of its own, but found no PostgreSQL server binaries (`initdb` and \
     `postgres`) on PATH, via `pg_config --bindir`, in /usr/lib/postgresql/*/bin, \
     /usr/local/pgsql/bin, or Homebrew's directories. Either install PostgreSQL (for example \
     `apt-get install postgresql` on Debian/Ubuntu, `brew install postgresql@16` on macOS), or \
     point TaskShed at an existing server with DATABASE_URL or --database-url \
     (e.g. postgres://user:password@host:5432/taskshed)."
        .to_string()
}

/// Picks `<root>/<prefix><version>/<suffix>` with the highest version (numeric, so 16 > 9.6).
fn highest_versioned(root: &str, prefix: &str, suffix: &str) -> Option<PathBuf> {
    let entries = fs::read_dir(root).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version = parse_version(name.strip_prefix(prefix)?)?;
            Some((version, e.path().join(suffix)))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, path)| path)
}

fn parse_version(s: &str) -> Option<Vec<u64>> {
    s.split('.').map(|p| p.parse().ok()).collect()
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The OS user the server processes run as.
#[derive(Debug, Clone)]
struct ServerUser {
    /// `Some` only when we must switch users (TaskShed runs as root).
    switch_to: Option<(libc::uid_t, libc::gid_t)>,
    uid: libc::uid_t,
    gid: libc::gid_t,
}

impl ServerUser {
    fn current_or_postgres() -> anyhow::Result<ServerUser> {
        // SAFETY: geteuid/getegid cannot fail and have no preconditions.
        let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
        if euid != 0 {
            return Ok(ServerUser {
                switch_to: None,
                uid: euid,
                gid: egid,
            });
        }
        let (uid, gid) = lookup_user(SERVER_USER_WHEN_ROOT)?.ok_or_else(|| {
            anyhow!(
                "TaskShed is running as root, and PostgreSQL refuses to run as root, so the \
                 embedded server runs as the `{SERVER_USER_WHEN_ROOT}` OS user; but no such \
                 user exists. Create it (e.g. `useradd --system --home-dir /var/lib/postgresql \
                 {SERVER_USER_WHEN_ROOT}`), run TaskShed as a non-root user, or set DATABASE_URL \
                 to an existing server."
            )
        })?;
        Ok(ServerUser {
            switch_to: Some((uid, gid)),
            uid,
            gid,
        })
    }

    /// Applies the user switch to a command (std runs setgid/setgroups/setuid in the child).
    fn apply(&self, cmd: &mut StdCommand) {
        if let Some((uid, gid)) = self.switch_to {
            cmd.uid(uid).gid(gid);
        }
    }

    /// Gives `path` to the server user; a no-op when we do not switch users.
    fn chown(&self, path: &Path) -> anyhow::Result<()> {
        if self.switch_to.is_some() {
            std::os::unix::fs::lchown(path, Some(self.uid), Some(self.gid))
                .with_context(|| format!("chown {} to the server user", path.display()))?;
        }
        Ok(())
    }

    /// Whether the server user may traverse (search) `dir`, judged from its mode bits.
    /// std drops supplementary groups when it switches uid, so only the primary gid counts.
    /// (ACLs are not considered; they are rare on the directories in question.)
    fn can_traverse(&self, meta: &fs::Metadata) -> bool {
        let mode = meta.mode();
        if meta.uid() == self.uid {
            mode & 0o100 != 0
        } else if meta.gid() == self.gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    }
}

fn lookup_user(name: &str) -> anyhow::Result<Option<(libc::uid_t, libc::gid_t)>> {
    let cname = CString::new(name).context("user name contains NUL")?;
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: passwd is plain data; getpwnam_r only writes into `pwd` and `buf` (whose length
    // we pass) and sets `result` to null or to `&pwd`.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc)).context(format!("looking up user `{name}`"));
    }
    if result.is_null() {
        return Ok(None);
    }
    Ok(Some((pwd.pw_uid, pwd.pw_gid)))
}

/// Creates the data directory, makes it absolute, and makes sure the server user can use it.
fn prepare_data_dir(requested: &Path, user: &ServerUser) -> anyhow::Result<PathBuf> {
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
fn lock_data_dir(data_dir: &Path) -> anyhow::Result<File> {
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

/// `postgres -V` → "15.4" (the word after "(PostgreSQL)"; Debian appends its own suffix).
async fn server_version(bindir: &Path) -> anyhow::Result<String> {
    let out = Command::new(bindir.join("postgres"))
        .arg("-V")
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| format!("running {}/postgres -V", bindir.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .skip_while(|w| *w != "(PostgreSQL)")
        .nth(1)
        .map(str::to_string)
        .filter(|v| out.status.success() && v.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .ok_or_else(|| anyhow!("unexpected output from postgres -V: {text:?}"))
}

/// Fails clearly when the cluster was created by another major version (the server would
/// refuse with a less helpful message).
fn check_cluster_version(pgdata: &Path, server_version: &str, bindir: &Path) -> anyhow::Result<()> {
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
async fn init_cluster(
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
fn ensure_owned_by(pgdata: &Path, user: &ServerUser) -> anyhow::Result<()> {
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
fn choose_socket_dir(data_dir: &Path) -> (PathBuf, bool) {
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
fn prepare_private_dir(dir: &Path, user: &ServerUser) -> anyhow::Result<()> {
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
async fn clear_stale_locks(pgdata: &Path, socket_dir: &Path) -> anyhow::Result<()> {
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

fn server_args(pgdata: &Path, socket_dir: &Path, opts: &EmbeddedOptions) -> Vec<String> {
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

fn postmaster_reports_ready(pgdata: &Path, pid: libc::pid_t) -> bool {
    let Ok(text) = fs::read_to_string(pgdata.join("postmaster.pid")) else {
        return false;
    };
    let lines: Vec<&str> = text.lines().collect();
    lines.first().map(|l| l.trim()) == Some(pid.to_string().as_str())
        && lines.get(7).map(|l| l.trim()) == Some("ready")
}

/// The last lines of the server log written since `from`.
fn log_tail(path: &Path, from: u64) -> String {
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
fn scrub_pg_env(cmd: &mut StdCommand) {
    for (key, _) in std::env::vars_os() {
        if key.as_bytes().starts_with(b"PG") {
            cmd.env_remove(key);
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

/// How the server process ended, as seen by its supervising thread.
#[derive(Debug, Default)]
struct ExitState {
    exit: Mutex<Option<String>>,
    changed: Condvar,
}

impl ExitState {
    fn set(&self, description: String) {
        let mut guard = self.exit.lock().unwrap_or_else(|e| e.into_inner());
        *guard = Some(description);
        self.changed.notify_all();
    }

    fn get(&self) -> Option<String> {
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
struct ServerProcess {
    pid: libc::pid_t,
    exit: Arc<ExitState>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerProcess {
    fn spawn(
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
    fn shut_down(mut self, fast_timeout: Duration) -> anyhow::Result<()> {
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

    #[test]
    fn urls_percent_encode_socket_dir_and_database() {
        assert_eq!(percent_encode(b"/tmp/a b&c"), "/tmp/a%20b%26c");
        assert_eq!(percent_encode(b"test_db-1"), "test_db-1");
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_version("16").unwrap() > parse_version("9.6").unwrap());
        assert!(parse_version("15").unwrap() > parse_version("9.6").unwrap());
        assert_eq!(parse_version("main"), None);
    }

    #[test]
    fn socket_dir_list_entries_are_quoted_when_needed() {
        assert_eq!(quote_dir_list_entry(Path::new("/a/b")), "/a/b");
        assert_eq!(quote_dir_list_entry(Path::new("/a,b")), "\"/a,b\"");
    }

    #[test]
    fn missing_binaries_message_says_what_to_do() {
        let msg = missing_binaries_message();
        assert!(msg.contains("apt-get install postgresql"));
        assert!(msg.contains("brew install postgresql@16"));
        assert!(msg.contains("DATABASE_URL"));
        assert!(msg.contains("--database-url"));
        assert!(!msg.contains('\n'), "one paragraph");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn pid_one_is_not_a_postmaster_of_some_data_dir() {
        let dir = Path::new("/nonexistent/pgdata");
        assert_eq!(lock_owner(dir, 1), LockOwner::Stale(1));
        assert_eq!(lock_owner(dir, 0), LockOwner::Stale(0));
    }
}
