//! The one error type every call returns.

use std::fmt;
use std::io;

use crate::failure::Reached;
use crate::text::{excerpt, fallback_message, reason_phrase};

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with a call.
///
/// Match on the variant when the cause matters, or ask the questions
/// [`status`](Self::status), [`is_not_found`](Self::is_not_found),
/// [`is_timeout`](Self::is_timeout) and the rest. None of the variants
/// carries the transport's own types, and no variant's `Debug` or `Display`
/// ever shows an access token or a created token's secret.
///
/// `Display` says what failed; [`source`](std::error::Error::source) gives
/// the underlying cause when there is one (an I/O error, a JSON error), and
/// its text is never repeated in the message above it, so a reporter that
/// prints the whole chain (anyhow's `{:#}`) prints each message once.
///
/// ```
/// use losant_rest::tokens::GetToken;
///
/// # fn main() -> losant_rest::Result<()> {
/// # let fake = losant_rest::fake::FakeLosant::start();
/// # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
/// let err = client.send(GetToken::new("575ec7417ae143cd83dc4a95")).unwrap_err();
/// assert!(err.is_not_found());
/// assert_eq!(err.status(), Some(404));
/// assert!(std::error::Error::source(&err).is_none()); // Losant's answer is the whole story
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a status of 400 or more.
    Api(ApiError),
    /// The client refused to send a request that could not be valid (a
    /// malformed token ID, a name over 255 characters…). Nothing went over the
    /// network.
    InvalidRequest(InvalidRequest),
    /// The client is misconfigured: a bad base URL, a missing access token, an
    /// unusable proxy.
    Config(ConfigError),
    /// The request or its response failed on the way: a connection refused or
    /// reset, a time-out, a body cut short or over the size limit.
    Transport(TransportError),
    /// A successful response whose body is not what the request promised.
    Decode(DecodeError),
    /// The server answered with a status that is neither a success nor an
    /// error, such as a redirect, which the client does not follow.
    UnexpectedStatus(UnexpectedStatus),
}

