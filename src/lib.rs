//! A blocking, synchronous client for Losant's REST API.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod client;
mod error;
pub mod paginate;
pub mod request;
mod retry;
pub mod schema;
mod secret;
pub mod tokens;
mod validate;

pub use client::{Client, ClientBuilder};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, InvalidRequest, Result, TransportError,
    UnexpectedStatus,
};
pub use request::Request;
