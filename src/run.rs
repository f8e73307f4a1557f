//! Sending one request: [`prepare`]d once (URL, headers, body, every check,
//! and what a 404 on a retry means), then attempted in [`run`]'s loop until
//! it succeeds, fails for good, or the retry policy in `retry.rs` says stop;
//! each attempt is one [`exchange`]. What a failed exchange means is
//! `failure.rs`'s to say.
//!
//! Only [`send`] and [`prepare`] are generic over the request type; the loop
//! and the exchange are not, so they are compiled once for every request.

use std::io::Read;
use std::time::{Duration, Instant, SystemTime};

use ureq::http::{self, HeaderName, HeaderValue, header};

use crate::error::{ApiError, ConfigError, Error, Result, UnexpectedStatus};
use crate::failure::{Failure, NotSent};
use crate::request::{Headers, Method, Request, checked_url};
use crate::retry::{Policy, Retries, retry_after};
use crate::secret::AccessToken;

/// The most the client reserves up front for a body on the word of its
/// Content-Length; a larger body grows the buffer as it arrives.
const MAX_PREALLOCATION: u64 = 8 * 1024 * 1024;

/// Headers that belong to the client: the token, the framing of the body,
/// the encodings it can decode, its pool's keep-alive, the `Expect`
/// handshake it does not use, and the other hop-by-hop headers. A request
/// that writes one is refused.
const RESERVED_HEADERS: [HeaderName; 14] = [
    header::ACCEPT_ENCODING,
    header::AUTHORIZATION,
    header::CONNECTION,
    header::CONTENT_LENGTH,
    header::CONTENT_TYPE,
    header::EXPECT,
    header::HOST,
    // The hop-by-hop headers: they describe one connection (which the pool
    // owns), and a proxy's credentials would travel to Losant itself
    // through a CONNECT tunnel.
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// What every clone of a client shares, and every exchange needs.
#[derive(Clone)]
pub(crate) struct Inner {
    pub(crate) agent: ureq::Agent,
    pub(crate) base_url: String,
    pub(crate) accept_version: HeaderValue,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) policy: Policy,
    pub(crate) max_response_size: u64,
    /// Why the client could not be built, for one that [`Client::new`]
    /// made anyway: every call fails with it.
    ///
    /// [`Client::new`]: crate::Client::new
    pub(crate) unusable: Option<ConfigError>,
}

/// A request ready to go: nothing about it is computed again on a retry.
#[derive(Debug)]
pub(crate) struct Prepared {
    method: Method,
    /// The URL as text, for messages and logs.
    url: String,
    uri: http::Uri,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Vec<u8>>,
    retry_safe: bool,
    /// Whether a 404 to a retry means an earlier attempt did the job: set
    /// only together with the answer that then stands for it.
    gone_is_done: bool,
}

/// What a call ends with, short of an error.
pub(crate) enum Outcome {
    /// A 2xx answer.
    Answer { status: u16, body: Vec<u8> },
    /// A retry found the target gone (a 404, the error given) after an
    /// attempt that may have been carried out: the answer prepared with the
    /// request stands for it.
    Gone(Error),
}

/// Sends `request` and decodes its answer.
pub(crate) fn send<R: Request + ?Sized>(
    inner: &Inner,
    token: &AccessToken,
    request: &R,
) -> Result<R::Response> {
    let (prepared, when_gone) = prepare(inner, request)?;
    match (run(inner, token, &prepared)?, when_gone) {
        (Outcome::Answer { status, body }, _) => decode(status, &body),
        (Outcome::Gone(_), Some(done)) => Ok(done),
        // `run` reports `Gone` only for a request prepared with an answer
        // for it; were it otherwise, the 404 itself is the honest answer.
        (Outcome::Gone(not_found), None) => Err(not_found),
    }
}

