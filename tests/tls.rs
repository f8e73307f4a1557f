//! HTTPS for real: full handshakes against the fake's test PKI, an added
//! root, `resolve()` with the certificate checked against the name, and
//! clear, final refusals of certificates that must not be trusted.
//!
//! They run with either TLS backend: the fake's server side is rustls in
//! every build, so `cargo test --no-default-features --features
//! native-tls,fake --test tls` shakes hands with OpenSSL as the client.
//!
//! Every name is mapped to 127.0.0.1 with `resolve()`; neither the machine's
//! DNS nor its certificate store is consulted (the roots are always
//! Mozilla's bundle, plus the test CA where a test adds it).
#![cfg(any(feature = "rustls", feature = "native-tls"))]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::schema::{ApiTokenPatch, ApiTokenPost, TokenStatus};
use losant_rest::tokens::{CreateToken, DeleteToken, GetToken, ListTokens, UpdateToken};
use losant_rest::{Client, ClientBuilder, Error, RootStore};

const UNTRUSTED: (&str, &str) = (
    include_str!("pki/untrusted.pem"),
    include_str!("pki/untrusted.key"),
);
const EXPIRED: (&str, &str) = (
    include_str!("pki/expired.pem"),
    include_str!("pki/expired.key"),
);
/// A certificate request in a `CERTIFICATE` block: a certificate's outer
/// shape, each length exact, but no certificate.
const CSR_AS_CERTIFICATE: &str = include_str!("pki/csr-as-certificate.pem");

/// Whether the client's TLS is native-tls (OpenSSL here) rather than rustls.
const NATIVE: bool = cfg!(all(feature = "native-tls", not(feature = "rustls")));

/// What the refusal says, in the words of the backend in use.
fn says(rustls: &'static str, native_tls: &'static str) -> &'static str {
    if NATIVE { native_tls } else { rustls }
}

fn https_fake() -> FakeLosant {
    FakeLosant::builder()
        .tls(true)
        .start()
        .expect("an HTTPS fake")
}

fn https_fake_with(identity: (&str, &str)) -> FakeLosant {
    FakeLosant::builder()
        .tls(true)
        .tls_identity(identity.0, identity.1)
        .start()
        .expect("an HTTPS fake")
}

