//! [`RawRequest`]: any Losant endpoint in one line, answered as
//! [`serde_json::Value`]. Re-exported as `request::RawRequest`.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::request::{Headers, Method, Params, Path, Query, Request, json_body};

/// What is escaped in a raw path: controls, space, non-ASCII and the
/// characters a URL never holds as they are. `/` and `%` stay, so a path
/// that is already percent-encoded is sent unchanged.
const RAW_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A request to any endpoint, for those this crate has no type for yet: a
/// method, a path, query parameters, headers and a JSON body, answered as a
/// [`serde_json::Value`].
///
/// It gets every manner of a built-in request: the client's headers and
/// time-outs, the shared `_actions`/`_links`/`_embedded` parameters, typed
/// errors, and retries as its method allows: `GET`, `PUT` and `DELETE` are
/// retried on 429, 502, 503, 504 and dropped connections; `POST` and `PATCH`
/// are never sent twice once they may have reached the server. A success
/// with an empty body (a `204 No Content`, a `200` with `Content-Length: 0`)
/// is answered as [`Value::Null`].
///
/// The answer is the server's JSON as it is, with nothing hidden: the
/// answer to a `POST` that creates a token holds its secret under `token` in
/// plain text, and a `{:?}` of it prints the secret. Treat such a value as a
/// secret, or send [`CreateToken`](crate::tokens::CreateToken), whose
/// answer keeps the secret in a [`SecretToken`](crate::schema::SecretToken).
///
/// ```
/// use losant_rest::request::{Method, RawRequest};
///
/// # fn main() -> losant_rest::Result<()> {
/// # let fake = losant_rest::fake::FakeLosant::start();
/// # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
/// let me = client.send(RawRequest::new(Method::Get, "/me"))?;
/// println!("{}", me["email"]);
///
/// let created = client.send(
///     RawRequest::new(Method::Post, "/me/tokens")
///         .json(serde_json::json!({"name": "raw", "scope": ["all.User.read"]})),
/// )?;
/// let page = client.send(
///     RawRequest::new(Method::Get, "/me/tokens")
///         .query("filterField", "name")
///         .query("filter", "ra*"),
/// )?;
/// assert_eq!(page["items"][0]["id"], created["id"]);
///
/// // A path must start with `/` and carry no query: nothing is sent.
/// let err = client.send(RawRequest::new(Method::Get, "/me?x=1")).unwrap_err();
/// assert!(err.is_invalid_request());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RawRequest {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    params: Params,
}

impl RawRequest {
    /// `method` on `path`, relative to the client's base URL, such as
    /// `/applications/575ec8687ae143cd83dc4a97/devices`. The path must start
    /// with `/` and hold no `?` or `#` (put the query in
    /// [`query`](Self::query)); otherwise sending fails with
    /// [`Error::InvalidRequest`] naming `path`, and nothing is sent. Spaces
    /// and non-ASCII characters are percent-encoded; `%` is sent as it is,
    /// so an already encoded path stays as it is.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        RawRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            params: Params::new(),
        }
    }

    /// Adds the query parameter `name=value`, percent-encoded like every
    /// other query. Repeatable: each call adds one, in order, after the
    /// shared parameters. Defaults to none.
    #[must_use]
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header. As for any [`Request::headers`], one the client sets
    /// (`Accept`, `Accept-Version`, `User-Agent`) is replaced by it, and one
    /// that belongs to the client (`Authorization`, `Host`, `Content-Type`,
    /// `Content-Length`, `Transfer-Encoding`, `Accept-Encoding`, `Connection`,
    /// `Expect` and the other hop-by-hop headers) makes sending fail with
    /// [`Error::InvalidRequest`] before anything is sent. Defaults to none.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body, sent as `application/json`. Defaults to none.
    #[must_use]
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

params_setters!(RawRequest);

impl Request for RawRequest {
    type Response = Value;

    fn method(&self) -> Method {
        self.method
    }

    fn path(&self, path: &mut Path<'_>) {
        let encoded: String = utf8_percent_encode(&self.path, RAW_PATH).collect();
        path.push(&encoded);
    }

    fn query(&self, query: &mut Query<'_>) {
        for (name, value) in &self.query {
            query.pair(name, value);
        }
    }

    fn headers(&self, headers: &mut Headers<'_>) {
        for (name, value) in &self.headers {
            headers.insert(name, value);
        }
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn body(&self) -> Result<Option<Vec<u8>>> {
        match &self.body {
            Some(body) => json_body(body),
            None => Ok(None),
        }
    }

    fn validate(&self) -> Result<()> {
        if !self.path.starts_with('/') {
            return Err(Error::invalid("path", "must start with `/`"));
        }
        if self.path.contains(['?', '#']) {
            return Err(Error::invalid(
                "path",
                "must hold no `?` or `#`; give query parameters with `.query(name, value)`",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::build_url;

    #[test]
    fn url_and_body() {
        let r = RawRequest::new(Method::Get, "/applications/a b/é%2F")
            .query("a&b", "1=2")
            .query("a&b", "x y")
            .actions(true);
        assert_eq!(
            build_url("http://h", &r),
            "http://h/applications/a%20b/%C3%A9%2F?_actions=true&_links=true&_embedded=true\
             &a%26b=1%3D2&a%26b=x%20y"
        );
        assert!(r.body().unwrap().is_none());
        let p = RawRequest::new(Method::Put, "/x").json(serde_json::json!({"k": [1]}));
        assert_eq!(p.body().unwrap().unwrap(), br#"{"k":[1]}"#);
    }

    #[test]
    fn retried_only_as_the_method_allows() {
        for (m, safe) in [
            (Method::Get, true),
            (Method::Put, true),
            (Method::Delete, true),
            (Method::Post, false),
            (Method::Patch, false),
        ] {
            assert_eq!(RawRequest::new(m, "/x").retry_safe(), safe, "{m:?}");
        }
    }

    #[test]
    fn paths_are_checked() {
        for bad in ["", "me", "http://evil/x", "/me?x=1", "/me#top"] {
            let e = RawRequest::new(Method::Get, bad).validate().unwrap_err();
            assert!(e.is_invalid_request(), "{bad}");
        }
        assert!(RawRequest::new(Method::Get, "/").validate().is_ok());
    }
}
