//! Callback rows: register or replace, read, list, delete, enable.
//!
//! Registering, replacing or deleting a callback tells delivery loops (`taskshed_callback`,
//! see [`super::notify`]) in the same statement, so they drop their cached copy.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgPool;
use std::collections::BTreeMap;

use super::notify::{callback_cte, evaluate};
use crate::domain::callback::{Callback, CallbackUrl, PreviousSecret, Registration, StaticHeaders};
use crate::domain::duration::IsoDuration;
use crate::domain::failure_policy::{FailurePolicy, FailureState};
use crate::domain::flow::{check_max_concurrency, FlowLimits, RateLimit};
use crate::domain::ids::Id;
use crate::domain::retry::RetryPolicy;
use crate::domain::sealed::AtRest;
use crate::domain::secret::SigningSecret;

/// A registered callback and its bookkeeping times.
#[derive(Debug, Clone)]
pub struct StoredCallback {
    pub callback: Callback,
    /// The kwargs contract (JSON Schema text, exactly as registered), if any. Kept out of
    /// [`Callback`]: only task writes use it, never delivery.
    pub kwargs_schema: Option<String>,
    /// `on_failure` and `disable_after`, as registered.
    pub failure: FailurePolicy,
    /// Failure tracking: failing since when, disabled when and why.
    pub failure_state: FailureState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A callback's columns as read; parsed into [`Callback`] before leaving this module.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct CallbackRow {
    pub name: String,
    pub url: String,
    pub timeout_us: i64,
    pub headers: Json<BTreeMap<String, String>>,
    pub max_attempts: i32,
    pub initial_backoff_us: i64,
    pub max_backoff_us: i64,
    pub secret: String,
    /// Set only while the grace period lasts: the select leaves an expired one out.
    pub previous_secret: Option<String>,
    pub previous_expires_at: Option<DateTime<Utc>>,
    pub max_concurrency: i32,
    pub rate_requests: Option<i32>,
    pub rate_per_us: Option<i64>,
}

/// The previous-secret columns as every read selects them: `null` once the grace period is
/// over, by the database clock, so an expired secret never leaves the database.
pub(crate) const PREVIOUS_SECRET_COLUMNS: &str =
    "case when previous_expires_at > now() then previous_secret end as previous_secret, \
     case when previous_expires_at > now() then previous_expires_at end as previous_expires_at";

/// Where a callback's signing secret lives: the associated data it is sealed with, so a
/// sealed value copied into another row or column does not open.
fn secret_place(name: &str) -> String {
    format!("callbacks/{name}/secret")
}

fn previous_secret_place(name: &str) -> String {
    format!("callbacks/{name}/previous_secret")
}

fn header_place(name: &str, header: &str) -> String {
    format!("callbacks/{name}/headers/{header}")
}

/// The static headers as stored: each value in its at-rest form.
fn store_headers(
    at_rest: &AtRest,
    name: &str,
    headers: &StaticHeaders,
) -> BTreeMap<String, String> {
    headers
        .as_slice()
        .iter()
        .map(|(header, value)| {
            (
                header.clone(),
                at_rest.store(value, &header_place(name, header)),
            )
        })
        .collect()
}