/// Checks the request and builds everything an attempt sends, so that a bad
/// request is refused without touching the network. The second value is
/// the request's answer for a retry that finds its target gone, asked for
/// once, here, so that nothing about the request is decided after attempts
/// went out.
pub(crate) fn prepare<R: Request + ?Sized>(
    inner: &Inner,
    request: &R,
) -> Result<(Prepared, Option<R::Response>)> {
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
    let url = checked_url(&inner.base_url, request)?;
    let uri = url.parse::<http::Uri>().map_err(|_| {
        Error::invalid(
            "path",
            "the request's path or query does not make a valid URI",
        )
    })?;
    let when_gone = request.response_when_gone();
    let prepared = Prepared {
        method,
        url,
        uri,
        headers,
        body,
        retry_safe: request.retry_safe(),
        gone_is_done: when_gone.is_some(),
    };
    Ok((prepared, when_gone))
}

/// Attempts a prepared request until it is answered or the retry policy
/// stops it.
pub(crate) fn run(inner: &Inner, token: &AccessToken, prepared: &Prepared) -> Result<Outcome> {
    if let Some(why) = &inner.unusable {
        return Err(Error::Config(why.clone()));
    }
    if token.is_empty() {
        return Err(Error::config(
            "the access token is empty or cannot be sent as a header",
        ));
    }
    let mut retries = Retries::new(&inner.policy, prepared.retry_safe);
    loop {
        let started = Instant::now();
        let outcome = exchange(inner, token, prepared);
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
                    return Ok(Outcome::Gone(retries.give_up(exchange.into_error())));
                }
                match retries.after_status(exchange.status, exchange.retry_after) {
                    Some(wait) => wait,
                    None => return Err(retries.give_up(exchange.into_error())),
                }
            }
            Err(failure) => match retries.after_failure(failure.reached, failure.retry) {
                Some(wait) => wait,
                None => return Err(retries.give_up(failure.error)),
            },
        };
        std::thread::sleep(wait);
    }
}

/// One HTTP exchange, from connect to the last body byte.
fn exchange(inner: &Inner, token: &AccessToken, prepared: &Prepared) -> Result<Exchange, Failure> {
    let mut builder = http::Request::builder()
        .method(prepared.method.as_str())
        .uri(prepared.uri.clone());
    for (name, value) in &prepared.headers {
        builder = builder.header(name, value);
    }
    builder = builder.header(header::AUTHORIZATION, token.authorization());
    // Every part was checked when the request was prepared, so building
    // cannot fail; were it to, nothing was sent.
    let unsent = |e: http::Error| NotSent::wrap(ureq::Error::from(e));
    let sent = match &prepared.body {
        Some(body) => builder
            .body(body.as_slice())
            .map_err(unsent)
            .and_then(|r| inner.agent.run(r)),
        None => builder
            .body(())
            .map_err(unsent)
            .and_then(|r| inner.agent.run(r)),
    };
    let mut response = sent.map_err(|e| Failure::before_response(e, host(&prepared.url)))?;
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
    let read = response
        .body_mut()
        .with_config()
        .limit(inner.max_response_size)
        .reader()
        .read_to_end(&mut body);
    if let Err(e) = read {
        // An error answer from 400 to 499 says what it has to say in its
        // status line: the server did not carry the request out, whatever
        // became of the body. It stands as that answer (with the part of
        // the body that arrived), so that `is_not_found`, a retry after a
        // 429 and a retried delete's "already gone" treat it as such.
        if !(400..500).contains(&status) {
            return Err(Failure::in_body(ureq::Error::from(e), status));
        }
    }
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
            target: "losant_rest",
            "{method} {path} -> {} in {elapsed:?} (retry {retry})",
            exchange.status
        ),
        Err(failure) => log::debug!(
            target: "losant_rest",
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

/// The authority of `url`, for messages.
fn host(url: &str) -> &str {
    url.split_once("://")
        .map_or("", |(_, rest)| rest.split(['/', '?']).next().unwrap_or(""))
}
