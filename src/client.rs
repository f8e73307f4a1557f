//! [`Client`], [`ClientBuilder`], and the loop that sends a request, retries
//! it when that is safe, and decodes the answer.

use std::fmt;
use std::io::{self, Read};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ureq::http;

use crate::error::{ApiError, DecodeError, Error, Result, TransportKind, UnexpectedStatus};
use crate::paginate::{Paginate, Paginated};
use crate::request::{Headers, Method, Request, build_url};
use crate::retry::{Backoff, Rng, retry_after};
use crate::secret::AccessToken;

const DEFAULT_BASE_URL: &str = "https://api.losant.com";
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
/// The most the client reserves up front for a body on the word of its
/// Content-Length; a larger body grows the buffer as it arrives.
const MAX_PREALLOCATION: u64 = 8 * 1024 * 1024;

/// A blocking Losant client.
///
/// Cheap to clone: every clone, and every client made with
/// [`with_access_token`](Self::with_access_token), shares one connection
/// pool, so sequential requests reuse one keep-alive connection. It is `Send`
/// and `Sync`; share it between threads by reference or by clone.
///
/// ```no_run
/// use losant_rest::tokens::ListTokens;
///
/// # fn main() -> losant_rest::Result<()> {
/// let client = losant_rest::Client::new("my-access-token");
/// let page = client.send(ListTokens::new())?;
/// println!("{} tokens", page.total_count.unwrap_or(0));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    token: AccessToken,
}

struct Inner {
    agent: ureq::Agent,
    base_url: String,
    accept_version: String,
    user_agent: String,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    backoff: Backoff,
    max_retry_after: Duration,
    max_response_size: u64,
}

impl Client {
    /// A client for `https://api.losant.com` with the given access token and
    /// every other setting at its default.
    ///
    /// It does not fail: a token that cannot be sent (one with a line break,
    /// say) makes every request fail with [`Error::Config`] instead. Use
    /// [`Client::builder`] to learn about it at once.
    pub fn new(access_token: impl AsRef<str>) -> Self {
        let builder = Client::builder().access_token(access_token.as_ref());
        match builder.build() {
            Ok(client) => client,
            // The defaults are valid, so only the token can be at fault:
            // keep a client whose requests all report it.
            Err(_) => Client::builder().access_token("").build_unchecked(),
        }
    }

