//! The client against a misbehaving network and server: retries only when
//! they are safe, time-outs, size limits and broken bodies, each checked
//! against how many requests the server actually saw.

mod common;
mod stall;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{MISSING_ID, builder_for, setup};
use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::schema::{ApiTokenPatch, ApiTokenPost};
use losant_rest::tokens::{CreateToken, DeleteToken, GetToken, ListTokens, UpdateToken};
use losant_rest::{Client, Error};

#[test]
fn gets_are_retried_on_each_transient_status() {
    for status in [429, 502, 503, 504] {
        let (fake, client) = setup();
        fake.fail_next(2, Fault::status(status));
        client.send(ListTokens::new()).unwrap();
        assert_eq!(fake.request_count(), 3, "status {status}");
    }
}

#[test]
fn other_statuses_are_not_retried() {
    for status in [400, 401, 404, 409, 500, 501] {
        let (fake, client) = setup();
        fake.fail_next(1, Fault::status(status));
        let err = client.send(ListTokens::new()).unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(fake.request_count(), 1, "status {status}");
    }
}

#[test]
fn retries_stop_at_max_retries() {
    let (fake, client) = setup();
    fake.fail_next(10, Fault::status(503));
    let err = client.send(ListTokens::new()).unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(fake.request_count(), 3, "the default max_retries is 2");

    let (fake, _) = setup();
    let client = builder_for(&fake).max_retries(0).build().unwrap();
    fake.fail_next(1, Fault::status(503));
    assert!(client.send(ListTokens::new()).is_err());
    assert_eq!(fake.request_count(), 1);

    let (fake, _) = setup();
    let client = builder_for(&fake).max_retries(5).build().unwrap();
    fake.fail_next(5, Fault::status(502));
    client.send(ListTokens::new()).unwrap();
    assert_eq!(fake.request_count(), 6);
}

#[test]
fn posts_and_patches_are_never_retried_once_sent() {
    let (fake, client) = setup();
    for fault in [Fault::status(503), Fault::status(429), Fault::reset()] {
        fake.clear_requests();
        fake.fail_next(1, fault.clone());
        assert!(
            client
                .send(CreateToken::new(ApiTokenPost::new("once")))
                .is_err()
        );
        assert_eq!(fake.request_count(), 1, "{fault:?}");
    }
    assert_eq!(fake.token_count(), 0);

    let id = fake.seed(1).remove(0);
    for fault in [Fault::status(503), Fault::reset()] {
        fake.clear_requests();
        fake.fail_next(1, fault.clone());
        assert!(
            client
                .send(UpdateToken::new(&id, ApiTokenPatch::new().name("n")))
                .is_err()
        );
        assert_eq!(fake.request_count(), 1, "{fault:?}");
    }
}

#[test]
fn a_create_whose_answer_is_lost_creates_exactly_one_token() {
    let (fake, client) = setup();
    fake.fail_next(1, Fault::reset_after_processing());
    let err = client
        .send(CreateToken::new(ApiTokenPost::new("lost answer")))
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(fake.request_count(), 1);
    assert_eq!(fake.token_count(), 1);
}

