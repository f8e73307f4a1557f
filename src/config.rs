//! [`ClientBuilder`]: every setting of a [`Client`], checked once in
//! [`build`](ClientBuilder::build).

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ureq::http::HeaderValue;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::lookup::{Lookup, ResolveFn};
use crate::retry::{Backoff, Policy};
use crate::run::Inner;
use crate::secret::AccessToken;
use crate::tls::{RootStore, TlsSettings};

const DEFAULT_BASE_URL: &str = "https://api.losant.com";
/// A range that a 1.30 server accepts and a 1.31 server serves with 1.31:
/// the crate is written against 1.31 and reads 1.30 answers as well.
const DEFAULT_ACCEPT_VERSION: &str = "^1.30.0";
const DEFAULT_USER_AGENT: &str = concat!("losant-rest/", env!("CARGO_PKG_VERSION"), " (Rust)");
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_RETRIES: u32 = 2;
const DEFAULT_BACKOFF: Backoff = Backoff {
    initial: Duration::from_millis(250),
    max: Duration::from_secs(8),
};
const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
const DEFAULT_MAX_RESPONSE_SIZE: u64 = 32 * 1024 * 1024;
const DEFAULT_MAX_IDLE_CONNECTIONS: usize = 16;

/// Configures a [`Client`]. Every setter documents its default.
///
/// # Retries
///
/// A request is sent again only when that cannot do harm:
///
/// - `GET` and `DELETE` (any request whose [`Request::retry_safe`](crate::Request::retry_safe) is true)
///   are retried on 429, 502, 503 and 504, and when the connection was
///   refused, reset or closed before an answer arrived, including a pooled
///   keep-alive connection that the server had already closed.
/// - `POST` and `PATCH` are retried only when the connection could not be
///   made at all (refused, unknown host), which proves nothing was sent. Once
///   they may have reached the server they are never sent again, so a token
///   is never created twice.
/// - Time-outs (the connect time-out included) and broken response bodies
///   are not retried: the caller's time budget is spent, or the server was
///   reached.
/// - The wait is exponential with full jitter: before retry `n` it is random
///   in `[0, min(backoff_max, backoff_initial * 2^n)]`. A `Retry-After`
///   header (seconds or an HTTP-date) replaces it; one that asks for more than
///   [`max_retry_after`](Self::max_retry_after) makes the call fail at once
///   with the server's error rather than sleep.
/// - When a `DELETE` is retried after an attempt that may have been carried
///   out without its answer arriving (a dropped connection, a 502 or a 504)
///   and the retry answers 404, the earlier attempt deleted the token, so
///   [`DeleteToken`](crate::tokens::DeleteToken) succeeds. After a 429 or 503
///   the server did nothing, so a 404 stays an error.
///
/// # Time-outs and limits
///
/// [`timeout`](Self::timeout) bounds each attempt from connect to the last
/// body byte, [`connect_timeout`](Self::connect_timeout) the connection
/// alone; both are finite by default, so a silent server cannot hang a
/// script. Bodies are read up to
/// [`max_response_size`](Self::max_response_size) (after decompression), so
/// an endless body is an error rather than an out-of-memory failure.
/// Redirects are never followed, so the token is never sent to another host.
///
/// # Proxies
///
/// By default the client uses the proxy named by `ALL_PROXY`, `HTTPS_PROXY`
/// or `HTTP_PROXY` (and their lower-case forms), except for hosts in
/// `NO_PROXY`. [`proxy`](Self::proxy) names one explicitly and
/// [`no_proxy`](Self::no_proxy) ignores the environment. Only HTTP and
/// HTTPS proxies are supported (a CONNECT tunnel). A SOCKS proxy is
/// refused, whether set with [`proxy`](Self::proxy) or named by the
/// environment (`ALL_PROXY=socks5://…`): [`build`](Self::build) fails with
/// [`Error::Config`] rather than give a client that would connect around
/// the proxy the machine is set up with, and a client from
/// [`Client::new`](crate::Client::new) fails every request with that
/// reason. Call [`no_proxy`](Self::no_proxy) to connect directly, or
/// [`proxy`](Self::proxy) with an HTTP proxy. A host that `NO_PROXY` lists
/// is reached directly, and its client is built.
///
/// ```no_run
/// use std::time::Duration;
///
/// # fn main() -> losant_rest::Result<()> {
/// let client = losant_rest::Client::builder()
///     .access_token("my-access-token")
///     .base_url("https://api.losant.com")
///     .timeout(Duration::from_secs(10))
///     .max_retries(4)
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    access_token: Option<String>,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    accept_version: String,
    user_agent: String,
    max_retries: u32,
    backoff: Backoff,
    max_retry_after: Duration,
    max_response_size: u64,
    max_idle_connections: usize,
    proxy: ProxySetting,
    resolve: HashMap<String, SocketAddr>,
    dns_resolver: Option<Arc<ResolveFn>>,
    tls: TlsSettings,
}
#[derive(Clone, PartialEq, Eq)]
enum ProxySetting {
    FromEnv,
    Off,
    Url(String),
}

