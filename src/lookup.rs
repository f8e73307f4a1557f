//! Host name lookups: one per new connection, none for a request that reuses
//! a pooled connection.
//!
//! ureq asks its resolver for the host's addresses before it looks in the
//! connection pool, so with its default resolver every request costs a full
//! lookup (and, with any time-out set, a new thread to bound it), even on a
//! kept-alive connection. Here the resolver only defers: it hands ureq a
//! placeholder address, and the connector, which runs only when a new
//! connection is needed, does the real lookup. A request that reuses a
//! pooled connection therefore does no lookup at all, keeps working while
//! DNS is down, and never uses an address older than its connection. There
//! is no cache to expire or to keep after a connection failure: every new
//! connection asks afresh.
//!
//! Every error the connector returns (the lookup's, the TCP connect's, the
//! TLS handshake's) is wrapped in [`NotSent`], so that `failure.rs` knows it
//! came before anything was written. The lookup's time comes out of the
//! connect's budget: after a slow lookup the connect gets only what is left
//! ([`after_lookup`]), so that a slow lookup followed by an unanswered
//! connect still fails within the time-out.
//!
//! This uses ureq's `unversioned` transport API, which is exempt from
//! semver; `Cargo.toml` pins ureq to the minor version it was written for.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration as Budget;
use ureq::unversioned::transport::{
    ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};

use crate::failure::NotSent;

/// The address the resolver hands ureq in place of a lookup. Port 0 of the
/// unspecified address is never a real destination, so it cannot be
/// mistaken for one.
const DEFERRED: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);

/// A resolver of the user's: a host name and port to addresses.
pub(crate) type ResolveFn = dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync;

/// The client's lookups: `resolve()` overrides first, then the resolver set
/// with `dns_resolver()`, or the system's.
#[derive(Clone, Default)]
pub(crate) struct Lookup {
    overrides: Arc<HashMap<String, SocketAddr>>,
    resolver: Option<Arc<ResolveFn>>,
}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lookup")
            .field("overrides", &self.overrides)
            .field("custom_resolver", &self.resolver.is_some())
            .finish()
    }
}

/// A lookup that failed, carried through ureq as the cause of an I/O error so
/// that the client can tell it from a connection that failed after sending.
#[derive(Debug)]
pub(crate) struct LookupFailed {
    pub(crate) host: String,
    cause: Option<io::Error>,
}

impl fmt::Display for LookupFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not resolve host {}", self.host)
    }
}

impl LookupFailed {
    pub(crate) fn new(host: impl Into<String>, cause: Option<io::Error>) -> Self {
        LookupFailed {
            host: host.into(),
            cause,
        }
    }

    /// The system resolver's own error, if it gave one.
    pub(crate) fn into_cause(self) -> Option<io::Error> {
        self.cause
    }
}

impl std::error::Error for LookupFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl Lookup {
    pub(crate) fn new(
        overrides: HashMap<String, SocketAddr>,
        resolver: Option<Arc<ResolveFn>>,
    ) -> Self {
        Lookup {
            overrides: Arc::new(overrides),
            resolver,
        }
    }

    /// An agent whose connections are looked up by `self`.
    pub(crate) fn agent(&self, config: Config) -> ureq::Agent {
        ureq::Agent::with_parts(
            config,
            LookupConnector {
                inner: DefaultConnector::new(),
                lookup: self.clone(),
            },
            DeferredResolver,
        )
    }