#[test]
fn gets_are_retried_after_a_dropped_connection() {
    let (fake, client) = setup();
    let id = fake.seed(1).remove(0);
    fake.fail_next(1, Fault::reset());
    client.send(GetToken::new(&id)).unwrap();
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn a_retried_delete_that_finds_the_token_gone_succeeds() {
    let (fake, client) = setup();
    let id = fake.seed(1).remove(0);
    // The first attempt deletes the token, but its answer is lost.
    fake.fail_next(1, Fault::reset_after_processing());
    let ok = client.send(DeleteToken::new(&id)).unwrap();
    assert!(ok.success);
    assert_eq!(fake.request_count(), 2);
    assert_eq!(fake.token_count(), 0);
    let statuses: Vec<_> = fake.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(statuses, ["DELETE", "DELETE"]);

    // Without a retry, a 404 stays an error.
    let err = client.send(DeleteToken::new(MISSING_ID)).unwrap_err();
    assert_eq!(err.status(), Some(404));
}

/// A delete of one's own whose answer for "already gone" can be asked for
/// once only: the second call gives none, as a request whose state changed
/// between two calls would.
struct DeleteOnce {
    id: String,
    asked: std::cell::Cell<u32>,
}

impl losant_rest::Request for DeleteOnce {
    type Response = losant_rest::schema::Success;

    fn method(&self) -> losant_rest::request::Method {
        losant_rest::request::Method::Delete
    }

    fn path(&self, path: &mut losant_rest::request::Path<'_>) {
        path.push("/me/tokens").segment(&self.id);
    }

    fn response_when_gone(&self) -> Option<Self::Response> {
        self.asked.set(self.asked.get() + 1);
        (self.asked.get() == 1).then(|| serde_json::from_str(r#"{"success":true}"#).unwrap())
    }
}

#[test]
fn what_a_404_on_a_retried_delete_means_is_decided_before_sending() {
    let (fake, client) = setup();
    let id = fake.seed(1).remove(0);
    fake.fail_next(1, Fault::reset_after_processing());
    let request = DeleteOnce {
        id,
        asked: std::cell::Cell::new(0),
    };
    // Never an `InvalidRequest` once attempts went out.
    let ok = client.send(&request).unwrap();
    assert!(ok.success);
    assert_eq!(request.asked.get(), 1, "asked once, when prepared");
    assert_eq!(fake.request_count(), 2);
    assert_eq!(fake.token_count(), 0);
}

#[test]
fn a_404_after_a_refusal_is_still_an_error() {
    // A 429 or 503 says the server did nothing, so a 404 on the retry means
    // the token never existed.
    for status in [429, 503] {
        let (fake, client) = setup();
        fake.fail_next(1, Fault::status(status));
        let err = client.send(DeleteToken::new(MISSING_ID)).unwrap_err();
        assert_eq!(err.status(), Some(404), "after {status}");
        assert_eq!(fake.request_count(), 2);
    }
    // A gateway's 502 or 504 may hide a delete that happened.
    for status in [502, 504] {
        let (fake, client) = setup();
        fake.fail_next(1, Fault::status(status));
        assert!(
            client.send(DeleteToken::new(MISSING_ID)).unwrap().success,
            "after {status}"
        );
    }
}

#[test]
fn retry_after_seconds_is_honoured() {
    let (fake, client) = setup();
    fake.fail_next(1, Fault::status(503).with_header("Retry-After", "1"));
    let started = Instant::now();
    client.send(ListTokens::new()).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn retry_after_http_date_is_honoured() {
    let (fake, client) = setup();
    let at = SystemTime::now() + Duration::from_secs(2);
    fake.fail_next(
        1,
        Fault::status(429).with_header("Retry-After", imf_fixdate(at)),
    );
    let started = Instant::now();
    client.send(ListTokens::new()).unwrap();
    // The date has one-second resolution, so the wait is between 1 and 2 s.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    assert!(waited < Duration::from_secs(4), "{waited:?}");

    // A date in the past means: retry now.
    let (fake, client) = setup();
    let past = imf_fixdate(UNIX_EPOCH + Duration::from_secs(1_000_000_000));
    fake.fail_next(1, Fault::status(503).with_header("Retry-After", past));
    let started = Instant::now();
    client.send(ListTokens::new()).unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn a_retry_after_beyond_the_cap_fails_at_once() {
    let (fake, _) = setup();
    let client = builder_for(&fake)
        .max_retry_after(Duration::from_secs(5))
        .build()
        .unwrap();
    fake.fail_next(1, Fault::status(429).with_header("Retry-After", "3600"));
    let started = Instant::now();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(fake.request_count(), 1);
}

#[test]
fn a_post_is_retried_when_the_connection_was_refused() {
    // The first two lookups point at port 0, which nothing can listen on,
    // so those connections are refused and nothing can have been sent;
    // the third points at the fake, which holds its own port all along.
    let fake = FakeLosant::start();
    let port = fake.port();
    let lookups = Arc::new(AtomicUsize::new(0));
    let client = {
        let lookups = Arc::clone(&lookups);
        Client::builder()
            .access_token(fake.access_token())
            .base_url(format!("http://refusing.losant.test:{port}"))
            .max_retries(2)
            .backoff(Duration::from_millis(1), Duration::from_millis(10))
            .dns_resolver(move |_: &str, _: u16| {
                let port = if lookups.fetch_add(1, Ordering::SeqCst) < 2 {
                    0
                } else {
                    port
                };
                Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
            })
            .build()
            .unwrap()
    };
    let created = client
        .send(CreateToken::new(ApiTokenPost::new("patient")))
        .unwrap();
    assert_eq!(created.name, "patient");
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        3,
        "two refusals, then the fake"
    );
    assert_eq!(fake.request_count(), 1);
    assert_eq!(fake.token_count(), 1);
}

#[test]
fn a_keep_alive_connection_closed_while_idle_is_survived() {
    // A server that answers on a kept-alive connection and then closes it,
    // and says so only once its end is closed: the client's next request
    // finds a pooled connection whose peer is gone, however slow the
    // machine, instead of hoping the close arrives within a fixed sleep.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (closed_tx, closed) = mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        // Bounded everywhere, so that a client that misbehaves fails the
        // test instead of hanging it.
        let deadline = Instant::now() + Duration::from_secs(10);
        listener.set_nonblocking(true).unwrap();
        let mut seen = Vec::new();
        while seen.len() < 3 && Instant::now() < deadline {
            let mut stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let connection = seen.len();
            seen.push(Vec::new());
            if let Some(request) = stall::read_request(&mut stream) {
                let line = String::from_utf8_lossy(&request);
                let line = line.lines().next().unwrap_or("").to_owned();
                let status = if line.starts_with("POST") { 201 } else { 200 };
                let body = format!(r#"{{"id":"{MISSING_ID}","name":"n"}}"#);
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(answer.as_bytes()).unwrap();
                seen[connection].push(line);
                // The first request of every connection is its last.
                drop(stream);
                closed_tx.send(()).unwrap();
            }
        }
        seen
    });
    let client = Client::builder()
        .access_token("t")
        .base_url(format!("http://{addr}"))
        .max_retries(0)
        .build()
        .unwrap();
    let wait_closed = || closed.recv_timeout(Duration::from_secs(10)).unwrap();
    client.send(GetToken::new(MISSING_ID)).unwrap();
    wait_closed();
    // Retries are off: the GET must notice the dead connection too.
    client.send(GetToken::new(MISSING_ID)).unwrap();
    wait_closed();
    // A POST on the dead pooled connection would be unsafe to repeat, so
    // the client must notice before sending it.
    client
        .send(CreateToken::new(ApiTokenPost::new("after idle close")))
        .unwrap();
    wait_closed();
    let seen = server.join().unwrap();
    assert_eq!(seen.len(), 3, "one connection per request: {seen:?}");
    assert!(seen.iter().all(|c| c.len() == 1), "{seen:?}");
    assert!(seen[2][0].starts_with("POST "), "{seen:?}");
}

#[test]
fn timeout_bounds_the_whole_attempt() {
    let (fake, _) = setup();
    let client = builder_for(&fake)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    fake.fail_next(1, Fault::delay(Duration::from_secs(3)));
    let started = Instant::now();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(fake.request_count(), 1, "a time-out is not retried");

    // An endless body is cut off by the time-out too when no size limit
    // stops it first.
    let client = builder_for(&fake)
        .timeout(Duration::from_millis(500))
        .max_response_size(u64::MAX)
        .build()
        .unwrap();
    fake.fail_next(1, Fault::endless_body());
    let started = Instant::now();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn connect_timeout_fires_on_a_server_that_never_accepts() {
    // A listener that never accepts, with its backlog filled, leaves new
    // connections hanging in SYN-SENT, as an unreachable host would. The
    // helper fails the test when it cannot fill the backlog.
    let (listener, _held) = stall::unanswered_connect();
    let addr = listener.local_addr().unwrap();
    let client = Client::builder()
        .access_token("t")
        .base_url(format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(200))
        .timeout(Duration::from_secs(10))
        .max_retries(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.may_have_been_applied(), "nothing was sent: {err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(listener);
}

#[test]
fn an_endless_body_is_cut_at_the_size_limit() {
    let (fake, _) = setup();
    let client = builder_for(&fake)
        .max_response_size(1024 * 1024)
        .build()
        .unwrap();
    fake.fail_next(1, Fault::endless_body());
    let started = Instant::now();
    let err = client.send(ListTokens::new()).unwrap_err();
    match &err {
        Error::Transport(t) => assert!(t.is_too_large(), "{err:?}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.request_count(), 1);
}

#[test]
fn a_large_page_over_the_limit_is_refused() {
    let (fake, _) = setup();
    fake.seed(100);
    let client = builder_for(&fake).max_response_size(4096).build().unwrap();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.is_too_large()),
        "{err:?}"
    );
    assert!(err.to_string().contains("4096"), "{err}");
}

#[test]
fn a_body_cut_short_is_an_error_and_not_retried() {
    let (fake, client) = setup();
    fake.seed(20);
    fake.fail_next(1, Fault::truncated_body());
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(fake.request_count(), 1);
    client.send(ListTokens::new()).unwrap();
}

#[test]
fn raw_server_breakage_gives_typed_errors() {
    // Invalid UTF-8 inside a JSON string.
    let mut body = br#"{"id":"575ec7417ae143cd83dc4a95","name":""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe, b'"', b'}']);
    let err = raw_exchange(&response(200, &[], &body)).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    // A body that ends before its Content-Length.
    let mut short = response(200, &[], br#"{"id":"a","name":"b"}"#);
    short.truncate(short.len() - 5);
    let err = raw_exchange(&short).unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    // Garbage instead of HTTP.
    let err = raw_exchange(b"SSH-2.0-OpenSSH_9.2\r\n\r\n").unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    // A chunked body with a broken chunk size.
    let err =
        raw_exchange(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
            .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[cfg(feature = "gzip")]
#[test]
fn a_gzip_bomb_is_refused_at_the_decompressed_limit() {
    use flate2::{Compression, write::GzEncoder};
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&zeros).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(
        bomb.len() < 1 << 20,
        "64 MiB compress to {} bytes",
        bomb.len()
    );
    let err = raw_exchange(&response(200, &[("content-encoding", "gzip")], &bomb)).unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.is_too_large()),
        "{err:?}"
    );
}

#[cfg(feature = "gzip")]
#[test]
fn the_fake_answers_gzip_and_the_client_decodes_it() {
    let (fake, client) = setup();
    fake.seed(300);
    let page = client.send(ListTokens::new().per_page(300)).unwrap();
    assert_eq!(page.items.len(), 300);
    let req = &fake.requests()[0];
    assert!(req.header("accept-encoding").unwrap_or("").contains("gzip"));
}

fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("content-type: application/json\r\n\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Sends one GET to a server that answers every connection with `raw` and
/// closes it.
fn raw_exchange(raw: &[u8]) -> losant_rest::Result<losant_rest::schema::ApiToken> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let raw = raw.to_vec();
    let server = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        let (mut stream, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let mut seen = Vec::new();
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        let _ = stream.write_all(&raw);
    });
    let client = Client::builder()
        .access_token("t")
        .base_url(format!("http://{addr}"))
        .max_retries(0)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let result = client.send(GetToken::new(MISSING_ID));
    server.join().unwrap();
    result
}

/// An HTTP-date (IMF-fixdate) for `at`.
fn imf_fixdate(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) =
        common::civil_from_days(i64::try_from(days).expect("a date after 1970"));
    let weekday =
        ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][usize::try_from(days % 7).expect("0..7")];
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][usize::try_from(month - 1).expect("1..=12")];
    format!(
        "{weekday}, {day:02} {month} {year} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