impl fmt::Debug for ProxySetting {
    // A proxy URL may carry a password: say only which kind is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProxySetting::FromEnv => "FromEnv",
            ProxySetting::Off => "Off",
            ProxySetting::Url(_) => "Url(<set>)",
        })
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            access_token: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            accept_version: DEFAULT_ACCEPT_VERSION.to_owned(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            max_retries: DEFAULT_MAX_RETRIES,
            backoff: DEFAULT_BACKOFF,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            max_idle_connections: DEFAULT_MAX_IDLE_CONNECTIONS,
            proxy: ProxySetting::FromEnv,
            resolve: HashMap::new(),
            dns_resolver: None,
            tls: TlsSettings::default(),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "<redacted>"),
            )
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("accept_version", &self.accept_version)
            .field("user_agent", &self.user_agent)
            .field("max_retries", &self.max_retries)
            .field("max_retry_after", &self.max_retry_after)
            .field("max_response_size", &self.max_response_size)
            .field("max_idle_connections", &self.max_idle_connections)
            .field("proxy", &self.proxy)
            .field("resolve", &self.resolve)
            .field("dns_resolver", &self.dns_resolver.as_ref().map(|_| "<set>"))
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Sets the access token sent as `Authorization: Bearer <token>`.
    /// Surrounding whitespace is trimmed before the token is checked and
    /// sent, so a token read from a file with its newline works. Required:
    /// [`build`](Self::build) fails without it, or when it is only
    /// whitespace. Defaults to none.
    #[must_use]
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// Sets the base URL, used exactly as given with or without a trailing
    /// slash. It may carry a path prefix, such as a proxy at
    /// `https://host/losant`. Defaults to `https://api.losant.com`.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sets the time allowed for each attempt, from connect to the last body
    /// byte, the host name's lookup included: a slow lookup leaves the
    /// connect only what is left, so an attempt never takes much longer
    /// than this. When it fires, [`Error::is_timeout`] is true. Defaults to
    /// 30 seconds.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the time allowed to connect: the host name's lookup, the TCP
    /// connect and the TLS handshake together, within
    /// [`timeout`](Self::timeout). Defaults to 10 seconds.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the `Accept-Version` header, the range of API versions the client
    /// understands. Defaults to `^1.30.0`.
    #[must_use]
    pub fn accept_version(mut self, range: impl Into<String>) -> Self {
        self.accept_version = range.into();
        self
    }

    /// Sets the `User-Agent` header. Defaults to `losant-rest/<version> (Rust)`.
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sets how many times a failed request may be sent again (see
    /// [Retries](Self#retries)); 0 turns retries off. Defaults to 2.
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the backoff: the ceiling of the first wait, doubling on each
    /// retry up to `max`. Defaults to 250 milliseconds and 8 seconds.
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff = Backoff { initial, max };
        self
    }

    /// Sets the longest `Retry-After` the client will wait for; a longer one
    /// fails the call at once. Defaults to 30 seconds.
    #[must_use]
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Sets the largest response body the client will read, in bytes, after
    /// decompression. Defaults to 32 MiB.
    #[must_use]
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// Sets how many idle keep-alive connections the pool keeps open. With
    /// more threads than this sharing one client, some requests open a new
    /// connection. Defaults to 16.
    #[must_use]
    pub fn max_idle_connections(mut self, connections: usize) -> Self {
        self.max_idle_connections = connections;
        self
    }

    /// Sends every request through this HTTP or HTTPS proxy, such as
    /// `http://proxy.example:3128`, which the client asks for a `CONNECT`
    /// tunnel. SOCKS proxies are not supported: [`build`](Self::build) fails
    /// with [`Error::Config`] for a `socks4://`, `socks5://` (or similar)
    /// URL, as it does for a URL that is not a proxy URL at all. Defaults to
    /// the proxy the environment names.
    #[must_use]
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxySetting::Url(url.into());
        self
    }

    /// Connects directly, ignoring the proxy variables of the environment.
    /// Defaults to using them.
    #[must_use]
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::Off;
        self
    }

    /// Connects to `addr` whenever a URL names `host`, without asking DNS,
    /// like curl's `--resolve`: for private deployments, tests, and pinning
    /// an address. TLS still checks the server's certificate against `host`.
    /// The port of `addr` is used as given; a port of 0 takes the URL's port.
    /// Host names are compared without regard to case.
    ///
    /// Through a proxy, the proxy looks the base URL's host up itself and
    /// the client never connects to it, so a mapping for that host would be
    /// ignored: [`build`](Self::build) then fails with [`Error::Config`].
    /// That is when the base URL's host is mapped here and a proxy carries
    /// its requests, whether set with [`proxy`](Self::proxy) or named by the
    /// environment (a host that `NO_PROXY` lists is reached directly, so its
    /// mapping holds). Call [`no_proxy`](Self::no_proxy) to connect directly.
    /// A proxy's own host name may be mapped: the client connects to the
    /// proxy itself. Defaults to none: every host is looked up.
    ///
    /// ```no_run
    /// # fn main() -> losant_rest::Result<()> {
    /// let client = losant_rest::Client::builder()
    ///     .access_token("my-access-token")
    ///     .resolve("api.losant.com", "203.0.113.7:443".parse().unwrap())
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    #[must_use]
    pub fn resolve(mut self, host: impl AsRef<str>, addr: SocketAddr) -> Self {
        let host = host.as_ref().trim_start_matches('[').trim_end_matches(']');
        self.resolve.insert(host.to_ascii_lowercase(), addr);
        self
    }

    /// Looks host names up with `resolver` instead of the system's resolver:
    /// given a host name and port, it returns the addresses to try, in
    /// order. Names set with [`resolve`](Self::resolve) and IP addresses are
    /// never passed to it.
    ///
    /// The client looks a host up once for each new connection, never for a
    /// request that reuses a kept-alive one, and keeps no cache of its own.
    /// The lookup runs on a thread of its own, bounded by the connect
    /// time-out (or by what is left of [`timeout`](Self::timeout), if that
    /// is less), and the connect then gets only what the lookup left. An error it returns fails the call with
    /// [`Error::is_connect`] true, as a request that was never sent (so even
    /// a `POST` may be retried). Defaults to the system's resolver.
    ///
    /// ```no_run
    /// use std::net::SocketAddr;
    ///
    /// # fn main() -> losant_rest::Result<()> {
    /// let client = losant_rest::Client::builder()
    ///     .access_token("my-access-token")
    ///     .dns_resolver(|host: &str, port: u16| {
    ///         // Ask your own DNS, a service registry, a pinned table...
    ///         let _ = host;
    ///         Ok(vec![SocketAddr::from(([203, 0, 113, 7], port))])
    ///     })
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    #[must_use]
    pub fn dns_resolver<F>(mut self, resolver: F) -> Self
    where
        F: Fn(&str, u16) -> std::io::Result<Vec<SocketAddr>> + Send + Sync + 'static,
    {
        self.dns_resolver = Some(Arc::new(resolver));
        self
    }

    /// Trusts the CA certificates in `pem` (one or more `CERTIFICATE`
    /// blocks) in addition to the built-in roots: for a TLS-inspecting
    /// proxy or a private deployment. May be called more than once.
    ///
    /// The built-in roots are then Mozilla's, bundled with the crate,
    /// whichever TLS feature is on: the platform's store cannot be extended
    /// by the client, so combining added roots with
    /// [`RootStore::Platform`] makes [`build`](Self::build) fail.
    ///
    /// [`build`](Self::build) fails with [`Error::Config`] when `pem` holds
    /// no `CERTIFICATE` block or one that is not a valid X.509 certificate:
    /// each block is parsed for real at `build()`, by the TLS library that
    /// will use it (webpki with `rustls`, the platform's library with
    /// `native-tls`), so a block that library could not use is an error
    /// then rather than a root silently skipped. Blocks of other kinds (a
    /// private key, say) are ignored. Defaults to none.
    #[must_use]
    pub fn add_root_certificates(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.tls.add_pem(pem.as_ref());
        self
    }

    /// Chooses the built-in roots that server certificates are checked
    /// against: [`RootStore::Mozilla`] (bundled with the crate) or
    /// [`RootStore::Platform`] (the operating system's store; with `rustls`
    /// it needs the `platform-verifier` feature, or [`build`](Self::build)
    /// fails). Defaults to Mozilla's with `rustls`, and to the platform's in
    /// a build with only `native-tls`.
    #[must_use]
    pub fn root_store(mut self, store: RootStore) -> Self {
        self.tls.store = Some(store);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no access token was set or it is only
    /// whitespace, when a value cannot be sent as a header, when the base
    /// URL is not an `http` or `https` URL (or is `https` in a build without
    /// TLS), when the proxy URL is unusable or names a SOCKS proxy (or the
    /// environment names one for the base URL's host), when [`resolve`](Self::resolve)
    /// maps the base URL's host but a proxy would carry its requests, or
    /// when the TLS settings are unusable (a PEM without a valid X.509
    /// certificate, a root store this build lacks).
    pub fn build(self) -> Result<Client> {
        let token = match self.access_token.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => t,
            Some(_) => {
                return Err(Error::config(
                    "the access token is empty or only whitespace",
                ));
            }
            None => return Err(Error::config("no access token was set")),
        };
        if HeaderValue::from_str(token).is_err() {
            return Err(Error::config("the access token cannot be sent as a header"));
        }
        check_base_url(&self.base_url)?;
        if let ProxySetting::Url(url) = &self.proxy {
            let proxy =
                ureq::Proxy::new(url).map_err(|e| Error::config(format!("bad proxy URL: {e}")))?;
            check_proxy_protocol(&proxy)?;
        }
        if matches!(self.proxy, ProxySetting::FromEnv) {
            if let Some(proxy) = ureq::Proxy::try_from_env() {
                check_environment_proxy(&proxy, &self.base_url)?;
            }
        }
        self.build_with()
    }

    /// A client without a token, whose every request fails with
    /// [`Error::Config`]: what [`Client::new`] gives for a token that cannot
    /// be sent.
    pub(crate) fn unusable() -> Client {
        ClientBuilder::default()
            .build_with()
            .unwrap_or_else(|_| unreachable!("the default settings are valid"))
    }

    fn build_with(self) -> Result<Client> {
        let header = |name: &str, value: &str| {
            HeaderValue::from_str(value)
                .map_err(|_| Error::config(format!("{name} cannot be sent as a header")))
        };
        let accept_version = header("accept_version", &self.accept_version)?;
        let user_agent = header("user_agent", &self.user_agent)?;
        let proxy = match &self.proxy {
            ProxySetting::FromEnv => ureq::Proxy::try_from_env(),
            ProxySetting::Off => None,
            ProxySetting::Url(url) => ureq::Proxy::new(url).ok(),
        };
        check_resolve_and_proxy(&self.resolve, proxy.as_ref(), &self.base_url)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(self.timeout))
            .timeout_connect(Some(self.connect_timeout))
            .max_idle_connections(self.max_idle_connections)
            .max_idle_connections_per_host(self.max_idle_connections)
            .proxy(proxy);
        let config = self.tls.apply(config)?;
        let lookup = Lookup::new(self.resolve, self.dns_resolver);
        let agent = lookup.agent(config.build());
        Ok(Client {
            token: AccessToken::new(self.access_token.as_deref().unwrap_or("")),
            inner: Arc::new(Inner {
                agent,
                base_url: self.base_url.trim_end_matches('/').to_owned(),
                accept_version,
                user_agent,
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                policy: Policy {
                    max_retries: self.max_retries,
                    backoff: self.backoff,
                    max_retry_after: self.max_retry_after,
                },
                max_response_size: self.max_response_size,
                unusable: None,
            }),
        })
    }
}