/// A client for `https://{host}:{port}`, with `host` mapped to the fake and
/// Mozilla's roots (never the machine's store, native-tls's default).
fn to(fake: &FakeLosant, host: &str) -> ClientBuilder {
    Client::builder()
        .access_token(fake.access_token())
        .base_url(format!("https://{host}:{}", fake.port()))
        .resolve(host, SocketAddr::from(([127, 0, 0, 1], fake.port())))
        .root_store(RootStore::Mozilla)
        .backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn lifecycle(client: &Client) {
    let created = client
        .send(CreateToken::new(
            ApiTokenPost::new("over tls").scope(["all.User.read"]),
        ))
        .unwrap();
    assert!(created.token.is_some());
    assert_eq!(
        client.send(GetToken::new(&created.id)).unwrap().name,
        "over tls"
    );
    let off = client
        .send(UpdateToken::new(
            &created.id,
            ApiTokenPatch::new().status(TokenStatus::Inactive),
        ))
        .unwrap();
    assert_eq!(off.status, Some(TokenStatus::Inactive));
    assert_eq!(client.send(ListTokens::new()).unwrap().items.len(), 1);
    assert!(client.send(DeleteToken::new(&created.id)).unwrap().success);
}

#[test]
fn the_whole_lifecycle_over_https_on_one_connection() {
    let fake = https_fake();
    let client = to(&fake, "localhost")
        .add_root_certificates(FakeLosant::ca_pem())
        .build()
        .unwrap();
    lifecycle(&client);
    assert_eq!(fake.request_count(), 5);
    assert_eq!(
        fake.connection_count(),
        1,
        "one handshake for five requests"
    );
}

#[test]
fn resolve_keeps_checking_the_certificate_against_the_name() {
    let fake = https_fake();
    let client = to(&fake, "api.losant.test")
        .add_root_certificates(FakeLosant::ca_pem())
        .build()
        .unwrap();
    lifecycle(&client);
    assert_eq!(fake.connection_count(), 1);
    let host = fake.requests()[0].header("host").map(str::to_owned);
    assert_eq!(host, Some(format!("api.losant.test:{}", fake.port())));
}

/// Asserts that `err` is a final TLS refusal that says `why` and shows no
/// secret, and that the fake saw no HTTP request and one connection at most
/// (no retry).
fn assert_refused(fake: &FakeLosant, err: &Error, why: &str) {
    assert!(err.is_tls(), "{err:?}");
    assert!(!err.is_connect() && !err.is_timeout());
    assert_eq!(err.status(), None);
    let message = err.to_string();
    // OpenSSL's words vary in case between versions.
    assert!(
        message
            .to_ascii_lowercase()
            .contains(&why.to_ascii_lowercase()),
        "{message:?} should say {why:?}"
    );
    assert!(!message.contains(fake.access_token()), "{message}");
    assert!(!format!("{err:?}").contains(fake.access_token()));
    assert_eq!(fake.request_count(), 0, "no HTTP request is sent");
    assert!(fake.connection_count() <= 1, "a TLS failure is not retried");
}

#[test]
fn without_the_root_the_fake_is_not_trusted() {
    let fake = https_fake();
    let client = to(&fake, "localhost").max_retries(3).build().unwrap();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert_refused(
        &fake,
        &err,
        says("not trusted", "signed certificate in certificate chain"),
    );
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    let fake = https_fake_with(UNTRUSTED);
    let client = to(&fake, "localhost")
        .add_root_certificates(FakeLosant::ca_pem())
        .max_retries(3)
        .build()
        .unwrap();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert_refused(
        &fake,
        &err,
        says("not trusted", "signed certificate in certificate chain"),
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    let fake = https_fake_with(EXPIRED);
    let client = to(&fake, "localhost")
        .add_root_certificates(FakeLosant::ca_pem())
        .max_retries(3)
        .build()
        .unwrap();
    let err = client
        .send(CreateToken::new(ApiTokenPost::new("never")))
        .unwrap_err();
    assert_refused(&fake, &err, says("expired", "certificate has expired"));
    assert_eq!(fake.token_count(), 0);
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let fake = https_fake();
    let client = to(&fake, "wrong.losant.test")
        .add_root_certificates(FakeLosant::ca_pem())
        .max_retries(3)
        .build()
        .unwrap();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert_refused(
        &fake,
        &err,
        says("not valid for this host name", "hostname mismatch"),
    );
    assert!(err.to_string().contains("wrong.losant.test"), "{err}");
}

/// A server that drops the connection after the handshake, without TLS's
/// `close_notify`: OpenSSL then says "unexpected eof while reading". That is
/// a dropped connection, not a TLS failure, so a `GET` is sent again.
#[test]
fn a_connection_dropped_after_the_handshake_is_not_a_tls_failure() {
    let fake = https_fake();
    let client = to(&fake, "localhost")
        .add_root_certificates(FakeLosant::ca_pem())
        .max_retries(2)
        .build()
        .unwrap();
    client.send(ListTokens::new()).unwrap();
    fake.fail_next(1, Fault::reset());
    client.send(ListTokens::new()).unwrap();
    assert_eq!(fake.connection_count(), 2, "the GET went again, once");

    // Without retries the same drop is the error: not TLS, nor a connect
    // failure, and the request may have been carried out.
    let once = to(&fake, "localhost")
        .add_root_certificates(FakeLosant::ca_pem())
        .max_retries(0)
        .build()
        .unwrap();
    fake.fail_next(1, Fault::reset());
    let err = once.send(ListTokens::new()).unwrap_err();
    assert!(!err.is_tls(), "{err:?}");
    assert!(!err.is_connect(), "{err:?}");
    assert!(err.may_have_been_applied(), "{err:?}");
    assert_eq!(fake.connection_count(), 3);
}

#[test]
fn unusable_root_pems_fail_the_build() {
    let fake = https_fake();
    let config_error = |pem: &[u8]| match to(&fake, "localhost").add_root_certificates(pem).build()
    {
        Err(Error::Config(e)) => e.to_string(),
        other => panic!("expected Error::Config, got {other:?}"),
    };
    assert!(config_error(b"").contains("no CERTIFICATE"));
    assert!(config_error(UNTRUSTED.1.as_bytes()).contains("no CERTIFICATE"));
    let junk =
        b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
    assert!(config_error(junk).contains("not a valid X.509"));
    // The outer shape of a certificate, parsed for real: an empty one, and
    // a certificate request.
    let framed = b"-----BEGIN CERTIFICATE-----\nMAcwADAAAwEA\n-----END CERTIFICATE-----\n";
    assert!(config_error(framed).contains("not a valid X.509"));
    let csr = config_error(CSR_AS_CERTIFICATE.as_bytes());
    assert!(
        csr.contains("root certificate 1 of the PEM is not a valid X.509"),
        "{csr}"
    );
    // One bad block fails the PEM, even after a good one.
    let after_good = format!("{}{CSR_AS_CERTIFICATE}", FakeLosant::ca_pem());
    assert!(config_error(after_good.as_bytes()).contains("root certificate 2"));
    // One good block among others is enough; several calls add up.
    let client = to(&fake, "localhost")
        .add_root_certificates(format!("{}\n{}", UNTRUSTED.1, FakeLosant::ca_pem()))
        .add_root_certificates(UNTRUSTED.0)
        .build()
        .unwrap();
    client.send(ListTokens::new()).unwrap();
}

#[test]
fn added_roots_do_not_mix_with_the_platform_store() {
    let err = Client::builder()
        .access_token("t")
        .root_store(RootStore::Platform)
        .add_root_certificates(FakeLosant::ca_pem())
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[cfg(all(feature = "rustls", not(feature = "platform-verifier")))]
#[test]
fn the_platform_store_needs_its_feature() {
    let err = Client::builder()
        .access_token("t")
        .root_store(RootStore::Platform)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("platform-verifier"), "{err}");
}

/// The platform's store, as rustls-platform-verifier reads it on Linux
/// (`SSL_CERT_FILE` and `SSL_CERT_DIR`, set in a child process only, so the
/// machine's own store is never used): it trusts the fake when the platform
/// trusts the test CA, and refuses it when the platform trusts another CA.
#[cfg(feature = "platform-verifier")]
#[test]
fn the_platform_store_is_the_platforms() {
    let fake = https_fake();
    let dir = std::env::temp_dir().join(format!("losant-rest-platform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trusted = dir.join("test-ca.pem");
    std::fs::write(&trusted, FakeLosant::ca_pem()).unwrap();
    let other = dir.join("other-ca.pem");
    std::fs::write(&other, UNTRUSTED.0).unwrap();
    let port = fake.port().to_string();
    for (file, expect) in [(&trusted, "trusted"), (&other, "refused")] {
        common::run_in_child(
            "child_uses_the_platform_store",
            &[
                ("SSL_CERT_FILE", file.to_str().unwrap()),
                ("SSL_CERT_DIR", dir.join("empty").to_str().unwrap()),
                ("LOSANT_REST_TEST_PORT", &port),
                ("LOSANT_REST_TEST_EXPECT", expect),
            ],
        );
    }
    assert_eq!(
        fake.request_count(),
        1,
        "only the trusting child got through"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "platform-verifier")]
#[test]
#[ignore = "run by the_platform_store_is_the_platforms in a child process"]
fn child_uses_the_platform_store() {
    let port: u16 = std::env::var("LOSANT_REST_TEST_PORT")
        .unwrap()
        .parse()
        .unwrap();
    let client = Client::builder()
        .access_token("fake-losant-access-token")
        .base_url(format!("https://localhost:{port}"))
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], port)))
        .root_store(RootStore::Platform)
        .max_retries(0)
        .build()
        .unwrap();
    let result = client.send(ListTokens::new());
    match std::env::var("LOSANT_REST_TEST_EXPECT").unwrap().as_str() {
        "trusted" => {
            result.unwrap();
        }
        _ => assert!(result.unwrap_err().is_tls()),
    }
}
