//! The [`Request`] trait that every action implements, and the parameters
//! every action shares.
//!
//! A request is pure data: a method, a path, a query, a body and the type its
//! answer decodes into. [`Client::send`](crate::Client::send) does the rest.
//! Implement the trait to call a Losant endpoint this crate does not cover
//! yet:
//!
//! ```
//! use losant_rest::request::{Method, Path, Request};
//!
//! /// `GET /me`: the signed-in user.
//! struct GetMe;
//!
//! #[derive(serde::Deserialize)]
//! struct Me {
//!     email: String,
//! }
//!
//! impl Request for GetMe {
//!     type Response = Me;
//!     fn method(&self) -> Method {
//!         Method::Get
//!     }
//!     fn path(&self, path: &mut Path<'_>) {
//!         path.push("/me");
//!     }
//! }
//! # let _ = |client: losant_rest::Client| -> losant_rest::Result<String> {
//! let me = client.send(GetMe)?;
//! # Ok(me.email) };
//! ```

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;

use crate::error::Result;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method's name, such as `"GET"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether sending the request twice has the same effect as sending it
    /// once, which is what makes a retry safe: `GET`, `PUT` and `DELETE`.
    #[must_use]
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put | Method::Delete)
    }
}

/// The parameters every Losant action takes: the `losantdomain` header and
/// the `_actions`, `_links` and `_embedded` query parameters.
///
/// The query parameters are always sent, as the official clients do, and
/// default to `_actions=false&_links=true&_embedded=true`. The header is sent
/// only when set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Params {
    /// The `losantdomain` header. Defaults to none (not sent).
    pub losant_domain: Option<String>,
    /// The `_actions` query parameter. Defaults to `false`.
    pub actions: bool,
    /// The `_links` query parameter. Defaults to `true`.
    pub links: bool,
    /// The `_embedded` query parameter. Defaults to `true`.
    pub embedded: bool,
}

impl Params {
    /// The defaults: no domain, `_actions=false&_links=true&_embedded=true`.
    #[must_use]
    pub const fn new() -> Self {
        Params {
            losant_domain: None,
            actions: false,
            links: true,
            embedded: true,
        }
    }
}

impl Default for Params {
    fn default() -> Self {
        Self::new()
    }
}

static DEFAULT_PARAMS: Params = Params::new();

/// Everything that must be escaped in a path segment or a query component:
/// all but the unreserved characters of RFC 3986, so that `&`, `=`, `+`, `/`,
/// `?`, `#` and `%` in a value reach the server as the value, never as syntax.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Writes a request's path onto the client's base URL.
#[derive(Debug)]
pub struct Path<'a> {
    url: &'a mut String,
    /// The first character [`push`](Self::push) refused, which makes the
    /// request fail before it is sent.
    refused: Option<char>,
}

impl Path<'_> {
    /// Appends a literal piece of path, such as `/me/tokens`, as it is: it
    /// must already be percent-encoded. Use [`segment`](Self::segment) for
    /// anything that comes from data.
    ///
    /// A piece that holds `?` or `#` would end the path and start a query or
    /// a fragment of its own, so it is refused: the request then fails with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming `path`,
    /// and nothing is sent. Query parameters belong in
    /// [`Request::query`].
    pub fn push(&mut self, literal: &str) -> &mut Self {
        if let Some(at) = literal.find(['?', '#']) {
            self.refused = self.refused.or(literal[at..].chars().next());
            return self;
        }
        self.url.push_str(literal);
        self
    }

    /// Appends `/` and one percent-encoded path segment, such as an ID.
    pub fn segment(&mut self, segment: &str) -> &mut Self {
        self.url.push('/');
        self.url.extend(utf8_percent_encode(segment, COMPONENT));
        self
    }
}

/// Collects a request's own HTTP headers; see [`Request::headers`].
#[derive(Debug)]
pub struct Headers<'a> {
    list: &'a mut Vec<(String, String)>,
}