/// Refuses a SOCKS proxy: this build has no SOCKS support (ureq's
/// `socks-proxy` feature is off), and ureq panics on the first request
/// through a SOCKS proxy set by hand. The URL is not echoed: it may carry a
/// password.
fn check_proxy_protocol(proxy: &ureq::Proxy) -> Result<()> {
    use ureq::ProxyProtocol as P;
    match proxy.protocol() {
        P::Http | P::Https => Ok(()),
        other => Err(Error::config(format!(
            "the proxy is a SOCKS proxy ({other:?}), which this client does not support: \
             use an HTTP or HTTPS proxy (a CONNECT tunnel)"
        ))),
    }
}

/// Refuses a SOCKS proxy that the environment names for the base URL's
/// host. ureq, without SOCKS support, would not refuse it: it would connect
/// around it (`socks5`, `socks4`), or fail every request with a misleading
/// "connection refused" (`socks5h`, `socks4a`). A client that silently
/// bypasses the proxy a machine is set up with is a worse surprise than one
/// that will not start, so `build()` says so and how to choose. A host that
/// `NO_PROXY` exempts is connected to directly anyway, and is not refused.
/// The URL is not echoed: it may carry a password.
fn check_environment_proxy(proxy: &ureq::Proxy, base_url: &str) -> Result<()> {
    use ureq::ProxyProtocol as P;
    if matches!(proxy.protocol(), P::Http | P::Https) {
        return Ok(());
    }
    if let Ok(uri) = base_url.parse::<ureq::http::Uri>() {
        if proxy.is_no_proxy(&uri) {
            return Ok(());
        }
    }
    Err(Error::config(format!(
        "the environment (ALL_PROXY, HTTPS_PROXY or HTTP_PROXY) names a SOCKS proxy ({:?}), \
         which this client does not support and would bypass: call no_proxy() to connect \
         directly, or proxy() with an HTTP or HTTPS proxy (a CONNECT tunnel)",
        proxy.protocol()
    )))
}

