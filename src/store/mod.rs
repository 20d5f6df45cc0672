//! All SQL lives here, and nothing else does. Functions are named for what they do to the
//! data (`insert_tasks`, `pause_tasks`, `claim_due`), each one statement or one transaction.

pub(crate) mod api_keys;
pub(crate) mod attempt_partitions;
pub(crate) mod attempts;
pub(crate) mod backlog;
pub(crate) mod callback_outcomes;
pub(crate) mod callbacks;
pub(crate) mod deliveries;
pub(crate) mod delivery_counts;
pub(crate) mod flow;
pub(crate) mod misfires;
pub(crate) mod notify;
pub(crate) mod places;
pub(crate) mod task_counts;
pub(crate) mod task_selection;
pub(crate) mod tasks;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a request waits for a free connection, including the ping that checks an idle
/// one first: the bound on answering 503 when the database does not answer at all.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a plain connection pool, for the tests and the bench (which query their own
/// databases directly, with statements of their own length); the service opens its pools
/// with [`connect_pools`].
pub async fn connect(database_url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    use anyhow::Context;
    let options = PgConnectOptions::from_str(database_url)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?
        .application_name("taskshed");
    pool_options(max_connections)
        .min_connections(1)
        .connect_with(options)
        .await
        .context("could not connect to PostgreSQL")
}

/// How many connections each pool of a serving process gets, and their statement timeout.
#[derive(Debug, Clone, Copy)]
pub struct PoolSizes {
    /// The API's (`--db-pool-size`).
    pub api: u32,
    /// The delivery engine's (`--db-delivery-pool-size`): claims, results, leases,
    /// housekeeping.
    pub delivery: u32,
    pub statement_timeout: Duration,
}

/// The two pools of a serving process: the API's and the delivery engine's, apart so
/// that neither can take all the connections the other needs (issue 12, problem 6).
pub struct Pools {
    pub api: PgPool,
    pub delivery: PgPool,
}

/// Opens the API pool (connecting once, so a wrong URL fails at start) and the delivery
/// pool (lazily: a `--role api` process never opens it).
pub async fn connect_pools(database_url: &str, sizes: PoolSizes) -> anyhow::Result<Pools> {
    use anyhow::Context;
    let options = session_options(database_url, sizes.statement_timeout)?;
    let api = pool_options(sizes.api)
        .min_connections(1)
        .connect_with(options.clone())
        .await
        .context("could not connect to PostgreSQL")?;
    let delivery = pool_options(sizes.delivery)
        .min_connections(0)
        .connect_lazy_with(options);
    Ok(Pools { api, delivery })
}

fn pool_options(max_connections: u32) -> PgPoolOptions {
    // `test_before_acquire` (sqlx's default) pings an idle connection before handing it
    // out, inside the acquire timeout: a connection gone silent is dropped there, and the
    // caller gets `PoolTimedOut` (503) instead of waiting on it.
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(true)
}

/// Connection settings every TaskShed session starts with (PostgreSQL startup options):
///
/// - `statement_timeout`: no statement runs longer (a stuck one is cancelled, which the
///   API answers as 503 `database_unavailable`);
/// - `idle_in_transaction_session_timeout` (twice that): a session that stops talking in
///   the middle of a transaction (its client froze or vanished) loses it, releasing its
///   row locks, instead of blocking claims of those rows indefinitely;
/// - `tcp_keepalives_idle/interval/count` (30 s, 10 s, 3): the server probes idle TCP
///   sessions and drops one whose client is gone within about a minute. sqlx 0.8 cannot
///   set keepalive on its own side of the socket (`PgConnectOptions` has no libpq-style
///   `keepalives`), so a half-open connection is noticed on our side by deadlines
///   instead: the acquire timeout with its ping, and the delivery engine's client-side
///   statement deadlines (`delivery::db_deadline`). Ignored on Unix sockets.
pub fn session_options(
    database_url: &str,
    statement_timeout: Duration,
) -> anyhow::Result<PgConnectOptions> {
    use anyhow::Context;
    let statement_ms = statement_timeout.as_millis().max(1);
    Ok(PgConnectOptions::from_str(database_url)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?
        .application_name("taskshed")
        .options([
            ("statement_timeout", format!("{statement_ms}ms")),
            (
                "idle_in_transaction_session_timeout",
                format!("{}ms", statement_ms * 2),
            ),
            ("tcp_keepalives_idle", "30".to_owned()),
            ("tcp_keepalives_interval", "10".to_owned()),
            ("tcp_keepalives_count", "3".to_owned()),
        ]))
}

/// Applies pending migrations. Safe to run from several instances at once: sqlx takes an
/// advisory lock around them. They run without the sessions' `statement_timeout`: an index
/// built on a large table may take longer, and must not be cut off half way.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut conn = pool
        .acquire()
        .await
        .context("could not connect to PostgreSQL to migrate")?;
    sqlx::query("set statement_timeout = 0")
        .execute(&mut *conn)
        .await?;
    let applied = MIGRATOR
        .run(&mut *conn)
        .await
        .context("applying database migrations failed");
    match applied {
        // Back to the session's own timeout before the connection returns to the pool.
        Ok(()) => {
            sqlx::query("reset statement_timeout")
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
        Err(error) => {
            let _ = conn.close().await;
            Err(error)
        }
    }
}

/// True when every embedded migration has been applied (for `/readyz`).
pub async fn schema_is_current(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let applied: Option<i64> =
        sqlx::query_scalar("select max(version) from _sqlx_migrations where success")
            .fetch_one(pool)
            .await?;
    Ok(applied.unwrap_or(0) >= latest)
}
