//! An in-process fake of Losant's REST API for API tokens.
//!
//! [`FakeLosant`] is a small HTTP/1.1 server on `127.0.0.1` (HTTPS with
//! [`FakeLosantBuilder::tls`], whichever TLS feature the client uses: the
//! fake's own server side is always rustls). It serves the five token
//! actions for the three kinds of owner ([`Owner`]):
//!
//! | owner | collection (`GET` list, `POST` create) | one token (`GET`, `PATCH`, `DELETE`) |
//! | --- | --- | --- |
//! | the user | `/me/tokens` | `/me/tokens/{apiTokenId}` |
//! | an application | `/applications/{applicationId}/tokens` | `/applications/{applicationId}/tokens/{apiTokenId}` |
//! | an instance | `/instances/{instanceId}/tokens` | `/instances/{instanceId}/tokens/{apiTokenId}` |
//!
//! and the directories that lead to them, `GET /applications` (paging,
//! sorting, a name filter and `orgId`), `GET /instances` and `GET /me`,
//! listing what [`FakeLosant::add_application`] and
//! [`FakeLosant::add_instance`] added (the directories start empty; the
//! token routes still accept any well-formed ID, listed or not),
//! the way the real API does: bearer-token auth, scopes, `Accept-Version`
//! negotiation, schema validation of bodies, sorting, filtering and paging of
//! lists, HAL fields, gzip (with the `gzip` feature). Every owner has its own
//! tokens; any well-formed application or instance ID is accepted and starts
//! empty. The fake keeps its state in memory, records every request and can
//! inject faults ([`Fault`]): error statuses, dropped connections, truncated
//! or endless bodies, for the next requests ([`FakeLosant::fail_next`]) or for
//! requests of a given method and path ([`FakeLosant::fail_matching`]).
//!
//! Request handling order: a fault is applied first; then the path prefix
//! (404 outside it), the bearer token (401 `Unauthorized`), `Accept-Version`
//! (400 `VersionNotAllowed` unless the node-semver range admits a release
//! from 1.0.0 up to the fake's API version), routing (404 `NotFound`, 405
//! `MethodNotAllowed` with `Allow`), scopes (403 `Forbidden`), path IDs, query
//! and body (400 `Validation`), lookup (404).
//!
//! ```no_run
//! use losant_rest::fake::{Fault, FakeLosant, Owner};
//!
//! let fake = FakeLosant::start();
//! let ids = fake.seed(3);
//! let app = Owner::application(fake.add_application("greenhouse"));
//! fake.seed_for(&app, 2);
//! // The next request fails with a 503 the client may retry.
//! fake.fail_next(1, Fault::status(503).with_header("Retry-After", "1"));
//! // The first create of an application token fails with a 500.
//! fake.fail_matching("POST", "/applications/*/tokens", 1, Fault::status(500));
//! println!("point the client at {} with {}", fake.url(), fake.access_token());
//! assert_eq!(fake.token_count(), 3);
//! assert_eq!(fake.token_count_for(&app), 2);
//! assert!(fake.token(&ids[0]).is_some());
//! // Dropping `fake` stops the server.
//! ```

mod directories;
mod fault;
mod routes;
mod server;
mod store;
mod tls;
mod validate;
mod version;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::Value;

pub use fault::Fault;
pub use store::Owner;

