//! The delivery history: one row per attempt, read newest first.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::attempt::RecordedOutcome;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub attempt_id: i64,
    pub task_id: String,
    pub webhook_id: String,
    pub attempt: i32,
    pub scheduled_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub duration_us: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub outcome: RecordedOutcome,
    pub response_prefix: Option<String>,
    pub instance: String,
}

/// A page of a task's attempts, newest first, before the attempt id `before`.
pub async fn list_attempts(
    pool: &PgPool,
    task_id: &str,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<AttemptRow>, bool), sqlx::Error> {
    let mut rows: Vec<AttemptRow> = sqlx::query_as(
        "select attempt_id, task_id, webhook_id, attempt, scheduled_at, started_at, duration_us, \
           status_code, error, outcome, response_prefix, instance \
         from attempts where task_id = $1 and ($2::int8 is null or attempt_id < $2) \
         order by attempt_id desc limit $3",
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
