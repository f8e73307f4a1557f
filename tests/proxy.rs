//! Proxies: an explicit one, the environment's, and turning them off, and
//! `resolve()` beside them. The environment's proxy is set only in a child
//! process, so that no other test is routed by it.

mod common;
mod stall;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use losant_rest::fake::FakeLosant;
use losant_rest::tokens::ListTokens;
use losant_rest::{Client, Error};

use common::run_in_child;

/// A one-connection HTTP proxy stand-in: accepts a `CONNECT` tunnel (how
/// ureq uses a proxy), then answers the tunnelled request with an empty token
/// list. It returns the request lines it saw.
fn proxy() -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut lines = Vec::new();
        loop {
            let mut seen = Vec::new();
            let mut byte = [0u8; 1];
            while !seen.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => seen.push(byte[0]),
                    _ => return lines,
                }
            }
            let line = String::from_utf8_lossy(&seen)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            let connect = line.starts_with("CONNECT ");
            lines.push(line);
            if connect {
                stream
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                continue;
            }
            let body = br#"{"items":[],"count":0,"totalCount":0}"#;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
            return lines;
        }
    });
    (url, handle)
}

#[test]
fn proxies_explicit_from_the_environment_and_off() {
    // An explicit proxy carries the request.
    let (proxy_url, seen) = proxy();
    let client = Client::builder()
        .access_token("t")
        .base_url("http://losant.invalid/api")
        .proxy(&proxy_url)
        .max_retries(0)
        .build()
        .unwrap();
    let page = client.send(ListTokens::new()).unwrap();
    assert_eq!(page.total_count, Some(0));
    let lines = seen.join().unwrap();
    assert_eq!(lines[0], "CONNECT losant.invalid:80 HTTP/1.1", "{lines:?}");
    assert!(
        lines[1].starts_with("GET /api/me/tokens?_actions=false"),
        "{lines:?}"
    );

    // The environment's proxy is used by default (in a child process, so
    // that no other test sees the variable)...
    let (proxy_url, seen) = proxy();
    run_in_child(
        "child_uses_the_environment_proxy",
        &[("ALL_PROXY", &proxy_url)],
    );
    let lines = seen.join().unwrap();
    assert_eq!(lines[0], "CONNECT losant.invalid:80 HTTP/1.1", "{lines:?}");
    assert!(lines[1].starts_with("GET /me/tokens?"), "{lines:?}");

    // ...and ignored with no_proxy().
    let fake = FakeLosant::start();
    let direct = Client::builder()
        .access_token(fake.access_token())
        .base_url(fake.url())
        .no_proxy()
        .max_retries(0)
        .build()
        .unwrap();
    direct.send(ListTokens::new()).unwrap();
    assert_eq!(fake.request_count(), 1);
}

#[test]
#[ignore = "run by proxies_explicit_from_the_environment_and_off in a child process"]
fn child_uses_the_environment_proxy() {
    let client = Client::builder()
        .access_token("t")
        .base_url("http://losant.invalid")
        .max_retries(0)
        .build()
        .unwrap();
    client.send(ListTokens::new()).unwrap();
}

/// The proxy looks the target's name up itself, so a `resolve()` mapping for
/// the base URL's host would be ignored: `build()` says so instead.
#[test]
fn resolve_for_a_host_a_proxy_carries_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let pinned = listener.local_addr().unwrap();
    let err = Client::builder()
        .access_token("t")
        .base_url("http://API.losant.test/api")
        .proxy("http://127.0.0.1:3128")
        .resolve("api.losant.test", pinned)
        .build()
        .unwrap_err();
    let Error::Config(_) = &err else {
        panic!("expected Error::Config, got {err:?}")
    };
    let message = err.to_string();
    assert!(message.contains("resolve()"), "{message}");
    assert!(message.contains("api.losant.test"), "{message}");
    assert!(message.contains("no_proxy()"), "{message}");
    // Without the proxy the mapping holds, as every other test shows.
    Client::builder()
        .access_token("t")
        .base_url("http://api.losant.test")
        .proxy("http://127.0.0.1:3128")
        .no_proxy()
        .resolve("api.losant.test", pinned)
        .build()
        .unwrap();
}

