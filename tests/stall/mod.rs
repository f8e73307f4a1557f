//! Servers on 127.0.0.1 that stall a client at a chosen point, for the
//! tests of time-outs and of what a failed call may have done.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

/// A listener whose connect never completes: it never accepts, and its
/// backlog is full, so the kernel drops every new SYN, as for a host that
/// does not answer. Keep both values alive for as long as the stall is
/// needed.
///
/// Panics, rather than letting a test pass without the stall, when the
/// backlog cannot be filled: only a connect that times out proves it full.
pub fn unanswered_connect() -> (TcpListener, Vec<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..4096 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(stream) => held.push(stream),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return (listener, held),
            Err(e) => panic!(
                "could not fill the listen backlog after {} connections: {e}",
                held.len()
            ),
        }
    }
    panic!("4096 connections did not fill the listen backlog");
}

/// Reads one HTTP request (head and `Content-Length` body) from `stream`;
/// `None` when the peer closed first.
pub fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&seen[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while seen.len() < head_end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    Some(seen)
}

/// A server that takes one connection, reads one request, gives it to
/// `answer`, and writes what `answer` returns (nothing: it holds the
/// connection open without answering until the client gives up). The
/// handle yields the request it read.
pub fn one_exchange(
    answer: impl FnOnce(&[u8]) -> Option<Vec<u8>> + Send + 'static,
) -> (SocketAddr, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let request = read_request(&mut stream).unwrap_or_default();
        match answer(&request) {
            Some(raw) => {
                let _ = stream.write_all(&raw);
            }
            None => {
                // Wait for the client to close its end.
                let mut buf = [0u8; 64];
                while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
            }
        }
        request
    });
    (addr, handle)
}
