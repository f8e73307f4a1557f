//! An in-process fake of Losant's REST API for user API tokens.
//!
//! [`FakeLosant`] is a small HTTP/1.1 server on `127.0.0.1`, built on the
//! standard library only. It serves `GET|POST /me/tokens` and
//! `GET|PATCH|DELETE /me/tokens/{apiTokenId}` the way the real API does
//! (bearer-token auth, `Accept-Version` check, schema validation of bodies,
//! sorting, filtering and paging of the list, HAL fields, optional gzip), keeps
//! its state in memory, records every request and can inject faults
//! ([`Fault`]) such as error statuses, dropped connections, truncated or
//! endless bodies.
//!
//! Request handling order: a queued fault is applied first; then the path
//! prefix (404 outside it), the bearer token (401), `Accept-Version` (400
//! unless it is a semver range some `1.x.y` release satisfies),
//! routing (404/405), path id and query/body validation (400), lookup (404).
//!
//! ```no_run
//! use losant_rest::fake::{Fault, FakeLosant};
//!
//! let fake = FakeLosant::start();
//! let ids = fake.seed(3);
//! // The next request fails with a 503 the client may retry.
//! fake.fail_next(1, Fault::status(503).with_header("Retry-After", "1"));
//! println!("point the client at {} with {}", fake.url(), fake.access_token());
//! assert_eq!(fake.token_count(), 3);
//! assert!(fake.token(&ids[0]).is_some());
//! // Dropping `fake` stops the server.
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt::{self, Write as _};
use std::hash::{BuildHasher, RandomState};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

const DEFAULT_TOKEN: &str = "fake-losant-access-token";
/// The id of the fake's only user: owner and creator of every created token.
const USER_ID: &str = "5f1e2d3c4b5a69788796a5b4";
const MAX_LINE: usize = 16 * 1024;
const MAX_HEADERS: usize = 200;
const MAX_BODY: usize = 32 * 1024 * 1024;
const ROLES: &[&str] = &["admin", "edit", "collaborate", "view", "none"];
const RESOURCE_ROLES: &[&str] = &["collaborate", "view", "none"];
const STATUSES: &[&str] = &["active", "inactive"];
const SORT_FIELDS: &[&str] = &[
    "name",
    "status",
    "id",
    "creationDate",
    "lastUpdated",
    "expirationDate",
];

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

/// A misbehaviour injected into the answer to a request; see [`FakeLosant::fail_next`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with `status` and a Losant error body; the request is not processed.
    #[non_exhaustive]
    Status {
        /// The status code.
        status: u16,
        /// A body replacing the default `{"type":..,"message":..}`.
        body: Option<String>,
        /// Extra response headers.
        headers: Vec<(String, String)>,
    },
    /// Answer with `status` and an HTML gateway error page; not processed.
    #[non_exhaustive]
    Html {
        /// The status code.
        status: u16,
        /// Extra response headers.
        headers: Vec<(String, String)>,
    },
    /// Answer with `status` and an empty body; not processed.
    #[non_exhaustive]
    Empty {
        /// The status code.
        status: u16,
        /// Extra response headers.
        headers: Vec<(String, String)>,
    },
    /// Sleep, then process and answer normally.
    Delay(Duration),
    /// Close the connection without answering; not processed.
    Reset,
    /// Process the request, then close the connection without answering.
    ResetAfterProcessing,
    /// Process, send the full `Content-Length` but only half the body, then close.
    TruncatedBody,
    /// Send a close-delimited `200` JSON body that never ends; not processed.
    EndlessBody,
    /// Process and answer normally (no `Connection: close`), then close the connection.
    CloseAfterResponse,
}