/// A mapping for the proxy's own name is honoured: the client connects to
/// the proxy itself.
#[test]
fn resolve_may_name_the_proxy() {
    let (proxy_url, seen) = proxy();
    let port: u16 = proxy_url.rsplit(':').next().unwrap().parse().unwrap();
    let client = Client::builder()
        .access_token("t")
        .base_url("http://losant.invalid")
        .proxy(format!("http://proxy.invalid:{port}"))
        .resolve("proxy.invalid", SocketAddr::from(([127, 0, 0, 1], port)))
        .max_retries(0)
        .build()
        .unwrap();
    client.send(ListTokens::new()).unwrap();
    let lines = seen.join().unwrap();
    assert_eq!(lines[0], "CONNECT losant.invalid:80 HTTP/1.1", "{lines:?}");
}

/// The environment's proxy counts as well, except for a host `NO_PROXY`
/// lists, which is connected to directly (in child processes).
#[test]
fn resolve_and_the_environments_proxy() {
    let fake = FakeLosant::start();
    let port = fake.port().to_string();
    run_in_child(
        "child_refuses_resolve_through_the_environment_proxy",
        &[("ALL_PROXY", "http://127.0.0.1:3128")],
    );
    run_in_child(
        "child_resolves_a_host_no_proxy_lists",
        &[
            ("ALL_PROXY", "http://127.0.0.1:3128"),
            ("NO_PROXY", "localhost,api.losant.test"),
            ("LOSANT_REST_TEST_PORT", &port),
        ],
    );
    assert_eq!(fake.request_count(), 1);
    let host = fake.requests()[0].header("host").map(str::to_owned);
    assert_eq!(host, Some(format!("api.losant.test:{port}")));
}

#[test]
#[ignore = "run by resolve_and_the_environments_proxy in a child process"]
fn child_refuses_resolve_through_the_environment_proxy() {
    let err = Client::builder()
        .access_token("t")
        .base_url("http://api.losant.test")
        .resolve("api.losant.test", SocketAddr::from(([127, 0, 0, 1], 9)))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("environment"), "{err}");
}

#[test]
#[ignore = "run by resolve_and_the_environments_proxy in a child process"]
fn child_resolves_a_host_no_proxy_lists() {
    let port: u16 = std::env::var("LOSANT_REST_TEST_PORT")
        .unwrap()
        .parse()
        .unwrap();
    let client = Client::builder()
        .access_token("fake-losant-access-token")
        .base_url(format!("http://api.losant.test:{port}"))
        .resolve("api.losant.test", SocketAddr::from(([127, 0, 0, 1], port)))
        .max_retries(0)
        .build()
        .unwrap();
    client.send(ListTokens::new()).unwrap();
}

/// This build has no SOCKS support (ureq's `socks-proxy` feature is off),
/// and ureq panics on the first request through a SOCKS proxy set by hand:
/// `build()` refuses one instead, before any connection is made.
#[test]
fn a_socks_proxy_is_refused_at_build() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    for scheme in ["socks4", "socks4a", "socks5", "socks5h", "socks", "SOCKS5"] {
        let result = Client::builder()
            .access_token("t")
            .base_url("http://127.0.0.1:0")
            .proxy(format!("{scheme}://{addr}"))
            .max_retries(0)
            .build();
        let err = match result {
            Err(err) => err,
            // Were it built, the request must still fail cleanly.
            Ok(client) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                client.send(ListTokens::new())
            }))
            .map_or_else(
                |_| panic!("{scheme}: a request through a SOCKS proxy panicked"),
                |r| panic!("{scheme}: built, and the request gave {r:?}"),
            ),
        };
        assert!(matches!(err, Error::Config(_)), "{scheme}: {err:?}");
        assert!(err.to_string().contains("SOCKS"), "{scheme}: {err}");
    }
    assert!(listener.accept().is_err(), "nothing connected to the proxy");
}

