//! A TCP proxy between a TaskShed instance and PostgreSQL that a test can pause, resume
//! and sever, to make the database look half-open, slow or gone for one instance only.
//!
//! The proxy listens on 127.0.0.1:0 and forwards each connection to the upstream: TCP
//! when the test server was given as a `DATABASE_URL` on TCP, or PostgreSQL's Unix socket
//! when it is the embedded server (which listens on a socket only, see
//! `taskshed::embedded_pg`). [`TcpProxy::for_database_url`] works out which from the URL
//! and returns the URL to give the instance instead.
//!
//! - [`TcpProxy::pause`] stops forwarding in both directions but keeps every connection
//!   open — no FIN, no RST — and accepts new connections that then hear nothing: what a
//!   silent network partition looks like to the instance. Bytes that arrive meanwhile wait
//!   in the proxy and in kernel buffers, and flow on after [`TcpProxy::resume`].
//! - [`TcpProxy::sever`] closes every current connection (FIN to both sides), as a crashed
//!   PostgreSQL would; the proxy keeps accepting new ones.
//!
//! What a pause does not model: the proxy's own kernel still ACKs TCP keepalive probes and
//! data (until its buffers fill), so TCP keepalive and `TCP_USER_TIMEOUT` on the instance
//! will not fire, and PostgreSQL never sees the query, so `statement_timeout` will not
//! either. A paused proxy is detected only by client-side deadlines (a timeout around
//! queries, the pool's acquire timeout, a health check with a deadline). Dropping packets
//! for real needs firewall rules in a network namespace, which a test should not impose
//! on a shared machine.

use sqlx::postgres::PgConnectOptions;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Where the proxy forwards to.
#[derive(Debug, Clone)]
pub enum Upstream {
    Tcp(SocketAddr),
    /// The socket file itself, e.g. `<dir>/.s.PGSQL.5432`.
    Unix(PathBuf),
}

impl Upstream {
    /// The upstream a PostgreSQL URL points at (`?host=/dir` means a Unix socket).
    pub fn of_database_url(url: &str) -> Upstream {
        let options = PgConnectOptions::from_str(url).expect("a PostgreSQL URL");
        match options.get_socket() {
            Some(dir) => Upstream::Unix(dir.join(format!(".s.PGSQL.{}", options.get_port()))),
            None => {
                let host = match options.get_host() {
                    "localhost" => "127.0.0.1",
                    host => host,
                };
                Upstream::Tcp(
                    format!("{host}:{}", options.get_port())
                        .parse()
                        .expect("the proxy forwards to an IP address, not a host name"),
                )
            }
        }
    }
}

/// A connection counted for as long as this lives; dropping it is the only way to
/// uncount, so the count cannot drift from the connections that exist.
struct Live(Arc<AtomicUsize>, watch::Sender<()>);

impl Live {
    fn new(count: &Arc<AtomicUsize>, changes: &watch::Sender<()>) -> Live {
        count.fetch_add(1, Ordering::SeqCst);
        changes.send_replace(());
        Live(count.clone(), changes.clone())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
        self.1.send_replace(());
    }
}

struct Controls {
    /// `true` while paused.
    paused: watch::Sender<bool>,
    /// Cancelled by `sever`; replaced by a fresh token for the connections after it.
    sever: Mutex<CancellationToken>,
    live: Arc<AtomicUsize>,
    accepted: AtomicUsize,
    /// Bumped whenever `live` changes.
    changes: watch::Sender<()>,
}

/// A running proxy; stops and closes every connection when dropped.
pub struct TcpProxy {
    pub address: SocketAddr,
    controls: Arc<Controls>,
    stop: CancellationToken,
}