impl Fault {
    /// Answers with `status` and a Losant error body `{"type":..,"message":..}`;
    /// the request is not processed.
    #[must_use]
    pub fn status(status: u16) -> Fault {
        Fault::Status {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// Adds an extra response header, e.g. `("Retry-After", "1")`. Only
    /// meaningful on [`Fault::status`], [`Fault::html`] and [`Fault::empty`];
    /// other faults are returned unchanged. Defaults to no extra header.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Fault {
        if let Fault::Status { headers, .. }
        | Fault::Html { headers, .. }
        | Fault::Empty { headers, .. } = &mut self
        {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Replaces the body of a [`Fault::status`] fault (sent as given, with
    /// `Content-Type: application/json`); other faults are returned unchanged.
    /// Defaults to a Losant error body for the status.
    #[must_use]
    pub fn with_body(mut self, new_body: impl Into<String>) -> Fault {
        if let Fault::Status { body, .. } = &mut self {
            *body = Some(new_body.into());
        }
        self
    }

    /// Answers with `status` and an HTML gateway error page (`Content-Type: text/html`);
    /// the request is not processed.
    #[must_use]
    pub fn html(status: u16) -> Fault {
        Fault::Html {
            status,
            headers: Vec::new(),
        }
    }

    /// Answers with `status`, an empty body and `Content-Length: 0`; not processed.
    #[must_use]
    pub fn empty(status: u16) -> Fault {
        Fault::Empty {
            status,
            headers: Vec::new(),
        }
    }

    /// Sleeps for `d`, then processes and answers normally.
    #[must_use]
    pub fn delay(d: Duration) -> Fault {
        Fault::Delay(d)
    }

    /// Reads the whole request, then closes the connection without answering;
    /// the request is not processed.
    #[must_use]
    pub fn reset() -> Fault {
        Fault::Reset
    }

    /// Processes the request (state changes!), then closes the connection
    /// without answering: the response was lost.
    #[must_use]
    pub fn reset_after_processing() -> Fault {
        Fault::ResetAfterProcessing
    }

    /// Processes the request, sends the headers with the full `Content-Length`
    /// but only half of the body bytes, then closes the connection.
    #[must_use]
    pub fn truncated_body() -> Fault {
        Fault::TruncatedBody
    }

    /// Answers `200` with `Content-Type: application/json`, no `Content-Length`
    /// and no chunking (close-delimited), then writes `[` followed by `1,`
    /// repeated forever in 8 KiB writes until a write fails (or blocks for 10 s),
    /// 2 GiB were sent or 60 s passed. The request is not processed.
    #[must_use]
    pub fn endless_body() -> Fault {
        Fault::EndlessBody
    }

    /// Processes and answers normally without a `Connection: close` header,
    /// then closes the connection: a pooled keep-alive connection dies while idle.
    #[must_use]
    pub fn close_after_response() -> Fault {
        Fault::CloseAfterResponse
    }
}

impl RecordedRequest {
    /// The value of the first header called `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The first query parameter called `name`, percent-decoded
    /// (`%XX` decoded as UTF-8, `+` stays `+`).
    #[must_use]
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_pairs(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// All query parameters in order, percent-decoded.
    #[must_use]
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        query_pairs(&self.query)
    }
}

impl Default for FakeLosantBuilder {
    fn default() -> Self {
        FakeLosantBuilder {
            port: 0,
            tokens: Vec::new(),
            prefix: String::new(),
            gzip: true,
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
    /// request's `Accept-Encoding` contains `gzip`. Defaults to true.
    #[must_use]
    pub fn gzip(mut self, on: bool) -> Self {
        self.gzip = on;
        self
    }

    /// Binds 127.0.0.1 and starts serving.
    ///
    /// # Errors
    /// If the port cannot be bound or the accept thread cannot be spawned.
    pub fn start(self) -> io::Result<FakeLosant> {
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        let addr = listener.local_addr()?;
        let tokens = if self.tokens.is_empty() {
            vec![DEFAULT_TOKEN.to_string()]
        } else {
            self.tokens
        };
        let shared = Arc::new(Shared {
            tokens,
            prefix: self.prefix,
            gzip: self.gzip,
            store: Mutex::new(Store {
                tokens: Vec::new(),
                last_ms: 0,
                seeded: 0,
            }),
            requests: Mutex::new(Vec::new()),
            faults: Mutex::new(VecDeque::new()),
            connections: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            open: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
        });
        let s = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("fake-losant-accept".into())
            .spawn(move || accept_loop(&listener, &s))?;
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

    /// A builder to configure the port, tokens, path prefix and gzip.
    #[must_use]
    pub fn builder() -> FakeLosantBuilder {
        FakeLosantBuilder::default()
    }

    /// The base URL, `http://127.0.0.1:PORT` plus the path prefix if set, no trailing slash.
    #[must_use]
    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}{}",
            self.addr.port(),
            self.shared.prefix
        )
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

    /// Adds `n` tokens named `seeded-token-0000`, `seeded-token-0001`, …
    /// (numbering continues across calls) and returns their ids in insertion
    /// order. Creation dates vary and are not in name order; every 3rd token
    /// (number 2, 5, 8, …) is `inactive`; even-numbered tokens have an
    /// `expirationDate`, odd-numbered ones have none.
    #[allow(clippy::must_use_candidate)] // ignoring the ids is fine
    pub fn seed(&self, n: usize) -> Vec<String> {
        let mut store = lock(&self.shared.store);
        let base: u64 = 1_735_689_600_000; // 2025-01-01T00:00:00Z
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let i = store.seeded;
            store.seeded += 1;
            let k = i as u64;
            let created = base + (k * 7919 % 1000) * 3_600_000 + (k % 3600) * 1000 + k % 1000;
            let id = new_id();
            let mut t = new_token(
                &id,
                &format!("seeded-token-{i:04}"),
                &ms_to_rfc3339(created),
            );
            t.insert(
                "lastUpdated".into(),
                json!(ms_to_rfc3339(created + (k % 5) * 3_600_000)),
            );
            t.insert(
                "status".into(),
                json!(if i % 3 == 2 { "inactive" } else { "active" }),
            );
            if i % 2 == 0 {
                t.insert(
                    "expirationDate".into(),
                    json!(ms_to_rfc3339(created + 365 * 86_400_000)),
                );
            }
            store.tokens.push(t);
            ids.push(id);
        }
        ids
    }

    /// Stores a token object as given (e.g. with unknown fields or enum
    /// values), filling `id`/`apiTokenId` if missing (from each other, or a
    /// fresh id) and dropping any `token` secret. Replaces a stored token with
    /// the same id. Returns the id. A non-object value is stored as an object
    /// with only the ids.
    #[allow(clippy::must_use_candidate)] // ignoring the id is fine
    pub fn insert(&self, token: Value) -> String {
        let mut t = match token {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        t.remove("token");
        let id = match (t.get("id"), t.get("apiTokenId")) {
            (Some(Value::String(id)), _) | (None, Some(Value::String(id))) => id.clone(),
            _ => new_id(),
        };
        t.entry("id").or_insert_with(|| json!(id));
        t.entry("apiTokenId").or_insert_with(|| json!(id));
        let mut store = lock(&self.shared.store);
        match store
            .tokens
            .iter()
            .position(|x| x.get("id").and_then(Value::as_str) == Some(id.as_str()))
        {
            Some(p) => store.tokens[p] = t,
            None => store.tokens.push(t),
        }
        id
    }

    /// How many tokens are stored.
    #[must_use]
    pub fn token_count(&self) -> usize {
        lock(&self.shared.store).tokens.len()
    }

    /// The current stored state of a token (never includes the secret).
    #[must_use]
    pub fn token(&self, id: &str) -> Option<Value> {
        let store = lock(&self.shared.store);
        store
            .find(id)
            .map(|p| Value::Object(store.tokens[p].clone()))
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

    /// How many TCP connections were accepted so far.
    #[must_use]
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The next `n` requests get `fault`, queued after any faults already queued.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        let mut q = lock(&self.shared.faults);
        q.extend(std::iter::repeat_n(fault, n));
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

struct Shared {
    tokens: Vec<String>,
    prefix: String,
    gzip: bool,
    store: Mutex<Store>,
    requests: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<VecDeque<Fault>>,
    connections: AtomicUsize,
    stop: AtomicBool,
    open: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
}

struct Store {
    tokens: Vec<Map<String, Value>>,
    last_ms: u64,
    seeded: usize,
}

impl Store {
    /// Now, strictly later than any timestamp issued before.
    fn now(&mut self) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
        self.last_ms = now.max(self.last_ms + 1);
        ms_to_rfc3339(self.last_ms)
    }

    fn find(&self, id: &str) -> Option<usize> {
        self.tokens.iter().position(|t| {
            t.get("id")
                .and_then(Value::as_str)
                .is_some_and(|x| x.eq_ignore_ascii_case(id))
        })
    }
}

fn new_token(id: &str, name: &str, now: &str) -> Map<String, Value> {
    let v = json!({
        "id": id, "apiTokenId": id, "ownerId": USER_ID, "ownerType": "user",
        "creatorId": USER_ID, "creatorType": "user", "creatorName": "Fake User",
        "name": name, "creationDate": now, "lastUpdated": now,
        "scope": ["all.User"], "status": "active",
        "_type": "apiToken", "_links": {"self": {"href": format!("/me/tokens/{id}")}},
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

static ID_COUNTER: AtomicU64 = AtomicU64::new(0);

fn random_u64(salt: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    RandomState::new().hash_one((nanos, salt, ID_COUNTER.fetch_add(1, Ordering::SeqCst)))
}

/// A fresh id shaped like a Mongo `ObjectId`: seconds, random bits, counter.
fn new_id() -> String {
    static RANDOM: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let rnd = *RANDOM.get_or_init(|| random_u64(0));
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let count = ID_COUNTER.fetch_add(1, Ordering::SeqCst);
    format!(
        "{:08x}{:010x}{:06x}",
        secs & 0xffff_ffff,
        rnd & 0xff_ffff_ffff,
        count & 0xff_ffff
    )
}

fn new_secret(id: &str) -> String {
    let salt = RandomState::new().hash_one(id);
    let hex = (0..3).fold(String::new(), |mut acc, i| {
        let _ = write!(acc, "{:016x}", random_u64(salt ^ i));
        acc
    });
    format!("fake-secret-{}", &hex[..40])
}

fn ms_to_rfc3339(ms: u64) -> String {
    let days = ms / 86_400_000;
    let rem = ms % 86_400_000;
    let (hour, minute, second, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 >= 0.
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let doe = shifted - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// The query as the real API's (Node) parser reads it: like [`query_pairs`],
/// but a `+` is a space, as form-encoding clients such as Python's `requests`
/// send one (`filter=my+token*`); a literal plus arrives as `%2B`.
fn form_pairs(query: &str) -> Vec<(String, String)> {
    query_pairs(&query.replace('+', " "))
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else {
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        if let Ok(c) = stream.try_clone() {
            lock(&shared.open).insert(id, c);
        }
        let s = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("fake-losant-conn".into())
            .spawn(move || {
                serve_connection(&s, stream);
                lock(&s.open).remove(&id);
            });
        if spawned.is_err() {
            lock(&shared.open).remove(&id);
        }
    }
}

#[derive(Default)]
struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    keep_alive: bool,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

enum ReadError {
    Closed,
    Bad(&'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Closed
    }
}

/// Reads a line without its line ending; `None` at a clean end of stream.
fn read_line(r: &mut impl BufRead) -> Result<Option<String>, ReadError> {
    let mut buf = Vec::new();
    let n = r
        .by_ref()
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(if n >= MAX_LINE {
            ReadError::Bad("line too long")
        } else {
            ReadError::Closed
        });
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> Result<Request, ReadError> {
    let line = loop {
        match read_line(reader)? {
            None => return Err(ReadError::Closed),
            Some(l) if l.is_empty() => {}
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad("malformed request line"));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::Bad("unsupported HTTP version")),
    };
    // Absolute-form targets (proxies) carry scheme and authority: drop them.
    let target = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    loop {
        let Some(header) = read_line(reader)? else {
            return Err(ReadError::Closed);
        };
        if header.is_empty() {
            break;
        }
        let Some((k, v)) = header.split_once(':') else {
            return Err(ReadError::Bad("malformed header"));
        };
        if headers.len() >= MAX_HEADERS || k.is_empty() || k.contains(char::is_whitespace) {
            return Err(ReadError::Bad("malformed header"));
        }
        headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
    }
    let connection = find_header(&headers, "connection")
        .unwrap_or("")
        .to_ascii_lowercase();
    let keep_alive = if http10 {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    let chunked = find_header(&headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = match find_header(&headers, "content-length") {
        Some(v) if !chunked => v
            .parse::<usize>()
            .map_err(|_| ReadError::Bad("bad Content-Length"))?,
        _ => 0,
    };
    if length > MAX_BODY {
        return Err(ReadError::Bad("body too large"));
    }
    if (chunked || length > 0)
        && find_header(&headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let Some(size_line) = read_line(reader)? else {
                return Err(ReadError::Closed);
            };
            let size = size_line.split(';').next().unwrap_or("").trim();
            let size =
                usize::from_str_radix(size, 16).map_err(|_| ReadError::Bad("bad chunk size"))?;
            if size == 0 {
                while !read_line(reader)?.ok_or(ReadError::Closed)?.is_empty() {}
                break;
            }
            if body.len() + size > MAX_BODY {
                return Err(ReadError::Bad("body too large"));
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            if !read_line(reader)?.ok_or(ReadError::Closed)?.is_empty() {
                return Err(ReadError::Bad("bad chunk"));
            }
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    }
    Ok(Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body,
        keep_alive,
    })
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Whether gzip may be applied.
    compressible: bool,
}

fn json_response(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
        compressible: true,
    }
}

fn error(status: u16, kind: &str, message: &str) -> Response {
    json_response(status, &json!({"type": kind, "message": message}))
}

fn validation(message: &str) -> Response {
    error(400, "Validation", message)
}

fn error_type(status: u16) -> &'static str {
    match status {
        400 => "Validation",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        429 => "TooManyRequests",
        500 => "InternalError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "Error",
    }
}

fn fault_response(fault: &Fault) -> Option<Response> {
    let (status, headers, content_type, body, compressible) = match fault {
        Fault::Status {
            status,
            body,
            headers,
        } => {
            let body = body.clone().unwrap_or_else(|| {
                json!({"type": error_type(*status), "message": format!("{} {}", status, crate::error::reason_phrase(*status))}).to_string()
            });
            (*status, headers, Some("application/json"), body, true)
        }
        Fault::Html { status, headers } => {
            let title = format!("{} {}", status, crate::error::reason_phrase(*status));
            let body = format!(
                "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            );
            (*status, headers, Some("text/html"), body, false)
        }
        Fault::Empty { status, headers } => (*status, headers, None, String::new(), false),
        _ => return None,
    };
    let mut all: Vec<(String, String)> = content_type
        .map(|c| ("Content-Type".into(), c.into()))
        .into_iter()
        .collect();
    all.extend(headers.iter().cloned());
    Some(Response {
        status,
        headers: all,
        body: body.into_bytes(),
        compressible,
    })
}

/// Serialises the head and body; `close` decides the `Connection` header.
fn render(shared: &Shared, req: &Request, resp: Response, close: bool) -> (Vec<u8>, Vec<u8>) {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        resp.status,
        crate::error::reason_phrase(resp.status)
    );
    for (k, v) in &resp.headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    let gzip = shared.gzip
        && resp.compressible
        && req
            .header("accept-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
    let body = if gzip {
        head.push_str("Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
        gzip_stored(&resp.body)
    } else {
        resp.body
    };
    let _ = write!(head, "Content-Length: {}\r\n", body.len());
    head.push_str(if close {
        "Connection: close\r\n\r\n"
    } else {
        "Connection: keep-alive\r\n\r\n"
    });
    let body = if req.method == "HEAD" {
        Vec::new()
    } else {
        body
    };
    (head.into_bytes(), body)
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(mut w) = stream.try_clone() else {
        return;
    };
    let mut r = BufReader::new(stream);
    loop {
        let req = match read_request(&mut r, &mut w) {
            Ok(req) => req,
            Err(ReadError::Closed) => break,
            Err(ReadError::Bad(msg)) => {
                let dummy = Request::default();
                let (head, body) = render(shared, &dummy, error(400, "BadRequest", msg), true);
                let _ = w.write_all(&head).and_then(|()| w.write_all(&body));
                break;
            }
        };
        lock(&shared.requests).push(RecordedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
        });
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let fault = lock(&shared.faults).pop_front();
        let close = !req.keep_alive;
        let (resp, close_header, then_close) = match fault {
            None => (process(shared, &req), close, close),
            Some(Fault::Delay(d)) => {
                thread::sleep(d);
                (process(shared, &req), close, close)
            }
            Some(Fault::Reset) => break,
            Some(Fault::ResetAfterProcessing) => {
                let _ = process(shared, &req);
                break;
            }
            Some(Fault::TruncatedBody) => {
                let (head, body) = render(shared, &req, process(shared, &req), close);
                let _ = w
                    .write_all(&head)
                    .and_then(|()| w.write_all(&body[..body.len() / 2]))
                    .and_then(|()| w.flush());
                break;
            }
            Some(Fault::EndlessBody) => {
                endless_body(&mut w);
                break;
            }
            Some(Fault::CloseAfterResponse) => (process(shared, &req), close, true),
            Some(f) => match fault_response(&f) {
                Some(resp) => (resp, close, close),
                None => (process(shared, &req), close, close),
            },
        };
        let (head, body) = render(shared, &req, resp, close_header);
        let mut out = head;
        out.extend_from_slice(&body);
        if w.write_all(&out).and_then(|()| w.flush()).is_err() || then_close {
            break;
        }
    }
    let _ = w.shutdown(Shutdown::Both);
}

fn endless_body(w: &mut TcpStream) {
    let _ = w.set_write_timeout(Some(Duration::from_secs(10)));
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[";
    if w.write_all(head).is_err() {
        return;
    }
    let chunk = b"1,".repeat(4096);
    let start = Instant::now();
    let mut sent: u64 = 0;
    while sent < (2 << 30) && start.elapsed() < Duration::from_secs(60) {
        if w.write_all(&chunk).is_err() {
            return;
        }
        sent += chunk.len() as u64;
    }
}

/// The request handling after faults: prefix, auth, version, routing, actions.
fn process(shared: &Shared, req: &Request) -> Response {
    match route(shared, req) {
        Ok(r) | Err(r) => r,
    }
}

fn route(shared: &Shared, req: &Request) -> Result<Response, Response> {
    let not_found = || error(404, "NotFound", &format!("Path {} was not found", req.path));
    let rest = if shared.prefix.is_empty() {
        req.path.as_str()
    } else {
        match req.path.strip_prefix(&shared.prefix) {
            Some("") => "/",
            Some(r) if r.starts_with('/') => r,
            _ => return Err(not_found()),
        }
    };
    let auth = req.header("authorization").unwrap_or("");
    let bearer = auth
        .split_once(' ')
        .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    if !bearer.is_some_and(|t| shared.tokens.iter().any(|a| a == t)) {
        return Err(error(401, "Unauthorized", "Invalid access token"));
    }
    if let Some(v) = req.header("accept-version") {
        if accepts_version(v) != Some(true) {
            return Err(error(
                400,
                "InvalidVersion",
                &format!("Invalid Accept-Version: {v} (this API is version 1)"),
            ));
        }
    }
    let query = form_pairs(&req.query);
    let mut links = true;
    for name in ["_actions", "_links", "_embedded"] {
        match query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
        {
            None | Some("true") => {}
            Some("false") => links = links && name != "_links",
            Some(v) => {
                return Err(validation(&format!(
                    "{name} must be true or false, got {v:?}"
                )));
            }
        }
    }
    let rest = if rest.len() > 1 {
        rest.strip_suffix('/').unwrap_or(rest)
    } else {
        rest
    };
    if rest == "/me/tokens" {
        return match req.method.as_str() {
            "GET" => list(shared, &query, links),
            "POST" => create(shared, req, links),
            _ => Err(method_not_allowed("GET, POST")),
        };
    }
    let id = match rest.strip_prefix("/me/tokens/") {
        Some(id) if !id.contains('/') => percent_decode(id),
        _ => return Err(not_found()),
    };
    if !matches!(req.method.as_str(), "GET" | "PATCH" | "DELETE") {
        return Err(method_not_allowed("GET, PATCH, DELETE"));
    }
    if !crate::validate::is_id(&id) {
        return Err(validation(&format!(
            "apiTokenId must match pattern ^[A-Fa-f\\d]{{24}}$, got {id:?}"
        )));
    }
    let patch = if req.method == "PATCH" {
        let body = json_body(req)?;
        validate_body(&body, false).map_err(|m| validation(&m))?;
        Some(body)
    } else {
        None
    };
    let mut store = lock(&shared.store);
    let pos = store
        .find(&id)
        .ok_or_else(|| error(404, "NotFound", "API Token was not found"))?;
    match (req.method.as_str(), patch) {
        ("DELETE", _) => {
            store.tokens.remove(pos);
            Ok(json_response(200, &json!({"success": true})))
        }
        (_, Some(body)) => {
            let now = store.now();
            let t = &mut store.tokens[pos];
            t.extend(body);
            t.insert("lastUpdated".into(), json!(now));
            Ok(json_response(200, &render_token(t, links)))
        }
        _ => Ok(json_response(200, &render_token(&store.tokens[pos], links))),
    }
}

fn method_not_allowed(allow: &str) -> Response {
    let mut r = error(
        405,
        "MethodNotAllowed",
        &format!("Method not allowed; allowed: {allow}"),
    );
    r.headers.push(("Allow".into(), allow.into()));
    r
}

fn render_token(t: &Map<String, Value>, links: bool) -> Value {
    let mut t = t.clone();
    t.remove("token");
    if !links {
        t.remove("_links");
    }
    Value::Object(t)
}

fn json_body(req: &Request) -> Result<Map<String, Value>, Response> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let ct = req
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    if !ct.contains("application/json") {
        return Err(validation("Content-Type must be application/json"));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(validation("body must be a JSON object")),
        Err(e) => Err(validation(&format!("body is not valid JSON: {e}"))),
    }
}

fn create(shared: &Shared, req: &Request, links: bool) -> Result<Response, Response> {
    let body = json_body(req)?;
    validate_body(&body, true).map_err(|m| validation(&m))?;
    let id = new_id();
    let mut store = lock(&shared.store);
    let now = store.now();
    let mut t = new_token(&id, "", &now);
    t.extend(body);
    store.tokens.push(t.clone());
    drop(store);
    let mut out = render_token(&t, links);
    out["token"] = json!(new_secret(&id));
    Ok(json_response(201, &out))
}

fn list(shared: &Shared, query: &[(String, String)], links: bool) -> Result<Response, Response> {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let sort_field = param("sortField").unwrap_or("name");
    if !SORT_FIELDS.contains(&sort_field) {
        return Err(validation(&format!(
            "sortField must be one of {}",
            SORT_FIELDS.join(", ")
        )));
    }
    let desc = match param("sortDirection")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(validation("sortDirection must be one of asc, desc")),
    };
    let number = |name: &str, default: u64| match param(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| validation(&format!("{name} must be a non-negative integer"))),
    };
    let page = number("page", 0)?;
    let per_page = number("perPage", 100)?;
    if !(1..=1000).contains(&per_page) {
        return Err(validation("perPage must be between 1 and 1000"));
    }
    let filter_field = param("filterField");
    if let Some(f) = filter_field {
        if f != "name" && f != "status" {
            return Err(validation("filterField must be one of name, status"));
        }
    }
    let filter = match (filter_field, param("filter")) {
        (Some(f), Some(pattern)) => Some((f, pattern)),
        _ => None,
    };
    let store = lock(&shared.store);
    let key = |t: &Map<String, Value>, field: &str| match t.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => Some(v.to_string()),
    };
    let mut rows: Vec<(Option<String>, String, &Map<String, Value>)> = store
        .tokens
        .iter()
        .filter(|t| filter.is_none_or(|(f, p)| key(t, f).is_some_and(|v| glob_match(p, &v))))
        .map(|t| (key(t, sort_field), key(t, "id").unwrap_or_default(), t))
        .collect();
    rows.sort_by(|a, b| {
        let o = a.0.cmp(&b.0);
        if desc { o.reverse() } else { o }.then_with(|| a.1.cmp(&b.1))
    });
    let total = rows.len();
    let skip = usize::try_from(page.saturating_mul(per_page)).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(usize::MAX);
    let items: Vec<Value> = rows
        .iter()
        .skip(skip)
        .take(take)
        .map(|r| render_token(r.2, links))
        .collect();
    let mut out = json!({
        "items": items, "count": items.len(), "totalCount": total, "perPage": per_page, "page": page,
        "sortField": sort_field, "sortDirection": if desc { "desc" } else { "asc" },
        "ownerId": USER_ID, "ownerType": "user", "_type": "apiTokens",
    });
    if let Some((f, p)) = filter {
        out["filterField"] = json!(f);
        out["filter"] = json!(p);
    }
    if links {
        out["_links"] = json!({"self": {"href": "/me/tokens"}});
    }
    Ok(json_response(200, &out))
}

/// Anchored, case-insensitive glob where `*` matches any run of characters.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// The API's major version: an `Accept-Version` range is accepted when some
/// `1.x.y` release satisfies it.
const API_MAJOR: u64 = 1;

/// A release version, `[major, minor, patch]`.
type Version = [u64; 3];

/// One end of a set of releases: the version and whether it is included.
type Bound = (Version, bool);

/// The releases from `lo` up to `hi` (`None`: no upper end).
#[derive(Clone, Copy)]
struct Interval {
    lo: Bound,
    hi: Option<Bound>,
}

impl Interval {
    const ALL: Interval = Interval {
        lo: ([0; 3], true),
        hi: None,
    };
    const NONE: Interval = Interval {
        lo: ([0; 3], false),
        hi: Some(([0; 3], false)),
    };

    fn and(self, other: Interval) -> Interval {
        let lo = if (self.lo.0, !self.lo.1) >= (other.lo.0, !other.lo.1) {
            self.lo
        } else {
            other.lo
        };
        let hi = match (self.hi, other.hi) {
            (Some(a), Some(b)) => Some(if a <= b { a } else { b }),
            (a, b) => a.or(b),
        };
        Interval { lo, hi }
    }

    fn is_empty(&self) -> bool {
        self.hi
            .is_some_and(|hi| hi.0 < self.lo.0 || (hi.0 == self.lo.0 && !(hi.1 && self.lo.1)))
    }
}

/// A version as written in a range: parts are `None` where missing or
/// `x`/`X`/`*`; the flag tells whether it has a prerelease tag.
struct Partial([Option<u64>; 3], bool);

impl Partial {
    fn parse(s: &str) -> Option<Partial> {
        let s = s.trim_start_matches(['v', 'V']);
        let s = s.split_once('+').map_or(s, |(v, _)| v);
        let (s, pre) = match s.split_once('-') {
            Some((v, tag)) if !tag.is_empty() => (v, true),
            Some(_) => return None,
            None => (s, false),
        };
        let mut parts = [None; 3];
        let mut wild = false;
        for (i, p) in s.split('.').enumerate() {
            let number = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
            if i >= 3 || !(number || matches!(p, "x" | "X" | "*")) {
                return None;
            }
            wild |= !number;
            if !wild {
                parts[i] = Some(p.parse().ok()?);
            }
        }
        Some(Partial(parts, pre))
    }

    /// `>=` this: the lowest release it covers (`1.2` → `1.2.0`).
    fn lower(&self) -> Bound {
        (self.0.map(|p| p.unwrap_or(0)), true)
    }

    /// `<=` this: `1.2` → below `1.3.0`, `1.2.3` → up to `1.2.3`, `*` → none.
    fn upper(&self) -> Option<Bound> {
        match self.0 {
            [None, ..] => None,
            [Some(m), None, _] => Some(([m.saturating_add(1), 0, 0], false)),
            [Some(m), Some(n), None] => Some(([m, n.saturating_add(1), 0], false)),
            [Some(m), Some(n), Some(p)] => Some(([m, n, p], !self.1)),
        }
    }

    /// The releases `{op}{self}` admits, as node-semver desugars it.
    fn with_op(&self, op: &str) -> Option<Interval> {
        let lo = self.lower();
        let below = |hi: Version| Some((hi, false));
        let iv = match (op, self.0) {
            (">" | "<", [None, ..]) => Interval::NONE,
            ("" | "=" | "<=", _) => Interval {
                lo: if op == "<=" { Interval::ALL.lo } else { lo },
                hi: self.upper(),
            },
            (">=", _) => Interval { lo, hi: None },
            (">", _) => Interval {
                lo: self.upper().map_or(lo, |(v, incl)| (v, !incl)),
                hi: None,
            },
            ("<", _) => Interval {
                lo: Interval::ALL.lo,
                hi: below(lo.0),
            },
            ("~" | "~>" | "^", [None, ..]) => Interval::ALL,
            ("~" | "~>", [Some(m), None, _])
            | ("^", [Some(m @ 1..), ..] | [Some(m @ 0), None, _]) => Interval {
                lo,
                hi: below([m.saturating_add(1), 0, 0]),
            },
            ("~" | "~>", [Some(m), Some(n), _]) | ("^", [Some(m @ 0), Some(n @ 1..), _]) => {
                Interval {
                    lo,
                    hi: below([m, n.saturating_add(1), 0]),
                }
            }
            ("^", [Some(0), Some(0), None]) => Interval {
                lo,
                hi: below([0, 1, 0]),
            },
            ("^", [Some(0), Some(0), Some(p)]) => Interval {
                lo,
                hi: below([0, 0, p.saturating_add(1)]),
            },
            _ => return None,
        };
        Some(iv)
    }
}

/// Whether a node-semver range (`^1.31.0`, `~1.2`, `1`, `1.x`, `*`, `>= 1.0.0 <2`,
/// `1.2 - 1.5`, alternatives joined by `||`, …) admits some release of
/// [`API_MAJOR`], as the real API's version negotiation does; an empty range
/// is `*`. `None` if it is not a valid range.
fn accepts_version(range: &str) -> Option<bool> {
    let api = Interval {
        lo: ([API_MAJOR, 0, 0], true),
        hi: Some(([API_MAJOR + 1, 0, 0], false)),
    };
    let mut accepted = false;
    for alternative in range.split("||") {
        let tokens: Vec<&str> = alternative.split_whitespace().collect();
        let mut iv = api;
        let mut i = 0;
        while i < tokens.len() {
            if tokens.get(i + 1) == Some(&"-") {
                let from = Partial::parse(tokens[i])?;
                let to = Partial::parse(tokens.get(i + 2)?)?;
                iv = iv.and(Interval {
                    lo: from.lower(),
                    hi: to.upper(),
                });
                i += 3;
                continue;
            }
            let (op, mut version) = tokens[i].split_at(
                tokens[i]
                    .find(|c| !matches!(c, '<' | '>' | '=' | '~' | '^'))
                    .unwrap_or(tokens[i].len()),
            );
            if version.is_empty() {
                // `>= 1.2.3`: the version is the next token.
                i += 1;
                version = tokens.get(i)?;
            }
            iv = iv.and(Partial::parse(version)?.with_op(op)?);
            i += 1;
        }
        accepted |= !iv.is_empty();
    }
    Some(accepted)
}

fn check_string<'a>(field: &str, v: &'a Value, min: usize, max: usize) -> Result<&'a str, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("{field} must be a string"))?;
    let n = s.chars().count();
    if n < min {
        return Err(format!("{field} must be at least {min} characters long"));
    }
    if n > max {
        return Err(format!("{field} must be at most {max} characters long"));
    }
    Ok(s)
}

fn check_enum(field: &str, v: &Value, allowed: &[&str]) -> Result<(), String> {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        _ => Err(format!("{field} must be one of {}", allowed.join(", "))),
    }
}

fn check_array<'a>(field: &str, v: &'a Value, max: usize) -> Result<&'a [Value], String> {
    let a = v
        .as_array()
        .ok_or_else(|| format!("{field} must be an array"))?;
    if a.len() > max {
        return Err(format!("{field} must have at most {max} items"));
    }
    Ok(a)
}

/// Checks the keys of `obj`: all `required` present, none outside `allowed`.
fn check_object<'a>(
    field: &str,
    v: &'a Value,
    allowed: &[&str],
    required: &[&str],
) -> Result<&'a Map<String, Value>, String> {
    let m = v
        .as_object()
        .ok_or_else(|| format!("{field} must be an object"))?;
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("{field}.{k} is not allowed"));
    }
    if let Some(k) = required.iter().find(|k| !m.contains_key(**k)) {
        return Err(format!("{field}.{k} is required"));
    }
    Ok(m)
}

