//! Prometheus metrics, kept in atomics and rendered in the text exposition format.
//!
//! Hand-rolled rather than pulled from a metrics framework: the set is small and fixed,
//! recording is a few relaxed atomic adds on the delivery hot path, and rendering needs one
//! database figure (the due backlog) that is computed at scrape time.

use sqlx::PgPool;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Bucket bounds in seconds for latencies (HTTP handling, delivery round trips).
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Bucket bounds in seconds for lateness (delivery start − `run_at`).
const LATENESS_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 300.0,
];
/// Bucket bounds for claim batch sizes.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0];
/// The backlog gauge counts at most this many rows, so a scrape stays cheap on a huge backlog.
const BACKLOG_COUNT_CAP: i64 = 100_000;

/// A fixed-bucket histogram.
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    /// Records one observation (in the histogram's unit; seconds for times).
    pub fn observe(&self, value: f64) {
        if let Some(i) = self.bounds.iter().position(|bound| value <= *bound) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        self.sum_micros
            .fetch_add((value.max(0.0) * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn observe_duration(&self, duration: Duration) {
        self.observe(duration.as_secs_f64());
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let total = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {total}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {total}");
    }
}

/// Per-route HTTP figures.
struct RouteStats {
    statuses: BTreeMap<u16, u64>,
    latency: Histogram,
}

/// Every metric TaskShed exports.
pub struct Metrics {
    deliveries: [AtomicU64; 4],
    pub delivery_duration: Histogram,
    pub lateness: Histogram,
    pub claim_batch: Histogram,
    in_flight: AtomicI64,
    http: Mutex<BTreeMap<(String, String), RouteStats>>,
}

/// How a delivery attempt ended, as counted.
#[derive(Debug, Clone, Copy)]
pub enum DeliveryOutcome {
    Succeeded = 0,
    Retrying = 1,
    Failed = 2,
    Superseded = 3,
}

const OUTCOME_NAMES: [&str; 4] = ["succeeded", "retrying", "failed", "superseded"];

impl Default for Metrics {
    fn default() -> Self {
        Self {
            deliveries: Default::default(),
            delivery_duration: Histogram::new(LATENCY_BUCKETS),
            lateness: Histogram::new(LATENESS_BUCKETS),
            claim_batch: Histogram::new(BATCH_BUCKETS),
            in_flight: AtomicI64::new(0),
            http: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Metrics {
    pub fn delivery_finished(&self, outcome: DeliveryOutcome) {
        self.deliveries[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn in_flight_add(&self, delta: i64) {
        self.in_flight.fetch_add(delta, Ordering::Relaxed);
    }

    /// Records one HTTP request by method, matched route and status.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut http = self.http.lock().unwrap_or_else(|e| e.into_inner());
        let stats = http
            .entry((method.to_owned(), route.to_owned()))
            .or_insert_with(|| RouteStats {
                statuses: BTreeMap::new(),
                latency: Histogram::new(LATENCY_BUCKETS),
            });
        *stats.statuses.entry(status).or_default() += 1;
        stats.latency.observe_duration(elapsed);
    }

    /// The text exposition, including the due backlog read from the database.
    pub async fn render(&self, pool: &PgPool) -> String {
        let mut out = String::with_capacity(8192);
        out.push_str("# HELP taskshed_deliveries_total Delivery attempts by outcome.\n");
        out.push_str("# TYPE taskshed_deliveries_total counter\n");
        for (name, count) in OUTCOME_NAMES.iter().zip(&self.deliveries) {
            let _ = writeln!(
                out,
                "taskshed_deliveries_total{{outcome=\"{name}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP taskshed_delivery_duration_seconds HTTP round trip of delivery attempts.\n",
        );
        out.push_str("# TYPE taskshed_delivery_duration_seconds histogram\n");
        self.delivery_duration
            .render(&mut out, "taskshed_delivery_duration_seconds", "");
        out.push_str("# HELP taskshed_delivery_lateness_seconds Delivery start minus the occurrence's run_at.\n");
        out.push_str("# TYPE taskshed_delivery_lateness_seconds histogram\n");
        self.lateness
            .render(&mut out, "taskshed_delivery_lateness_seconds", "");
        out.push_str("# HELP taskshed_claim_batch_size Tasks claimed per claim statement.\n");
        out.push_str("# TYPE taskshed_claim_batch_size histogram\n");
        self.claim_batch
            .render(&mut out, "taskshed_claim_batch_size", "");
        out.push_str("# HELP taskshed_deliveries_in_flight Delivery attempts under way now.\n");
        out.push_str("# TYPE taskshed_deliveries_in_flight gauge\n");
        let _ = writeln!(
            out,
            "taskshed_deliveries_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        out.push_str(&format!(
            "# HELP taskshed_backlog_due_tasks Due, unpaused tasks not yet claimed (counted up to {BACKLOG_COUNT_CAP}).\n"
        ));
        out.push_str("# TYPE taskshed_backlog_due_tasks gauge\n");
        match backlog(pool).await {
            Ok(n) => {
                let _ = writeln!(out, "taskshed_backlog_due_tasks {n}");
            }
            Err(error) => tracing::warn!(%error, "could not count the due backlog"),
        }
        self.render_http(&mut out);
        out
    }

    fn render_http(&self, out: &mut String) {
        let http = self.http.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str(
            "# HELP taskshed_http_requests_total API requests by method, route and status.\n",
        );
        out.push_str("# TYPE taskshed_http_requests_total counter\n");
        for ((method, route), stats) in http.iter() {
            for (status, count) in &stats.statuses {
                let _ = writeln!(
                    out,
                    "taskshed_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
                );
            }
        }
        out.push_str(
            "# HELP taskshed_http_request_duration_seconds API request latency by route.\n",
        );
        out.push_str("# TYPE taskshed_http_request_duration_seconds histogram\n");
        for ((method, route), stats) in http.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            stats
                .latency
                .render(out, "taskshed_http_request_duration_seconds", &labels);
        }
    }
}

async fn backlog(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select count(*) from (select 1 from tasks \
         where status = 'scheduled' and not paused and due_at <= now() limit $1) b",
    )
    .bind(BACKLOG_COUNT_CAP)
    .fetch_one(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let h = Histogram::new(&[1.0, 2.0]);
        h.observe(0.5);
        h.observe(1.5);
        h.observe(3.0);
        let mut out = String::new();
        h.render(&mut out, "x", "");
        assert!(out.contains("x_bucket{le=\"1\"} 1"), "{out}");
        assert!(out.contains("x_bucket{le=\"2\"} 2"), "{out}");
        assert!(out.contains("x_bucket{le=\"+Inf\"} 3"), "{out}");
        assert!(out.contains("x_count 3"), "{out}");
    }
}