    /// A builder, to set the base URL, time-outs, retries and the rest.
    #[must_use]
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: the access token from
    /// `LOSANT_API_TOKEN`, and the base URL from `LOSANT_API_URL` when it is
    /// set.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `LOSANT_API_TOKEN` is unset or empty, or when
    /// either value is unusable.
    pub fn from_env() -> Result<Self> {
        let token = std::env::var("LOSANT_API_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| Error::config("LOSANT_API_TOKEN is not set, or only whitespace"))?;
        let mut builder = Client::builder().access_token(token);
        if let Some(url) = std::env::var("LOSANT_API_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// A client that sends another access token but shares this client's
    /// connection pool and settings. It does not fail: a token that cannot
    /// be sent as a header makes every request fail with [`Error::Config`].
    #[must_use]
    pub fn with_access_token(&self, access_token: impl AsRef<str>) -> Self {
        Client {
            inner: Arc::clone(&self.inner),
            token: AccessToken::new(access_token.as_ref()),
        }
    }

    /// The base URL requests go to, without a trailing slash.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sends a request and decodes its answer.
    ///
    /// The request is checked first; one that cannot be valid fails with
    /// [`Error::InvalidRequest`] and nothing is sent. Transient failures of
    /// requests that are safe to repeat are retried as
    /// [`ClientBuilder`] describes.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] for an answer of 400 or more, [`Error::InvalidRequest`]
    /// for a request refused before sending, [`Error::Transport`] when the
    /// exchange failed, [`Error::Decode`] when a successful answer did not
    /// decode, [`Error::UnexpectedStatus`] for a redirect, and
    /// [`Error::Config`] when the client's access token cannot be sent.
    // By value, as the public contract says: a sent request is spent, and a
    // future request type may move its body into the exchange.
    #[allow(clippy::needless_pass_by_value)]
    pub fn send<R: Request>(&self, request: R) -> Result<R::Response> {
        self.execute(&request)
    }

    /// Every item of a paged list, one page in memory at a time, starting at
    /// the request's page and keeping its sort and filter.
    ///
    /// The iterator is lazy: it asks for a page only when the previous one is
    /// used up, and stops when the server's `totalCount` says the last page
    /// was reached, so it never asks for an empty page after a full one.
    /// After an error it yields that error once and then ends. It holds one
    /// decoded page (`perPage` tokens, about 0.7 KiB each as Rust values) and
    /// the raw body of the page being read.
    ///
    /// ```no_run
    /// use losant_rest::tokens::ListTokens;
    ///
    /// # fn main() -> losant_rest::Result<()> {
    /// let client = losant_rest::Client::from_env()?;
    /// for token in client.paginate(ListTokens::new().per_page(1000)) {
    ///     let token = token?;
    ///     println!("{} {}", token.id, token.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn paginate<R: Paginated>(&self, request: R) -> Paginate<R> {
        Paginate::new(self.clone(), request)
    }

    pub(crate) fn execute<R: Request>(&self, request: &R) -> Result<R::Response> {
        request.validate()?;
        if self.token.is_empty() {
            return Err(Error::config(
                "the access token is empty or cannot be sent as a header",
            ));
        }
        let inner = &*self.inner;
        let url = build_url(&inner.base_url, request);
        let body = request.body()?;
        let method = request.method();
        let retry_safe = request.retry_safe();
        let headers = extra_headers(request)?;
        let mut rng = None;
        let mut retry = 0;
        // Whether an earlier attempt may have been carried out although its
        // answer never arrived: only then does a 404 mean "already done".
        let mut may_have_applied = false;
        loop {
            let started = Instant::now();
            let outcome = self.attempt(method, &url, &headers, body.as_deref());
            log_attempt(method, &url, &outcome, started.elapsed(), retry);
            let wait = match outcome {
                Ok(exchange) if (200..300).contains(&exchange.status) => {
                    return decode(exchange.status, &exchange.body);
                }
                Ok(exchange) => {
                    if exchange.status == 404 && may_have_applied {
                        if let Some(done) = request.response_when_gone() {
                            return Ok(done);
                        }
                    }
                    // A gateway's 502 or 504 says nothing about whether the
                    // server behind it acted; a 429 or 503 says it did not.
                    may_have_applied |= matches!(exchange.status, 502 | 504);
                    let transient = matches!(exchange.status, 429 | 502 | 503 | 504);
                    let retry_after = exchange.retry_after;
                    let error = exchange.into_error();
                    if !(transient && retry_safe) || retry >= inner.max_retries {
                        return Err(error);
                    }
                    match retry_after {
                        // Waiting longer than the caller allows is worse than
                        // failing now: a script would seem to hang.
                        Some(wait) if wait > inner.max_retry_after => return Err(error),
                        Some(wait) => wait,
                        None => inner.backoff.delay(retry, rng.get_or_insert_with(Rng::new)),
                    }
                }
                Err(failure) => {
                    let allowed = failure.before_send || (retry_safe && failure.transient);
                    if !allowed || retry >= inner.max_retries {
                        return Err(failure.error);
                    }
                    may_have_applied |= !failure.before_send;
                    inner.backoff.delay(retry, rng.get_or_insert_with(Rng::new))
                }
            };
            std::thread::sleep(wait);
            retry += 1;
        }
    }

    /// One HTTP exchange, from connect to the last body byte.
    fn attempt(
        &self,
        method: Method,
        url: &str,
        headers: &[(http::HeaderName, http::HeaderValue)],
        body: Option<&[u8]>,
    ) -> Result<Exchange, Failure> {
        let inner = &*self.inner;
        let mut builder = http::Request::builder()
            .method(method.as_str())
            .uri(url)
            .header("accept-version", inner.accept_version.as_str())
            .header(http::header::AUTHORIZATION, self.token.authorization());
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        let sent = match body {
            Some(body) => builder
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body)
                .map(|r| inner.agent.run(r)),
            None => builder.body(()).map(|r| inner.agent.run(r)),
        };
        let mut response = match sent {
            Ok(response) => response.map_err(Failure::before_response)?,
            Err(_) => {
                return Err(Failure::refused(Error::invalid(
                    "path",
                    "the request's path or query does not make a valid URI",
                )));
            }
        };
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header(http::header::RETRY_AFTER.as_str())
            .and_then(|v| retry_after(&v, SystemTime::now()));
        let location = if (300..400).contains(&status) {
            header(http::header::LOCATION.as_str())
        } else {
            None
        };
        // Size the buffer from Content-Length (never beyond the limit) so a
        // large page is read without repeated reallocation and copying.
        let capacity = response
            .body()
            .content_length()
            .map_or(0, |n| n.min(inner.max_response_size).min(MAX_PREALLOCATION));
        let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        response
            .body_mut()
            .with_config()
            .limit(inner.max_response_size)
            .reader()
            .read_to_end(&mut body)
            .map_err(|e| Failure::in_body(ureq::Error::from(e)))?;
        Ok(Exchange {
            status,
            body,
            retry_after,
            location,
        })
    }
}

/// The request's own headers, `losantdomain` first, checked once before any
/// attempt so that a bad one is refused without touching the network.
fn extra_headers<R: Request>(request: &R) -> Result<Vec<(http::HeaderName, http::HeaderValue)>> {
    let mut list = Vec::new();
    if let Some(domain) = &request.params().losant_domain {
        list.push(("losantdomain".to_owned(), domain.clone()));
    }
    request.headers(&mut Headers::new(&mut list));
    list.into_iter()
        .map(|(name, value)| {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::invalid("headers", format!("{name:?} is not a header name")))?;
            if RESERVED_HEADERS.contains(&name.as_str()) {
                return Err(Error::invalid(
                    "headers",
                    format!("`{name}` is set by the client and cannot be overridden"),
                ));
            }
            let value = http::HeaderValue::from_str(&value).map_err(|_| {
                let field = if name == "losantdomain" {
                    "losantdomain"
                } else {
                    "headers"
                };
                Error::invalid(
                    field,
                    format!("the value of `{name}` cannot be sent as a header"),
                )
            })?;
            Ok((name, value))
        })
        .collect()
}