fn check_org_roles(value: &Value) -> Result<(), String> {
    for (i, item) in check_array("orgRoles", value, 25)?.iter().enumerate() {
        let path = format!("orgRoles[{i}]");
        let org = check_object(
            &path,
            item,
            &["orgId", "role", "applicationRoles", "dashboardRoles"],
            &["orgId", "role"],
        )?;
        if !org["orgId"]
            .as_str()
            .is_some_and(|s| s == "sandbox" || crate::validate::is_id(s))
        {
            return Err(format!(
                "{path}.orgId must be a 24 character hex id or \"sandbox\""
            ));
        }
        check_enum(&format!("{path}.role"), &org["role"], ROLES)?;
        for list in ["applicationRoles", "dashboardRoles"] {
            let Some(roles) = org.get(list) else { continue };
            for (j, role) in check_array(&format!("{path}.{list}"), roles, 100)?
                .iter()
                .enumerate()
            {
                let item_path = format!("{path}.{list}[{j}]");
                let role = check_object(
                    &item_path,
                    role,
                    &["resourceId", "role"],
                    &["resourceId", "role"],
                )?;
                if !role["resourceId"]
                    .as_str()
                    .is_some_and(crate::validate::is_id)
                {
                    return Err(format!(
                        "{item_path}.resourceId must be a 24 character hex id"
                    ));
                }
                check_enum(&format!("{item_path}.role"), &role["role"], RESOURCE_ROLES)?;
            }
        }
    }
    Ok(())
}

