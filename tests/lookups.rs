//! Host names: one lookup per new connection and none for a pooled one,
//! `resolve()` like curl's `--resolve`, lookup failures as connect failures
//! that nothing was sent for, and a live connection that outlives DNS.
//!
//! Every name here is answered by a resolver the test installs (or by
//! `resolve()`); the machine's own DNS configuration is never consulted.

mod common;
mod stall;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::schema::ApiTokenPost;
use losant_rest::tokens::{CreateToken, GetToken, ListTokens};
use losant_rest::{Client, ClientBuilder};

/// A resolver that answers `api.losant.test` with the fake's address while
/// `up` is true, and counts every call.
#[derive(Clone)]
struct CountingDns {
    calls: Arc<AtomicUsize>,
    up: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl CountingDns {
    fn new(fake: &FakeLosant) -> Self {
        CountingDns {
            calls: Arc::default(),
            up: Arc::new(AtomicBool::new(true)),
            addr: SocketAddr::from(([127, 0, 0, 1], fake.port())),
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn install(&self, builder: ClientBuilder) -> ClientBuilder {
        let dns = self.clone();
        builder.dns_resolver(move |host: &str, port: u16| {
            dns.calls.fetch_add(1, Ordering::SeqCst);
            if !dns.up.load(Ordering::SeqCst) {
                return Err(io::Error::new(io::ErrorKind::NotFound, "DNS is down"));
            }
            assert_eq!(host, "api.losant.test");
            assert_eq!(port, 80);
            Ok(vec![dns.addr])
        })
    }
}

fn by_name(fake: &FakeLosant) -> ClientBuilder {
    Client::builder()
        .access_token(fake.access_token())
        .base_url("http://api.losant.test")
        .backoff(Duration::from_millis(1), Duration::from_millis(10))
}

#[test]
fn one_lookup_per_connection_none_for_a_pooled_one() {
    let fake = FakeLosant::start();
    fake.seed(3);
    let dns = CountingDns::new(&fake);
    let client = dns.install(by_name(&fake)).build().unwrap();
    for _ in 0..50 {
        assert_eq!(client.send(ListTokens::new()).unwrap().items.len(), 3);
    }
    assert_eq!(fake.request_count(), 50);
    assert_eq!(fake.connection_count(), 1);
    assert_eq!(dns.calls(), 1, "one connection, one lookup");
    let host = fake.requests()[0].header("host").map(str::to_owned);
    assert_eq!(host.as_deref(), Some("api.losant.test"));
}

#[test]
fn a_new_connection_looks_up_again() {
    // No answer outlives its connection: when the server closes it, the
    // next connection asks afresh.
    let fake = FakeLosant::start();
    let dns = CountingDns::new(&fake);
    let client = dns.install(by_name(&fake)).build().unwrap();
    client.send(ListTokens::new()).unwrap();
    fake.fail_next(1, Fault::close_after_response());
    client.send(ListTokens::new()).unwrap();
    client.send(ListTokens::new()).unwrap();
    assert_eq!(fake.connection_count(), 2);
    assert_eq!(dns.calls(), 2);
}

#[test]
fn a_live_pooled_connection_survives_a_dns_outage() {
    let fake = FakeLosant::start();
    let dns = CountingDns::new(&fake);
    let client = dns.install(by_name(&fake)).build().unwrap();
    client.send(ListTokens::new()).unwrap();
    dns.up.store(false, Ordering::SeqCst);
    for _ in 0..10 {
        client.send(ListTokens::new()).unwrap();
    }
    assert_eq!(dns.calls(), 1);
    // A new connection needs DNS, and fails with a connect error.
    fake.fail_next(1, Fault::close_after_response());
    client.send(ListTokens::new()).unwrap();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

#[test]
fn a_failed_lookup_is_a_connect_error_for_a_request_never_sent() {
    let fake = FakeLosant::start();
    let dns = CountingDns::new(&fake);
    dns.up.store(false, Ordering::SeqCst);
    let client = dns.install(by_name(&fake)).max_retries(0).build().unwrap();
    let err = client
        .send(CreateToken::new(ApiTokenPost::new("n")))
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.is_timeout());
    assert!(err.to_string().contains("api.losant.test"), "{err}");
    assert_eq!(fake.request_count(), 0);
    assert_eq!(fake.connection_count(), 0);
    // The resolver's own error is the cause beneath.
    let cause = std::error::Error::source(&err).expect("a cause");
    assert_eq!(cause.to_string(), "DNS is down");

    // Nothing was sent, so even a POST is retried: DNS comes back on the
    // second lookup and exactly one token is created.
    let calls = Arc::new(AtomicUsize::new(0));
    let addr = SocketAddr::from(([127, 0, 0, 1], fake.port()));
    let flaky = {
        let calls = Arc::clone(&calls);
        by_name(&fake)
            .max_retries(2)
            .dns_resolver(move |_: &str, _: u16| {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(io::Error::new(io::ErrorKind::NotFound, "not yet"))
                } else {
                    Ok(vec![addr])
                }
            })
            .build()
            .unwrap()
    };
    let created = flaky
        .send(CreateToken::new(ApiTokenPost::new("once")))
        .unwrap();
    assert_eq!(created.name, "once");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(fake.request_count(), 1);
    assert_eq!(fake.token_count(), 1);
}

#[test]
fn an_empty_answer_is_a_failed_lookup() {
    let fake = FakeLosant::start();
    let client = by_name(&fake)
        .max_retries(0)
        .dns_resolver(|_: &str, _: u16| Ok(Vec::new()))
        .build()
        .unwrap();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(err.to_string().contains("api.losant.test"), "{err}");
}

#[test]
fn a_slow_lookup_is_bounded_by_the_connect_timeout() {
    let fake = FakeLosant::start();
    let client = by_name(&fake)
        .max_retries(0)
        .connect_timeout(Duration::from_millis(200))
        .dns_resolver(|_: &str, _: u16| {
            std::thread::sleep(Duration::from_secs(3));
            Err(io::Error::other("too late"))
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// The time a lookup takes comes out of the attempt's budget: after a lookup
/// that used most of `timeout`, a connect that is never answered gets only
/// what is left, so the call fails after about one `timeout`, not two.
#[test]
fn a_slow_lookup_leaves_the_connect_only_what_is_left_of_the_timeout() {
    let (listener, _held) = stall::unanswered_connect();
    let addr = listener.local_addr().unwrap();
    let client = Client::builder()
        .access_token("t")
        .base_url("http://slow.losant.test")
        .timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(20))
        .max_retries(0)
        .dns_resolver(move |_: &str, _: u16| {
            std::thread::sleep(Duration::from_secs(2));
            Ok(vec![addr])
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .send(CreateToken::new(ApiTokenPost::new("x")))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.may_have_been_applied(), "nothing was sent: {err:?}");
    // About 3 s; the whole time-out again after the lookup would be 5 s.
    assert!(elapsed >= Duration::from_millis(2900), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(4200), "{elapsed:?}");
}

/// After a slow lookup the TLS handshake still has until the attempt's
/// deadline, no less: what is left is counted from the end of the lookup.
#[cfg(feature = "rustls")]
#[test]
fn a_slow_lookup_leaves_the_tls_handshake_the_rest_of_the_timeout() {
    let fake = FakeLosant::builder().tls(true).start().unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], fake.port()));
    let client = Client::builder()
        .access_token(fake.access_token())
        .base_url(format!("https://localhost:{}", fake.port()))
        .add_root_certificates(FakeLosant::ca_pem())
        .timeout(Duration::from_secs(4))
        .max_retries(0)
        .dns_resolver(move |_: &str, _: u16| {
            std::thread::sleep(Duration::from_secs(2));
            Ok(vec![addr])
        })
        .build()
        .unwrap();
    client.send(ListTokens::new()).unwrap();
}

#[test]
fn resolve_maps_a_name_to_an_address_without_dns() {
    let fake = FakeLosant::start();
    let id = fake.seed(1).remove(0);
    let called = Arc::new(AtomicBool::new(false));
    let client = {
        let called = Arc::clone(&called);
        Client::builder()
            .access_token(fake.access_token())
            .base_url("http://API.Losant.TEST")
            .resolve(
                "api.losant.test",
                SocketAddr::from(([127, 0, 0, 1], fake.port())),
            )
            .dns_resolver(move |_: &str, _: u16| {
                called.store(true, Ordering::SeqCst);
                Err(io::Error::other("resolve() must win"))
            })
            .build()
            .unwrap()
    };
    assert_eq!(client.send(GetToken::new(&id)).unwrap().id, id);
    assert!(!called.load(Ordering::SeqCst));

    // A port of 0 takes the URL's port.
    let client = Client::builder()
        .access_token(fake.access_token())
        .base_url(format!("http://api.losant.test:{}", fake.port()))
        .resolve("api.losant.test", SocketAddr::from(([127, 0, 0, 1], 0)))
        .build()
        .unwrap();
    client.send(ListTokens::new()).unwrap();
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn ip_addresses_are_never_looked_up() {
    let fake = FakeLosant::start();
    let client = Client::builder()
        .access_token(fake.access_token())
        .base_url(fake.url())
        .dns_resolver(|_: &str, _: u16| Err(io::Error::other("an IP needs no lookup")))
        .build()
        .unwrap();
    client.send(ListTokens::new()).unwrap();
}