impl<'a> Headers<'a> {
    pub(crate) fn new(list: &'a mut Vec<(String, String)>) -> Self {
        Headers { list }
    }

    /// Adds a header. A name or value that cannot be sent makes the request
    /// fail with [`Error::InvalidRequest`](crate::Error::InvalidRequest)
    /// before anything is sent.
    pub fn insert(&mut self, name: &str, value: &str) -> &mut Self {
        self.list.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// Writes a request's query parameters, percent-encoded, onto its URL.
#[derive(Debug)]
pub struct Query<'a> {
    url: &'a mut String,
}

impl Query<'_> {
    /// Appends `key=value`, percent-encoding both.
    pub fn pair(&mut self, key: &str, value: &str) -> &mut Self {
        self.url.push('&');
        self.url.extend(utf8_percent_encode(key, COMPONENT));
        self.url.push('=');
        self.url.extend(utf8_percent_encode(value, COMPONENT));
        self
    }

    /// Appends `key=value` when `value` is set.
    pub fn opt(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.pair(key, value);
        }
        self
    }

    /// Appends `key=<number>` when `value` is set.
    pub fn opt_u32(&mut self, key: &str, value: Option<u32>) -> &mut Self {
        if let Some(value) = value {
            self.pair(key, itoa(value, &mut [0; 10]));
        }
        self
    }
}

