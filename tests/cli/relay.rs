//! A relay on 127.0.0.1 between the program and the fake, for what the fake
//! cannot do by itself: act at the moment a request arrives (another
//! program creating a token just then), and answer as a Losant whose clock
//! is off would (its JSON answers rewritten). One request per connection:
//! each is forwarded with `Connection: close` and no gzip, and answered
//! with `Connection: close`. When the fake drops a connection unanswered,
//! the relay drops the program's.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;

use losant_rest::fake::FakeLosant;
use serde_json::Value;

/// Called with the method and path of each request before it is forwarded.
pub type OnRequest = Box<dyn Fn(&str, &str) + Send + Sync>;
/// Called on each JSON answer before it is sent on.
pub type Rewrite = Box<dyn Fn(&mut Value) + Send + Sync>;

/// Starts a relay to `fake` and gives its URL (the fake's, with the
/// relay's port). It runs until the test program ends.
pub fn start(fake: &FakeLosant, on_request: OnRequest, rewrite: Rewrite) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the relay");
    let port = listener.local_addr().expect("an address").port();
    let target = format!("127.0.0.1:{}", fake.port());
    let hooks = Arc::new((on_request, rewrite));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let (hooks, target) = (Arc::clone(&hooks), target.clone());
            std::thread::spawn(move || relay_one(conn, &target, &hooks.0, &hooks.1));
        }
    });
    fake.url()
        .replacen(&format!(":{}", fake.port()), &format!(":{port}"), 1)
}

/// Every token in a JSON answer: the items of a page, or the token itself.
pub fn tokens_in(answer: &mut Value) -> Vec<&mut Value> {
    if answer.get("items").is_some_and(Value::is_array) {
        answer["items"]
            .as_array_mut()
            .map(|items| items.iter_mut().collect())
            .unwrap_or_default()
    } else if answer.get("id").is_some() {
        vec![answer]
    } else {
        Vec::new()
    }
}

/// The head (without its blank line) and the rest, once the head is in.
fn read_head(conn: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            return Some((head, buf[end + 4..].to_vec()));
        }
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The head's lines after the first, without the headers named in `drop`,
/// and the value of `Content-Length`.
fn headers(head: &str, drop: &[&str]) -> (Vec<String>, usize) {
    let mut kept = Vec::new();
    let mut length = 0;
    for line in head.split("\r\n").skip(1) {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if name == "content-length" {
            length = line[name.len() + 1..].trim().parse().expect("a length");
        }
        assert_ne!(name, "transfer-encoding", "the relay reads lengths only");
        if !drop.contains(&name.as_str()) {
            kept.push(line.to_owned());
        }
    }
    (kept, length)
}

fn relay_one(mut conn: TcpStream, target: &str, on_request: &OnRequest, rewrite: &Rewrite) {
    let Some((head, mut body)) = read_head(&mut conn, &mut Vec::new()) else {
        return;
    };
    let (kept, length) = headers(
        &head,
        &[
            "connection",
            "keep-alive",
            "accept-encoding",
            "content-length",
        ],
    );
    while body.len() < length {
        let mut chunk = [0u8; 8192];
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let first = head.lines().next().unwrap_or_default().to_owned();
    let mut words = first.split(' ');
    let (method, path) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    );
    on_request(method, path);

    let mut upstream = TcpStream::connect(target).expect("the fake");
    let mut request = format!("{first}\r\n");
    for line in &kept {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(&body);
    if upstream.write_all(&bytes).is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = upstream.read_to_end(&mut answer);
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        // Dropped unanswered: so is the program's request.
        let _ = conn.shutdown(Shutdown::Both);
        return;
    };
    let head = String::from_utf8_lossy(&answer[..end]).into_owned();
    let mut body = answer[end + 4..].to_vec();
    let (kept, _) = headers(&head, &["connection", "keep-alive", "content-length"]);
    if let Ok(mut json) = serde_json::from_slice::<Value>(&body) {
        rewrite(&mut json);
        body = serde_json::to_vec(&json).expect("JSON");
    }
    let mut out = format!("{}\r\n", head.lines().next().unwrap_or_default());
    for line in &kept {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    let _ = conn.write_all(&bytes);
    let _ = conn.shutdown(Shutdown::Both);
}
