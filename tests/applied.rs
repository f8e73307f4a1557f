//! `Error::may_have_been_applied()` for every kind of failure, each made
//! for real over 127.0.0.1: the answer to "may the server have done it?"
//! that a caller asks before doing a write again, and `is_connect()`, true
//! only when nothing was sent.

mod common;
mod stall;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{MISSING_ID, builder_for, setup};
use losant_rest::fake::Fault;
use losant_rest::request::{Method, RawRequest};
use losant_rest::schema::ApiTokenPost;
use losant_rest::tokens::{CreateToken, DeleteToken, GetToken};
use losant_rest::{Client, Error};

fn create() -> CreateToken {
    CreateToken::new(ApiTokenPost::new("maybe"))
}

#[test]
fn answers_from_400_to_499_were_not_applied_and_500_up_may_have_been() {
    let (fake, client) = setup();
    for status in [400, 401, 403, 404, 409, 429, 499] {
        fake.fail_next(1, Fault::status(status));
        let err = client.send(create()).unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert!(!err.may_have_been_applied(), "{status}: {err}");
    }
    for status in [500, 501, 502, 503, 504, 599] {
        fake.fail_next(1, Fault::status(status));
        let err = client.send(create()).unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert!(err.may_have_been_applied(), "{status}: {err}");
        assert!(!err.is_connect());
    }
    let err = client.send(GetToken::new(MISSING_ID)).unwrap_err();
    assert!(err.is_not_found() && !err.may_have_been_applied());
}

/// A gateway in front of the fake: it forwards the request, waits for the
/// fake's answer (so the fake has carried the request out) and answers 504
/// instead.
#[test]
fn a_create_that_a_gateway_answers_504_after_the_token_was_made() {
    let (fake, _) = setup();
    let upstream: SocketAddr = format!("127.0.0.1:{}", fake.port()).parse().unwrap();
    let (gateway, seen) = stall::one_exchange(move |request| {
        let mut to_fake = TcpStream::connect(upstream).unwrap();
        to_fake.write_all(request).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && to_fake.read(&mut byte).unwrap() == 1 {
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 201"), "{head:?}");
        Some(
            b"HTTP/1.1 504 Gateway Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                .to_vec(),
        )
    });
    let client = Client::builder()
        .access_token(fake.access_token())
        .base_url(format!("http://{gateway}"))
        .build()
        .unwrap();
    let err = client.send(create()).unwrap_err();
    assert_eq!(err.status(), Some(504));
    assert!(err.may_have_been_applied(), "{err:?}");
    assert!(!err.is_connect());
    assert!(seen.join().unwrap().starts_with(b"POST "));
    assert_eq!(fake.token_count(), 1, "the token was made behind the 504");
    assert_eq!(fake.request_count(), 1, "a POST is never sent twice");
}

#[test]
fn refused_before_sending_was_not_applied() {
    let (fake, client) = setup();
    let err = client.send(GetToken::new("not-an-id")).unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)));
    assert!(!err.may_have_been_applied());
    let err = Client::new("a\nb").send(create()).unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    assert!(!err.may_have_been_applied());
    assert_eq!(fake.request_count(), 0);
}

#[test]
fn a_failed_lookup_was_not_applied() {
    let err = Client::builder()
        .access_token("t")
        .base_url("http://nowhere.test")
        .dns_resolver(|_: &str, _| Err(std::io::Error::other("no such host")))
        .max_retries(0)
        .build()
        .unwrap()
        .send(create())
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.may_have_been_applied());
}

#[test]
fn a_refused_connection_was_not_applied() {
    // Nothing can listen on port 0, so the kernel refuses it: no port race.
    let err = Client::builder()
        .access_token("t")
        .base_url("http://127.0.0.1:0")
        .max_retries(0)
        .build()
        .unwrap()
        .send(create())
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.may_have_been_applied());
}

#[cfg(feature = "rustls")]
#[test]
fn a_failed_tls_handshake_was_not_applied() {
    let fake = losant_rest::fake::FakeLosant::builder()
        .tls(true)
        .start()
        .unwrap();
    // The fake's CA is not among the client's roots.
    let err = Client::builder()
        .access_token(fake.access_token())
        .base_url(format!("https://localhost:{}", fake.port()))
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], fake.port())))
        .max_retries(0)
        .build()
        .unwrap()
        .send(create())
        .unwrap_err();
    assert!(err.is_tls(), "{err:?}");
    assert!(!err.may_have_been_applied());
    assert_eq!(fake.token_count(), 0);
}

#[test]
fn a_connect_time_out_was_not_applied() {
    let (listener, _held) = stall::unanswered_connect();
    let err = Client::builder()
        .access_token("t")
        .base_url(format!("http://{}", listener.local_addr().unwrap()))
        .connect_timeout(Duration::from_millis(300))
        .max_retries(0)
        .build()
        .unwrap()
        .send(create())
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.is_connect());
    assert!(!err.may_have_been_applied(), "nothing was sent: {err:?}");
}

#[test]
fn a_time_out_waiting_for_the_answer_may_have_been_applied() {
    let (server, seen) = stall::one_exchange(|_| None);
    let started = Instant::now();
    let err = Client::builder()
        .access_token("t")
        .base_url(format!("http://{server}"))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .send(create())
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        err.may_have_been_applied(),
        "the request was written: {err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(seen.join().unwrap().starts_with(b"POST "));
}