impl Error {
    /// The HTTP status of the answer behind this error: an error answer
    /// ([`Error::Api`]), a success whose body did not decode
    /// ([`Error::Decode`]), a redirect ([`Error::UnexpectedStatus`]), or an
    /// answer whose body broke off ([`Error::Transport`]: a success, a
    /// redirect, a status of 500 or more). An error answer from 400 to 499
    /// whose body broke off is still that answer: an [`Error::Api`] with the
    /// part of the body that arrived. `None` for every other error.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::UnexpectedStatus(e) => Some(e.status),
            Error::Transport(e) => e.status,
            Error::InvalidRequest(_) | Error::Config(_) => None,
        }
    }

    /// Whether the server answered 404: the token (or owner) does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether the server answered 401: the access token is unknown,
    /// expired or disabled.
    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// Whether the server answered 403: the access token lacks a scope the
    /// action needs.
    #[must_use]
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }

    /// Whether a time-out fired: the whole-attempt [`timeout`] or the
    /// [`connect_timeout`], in whichever phase.
    ///
    /// A time-out while connecting (the lookup, the TCP connect or the TLS
    /// handshake) sent nothing, so [`may_have_been_applied`](Self::may_have_been_applied)
    /// is `false` for it; a time-out once the request may have been written
    /// (waiting for the answer, reading the body) leaves it `true`. A
    /// time-out is never retried: the caller's budget is spent.
    ///
    /// [`timeout`]: crate::ClientBuilder::timeout
    /// [`connect_timeout`]: crate::ClientBuilder::connect_timeout
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.kind == TransportKind::Timeout)
    }

    /// Whether the connection to the server could not be made: the host
    /// name did not resolve, or the connection was refused or unreachable
    /// while connecting. It is `true` only for failures that happened before
    /// anything was sent, so such a request never reached the server (and
    /// even a `POST` is retried). A network that becomes unreachable after
    /// the request went out is not a connect failure: see
    /// [`may_have_been_applied`](Self::may_have_been_applied). A connect
    /// time-out is [`is_timeout`](Self::is_timeout) and a failed handshake
    /// [`is_tls`](Self::is_tls) instead; neither sent anything either.
    /// After retries it describes the last attempt: an earlier one may have
    /// got further, which `may_have_been_applied` remembers.
    #[must_use]
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport(e) if e.kind == TransportKind::Connect)
    }

    /// Whether the server may have carried the request out although the
    /// call failed: the question to ask before doing a write again.
    ///
    /// `true` for an answer of 500 or more (a gateway's 502 or 504 says
    /// nothing about what the server behind it did), for a success whose
    /// body broke off or did not decode, for a redirect, and for a time-out
    /// or a broken connection once the request may have been written, even
    /// in part. `false` when the client knows nothing was carried out: a
    /// request refused before sending ([`Error::InvalidRequest`],
    /// [`Error::Config`]), every failure while connecting (a failed lookup,
    /// a refused or unreachable connection, a connect time-out, a failed TLS
    /// handshake), and every answer from 400 to 499, even one whose body
    /// broke off.
    ///
    /// The answer covers every attempt of the call, not only the last one
    /// whose error is returned: when a retry-safe request was retried after
    /// an attempt that may have been carried out (a 502 or 504, or a
    /// connection dropped after the request may have been written), the
    /// result stays `true` even if the last attempt got a 429 or could not
    /// connect. [`status`](Self::status), [`is_connect`](Self::is_connect)
    /// and the rest describe the last attempt.
    ///
    /// ```
    /// use losant_rest::tokens::GetToken;
    ///
    /// # fn main() -> losant_rest::Result<()> {
    /// # let fake = losant_rest::fake::FakeLosant::start();
    /// # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
    /// let err = client.send(GetToken::new("575ec7417ae143cd83dc4a95")).unwrap_err();
    /// assert!(!err.may_have_been_applied()); // a 404: the server did nothing
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            Error::Api(e) => e.status >= 500 || e.earlier_attempt_applied,
            Error::InvalidRequest(_) | Error::Config(_) => false,
            Error::Transport(e) => e.reached != Reached::NotSent,
            Error::Decode(_) | Error::UnexpectedStatus(_) => true,
        }
    }

    /// Whether the TLS handshake failed: a certificate that is not trusted,
    /// has expired or names another host. No HTTP request was sent, and the
    /// call is never retried.
    #[must_use]
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Transport(e) if e.kind == TransportKind::Tls)
    }

    /// Whether the response body was larger than the client's
    /// `max_response_size`.
    #[must_use]
    pub fn is_too_large(&self) -> bool {
        matches!(self, Error::Transport(e) if e.kind == TransportKind::TooLarge)
    }

    /// Whether the client refused the request before sending it
    /// ([`Error::InvalidRequest`]).
    #[must_use]
    pub fn is_invalid_request(&self) -> bool {
        matches!(self, Error::InvalidRequest(_))
    }

    /// The Losant error, when the server answered with one.
    #[must_use]
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidRequest(InvalidRequest::new(field, reason))
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config(ConfigError::new(message))
    }

    /// This error, the last attempt's, for a call in which an earlier
    /// attempt may have been carried out: [`may_have_been_applied`] then
    /// answers `true` whatever the last attempt got.
    ///
    /// [`may_have_been_applied`]: Self::may_have_been_applied
    pub(crate) fn after_an_applied_attempt(mut self) -> Self {
        match &mut self {
            Error::Api(e) => e.earlier_attempt_applied = true,
            // `reached` is read only to answer `may_have_been_applied`;
            // the message, made with the attempt, still tells what the last
            // attempt met.
            Error::Transport(e) if e.reached == Reached::NotSent => {
                e.reached = Reached::MaybeSent;
            }
            // A decode failure and a redirect already answer `true`; a
            // refusal before sending happens before any attempt.
            _ => {}
        }
        self
    }

    /// A transport failure whose message says what failed and whose
    /// `source`, if any, says why.
    pub(crate) fn transport(
        kind: TransportKind,
        reached: Reached,
        message: String,
        source: Option<io::Error>,
    ) -> Self {
        Error::Transport(TransportError {
            kind,
            reached,
            status: None,
            message,
            source,
        })
    }

    /// This transport failure, for one that broke off in the body of an
    /// answer of `status`.
    pub(crate) fn in_answer_of(mut self, status: u16) -> Self {
        if let Error::Transport(e) = &mut self {
            e.status = Some(status);
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::InvalidRequest(e) => e.fmt(f),
            Error::Config(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::UnexpectedStatus(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    /// The cause beneath this error, never the payload whose message this
    /// error's `Display` already shows.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => e.source(),
            Error::Decode(e) => e.source(),
            Error::Api(_)
            | Error::InvalidRequest(_)
            | Error::Config(_)
            | Error::UnexpectedStatus(_) => None,
        }
    }
}

impl From<InvalidRequest> for Error {
    fn from(e: InvalidRequest) -> Self {
        Error::InvalidRequest(e)
    }
}

/// An error answer from Losant: a status of 400 or more, and the body's
/// `type` and `message` when it had them.
///
/// ```
/// # fn check(err: losant_rest::Error) {
/// if let losant_rest::Error::Api(api) = &err {
///     if api.kind.as_deref() == Some("NotFound") {
///         eprintln!("no such token: {}", api.message);
///     }
/// }
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status, 400 or more.
    pub status: u16,
    /// Losant's error `type`, such as `NotFound`, `Validation` or
    /// `Unauthorized`; `None` when the body was not a Losant error.
    pub kind: Option<String>,
    /// Losant's error `message`, or, for a body that is not a Losant error (an
    /// HTML page from a gateway, an empty 413), a readable stand-in.
    pub message: String,
    body: Vec<u8>,
    /// Whether an earlier attempt of the same call may have been carried
    /// out (a 502 or 504 before this answer, or a dropped connection).
    earlier_attempt_applied: bool,
}

