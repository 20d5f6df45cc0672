//! The `api_keys` table: create, list, revoke, look up by digest, and the batched
//! `last_used_at` write. Keys travel here only as digests; key text never reaches SQL.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::api_key::{KeyDigest, Scope};

/// A key's metadata, as stored (never its text).
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What a request's key resolves to: enough to decide, nothing more.
#[derive(Debug, Clone)]
pub struct LiveKey {
    pub id: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
}

type Row = (
    String,
    String,
    Vec<String>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// Scope names come from a CHECKed column, so an unknown one cannot occur; skipping it
/// (rather than failing) would still only ever take rights away.
fn scopes(names: &[String]) -> Vec<Scope> {
    names.iter().filter_map(|n| n.parse().ok()).collect()
}

fn names(scopes: &[Scope]) -> Vec<String> {
    scopes.iter().map(|s| s.as_str().to_owned()).collect()
}

fn key_row((id, name, scope_names, expires_at, created_at, last_used_at): Row) -> KeyRow {
    KeyRow {
        id,
        name,
        scopes: scopes(&scope_names),
        expires_at,
        created_at,
        last_used_at,
    }
}

/// Inserts a new key.
pub async fn insert_key(
    pool: &PgPool,
    id: &str,
    name: &str,
    digest: &KeyDigest,
    scopes: &[Scope],
    expires_at: Option<DateTime<Utc>>,
) -> Result<KeyRow, sqlx::Error> {
    let row: Row = sqlx::query_as(
        "insert into api_keys (id, name, digest, scopes, expires_at)
         values ($1, $2, $3, $4, $5)
         returning id, name, scopes, expires_at, created_at, last_used_at",
    )
    .bind(id)
    .bind(name)
    .bind(digest.to_hex())
    .bind(names(scopes))
    .bind(expires_at)
    .fetch_one(pool)
    .await?;
    Ok(key_row(row))
}

/// Makes sure the key with `digest` exists, is live and holds `admin` (`--admin-key`).
/// Safe from several instances at once: one statement, keyed on the unique digest.
pub async fn ensure_admin_key(
    pool: &PgPool,
    id: &str,
    digest: &KeyDigest,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into api_keys (id, name, digest, scopes)
         values ($1, 'admin-key', $2, array['admin'])
         on conflict (digest) do update
            set revoked_at = null,
                expires_at = null,
                scopes = case when 'admin' = any(api_keys.scopes) then api_keys.scopes
                              else api_keys.scopes || array['admin'] end",
    )
    .bind(id)
    .bind(digest.to_hex())
    .execute(pool)
    .await?;
    Ok(())
}

/// Unrevoked keys in id order, after `after`; the bool says whether more follow.
pub async fn list_keys(
    pool: &PgPool,
    after: Option<&str>,
    limit: i64,
) -> Result<(Vec<KeyRow>, bool), sqlx::Error> {
    let mut rows: Vec<Row> = sqlx::query_as(
        "select id, name, scopes, expires_at, created_at, last_used_at
           from api_keys
          where revoked_at is null and ($1::text is null or id > $1)
          order by id
          limit $2",
    )
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows.into_iter().map(key_row).collect(), more))
}

/// Revokes a key; false when there is no unrevoked key with that id.
pub async fn revoke_key(pool: &PgPool, id: &str) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("update api_keys set revoked_at = now() where id = $1 and revoked_at is null")
            .bind(id)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// The unrevoked, unexpired key with this digest. Expiry is also returned so a cache can
/// apply it without asking again.
pub async fn find_live_key(
    pool: &PgPool,
    digest: &KeyDigest,
) -> Result<Option<LiveKey>, sqlx::Error> {
    let row: Option<(String, Vec<String>, Option<DateTime<Utc>>)> = sqlx::query_as(
        "select id, scopes, expires_at from api_keys
          where digest = $1 and revoked_at is null
            and (expires_at is null or expires_at > now())",
    )
    .bind(digest.to_hex())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id, scope_names, expires_at)| LiveKey {
        id,
        scopes: scopes(&scope_names),
        expires_at,
    }))
}

/// Whether any key is live: the switch that turns enforcement on (API.md, "When it is
/// enforced").
pub async fn any_live_key(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists (select 1 from api_keys
                         where revoked_at is null
                           and (expires_at is null or expires_at > now()))",
    )
    .fetch_one(pool)
    .await
}

/// Records that these keys were used, in one statement for however many requests.
pub async fn touch_keys(pool: &PgPool, ids: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query("update api_keys set last_used_at = now() where id = any($1)")
        .bind(ids)
        .execute(pool)
        .await?;
    Ok(())
}
