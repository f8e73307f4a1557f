//! Sending one request: prepared once (URL, headers, body, every check),
//! then attempted until it succeeds, fails for good, or the retry policy in
//! `retry.rs` says stop.
//!
//! Only [`send`] and [`prepare`] are generic over the request type; the loop
//! and the exchange are not, so they are compiled once for every request.

use std::io::{self, Read};
use std::time::{Duration, Instant, SystemTime};

use ureq::http::{self, HeaderName, HeaderValue, header};

use crate::error::{ApiError, Error, Result, TransportKind, UnexpectedStatus};
use crate::lookup::LookupFailed;
use crate::request::{Headers, Method, Request, build_url};
use crate::retry::{Policy, Retries, Sent, retry_after};
use crate::secret::AccessToken;

/// The most the client reserves up front for a body on the word of its
/// Content-Length; a larger body grows the buffer as it arrives.
const MAX_PREALLOCATION: u64 = 8 * 1024 * 1024;

/// Headers that belong to the client: the token, and the framing of the
/// body. A request that writes one is refused.
const RESERVED_HEADERS: [HeaderName; 5] = [
    header::AUTHORIZATION,
    header::CONTENT_LENGTH,
    header::CONTENT_TYPE,
    header::HOST,
    header::TRANSFER_ENCODING,
];

/// What every clone of a client shares, and every exchange needs.
pub(crate) struct Inner {
    pub(crate) agent: ureq::Agent,
    pub(crate) base_url: String,
    pub(crate) accept_version: HeaderValue,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) policy: Policy,
    pub(crate) max_response_size: u64,
}

/// A request ready to go: nothing about it is computed again on a retry.
#[derive(Debug)]
pub(crate) struct Prepared {
    method: Method,
    url: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Vec<u8>>,
    retry_safe: bool,
    /// Whether a 404 to a retry means an earlier attempt did the job.
    gone_is_done: bool,
}

/// What a call ends with, short of an error.
pub(crate) enum Outcome {
    /// A 2xx answer.
    Answer { status: u16, body: Vec<u8> },
    /// A retry found the target gone after an attempt that may have been
    /// carried out: the request's `response_when_gone` is the answer.
    Gone,
}

/// Sends `request` and decodes its answer.
pub(crate) fn send<R: Request + ?Sized>(
    inner: &Inner,
    token: &AccessToken,
    request: &R,
) -> Result<R::Response> {
    let prepared = prepare(inner, request)?;
    match run(inner, token, &prepared)? {
        Outcome::Answer { status, body } => decode(status, &body),
        Outcome::Gone => request
            .response_when_gone()
            .ok_or_else(|| Error::invalid("response_when_gone", "changed between two calls")),
    }
}

/// Checks the request and builds everything an attempt sends, so that a bad
/// request is refused without touching the network.
pub(crate) fn prepare<R: Request + ?Sized>(inner: &Inner, request: &R) -> Result<Prepared> {
    request.validate()?;
    let mut headers = vec![
        (header::ACCEPT, HeaderValue::from_static("application/json")),
        (
            HeaderName::from_static("accept-version"),
            inner.accept_version.clone(),
        ),
        (header::USER_AGENT, inner.user_agent.clone()),
    ];
    if let Some(domain) = &request.params().losant_domain {
        let value = HeaderValue::from_str(domain).map_err(|_| {
            Error::invalid(
                "losantdomain",
                "the value of `losantdomain` cannot be sent as a header",
            )
        })?;
        headers.push((HeaderName::from_static("losantdomain"), value));
    }
    let mut own = Vec::new();
    request.headers(&mut Headers::new(&mut own));
    // The request's first value of a header the client also sets replaces
    // the client's; later values are added, as written.
    let mut replaced: Vec<HeaderName> = Vec::new();
    for (name, value) in own {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid("headers", format!("{name:?} is not a header name")))?;
        if RESERVED_HEADERS.contains(&name) {
            return Err(Error::invalid(
                "headers",
                format!("`{name}` is set by the client and cannot be overridden"),
            ));
        }
        let value = HeaderValue::from_str(&value).map_err(|_| {
            Error::invalid(
                "headers",
                format!("the value of `{name}` cannot be sent as a header"),
            )
        })?;
        if !replaced.contains(&name) {
            headers.retain(|(existing, _)| *existing != name);
            replaced.push(name.clone());
        }
        headers.push((name, value));
    }
    let body = request.body()?;
    if body.is_some() {
        headers.push((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ));
    }
    let method = request.method();
    Ok(Prepared {
        method,
        url: build_url(&inner.base_url, request),
        headers,
        body,
        retry_safe: request.retry_safe(),
        gone_is_done: request.response_when_gone().is_some(),
    })
}