/// Headers the client owns: the token, and the framing of the body.
const RESERVED_HEADERS: [&str; 5] = [
    "authorization",
    "content-length",
    "content-type",
    "host",
    "transfer-encoding",
];

/// Decodes a successful body straight from the buffer it was read into.
///
/// Checking UTF-8 once for the whole body and then parsing it as `str` is
/// markedly faster than `from_slice`, which checks every string on its own;
/// a body that is not UTF-8 goes through `from_slice` for its error.
fn decode<T: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    let decoded = match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    };
    decoded.map_err(|e| Error::Decode(DecodeError::new(status, body, e)))
}

fn log_attempt(
    method: Method,
    url: &str,
    outcome: &Result<Exchange, Failure>,
    elapsed: Duration,
    retry: u32,
) {
    if !log::log_enabled!(log::Level::Debug) {
        return;
    }
    // Only the path: the query can carry user data (filters), and the
    // authority is the user's business.
    let path = url.split('?').next().unwrap_or(url);
    let path = path
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|at| &rest[at..]))
        .unwrap_or("/");
    match outcome {
        Ok(exchange) => log::debug!(
            "{} {path} -> {} in {elapsed:?} (retry {retry})",
            method.as_str(),
            exchange.status
        ),
        Err(failure) => log::debug!(
            "{} {path} -> failed: {} in {elapsed:?} (retry {retry})",
            method.as_str(),
            failure.error
        ),
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.base_url)
            .field("access_token", &self.token)
            .field("accept_version", &inner.accept_version)
            .field("user_agent", &inner.user_agent)
            .field("timeout", &inner.timeout)
            .field("connect_timeout", &inner.connect_timeout)
            .field("max_retries", &inner.max_retries)
            .field("max_response_size", &inner.max_response_size)
            .finish_non_exhaustive()
    }
}

/// A response that arrived whole.
struct Exchange {
    status: u16,
    body: Vec<u8>,
    retry_after: Option<Duration>,
    location: Option<String>,
}

impl Exchange {
    fn into_error(self) -> Error {
        if self.status >= 400 {
            Error::Api(ApiError::from_response(self.status, self.body))
        } else {
            Error::UnexpectedStatus(UnexpectedStatus::new(self.status, self.location))
        }
    }
}

/// An exchange that failed, and what that means for a retry.
struct Failure {
    error: Error,
    /// Nothing of the request left this machine, so even a `POST` may go
    /// again.
    before_send: bool,
    /// The connection dropped before any answer: worth another try for a
    /// request that is safe to repeat.
    transient: bool,
}

impl Failure {
    fn refused(error: Error) -> Self {
        Failure {
            error,
            before_send: false,
            transient: false,
        }
    }

