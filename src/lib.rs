//! A blocking, synchronous client for [Losant](https://www.losant.com)'s
//! REST API, starting with the API token resources of every owner: the
//! signed-in user, applications and instances.
//!
//! It is for scripts, command-line tools and programs without an async
//! runtime: each call sends one HTTP request on the calling thread and
//! returns a typed answer or a typed [`Error`].
//!
//! # Setup
//!
//! A [`Client`] needs an access token. [`Client::new`] talks to
//! `https://api.losant.com`; [`Client::builder`] sets everything else, and
//! [`Client::from_env`] reads `LOSANT_API_TOKEN` and `LOSANT_API_URL`.
//!
//! ```no_run
//! # fn main() -> losant_rest::Result<()> {
//! use std::time::Duration;
//!
//! let client = losant_rest::Client::new("my-access-token");
//!
//! let client = losant_rest::Client::builder()
//!     .access_token("my-access-token")
//!     .timeout(Duration::from_secs(10))
//!     .build()?;
//!
//! let client = losant_rest::Client::from_env()?;
//! # let _ = client; Ok(()) }
//! ```
//!
//! The examples below run for real, against the fake Losant server this
//! crate ships (see [Testing your own code](#testing-your-own-code)).
//!
//! # Every action
//!
//! Each action is a request value in [`tokens`]; [`Client::send`] sends it
//! and returns the type that action answers with.
//!
//! ```
//! use losant_rest::schema::{ApiTokenPatch, ApiTokenPost, TokenStatus};
//! use losant_rest::tokens::{CreateToken, DeleteToken, GetToken, ListTokens, UpdateToken};
//!
//! # fn main() -> losant_rest::Result<()> {
//! # let fake = losant_rest::fake::FakeLosant::start();
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! // POST /me/tokens: the only answer that carries the secret.
//! let created = client.send(CreateToken::new(
//!     ApiTokenPost::new("deploy bot").scope(["all.User.read"]),
//! ))?;
//! let secret = created.token.as_ref().expect("a create returns the secret");
//! assert!(!secret.expose_secret().is_empty());
//! assert_eq!(format!("{secret}"), "<redacted>");
//!
//! // GET /me/tokens/{id}: later reads never carry it.
//! let token = client.send(GetToken::new(&created.id))?;
//! assert!(token.token.is_none());
//!
//! // PATCH /me/tokens/{id}
//! let off = client.send(UpdateToken::new(
//!     &created.id,
//!     ApiTokenPatch::new().status(TokenStatus::Inactive),
//! ))?;
//! assert_eq!(off.status, Some(TokenStatus::Inactive));
//!
//! // GET /me/tokens
//! let page = client.send(ListTokens::new().per_page(10))?;
//! assert_eq!(page.items.len(), 1);
//!
//! // DELETE /me/tokens/{id}
//! assert!(client.send(DeleteToken::new(&created.id))?.success);
//! # Ok(()) }
//! ```
//!
//! # Application and instance tokens
//!
//! The same five requests act on an application's tokens with
//! `.application(id)` and on an instance's with `.instance(id)`; without
//! either they act on the signed-in user's (`/me`). Application tokens are
//! what devices, gateways and integrations authenticate with.
//!
//! ```
//! use losant_rest::schema::{ApiTokenPost, OwnerType};
//! use losant_rest::tokens::{CreateToken, ListTokens};
//!
//! # fn main() -> losant_rest::Result<()> {
//! # let fake = losant_rest::fake::FakeLosant::start();
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! let app = "575ec8687ae143cd83dc4a97";
//! let created = client.send(
//!     CreateToken::new(ApiTokenPost::new("gateway").scope(["all.Device"])).application(app),
//! )?;
//! assert_eq!(created.owner_type, Some(OwnerType::Application));
//! assert_eq!(created.application_id.as_deref(), Some(app));
//!
//! // Owners never see each other's tokens.
//! assert_eq!(client.send(ListTokens::new())?.items.len(), 0);
//! let names: Vec<String> = client
//!     .paginate(ListTokens::new().application(app))
//!     .map(|t| t.map(|t| t.name))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(names, ["gateway"]);
//! # Ok(()) }
//! ```
//!
//! # Errors
//!
//! Every call returns [`Result`]. An answer of 400 or more is
//! [`Error::Api`], with Losant's error `type` and `message`; a request that
//! cannot be valid is refused before sending with [`Error::InvalidRequest`].
//!
//! ```
//! use losant_rest::tokens::GetToken;
//! use losant_rest::Error;
//!
//! # fn main() -> losant_rest::Result<()> {
//! # let fake = losant_rest::fake::FakeLosant::start();
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! match client.send(GetToken::new("575ec7417ae143cd83dc4a95")) {
//!     Err(Error::Api(e)) if e.kind.as_deref() == Some("NotFound") => {
//!         assert_eq!(e.status, 404);
//!     }
//!     other => panic!("expected a 404, got {other:?}"),
//! }
//!
//! let err = client.send(GetToken::new("not-an-id")).unwrap_err();
//! assert!(matches!(err, Error::InvalidRequest(_)));
//! assert_eq!(err.status(), None); // nothing was sent
//! # Ok(()) }
//! ```
//!
//! # Retries and time-outs
//!
//! `GET` and `DELETE` are retried on 429, 502, 503 and 504 and on a dropped
//! connection, honouring `Retry-After`; `POST` and `PATCH` are never sent
//! twice once they may have reached the server. Each attempt is bounded by
//! [`ClientBuilder::timeout`] (30 s by default) and its connection by
//! [`ClientBuilder::connect_timeout`] (10 s); [`Error::is_timeout`] tells
//! when one fired. [`ClientBuilder`] documents the whole policy.
//!
//! ```
//! use std::time::Duration;
//! use losant_rest::fake::{Fault, FakeLosant};
//! use losant_rest::tokens::ListTokens;
//!
//! # fn main() -> losant_rest::Result<()> {
//! let fake = FakeLosant::start();
//! let client = losant_rest::Client::builder()
//!     .access_token(fake.access_token())
//!     .base_url(fake.url())
//!     .max_retries(2)
//!     .backoff(Duration::from_millis(1), Duration::from_millis(10))
//!     .build()?;
//! fake.fail_next(2, Fault::status(503));
//! client.send(ListTokens::new())?; // two 503s, then success
//! assert_eq!(fake.request_count(), 3);
//! # Ok(()) }
//! ```
//!
//! A time-out is an error you can ask about:
//!
//! ```
//! use std::time::Duration;
//! use losant_rest::fake::{Fault, FakeLosant};
//! use losant_rest::tokens::ListTokens;
//!
//! # fn main() -> losant_rest::Result<()> {
//! let fake = FakeLosant::start();
//! let client = losant_rest::Client::builder()
//!     .access_token(fake.access_token())
//!     .base_url(fake.url())
//!     .timeout(Duration::from_millis(200))
//!     .connect_timeout(Duration::from_millis(100))
//!     .build()?;
//! fake.fail_next(1, Fault::delay(Duration::from_secs(1)));
//! let err = client.send(ListTokens::new()).unwrap_err();
//! assert!(err.is_timeout());
//! # Ok(()) }
//! ```
//!
//! # Names, HTTPS and proxies
//!
//! The client looks a host name up once for each new connection and never
//! for a request that reuses a kept-alive one, so a script's calls cost one
//! round trip each and keep working through a DNS outage.
//! [`ClientBuilder::resolve`] maps a name to an address without DNS, like
//! curl's `--resolve`, while TLS still checks the certificate against the
//! name; [`ClientBuilder::add_root_certificates`] trusts a private CA (a
//! TLS-inspecting proxy, a private deployment) in addition to the built-in
//! roots. A certificate that is not trusted, has expired or names another
//! host fails at once with [`Error::is_tls`], before any HTTP request is
//! sent.
//!
//! ```
//! # #[cfg(feature = "rustls")] {
//! use std::net::SocketAddr;
//! use losant_rest::fake::FakeLosant;
//! use losant_rest::tokens::ListTokens;
//!
//! let fake = FakeLosant::builder().tls(true).start().unwrap(); // HTTPS, with a test CA
//! let client = losant_rest::Client::builder()
//!     .access_token(fake.access_token())
//!     .base_url(format!("https://api.losant.test:{}", fake.port()))
//!     .resolve("api.losant.test", SocketAddr::from(([127, 0, 0, 1], fake.port())))
//!     .add_root_certificates(FakeLosant::ca_pem())
//!     .build()
//!     .unwrap();
//! client.send(ListTokens::new()).unwrap();
//!
//! // Without the CA, the handshake fails and nothing is sent.
//! let strict = losant_rest::Client::builder()
//!     .access_token(fake.access_token())
//!     .base_url(format!("https://api.losant.test:{}", fake.port()))
//!     .resolve("api.losant.test", SocketAddr::from(([127, 0, 0, 1], fake.port())))
//!     .build()
//!     .unwrap();
//! assert!(strict.send(ListTokens::new()).unwrap_err().is_tls());
//! assert_eq!(fake.request_count(), 1);
//! # }
//! ```
//!
//! Proxies come from `ALL_PROXY`, `HTTPS_PROXY` and `HTTP_PROXY` unless
//! [`ClientBuilder::proxy`] or [`ClientBuilder::no_proxy`] says otherwise.
//!
//! # Pagination
//!
//! [`Client::paginate`] walks every page lazily, holding one page at a time,
//! and stops on the server's `totalCount`.
//!
//! ```
//! use losant_rest::tokens::ListTokens;
//!
//! # fn main() -> losant_rest::Result<()> {
//! # let fake = losant_rest::fake::FakeLosant::start();
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! fake.seed(250);
//! let mut n = 0;
//! for token in client.paginate(ListTokens::new().per_page(100)) {
//!     let token = token?;
//!     n += 1;
//!     # let _ = token;
//! }
//! assert_eq!(n, 250);
//! assert_eq!(fake.request_count(), 3); // pages 0, 1 and 2; no empty page 3
//! # Ok(()) }
//! ```
//!
//! # Every token of every owner
//!
//! The directories lead to every owner: [`applications::ListApplications`]
//! (`GET /applications`), [`instances::ListInstances`] (`GET /instances`)
//! and [`me::GetMe`] (`GET /me`). [`Client::all_tokens`] walks them and reads
//! every owner's tokens, 8 owners at once, each token with its owner; an
//! owner that cannot be read is reported in
//! [`Inventory::errors`](owners::Inventory::errors) and the job goes on. See
//! [`owners`] for an audit in a few lines, and [`date`] and
//! [`ApiToken::expires_within`](schema::ApiToken::expires_within) for the
//! dates.
//!
//! ```
//! use losant_rest::fake::{FakeLosant, Owner};
//! use losant_rest::owners::AllTokens;
//!
//! # fn main() -> losant_rest::Result<()> {
//! let fake = FakeLosant::start();
//! fake.seed(2);
//! let app = fake.add_application("greenhouse");
//! fake.seed_for(&Owner::application(&app), 3);
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! let inventory = client.all_tokens(&AllTokens::new())?;
//! assert_eq!(inventory.owners.len(), 2); // the user and the application
//! assert_eq!(inventory.tokens[2].owner, Owner::application(&app));
//! assert_eq!(inventory.tokens[2].owner_name.as_deref(), Some("greenhouse"));
//! # Ok(()) }
//! ```
//!
//! To run many requests of your own at once, [`Client::send_all`] sends
//! them on at most `n` threads (and pooled connections), answers in order,
//! and [`concurrent::map`] does the same for any closure.
//!
//! # Testing your own code
//!
//! With the `fake` feature, [`fake::FakeLosant`] serves the token resources
//! on 127.0.0.1, so your tests need neither an account nor the network. Add
//! it to your dev-dependencies:
//!
//! ```toml
//! [dev-dependencies]
//! losant-rest = { version = "0.3", features = ["fake"] }
//! ```
//!
//! ```
//! use losant_rest::fake::FakeLosant;
//! use losant_rest::tokens::ListTokens;
//!
//! # fn main() -> losant_rest::Result<()> {
//! let fake = FakeLosant::start();
//! fake.seed(3);
//! let client = losant_rest::Client::builder()
//!     .access_token(fake.access_token())
//!     .base_url(fake.url())
//!     .build()?;
//! assert_eq!(client.send(ListTokens::new())?.items.len(), 3);
//! assert_eq!(fake.requests()[0].header("authorization"), Some(format!("Bearer {}", fake.access_token()).as_str()));
//! # Ok(()) }
//! ```
//!
//! # Custom requests
//!
//! [`Request`] is public: implement it to call a Losant endpoint this crate
//! does not cover yet, with the same headers, retries and errors. See the
//! [`request`] module for an example. For a one-off call,
//! [`request::RawRequest`] takes a method and a path and answers a
//! `serde_json::Value`:
//!
//! ```
//! use losant_rest::request::{Method, RawRequest};
//!
//! # fn main() -> losant_rest::Result<()> {
//! # let fake = losant_rest::fake::FakeLosant::start();
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! let me = client.send(RawRequest::new(Method::Get, "/me"))?;
//! assert_eq!(me["firstName"], "Fake");
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! - `rustls` (default): TLS with rustls and Mozilla's roots, bundled.
//! - `native-tls`: TLS with the platform's library instead, trusting the
//!   platform's certificate store (build with `default-features = false`;
//!   when both are enabled, rustls is used). With neither TLS feature, the
//!   client speaks plain `http://` only, and [`ClientBuilder::build`]
//!   refuses an `https://` base URL.
//! - `platform-verifier`: [`RootStore::Platform`] with rustls, the
//!   operating system's certificate store.
//! - `gzip` (default): asks for gzip and decompresses transparently; the
//!   response size limit applies to the decompressed body.
//! - `fake`: [`fake::FakeLosant`], a fake Losant server for tests, over
//!   HTTPS too (its server side is rustls, whichever TLS the client uses).
//! - `cli`: builds the `losant-tokens` command-line tool
//!   (`cargo install losant-rest --features cli`); the library never needs
//!   it.
//!
//! # Logging
//!
//! The client logs through the [`log`] facade, every record under the
//! target `losant_rest` (so `RUST_LOG=losant_rest=debug` selects them all):
//! at `debug`, exactly one line per attempt, with the method, the path
//! (without the base URL's host or the query, which can carry a filter),
//! the status or the failure's message (which names the host when the
//! connection failed), the duration and the retry number; at `trace`, one
//! more line for each host name lookup (one per new connection). No line of
//! this crate's ever carries a token. Mind ureq's own `trace` level
//! (targets `ureq` and `ureq_proto`): it dumps raw wire bytes, the
//! `Authorization` header and a created token's secret included, so keep
//! those targets at `debug` or below wherever logs are kept.
//!
//! [`log`]: https://docs.rs/log
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![warn(clippy::pedantic)]
// `Error` is the crate's error type in a crate named for it; `ApiError`,
// `InvalidRequest`… read better than shortened names.
#![allow(clippy::module_name_repetitions)]

/// Adds the setters for the parameters every action shares to a request
/// struct with a `params: Params` field: every request uses it (the token
/// requests through `shared_params!` in `tokens.rs`, which adds the owner).
macro_rules! params_setters {
    ($name:ident) => {
        impl $name {
            /// Sets the `losantdomain` header, the domain scope of the request
            /// (rarely needed). Defaults to none, and then the header is not
            /// sent.
            #[must_use]
            pub fn losant_domain(mut self, domain: impl Into<String>) -> Self {
                self.params.losant_domain = Some(domain.into());
                self
            }

            /// Sets the `_actions` query parameter: whether the answer lists
            /// the actions available on it. Defaults to `false`.
            #[must_use]
            pub fn actions(mut self, on: bool) -> Self {
                self.params.actions = on;
                self
            }

            /// Sets the `_links` query parameter: whether the answer carries
            /// HAL links. Defaults to `true`.
            #[must_use]
            pub fn links(mut self, on: bool) -> Self {
                self.params.links = on;
                self
            }

            /// Sets the `_embedded` query parameter: whether the answer embeds
            /// related resources. Defaults to `true`.
            #[must_use]
            pub fn embedded(mut self, on: bool) -> Self {
                self.params.embedded = on;
                self
            }
        }
    };
}

/// Implements [`Paginated`](crate::paginate::Paginated) for a list request
/// with `page: Option<u32>` and `per_page: Option<u32>` fields and a
/// `page(u32)` setter, whose answer `$response` has `items` of `$item`,
/// `total_count` and `per_page`: how every built-in list walks its pages.
macro_rules! paginated_list {
    ($(#[$doc:meta])* $name:ident, $response:ty => $item:ty) => {
        $(#[$doc])*
        impl $crate::paginate::Paginated for $name {
            type Item = $item;

            fn current_page(&self) -> u32 {
                self.page.unwrap_or(0)
            }

            fn requested_per_page(&self) -> Option<u32> {
                self.per_page
            }

            fn with_page(self, page: u32) -> Self {
                self.page(page)
            }

            fn into_page(response: $response) -> $crate::paginate::Page<$item> {
                $crate::paginate::Page::new(response.items, response.total_count, response.per_page)
            }
        }
    };
}

pub mod applications;
mod client;
pub mod concurrent;
mod config;
pub mod date;
mod decode;
mod error;
mod failure;
#[cfg(feature = "fake")]
pub mod fake;
pub mod instances;
mod lookup;
pub mod me;
pub mod owners;
pub mod paginate;
mod raw;
pub mod request;
mod retry;
mod run;
pub mod schema;
mod schema_de;
mod secret;
mod text;
mod tls;
pub mod tokens;
mod validate;

pub use client::Client;
pub use config::ClientBuilder;
pub use error::{
    ApiError, ConfigError, DecodeError, Error, InvalidRequest, Result, TransportError,
    UnexpectedStatus,
};
pub use request::Request;
pub use tls::RootStore;

// For the benchmark: the decode `send_as` uses, on bytes in memory.
#[doc(hidden)]
pub use decode::decode_as as __decode_as;

// Compiles the README's Rust examples as doctests, so that the README and
// the crate cannot disagree.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
