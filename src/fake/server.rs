//! The HTTP/1.1 side: the accept loop, one thread per connection, reading
//! requests (heads parsed by `httparse`), applying faults, and writing
//! responses (gzip-encoded when asked and allowed).

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::fault::{Fault, fault_response};
use super::{RecordedRequest, Shared, lock, routes};

const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 200;
const MAX_LINE: usize = 16 * 1024;
const MAX_BODY: usize = 32 * 1024 * 1024;

/// A request as the routes see it.
#[derive(Default)]
pub(super) struct Request {
    pub(super) method: String,
    /// Raw, still percent-encoded, without the query.
    pub(super) path: String,
    /// Raw, without the `?`.
    pub(super) query: String,
    /// Names lower-cased, in arrival order.
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
    keep_alive: bool,
}

impl Request {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A response before it is serialised.
pub(super) struct Response {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
    /// Whether gzip may be applied: gateway pages and empty bodies are sent
    /// as they are, as a proxy in front of Losant would.
    pub(super) compressible: bool,
}

pub(super) fn json_response(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
        compressible: true,
    }
}

/// A Losant error body, `{"type": .., "message": ..}`.
pub(super) fn error(status: u16, kind: &str, message: &str) -> Response {
    json_response(status, &json!({"type": kind, "message": message}))
}

pub(super) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `%XX` decoded as UTF-8 (invalid sequences become U+FFFD).
pub(super) fn percent_decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The query's pairs, percent-decoded; a `+` stays a `+`.
pub(super) fn query_pairs(query: &str) -> Vec<(String, String)> {
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
pub(super) fn form_pairs(query: &str) -> Vec<(String, String)> {
    query_pairs(&query.replace('+', " "))
}

/// What a connection is carried over: plain TCP, or TLS on top of it.
pub(super) trait Transport: Read + Write {
    /// The socket underneath, for time-outs and shutdown.
    fn socket(&self) -> &TcpStream;
}

impl Transport for TcpStream {
    fn socket(&self) -> &TcpStream {
        self
    }
}

pub(super) fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else {
            // Out of file descriptors, say: back off rather than spin.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        // Kept so that dropping the fake can cut connections a client holds open.
        if let Ok(c) = stream.try_clone() {
            lock(&shared.open).insert(id, c);
        }
        let s = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("fake-losant-conn".into())
            .spawn(move || {
                handle(&s, stream);
                lock(&s.open).remove(&id);
            });
        if spawned.is_err() {
            lock(&shared.open).remove(&id);
        }
    }
}

fn handle(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    if let Some(config) = &shared.tls {
        // A failed handshake has been counted as a connection but is no request.
        if let Some(tls) = super::tls::accept(config, stream) {
            serve(shared, tls);
        }
        return;
    }
    serve(shared, stream);
}

/// A transport with the bytes read from it but not consumed yet.
struct Conn<S> {
    stream: S,
    buf: Vec<u8>,
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

impl<S: Transport> Conn<S> {
    /// Reads more bytes; `Closed` at the end of the stream.
    fn fill(&mut self) -> Result<(), ReadError> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(ReadError::Closed);
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        while self.buf.len() < n {
            self.fill()?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// A line without its line ending.
    fn line(&mut self) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=i).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buf.len() > MAX_LINE {
                return Err(ReadError::Bad("line too long"));
            }
            self.fill()?;
        }
    }

    fn read_request(&mut self) -> Result<Request, ReadError> {
        let (mut req, http10) = loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut head = httparse::Request::new(&mut headers);
            match head.parse(&self.buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let parsed = owned_head(&head);
                    self.buf.drain(..n);
                    break parsed;
                }
                Ok(httparse::Status::Partial) if self.buf.len() > MAX_HEAD => {
                    return Err(ReadError::Bad("request head too large"));
                }
                Ok(httparse::Status::Partial) => self.fill()?,
                Err(httparse::Error::TooManyHeaders) => {
                    return Err(ReadError::Bad("too many headers"));
                }
                Err(httparse::Error::Version) => {
                    return Err(ReadError::Bad("unsupported HTTP version"));
                }
                Err(_) => return Err(ReadError::Bad("malformed request head")),
            }
        };
        let connection = req.header("connection").unwrap_or("").to_ascii_lowercase();
        req.keep_alive = if http10 {
            connection.contains("keep-alive")
        } else {
            !connection.contains("close")
        };
        let chunked = req
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let length = match req.header("content-length") {
            Some(v) if !chunked => v
                .parse::<usize>()
                .map_err(|_| ReadError::Bad("bad Content-Length"))?,
            _ => 0,
        };
        if length > MAX_BODY {
            return Err(ReadError::Bad("body too large"));
        }
        if (chunked || length > 0)
            && req
                .header("expect")
                .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            self.stream.flush()?;
        }
        req.body = if chunked {
            self.chunked_body()?
        } else {
            self.take(length)?
        };
        Ok(req)
    }

    fn chunked_body(&mut self) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let size = loop {
                match httparse::parse_chunk_size(&self.buf) {
                    Ok(httparse::Status::Complete((n, size))) => {
                        self.buf.drain(..n);
                        break size;
                    }
                    Ok(httparse::Status::Partial) if self.buf.len() > MAX_LINE => {
                        return Err(ReadError::Bad("bad chunk size"));
                    }
                    Ok(httparse::Status::Partial) => self.fill()?,
                    Err(_) => return Err(ReadError::Bad("bad chunk size")),
                }
            };
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.line()?.is_empty() {}
                return Ok(body);
            }
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            if body.len().saturating_add(size) > MAX_BODY {
                return Err(ReadError::Bad("body too large"));
            }
            body.extend(self.take(size)?);
            if !self.line()?.is_empty() {
                return Err(ReadError::Bad("bad chunk"));
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }
}