/// Refuses a [`resolve`](ClientBuilder::resolve) mapping for the base URL's
/// host when a proxy carries the requests to it: the proxy looks the name up
/// itself (ureq hands it the host name), so the mapping would be silently
/// ignored. A mapping for the proxy's own host is honoured, and a host that
/// `NO_PROXY` exempts is connected to directly.
fn check_resolve_and_proxy(
    resolve: &HashMap<String, SocketAddr>,
    proxy: Option<&ureq::Proxy>,
    base_url: &str,
) -> Result<()> {
    let Some(proxy) = proxy else {
        return Ok(());
    };
    if resolve.is_empty() {
        return Ok(());
    }
    let Ok(uri) = base_url.parse::<ureq::http::Uri>() else {
        return Ok(());
    };
    let Some(host) = uri.host() else {
        return Ok(());
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if !resolve.contains_key(&host) || proxy.is_no_proxy(&uri) {
        return Ok(());
    }
    let whose = if proxy.is_from_env() {
        "the proxy the environment names"
    } else {
        "the proxy set with proxy()"
    };
    Err(Error::config(format!(
        "resolve() maps {host}, but requests to it go through {whose}, which looks the name up \
         itself and would ignore the mapping: call no_proxy() to connect directly, or list the \
         host in NO_PROXY"
    )))
}

fn check_base_url(url: &str) -> Result<()> {
    let authority = url.split_once("://").map_or(url, |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or(rest)
    });
    if authority.contains('@') {
        // Not echoed: the part before `@` is a credential.
        return Err(Error::config(
            "the base URL must not carry credentials (user:password@); the access token authenticates",
        ));
    }
    let bad = |why: &str| Err(Error::config(format!("base URL {url:?} {why}")));
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        if !cfg!(any(feature = "rustls", feature = "native-tls")) {
            return bad("is https, but this build has no TLS (enable `rustls` or `native-tls`)");
        }
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        rest
    } else {
        return bad("must start with http:// or https://");
    };
    if rest.is_empty() || rest.starts_with('/') {
        return bad("has no host");
    }
    if url.contains(['?', '#']) || url.chars().any(char::is_whitespace) {
        return bad("must not contain a query, a fragment or spaces");
    }
    if url.parse::<ureq::http::Uri>().is_err() {
        return bad("is not a valid URL");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert!(check_base_url("http://127.0.0.1:8080").is_ok());
        assert!(check_base_url("http://host/losant/").is_ok());
        assert!(check_base_url("ftp://host").is_err());
        assert!(check_base_url("http://").is_err());
        assert!(check_base_url("http://host/?x=1").is_err());
        assert!(check_base_url("api.losant.com").is_err());
    }

    #[test]
    fn builder_requires_a_sendable_token() {
        assert!(matches!(Client::builder().build(), Err(Error::Config(_))));
        assert!(matches!(
            Client::builder().access_token("a\nb").build(),
            Err(Error::Config(_))
        ));
        for blank in ["", " ", "\t \n"] {
            let err = Client::builder().access_token(blank).build().unwrap_err();
            assert!(err.to_string().contains("whitespace"), "{err}");
        }
        let client = Client::new("a\nb");
        let err = client.send(crate::tokens::ListTokens::new()).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(!err.to_string().contains("a\nb"));
    }

    #[test]
    fn trailing_slashes_are_trimmed_once() {
        let c = Client::builder()
            .access_token("t")
            .base_url("http://h/p/")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "http://h/p");
    }
}
