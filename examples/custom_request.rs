//! Calling a Losant endpoint this crate has no type for, two ways:
//!
//! 1. a typed request: implement [`Request`] for your own struct, with your
//!    own answer type (here `GET /me/tokens` read into three fields);
//! 2. a [`RawRequest`]: a method, a path, query parameters and a JSON body in
//!    one line, answered as a `serde_json::Value`.
//!
//! ```text
//! cargo run --example custom_request                      # offline, against the built-in fake
//! LOSANT_API_TOKEN=… cargo run --example custom_request   # the real API (reads only)
//! ```
//!
//! Both get everything a built-in request gets: the headers, the shared
//! `_actions`/`_links`/`_embedded` parameters, retries as the method allows,
//! time-outs and typed errors.

use std::process::ExitCode;

use losant_rest::fake::FakeLosant;
use losant_rest::request::{Method, Path, Query, RawRequest, Request};
use losant_rest::{Client, Result};
use serde::Deserialize;

/// 1. A typed request: `GET /me/tokens`, newest first, only what we read.
struct NewestTokens {
    how_many: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenNames {
    #[serde(default)]
    items: Vec<TokenName>,
    total_count: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenName {
    id: String,
    name: String,
    creation_date: Option<String>,
}

impl Request for NewestTokens {
    type Response = TokenNames;

    fn method(&self) -> Method {
        Method::Get
    }

    fn path(&self, path: &mut Path<'_>) {
        path.push("/me/tokens");
    }

    fn query(&self, query: &mut Query<'_>) {
        query
            .pair("sortField", "creationDate")
            .pair("sortDirection", "desc")
            .opt_u32("perPage", Some(self.how_many));
    }
}

fn main() -> ExitCode {
    // Keep the fake alive for the whole program when there is one.
    let (client, _fake) = match std::env::var("LOSANT_API_TOKEN") {
        Ok(token) if !token.is_empty() => match Client::from_env() {
            Ok(client) => (client, None),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        _ => {
            let fake = FakeLosant::start();
            fake.seed(5);
            println!(
                "LOSANT_API_TOKEN is not set: running against the built-in fake at {}.",
                fake.url()
            );
            let client = Client::builder()
                .access_token(fake.access_token())
                .base_url(fake.url())
                .build()
                .expect("the fake's URL is valid");
            (client, Some(fake))
        }
    };
    match run(&client) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(client: &Client) -> Result<()> {
    println!("\n1. A typed request (impl Request): the three newest tokens");
    let newest = client.send(NewestTokens { how_many: 3 })?;
    println!(
        "   {} tokens in all; newest:",
        newest.total_count.unwrap_or(0)
    );
    for t in &newest.items {
        println!(
            "   {}  {:<20} created {}",
            t.id,
            t.name,
            t.creation_date.as_deref().unwrap_or("-")
        );
    }

    println!("\n2. A RawRequest: GET /me, answered as serde_json::Value");
    let me = client.send(RawRequest::new(Method::Get, "/me").links(false))?;
    println!(
        "   signed in as {} <{}>",
        me["firstName"].as_str().unwrap_or("?"),
        me["email"].as_str().unwrap_or("?")
    );

    println!("   and GET /me/tokens with a query of its own");
    let page = client.send(
        RawRequest::new(Method::Get, "/me/tokens")
            .query("filterField", "name")
            .query("filter", "seeded-token-000*")
            .query("perPage", "2"),
    )?;
    println!(
        "   {} of {} tokens match",
        page["count"].as_u64().unwrap_or(0),
        page["totalCount"].as_u64().unwrap_or(0)
    );

    // A path with a query in it is refused before anything is sent.
    let refused = client.send(RawRequest::new(Method::Get, "/me/tokens?perPage=2"));
    match refused {
        Err(e) if e.is_invalid_request() => println!("   refused before sending: {e}"),
        other => println!("   unexpected: {other:?}"),
    }
    Ok(())
}
