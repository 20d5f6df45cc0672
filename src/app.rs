//! Builds the application (database, router, delivery loop) and runs it until the
//! shutdown token is cancelled.

use anyhow::Context;
use axum::serve::ListenerExt;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Role};
use crate::create_batcher::CreateBatcher;
use crate::delivery::DeliveryConfig;
use crate::domain::sealed::AtRest;

use crate::embedded_pg::{EmbeddedOptions, EmbeddedPostgres};
use crate::http::AppState;
use crate::metrics::Metrics;

/// A database connection pool, and the embedded server behind it when there is one.
pub struct Database {
    pub pool: PgPool,
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
        let pool = crate::store::connect(&url, config.db_pool_size).await?;
        Ok(Self { pool, embedded })
    }

    /// Closes the pool, then stops the embedded server (if any).
    pub async fn close(self) -> anyhow::Result<()> {
        self.pool.close().await;
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
    AppState {
        at_rest,
        creates: CreateBatcher::start(pool.clone()),
        pool,
        metrics,
        max_body_bytes: usize::try_from(config.max_body_bytes).unwrap_or(usize::MAX),
    }
}

/// Runs TaskShed until `shutdown` is cancelled: migrations, the HTTP API and, depending on
/// the role, the delivery loop.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    crate::store::migrate(&database.pool).await?;
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
        "TaskShed is up"
    );
    let delivery = if config.role.delivers() {
        Some(crate::delivery::spawn(
            database.pool.clone(),
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
    let server_shutdown = shutdown.clone();
    // axum leaves Nagle's algorithm on. Answers are written whole, so it rarely bites
    // (S1 and a 320 KB list measured the same either way), but a small segment sent
    // behind unacknowledged data can wait for the client's delayed ACK (up to 40 ms on
    // Linux); servers meant for request/response traffic turn it off, as we do.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY on an accepted connection");
        }
    });
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async move { server_shutdown.cancelled().await })
        .await;
    if let Some(delivery) = delivery {
        delivery.join().await;
    }
    served.context("the HTTP server failed")?;
    database.close().await
}

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
        at_rest: AtRest::new(config.encryption_key.as_ref()),
    }
}