    fn before_response(e: ureq::Error) -> Self {
        let (kind, before_send, transient) = match &e {
            ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
                (TransportKind::Connect, true, true)
            }
            // A time-out is never retried: the caller's time budget is spent.
            ureq::Error::Timeout(_) => (TransportKind::Timeout, false, false),
            ureq::Error::Io(io) => match io.kind() {
                // Only a refusal is certain to come from connecting: ureq does
                // not say in which phase another I/O error happened, and an
                // established socket can report "unreachable" after the
                // request went out.
                io::ErrorKind::ConnectionRefused => (TransportKind::Connect, true, true),
                io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
                | io::ErrorKind::AddrNotAvailable => (TransportKind::Connect, false, true),
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => (TransportKind::Io, false, true),
                io::ErrorKind::TimedOut => (TransportKind::Timeout, false, false),
                _ => (TransportKind::Io, false, false),
            },
            ureq::Error::BodyExceedsLimit(_) => (TransportKind::TooLarge, false, false),
            _ => (TransportKind::Other, false, false),
        };
        Failure {
            error: transport_error(kind, e),
            before_send,
            transient,
        }
    }

    /// The answer started, so the request certainly reached the server; a
    /// broken body is never retried.
    fn in_body(e: ureq::Error) -> Self {
        let kind = match &e {
            ureq::Error::Timeout(_) => TransportKind::Timeout,
            ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => TransportKind::Timeout,
            ureq::Error::BodyExceedsLimit(_) => TransportKind::TooLarge,
            _ => TransportKind::Body,
        };
        Failure::refused(transport_error(kind, e))
    }
}

fn transport_error(kind: TransportKind, e: ureq::Error) -> Error {
    let message = match (&kind, &e) {
        (TransportKind::TooLarge, ureq::Error::BodyExceedsLimit(limit)) => {
            format!("the response body is larger than the limit of {limit} bytes")
        }
        (TransportKind::Timeout, _) => format!("timed out: {e}"),
        (TransportKind::Connect, _) => format!("could not connect: {e}"),
        (TransportKind::Body, _) => format!("the response body failed: {e}"),
        _ => format!("the request failed: {e}"),
    };
    let error = Error::transport(kind, message);
    match (error, e) {
        (Error::Transport(t), ureq::Error::Io(io)) => Error::Transport(t.with_source(io)),
        (error, _) => error,
    }
}

/// Configures a [`Client`].
///
/// # Retries
///
/// A request is sent again only when that cannot do harm:
///
/// - `GET` and `DELETE` (any request whose [`Request::retry_safe`] is true)
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
/// [`no_proxy`](Self::no_proxy) ignores the environment.
///
/// ```
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
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Sets the access token sent as `Authorization: Bearer <token>`.
    /// Required: [`build`](Self::build) fails without it. Defaults to none.
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
    /// byte. Defaults to 30 seconds.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the time allowed to connect (and negotiate TLS). Defaults to 10
    /// seconds.
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

    /// Sends every request through this proxy, such as
    /// `http://proxy.example:3128` or `socks5://127.0.0.1:1080`. Defaults to
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

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no access token was set, when a value cannot be
    /// sent as a header, when the base URL is not an `http` or `https` URL
    /// (or is `https` in a build without TLS), or when the proxy URL is
    /// unusable.
    pub fn build(self) -> Result<Client> {
        let token = match &self.access_token {
            Some(t) if !t.trim().is_empty() => t,
            Some(_) => {
                return Err(Error::config(
                    "the access token is empty or only whitespace",
                ));
            }
            None => return Err(Error::config("no access token was set")),
        };
        if http::HeaderValue::from_str(token).is_err() {
            return Err(Error::config("the access token cannot be sent as a header"));
        }
        for (name, value) in [
            ("accept_version", &self.accept_version),
            ("user_agent", &self.user_agent),
        ] {
            if http::HeaderValue::from_str(value).is_err() {
                return Err(Error::config(format!("{name} cannot be sent as a header")));
            }
        }
        check_base_url(&self.base_url)?;
        if let ProxySetting::Url(url) = &self.proxy {
            ureq::Proxy::new(url).map_err(|e| Error::config(format!("bad proxy URL: {e}")))?;
        }
        Ok(self.build_unchecked())
    }

    fn build_unchecked(self) -> Client {
        let proxy = match &self.proxy {
            ProxySetting::FromEnv => ureq::Proxy::try_from_env(),
            ProxySetting::Off => None,
            ProxySetting::Url(url) => ureq::Proxy::new(url).ok(),
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(self.timeout))
            .timeout_connect(Some(self.connect_timeout))
            .user_agent(self.user_agent.as_str())
            .accept("application/json")
            .max_idle_connections(self.max_idle_connections)
            .max_idle_connections_per_host(self.max_idle_connections)
            .proxy(proxy);
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        let config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::NativeTls)
                .build(),
        );
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        Client {
            token: AccessToken::new(self.access_token.as_deref().unwrap_or("")),
            inner: Arc::new(Inner {
                agent: config.build().new_agent(),
                base_url,
                accept_version: self.accept_version,
                user_agent: self.user_agent,
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                max_retries: self.max_retries,
                backoff: self.backoff,
                max_retry_after: self.max_retry_after,
                max_response_size: self.max_response_size,
            }),
        }
    }
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
    if url.parse::<http::Uri>().is_err() {
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
