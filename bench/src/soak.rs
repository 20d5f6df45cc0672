//! `soak --minutes N`: steady load for N minutes, with a ledger and the figures that must
//! stay flat (issue 12).
//!
//! One `taskshed` instance (role `all`) with a short `--retention` (default 20 s, so
//! pruning is exercised within the first minute) gets `--soak-rate` tasks per second
//! through the batch API, each due a second after it is created. Every minute the soak
//! samples TaskShed's RSS and the size of `tasks` and `attempts` (rows, bytes, partitions).
//! At the end it stops the load, lets pending tasks finish, and keeps a ledger from what
//! the receiver got: accepted = delivered + pending, and nothing lost.
//!
//! It fails (non-zero exit) if anything is lost, a signature is bad, a table holds more
//! rows at a minute's sample than one retention period of the load produced (with
//! pruning keeping pace it never does; without, rows grow every minute), or the RSS more
//! than doubled from the first minute to the last.

use anyhow::bail;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::time::MissedTickBehavior;

use crate::harness::{memory_mib, Service};
use crate::load::{batch_body, unix_us};
use crate::receiver::SECRET;
use crate::scenarios::Bench;

/// Batches per second of load (each carries rate / 10 tasks).
const BATCHES_PER_SECOND: u32 = 10;
/// How long after its creation each task is due.
const DUE_AFTER_US: i64 = 1_000_000;
/// How long pending tasks get to finish once the load stops.
const DRAIN: Duration = Duration::from_secs(60);

pub struct SoakSettings {
    pub minutes: u64,
    /// Tasks created per second.
    pub rate: usize,
    /// TaskShed's `--retention` for the run.
    pub retention_seconds: u64,
}

/// One reading, taken each minute.
struct Sample {
    seconds: u64,
    accepted: usize,
    receipts: usize,
    rss_mib: f64,
    tasks_rows: i64,
    tasks_mib: f64,
    attempts_rows: i64,
    attempts_mib: f64,
    partitions: i64,
}

impl Bench {
    pub async fn soak(&mut self, settings: &SoakSettings) -> anyhow::Result<()> {
        self.db.reset().await?;
        self.receiver.take();
        self.receiver.take_bad_signatures();
        let service = Service::start(
            &self.db,
            "all",
            &[(
                "TASKSHED_RETENTION",
                format!("PT{}S", settings.retention_seconds),
            )],
            &self.client,
        )
        .await?;
        let response = self
            .client
            .put(format!("{}/v1/callbacks/bench", service.base))
            .json(&json!({"url": self.receiver.url, "secret": SECRET}))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("registering the callback: {}", response.text().await?);
        }
        let url = format!("{}/v1/tasks/batch", service.base);
        let per_batch = (settings.rate / BATCHES_PER_SECOND as usize).max(1);
        let mut accepted = Vec::<bool>::new();
        let mut refused = 0usize;
        let mut samples = vec![self.sample(0, 0, service.pid).await?];
        let started = Instant::now();
        let end = started + Duration::from_secs(settings.minutes * 60);
        let mut next_sample = started + Duration::from_secs(60);
        let mut tick = tokio::time::interval(Duration::from_secs(1) / BATCHES_PER_SECOND);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        while Instant::now() < end {
            tick.tick().await;
            let first = accepted.len();
            let due = unix_us() + DUE_AFTER_US;
            let body = batch_body("s", first, per_batch, |_| due);
            let sent = self
                .client
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            let ok = match sent {
                Ok(response) if response.status().is_success() => true,
                Ok(response) => {
                    if refused == 0 {
                        eprintln!("  batch refused: {}", response.text().await?);
                    }
                    false
                }
                Err(error) => {
                    if refused == 0 {
                        eprintln!("  batch failed: {error}");
                    }
                    false
                }
            };
            refused += usize::from(!ok);
            accepted.extend(std::iter::repeat_n(ok, per_batch));
            if Instant::now() >= next_sample {
                next_sample += Duration::from_secs(60);
                let count = accepted.iter().filter(|a| **a).count();
                let sample = self
                    .sample(started.elapsed().as_secs(), count, service.pid)
                    .await?;
                print_sample(&sample);
                samples.push(sample);
            }
        }

        // Let what is pending finish, then keep the books.
        let drain_until = Instant::now() + DRAIN;
        let mut pending = self.pending().await?;
        while !pending.is_empty() && Instant::now() < drain_until {
            tokio::time::sleep(Duration::from_millis(200)).await;
            pending = self.pending().await?;
        }
        let (rss_end, _) = memory_mib(service.pid);
        service.stop().await?;
        let receipts = self.receiver.take();
        let bad_signatures = self.receiver.take_bad_signatures();
        let mut seen = vec![0u32; accepted.len()];
        for receipt in &receipts {
            if let Some(n) = seen.get_mut(receipt.index as usize) {
                *n += 1;
            }
        }
        let is_pending = |i: usize| pending.contains(&i);
        let total = accepted.iter().filter(|a| **a).count();
        let delivered = (0..accepted.len())
            .filter(|i| accepted[*i] && seen[*i] > 0)
            .count();
        let duplicated: u32 = seen.iter().map(|n| n.saturating_sub(1)).sum();
        let still_pending = (0..accepted.len())
            .filter(|i| accepted[*i] && seen[*i] == 0 && is_pending(*i))
            .count();
        let lost = total - delivered - still_pending;

