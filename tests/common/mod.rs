//! What every test file shares: a fake server and a client pointed at it.
#![allow(dead_code)]

use std::time::Duration;

use losant_rest::fake::FakeLosant;
use losant_rest::Client;

pub const MISSING_ID: &str = "575ec7417ae143cd83dc4a95";

/// A fake server and a client for it, with backoff shortened so that retry
/// tests stay fast.
pub fn setup() -> (FakeLosant, Client) {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    (fake, client)
}

pub fn builder_for(fake: &FakeLosant) -> losant_rest::ClientBuilder {
    Client::builder()
        .access_token(fake.access_token())
        .base_url(fake.url())
        .backoff(Duration::from_millis(1), Duration::from_millis(20))
}

pub fn client_for(fake: &FakeLosant) -> Client {
    builder_for(fake).build().expect("client")
}