impl CallbackRow {
    /// Registration parsed every part before writing it, so a row that does not parse was
    /// edited by hand (or sealed under another key); the reason names the column, never a
    /// value.
    pub(crate) fn into_callback(self, at_rest: &AtRest) -> Result<Callback, String> {
        let name = self.name;
        let mut plain_headers = BTreeMap::new();
        for (header, stored) in self.headers.0 {
            let value = at_rest
                .load(&stored, &header_place(&name, &header))
                .map_err(|e| format!("header {header:?}: {e}"))?;
            plain_headers.insert(header, value);
        }
        let secret = at_rest
            .load(&self.secret, &secret_place(&name))
            .map_err(|e| format!("secret: {e}"))?;
        let previous_secret = match self.previous_secret {
            Some(stored) => Some(
                at_rest
                    .load(&stored, &previous_secret_place(&name))
                    .map_err(|e| format!("previous_secret: {e}"))?,
            ),
            None => None,
        };
        let headers = StaticHeaders::parse(plain_headers).map_err(|refused| {
            let names: Vec<_> = refused.into_iter().map(|(name, _)| name).collect();
            format!("headers {names:?} are not valid static headers")
        })?;
        Ok(Callback {
            name: Id::parse(&name).map_err(|m| format!("name {m}"))?,
            url: CallbackUrl::parse(&self.url).map_err(|m| format!("url {m}"))?,
            timeout: IsoDuration::from_micros(self.timeout_us),
            headers,
            retry: RetryPolicy::from_stored(
                self.max_attempts,
                self.initial_backoff_us,
                self.max_backoff_us,
            )?,
            secret: SigningSecret::parse(&secret).map_err(|e| e.to_string())?,
            previous_secret: match (previous_secret, self.previous_expires_at) {
                (Some(secret), Some(expires_at)) => Some(PreviousSecret {
                    secret: SigningSecret::parse(&secret)
                        .map_err(|e| format!("previous_secret: {e}"))?,
                    expires_at,
                }),
                _ => None,
            },
            flow: FlowLimits {
                max_concurrency: check_max_concurrency(i64::from(self.max_concurrency))
                    .map_err(|m| format!("max_concurrency {m}"))?,
                rate_limit: match (self.rate_requests, self.rate_per_us) {
                    (Some(requests), Some(per_us)) => Some(
                        RateLimit::new(i64::from(requests), IsoDuration::from_micros(per_us))
                            .map_err(|_| "rate_limit is out of bounds".to_owned())?,
                    ),
                    _ => None,
                },
            },
        })
    }
}