/// The parsed head as owned data, and whether it was HTTP/1.0.
fn owned_head(head: &httparse::Request<'_, '_>) -> (Request, bool) {
    let target = head.path.unwrap_or("/");
    // Absolute-form targets (proxies) carry scheme and authority: drop them.
    let target = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers = head
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).trim().to_owned(),
            )
        })
        .collect();
    let req = Request {
        method: head.method.unwrap_or("").to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: Vec::new(),
        keep_alive: true,
    };
    (req, head.version == Some(0))
}

fn serve<S: Transport>(shared: &Shared, stream: S) {
    let mut c = Conn {
        stream,
        buf: Vec::new(),
    };
    loop {
        let req = match c.read_request() {
            Ok(req) => req,
            Err(ReadError::Closed) => break,
            Err(ReadError::Bad(msg)) => {
                let out = render(
                    shared,
                    &Request::default(),
                    error(400, "BadRequest", msg),
                    true,
                );
                let _ = c.send(&out.concat());
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
        let fault_path = routes::api_path(&shared.prefix, &req.path).unwrap_or(&req.path);
        let fault = lock(&shared.faults).take(&req.method, fault_path);
        let close = !req.keep_alive;
        let (resp, close_header, then_close) = match fault {
            None => (routes::process(shared, &req), close, close),
            Some(Fault::Delay(d)) => {
                thread::sleep(d);
                (routes::process(shared, &req), close, close)
            }
            Some(Fault::Reset) => break,
            Some(Fault::ResetAfterProcessing) => {
                let _ = routes::process(shared, &req);
                break;
            }
            Some(Fault::StatusAfterProcessing(status)) => {
                let _ = routes::process(shared, &req);
                let resp = fault_response(&Fault::status(status));
                match resp {
                    Some(resp) => (resp, close, close),
                    None => break,
                }
            }
            Some(Fault::TruncatedBody) => {
                let [head, body] = render(shared, &req, routes::process(shared, &req), close);
                let _ = c.send(&head).and_then(|()| c.send(&body[..body.len() / 2]));
                break;
            }
            Some(Fault::EndlessBody) => {
                endless_body(&mut c.stream);
                break;
            }
            Some(Fault::CloseAfterResponse) => (routes::process(shared, &req), close, true),
            Some(f) => match fault_response(&f) {
                Some(resp) => (resp, close, close),
                None => (routes::process(shared, &req), close, close),
            },
        };
        let out = render(shared, &req, resp, close_header);
        if c.send(&out.concat()).is_err() || then_close {
            break;
        }
    }
    let _ = c.stream.socket().shutdown(Shutdown::Both);
}

/// Serialises the head and the body; `close` decides the `Connection` header.
fn render(shared: &Shared, req: &Request, resp: Response, close: bool) -> [Vec<u8>; 2] {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        resp.status,
        crate::text::reason_phrase(resp.status)
    );
    for (k, v) in &resp.headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    let wants_gzip = shared.gzip
        && resp.compressible
        && req
            .header("accept-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
    let body = match gzip(wants_gzip, &resp.body) {
        Some(encoded) => {
            head.push_str("Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
            encoded
        }
        None => resp.body,
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
    [head.into_bytes(), body]
}

/// The gzip encoding of `data` when `wanted`; `None` means send it as is.
#[cfg(feature = "gzip")]
fn gzip(wanted: bool, data: &[u8]) -> Option<Vec<u8>> {
    use flate2::{Compression, write::GzEncoder};
    if !wanted {
        return None;
    }
    let mut encoder = GzEncoder::new(Vec::with_capacity(data.len() / 4 + 64), Compression::fast());
    encoder.write_all(data).ok()?;
    encoder.finish().ok()
}

/// Without the `gzip` feature the fake never compresses.
#[cfg(not(feature = "gzip"))]
fn gzip(_wanted: bool, _data: &[u8]) -> Option<Vec<u8>> {
    None
}

fn endless_body<S: Transport>(w: &mut S) {
    // A client that stopped reading must not pin this thread for ever.
    let _ = w.socket().set_write_timeout(Some(Duration::from_secs(10)));
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[";
    if w.write_all(head).is_err() {
        return;
    }
    let chunk = b"1,".repeat(4096);
    let start = Instant::now();
    let mut sent: u64 = 0;
    while sent < (2 << 30) && start.elapsed() < Duration::from_secs(60) {
        if w.write_all(&chunk).and_then(|()| w.flush()).is_err() {
            return;
        }
        sent += chunk.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::form_pairs;

    #[test]
    fn plus_in_the_query_is_a_space() {
        let pairs = form_pairs("filter=my+token%2B*&perPage=5");
        assert_eq!(pairs[0], ("filter".into(), "my token+*".into()));
    }
}