/// The connection to the proxy is made by the client's connector too, and
/// what fails there is told as it is for a direct connection: a connect
/// time-out is a time-out (never retried), a proxy name that does not
/// resolve is a connect failure that names it, and neither sent anything.
#[test]
fn failures_reaching_the_proxy_are_told_as_they_are() {
    let (listener, _held) = stall::unanswered_connect();
    let err = Client::builder()
        .access_token("t")
        .base_url("http://127.0.0.1:0")
        .proxy(format!("http://{}", listener.local_addr().unwrap()))
        .connect_timeout(Duration::from_millis(300))
        .max_retries(0)
        .build()
        .unwrap()
        .send(ListTokens::new())
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.is_connect() && !err.may_have_been_applied(), "{err:?}");

    let err = Client::builder()
        .access_token("t")
        .base_url("http://127.0.0.1:0")
        .proxy("http://proxy.losant.test:3128")
        .dns_resolver(|_: &str, _| Err(std::io::Error::other("no such host")))
        .max_retries(0)
        .build()
        .unwrap()
        .send(ListTokens::new())
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.may_have_been_applied(), "{err:?}");
    assert!(
        err.to_string()
            .contains("could not resolve host proxy.losant.test"),
        "{err}"
    );
}

/// A SOCKS proxy that the environment names would be bypassed (this build
/// has no SOCKS support), so `build()` refuses it, `Client::new` keeps the
/// reason for every request, and `no_proxy()` still connects directly; a
/// host `NO_PROXY` lists is reached directly and builds (in child
/// processes).
#[test]
fn a_socks_proxy_in_the_environment_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let fake = FakeLosant::start();
    let port = fake.port().to_string();
    let cases = [
        ("ALL_PROXY", "socks5"),
        ("ALL_PROXY", "socks5h"),
        ("all_proxy", "socks4"),
        ("HTTPS_PROXY", "socks4a"),
    ];
    for (variable, scheme) in cases {
        let proxy = format!("{scheme}://{addr}");
        run_in_child(
            "child_refuses_the_environments_socks_proxy",
            &[(variable, &proxy), ("LOSANT_REST_TEST_PORT", &port)],
        );
    }
    assert_eq!(fake.request_count(), cases.len(), "each no_proxy() client");
    let proxy = format!("socks5://{addr}");
    run_in_child(
        "child_builds_through_a_socks_proxy_for_a_host_no_proxy_lists",
        &[
            ("ALL_PROXY", &proxy),
            ("NO_PROXY", "127.0.0.1"),
            ("LOSANT_REST_TEST_PORT", &port),
        ],
    );
    assert_eq!(fake.request_count(), cases.len() + 1);
    assert!(listener.accept().is_err(), "nothing connected to the proxy");
}

fn child_base_url() -> String {
    let port = std::env::var("LOSANT_REST_TEST_PORT").unwrap();
    format!("http://127.0.0.1:{port}")
}

#[test]
#[ignore = "run by a_socks_proxy_in_the_environment_is_refused in a child process"]
fn child_refuses_the_environments_socks_proxy() {
    let builder = Client::builder()
        .access_token("fake-losant-access-token")
        .base_url(child_base_url())
        .max_retries(0);
    let err = builder.clone().build().unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("SOCKS") && text.contains("environment"),
        "{text}"
    );
    assert!(
        !text.contains("127.0.0.1"),
        "the proxy URL is not echoed: {text}"
    );

    // Client::new keeps the reason for every request (in a build without
    // TLS, its `https` default is refused first, and that is the reason).
    let err = Client::new("t").send(ListTokens::new()).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    if cfg!(any(feature = "rustls", feature = "native-tls")) {
        assert!(err.to_string().contains("SOCKS"), "{err}");
    }

    builder
        .no_proxy()
        .build()
        .unwrap()
        .send(ListTokens::new())
        .unwrap();
}

#[test]
#[ignore = "run by a_socks_proxy_in_the_environment_is_refused in a child process"]
fn child_builds_through_a_socks_proxy_for_a_host_no_proxy_lists() {
    Client::builder()
        .access_token("fake-losant-access-token")
        .base_url(child_base_url())
        .max_retries(0)
        .build()
        .unwrap()
        .send(ListTokens::new())
        .unwrap();
}
