//! The scenarios of the benchmark issue (S1–S5 and the two ceilings). Each one leaves the
//! database empty of tasks for the next, and stops the `taskshed` process it started.

use anyhow::{bail, Context};
use axum::body::Bytes;
use serde_json::json;
use std::time::{Duration, Instant};

use crate::harness::{memory_mib, CpuSnapshot, Database, Service};
use crate::load::{batch_body, batch_body_with, drive_bodies, drive_for, quantile, unix_us};
use crate::receiver::{distinct, Receiver, SECRET};
use crate::report::Report;
use crate::svg::Series;

/// Scenario sizes: the issue's, or small ones for a smoke run.
pub struct Sizes {
    pub batch_tasks: usize,
    pub batch1_requests: usize,
    pub single_secs: u64,
    pub burndown: usize,
    pub lateness_secs: u64,
    pub idle_tasks: usize,
    pub idle_secs: u64,
    pub ceiling_rows: usize,
    pub receiver_secs: u64,
}

impl Sizes {
    pub fn full() -> Self {
        Sizes {
            batch_tasks: 200_000,
            batch1_requests: 20_000,
            single_secs: 10,
            burndown: 100_000,
            lateness_secs: 30,
            idle_tasks: 1_000_000,
            idle_secs: 60,
            ceiling_rows: 100_000,
            receiver_secs: 5,
        }
    }

    pub fn quick() -> Self {
        Sizes {
            batch_tasks: 20_000,
            batch1_requests: 1_000,
            single_secs: 2,
            burndown: 10_000,
            lateness_secs: 3,
            idle_tasks: 50_000,
            idle_secs: 5,
            ceiling_rows: 10_000,
            receiver_secs: 1,
        }
    }
}

/// Concurrent clients for the batch API.
pub const BATCH_CLIENTS: usize = 4;
/// Concurrent clients for single `POST /v1/tasks` (the issue's figure).
const SINGLE_CLIENTS: usize = 32;
/// Concurrent keep-alive connections hitting the receiver alone.
const RECEIVER_CLIENTS: usize = 64;

pub struct Bench {
    pub db: Database,
    pub receiver: Receiver,
    pub client: reqwest::Client,
    pub sizes: Sizes,
    pub report: Report,
    pub charts: Vec<(String, String)>,
    /// S1 batch-of-1,000 rate, S2 rate and S3 p99 at 1,000/s, kept to relate them to the
    /// ceilings and to the peer measured in the same run.
    pub batch_rate: Option<f64>,
    pub burndown_rate: Option<f64>,
    /// `once`, `interval` or `cron`: what S2's due tasks are (see `--burndown-kind`).
    pub burndown_kind: String,
    pub lateness_p99_1000_us: Option<f64>,
    pub sql_ceiling: Option<f64>,
    pub receiver_ceiling: Option<f64>,
}

fn ms(us: f64) -> String {
    format!("{:.2} ms", us / 1000.0)
}

impl Bench {
    pub fn new(db: Database, receiver: Receiver, sizes: Sizes) -> Bench {
        Bench {
            db,
            receiver,
            client: crate::load::client(),
            sizes,
            report: Report::default(),
            charts: Vec::new(),
            batch_rate: None,
            burndown_rate: None,
            burndown_kind: "once".to_owned(),
            lateness_p99_1000_us: None,
            sql_ceiling: None,
            receiver_ceiling: None,
        }
    }