/// Validates a POST (`post`) or PATCH body against Losant's schemas.
fn validate_body(body: &Map<String, Value>, post: bool) -> Result<(), String> {
    let allowed: &[&str] = if post {
        &[
            "name",
            "description",
            "expirationDate",
            "defaultRole",
            "orgRoles",
            "scope",
            "status",
        ]
    } else {
        &["name", "description", "defaultRole", "orgRoles", "status"]
    };
    if let Some(k) = body.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("{k} is not allowed"));
    }
    if post && !body.contains_key("name") {
        return Err("name is required".into());
    }
    if let Some(v) = body.get("name") {
        check_string("name", v, 1, 255)?;
    }
    if let Some(v) = body.get("description") {
        check_string("description", v, 0, 32767)?;
    }
    if let Some(v) = body.get("expirationDate") {
        if !is_date_time(check_string("expirationDate", v, 0, usize::MAX)?) {
            return Err("expirationDate must be a valid RFC 3339 date-time".into());
        }
    }
    if let Some(v) = body.get("defaultRole") {
        check_enum("defaultRole", v, ROLES)?;
    }
    if let Some(v) = body.get("status") {
        check_enum("status", v, STATUSES)?;
    }
    if let Some(v) = body.get("orgRoles") {
        check_org_roles(v)?;
    }
    if let Some(v) = body.get("scope") {
        let items = check_array("scope", v, usize::MAX)?;
        for (i, s) in items.iter().enumerate() {
            check_string(&format!("scope[{i}]"), s, 1, 1024)?;
            if items[..i].contains(s) {
                return Err(format!(
                    "scope[{i}] is a duplicate; scope items must be unique"
                ));
            }
        }
    }
    Ok(())
}

