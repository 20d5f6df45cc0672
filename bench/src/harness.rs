//! The system under test: a durable embedded PostgreSQL (as the tests start it, but with
//! fsync and synchronous commit on), the `taskshed` binary as a child process, and the
//! `/proc` readings (CPU, RSS) taken of both.

use anyhow::{bail, Context};
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use taskshed::harness::{EmbeddedOptions, EmbeddedPostgres};

/// PostgreSQL settings the bench adds to the launcher's own (which set fsync,
/// synchronous_commit and full_page_writes from `durable`).
pub const PG_SETTINGS: &[(&str, &str)] = &[
    ("shared_preload_libraries", "pg_stat_statements"),
    ("shared_buffers", "512MB"),
    ("max_connections", "300"),
    // A million-row load should not be measured through forced checkpoints.
    ("max_wal_size", "4GB"),
];

/// The settings, plus auto_explain of slow statements into postgres.log when
/// `BENCH_AUTO_EXPLAIN_MS` is set (for finding out why a statement is slow).
fn settings() -> Vec<(String, String)> {
    let mut settings: Vec<(String, String)> = PG_SETTINGS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if let Ok(ms) = std::env::var("BENCH_AUTO_EXPLAIN_MS") {
        settings[0].1.push_str(",auto_explain");
        settings.push(("auto_explain.log_min_duration".into(), ms));
        settings.push(("auto_explain.log_analyze".into(), "on".into()));
        settings.push(("auto_explain.log_nested_statements".into(), "on".into()));
    }
    settings
}

pub struct Database {
    pub pg: EmbeddedPostgres,
    pub url: String,
    /// The bench's own small pool: setup, truncation, counters.
    pub admin: PgPool,
    pub dir: PathBuf,
}

impl Database {
    pub async fn start(dir: &Path) -> anyhow::Result<Database> {
        let pg = EmbeddedPostgres::start(EmbeddedOptions {
            data_dir: dir.to_path_buf(),
            durable: true,
            extra_settings: settings(),
        })
        .await
        .context("starting PostgreSQL")?;
        let url = pg.database_url();
        let admin = taskshed::harness::connect(&url, 4).await?;
        taskshed::harness::migrate(&admin).await?;
        sqlx::query("create extension if not exists pg_stat_statements")
            .execute(&admin)
            .await?;
        Ok(Database {
            pg,
            url,
            admin,
            dir: dir.to_path_buf(),
        })
    }

    /// Empties tasks and attempts (callbacks stay), so scenarios don't see each other.
    pub async fn reset(&self) -> anyhow::Result<()> {
        sqlx::query("truncate tasks, attempts")
            .execute(&self.admin)
            .await?;
        Ok(())
    }

    pub async fn settings(&self) -> anyhow::Result<Vec<(String, String)>> {
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "select name, setting, unit from pg_settings where name in ('fsync', \
             'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections', \
             'max_wal_size', 'wal_level', 'shared_preload_libraries', 'server_version') \
             order by name",
        )
        .fetch_all(&self.admin)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(n, s, u)| {
                (
                    n,
                    format!("{s}{}", u.map(|u| format!(" ({u})")).unwrap_or_default()),
                )
            })
            .collect())
    }

    pub fn postmaster_pid(&self) -> u32 {
        self.pg.postmaster_pid().unwrap_or(0)
    }
}

/// A running `taskshed` process.
pub struct Service {
    child: tokio::process::Child,
    pub pid: u32,
    pub base: String,
}

