//! Access tokens are trimmed of surrounding whitespace before they are
//! checked and sent, by every way a client gets one, so a token read from a
//! file with its newline works; one that is only whitespace is still refused.

mod common;

use losant_rest::tokens::ListTokens;
use losant_rest::{Client, Error};

use common::run_in_child;
use losant_rest::fake::FakeLosant;

/// The `Authorization` header of every request the fake saw.
fn authorizations(fake: &FakeLosant) -> Vec<String> {
    fake.requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_owned))
        .collect()
}

#[test]
fn build_and_with_access_token_trim_the_token() {
    let fake = FakeLosant::start();
    let token = fake.access_token().to_owned();
    let client = Client::builder()
        .access_token(format!(" {token}\r\n"))
        .base_url(fake.url())
        .build()
        .unwrap();
    client.send(ListTokens::new()).unwrap();
    client
        .with_access_token(format!("\t{token}\n"))
        .send(ListTokens::new())
        .unwrap();
    Client::builder()
        .access_token(format!("{token}\n"))
        .base_url(fake.url())
        .build()
        .unwrap()
        .send(ListTokens::new())
        .unwrap();
    let bearer = format!("Bearer {token}");
    assert_eq!(
        authorizations(&fake),
        [bearer.clone(), bearer.clone(), bearer]
    );
}

#[test]
fn a_token_of_only_whitespace_is_still_refused() {
    for blank in ["\n", " \r\n\t"] {
        let err = Client::builder().access_token(blank).build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        let fake = FakeLosant::start();
        let client = Client::builder()
            .access_token(fake.access_token())
            .base_url(fake.url())
            .build()
            .unwrap();
        let err = client
            .with_access_token(blank)
            .send(ListTokens::new())
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert_eq!(fake.connection_count(), 0, "nothing was sent");
    }
}

#[test]
fn from_env_trims_the_token() {
    let fake = FakeLosant::start();
    let padded = format!("{}\n", fake.access_token());
    run_in_child(
        "child_reads_a_padded_token_from_the_environment",
        &[
            ("LOSANT_API_TOKEN", &padded),
            ("LOSANT_API_URL", &fake.url()),
        ],
    );
    assert_eq!(
        authorizations(&fake),
        [format!("Bearer {}", fake.access_token())]
    );
}

#[test]
#[ignore = "run by from_env_trims_the_token in a child process"]
fn child_reads_a_padded_token_from_the_environment() {
    let client = Client::from_env().unwrap();
    client.send(ListTokens::new()).unwrap();
}