/// The columns of a callback row with its times, as every read returns them.
#[derive(sqlx::FromRow)]
struct StoredRow {
    #[sqlx(flatten)]
    row: CallbackRow,
    kwargs_schema: Option<String>,
    on_failure: Option<String>,
    disable_after_us: Option<i64>,
    failing_since: Option<DateTime<Utc>>,
    disabled_at: Option<DateTime<Utc>>,
    disabled_reason: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl StoredRow {
    fn into_stored(self, at_rest: &AtRest) -> Result<StoredCallback, sqlx::Error> {
        let name = self.row.name.clone();
        let callback = self.row.into_callback(at_rest).map_err(|why| {
            sqlx::Error::Decode(format!("stored callback {name:?} does not parse: {why}").into())
        })?;
        let on_failure = self
            .on_failure
            .map(|target| Id::parse(&target))
            .transpose()
            .map_err(|why| {
                sqlx::Error::Decode(format!("stored callback {name:?}: on_failure {why}").into())
            })?;
        Ok(StoredCallback {
            callback,
            kwargs_schema: self.kwargs_schema,
            failure: FailurePolicy {
                on_failure,
                disable_after: self.disable_after_us.map(IsoDuration::from_micros),
            },
            failure_state: FailureState {
                failing_since: self.failing_since,
                disabled_at: self.disabled_at,
                disabled_reason: self.disabled_reason,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Every column but the previous secret's, which [`PREVIOUS_SECRET_COLUMNS`] reads.
const CALLBACK_COLUMNS: &str = "name, url, timeout_us, headers, max_attempts, \
     initial_backoff_us, max_backoff_us, secret, kwargs_schema::text as kwargs_schema, \
     on_failure, disable_after_us, failing_since, disabled_at, disabled_reason, \
     max_concurrency, rate_requests, rate_per_us, created_at, updated_at";

/// Whether a write was refused because `on_failure` names a callback that does not exist
/// (registration), or because another callback still names this one (delete). The
/// statements check both first; the foreign key decides when a concurrent request slipped
/// between the check and the write.
pub fn violates_on_failure_reference(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db)
        if db.constraint() == Some("callbacks_on_failure_fkey"))
}

/// Registers or replaces a callback; true when it was created. Its `callback_flow` row
/// is created with it (claims lock that row for a rate limit's schedule, migration 0013).
/// A secret the caller did not give is used only for a new callback; an existing callback
/// re-registered without one keeps its secret (and a rotated-out one in grace), so
/// receivers keep verifying. A given secret replaces both at once: that is a reset, not a
/// rotation.
pub async fn upsert_callback(
    pool: &PgPool,
    at_rest: &AtRest,
    registration: &Registration,
) -> Result<(StoredCallback, bool), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Upserted {
        #[sqlx(flatten)]
        row: StoredRow,
        inserted: bool,
    }
    let callback = &registration.callback;
    let name = callback.name.as_str();
    let secret = at_rest.store(callback.secret.as_str(), &secret_place(name));
    let upserted: Upserted = sqlx::query_as(&format!(
        "with upserted as ( \
           insert into callbacks as c (name, url, timeout_us, headers, max_attempts, \
             initial_backoff_us, max_backoff_us, secret, kwargs_schema, on_failure, \
             disable_after_us, max_concurrency, rate_requests, rate_per_us) \
           values ($1, $2, $3, $4, $5, $6, $7, coalesce($8, $9), $10::text::json, $11, $12, \
             $13, $14, $15) \
           on conflict (name) do update set url = excluded.url, \
             timeout_us = excluded.timeout_us, \
             headers = excluded.headers, max_attempts = excluded.max_attempts, \
             initial_backoff_us = excluded.initial_backoff_us, \
             max_backoff_us = excluded.max_backoff_us, secret = coalesce($8, c.secret), \
             kwargs_schema = excluded.kwargs_schema, \
             on_failure = excluded.on_failure, disable_after_us = excluded.disable_after_us, \
             max_concurrency = excluded.max_concurrency, \
             rate_requests = excluded.rate_requests, rate_per_us = excluded.rate_per_us, \
             previous_secret = case when $8 is null then c.previous_secret end, \
             previous_expires_at = case when $8 is null then c.previous_expires_at end, \
             updated_at = now() \
           returning {CALLBACK_COLUMNS}, {PREVIOUS_SECRET_COLUMNS}, (xmax = 0) as inserted \
         ), flow_row as ( \
           insert into callback_flow (name) select name from upserted \
           on conflict (name) do nothing \
         ), {} \
         select upserted.*, {} as notified from upserted",
        callback_cte("$1", "true"),
        evaluate(&["announce"]),
    ))
    .bind(callback.name.as_str())
    .bind(callback.url.as_str())
    .bind(callback.timeout.as_micros())
    .bind(Json(store_headers(at_rest, name, &callback.headers)))
    .bind(i32::try_from(callback.retry.max_attempts).unwrap_or(i32::MAX))
    .bind(callback.retry.initial_backoff_iso().as_micros())
    .bind(callback.retry.max_backoff_iso().as_micros())
    .bind(registration.secret_given.then_some(&secret))
    .bind(&secret)
    .bind(registration.kwargs_schema.as_deref())
    .bind(registration.failure.on_failure.as_ref().map(Id::as_str))
    .bind(
        registration
            .failure
            .disable_after
            .map(IsoDuration::as_micros),
    )
    .bind(callback.flow.max_concurrency as i32)
    .bind(callback.flow.rate_limit.map(|r| r.requests as i32))
    .bind(callback.flow.rate_limit.map(|r| r.per.as_micros()))
    .fetch_one(pool)
    .await?;
    Ok((upserted.row.into_stored(at_rest)?, upserted.inserted))
}

pub async fn get_callback(
    pool: &PgPool,
    at_rest: &AtRest,
    name: &str,
) -> Result<Option<StoredCallback>, sqlx::Error> {
    let row: Option<StoredRow> = sqlx::query_as(&format!(
        "select {CALLBACK_COLUMNS}, {PREVIOUS_SECRET_COLUMNS} from callbacks where name = $1"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await?;
    row.map(|row| row.into_stored(at_rest)).transpose()
}

/// One page in name order after `after`, and whether more follow.
pub async fn list_callbacks(
    pool: &PgPool,
    at_rest: &AtRest,
    after: Option<&str>,
    limit: i64,
) -> Result<(Vec<StoredCallback>, bool), sqlx::Error> {
    let mut rows: Vec<StoredRow> = sqlx::query_as(&format!(
        "select {CALLBACK_COLUMNS}, {PREVIOUS_SECRET_COLUMNS} from callbacks \
         where $1::text is null or name > $1 order by name limit $2"
    ))
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let callbacks = rows
        .into_iter()
        .map(|row| row.into_stored(at_rest))
        .collect::<Result<_, _>>()?;
    Ok((callbacks, more))
}

/// Makes `secret` the callback's signing secret and keeps the one it replaces for `grace`
/// (by the database clock); `None` if there is no such callback. Returns when the previous
/// secret stops signing. A secret still in grace from an earlier rotation is dropped:
/// receivers are told of one pending change at a time.
pub async fn rotate_secret(
    pool: &PgPool,
    at_rest: &AtRest,
    name: &str,
    secret: &SigningSecret,
    grace: IsoDuration,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "with rotated as ( \
               update callbacks set previous_secret = $3, \
                 previous_expires_at = now() + $4::int8 * interval '1 microsecond', \
                 secret = $2, updated_at = now() \
               where name = $1 \
               returning previous_expires_at \
             ), {} \
             select previous_expires_at, {} as notified from rotated",
            callback_cte("$1", "exists (select 1 from rotated)"),
            evaluate(&["announce"]),
        )
    });
    // The current secret moves to another column, whose associated data differs: it is
    // opened and sealed again, under a row lock so a concurrent rotation cannot interleave.
    let mut tx = pool.begin().await?;
    let current: Option<String> =
        sqlx::query_scalar("select secret from callbacks where name = $1 for update")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(current) = current else {
        return Ok(None);
    };
    let current = at_rest.load(&current, &secret_place(name)).map_err(|e| {
        sqlx::Error::Decode(format!("stored callback {name:?}: secret: {e}").into())
    })?;
    let row: Option<(DateTime<Utc>, i64)> = sqlx::query_as(SQL.as_str())
        .bind(name)
        .bind(at_rest.store(secret.as_str(), &secret_place(name)))
        .bind(at_rest.store(&current, &previous_secret_place(name)))
        .bind(grace.as_micros())
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(row.map(|(expires_at, _)| expires_at))
}

/// `taskshed rekey`, one batch: re-seals the secrets and header values of up to `limit`
/// callbacks after `after` (name order) from `from` to `to`, in one transaction with the
/// rows locked. Returns the last name seen (`None` when no rows are left) and how many
/// rows changed. Values already under `to` stay as they are, so a rerun is harmless.
pub async fn reseal_batch(
    pool: &PgPool,
    from: &AtRest,
    to: &AtRest,
    after: Option<&str>,
    limit: i64,
) -> Result<(Option<String>, usize), anyhow::Error> {
    #[derive(sqlx::FromRow)]
    struct Sealed {
        name: String,
        secret: String,
        previous_secret: Option<String>,
        headers: Json<BTreeMap<String, String>>,
    }
    let mut tx = pool.begin().await?;
    let rows: Vec<Sealed> = sqlx::query_as(
        "select name, secret, previous_secret, headers from callbacks \
         where $1::text is null or name > $1 order by name limit $2 for update",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let last = rows.last().map(|row| row.name.clone());
    let mut changed = 0;
    for row in rows {
        let name = &row.name;
        let reseal = |stored: &str, place: String| {
            from.reseal(to, stored, &place)
                .map_err(|e| anyhow::anyhow!("callback {name:?}, {place}: {e}"))
        };
        let secret = reseal(&row.secret, secret_place(name))?;
        let previous = match &row.previous_secret {
            Some(stored) => Some(reseal(stored, previous_secret_place(name))?),
            None => None,
        };
        let mut headers = BTreeMap::new();
        for (header, stored) in &row.headers.0 {
            headers.insert(header.clone(), reseal(stored, header_place(name, header))?);
        }
        if secret == row.secret && previous == row.previous_secret && headers == row.headers.0 {
            continue;
        }
        sqlx::query(
            "update callbacks set secret = $2, previous_secret = $3, headers = $4 \
             where name = $1",
        )
        .bind(name)
        .bind(&secret)
        .bind(&previous)
        .bind(Json(&headers))
        .execute(&mut *tx)
        .await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok((last, changed))
}

/// The callbacks among `names` that are registered, each with its kwargs schema text (if
/// any): one statement for every task of a create, which learns from it both which
/// callbacks are unknown and what to validate against.
pub async fn callback_schemas(
    pool: &PgPool,
    names: &[String],
) -> Result<Vec<(String, Option<String>)>, sqlx::Error> {
    sqlx::query_as("select name, kwargs_schema::text from callbacks where name = any($1::text[])")
        .bind(names)
        .fetch_all(pool)
        .await
}

/// What deleting a callback did.
pub enum DeleteCallback {
    Deleted,
    InUse(i64),
    /// Other callbacks name it as their `on_failure` (these, in name order).
    NamedByOthers(Vec<String>),
    NotFound,
}

/// Deletes a callback unless unfinished tasks still name it, or other callbacks send their
/// failure notifications to it: deleting it would leave their notifications with nowhere
/// to go, so the caller re-points or clears their `on_failure` first.
pub async fn delete_callback(pool: &PgPool, name: &str) -> Result<DeleteCallback, sqlx::Error> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "with users as ( \
               select count(*) as n from tasks \
               where callback = $1 and status in ('scheduled', 'running') \
             ), referrers as ( \
               select coalesce(array_agg(name order by name), '{{}}') as names from callbacks \
               where on_failure = $1 \
             ), gone as ( \
               delete from callbacks where name = $1 and (select n from users) = 0 \
                 and cardinality((select names from referrers)) = 0 \
               returning 1 \
             ), {} \
             select exists (select 1 from gone), (select n from users) + {}, \
               (select names from referrers)",
            callback_cte("$1", "exists (select 1 from gone)"),
            evaluate(&["announce"]),
        )
    });
    let (deleted, in_use, referrers): (bool, i64, Vec<String>) = sqlx::query_as(SQL.as_str())
        .bind(name)
        .fetch_one(pool)
        .await?;
    Ok(if deleted {
        DeleteCallback::Deleted
    } else if in_use > 0 {
        DeleteCallback::InUse(in_use)
    } else if !referrers.is_empty() {
        DeleteCallback::NamedByOthers(referrers)
    } else {
        DeleteCallback::NotFound
    })
}