const DEFAULT_TOKEN: &str = "fake-losant-access-token";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fake Losant API server. Dropping it stops the server and closes
/// its open connections.
pub struct FakeLosant {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

/// Configures a [`FakeLosant`] before starting it; see [`FakeLosant::builder`].
#[derive(Debug, Clone)]
pub struct FakeLosantBuilder {
    port: u16,
    tokens: Vec<String>,
    prefix: String,
    gzip: bool,
    scopes: Option<Vec<String>>,
    api_version: String,
    tls: bool,
    identity: Option<(String, String)>,
}

/// One HTTP request as the fake received it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The request method, e.g. `GET`.
    pub method: String,
    /// The raw path without the query, exactly as received (still percent-encoded).
    pub path: String,
    /// The raw query string without `?`, exactly as received (`""` if none).
    pub query: String,
    /// The headers in arrival order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The request body (de-chunked if it was sent chunked).
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The value of the first header called `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        server::find_header(&self.headers, name)
    }

    /// The first query parameter called `name`, percent-decoded
    /// (`%XX` decoded as UTF-8, `+` stays `+`).
    #[must_use]
    pub fn query_param(&self, name: &str) -> Option<String> {
        server::query_pairs(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// All query parameters in order, percent-decoded (`+` stays `+`).
    #[must_use]
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        server::query_pairs(&self.query)
    }
}

impl Default for FakeLosantBuilder {
    fn default() -> Self {
        FakeLosantBuilder {
            port: 0,
            tokens: Vec::new(),
            prefix: String::new(),
            gzip: true,
            scopes: None,
            api_version: String::new(),
            tls: false,
            identity: None,
        }
    }
}

impl FakeLosantBuilder {
    /// The port to bind on 127.0.0.1. Defaults to 0 (a random free port).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Adds an accepted bearer token; the first one added is
    /// [`FakeLosant::access_token`]. Defaults to accepting only
    /// `"fake-losant-access-token"` when none is added.
    #[must_use]
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.tokens.push(token.into());
        self
    }

    /// Serves the API under `prefix` (e.g. `"/losant"`) and answers 404
    /// `NotFound` outside it. Defaults to none.
    #[must_use]
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        let p = prefix.into();
        let p = p.trim_matches('/');
        self.prefix = if p.is_empty() {
            String::new()
        } else {
            format!("/{p}")
        };
        self
    }

    /// Whether to answer gzip-encoded (`Content-Encoding: gzip`) when the
    /// request's `Accept-Encoding` contains `gzip`. Defaults to true. Without
    /// the crate's `gzip` feature the fake never compresses.
    #[must_use]
    pub fn gzip(mut self, on: bool) -> Self {
        self.gzip = on;
        self
    }

    /// Gives the accepted access tokens only these scopes (such as
    /// `"all.User.read"` or `"applicationApiTokens.*"`); an action none of
    /// them allows answers 403 `Forbidden`. Each action accepts the scopes
    /// Losant documents for it: `all.User` allows every user token action,
    /// `all.User.read` only the two `GET`s, `userApiTokens.*` the list and
    /// create, `userApiToken.patch` only updates, and so on for
    /// `all.Application`, `all.Organization`, `all.Instance`,
    /// `applicationApiToken(s).*`, `instanceApiToken(s).*`. The directories
    /// accept `all.User` and `all.User.read`, and `applications.get`,
    /// `instances.get` or `me.get` for theirs. Defaults to allowing every
    /// action.
    #[must_use]
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// The newest API version the fake serves, such as `"1.30.0"` to emulate
    /// an older server: an `Accept-Version` range that needs a later release
    /// is refused with 400 `VersionNotAllowed`. Before 1.31.0 tokens and
    /// lists carry no `applicationId`/`instanceId` and the instance routes
    /// answer 404. Defaults to `"1.31.0"`; [`start`](Self::start) fails on
    /// anything but `MAJOR.MINOR.PATCH` with major version 1.
    #[must_use]
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Whether to serve HTTPS with the embedded test certificate (for
    /// `localhost`, `api.losant.test` and `127.0.0.1`, signed by
    /// [`FakeLosant::ca_pem`]); [`FakeLosant::url`] then starts with
    /// `https://127.0.0.1:`. Defaults to false (plain HTTP).
    #[must_use]
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// Serves HTTPS with another identity: a PEM certificate chain (leaf
    /// first) and its PEM private key (PKCS#8, SEC1 or PKCS#1), such as an
    /// expired or untrusted certificate for negative tests. Implies
    /// [`tls(true)`](Self::tls); [`start`](Self::start) fails if the PEM
    /// cannot be used. Defaults to the embedded test certificate.
    #[must_use]
    pub fn tls_identity(
        mut self,
        cert_chain_pem: impl Into<String>,
        key_pem: impl Into<String>,
    ) -> Self {
        self.tls = true;
        self.identity = Some((cert_chain_pem.into(), key_pem.into()));
        self
    }

    /// Binds 127.0.0.1 and starts serving.
    ///
    /// # Errors
    /// If the port cannot be bound, the accept thread cannot be spawned, the
    /// [`api_version`](Self::api_version) is not a `1.x.y` release, or the
    /// TLS identity cannot be used.
    pub fn start(self) -> io::Result<FakeLosant> {
        let api_version = if self.api_version.is_empty() {
            version::NEWEST
        } else {
            version::parse_release(&self.api_version)
                .filter(|v| v[0] == 1)
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("api_version {:?} is not a 1.x.y release", self.api_version),
                    )
                })?
        };
        let tls = if self.tls {
            let identity = self
                .identity
                .as_ref()
                .map(|(c, k)| (c.as_str(), k.as_str()));
            Some(tls::server_config(identity)?)
        } else {
            None
        };
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        let addr = listener.local_addr()?;
        let tokens = if self.tokens.is_empty() {
            vec![DEFAULT_TOKEN.to_string()]
        } else {
            self.tokens
        };
        let shared = Arc::new(Shared {
            tokens,
            scopes: self.scopes,
            prefix: self.prefix,
            gzip: self.gzip,
            api_version,
            tls,
            store: Mutex::new(store::Store::default()),
            requests: Mutex::new(Vec::new()),
            faults: Mutex::new(fault::Faults::default()),
            connections: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            open: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
        });
        let s = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("fake-losant-accept".into())
            .spawn(move || server::accept_loop(&listener, &s))?;
        Ok(FakeLosant {
            shared,
            addr,
            accept: Some(accept),
        })
    }
}

