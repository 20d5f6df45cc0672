//! The due backlog: how many tasks are due and waiting for a claim (for `/metrics`).

use sqlx::PgPool;

/// Due, unpaused tasks not yet claimed, counted up to `cap` rows so the count stays cheap
/// on a huge backlog.
pub async fn count_due(pool: &PgPool, cap: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select count(*) from (select 1 from tasks \
         where status = 'scheduled' and not paused and due_at <= now() limit $1) b",
    )
    .bind(cap)
    .fetch_one(pool)
    .await
}