#[test]
fn a_connection_dropped_after_the_request_may_have_been_applied() {
    let (fake, client) = setup();
    fake.fail_next(1, Fault::reset_after_processing());
    let err = client.send(create()).unwrap_err();
    assert!(err.may_have_been_applied(), "{err:?}");
    assert!(!err.is_connect(), "{err:?}");
    assert_eq!(fake.token_count(), 1);
}

#[test]
fn a_broken_or_undecodable_success_was_applied() {
    let (fake, client) = setup();
    fake.fail_next(1, Fault::truncated_body());
    let err = client.send(create()).unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.may_have_been_applied(), "{err:?}");

    let (server, _) = stall::one_exchange(|_| {
        Some(b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 8\r\n\r\nnot json".to_vec())
    });
    let err = builder_for(&fake)
        .base_url(format!("http://{server}"))
        .build()
        .unwrap()
        .send(create())
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.may_have_been_applied());
}

/// The answer covers every attempt: a delete that the server carried out
/// behind a 502, then refused twice with 429 on the retries, may have been
/// applied although the last answer alone says it was not.
#[test]
fn an_earlier_attempt_that_may_have_been_applied_is_remembered_after_a_4xx() {
    let (fake, client) = setup();
    let id = fake.seed(1).remove(0);
    fake.fail_next(1, Fault::status_after_processing(502));
    fake.fail_next(2, Fault::status(429));
    let err = client.send(DeleteToken::new(&id)).unwrap_err();
    assert_eq!(fake.token_count(), 0, "the first attempt deleted it");
    assert_eq!(err.status(), Some(429), "{err:?}");
    assert!(err.may_have_been_applied(), "{err:?}");

    // Without the earlier 502, the same 429s say "not applied".
    let id = fake.seed(1).remove(0);
    fake.fail_next(3, Fault::status(429));
    let err = client.send(DeleteToken::new(&id)).unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert!(!err.may_have_been_applied(), "{err:?}");
}

/// The same for a connection dropped after a `PUT` went out, then a retry
/// that the server refuses.
#[test]
fn a_dropped_put_is_remembered_when_the_retries_are_refused() {
    let (fake, client) = setup();
    fake.fail_next(1, Fault::reset_after_processing());
    fake.fail_next(2, Fault::status(429));
    let put = RawRequest::new(Method::Put, "/me").json(serde_json::json!({"firstName": "x"}));
    let err = client.send(put).unwrap_err();
    assert_eq!(err.status(), Some(429), "{err:?}");
    assert!(err.may_have_been_applied(), "{err:?}");
}

/// A retry that cannot connect after an attempt that may have been carried
/// out: the last failure is a connect failure (the second lookup fails),
/// and the call may still have been applied.
#[test]
fn a_retry_that_cannot_connect_keeps_an_earlier_attempt_applied() {
    let (fake, _) = setup();
    let addr: SocketAddr = format!("127.0.0.1:{}", fake.port()).parse().unwrap();
    let lookups = std::sync::atomic::AtomicU32::new(0);
    let client = builder_for(&fake)
        .base_url(format!("http://api.losant.test:{}", fake.port()))
        .dns_resolver(move |_: &str, _: u16| {
            if lookups.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                Ok(vec![addr])
            } else {
                Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "DNS is down",
                ))
            }
        })
        .build()
        .unwrap();
    fake.fail_next(1, Fault::reset_after_processing());
    let put = RawRequest::new(Method::Put, "/me").json(serde_json::json!({"firstName": "x"}));
    let err = client.send(put).unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(err.may_have_been_applied(), "{err:?}");
}

/// An error answer from 400 to 499 whose body breaks off is still that
/// answer: not applied, with its status, an `Error::Api` built from the part
/// of the body that arrived.
#[test]
fn a_4xx_whose_body_breaks_off_is_still_that_answer() {
    let (fake, client) = setup();
    fake.fail_next(1, Fault::truncated_body());
    let err = client.send(GetToken::new(MISSING_ID)).unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.status(), Some(404));
    assert!(err.is_not_found(), "{err:?}");
    assert!(!err.may_have_been_applied(), "{err:?}");
    let body = err.api().unwrap().body();
    assert!(
        !body.is_empty() && body.len() < 60,
        "half a Losant error: {body:?}"
    );

    // A retried delete that finds its token gone behind a broken 404 body
    // is done, as with a whole one.
    let id = fake.seed(1).remove(0);
    fake.fail_next(1, Fault::status_after_processing(502));
    fake.fail_next(1, Fault::truncated_body());
    client.send(DeleteToken::new(&id)).unwrap();
    assert_eq!(fake.token_count(), 0);
}

/// A success or a 5xx whose body breaks off keeps its status for `status()`
/// and may have been applied.
#[test]
fn a_2xx_or_5xx_whose_body_breaks_off_keeps_its_status() {
    let (fake, client) = setup();
    fake.fail_next(1, Fault::truncated_body());
    let err = client.send(create()).unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.status(), Some(201), "{err:?}");
    assert!(err.may_have_been_applied());
    assert!(!err.is_not_found());

    let (server, _) = stall::one_exchange(|_| {
        Some(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 100\r\n\r\n<html>".to_vec())
    });
    let err = builder_for(&fake)
        .base_url(format!("http://{server}"))
        .build()
        .unwrap()
        .send(create())
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.status(), Some(502), "{err:?}");
    assert!(err.may_have_been_applied());
}