    /// The addresses of `uri`'s host: an IP literal as it is, an override,
    /// or the system's answer, bounded by `timeout`.
    fn resolve(&self, uri: &Uri, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().ok_or(ureq::Error::HostNotFound)?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let mut addrs = DeferredResolver.empty();
        if let Ok(ip) = bare.parse::<IpAddr>() {
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        if let Some(addr) = self.overrides.get(&bare.to_ascii_lowercase()) {
            let port = if addr.port() == 0 { port } else { addr.port() };
            addrs.push(SocketAddr::new(addr.ip(), port));
            return Ok(addrs);
        }
        let failed = |cause| ureq::Error::Io(io::Error::other(LookupFailed::new(bare, cause)));
        let found =
            bounded(bare, port, self.resolver.clone(), timeout)?.map_err(|e| failed(Some(e)))?;
        // ureq keeps at most 16 addresses.
        for addr in found.into_iter().take(16) {
            addrs.push(addr);
        }
        if addrs.is_empty() {
            return Err(failed(None));
        }
        // At trace, so that `debug` stays one line per attempt.
        log::trace!(target: "losant_rest", "looked up {bare}: {} address(es)", addrs.len());
        Ok(addrs)
    }
}

/// Asks the user's resolver or the system's, on a thread of its own when a
/// time-out must bound it (the call itself cannot be interrupted). The outer
/// error is the time-out, the inner one the lookup's own.
fn bounded(
    host: &str,
    port: u16,
    resolver: Option<Arc<ResolveFn>>,
    timeout: NextTimeout,
) -> Result<io::Result<Vec<SocketAddr>>, ureq::Error> {
    let host = host.to_owned();
    let lookup = move || match resolver {
        Some(resolve) => resolve(&host, port),
        None => (host.as_str(), port)
            .to_socket_addrs()
            .map(Iterator::collect),
    };
    if timeout.after.is_not_happening() {
        return Ok(lookup());
    }
    let (tx, rx) = mpsc::sync_channel(1);
    thread::Builder::new()
        .name("losant-rest lookup".to_owned())
        .spawn(move || tx.send(lookup()).ok())
        .map_err(ureq::Error::Io)?;
    rx.recv_timeout(*timeout.after)
        .map_err(|_| ureq::Error::Timeout(timeout.reason))
}

/// Hands ureq a placeholder instead of looking the host up: the lookup is
/// [`LookupConnector`]'s, and happens only for a new connection.
#[derive(Debug)]
struct DeferredResolver;

impl Resolver for DeferredResolver {
    fn resolve(
        &self,
        _uri: &Uri,
        _config: &Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let mut addrs = self.empty();
        addrs.push(DEFERRED);
        Ok(addrs)
    }
}

/// ureq's default connectors, after a lookup of the deferred address.
#[derive(Debug)]
struct LookupConnector {
    inner: DefaultConnector,
    lookup: Lookup,
}

impl Connector<()> for LookupConnector {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        // An empty list is ureq's for "a proxy connects to the target"; a
        // CONNECT proxy's own address comes back through here deferred.
        if details.addrs.first() != Some(&DEFERRED) {
            return self.inner.connect(details, chained).map_err(NotSent::wrap);
        }
        let started = Instant::now();
        let addrs = self
            .lookup
            .resolve(details.uri, details.timeout)
            .map_err(NotSent::wrap)?;
        let timeout = after_lookup(details.timeout, started.elapsed()).map_err(NotSent::wrap)?;
        let resolved = ConnectionDetails {
            uri: details.uri,
            addrs,
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            // The budget left is counted from now: the TLS handshake takes
            // its deadline as `now` plus what is left, which is the
            // attempt's own deadline again.
            now: (details.current_time)(),
            timeout,
            current_time: Arc::clone(&details.current_time),
            run_connector: Arc::clone(&details.run_connector),
            register_shutdown: Arc::clone(&details.register_shutdown),
        };
        self.inner
            .connect(&resolved, chained)
            .map_err(NotSent::wrap)
    }
}

/// What is left of the connect's budget once the lookup took `spent` of it,
/// or the time-out itself when nothing is left. ureq's TCP connect takes its
/// time-out as a length, not a deadline, so without this it would get the
/// whole budget again after a slow lookup.
fn after_lookup(
    budget: NextTimeout,
    spent: std::time::Duration,
) -> Result<NextTimeout, ureq::Error> {
    if budget.after.is_not_happening() {
        return Ok(budget);
    }
    let left = budget.after.saturating_sub(spent);
    if left.is_zero() {
        return Err(ureq::Error::Timeout(budget.reason));
    }
    Ok(NextTimeout {
        after: Budget::Exact(left),
        ..budget
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn budget(ms: u64) -> NextTimeout {
        NextTimeout {
            after: Budget::Exact(Duration::from_millis(ms)),
            reason: ureq::Timeout::Connect,
            ..NextTimeout::default()
        }
    }

    #[test]
    fn the_connect_gets_what_the_lookup_left() {
        let left = after_lookup(budget(1000), Duration::from_millis(700)).unwrap();
        assert_eq!(*left.after, Duration::from_millis(300));
        assert_eq!(left.reason, ureq::Timeout::Connect, "the reason is kept");
        let whole = after_lookup(budget(1000), Duration::ZERO).unwrap();
        assert_eq!(*whole.after, Duration::from_secs(1));
        for spent in [1000, 1500] {
            let err = after_lookup(budget(1000), Duration::from_millis(spent)).unwrap_err();
            assert!(
                matches!(err, ureq::Error::Timeout(ureq::Timeout::Connect)),
                "{err:?}"
            );
        }
        let unbounded = after_lookup(NextTimeout::default(), Duration::from_secs(3600)).unwrap();
        assert!(unbounded.after.is_not_happening());
    }
}
