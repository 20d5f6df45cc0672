//! Callback rows: register or replace, read, list, delete.
//!
//! Registering, replacing or deleting a callback tells delivery loops (`taskshed_callback`,
//! see [`super::notify`]) in the same statement, so they drop their cached copy.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgPool;

use super::notify::{callback_cte, evaluate};
use crate::domain::callback::NewCallback;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CallbackRow {
    pub name: String,
    pub url: String,
    pub timeout_us: i64,
    pub headers: Json<std::collections::BTreeMap<String, String>>,
    pub max_attempts: i32,
    pub initial_backoff_us: i64,
    pub max_backoff_us: i64,
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const CALLBACK_COLUMNS: &str = "name, url, timeout_us, headers, max_attempts, \
     initial_backoff_us, max_backoff_us, secret, created_at, updated_at";

/// Registers or replaces a callback; true when it was created.
/// `generated_secret` is used for a new callback registered without a secret; an existing
/// callback re-registered without one keeps its secret, so receivers keep verifying.
pub async fn upsert_callback(
    pool: &PgPool,
    callback: &NewCallback,
    generated_secret: &str,
) -> Result<(CallbackRow, bool), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Upserted {
        #[sqlx(flatten)]
        row: CallbackRow,
        inserted: bool,
    }
    let headers: std::collections::BTreeMap<String, String> =
        callback.headers.iter().cloned().collect();
    let upserted: Upserted = sqlx::query_as(&format!(
        "with upserted as ( \
           insert into callbacks as c (name, url, timeout_us, headers, max_attempts, \
             initial_backoff_us, max_backoff_us, secret) \
           values ($1, $2, $3, $4, $5, $6, $7, coalesce($8, $9)) \
           on conflict (name) do update set url = excluded.url, \
             timeout_us = excluded.timeout_us, \
             headers = excluded.headers, max_attempts = excluded.max_attempts, \
             initial_backoff_us = excluded.initial_backoff_us, \
             max_backoff_us = excluded.max_backoff_us, secret = coalesce($8, c.secret), \
             updated_at = now() \
           returning {CALLBACK_COLUMNS}, (xmax = 0) as inserted \
         ), {} \
         select upserted.*, {} as notified from upserted",
        callback_cte("$1", "true"),
        evaluate(&["announce"]),
    ))
    .bind(callback.name.as_str())
    .bind(&callback.url)
    .bind(callback.timeout.as_micros())
    .bind(Json(headers))
    .bind(callback.retry.max_attempts)
    .bind(callback.retry.initial_backoff.as_micros())
    .bind(callback.retry.max_backoff.as_micros())
    .bind(callback.secret.as_deref())
    .bind(generated_secret)
    .fetch_one(pool)
    .await?;
    Ok((upserted.row, upserted.inserted))
}

pub async fn get_callback(pool: &PgPool, name: &str) -> Result<Option<CallbackRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {CALLBACK_COLUMNS} from callbacks where name = $1"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await
}

/// One page in name order after `after`, and whether more follow.
pub async fn list_callbacks(
    pool: &PgPool,
    after: Option<&str>,
    limit: i64,
) -> Result<(Vec<CallbackRow>, bool), sqlx::Error> {
    let mut rows: Vec<CallbackRow> = sqlx::query_as(&format!(
        "select {CALLBACK_COLUMNS} from callbacks \
         where $1::text is null or name > $1 order by name limit $2"
    ))
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// What deleting a callback did.
pub enum DeleteCallback {
    Deleted,
    InUse(i64),
    NotFound,
}

/// Deletes a callback unless unfinished tasks still name it.
pub async fn delete_callback(pool: &PgPool, name: &str) -> Result<DeleteCallback, sqlx::Error> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "with users as ( \
               select count(*) as n from tasks \
               where callback = $1 and status in ('scheduled', 'running') \
             ), gone as ( \
               delete from callbacks where name = $1 and (select n from users) = 0 \
               returning 1 \
             ), {} \
             select exists (select 1 from gone), (select n from users) + {}",
            callback_cte("$1", "exists (select 1 from gone)"),
            evaluate(&["announce"]),
        )
    });
    let (deleted, in_use): (bool, i64) = sqlx::query_as(SQL.as_str())
        .bind(name)
        .fetch_one(pool)
        .await?;
    Ok(if deleted {
        DeleteCallback::Deleted
    } else if in_use > 0 {
        DeleteCallback::InUse(in_use)
    } else {
        DeleteCallback::NotFound
    })
}