impl ApiError {
    /// Builds the error from a status and the raw response body. It never
    /// fails: whatever the body holds, the message says something readable.
    #[must_use]
    pub fn from_response(status: u16, body: Vec<u8>) -> Self {
        #[derive(serde::Deserialize)]
        struct Wire {
            #[serde(rename = "type")]
            kind: Option<String>,
            message: Option<String>,
        }
        let wire = serde_json::from_slice::<Wire>(&body).ok();
        let (kind, message) = match wire {
            Some(Wire { kind, message }) if kind.is_some() || message.is_some() => {
                let message = message
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or_else(|| reason_phrase(status).to_owned());
                (kind, message)
            }
            _ => (None, fallback_message(status, &body)),
        };
        ApiError {
            status,
            kind,
            message,
            body,
            earlier_attempt_applied: false,
        }
    }

    /// The raw response body, exactly as it arrived.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("body", &excerpt(&self.body, 200))
            .field("earlier_attempt_applied", &self.earlier_attempt_applied)
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Some(kind) => write!(
                f,
                "Losant answered {} {kind}: {}",
                self.status, self.message
            ),
            None => write!(f, "Losant answered {}: {}", self.status, self.message),
        }
    }
}

impl std::error::Error for ApiError {}

/// A request that the client refused to send, and why. Nothing went over the
/// network.
///
/// A [`Request`](crate::Request) of your own can refuse itself in
/// [`validate`](crate::Request::validate) with one:
///
/// ```
/// use losant_rest::{Error, InvalidRequest};
///
/// let err: Error = InvalidRequest::new("orgRoles[0].orgId", "must be an ID or \"sandbox\"").into();
/// assert_eq!(
///     err.to_string(),
///     "invalid request: `orgRoles[0].orgId` must be an ID or \"sandbox\""
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRequest {
    field: String,
    reason: String,
}