/// Attempts a prepared request until it is answered or the retry policy
/// stops it.
pub(crate) fn run(inner: &Inner, token: &AccessToken, prepared: &Prepared) -> Result<Outcome> {
    if token.is_empty() {
        return Err(Error::config(
            "the access token is empty or cannot be sent as a header",
        ));
    }
    let mut retries = Retries::new(&inner.policy, prepared.retry_safe);
    loop {
        let started = Instant::now();
        let outcome = attempt(inner, token, prepared);
        log_attempt(prepared, &outcome, started.elapsed(), retries.count());
        let wait = match outcome {
            Ok(exchange) if (200..300).contains(&exchange.status) => {
                return Ok(Outcome::Answer {
                    status: exchange.status,
                    body: exchange.body,
                });
            }
            Ok(exchange) => {
                if prepared.gone_is_done && retries.already_done(exchange.status) {
                    return Ok(Outcome::Gone);
                }
                match retries.after_status(exchange.status, exchange.retry_after) {
                    Some(wait) => wait,
                    None => return Err(exchange.into_error()),
                }
            }
            Err(failure) => match retries.after_failure(failure.sent) {
                Some(wait) => wait,
                None => return Err(failure.error),
            },
        };
        std::thread::sleep(wait);
    }
}

/// One HTTP exchange, from connect to the last body byte.
fn attempt(inner: &Inner, token: &AccessToken, prepared: &Prepared) -> Result<Exchange, Failure> {
    let mut builder = http::Request::builder()
        .method(prepared.method.as_str())
        .uri(prepared.url.as_str());
    for (name, value) in &prepared.headers {
        builder = builder.header(name, value);
    }
    builder = builder.header(header::AUTHORIZATION, token.authorization());
    let sent = match &prepared.body {
        Some(body) => builder.body(body.as_slice()).map(|r| inner.agent.run(r)),
        None => builder.body(()).map(|r| inner.agent.run(r)),
    };
    let mut response = match sent {
        Ok(response) => response.map_err(|e| Failure::before_response(e, &prepared.url))?,
        Err(_) => {
            return Err(Failure {
                error: Error::invalid(
                    "path",
                    "the request's path or query does not make a valid URI",
                ),
                sent: Sent::Final,
            });
        }
    };
    let status = response.status().as_u16();
    let header = |name: HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header(header::RETRY_AFTER).and_then(|v| retry_after(&v, SystemTime::now()));
    let location = if (300..400).contains(&status) {
        header(header::LOCATION)
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

/// Decodes a successful body: the one decode `send` and `send_as` share
/// (`decode.rs`).
fn decode<T: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    crate::decode::decode_seed(status, body, std::marker::PhantomData::<T>)
}

fn log_attempt(
    prepared: &Prepared,
    outcome: &Result<Exchange, Failure>,
    elapsed: Duration,
    retry: u32,
) {
    if !log::log_enabled!(log::Level::Debug) {
        return;
    }
    // Only the path: the query can carry user data (filters), and the
    // authority is the user's business.
    let url = prepared.url.as_str();
    let path = url.split('?').next().unwrap_or(url);
    let path = path
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|at| &rest[at..]))
        .unwrap_or("/");
    let method = prepared.method.as_str();
    match outcome {
        Ok(exchange) => log::debug!(
            "{method} {path} -> {} in {elapsed:?} (retry {retry})",
            exchange.status
        ),
        Err(failure) => log::debug!(
            "{method} {path} -> failed: {} in {elapsed:?} (retry {retry})",
            failure.error
        ),
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

/// An exchange that failed, and how far it got.
struct Failure {
    error: Error,
    sent: Sent,
}

impl Failure {
    fn before_response(e: ureq::Error, url: &str) -> Self {
        let host = url
            .split_once("://")
            .map_or("", |(_, rest)| rest.split(['/', '?']).next().unwrap_or(""));
        // Our own lookup's failure and a refused certificate are told apart
        // here, once; everything else is judged by its I/O error kind.
        let e = match e {
            ureq::Error::Io(io) => match io.downcast::<LookupFailed>() {
                Ok(failed) => {
                    let message =
                        format!("could not connect: could not resolve host {}", failed.host);
                    return Failure {
                        error: Error::transport(
                            TransportKind::Connect,
                            message,
                            failed.into_cause(),
                        ),
                        sent: Sent::No,
                    };
                }
                Err(io) => match tls_failure(&io) {
                    Some(why) => return Failure::tls(host, &why),
                    None => ureq::Error::Io(io),
                },
            },
            ureq::Error::Tls(why) => {
                return Failure::tls(host, &format!("the TLS handshake failed: {why}"));
            }
            e => e,
        };
        let (kind, sent) = match &e {
            ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
                (TransportKind::Connect, Sent::No)
            }
            ureq::Error::Timeout(_) => (TransportKind::Timeout, Sent::Final),
            ureq::Error::Io(io) => match io.kind() {
                // Only a refusal is certain to come from connecting: ureq does
                // not say in which phase another I/O error happened, and an
                // established socket can report "unreachable" after the
                // request went out.
                io::ErrorKind::ConnectionRefused => (TransportKind::Connect, Sent::No),
                io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
                | io::ErrorKind::AddrNotAvailable => (TransportKind::Connect, Sent::Maybe),
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => (TransportKind::Io, Sent::Maybe),
                io::ErrorKind::TimedOut => (TransportKind::Timeout, Sent::Final),
                _ => (TransportKind::Io, Sent::Final),
            },
            ureq::Error::BodyExceedsLimit(_) => (TransportKind::TooLarge, Sent::Final),
            _ => (TransportKind::Other, Sent::Final),
        };
        Failure {
            error: transport_error(kind, e, host),
            sent,
        }
    }

    /// A refused certificate or a failed handshake: final, since it would
    /// fail the same way again, and its cause is told in the message.
    fn tls(host: &str, why: &str) -> Self {
        Failure {
            error: Error::transport(
                TransportKind::Tls,
                format!("TLS with {host} failed: {why}"),
                None,
            ),
            sent: Sent::Final,
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
        Failure {
            error: transport_error(kind, e, ""),
            sent: Sent::Final,
        }
    }
}

/// What a TLS failure says, when `io` is one: a certificate that is not
/// trusted, has expired, or names another host.
fn tls_failure(io: &io::Error) -> Option<String> {
    #[cfg(feature = "rustls")]
    if let Some(e) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        use rustls::CertificateError as C;
        return Some(match e {
            rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
                "the server's certificate is not trusted (unknown issuer)".to_owned()
            }
            rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
                "the server's certificate has expired".to_owned()
            }
            rustls::Error::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
                "the server's certificate is not valid yet".to_owned()
            }
            rustls::Error::InvalidCertificate(
                C::NotValidForName | C::NotValidForNameContext { .. },
            ) => "the server's certificate is not valid for this host name".to_owned(),
            rustls::Error::InvalidCertificate(other) => {
                format!("the server's certificate was refused ({other:?})")
            }
            other => format!("the TLS handshake failed: {other}"),
        });
    }
    // native-tls reports through OpenSSL, SChannel or Security.framework
    // text: recognise a handshake failure by what it says.
    let text = io.get_ref()?.to_string();
    let lower = text.to_ascii_lowercase();
    (lower.contains("certificate") || lower.contains("handshake") || lower.contains("ssl"))
        .then(|| format!("the TLS handshake failed: {text}"))
}

/// The client's error for a ureq failure. The message says what failed; the
/// I/O error beneath, when there is one, is the `source`, so its text is not
/// repeated here.
fn transport_error(kind: TransportKind, e: ureq::Error, host: &str) -> Error {
    let message = match (&kind, &e) {
        (TransportKind::TooLarge, ureq::Error::BodyExceedsLimit(limit)) => {
            format!("the response body is larger than the limit of {limit} bytes")
        }
        (_, ureq::Error::Io(_)) => match kind {
            TransportKind::Timeout => "timed out".to_owned(),
            TransportKind::Connect => format!("could not connect to {host}"),
            TransportKind::Body => "the response body failed".to_owned(),
            _ => "the connection failed".to_owned(),
        },
        (TransportKind::Timeout, _) => format!("timed out: {e}"),
        (TransportKind::Connect, _) => format!("could not connect to {host}: {e}"),
        (TransportKind::Body, _) => format!("the response body failed: {e}"),
        _ => format!("the request failed: {e}"),
    };
    let source = match e {
        ureq::Error::Io(io) => Some(io),
        _ => None,
    };
    Error::transport(kind, message, source)
}