impl FakeLosant {
    /// Starts a fake with the defaults on a random port.
    ///
    /// # Panics
    /// If 127.0.0.1 cannot be bound (or no thread can be spawned).
    #[must_use]
    pub fn start() -> FakeLosant {
        match FakeLosant::builder().start() {
            Ok(f) => f,
            Err(e) => panic!("cannot start FakeLosant on 127.0.0.1: {e}"),
        }
    }

    /// A builder to configure the port, tokens, scopes, API version, path
    /// prefix, gzip and TLS.
    #[must_use]
    pub fn builder() -> FakeLosantBuilder {
        FakeLosantBuilder::default()
    }

    /// The base URL plus the path prefix if set, no trailing slash:
    /// `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` when serving
    /// HTTPS. The test certificate names the address as well as `localhost`
    /// and `api.losant.test`, so no name lookup is needed; to use a name,
    /// map it with [`ClientBuilder::resolve`](crate::ClientBuilder::resolve).
    #[must_use]
    pub fn url(&self) -> String {
        let scheme = if self.is_tls() { "https" } else { "http" };
        format!(
            "{scheme}://127.0.0.1:{}{}",
            self.addr.port(),
            self.shared.prefix
        )
    }

    fn is_tls(&self) -> bool {
        self.shared.tls.is_some()
    }

    /// The port the fake listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The first accepted bearer token (default `"fake-losant-access-token"`).
    #[must_use]
    pub fn access_token(&self) -> &str {
        &self.shared.tokens[0]
    }