impl InvalidRequest {
    /// Names the field at fault, as Losant names it (indexed where it is in
    /// a list: `orgRoles[0].orgId`), and says what is wrong with it.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        InvalidRequest {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The field at fault, as Losant names it (`name`, `apiTokenId`,
    /// `orgRoles[0].orgId`…).
    #[must_use]
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong with it.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid request: `{}` {}", self.field, self.reason)
    }
}

impl std::error::Error for InvalidRequest {}

/// The client could not be built or used as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client configuration: {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportKind {
    /// The connection was never made (lookup, refusal, unreachable while
    /// connecting); the request did not leave.
    Connect,
    /// The TLS handshake failed; no HTTP request was sent.
    Tls,
    /// A time-out, in any phase: `reached` says which.
    Timeout,
    /// The connection failed after it was made, before a response arrived.
    Io,
    /// The response started but its body failed: cut short, undecodable
    /// encoding, or over the size limit.
    Body,
    TooLarge,
    Other,
}

/// A failure on the way to or from the server.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportKind,
    /// How far the attempt got: what `may_have_been_applied` answers from.
    reached: Reached,
    /// The status of the answer whose body broke off, if it got that far.
    status: Option<u16>,
    message: String,
    source: Option<io::Error>,
}

impl TransportError {
    /// Whether the response body was larger than the client's
    /// `max_response_size`.
    #[must_use]
    pub fn is_too_large(&self) -> bool {
        self.kind == TransportKind::TooLarge
    }

    /// Whether the TLS handshake failed.
    #[must_use]
    pub fn is_tls(&self) -> bool {
        self.kind == TransportKind::Tls
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A successful response whose body did not decode into the promised type.
#[derive(Debug)]
pub struct DecodeError {
    status: u16,
    excerpt: String,
    source: serde_json::Error,
}

impl DecodeError {
    pub(crate) fn new(status: u16, body: &[u8], source: serde_json::Error) -> Self {
        DecodeError {
            status,
            excerpt: excerpt(body, 160),
            source,
        }
    }

    /// A short excerpt of the body, with any secret redacted.
    #[must_use]
    pub fn excerpt(&self) -> &str {
        &self.excerpt
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the {} response; body starts: {:?}",
            self.status, self.excerpt
        )
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A response that is neither a success nor an error, such as a redirect.
/// The client never follows redirects, so that the access token cannot be
/// carried to another host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnexpectedStatus {
    status: u16,
    location: Option<String>,
}

impl UnexpectedStatus {
    pub(crate) fn new(status: u16, location: Option<String>) -> Self {
        UnexpectedStatus { status, location }
    }

    /// Where a redirect pointed, if it said.
    #[must_use]
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
}

impl fmt::Display for UnexpectedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unexpected status {}", self.status)?;
        if let Some(location) = &self.location {
            write!(f, " (redirect to {location}, not followed)")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnexpectedStatus {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losant_error_body() {
        let e = ApiError::from_response(
            404,
            br#"{"type":"NotFound","message":"API Token was not found"}"#.to_vec(),
        );
        assert_eq!(e.kind.as_deref(), Some("NotFound"));
        assert_eq!(e.message, "API Token was not found");
        assert_eq!(
            e.to_string(),
            "Losant answered 404 NotFound: API Token was not found"
        );
    }

    #[test]
    fn html_and_empty_bodies_stay_readable() {
        let e = ApiError::from_response(
            502,
            b"<html><head><title>502 Bad Gateway</title></head>\n<body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        );
        assert_eq!(e.kind, None);
        assert_eq!(e.message, "Bad Gateway: 502 Bad Gateway 502 Bad Gateway");
        let e = ApiError::from_response(413, Vec::new());
        assert_eq!(e.message, "Payload Too Large (empty body)");
        let e = ApiError::from_response(500, vec![0xff, 0xfe, b'x']);
        assert!(e.message.starts_with("Internal Server Error: "));
    }
}
