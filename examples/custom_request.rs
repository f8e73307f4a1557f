//! Calling a Losant endpoint this crate does not cover yet, by implementing
//! [`Request`] in your own code: `GET /me`, the signed-in user.
//!
//! ```text
//! LOSANT_API_TOKEN=… cargo run --example custom_request
//! ```
//!
//! The request gets everything a built-in one gets: the headers, the shared
//! `_actions`/`_links`/`_embedded` parameters, retries, time-outs and typed
//! errors.

use std::process::ExitCode;

use losant_rest::Client;
use losant_rest::request::{Method, Path, Request};
use serde::Deserialize;

/// `GET /me`.
struct GetMe;

/// The fields of the answer this program uses; the rest are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Me {
    id: String,
    email: Option<String>,
    first_name: Option<String>,
}

impl Request for GetMe {
    type Response = Me;

    fn method(&self) -> Method {
        Method::Get
    }

    fn path(&self, path: &mut Path<'_>) {
        path.push("/me");
    }
}

fn main() -> ExitCode {
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e} (set LOSANT_API_TOKEN, and LOSANT_API_URL for another server)");
            return ExitCode::from(2);
        }
    };
    match client.send(GetMe) {
        Ok(me) => {
            println!(
                "signed in as {} <{}>",
                me.first_name.as_deref().unwrap_or("?"),
                me.email.as_deref().unwrap_or("?")
            );
            println!("user id {}", me.id);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
