//! `insert-schema`: what a callback's `kwargs_schema` costs the S1 batch insert (issue 16:
//! at least 70% of the rate without one).
//!
//! One TaskShed process, two callbacks on the same receiver: `bench-plain` with no schema
//! and `bench-schema` with a 10-property schema (types, bounds, a format-free pattern, an
//! enum, an array, `required`, `additionalProperties: false`). Both get byte-for-byte the
//! same batches of 1,000 tasks except for the callback name, each task with 10-property
//! kwargs that satisfy the schema, so the difference is validation (and nothing else).
//! Runs alternate plain / schema, `PAIRS` times, each from an empty table, because on a
//! shared 2-core machine back-to-back blocks of one kind would measure the neighbours'
//! load; the report gives each pair's ratio and their median. Rates on a loaded machine
//! swing with the neighbours, so it also reports the CPU time TaskShed and PostgreSQL spent
//! per task on each side (CPU time, unlike wall time, barely depends on other processes):
//! what the schema adds per task, and the rate ratio it implies where CPU is the bound.

use anyhow::bail;
use axum::body::Bytes;
use serde_json::json;

use crate::harness::CpuSnapshot;
use crate::load::{drive_bodies, rfc3339_us, unix_us};
use crate::scenarios::{Bench, BATCH_CLIENTS};

/// Plain/schema pairs per round.
const PAIRS: usize = 5;

/// The schema the issue's goal names: 10 properties, each constrained.
fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "required": ["user_id", "email", "name", "plan", "active", "score", "tags", "locale",
                     "count", "due_us"],
        "additionalProperties": false,
        "properties": {
            "user_id": {"type": "integer", "minimum": 1},
            "email": {"type": "string", "maxLength": 254, "pattern": "^[^@]+@[^@]+$"},
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "plan": {"enum": ["free", "pro", "enterprise"]},
            "active": {"type": "boolean"},
            "score": {"type": "number", "minimum": 0, "maximum": 100},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
            "locale": {"type": "string", "pattern": "^[a-z]{2}-[A-Z]{2}$"},
            "count": {"type": "integer", "minimum": 0},
            "due_us": {"type": "integer"}
        }
    })
}

/// A batch of `n` tasks on `callback`, each with kwargs that satisfy [`schema`].
fn batch(callback: &str, n: usize, due_us: i64) -> Bytes {
    let run_at = rfc3339_us(due_us);
    let mut body = String::with_capacity(n * 330 + 64);
    body.push_str(r#"{"replace_existing":true,"tasks":["#);
    for i in 0..n {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"callback":"{callback}","run_at":"{run_at}","kwargs":{{"user_id":{},"email":"user{i}@example.com","name":"User {i}","plan":"pro","active":true,"score":{}.5,"tags":["a","b"],"locale":"en-US","count":{i},"due_us":{due_us}}}}}"#,
            i + 1,
            i % 100,
        ));
    }
    body.push_str("]}");
    Bytes::from(body)
}

impl Bench {
    /// Alternating S1 batch-of-1,000 runs without and with a kwargs schema.
    pub async fn insert_schema(&mut self) -> anyhow::Result<()> {
        self.db.reset().await?;
        let service = self.start_service("all").await?;
        for (name, kwargs_schema) in [("bench-plain", None), ("bench-schema", Some(schema()))] {
            let response = self
                .client
                .put(format!("{}/v1/callbacks/{name}", service.base))
                .json(&json!({"url": self.receiver.url, "kwargs_schema": kwargs_schema}))
                .send()
                .await?;
            if !response.status().is_success() {
                bail!("registering {name}: {}", response.text().await?);
            }
        }
        let url = format!("{}/v1/tasks/batch", service.base);
        let far = unix_us() + 86_400_000_000;
        let requests = self.sizes.batch_tasks / 1000;
        let mut rates: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        // (TaskShed, PostgreSQL) CPU µs per task, per run.
        let mut cpu_us: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
        for pair in 0..PAIRS {
            for (side, callback) in ["bench-plain", "bench-schema"].into_iter().enumerate() {
                let body = batch(callback, 1000, far);
                // Warm connections, plans and (for the schema side) the compiled schema.
                drive_bodies(&url, vec![body.clone(); 5], BATCH_CLIENTS).await;
                self.db.reset().await?;
                let before = CpuSnapshot::take(service.pid, self.db.postmaster_pid());
                let driven = drive_bodies(&url, vec![body; requests], BATCH_CLIENTS).await;
                let after = CpuSnapshot::take(service.pid, self.db.postmaster_pid());
                if driven.errors > 0 {
                    bail!("{callback}: {:?}", driven.first_error);
                }
                let tasks = (driven.ok() * 1000) as f64;
                let rate = tasks / driven.elapsed.as_secs_f64();
                let per_task = |secs: f64| secs * 1e6 / tasks;
                let cpu = (
                    per_task(after.taskshed - before.taskshed),
                    per_task(after.pg_all - before.pg_all),
                );
                eprintln!(
                    "  pair {pair}: {callback} {rate:.0} tasks/s, CPU per task {:.2} µs taskshed + {:.2} µs PostgreSQL",
                    cpu.0, cpu.1
                );
                rates[side].push(rate);
                cpu_us[side].push(cpu);
            }
        }
        service.stop().await?;
        self.db.reset().await?;
        let ratios: Vec<f64> = rates[1]
            .iter()
            .zip(&rates[0])
            .map(|(with, without)| with / without)
            .collect();
        let mut sorted = ratios.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let list = |v: &[f64], digits: usize| {
            v.iter()
                .map(|x| format!("{x:.digits$}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.report.row(
            "S1 insert, kwargs schema",
            &format!("batch of 1000, {BATCH_CLIENTS} clients, without / with a 10-property schema, {PAIRS} alternating pairs"),
            format!(
                "without {} tasks/s; with {} tasks/s; ratios {} (median {median:.2})",
                list(&rates[0], 0),
                list(&rates[1], 0),
                list(&ratios, 2)
            ),
            "with ≥ 70% of without",
            Some(median >= 0.7),
        );
        let median_of = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let cpu = |side: usize, part: fn(&(f64, f64)) -> f64| {
            median_of(cpu_us[side].iter().map(part).collect())
        };
        let (ts0, pg0) = (cpu(0, |c| c.0), cpu(0, |c| c.1));
        let (ts1, pg1) = (cpu(1, |c| c.0), cpu(1, |c| c.1));
        let cpu_ratio = (ts0 + pg0) / (ts1 + pg1);
        self.report.row(
            "S1 insert, kwargs schema",
            "CPU per task, median: TaskShed + PostgreSQL, without / with",
            format!(
                "{ts0:.2} + {pg0:.2} µs / {ts1:.2} + {pg1:.2} µs (schema adds {:.2} µs of TaskShed CPU per task; CPU-bound rate ratio {cpu_ratio:.2})",
                ts1 - ts0
            ),
            "—",
            None,
        );
        self.report.detail(
            "insert_schema",
            json!({"without_tasks_per_s": rates[0], "with_tasks_per_s": rates[1],
                   "ratios": ratios, "median_ratio": median, "tasks_per_run": requests * 1000,
                   "cpu_us_per_task_without": cpu_us[0], "cpu_us_per_task_with": cpu_us[1],
                   "cpu_bound_ratio": cpu_ratio, "schema": schema()}),
        );
        Ok(())
    }
}
