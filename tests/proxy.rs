//! Proxies: an explicit one, the environment's, and turning them off. The
//! environment's proxy is set only in a child process, so that no other
//! test is routed by it.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use losant_rest::Client;
use losant_rest::fake::FakeLosant;
use losant_rest::tokens::ListTokens;

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
