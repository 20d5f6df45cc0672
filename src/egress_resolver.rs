//! The delivery client's DNS resolver: resolves with the system resolver, then applies the
//! [`EgressPolicy`] to every address before reqwest may connect to any of them.
//!
//! Checking at connect time, on the addresses actually used, is what makes the policy
//! hold: a check at registration can be undone by changing the DNS record afterwards
//! (DNS rebinding), and a check that resolves separately from the connection can be
//! answered differently the second time. Denied addresses are dropped and the rest are
//! used; when none is left the resolution fails with [`EgressDenied`], which the sender
//! finds in the error chain ([`find_egress_denied`]) to fail the attempt at once as
//! `egress_denied` instead of retrying it.
//!
//! reqwest does not consult the resolver for a literal IP in the URL, so the sender must
//! also call [`check_url_host`](crate::domain::egress::check_url_host) before each send;
//! and reqwest would otherwise send through `HTTP(S)_PROXY` from the environment, which
//! bypasses both checks, so [`guard_client`] turns proxies off together with installing
//! the resolver: one call sets up both halves.

use std::error::Error as StdError;
use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::egress::{Denied, EgressPolicy};

/// Every address a host name resolved to was refused by the egress policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("egress denied: {}", self.detail())]
pub struct EgressDenied {
    pub host: String,
    /// One refusal per resolved address, in resolver order.
    pub refused: Vec<Denied>,
}

impl EgressDenied {
    /// What was refused and why, without the "egress denied" label (the attempt error
    /// adds its own).
    pub fn detail(&self) -> String {
        format!(
            "{} resolves only to refused addresses ({})",
            self.host,
            refused_list(&self.refused)
        )
    }
}

fn refused_list(refused: &[Denied]) -> String {
    refused
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The `EgressDenied` somewhere in an error's source chain (a `reqwest::Error` wraps the
/// resolver's error a few levels down).
pub fn find_egress_denied<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a EgressDenied> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(denied) = e.downcast_ref::<EgressDenied>() {
            return Some(denied);
        }
        current = e.source();
    }
    None
}

/// A reqwest resolver that applies an egress policy to every resolved address.
#[derive(Debug, Clone)]
pub struct EgressResolver {
    policy: Arc<EgressPolicy>,
}

impl EgressResolver {
    pub fn new(policy: Arc<EgressPolicy>) -> Self {
        Self { policy }
    }

    /// Resolves `host` and keeps the addresses the policy allows. A failed lookup is
    /// returned as it is (an ordinary, retryable connection error); a lookup whose every
    /// address is refused is an [`EgressDenied`].
    pub async fn resolve_allowed(
        &self,
        host: &str,
    ) -> Result<Vec<SocketAddr>, Box<dyn StdError + Send + Sync>> {
        // Port 0: reqwest puts the URL's port (or the scheme's default) in afterwards.
        let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
        let mut allowed = Vec::with_capacity(resolved.len());
        let mut refused = Vec::new();
        for addr in resolved {
            match self.policy.allows(addr.ip()) {
                Ok(()) => allowed.push(addr),
                Err(denied) => refused.push(denied),
            }
        }
        if allowed.is_empty() && !refused.is_empty() {
            return Err(Box::new(EgressDenied {
                host: host.to_owned(),
                refused,
            }));
        }
        if !refused.is_empty() {
            // Host names are not secret; the addresses explain a slow or failed delivery.
            tracing::debug!(
                host,
                refused = %refused_list(&refused),
                "egress policy dropped some resolved addresses"
            );
        }
        Ok(allowed)
    }
}

impl Resolve for EgressResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let allowed = this.resolve_allowed(name.as_str()).await?;
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Makes a client builder honour the egress policy: the resolver on every host name and
/// no proxy from the environment (a proxy would connect on our behalf, unchecked).
pub fn guard_client(
    builder: reqwest::ClientBuilder,
    policy: Arc<EgressPolicy>,
) -> reqwest::ClientBuilder {
    builder
        .no_proxy()
        .dns_resolver(Arc::new(EgressResolver::new(policy)))
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::domain::egress::{parse_cidr_list, EgressMode, Reason};

    fn resolver(mode: EgressMode, allow: &str) -> EgressResolver {
        EgressResolver::new(Arc::new(EgressPolicy::new(
            mode,
            parse_cidr_list(allow).unwrap(),
            vec![],
        )))
    }

    #[tokio::test]
    async fn localhost_is_allowed_under_default() {
        let addrs = resolver(EgressMode::Default, "")
            .resolve_allowed("localhost")
            .await
            .unwrap();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }

    #[tokio::test]
    async fn localhost_is_refused_under_public_naming_each_address() {
        let err = resolver(EgressMode::Public, "")
            .resolve_allowed("localhost")
            .await
            .unwrap_err();
        let denied = find_egress_denied(&*err).expect("an EgressDenied");
        assert_eq!(denied.host, "localhost");
        assert!(!denied.refused.is_empty());
        assert!(denied.refused.iter().all(|d| d.reason == Reason::Loopback));
        assert!(
            err.to_string().starts_with("egress denied: localhost"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn an_allow_entry_reopens_only_what_it_names() {
        let addrs = resolver(EgressMode::Public, "127.0.0.0/8")
            .resolve_allowed("localhost")
            .await
            .unwrap();
        // ::1, if /etc/hosts lists it, is still refused and dropped.
        assert!(!addrs.is_empty());
        assert!(addrs
            .iter()
            .all(|a| matches!(a.ip(), IpAddr::V4(v4) if v4.is_loopback())));
    }

    #[tokio::test]
    async fn lookup_failures_are_not_egress_denials() {
        let err = resolver(EgressMode::Public, "")
            .resolve_allowed("no-such-host.invalid")
            .await
            .unwrap_err();
        assert!(find_egress_denied(&*err).is_none(), "{err}");
    }

    /// A receiver that answers every request with 204 and counts connections.
    async fn receiver() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = [0u8; 1024];
                let _ = stream.read(&mut buf).await;
                let _ = stream
                    .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                    .await;
            }
        });
        (port, seen)
    }

    fn client(mode: EgressMode) -> reqwest::Client {
        let policy = Arc::new(EgressPolicy::new(mode, vec![], vec![]));
        guard_client(reqwest::Client::builder(), policy)
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn a_guarded_client_reaches_localhost_under_default() {
        let (port, seen) = receiver().await;
        let response = client(EgressMode::Default)
            .get(format!("http://localhost:{port}/hook"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        assert!(seen.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    }

    #[tokio::test]
    async fn a_guarded_client_never_connects_to_localhost_under_public() {
        let (port, seen) = receiver().await;
        let err = client(EgressMode::Public)
            .get(format!("http://localhost:{port}/hook"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        let denied = find_egress_denied(&err).expect("EgressDenied in the reqwest error chain");
        assert_eq!(denied.host, "localhost");
        // The resolver refused before any connect, so the receiver saw nothing.
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 0);
    }
}
