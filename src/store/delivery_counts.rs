//! Delivery attempts per minute, by how they ended, for dashboards (the console's
//! overview chart).
//!
//! Counted from the attempts table at each call, like `task_counts`: exact, and no
//! counters to keep in step on the hot path. One statement reads only the window's index
//! entries (`attempts_started_idx`, migration 0011) and fills in the minutes without
//! attempts, so the caller gets every minute of the window, oldest first.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// One minute's recorded attempts, by outcome. `superseded` results (recorded by an
/// instance that had lost its claim) changed nothing and are not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct MinuteCounts {
    /// The minute's start (UTC).
    pub minute: DateTime<Utc>,
    pub succeeded: i64,
    pub failed: i64,
    pub retrying: i64,
}

/// The last `minutes` minutes by the database clock, the current (partial) one last. An
/// attempt counts in the minute it started.
pub async fn deliveries_per_minute(
    pool: &PgPool,
    minutes: i32,
) -> Result<Vec<MinuteCounts>, sqlx::Error> {
    // `date_trunc(…, 'UTC')`: minutes of UTC, whatever the session's time zone (a zone
    // with a historical sub-minute offset would shift every bucket).
    sqlx::query_as(
        "with counts as ( \
           select date_trunc('minute', started_at, 'UTC') as minute, \
             count(*) filter (where outcome = 'succeeded') as succeeded, \
             count(*) filter (where outcome = 'failed') as failed, \
             count(*) filter (where outcome = 'retrying') as retrying \
           from attempts \
           where started_at >= date_trunc('minute', now(), 'UTC') - ($1 - 1) * interval '1 minute' \
           group by 1 \
         ) \
         select m.minute, coalesce(c.succeeded, 0) as succeeded, \
           coalesce(c.failed, 0) as failed, coalesce(c.retrying, 0) as retrying \
         from generate_series( \
           date_trunc('minute', now(), 'UTC') - ($1 - 1) * interval '1 minute', \
           date_trunc('minute', now(), 'UTC'), \
           interval '1 minute') as m(minute) \
         left join counts c on c.minute = m.minute \
         order by m.minute",
    )
    .bind(minutes)
    .fetch_all(pool)
    .await
}
