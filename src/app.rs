//! Builds the application (database, router, delivery loop) and runs it until the
//! shutdown token is cancelled.

use anyhow::Context;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Role};
use crate::create_batcher::CreateBatcher;
use crate::delivery::DeliveryConfig;
use crate::domain::limits::Limits;
use crate::domain::sealed::AtRest;

use crate::embedded_pg::{EmbeddedOptions, EmbeddedPostgres};
use crate::http::AppState;
use crate::http_server::ConnectionLimits;
use crate::metrics::Metrics;

/// The database connection pools (the API's, and the delivery engine's own), and the
/// embedded server behind them when there is one.
pub struct Database {
    pub pool: PgPool,
    /// Opened lazily: a process that does not deliver never connects it.
    pub delivery_pool: PgPool,
    pub embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `--database-url`, or starts the embedded PostgreSQL in `--data-dir`.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let (url, embedded) = match &config.database_url {
            Some(url) => (url.clone(), None),
            None => {
                let embedded = EmbeddedPostgres::start(EmbeddedOptions {
                    data_dir: config.data_dir.clone(),
                    durable: config.embedded_durable,
                    extra_settings: Vec::new(),
                })
                .await?;
                (embedded.database_url(), Some(embedded))
            }
        };
        let pools = crate::store::connect_pools(
            &url,
            crate::store::PoolSizes {
                api: config.db_pool_size,
                delivery: config.db_delivery_pool_size,
                statement_timeout: config.db_statement_timeout.as_std(),
            },
        )
        .await?;
        Ok(Self {
            pool: pools.api,
            delivery_pool: pools.delivery,
            embedded,
        })
    }

    /// Closes the pool, then stops the embedded server (if any).
    pub async fn close(self) -> anyhow::Result<()> {
        self.pool.close().await;
        self.delivery_pool.close().await;
        if let Some(embedded) = self.embedded {
            embedded.stop().await?;
        }

        Ok(())
    }
}

/// Application state for a pool, sealing with `--encryption-key` if given (`run` passes
/// the key it resolved, which may come from the embedded default's key file).
pub fn state(config: &Config, pool: PgPool, metrics: Arc<Metrics>) -> AppState {
    let at_rest = AtRest::new(config.encryption_key.as_ref());
    state_with(config, pool, metrics, at_rest)
}

fn state_with(config: &Config, pool: PgPool, metrics: Arc<Metrics>, at_rest: AtRest) -> AppState {
    let schemas = Arc::new(crate::domain::kwargs_schema::SchemaCache::default());
    AppState {
        at_rest,
        creates: CreateBatcher::start(pool.clone(), schemas.clone()),
        schemas,
        metrics,
        max_body_bytes: usize::try_from(config.max_body_bytes).unwrap_or(usize::MAX),
        auth: Arc::new(crate::http::auth::Auth {
            loopback: config.listen.ip().is_loopback(),
            insecure_no_auth: config.insecure_no_auth,
            keys: crate::http::key_cache::KeyCache::start(pool.clone()),
        }),
        pool,
        limits: limits(config),
        egress: Arc::new(config.egress_policy()),
        request_deadline: request_deadline(config),
    }
}

/// The API's request deadline (`http::deadline`): reading the body, getting a connection
/// and running a statement each have their own bound; the deadline is their sum plus
/// slack, so it only cuts off a request stuck on a silent connection.
fn request_deadline(config: &Config) -> std::time::Duration {
    config.read_timeout.as_std()
        + crate::store::ACQUIRE_TIMEOUT
        + config.db_statement_timeout.as_std()
        + DB_DEADLINE_SLACK
}