impl TcpProxy {
    pub async fn start(upstream: Upstream) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let address = listener.local_addr().unwrap();
        let controls = Arc::new(Controls {
            paused: watch::channel(false).0,
            sever: Mutex::new(CancellationToken::new()),
            live: Arc::default(),
            accepted: AtomicUsize::new(0),
            changes: watch::channel(()).0,
        });
        let stop = CancellationToken::new();
        tokio::spawn(accept_loop(
            listener,
            upstream,
            controls.clone(),
            stop.clone(),
        ));
        TcpProxy {
            address,
            controls,
            stop,
        }
    }

    /// A proxy in front of the server of `database_url`, and the URL that reaches the same
    /// database (same user, password and options) through the proxy.
    pub async fn for_database_url(database_url: &str) -> (TcpProxy, String) {
        let proxy = TcpProxy::start(Upstream::of_database_url(database_url)).await;
        let url = through_proxy(database_url, proxy.address);
        (proxy, url)
    }

    /// Stops forwarding bytes in both directions; connections stay open and silent.
    pub fn pause(&self) {
        self.controls.paused.send_replace(true);
    }

    /// Forwards again, including whatever was held while paused.
    pub fn resume(&self) {
        self.controls.paused.send_replace(false);
    }

    /// Closes every current connection on both sides; later connections are forwarded.
    pub fn sever(&self) {
        let mut token = self
            .controls
            .sever
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        token.cancel();
        *token = CancellationToken::new();
    }

    /// Connections open through the proxy right now.
    pub fn live_connections(&self) -> usize {
        self.controls.live.load(Ordering::SeqCst)
    }

    /// Connections accepted since the start.
    pub fn accepted_connections(&self) -> usize {
        self.controls.accepted.load(Ordering::SeqCst)
    }

    /// Waits until `holds(live connections)`; false if `timeout` passed first.
    pub async fn wait_for_live(&self, timeout: Duration, holds: impl Fn(usize) -> bool) -> bool {
        let mut changes = self.controls.changes.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            if holds(self.live_connections()) {
                return true;
            }
            if !matches!(
                tokio::time::timeout_at(deadline, changes.changed()).await,
                Ok(Ok(()))
            ) {
                return false;
            }
        }
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// `database_url` with host and port replaced by `proxy`, and any `host=` socket
/// directory in the query removed (it would take precedence over the address).
pub fn through_proxy(database_url: &str, proxy: SocketAddr) -> String {
    let (before_query, query) = match database_url.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (database_url, None),
    };
    let scheme_end = before_query.find("://").map(|i| i + 3).expect("a URL");
    let path_start = before_query[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(before_query.len());
    let authority = &before_query[scheme_end..path_start];
    let user_info = authority
        .rsplit_once('@')
        .map(|(user, _)| format!("{user}@"))
        .unwrap_or_default();
    let mut url = format!(
        "{}{user_info}{proxy}{}",
        &before_query[..scheme_end],
        &before_query[path_start..]
    );
    let kept: Vec<&str> = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|pair| !pair.starts_with("host=") && !pair.starts_with("port="))
        .collect();
    if !kept.is_empty() {
        url.push('?');
        url.push_str(&kept.join("&"));
    }
    url
}

async fn accept_loop(
    listener: TcpListener,
    upstream: Upstream,
    controls: Arc<Controls>,
    stop: CancellationToken,
) {
    loop {
        let client = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => client,
                // Out of descriptors: accept fails at once until one is freed, so back off
                // instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        controls.accepted.fetch_add(1, Ordering::SeqCst);
        let live = Live::new(&controls.live, &controls.changes);
        let severed = controls
            .sever
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let (upstream, paused, stop) =
            (upstream.clone(), controls.paused.subscribe(), stop.clone());
        tokio::spawn(async move {
            let _live = live;
            let forward = async {
                match &upstream {
                    Upstream::Tcp(address) => {
                        let Ok(server) = TcpStream::connect(address).await else {
                            return;
                        };
                        join_pumps(client, server, paused).await;
                    }
                    Upstream::Unix(path) => {
                        let Ok(server) = UnixStream::connect(path).await else {
                            return;
                        };
                        join_pumps(client, server, paused).await;
                    }
                }
            };
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = severed.cancelled() => {}
                _ = forward => {}
            }
            // Both sockets are dropped here: a FIN to each side.
        });
    }
}

