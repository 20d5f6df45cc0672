//! Serves the router on a listener so slow or idle clients cannot hold the server (API.md,
//! "Limits"): axum's `serve` has no header-read timeout, so this is its accept loop with
//! three bounds added.
//!
//! - A header-read timeout (hyper's, HTTP/1): a client that dribbles its request head (a
//!   slowloris) is disconnected when the timeout passes, whatever it has sent.
//! - A body-read timeout (`tower_http`'s `RequestBodyTimeoutLayer`): the same for the body.
//! - A cap on open connections: each accepted connection holds a semaphore permit, moved
//!   into the task that serves it, so the slot is freed exactly when the connection ends.
//!   At the cap the loop stops accepting; new clients wait in the kernel's backlog rather
//!   than each costing a task and buffers.
//!
//! Shutdown: when the token is cancelled the loop stops accepting, asks every connection
//! to finish its current request, and returns once they all have.

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// The bounds on client connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    /// For the request head, then again for the body.
    pub read_timeout: Duration,
}

/// Serves `router` until `shutdown` is cancelled and every connection has finished.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) {
    let router = router.layer(RequestBodyTimeoutLayer::new(limits.read_timeout));
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.read_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    loop {
        let slot = tokio::select! {
            () = shutdown.cancelled() => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break, // never closed
            },
        };
        let tcp = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Answers are written whole; Nagle's algorithm would only delay small segments
        // behind the client's delayed ACK (up to 40 ms on Linux).
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY on an accepted connection");
        }
        let service = TowerToHyperService::new(router.clone());
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(tcp), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
