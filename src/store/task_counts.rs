//! Counts of tasks by status, for dashboards (the console's overview).
//!
//! One scan of the tasks table per call: exact numbers, no counters to keep in step with
//! every write. A console polls this now and then, not per delivery, so the scan is the
//! cheaper thing to own.

use sqlx::PgPool;

/// How many tasks are in each status, and how many of them are paused.
#[derive(Debug, Default, Clone, Copy)]
pub struct TaskCounts {
    pub scheduled: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub paused: i64,
}

/// Counts all tasks, or those of one callback.
pub async fn count_tasks(pool: &PgPool, callback: Option<&str>) -> Result<TaskCounts, sqlx::Error> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "select status, count(*), count(*) filter (where paused) from tasks \
         where $1::text is null or callback = $1 group by status",
    )
    .bind(callback)
    .fetch_all(pool)
    .await?;
    let mut counts = TaskCounts::default();
    for (status, n, paused) in rows {
        counts.paused += paused;
        match status.as_str() {
            "scheduled" => counts.scheduled = n,
            "running" => counts.running = n,
            "succeeded" => counts.succeeded = n,
            "failed" => counts.failed = n,
            // A status added later is left out rather than miscounted.
            _ => {}
        }
    }
    Ok(counts)
}