fn itoa(mut n: u32, buf: &mut [u8; 10]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

/// Builds the full URL of `request` against `base` (which has no trailing
/// slash) in one buffer: path, the shared parameters, then the request's own.
///
/// # Errors
///
/// [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming `path`
/// when [`Path::push`] refused a piece.
pub(crate) fn checked_url<R: Request + ?Sized>(base: &str, request: &R) -> Result<String> {
    let mut url = String::with_capacity(base.len() + 128);
    url.push_str(base);
    let mut path = Path {
        url: &mut url,
        refused: None,
    };
    request.path(&mut path);
    if let Some(c) = path.refused {
        return Err(crate::Error::invalid(
            "path",
            format!(
                "a literal piece of the path holds `{c}`, which would end the path; \
                 write query parameters in Request::query and data with Path::segment"
            ),
        ));
    }
    let params = request.params();
    if (params.actions, params.links, params.embedded) == (false, true, true) {
        url.push_str("?_actions=false&_links=true&_embedded=true");
    } else {
        let flag = |b| if b { "true" } else { "false" };
        url.push_str("?_actions=");
        url.push_str(flag(params.actions));
        url.push_str("&_links=");
        url.push_str(flag(params.links));
        url.push_str("&_embedded=");
        url.push_str(flag(params.embedded));
    }
    request.query(&mut Query { url: &mut url });
    Ok(url)
}

/// [`checked_url`] for a request whose path is known to be valid.
#[cfg(test)]
pub(crate) fn build_url<R: Request + ?Sized>(base: &str, request: &R) -> String {
    checked_url(base, request).expect("a valid path")
}

/// One Losant action: pure data that [`Client::send`](crate::Client::send)
/// turns into an HTTP exchange, and the type its answer decodes into.
///
/// Only [`method`](Self::method) and [`path`](Self::path) are required; the
/// rest have defaults that fit a `GET` without parameters. See the
/// [module docs](self) for an example.
pub trait Request {
    /// What a successful answer decodes into.
    type Response: DeserializeOwned;

    /// The HTTP method.
    fn method(&self) -> Method;

    /// Writes the path, such as `/me/tokens`, relative to the base URL.
    fn path(&self, path: &mut Path<'_>);

    /// Writes the action's own query parameters. Defaults to none.
    fn query(&self, query: &mut Query<'_>) {
        let _ = query;
    }

    /// Writes the action's own headers. Defaults to none.
    ///
    /// The client sets `Accept`, `Accept-Version`, `User-Agent` and (from
    /// [`params`](Self::params)) `losantdomain` itself; a value written here
    /// for one of them **replaces** the client's, so that exactly one is
    /// sent. Some headers belong to the client, and writing one of them makes
    /// the request fail with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming
    /// `headers` before anything is sent:
    ///
    /// - `Authorization` (the client's access token) and `Host`;
    /// - `Content-Type` and the body's framing, `Content-Length` and
    ///   `Transfer-Encoding`;
    /// - `Accept-Encoding`: the client decodes only what it asked for, so
    ///   another encoding would leave a body it cannot read;
    /// - `Connection`: the client's pool decides which connections are kept
    ///   alive, and `close` or `upgrade` would defeat it;
    /// - `Expect`: `100-continue` makes a request with a body wait for an
    ///   interim answer before sending it, a stall with every server or
    ///   proxy that sends none;
    /// - the other hop-by-hop headers, `Keep-Alive`, `Proxy-Connection`,
    ///   `TE`, `Trailer` and `Upgrade`, which describe one connection, and
    ///   `Proxy-Authorization`, which through a proxy's tunnel would reach
    ///   Losant itself (a proxy's credentials go in its URL).
    ///
    /// Names are case-insensitive, and a header written twice here is sent
    /// twice.
    fn headers(&self, headers: &mut Headers<'_>) {
        let _ = headers;
    }

    /// The parameters every action shares. Defaults to [`Params::new`].
    fn params(&self) -> &Params {
        &DEFAULT_PARAMS
    }

    /// The JSON body, if the action has one. Defaults to none.
    ///
    /// # Errors
    ///
    /// When the body cannot be encoded.
    fn body(&self) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }

    /// Checks the request before anything is sent. Defaults to accepting it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming the
    /// field at fault.
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// Whether the client may send this request again after a failure that
    /// may have reached the server. Defaults to whether the method is
    /// idempotent; a request that is never safe to repeat returns `false`.
    fn retry_safe(&self) -> bool {
        self.method().is_idempotent()
    }

    /// The answer to use when a *retry* of this request finds that its target
    /// no longer exists (404), which for a delete means an earlier attempt
    /// already did the job. Defaults to none: the 404 is an error.
    fn response_when_gone(&self) -> Option<Self::Response> {
        None
    }
}

/// A request can be sent by reference, so that it can be sent again:
/// `client.send(&request)`.
impl<R: Request + ?Sized> Request for &R {
    type Response = R::Response;

    fn method(&self) -> Method {
        (**self).method()
    }

    fn path(&self, path: &mut Path<'_>) {
        (**self).path(path);
    }

    fn query(&self, query: &mut Query<'_>) {
        (**self).query(query);
    }

    fn headers(&self, headers: &mut Headers<'_>) {
        (**self).headers(headers);
    }

    fn params(&self) -> &Params {
        (**self).params()
    }

    fn body(&self) -> Result<Option<Vec<u8>>> {
        (**self).body()
    }

    fn validate(&self) -> Result<()> {
        (**self).validate()
    }

    fn retry_safe(&self) -> bool {
        (**self).retry_safe()
    }

    fn response_when_gone(&self) -> Option<Self::Response> {
        (**self).response_when_gone()
    }
}

/// Encodes a body as JSON.
pub(crate) fn json_body<T: serde::Serialize>(body: &T) -> Result<Option<Vec<u8>>> {
    serde_json::to_vec(body)
        .map(Some)
        .map_err(|e| crate::Error::invalid("body", format!("could not be encoded: {e}")))
}

/// A request to any endpoint, answered as JSON; see [`RawRequest`].
pub use crate::raw::RawRequest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itoa_writes_every_digit() {
        for n in [0, 7, 10, 999, 1000, u32::MAX] {
            assert_eq!(itoa(n, &mut [0; 10]), n.to_string());
        }
    }

    #[test]
    fn components_are_fully_encoded() {
        let mut url = String::new();
        Query { url: &mut url }.pair("filter", "my*token & co=1/2?#%é+");
        assert_eq!(
            url,
            "&filter=my%2Atoken%20%26%20co%3D1%2F2%3F%23%25%C3%A9%2B"
        );
    }
}