/// `POST /v1/callbacks/{name}/enable`: clears `disabled_at`, `disabled_reason` and
/// `failing_since` (a fresh `disable_after` window starts with the next failure), and wakes
/// the delivery loops if the callback has tasks waiting, so they are claimed at once
/// rather than at the next safety poll. `None` if there is no such callback.
pub async fn enable_callback(
    pool: &PgPool,
    at_rest: &AtRest,
    name: &str,
) -> Result<Option<StoredCallback>, sqlx::Error> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "with enabled as ( \
               update callbacks set disabled_at = null, disabled_reason = null, \
                 failing_since = null \
               where name = $1 \
               returning {CALLBACK_COLUMNS}, {PREVIOUS_SECRET_COLUMNS} \
             ), waiting as ( \
               select min(due_at) as due_at from tasks \
               where callback = $1 and status = 'scheduled' and not paused \
                 and exists (select 1 from enabled) \
             ), {} \
             select enabled.*, {} as woken from enabled",
            super::notify::wake_cte("waiting", "due_at is not null"),
            evaluate(&["wake"]),
        )
    });
    #[derive(sqlx::FromRow)]
    struct Enabled {
        #[sqlx(flatten)]
        row: StoredRow,
    }
    let row: Option<Enabled> = sqlx::query_as(SQL.as_str())
        .bind(name)
        .fetch_optional(pool)
        .await?;
    row.map(|enabled| enabled.row.into_stored(at_rest))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> CallbackRow {
        CallbackRow {
            name: "hook".into(),
            url: "https://example.com/hook".into(),
            timeout_us: 10_000_000,
            headers: Json(BTreeMap::from([(
                "authorization".into(),
                "Bearer x".into(),
            )])),
            max_attempts: 8,
            initial_backoff_us: 5_000_000,
            max_backoff_us: 3_600_000_000,
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            previous_secret: None,
            previous_expires_at: None,
            max_concurrency: 100,
            rate_requests: None,
            rate_per_us: None,
        }
    }

    #[test]
    fn a_registered_row_parses() {
        let callback = row().into_callback(&AtRest::Plaintext).expect("valid row");
        assert_eq!(callback.url.as_str(), "https://example.com/hook");
        assert_eq!(callback.retry, RetryPolicy::default());
        assert_eq!(callback.headers.as_slice().len(), 1);
    }

    #[test]
    fn a_hand_edited_row_is_an_error_not_a_default() {
        let broken = [
            CallbackRow {
                url: "not a url".into(),
                ..row()
            },
            CallbackRow {
                secret: "hunter2".into(),
                ..row()
            },
            CallbackRow {
                headers: Json(BTreeMap::from([("keep-alive".into(), "x".into())])),
                ..row()
            },
            CallbackRow {
                max_attempts: 0,
                ..row()
            },
            CallbackRow {
                name: "bad name".into(),
                ..row()
            },
        ];
        for row in broken {
            let why = row
                .into_callback(&AtRest::Plaintext)
                .expect_err("must not parse");
            assert!(!why.contains("hunter2"), "{why}");
        }
    }
}