    pub(crate) async fn start_service(&self, role: &str) -> anyhow::Result<Service> {
        let service = Service::start(&self.db, role, &[], &self.client).await?;
        if role == "worker" {
            // No API routes; the callback was registered by an earlier instance.
            return Ok(service);
        }
        let mut registration = json!({"url": self.receiver.url, "timeout": "PT10S",
            "secret": SECRET, "retry": {"max_attempts": 5}});
        // Default limits unless told otherwise: `BENCH_MAX_CONCURRENCY` sets the callback's
        // `max_concurrency`, to separate what flow control costs from everything else.
        if let Ok(limit) = std::env::var("BENCH_MAX_CONCURRENCY") {
            registration["max_concurrency"] = json!(limit
                .parse::<u32>()
                .context("BENCH_MAX_CONCURRENCY must be a number")?);
        }
        let response = self
            .client
            .put(format!("{}/v1/callbacks/bench", service.base))
            .json(&registration)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("registering the callback: {}", response.text().await?);
        }
        Ok(service)
    }

    async fn reset_statements(&self) -> anyhow::Result<()> {
        sqlx::query("select pg_stat_statements_reset()")
            .execute(&self.db.admin)
            .await?;
        Ok(())
    }

    /// The statements that took the most database time since the last reset:
    /// (start of the text, calls, mean ms, total ms).
    async fn top_statements(&self) -> anyhow::Result<serde_json::Value> {
        let rows: Vec<(String, i64, f64, f64)> = sqlx::query_as(
            "select left(regexp_replace(query, '\\s+', ' ', 'g'), 120), calls::int8, \
               mean_exec_time, total_exec_time \
             from pg_stat_statements where query not ilike '%pg_stat_statements%' \
             order by total_exec_time desc limit 8",
        )
        .fetch_all(&self.db.admin)
        .await?;
        if std::env::var_os("BENCH_SHOW_STATEMENTS").is_some() {
            for r in &rows {
                eprintln!(
                    "    {:>8} calls {:>9.3} ms mean {:>9.1} ms total  {}",
                    r.1, r.2, r.3, r.0
                );
            }
        }
        Ok(serde_json::to_value(rows)?)
    }

    async fn count(&self, sql: &str) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(sql).fetch_one(&self.db.admin).await?)
    }

    /// Inserts tasks through the batch API, 1,000 per request; returns tasks/s.
    async fn load_tasks(
        &self,
        service: &Service,
        prefix: &str,
        n: usize,
        run_at_us: impl Fn(usize) -> i64 + Copy,
    ) -> anyhow::Result<f64> {
        self.load_tasks_with(service, prefix, n, run_at_us, "")
            .await
    }

    /// [`Self::load_tasks`] with `extra` fields on every task (see `batch_body_with`).
    async fn load_tasks_with(
        &self,
        service: &Service,
        prefix: &str,
        n: usize,
        run_at_us: impl Fn(usize) -> i64 + Copy,
        extra: &str,
    ) -> anyhow::Result<f64> {
        let bodies: Vec<Bytes> = (0..n)
            .step_by(1000)
            .map(|first| batch_body_with(prefix, first, 1000.min(n - first), run_at_us, extra))
            .collect();
        let url = format!("{}/v1/tasks/batch", service.base);
        let driven = drive_bodies(&url, bodies, BATCH_CLIENTS).await;
        if driven.errors > 0 {
            bail!("loading tasks failed: {:?}", driven.first_error);
        }
        Ok(n as f64 / driven.elapsed.as_secs_f64())
    }

    /// S1: the batch API at 1, 100 and 1,000 tasks per request, then single POSTs.
    pub async fn insert(&mut self) -> anyhow::Result<()> {
        self.db.reset().await?;
        let service = self.start_service("all").await?;
        let far = unix_us() + 86_400_000_000;
        let url = format!("{}/v1/tasks/batch", service.base);
        let mut details = serde_json::Map::new();
        for size in [1usize, 100, 1000] {
            let requests = if size == 1 {
                self.sizes.batch1_requests
            } else {
                self.sizes.batch_tasks / size
            };
            let body = batch_body("", 0, size, |_| far);
            // Warm connections and plans, then start from an empty table.
            drive_bodies(&url, vec![body.clone(); 20], BATCH_CLIENTS).await;
            self.db.reset().await?;
            let cpu0 = CpuSnapshot::take(service.pid, self.db.postmaster_pid());
            let mut driven = drive_bodies(&url, vec![body; requests], BATCH_CLIENTS).await;
            let cpu = cpu0.cores(&CpuSnapshot::take(service.pid, self.db.postmaster_pid()));
            if driven.errors > 0 {
                bail!("batch insert of {size}: {:?}", driven.first_error);
            }
            let stored = self.count("select count(*) from tasks").await? as usize;
            let rate = (driven.ok() * size) as f64 / driven.elapsed.as_secs_f64();
            let p50 = quantile(&mut driven.latencies_us, 0.5).unwrap_or(0) as f64;
            let p99 = quantile(&mut driven.latencies_us, 0.99).unwrap_or(0) as f64;
            let goal = if size == 1000 {
                "≥ 100,000 tasks/s"
            } else {
                "—"
            };
            self.report.row(
                "S1 insert",
                &format!("batch of {size}, {BATCH_CLIENTS} clients"),
                format!("{rate:.0} tasks/s (req p50 {}, p99 {})", ms(p50), ms(p99)),
                goal,
                (size == 1000).then_some(rate >= 100_000.0),
            );
            if size == 1000 {
                self.batch_rate = Some(rate);
            }
            details.insert(
                format!("batch_{size}"),
                json!({"tasks_per_s": rate, "requests": driven.ok(), "stored": stored,
                       "p50_us": p50, "p99_us": p99, "elapsed_s": driven.elapsed.as_secs_f64(),
                       "cpu_cores": cpu}),
            );
        }
        // Single POSTs from 32 clients, after a one-second warm-up.
        let url = format!("{}/v1/tasks", service.base);
        let body = Bytes::from(
            json!({"callback": "bench", "run_at": crate::load::rfc3339_us(far),
                   "kwargs": {"due_us": far}})
            .to_string(),
        );
        let warm = Duration::from_secs(1);
        drive_for(&url, body.clone(), SINGLE_CLIENTS, warm, Default::default()).await;
        self.db.reset().await?;
        self.reset_statements().await?;
        let cpu0 = CpuSnapshot::take(service.pid, self.db.postmaster_pid());
        let secs = Duration::from_secs(self.sizes.single_secs);
        let mut driven = drive_for(&url, body, SINGLE_CLIENTS, secs, Default::default()).await;
        let cpu = cpu0.cores(&CpuSnapshot::take(service.pid, self.db.postmaster_pid()));
        if driven.errors > 0 {
            bail!("single inserts: {:?}", driven.first_error);
        }
        let statements = self.top_statements().await?;
        let rate = driven.ok() as f64 / driven.elapsed.as_secs_f64();
        let p50 = quantile(&mut driven.latencies_us, 0.5).unwrap_or(0) as f64;
        let p99 = quantile(&mut driven.latencies_us, 0.99).unwrap_or(0) as f64;
        self.report.row(
            "S1 insert",
            &format!("single POST, {SINGLE_CLIENTS} clients"),
            format!("{rate:.0} req/s"),
            "≥ 10,000 req/s",
            Some(rate >= 10_000.0),
        );
        self.report.row(
            "S1 insert",
            "single POST latency p50 / p99",
            format!("{} / {}", ms(p50), ms(p99)),
            "p99 ≤ 20 ms",
            Some(p99 <= 20_000.0),
        );
        details.insert(
            "single".into(),
            json!({"req_per_s": rate, "requests": driven.ok(), "p50_us": p50, "p99_us": p99,
                   "cpu_cores": cpu, "statements": statements}),
        );
        self.report.detail("s1_insert", details.into());
        service.stop().await?;
        self.db.reset().await
    }

    /// S2 (and S5 under load): 100,000 tasks already due, delivered by a fresh instance.
    pub async fn burndown(&mut self) -> anyhow::Result<()> {
        let n = self.sizes.burndown;
        self.db.reset().await?;
        // Load through an API-only instance, so nothing is delivered before the clock starts.
        let api = self.start_service("api").await?;
        let base = unix_us() - 60_000_000 - n as i64;
        // Recurring kinds: a next occurrence a day later (no missed slot, so no misfire),
        // computed by the interval's arithmetic or by the zoned cron search.
        let extra = match self.burndown_kind.as_str() {
            "interval" => r#","run_type":"recurring","interval":"P1D""#,
            "cron" => r#","run_type":"cron","cron":"0 0 * * *","timezone":"America/New_York""#,
            _ => "",
        };
        let kind = self.burndown_kind.clone();
        self.load_tasks_with(&api, "b", n, move |i| base + i as i64, extra)
            .await?;
        api.stop().await?;
        sqlx::query("vacuum analyze tasks")
            .execute(&self.db.admin)
            .await?;
        self.receiver.take();
        self.receiver.take_bad_signatures();

        self.reset_statements().await?;
        let service = self.start_service("worker").await?;
        let started = Instant::now();
        let cpu0 = CpuSnapshot::take(service.pid, self.db.postmaster_pid());
        let mut rss_samples = Vec::new();
        let mut last = (0, Instant::now());
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            rss_samples.push(memory_mib(service.pid).0);
            let count = self.receiver.count();
            if count >= n {
                break;
            }
            if count > last.0 {
                last = (count, Instant::now());
            } else if last.1.elapsed() > Duration::from_secs(30) {
                eprintln!("burn-down stalled at {count} of {n}");
                break;
            }
        }
        let delivered_after = started.elapsed();
        let cpu = cpu0.cores(&CpuSnapshot::take(service.pid, self.db.postmaster_pid()));
        // Results are written back in batches just after delivery. A recurring task that
        // finished its occurrence is `scheduled` again, with `runs` = 1.
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut succeeded = 0;
        while Instant::now() < deadline {
            succeeded = self
                .count("select count(*) from tasks where runs >= 1 and last_error is null")
                .await?;
            if succeeded as usize >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let finished_after = started.elapsed();
        let (rss, hwm) = memory_mib(service.pid);
        let attempts = self.count("select count(*) from attempts").await?;
        let statements = self.top_statements().await?;
        service.stop().await?;

        let receipts = self.receiver.take();
        let bad = self.receiver.take_bad_signatures();
        let (unique, duplicates) = distinct(&receipts, n);
        let first = receipts.iter().map(|r| r.at_ns).min().unwrap_or(0);
        let last_ns = receipts.iter().map(|r| r.at_ns).max().unwrap_or(0);
        let window = (last_ns - first) as f64 / 1e9;
        let rate = receipts.len().saturating_sub(1) as f64 / window.max(1e-9);
        self.burndown_rate = Some(rate);
        // Deliveries per second in 100 ms buckets, for the chart.
        let buckets = (window / 0.1).ceil() as usize + 1;
        let mut per_bucket = vec![0u32; buckets];
        for r in &receipts {
            per_bucket[((r.at_ns - first) as f64 / 1e8) as usize] += 1;
        }
        let points: Vec<(f64, f64)> = per_bucket
            .iter()
            .enumerate()
            .map(|(i, c)| (i as f64 * 0.1, *c as f64 * 10.0))
            .collect();
        let y_max = points.iter().map(|p| p.1).fold(0.0, f64::max) * 1.1;
        self.charts.push((
            "burndown-throughput.svg".into(),
            crate::svg::line_chart(
                &format!("S2 burn-down: {n} due tasks, deliveries per second (100 ms buckets)"),
                "seconds since first receipt",
                "deliveries/s",
                &[Series {
                    name: format!("mean {rate:.0}/s"),
                    points,
                }],
                window.max(0.1),
                y_max.max(1.0),
            ),
        ));
        let peak_rss = rss_samples.iter().copied().fold(0.0, f64::max).max(rss);
        self.report.row(
            "S2 burn-down",
            &format!("{n} due {}tasks, first→last receipt", kind_label(&kind)),
            format!("{rate:.0} deliveries/s ({window:.2} s)"),
            "≥ 15,000/s (10,000 at least)",
            Some(rate >= 15_000.0),
        );
        self.report.row(
            "S2 burn-down",
            "delivered / duplicates / bad signatures / succeeded in DB",
            format!("{unique} / {duplicates} / {bad} / {succeeded}"),
            &format!("{n} / 0 / 0 / {n}"),
            Some(unique == n && duplicates == 0 && bad == 0 && succeeded as usize == n),
        );
        self.report.row(
            "S2 burn-down",
            "CPU, cores (taskshed / PostgreSQL / bench+receiver)",
            format!("{:.2} / {:.2} / {:.2}", cpu.taskshed, cpu.pg_all, cpu.bench),
            "(2 cores)",
            None,
        );
        self.report.row(
            "S5 memory",
            "taskshed peak RSS during S2",
            format!("{hwm:.1} MiB (VmHWM)"),
            "≤ 150 MB",
            Some(hwm * 1.048_576 <= 150.0),
        );
        self.report.detail(
            "s2_burndown",
            json!({"tasks": n, "kind": kind, "receipts": receipts.len(), "unique": unique,
                   "duplicates": duplicates, "bad_signatures": bad, "rate_per_s": rate,
                   "window_s": window, "delivered_after_start_s": delivered_after.as_secs_f64(),
                   "all_finished_after_start_s": finished_after.as_secs_f64(),
                   "succeeded": succeeded, "attempt_rows": attempts, "cpu_cores": cpu,
                   "taskshed_rss_mib": rss, "taskshed_hwm_mib": hwm,
                   "taskshed_peak_sampled_rss_mib": peak_rss, "statements": statements}),
        );
        self.db.reset().await
    }

    /// S3: tasks due at a steady `rate` per second for the scenario's duration.
    pub async fn lateness(&mut self, rate: usize) -> anyhow::Result<Series> {
        let secs = self.sizes.lateness_secs;
        let n = rate * secs as usize;
        self.db.reset().await?;
        let service = self.start_service("all").await?;
        self.receiver.take();
        self.receiver.take_bad_signatures();
        // Enough lead time to finish loading before the first task is due.
        let lead_us = 3_000_000 + (n as i64) * 20;
        let t0 = unix_us() + lead_us;
        let spacing = 1e6 / rate as f64;
        let loaded_at = Instant::now();
        self.load_tasks(&service, "l", n, move |i| t0 + (i as f64 * spacing) as i64)
            .await?;
        let loading = loaded_at.elapsed();
        if unix_us() > t0 {
            eprintln!("warning: loading took {loading:?}, past the first due time");
        }
        while unix_us() < t0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.reset_statements().await?;
        let cpu0 = CpuSnapshot::take(service.pid, self.db.postmaster_pid());
        let end = t0 + secs as i64 * 1_000_000;
        let deadline = end + 10_000_000;
        while unix_us() < deadline {
            if unix_us() > end && self.receiver.count() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let cpu = cpu0.cores(&CpuSnapshot::take(service.pid, self.db.postmaster_pid()));
        let (rss, hwm) = memory_mib(service.pid);
        let statements = self.top_statements().await?;
        // TaskShed's own view: lateness at the start of the attempt (before HTTP), to tell
        // stalls before sending from stalls in the exchange.
        let start_lateness = start_lateness_within(&service.base, &[0.001, 0.003, 0.01]).await;
        service.stop().await?;
        let receipts = self.receiver.take();
        let bad = self.receiver.take_bad_signatures();
        let (unique, duplicates) = distinct(&receipts, n);
        // Worst lateness per second of due time: shows whether the tail is periodic.
        let mut worst_per_second = vec![0i64; secs as usize + 1];
        for r in receipts.iter().filter(|r| r.attempt == 1) {
            let second = ((r.due_us - t0).max(0) / 1_000_000) as usize;
            if let Some(worst) = worst_per_second.get_mut(second) {
                *worst = (*worst).max((r.at_ns - r.due_us * 1000) / 1000);
            }
        }
        let mut late_us: Vec<i64> = receipts
            .iter()
            .filter(|r| r.attempt == 1 && (r.index as usize) < n)
            .map(|r| (r.at_ns - r.due_us * 1000) / 1000)
            .collect();
        let early = late_us.iter().filter(|l| **l < 0).count();
        let p50 = quantile(&mut late_us, 0.5).unwrap_or(0) as f64;
        let p99 = quantile(&mut late_us, 0.99).unwrap_or(0) as f64;
        let p999 = quantile(&mut late_us, 0.999).unwrap_or(0) as f64;
        let max = late_us.last().copied().unwrap_or(0) as f64;
        let min = late_us.first().copied().unwrap_or(0) as f64;
        if rate == 1000 {
            self.lateness_p99_1000_us = Some(p99);
        }
        let (goal, pass) = if rate <= 1000 {
            (
                "p50 ≤ 1 ms, p99 ≤ 3 ms, none early",
                p50 <= 1000.0 && p99 <= 3000.0 && early == 0,
            )
        } else {
            ("p99 ≤ 10 ms, none early", p99 <= 10_000.0 && early == 0)
        };
        self.report.row(
            "S3 lateness",
            &format!("{rate}/s for {secs} s: p50 / p99 / max"),
            format!("{} / {} / {}", ms(p50), ms(p99), ms(max)),
            goal,
            Some(pass),
        );
        self.report.row(
            "S3 lateness",
            &format!("{rate}/s: early / delivered / duplicates"),
            format!("{early} / {unique} of {n} / {duplicates}"),
            &format!("0 / {n} / 0"),
            Some(early == 0 && unique == n && duplicates == 0),
        );
        self.report.detail(
            &format!("s3_lateness_{rate}"),
            json!({"rate": rate, "tasks": n, "unique": unique, "duplicates": duplicates,
                   "bad_signatures": bad, "early": early, "min_us": min, "p50_us": p50,
                   "p99_us": p99, "p999_us": p999, "max_us": max, "cpu_cores": cpu,
                   "loading_s": loading.as_secs_f64(), "taskshed_rss_mib": rss,
                   "taskshed_hwm_mib": hwm, "statements": statements,
                   "start_lateness_fraction_within_1_3_10_ms": start_lateness,
                   "worst_lateness_us_per_second": worst_per_second}),
        );
        // CDF points (lateness in ms, fraction), thinned to at most ~2,000.
        let step = (late_us.len() / 2000).max(1);
        let points = late_us
            .iter()
            .enumerate()
            .step_by(step)
            .map(|(i, l)| (*l as f64 / 1000.0, (i + 1) as f64 / late_us.len() as f64))
            .chain(std::iter::once((max / 1000.0, 1.0)))
            .collect();
        self.db.reset().await?;
        Ok(Series {
            name: format!("{rate}/s: p50 {}, p99 {}", ms(p50), ms(p99)),
            points,
        })
    }

    /// S4 and S5 idle: a million tasks due in hours, a fresh instance left alone.
    pub async fn idle(&mut self) -> anyhow::Result<()> {
        let n = self.sizes.idle_tasks;
        self.db.reset().await?;
        let service = self.start_service("all").await?;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let (empty_rss, empty_hwm) = memory_mib(service.pid);
        let later = unix_us() + 3 * 3_600_000_000;
        let load_rate = self
            .load_tasks(&service, "", n, move |i| later + i as i64 * 10)
            .await?;
        service.stop().await?;
        sqlx::query("vacuum analyze tasks")
            .execute(&self.db.admin)
            .await?;
        sqlx::query("checkpoint").execute(&self.db.admin).await?;

        let service = self.start_service("all").await?;
        tokio::time::sleep(Duration::from_secs(5)).await;
        sqlx::query("select pg_stat_statements_reset()")
            .execute(&self.db.admin)
            .await?;
        let cpu0 = CpuSnapshot::take(service.pid, self.db.postmaster_pid());
        tokio::time::sleep(Duration::from_secs(self.sizes.idle_secs)).await;
        let cpu1 = CpuSnapshot::take(service.pid, self.db.postmaster_pid());
        let cpu = cpu0.cores(&cpu1);
        let wall = (cpu1.at - cpu0.at).as_secs_f64();
        let statements: Vec<(String, i64)> = sqlx::query_as(
            "select left(regexp_replace(query, '\\s+', ' ', 'g'), 90), calls::int8 \
             from pg_stat_statements \
             where query not ilike '%pg_stat_statements%' order by calls desc",
        )
        .fetch_all(&self.db.admin)
        .await?;
        let calls: i64 = statements.iter().map(|s| s.1).sum();
        let qps = calls as f64 / wall;
        let (rss, hwm) = memory_mib(service.pid);
        service.stop().await?;
        self.report.row(
            "S1 insert",
            &format!("batch of 1000 into a growing table ({n} rows)"),
            format!("{load_rate:.0} tasks/s"),
            "≥ 100,000 tasks/s",
            Some(load_rate >= 100_000.0),
        );
        self.report.row(
            "S4 idle",
            &format!(
                "{n} tasks due in 3 h, {} s: taskshed CPU",
                self.sizes.idle_secs
            ),
            format!("{:.3}% of a core", cpu.taskshed * 100.0),
            "< 1% of a core",
            Some(cpu.taskshed < 0.01),
        );
        self.report.row(
            "S4 idle",
            "PostgreSQL CPU: its client backends / all its processes",
            format!(
                "{:.3}% / {:.3}% of a core",
                cpu.pg_clients * 100.0,
                cpu.pg_all * 100.0
            ),
            "< 1% of a core",
            Some(cpu.pg_clients < 0.01),
        );
        self.report.row(
            "S4 idle",
            "queries per second (pg_stat_statements)",
            format!("{qps:.2} q/s ({calls} in {wall:.0} s)"),
            "≤ 2 q/s",
            Some(qps <= 2.0),
        );
        self.report.row(
            "S5 memory",
            "taskshed idle RSS: empty / with backlog (peak)",
            format!("{empty_rss:.1} MiB / {rss:.1} MiB (VmHWM {hwm:.1})"),
            "≤ 64 MB, not growing with backlog",
            Some(hwm * 1.048_576 <= 64.0),
        );
        self.report.detail(
            "s4_s5_idle",
            json!({"tasks": n, "load_tasks_per_s": load_rate, "idle_s": wall, "cpu_cores": cpu,
                   "queries": calls, "qps": qps, "statements": statements,
                   "empty_rss_mib": empty_rss, "empty_hwm_mib": empty_hwm,
                   "backlog_rss_mib": rss, "backlog_hwm_mib": hwm}),
        );
        self.db.reset().await
    }

    /// Ceiling (a): the delivery SQL alone — claim batches of 500 feeding a finisher that writes up to 1,000 results per statement, as the
    /// engine does, with at most ~2,000 rows in flight, but no HTTP.
    pub async fn sql_ceiling(&mut self) -> anyhow::Result<()> {
        use taskshed::harness::{
            claim_due, finish_attempts, settle, webhook_id, AttemptOutcome, AttemptRecord, Decision,
        };

        let n = self.sizes.ceiling_rows;
        self.db.reset().await?;
        sqlx::query(
            "insert into tasks (task_id, callback, run_type, run_at, due_at, kwargs) \
             select 'c' || g, 'bench', 'once', now() - interval '1 minute', \
               now() - interval '1 minute', '{\"due_us\":0}'::json \
             from generate_series(0, $1 - 1) g",
        )
        .bind(n as i64)
        .execute(&self.db.admin)
        .await?;
        // The ceiling measures the statements, not flow control: its callback gets the
        // largest `max_concurrency`, so each claim may take a full batch of it (a claim
        // takes at most two rounds of a callback's places). Earlier scenarios of the same
        // run registered `bench` already: this one replaces it.
        sqlx::query(
            "insert into callbacks (name, url, timeout_us, max_attempts, initial_backoff_us, \
               max_backoff_us, secret, max_concurrency) \
             values ('bench', 'http://127.0.0.1:9/', 10000000, 1, 0, 0, 'unused', 10000) \
             on conflict (name) do update set url = excluded.url, \
               timeout_us = excluded.timeout_us, max_attempts = excluded.max_attempts, \
               max_concurrency = excluded.max_concurrency, rate_requests = null, \
               rate_per_us = null, disabled_at = null",
        )
        .execute(&self.db.admin)
        .await?;
        sqlx::query("vacuum analyze tasks")
            .execute(&self.db.admin)
            .await?;
        let pool = taskshed::harness::connect(&self.db.url, 16).await?;
        self.reset_statements().await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<_>>(4);
        let started = Instant::now();
        let claim_pool = pool.clone();
        let claimer = tokio::spawn(async move {
            loop {
                let claim = claim_due(
                    &claim_pool,
                    "bench-ceiling",
                    500,
                    200_000,
                    15_000_000,
                    &[],
                    false,
                )
                .await?;
                if claim.tasks.is_empty() {
                    return anyhow::Ok(());
                }
                if tx.send(claim.tasks).await.is_err() {
                    return Ok(());
                }
            }
        });
        let outcome = AttemptOutcome {
            status: Some(204),
            error: None,
            duration: Duration::from_micros(300),
            response_prefix: None,
            retry_after: None,
            stop: false,
        };
        let mut finished = 0usize;
        while let Some(first) = rx.recv().await {
            let mut tasks = first;
            while tasks.len() < 1000 {
                match rx.try_recv() {
                    Ok(mut more) => tasks.append(&mut more),
                    Err(_) => break,
                }
            }
            let now = chrono::Utc::now();
            let batch: Vec<_> = tasks
                .iter()
                .map(|t| {
                    settle(
                        t,
                        AttemptRecord {
                            webhook_id: webhook_id(&t.occurrence),
                            attempt: t.attempts + 1,
                            started_at: now,
                            outcome: &outcome,
                        },
                        Decision::Succeeded,
                        now,
                    )
                })
                .collect();
            finished += finish_attempts(&pool, "bench-ceiling", &batch).await?.len();
        }
        claimer.await.context("claimer")??;
        let elapsed = started.elapsed().as_secs_f64();
        pool.close().await;
        let statements = self.top_statements().await?;
        let rate = finished as f64 / elapsed;
        self.sql_ceiling = Some(rate);
        self.report.row(
            "Ceiling",
            &format!("claim+finish SQL alone, {n} rows, batches of 500/≤1000"),
            format!("{rate:.0} rows/s ({finished} finished)"),
            "(reference ≈54,000/s)",
            None,
        );
        self.report.detail(
            "ceiling_sql",
            json!({"rows": n, "finished": finished, "elapsed_s": elapsed, "rows_per_s": rate, "statements": statements}),
        );
        self.db.reset().await
    }

    /// Ceiling (b): the receiver alone, under keep-alive POSTs shaped like deliveries.
    pub async fn receiver_ceiling(&mut self) -> anyhow::Result<()> {
        use axum::http::{HeaderMap, HeaderValue};
        let body = br#"{"due_us":0}"#;
        let secret =
            taskshed::harness::SigningSecret::parse(SECRET).map_err(|e| anyhow::anyhow!("{e}"))?;
        let ts = unix_us() / 1_000_000;
        let mut headers = HeaderMap::new();
        let signature = taskshed::harness::sign(&secret, "msg_x", ts, body);
        for (k, v) in [
            ("webhook-id", "msg_x".to_owned()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", signature),
            ("taskshed-task-id", "r".to_owned()),
            ("taskshed-attempt", "1".to_owned()),
        ] {
            headers.insert(k, HeaderValue::from_str(&v)?);
        }
        let secs = Duration::from_secs(self.sizes.receiver_secs);
        let url = self.receiver.url.clone();
        drive_for(
            &url,
            Bytes::from_static(body),
            RECEIVER_CLIENTS,
            Duration::from_millis(500),
            headers.clone(),
        )
        .await;
        self.receiver.take();
        let driven = drive_for(
            &url,
            Bytes::from_static(body),
            RECEIVER_CLIENTS,
            secs,
            headers,
        )
        .await;
        let received = self.receiver.take().len();
        let bad = self.receiver.take_bad_signatures();
        let rate = driven.ok() as f64 / driven.elapsed.as_secs_f64();
        self.receiver_ceiling = Some(rate);
        self.report.row(
            "Ceiling",
            &format!("receiver alone, {RECEIVER_CLIENTS} keep-alive hyper connections in-process"),
            format!("{rate:.0} req/s"),
            "—",
            None,
        );
        self.report.detail(
            "ceiling_receiver",
            json!({"requests": driven.ok(), "received": received, "errors": driven.errors,
                   "bad_signatures": bad, "req_per_s": rate,
                   "elapsed_s": driven.elapsed.as_secs_f64()}),
        );
        Ok(())
    }
}

/// From TaskShed's `/metrics`: the fraction of first attempts that started within each
/// bound (seconds) of their `run_at`. Empty if the scrape fails.
async fn start_lateness_within(base: &str, bounds: &[f64]) -> Vec<f64> {
    let Ok(response) = reqwest::get(format!("{base}/metrics")).await else {
        return Vec::new();
    };
    let text = response.text().await.unwrap_or_default();
    let bucket = |le: &str| -> Option<f64> {
        let prefix = format!("taskshed_delivery_lateness_seconds_bucket{{le=\"{le}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(prefix.as_str()))
            .and_then(|v| v.trim().parse().ok())
    };
    let Some(total) = bucket("+Inf").filter(|t| *t > 0.0) else {
        return Vec::new();
    };
    bounds
        .iter()
        .filter_map(|b| bucket(&b.to_string()).map(|n| n / total))
        .collect()
}

/// `""` for the issue's S2 (once tasks), so its rows keep their name; `"cron "` etc.
fn kind_label(kind: &str) -> String {
    if kind == "once" {
        String::new()
    } else {
        format!("{kind} ")
    }
}