/// Forwards both directions until either side closes or fails.
async fn join_pumps(
    client: TcpStream,
    server: impl AsyncRead + AsyncWrite + Unpin,
    paused: watch::Receiver<bool>,
) {
    let (client_read, client_write) = tokio::io::split(client);
    let (server_read, server_write) = tokio::io::split(server);
    tokio::select! {
        _ = pump(client_read, server_write, paused.clone()) => {}
        _ = pump(server_read, client_write, paused) => {}
    }
}

/// Copies bytes from `from` to `to`, holding them while paused. The pause is checked
/// before reading and again before writing, so bytes read just before a pause wait too.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut paused: watch::Receiver<bool>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        if paused.wait_for(|p| !*p).await.is_err() {
            return;
        }
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if paused.wait_for(|p| !*p).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::database::fresh_database;
    use sqlx::{Connection, PgConnection};

    #[test]
    fn urls_through_the_proxy_keep_user_database_and_options() {
        let proxy: SocketAddr = "127.0.0.1:6000".parse().unwrap();
        assert_eq!(
            through_proxy(
                "postgres://taskshed@localhost:5432/test_1?host=/tmp/x/socket",
                proxy
            ),
            "postgres://taskshed@127.0.0.1:6000/test_1"
        );
        assert_eq!(
            through_proxy(
                "postgres://u:p%40ss@db.example:5433/d?sslmode=disable",
                proxy
            ),
            "postgres://u:p%40ss@127.0.0.1:6000/d?sslmode=disable"
        );
        assert!(matches!(
            Upstream::of_database_url("postgres://u@localhost:5432/d?host=/run/pg"),
            Upstream::Unix(path) if path == std::path::Path::new("/run/pg/.s.PGSQL.5432")
        ));
        assert!(matches!(
            Upstream::of_database_url("postgres://u@127.0.0.1:5433/d"),
            Upstream::Tcp(address) if address.port() == 5433
        ));
    }

    #[tokio::test]
    async fn queries_hang_while_paused_and_finish_after_resume() {
        let (proxy, url) = TcpProxy::for_database_url(&fresh_database().await).await;
        let mut connection = PgConnection::connect(&url).await.expect("connect through");
        let one: i32 = sqlx::query_scalar("select 1")
            .fetch_one(&mut connection)
            .await
            .unwrap();
        assert_eq!(one, 1);
        assert_eq!(proxy.live_connections(), 1);

        proxy.pause();
        let mut query = tokio::spawn(async move {
            let two: i32 = sqlx::query_scalar("select 2")
                .fetch_one(&mut connection)
                .await
                .expect("the query completes after resume");
            (two, connection)
        });
        let while_paused = tokio::time::timeout(Duration::from_millis(300), &mut query).await;
        assert!(while_paused.is_err(), "the query finished while paused");
        assert_eq!(proxy.live_connections(), 1, "paused connections stay open");

        proxy.resume();
        let (two, mut connection) = tokio::time::timeout(Duration::from_secs(2), query)
            .await
            .expect("the query finishes soon after resume")
            .unwrap();
        assert_eq!(two, 2);

        proxy.sever();
        assert!(
            proxy
                .wait_for_live(Duration::from_secs(1), |live| live == 0)
                .await
        );
        assert!(sqlx::query("select 3")
            .execute(&mut connection)
            .await
            .is_err());
        // The proxy itself keeps working for new connections.
        let mut again = PgConnection::connect(&url).await.expect("reconnect");
        sqlx::query("select 4").execute(&mut again).await.unwrap();
        assert_eq!(proxy.accepted_connections(), 2);
    }
}
