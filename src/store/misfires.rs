//! The misfire ledger: occurrences of recurring and cron tasks that did not run. Rows are
//! written by the finisher's batched statement ([`super::deliveries::finish_attempts`]),
//! deleted with their task, pruned after the retention; this module reads them.

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::PgPool;

/// One ledger entry as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MisfireRow {
    pub misfire_id: i64,
    pub scheduled_at: DateTime<Utc>,
    pub local: Option<NaiveDateTime>,
    pub reason: String,
    pub recorded_at: DateTime<Utc>,
}

/// One page of a task's misfires, newest first (by id, below `before`), and whether
/// more follow.
pub async fn list_misfires(
    pool: &PgPool,
    task_id: &str,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<MisfireRow>, bool), sqlx::Error> {
    let mut rows: Vec<MisfireRow> = sqlx::query_as(
        "select misfire_id, scheduled_at, local, reason, recorded_at \
         from misfires where task_id = $1 and ($2::int8 is null or misfire_id < $2) \
         order by misfire_id desc limit $3",
    )
    .bind(task_id)
    .bind(before)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}
