//! [`Client`]: what a program holds and sends requests with. Its settings
//! are in `config.rs`, the sending in `run.rs`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::config::ClientBuilder;
use crate::decode;
use crate::error::{ConfigError, Error, Result};
use crate::paginate::{Paginate, Paginated};
use crate::request::Request;
use crate::run::{self, Inner};
use crate::secret::AccessToken;

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
    pub(crate) inner: Arc<Inner>,
    pub(crate) token: AccessToken,
}

impl Client {
    /// A client for `https://api.losant.com` with the given access token and
    /// every other setting at its default.
    ///
    /// It does not fail: when the client cannot be built, every request
    /// fails with [`Error::Config`] instead, saying why, as
    /// [`ClientBuilder::build`] would have. A token that cannot be sent
    /// (one with a line break, say) is the token's fault, so
    /// [`with_access_token`](Self::with_access_token) can still give a
    /// working client; a setting that cannot work (the `https` default in a
    /// build without TLS) fails every client made from this one. Use
    /// [`Client::builder`] to learn about it at once.
    pub fn new(access_token: impl AsRef<str>) -> Self {
        match Client::builder()
            .access_token(access_token.as_ref())
            .build()
        {
            Ok(client) => client,
            Err(_) => Client::unusable(),
        }
    }

    /// What [`Client::new`] gives when its build fails: a client of the
    /// default settings whose every request fails with the reason.
    fn unusable() -> Self {
        let client = ClientBuilder::unusable();
        // The defaults with a token that is surely sendable: when they fail
        // too, the settings are at fault, and say so for good. Otherwise
        // only the token was: the client keeps none, and every request
        // reports that until `with_access_token` gives another.
        let why = match Client::builder().access_token("-").build() {
            Ok(_) => return client,
            Err(Error::Config(why)) => why,
            Err(other) => ConfigError::new(other.to_string()),
        };
        let inner = Inner {
            unusable: Some(why),
            ..Inner::clone(&client.inner)
        };
        Client {
            inner: Arc::new(inner),
            token: client.token,
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
    /// [`Error::Config`] when `LOSANT_API_TOKEN` is unset, empty or only
    /// whitespace, or when either value is unusable.
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
    /// connection pool and settings. The token is trimmed of surrounding
    /// whitespace first, as [`ClientBuilder::access_token`] does, so one
    /// read from a file with its newline works. It does not fail: a token
    /// that cannot be sent as a header makes every request fail with
    /// [`Error::Config`].
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
    /// [`Error::Config`] when the client's access token cannot be sent or
    /// when [`Client::new`] could not build the client (the error then
    /// gives the reason it kept, such as `https` in a build without TLS).
    ///
    /// A success with an empty body (a `204`, or a `200` with
    /// `Content-Length: 0`) is decoded as the JSON `null`: a response type
    /// that accepts it ([`serde_json::Value`], an `Option`, `()`) gets
    /// `Value::Null`, `None` or `()`, and any other type fails with
    /// [`Error::Decode`] as for any body that does not fit it.
    ///
    /// The request may be passed by value or by reference; by reference it
    /// can be sent again: `client.send(&request)`.
    // By value as well as by reference, as the public contract says; the
    // by-reference form is the `Request` impl for `&R`.
    #[allow(clippy::needless_pass_by_value)]
    pub fn send<R: Request>(&self, request: R) -> Result<R::Response> {
        run::send(&self.inner, &self.token, &request)
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

    /// Sends a request and decodes its answer into the caller's own type
    /// `T` instead of the request's [`Response`](Request::Response): a
    /// struct of only the fields a program reads is decoded without building
    /// the rest.
    ///
    /// Everything else is as [`send`](Self::send): the same checks before
    /// sending, retries and errors. When a retried delete finds its target
    /// already gone (the request's
    /// [`response_when_gone`](Request::response_when_gone)), the answer is
    /// decoded from `{"success":true}`, what Losant answers a delete with.
    ///
    /// ```
    /// use losant_rest::tokens::ListTokens;
    ///
    /// #[derive(serde::Deserialize)]
    /// #[serde(rename_all = "camelCase")]
    /// struct Names {
    ///     items: Vec<Name>,
    ///     total_count: u64,
    /// }
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Name {
    ///     id: String,
    ///     name: String,
    /// }
    ///
    /// # fn main() -> losant_rest::Result<()> {
    /// # let fake = losant_rest::fake::FakeLosant::start();
    /// # fake.seed(3);
    /// # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
    /// let page: Names = client.send_as(ListTokens::new().links(false))?;
    /// assert_eq!(page.total_count, 3);
    /// assert_eq!(page.items[0].name, "seeded-token-0000");
    /// assert_eq!(page.items[0].id.len(), 24);
    ///
    /// // A body that does not fit the type is a decode error.
    /// let err = client.send_as::<Vec<Name>>(ListTokens::new()).err();
    /// assert!(matches!(err, Some(losant_rest::Error::Decode(_))));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send); [`Error::Decode`] when the answer does not
    /// decode into `T`.
    // By value as well as by reference, like `send`.
    #[allow(clippy::needless_pass_by_value)]
    pub fn send_as<T: DeserializeOwned>(&self, request: impl Request) -> Result<T> {
        decode::send_seeded(self, &request, |_| PhantomData::<T>)
    }

    /// Every item of a paged list, each decoded as the caller's own type `T`:
    /// like [`paginate`](Self::paginate) (lazy, one page in memory at a
    /// time, the same ending rules and errors), for any [`Paginated`]
    /// request whose answer has an `items` array. Everything on a page but
    /// `items`, `totalCount` and `perPage` is skipped unread.
    ///
    /// ```
    /// use losant_rest::tokens::ListTokens;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Name {
    ///     name: String,
    /// }
    ///
    /// # fn main() -> losant_rest::Result<()> {
    /// # let fake = losant_rest::fake::FakeLosant::start();
    /// # fake.seed(25);
    /// # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
    /// let mut names = Vec::new();
    /// for token in client.paginate_as::<Name>(ListTokens::new().per_page(10)) {
    ///     names.push(token?.name);
    /// }
    /// assert_eq!(names.len(), 25);
    /// assert_eq!(names[24], "seeded-token-0024");
    /// # Ok(()) }
    /// ```
    pub fn paginate_as<T: DeserializeOwned>(
        &self,
        request: impl Paginated,
    ) -> Paginate<impl Paginated, T> {
        Paginate::new_as(self.clone(), request)
    }

    /// Sends every request, at most `concurrency` at once (0 counts as 1),
    /// each on its own thread and pooled connection, and returns the answers
    /// in the order of the requests. One failing does not stop the others;
    /// each answer is in its place. See [`concurrent::map`](crate::concurrent::map)
    /// for the same with any closure.
    ///
    /// ```
    /// use losant_rest::tokens::GetToken;
    ///
    /// # fn main() -> losant_rest::Result<()> {
    /// # let fake = losant_rest::fake::FakeLosant::start();
    /// # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
    /// let mut ids = fake.seed(5);
    /// ids.insert(2, "575ec7417ae143cd83dc4a95".into()); // no such token
    /// let answers = client.send_all(ids.iter().map(GetToken::new), 3);
    /// assert_eq!(answers.len(), 6);
    /// assert!(answers[2].as_ref().is_err_and(|e| e.is_not_found()));
    /// assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 5);
    /// # Ok(()) }
    /// ```
    pub fn send_all<R, I>(&self, requests: I, concurrency: usize) -> Vec<Result<R::Response>>
    where
        I: IntoIterator<Item = R>,
        R: Request + Send,
        R::Response: Send,
    {
        crate::concurrent::map(requests, concurrency, |request| self.send(request))
    }

    /// Every token of every owner the access token reaches: the user's, and
    /// every application's and instance's, read concurrently as `job` says;
    /// see [`owners`](crate::owners) for an audit in a few lines.
    ///
    /// # Errors
    ///
    /// Only when nothing can be read at all: a 401 or a client that cannot
    /// send (any call), or every first call failing. A directory or an owner
    /// that answers 403, 404, 5xx or fails on the way is reported in
    /// [`Inventory::errors`](crate::owners::Inventory::errors) and the job
    /// goes on.
    pub fn all_tokens(&self, job: &crate::owners::AllTokens) -> Result<crate::owners::Inventory> {
        crate::owners::run(self, job)
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
            .field("max_retries", &inner.policy.max_retries)
            .field("max_response_size", &inner.max_response_size)
            .finish_non_exhaustive()
    }
}