impl Service {
    /// Starts `taskshed` (role `all`, `api` or `worker`) and waits until `/readyz` answers.
    /// Tuning variables (`TASKSHED_MAX_IN_FLIGHT`, …) set in the bench's environment pass
    /// through; `extra` overrides them.
    pub async fn start(
        db: &Database,
        role: &str,
        extra: &[(&str, String)],
        client: &reqwest::Client,
    ) -> anyhow::Result<Service> {
        let binary = std::env::current_exe()?.with_file_name("taskshed");
        if !binary.exists() {
            bail!(
                "{} not found: build it with the bench's profile first \
                 (cargo build --profile dist --workspace)",
                binary.display()
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(db.dir.join("taskshed.log"))?;
        let mut cmd = tokio::process::Command::new(&binary);
        // BENCH_URL_SUFFIX (e.g. `&options=-c%20plan_cache_mode%3Dforce_generic_plan`)
        // lets an experiment change TaskShed's session settings without a rebuild.
        let url = format!(
            "{}{}",
            db.url,
            std::env::var("BENCH_URL_SUFFIX").unwrap_or_default()
        );
        cmd.env("DATABASE_URL", url)
            .env("TASKSHED_LISTEN", format!("127.0.0.1:{port}"))
            .env(
                "TASKSHED_LOG",
                std::env::var("TASKSHED_LOG").unwrap_or("warn".into()),
            )
            .env("TASKSHED_ROLE", role)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        if let Some(key) = crate::load::api_key() {
            cmd.env("TASKSHED_ADMIN_KEY", key);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().unwrap_or(0);
        let service = Service {
            child,
            pid,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = client
                .get(format!("{}/readyz", service.base))
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ready {
                return Ok(service);
            }
            if Instant::now() > deadline {
                bail!(
                    "taskshed did not become ready; see {}",
                    db.dir.join("taskshed.log").display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM and wait for the orderly stop.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
        }
        match tokio::time::timeout(Duration::from_secs(45), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => {
                self.child.kill().await?;
            }
        }
        Ok(())
    }
}

/// Clock ticks per second for `/proc/<pid>/stat` times.
pub fn ticks_per_sec() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// (ppid, utime + stime in ticks) of a process.
fn stat(pid: u32) -> Option<(u32, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, utime + stime))
}

/// CPU seconds used so far by one process.
pub fn cpu_secs(pid: u32) -> f64 {
    stat(pid).map(|(_, t)| t as f64).unwrap_or(0.0) / ticks_per_sec()
}

/// CPU seconds used so far by the postmaster and its children: (all processes, the
/// client backends only — the ones serving connections).
pub fn pg_cpu_secs(postmaster: u32) -> (f64, f64) {
    let mut all = stat(postmaster).map(|(_, t)| t).unwrap_or(0);
    let mut clients = 0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some((ppid, ticks)) = stat(pid) {
                if ppid == postmaster {
                    all += ticks;
                    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                    if String::from_utf8_lossy(&cmdline).contains("[local]") {
                        clients += ticks;
                    }
                }
            }
        }
    }
    let tps = ticks_per_sec();
    (all as f64 / tps, clients as f64 / tps)
}

/// (VmRSS, VmHWM) in MiB.
pub fn memory_mib(pid: u32) -> (f64, f64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A reading of everything's CPU at one instant.
#[derive(Clone, Copy)]
pub struct CpuSnapshot {
    pub at: Instant,
    pub taskshed: f64,
    pub pg_all: f64,
    pub pg_clients: f64,
    pub bench: f64,
}

impl CpuSnapshot {
    pub fn take(taskshed: u32, postmaster: u32) -> Self {
        let (pg_all, pg_clients) = pg_cpu_secs(postmaster);
        CpuSnapshot {
            at: Instant::now(),
            taskshed: cpu_secs(taskshed),
            pg_all,
            pg_clients,
            bench: cpu_secs(std::process::id()),
        }
    }

    /// Cores used in each part between `self` (earlier) and `later`.
    pub fn cores(&self, later: &CpuSnapshot) -> CpuUse {
        let wall = (later.at - self.at).as_secs_f64().max(1e-9);
        CpuUse {
            taskshed: (later.taskshed - self.taskshed) / wall,
            pg_all: (later.pg_all - self.pg_all) / wall,
            pg_clients: (later.pg_clients - self.pg_clients) / wall,
            bench: (later.bench - self.bench) / wall,
        }
    }
}

#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct CpuUse {
    pub taskshed: f64,
    pub pg_all: f64,
    pub pg_clients: f64,
    pub bench: f64,
}
