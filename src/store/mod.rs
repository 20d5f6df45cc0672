//! All SQL lives here, and nothing else does. Functions are named for what they do to the
//! data (`insert_tasks`, `pause_tasks`, `claim_due`), each one statement or one transaction.

pub(crate) mod api_keys;
pub(crate) mod attempts;
pub(crate) mod backlog;
pub(crate) mod callbacks;
pub(crate) mod deliveries;
pub(crate) mod delivery_counts;
pub(crate) mod flow;
pub(crate) mod misfires;
pub(crate) mod notify;
pub(crate) mod task_counts;
pub(crate) mod tasks;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens a connection pool.
pub async fn connect(database_url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    use anyhow::Context;
    let options = PgConnectOptions::from_str(database_url)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?
        .application_name("taskshed");
    PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .context("could not connect to PostgreSQL")
}

/// Applies pending migrations. Safe to run from several instances at once: sqlx takes an
/// advisory lock around them.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    use anyhow::Context;
    MIGRATOR
        .run(pool)
        .await
        .context("applying database migrations failed")
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