/// Runs TaskShed until `shutdown` is cancelled: migrations, the HTTP API and, depending on
/// the role, the delivery loop.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    crate::store::migrate(&database.pool).await?;
    check_access(&config, &database.pool).await?;
    let at_rest = AtRest::new(crate::at_rest_key::resolve(&config)?.as_ref());
    let metrics = Arc::new(Metrics::default());
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("could not listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(
        api = %format!("http://{address}/v1"),
        docs = %format!("http://{address}/docs"),
        metrics = %format!("http://{address}/metrics"),
        role = ?config.role,
        egress = %config.egress,
        "TaskShed is up"
    );
    let delivery = if config.role.delivers() {
        Some(crate::delivery::spawn(
            database.delivery_pool.clone(),
            DeliveryConfig {
                at_rest: at_rest.clone(),
                ..delivery_config(&config)
            },
            metrics.clone(),
            shutdown.clone(),
        )?)
    } else {
        None
    };
    let state = state_with(&config, database.pool.clone(), metrics.clone(), at_rest);
    let router = match config.role {
        Role::Worker => crate::http::operations_router(state),
        Role::All | Role::Api => crate::http::router(state),
    };
    crate::http_server::serve(
        listener,
        router,
        ConnectionLimits {
            max_connections: config.max_connections as usize,
            read_timeout: config.read_timeout.as_std(),
        },
        shutdown.clone(),
    )
    .await;
    if let Some(delivery) = delivery {
        delivery.join().await;
    }
    database.close().await
}

/// Start-up rules of API.md "When it is enforced": installs `--admin-key`, then refuses to
/// serve beyond loopback without a key (unless `--insecure-no-auth`), and says so once
/// when auth is off.
async fn check_access(config: &Config, pool: &PgPool) -> anyhow::Result<()> {
    use crate::domain::api_key::ApiKey;
    if let Some(text) = &config.admin_key {
        let key = ApiKey::parse(text).map_err(|e| anyhow::anyhow!("--admin-key: {e}"))?;
        let id = crate::domain::ids::random_uuid_hex();
        crate::store::api_keys::ensure_admin_key(pool, &id, &key.digest())
            .await
            .context("could not install --admin-key")?;
    }
    if crate::store::api_keys::any_live_key(pool).await? {
        tracing::info!("auth is on: API keys exist");
        return Ok(());
    }
    if config.listen.ip().is_loopback() {
        tracing::warn!(
            listen = %config.listen,
            "auth is off: no API key exists, so the API is open to this machine only \
             (create one with `taskshed keys create` or POST /v1/keys)"
        );
    } else if config.insecure_no_auth {
        tracing::warn!(
            listen = %config.listen,
            "auth is off: no API key exists and --insecure-no-auth lets anyone who reaches \
             this address use the API"
        );
    } else {
        anyhow::bail!(
            "refusing to listen on {} without an API key: anyone who reaches it could \
             read and change every task and callback. Give --admin-key \
             (TASKSHED_ADMIN_KEY), create a key with `taskshed keys create`, listen on \
             127.0.0.1, or pass --insecure-no-auth (TASKSHED_INSECURE_NO_AUTH=1)",
            config.listen
        );
    }
    Ok(())
}

/// The request bounds from the configuration.
pub fn limits(config: &Config) -> Limits {
    Limits {
        max_kwargs_bytes: usize::try_from(config.max_kwargs_bytes).unwrap_or(usize::MAX),
        min_interval: config.min_interval,
    }
}

/// How much longer than `statement_timeout` the delivery engine waits for an answer.
const DB_DEADLINE_SLACK: std::time::Duration = std::time::Duration::from_secs(5);

/// The delivery engine's settings from the configuration.
pub fn delivery_config(config: &Config) -> DeliveryConfig {
    DeliveryConfig {
        instance: config.instance_id().to_owned(),
        max_in_flight: config.max_in_flight as usize,
        claim_batch: config.claim_batch as usize,
        look_ahead: config.look_ahead.as_std(),
        poll_interval: config.poll_interval.as_std(),
        lease_margin: config.lease_margin.as_std(),
        retention: config.retention.as_std(),
        shutdown_grace: config.shutdown_grace.as_std(),
        // A little past `statement_timeout`, so the server cancels what it can first.
        db_deadline: config.db_statement_timeout.as_std() + DB_DEADLINE_SLACK,
        at_rest: AtRest::new(config.encryption_key.as_ref()),
        egress: Arc::new(config.egress_policy()),
    }
}
