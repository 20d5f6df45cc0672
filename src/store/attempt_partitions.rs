//! The partitions of `attempts` (migration 0012): read them with their bounds, create the
//! ones ahead, drop the expired ones, clear old rows out of the DEFAULT partition.
//!
//! Which partitions to create or drop is decided by the pure rule in
//! `domain::attempt_partitions`; this module only reads the catalog and runs the DDL.
//! Every instance runs it, so each step runs in one transaction that first takes a
//! transaction-scoped advisory lock, *try*-style: if another instance holds it, that
//! instance is doing the same work and this one skips its turn. Dropping a partition takes
//! an ACCESS EXCLUSIVE lock on `attempts`, which finishes queue behind while it waits for
//! running ones; a short `lock_timeout` bounds that wait (the step gives up and is tried
//! again next round). Creating one is a plain table attached with SHARE UPDATE
//! EXCLUSIVE, which finishes do not conflict with.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{Executor, PgPool, PgTransaction};

use crate::domain::attempt_partitions::{PartitionPolicy, RangePartition, START_GAP};

/// Advisory lock key for partition DDL ("taskpart" in ASCII).
const LOCK_KEY: i64 = 0x7461_736b_7061_7274;
/// How long a DDL step may wait for its table lock before giving up for this round.
const LOCK_TIMEOUT: &str = "1s";

/// What one step did: `None` when another instance held the lock (it does the work).
pub type Done = Option<usize>;

/// A partition of `attempts` as the catalog describes it (both bounds `None`: DEFAULT).
#[derive(sqlx::FromRow)]
struct PartitionRow {
    name: String,
    lower: Option<DateTime<Utc>>,
    upper: Option<DateTime<Utc>>,
}

/// Takes the partition lock for this transaction, if free, and bounds lock waits.
async fn lock(tx: &mut PgTransaction<'static>) -> Result<bool, sqlx::Error> {
    let locked: bool = sqlx::query_scalar("select pg_try_advisory_xact_lock($1)")
        .bind(LOCK_KEY)
        .fetch_one(&mut **tx)
        .await?;
    if locked {
        sqlx::query(&format!("set local lock_timeout = '{LOCK_TIMEOUT}'"))
            .execute(&mut **tx)
            .await?;
    }
    Ok(locked)
}

/// The database clock and the range partitions, read from the catalog. The bounds come
/// back from `pg_get_expr` as `FOR VALUES FROM ('…') TO ('…')` (or `MINVALUE`), rendered
/// and parsed back in the same session, so time zone settings cancel out.
async fn read(
    tx: &mut PgTransaction<'static>,
) -> Result<(DateTime<Utc>, Vec<RangePartition>), sqlx::Error> {
    let rows: Vec<PartitionRow> = sqlx::query_as(
        "select c.relname::text as name, \
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), $$FROM \\('([^']+)'\\)$$))[1]::timestamptz \
             as lower, \
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), $$TO \\('([^']+)'\\)$$))[1]::timestamptz \
             as upper \
         from pg_inherits i join pg_class c on c.oid = i.inhrelid \
         where i.inhparent = 'attempts'::regclass",
    )
    .fetch_all(&mut **tx)
    .await?;
    let now: DateTime<Utc> = sqlx::query_scalar("select clock_timestamp()")
        .fetch_one(&mut **tx)
        .await?;
    let ranges = rows
        .into_iter()
        .filter_map(|row| {
            Some(RangePartition {
                upper: row.upper?,
                lower: row.lower,
                name: row.name,
            })
        })
        .collect();
    Ok((now, ranges))
}

fn literal(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Creates the partitions `policy` wants ahead of the database clock. Each is created as
/// a plain table and attached (SHARE UPDATE EXCLUSIVE on `attempts`, which finishes do not
/// conflict with), not with `CREATE TABLE … PARTITION OF` (ACCESS EXCLUSIVE).
pub async fn create_ahead(pool: &PgPool, policy: PartitionPolicy) -> Result<Done, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if !lock(&mut tx).await? {
        return Ok(None);
    }
    let (now, ranges) = read(&mut tx).await?;
    let wanted = policy.partitions_to_create(now, &ranges);
    for partition in &wanted {
        // Names and bounds are generated (`attempts_YYYYmmdd_HHMMSS_ffffff`, RFC 3339),
        // never user input, so formatting them into DDL is safe.
        let ddl = format!(
            "create table {name} (like attempts including constraints); \
             alter table attempts attach partition {name} \
               for values from ('{lower}') to ('{upper}')",
            name = partition.name,
            lower = literal(partition.lower),
            upper = literal(partition.upper),
        );
        tx.execute(ddl.as_str()).await?;
    }
    // Commit only while every new range still starts well after now (see START_GAP);
    // a transaction that took longer than that gives up and the next round retries.
    if let Some(first) = wanted.first() {
        let now: DateTime<Utc> = sqlx::query_scalar("select clock_timestamp()")
            .fetch_one(&mut *tx)
            .await?;
        let margin = chrono::Duration::from_std(START_GAP / 2).unwrap_or_default();
        if now + margin > first.lower {
            tx.rollback().await?;
            return Ok(Some(0));
        }
    }
    tx.commit().await?;
    Ok(Some(wanted.len()))
}

/// Drops the partitions whose every row is older than the retention: one `DROP TABLE`
/// each, whatever their size.
pub async fn drop_expired(pool: &PgPool, policy: PartitionPolicy) -> Result<Done, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if !lock(&mut tx).await? {
        return Ok(None);
    }
    let (now, ranges) = read(&mut tx).await?;
    let expired = policy.partitions_to_drop(now, &ranges);
    for partition in &expired {
        let ddl = format!("drop table {}", partition.name);
        tx.execute(ddl.as_str()).await?;
    }
    tx.commit().await?;
    Ok(Some(expired.len()))
}

/// Deletes up to `limit` rows older than the retention from the DEFAULT partition (empty
/// unless partitions ran out; see migration 0012).
pub async fn prune_default(
    pool: &PgPool,
    retention_us: i64,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "delete from attempts_default where attempt_id in ( \
           select attempt_id from attempts_default \
           where recorded_at < now() - $1::int8 * interval '1 microsecond' limit $2)",
    )
    .bind(retention_us)
    .bind(limit)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}