    /// The test CA (PEM) that signed the certificate an HTTPS fake serves;
    /// trust it, and only it, in a client under test. Public test material.
    #[must_use]
    pub fn ca_pem() -> &'static str {
        tls::CA_PEM
    }

    /// Adds `n` tokens for the user; see [`seed_for`](Self::seed_for).
    #[allow(clippy::must_use_candidate)] // ignoring the ids is fine
    pub fn seed(&self, n: usize) -> Vec<String> {
        self.seed_for(&Owner::Me, n)
    }

    /// Adds `n` tokens for `owner` named `seeded-token-0000`,
    /// `seeded-token-0001`, … (numbering continues across calls, per owner)
    /// and returns their ids in insertion order.
    ///
    /// Every date is relative to the moment of seeding, so that a test means
    /// the same on any day. Creation dates lie 358 to 400 days back, vary and
    /// are not in name order. Every 3rd token (number 2, 5, 8, …) is
    /// `inactive`. The expiry follows the number `i` modulo 8:
    ///
    /// | `i % 8` | `expirationDate` | numbers |
    /// | --- | --- | --- |
    /// | odd | none: never expires | 1, 3, 5, 7, 9, … |
    /// | 0 | in 10 years (far future) | 0, 8, 16, … |
    /// | 2 | in 7 days (expires soon) | 2, 10, 18, … |
    /// | 4 | 30 days ago (expired) | 4, 12, 20, … |
    /// | 6 | in 180 days | 6, 14, 22, … |
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use losant_rest::fake::FakeLosant;
    /// use losant_rest::tokens::ListTokens;
    ///
    /// let fake = FakeLosant::start();
    /// fake.seed(8);
    /// # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build().unwrap();
    /// let page = client.send(ListTokens::new()).unwrap(); // sorted by name: 0 to 7
    /// let (now, month) = (SystemTime::now(), Duration::from_secs(30 * 86_400));
    /// let t = &page.items;
    /// assert!(t[1].expires_at().is_none());
    /// assert!(t[2].expires_within(month, now));
    /// assert!(t[4].is_expired_at(now));
    /// assert!(!t[0].is_expired_at(now) && !t[0].expires_within(month, now));
    /// ```
    #[allow(clippy::must_use_candidate)] // ignoring the ids is fine
    pub fn seed_for(&self, owner: &Owner, n: usize) -> Vec<String> {
        let owner_ids = self.shared.owner_ids();
        lock(&self.shared.store).seed(owner, n, owner_ids)
    }

    /// Lists a new application owned by the user, named `name`, in
    /// `GET /applications`, and returns its ID (24 hexadecimal characters).
    /// Its tokens start empty; seed them with
    /// [`seed_for`](Self::seed_for)`(&Owner::application(id), n)`.
    #[allow(clippy::must_use_candidate)] // ignoring the id is fine
    pub fn add_application(&self, name: &str) -> String {
        lock(&self.shared.store).add_listed(false, name, None)
    }

    /// Lists a new application owned by the organization `org_id` (called
    /// `org_name`), as [`add_application`](Self::add_application) does: it
    /// is what `GET /applications?orgId={org_id}` lists, and what a blank
    /// `orgId` leaves out.
    #[allow(clippy::must_use_candidate)] // ignoring the id is fine
    pub fn add_organization_application(&self, org_id: &str, org_name: &str, name: &str) -> String {
        let org = Some((org_id.to_ascii_lowercase(), org_name.to_owned()));
        lock(&self.shared.store).add_listed(false, name, org)
    }

    /// Lists a new instance named `name` in `GET /instances` and returns its
    /// ID. Its tokens start empty; seed them with
    /// [`seed_for`](Self::seed_for)`(&Owner::instance(id), n)`.
    #[allow(clippy::must_use_candidate)] // ignoring the id is fine
    pub fn add_instance(&self, name: &str) -> String {
        lock(&self.shared.store).add_listed(true, name, None)
    }

    /// Stores a token for the user; see [`insert_for`](Self::insert_for).
    #[allow(clippy::must_use_candidate)] // ignoring the id is fine
    pub fn insert(&self, token: Value) -> String {
        self.insert_for(&Owner::Me, token)
    }

    /// Stores a token object for `owner` as given (e.g. with unknown fields
    /// or enum values, or without owner fields), filling `id`/`apiTokenId`
    /// if missing (from each other, or a fresh id) and dropping any `token`
    /// secret. Replaces the owner's stored token with the same id. Returns
    /// the id. A non-object value is stored as an object with only the ids.
    #[allow(clippy::must_use_candidate)] // ignoring the id is fine
    pub fn insert_for(&self, owner: &Owner, token: Value) -> String {
        lock(&self.shared.store).insert(owner, token)
    }

    /// How many tokens the user has.
    #[must_use]
    pub fn token_count(&self) -> usize {
        self.token_count_for(&Owner::Me)
    }

    /// How many tokens `owner` has.
    #[must_use]
    pub fn token_count_for(&self, owner: &Owner) -> usize {
        lock(&self.shared.store).tokens(owner).len()
    }

    /// The current stored state of a token of any owner, the user's first
    /// (never includes the secret).
    #[must_use]
    pub fn token(&self, id: &str) -> Option<Value> {
        lock(&self.shared.store)
            .find_any(id)
            .map(|t| Value::Object(t.clone()))
    }

    /// Every request received so far (including faulted ones), in arrival order.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// How many requests were received so far.
    #[must_use]
    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// How many TCP connections were accepted so far (including those whose
    /// TLS handshake failed).
    #[must_use]
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The next `n` requests that no [`fail_matching`](Self::fail_matching)
    /// rule claims get `fault`, queued after any faults already queued.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        lock(&self.shared.faults).push_next(n, fault);
    }

    /// The next `n` requests whose method is `method` (case-insensitive;
    /// `"*"` for any) and whose path matches `path_glob` get `fault`; other
    /// requests pass untouched.
    ///
    /// The path is matched without the query and without the
    /// [path prefix](FakeLosantBuilder::path_prefix) (a path outside the
    /// prefix is matched whole), still percent-encoded, and a trailing `/` is
    /// ignored. In the glob, `*` matches any run of
    /// characters within one path segment and `**` any run across segments:
    /// `"/me/tokens/*"` matches every single user token,
    /// `"/applications/*/tokens"` every application's collection, `"**"`
    /// every path. Rules are tried in the order they were added and come
    /// before the [`fail_next`](Self::fail_next) queue.
    pub fn fail_matching(&self, method: &str, path_glob: &str, n: usize, fault: Fault) {
        lock(&self.shared.faults).push_rule(method, path_glob, n, fault);
    }
}

impl fmt::Debug for FakeLosant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeLosant")
            .field("url", &self.url())
            .field("tokens", &self.token_count())
            .field("requests", &self.request_count())
            .field("connections", &self.connection_count())
            .finish_non_exhaustive()
    }
}

impl Drop for FakeLosant {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so the loop sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        for (_, s) in lock(&self.shared.open).drain() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// What the accept loop, the connections and the handle share.
struct Shared {
    tokens: Vec<String>,
    /// `None`: every action is allowed.
    scopes: Option<Vec<String>>,
    prefix: String,
    gzip: bool,
    api_version: version::Version,
    tls: Option<Arc<rustls::ServerConfig>>,
    store: Mutex<store::Store>,
    requests: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<fault::Faults>,
    connections: AtomicUsize,
    stop: AtomicBool,
    open: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
}

impl Shared {
    /// Whether tokens and lists carry `applicationId`/`instanceId` (API 1.31+).
    fn owner_ids(&self) -> bool {
        self.api_version >= version::OWNER_IDS
    }
}