        println!();
        let load_seconds = settings.minutes as f64 * 60.0;
        println!(
            "soak: {} min, {} tasks/s asked, {:.0}/s accepted, retention {} s",
            settings.minutes,
            settings.rate,
            total as f64 / load_seconds,
            settings.retention_seconds
        );
        println!("| minute | accepted | receipts | RSS MiB | tasks rows | tasks MiB | attempts rows | attempts MiB | partitions |");
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for s in &samples {
            println!(
                "| {:.0} | {} | {} | {:.1} | {} | {:.1} | {} | {:.1} | {} |",
                s.seconds as f64 / 60.0,
                s.accepted,
                s.receipts,
                s.rss_mib,
                s.tasks_rows,
                s.tasks_mib,
                s.attempts_rows,
                s.attempts_mib,
                s.partitions
            );
        }
        println!(
            "ledger: accepted {total} / delivered {delivered} / pending {still_pending} / \
             duplicated {duplicated} / lost {lost} (batches refused: {refused}; \
             bad signatures: {bad_signatures}; RSS at the end {rss_end:.1} MiB)"
        );

        let mut failures = Vec::new();
        if lost > 0 {
            failures.push(format!("{lost} tasks lost"));
        }
        if bad_signatures > 0 {
            failures.push(format!("{bad_signatures} bad signatures"));
        }
        // Flat: from minute 1 on, each table holds at most what one retention period (plus
        // two partitions and ten seconds of slack) of the load produced, at the faster of the
        // minute's and the previous minute's accepted rate — however long the run, and
        // whatever the rate did. Without pruning, rows would grow with every minute's load.
        let retained_seconds = settings.retention_seconds as f64 * 1.25 + 10.0;
        for pair in samples.windows(3) {
            let rate = |a: &Sample, b: &Sample| {
                (b.accepted - a.accepted) as f64 / (b.seconds - a.seconds).max(1) as f64
            };
            let (before, previous, now) = (&pair[0], &pair[1], &pair[2]);
            let bound = rate(before, previous).max(rate(previous, now)) * retained_seconds;
            for (what, rows) in [
                ("attempts rows", now.attempts_rows),
                ("tasks rows", now.tasks_rows),
            ] {
                if rows as f64 > bound {
                    failures.push(format!(
                        "{what} at minute {}: {rows}, more than one retention holds ({bound:.0})",
                        now.seconds / 60
                    ));
                }
            }
        }
        if let (Some(first), Some(last)) = (samples.get(1), samples.last()) {
            if last.rss_mib > first.rss_mib * 2.0 + 32.0 {
                failures.push(format!(
                    "RSS grew from {:.1} to {:.1} MiB",
                    first.rss_mib, last.rss_mib
                ));
            }
        }
        if !failures.is_empty() {
            bail!("soak failed: {}", failures.join("; "));
        }
        Ok(())
    }

    async fn sample(&self, seconds: u64, accepted: usize, pid: u32) -> anyhow::Result<Sample> {
        let (tasks_rows, tasks_bytes, attempts_rows, attempts_bytes, partitions): (
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(
            "select (select count(*) from tasks), pg_total_relation_size('tasks'), \
               (select count(*) from attempts), \
               (select coalesce(sum(pg_total_relation_size(relid)), 0)::int8 \
                  from pg_partition_tree('attempts')), \
               (select count(*) from pg_partition_tree('attempts') where isleaf)",
        )
        .fetch_one(&self.db.admin)
        .await?;
        Ok(Sample {
            seconds,
            accepted,
            receipts: self.receiver.count(),
            rss_mib: memory_mib(pid).0,
            tasks_rows,
            tasks_mib: tasks_bytes as f64 / 1048576.0,
            attempts_rows,
            attempts_mib: attempts_bytes as f64 / 1048576.0,
            partitions,
        })
    }

    /// Indexes of the soak's tasks still `scheduled` or `running`.
    async fn pending(&self) -> anyhow::Result<std::collections::HashSet<usize>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "select task_id from tasks where status in ('scheduled', 'running')",
        )
        .fetch_all(&self.db.admin)
        .await?;
        Ok(ids
            .iter()
            .filter_map(|id| id.strip_prefix('s')?.parse().ok())
            .collect())
    }
}

fn print_sample(s: &Sample) {
    eprintln!(
        "  minute {:.0}: accepted {}, receipts {}, RSS {:.1} MiB, tasks {} rows ({:.1} MiB), \
         attempts {} rows ({:.1} MiB, {} partitions)",
        s.seconds as f64 / 60.0,
        s.accepted,
        s.receipts,
        s.rss_mib,
        s.tasks_rows,
        s.tasks_mib,
        s.attempts_rows,
        s.attempts_mib,
        s.partitions
    );
}