/// RFC 3339 shape: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>, max: u32| {
        b.get(r.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && s[r].parse::<u32>().is_ok_and(|n| n <= max)
    };
    if b.len() < 20
        || !(num(0..4, 9999) && b[4] == b'-' && num(5..7, 12) && b[7] == b'-' && num(8..10, 31))
    {
        return false;
    }
    if !(matches!(b[10], b'T' | b't' | b' ')
        && num(11..13, 23)
        && b[13] == b':'
        && num(14..16, 59)
        && b[16] == b':'
        && num(17..19, 60))
    {
        return false;
    }
    if s[5..7] == *"00" || s[8..10] == *"00" {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] => {
            b.len() == i + 6 && num(i + 1..i + 3, 23) && b[i + 3] == b':' && num(i + 4..i + 6, 59)
        }
        _ => false,
    }
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n: u32 = 0;
    while n < 256 {
        let mut c = n;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n as usize] = c;
        n += 1;
    }
    table
};

fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| {
        CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

/// A gzip member whose deflate stream is made of stored blocks.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 32 + data.len() / 65535 * 5);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let mut chunks = data.chunks(65535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.push(u8::from(chunks.peek().is_none()));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(
        &u32::try_from(data.len() as u64 & 0xffff_ffff)
            .unwrap_or(0)
            .to_le_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::{accepts_version, form_pairs};

    #[test]
    fn accept_version_ranges_are_semver() {
        for ok in [
            "^1.31.0",
            "^1.20.1",
            "~1.2",
            "1",
            "1.x",
            "*",
            "",
            ">= 1.0.0 <2",
            ">=0.9.0",
            "<2",
            "1.20 - 1.31",
            "^2.0.0 || ^1.0.0",
            "^1.31.0-beta.1",
            "v1.31.0",
            "=1.31.0",
        ] {
            assert_eq!(accepts_version(ok), Some(true), "{ok:?}");
        }
        for no in [
            "^2.0.0",
            ">1",
            "<1",
            "0.x",
            "^0.5.0",
            "1.31.0-beta",
            ">=1.0.0 <1.0.0",
        ] {
            assert_eq!(accepts_version(no), Some(false), "{no:?}");
        }
        for bad in [
            "latest",
            "garbage",
            "1.garbage",
            "=>1",
            "1.2.3.4",
            "1 -",
            "1.2.3 || x.y",
        ] {
            assert_eq!(accepts_version(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn plus_in_the_query_is_a_space() {
        let pairs = form_pairs("filter=my+token%2B*&perPage=5");
        assert_eq!(pairs[0], ("filter".into(), "my token+*".into()));
    }
}
