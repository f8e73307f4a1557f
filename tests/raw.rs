//! `request::RawRequest` over real sockets: paths refused before sending,
//! retries as the method allows, headers, query and body.

mod common;
mod stall;

use common::{builder_for, client_for};
use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::request::{Method, RawRequest};
use serde_json::json;

#[test]
fn a_bad_path_sends_nothing() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    for path in ["", "me", "/me?x=1", "/me/tokens#top", "http://elsewhere/me"] {
        let err = client.send(RawRequest::new(Method::Get, path)).unwrap_err();
        assert!(err.is_invalid_request(), "{path:?}: {err:?}");
        assert!(!err.may_have_been_applied());
    }
    assert_eq!(fake.request_count(), 0);
    assert_eq!(fake.connection_count(), 0);
}

#[test]
fn get_answers_json_and_is_retried_on_503() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    fake.fail_next(1, Fault::status(503));
    let me = client.send(RawRequest::new(Method::Get, "/me")).unwrap();
    assert_eq!(me["email"], "fake.user@example.com");
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn put_and_delete_are_retried_too() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let id = fake.seed(1).remove(0);
    fake.fail_next(1, Fault::status(503));
    let ok = client
        .send(RawRequest::new(Method::Delete, format!("/me/tokens/{id}")))
        .unwrap();
    assert_eq!(ok, json!({"success": true}));
    assert_eq!(fake.request_count(), 2);
    // The fake has no PUT here: the 405 comes from the second attempt.
    fake.clear_requests();
    fake.fail_next(1, Fault::status(503));
    let err = client
        .send(RawRequest::new(Method::Put, "/me/tokens").json(json!({})))
        .unwrap_err();
    assert_eq!(err.status(), Some(405));
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn post_and_patch_are_never_sent_twice() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    fake.fail_next(1, Fault::status(503));
    let err = client
        .send(RawRequest::new(Method::Post, "/me/tokens").json(json!({"name": "x"})))
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(fake.request_count(), 1);
    assert_eq!(fake.token_count(), 0);

    let id = fake.seed(1).remove(0);
    fake.clear_requests();
    fake.fail_next(1, Fault::status(502));
    let err = client
        .send(
            RawRequest::new(Method::Patch, format!("/me/tokens/{id}"))
                .json(json!({"name": "renamed"})),
        )
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(fake.request_count(), 1);
}

#[test]
fn body_query_and_headers_arrive() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let created = client
        .send(
            RawRequest::new(Method::Post, "/me/tokens")
                .json(json!({"name": "a&b = c", "scope": ["all.User.read"]}))
                .header("X-Request-Id", "42")
                .losant_domain("example.com"),
        )
        .unwrap();
    assert_eq!(created["name"], "a&b = c");
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("x-request-id"), Some("42"));
    assert_eq!(sent.header("losantdomain"), Some("example.com"));

    let page = client
        .send(
            RawRequest::new(Method::Get, "/me/tokens")
                .query("filterField", "name")
                .query("filter", "a&b = *")
                .links(false),
        )
        .unwrap();
    assert_eq!(page["items"][0]["id"], created["id"]);
    assert!(page.get("_links").is_none());
    let sent = fake.requests().pop().unwrap();
    assert_eq!(
        sent.query,
        "_actions=false&_links=false&_embedded=true&filterField=name&filter=a%26b%20%3D%20%2A"
    );
    assert!(sent.body.is_empty());
    assert_eq!(sent.header("content-type"), None);
}

#[test]
fn reserved_headers_are_refused_and_nothing_is_sent() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    for name in [
        "Authorization",
        "host",
        "Content-Type",
        "Content-Length",
        "Transfer-Encoding",
    ] {
        let err = client
            .send(RawRequest::new(Method::Get, "/me").header(name, "x"))
            .unwrap_err();
        assert!(err.is_invalid_request(), "{name}: {err:?}");
    }
    let err = client
        .send(RawRequest::new(Method::Get, "/me").header("X-Bad", "line\nbreak"))
        .unwrap_err();
    assert!(err.is_invalid_request());
    assert_eq!(fake.request_count(), 0);

    // A header the client sets itself is replaced, not doubled.
    client
        .send(RawRequest::new(Method::Get, "/me").header("Accept-Version", "^1.30.0"))
        .unwrap();
    let sent = fake.requests().pop().unwrap();
    let versions: Vec<_> = sent
        .headers
        .iter()
        .filter(|(k, _)| k == "accept-version")
        .collect();
    assert_eq!(versions.len(), 1);
    assert_eq!(sent.header("accept-version"), Some("^1.30.0"));
}

#[test]
fn errors_are_typed() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let err = client
        .send(RawRequest::new(
            Method::Get,
            "/me/tokens/575ec7417ae143cd83dc4a95",
        ))
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.api().and_then(|e| e.kind.as_deref()), Some("NotFound"));
    // Spaces and non-ASCII are encoded; an encoded path is sent as it is.
    let _ = client.send(RawRequest::new(
        Method::Get,
        "/applications/a b/é%2F/tokens",
    ));
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent.path, "/applications/a%20b/%C3%A9%2F/tokens");
}

#[test]
fn odd_paths_get_an_answer_or_a_typed_error_never_a_panic() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    for path in [
        "/",
        "//",
        "/%",
        "/%zz/%",
        "/a\u{0}b",
        "/a\u{7f}\r\nHost: evil",
        "/ü/東京/☕",
        "/me/../me",
        "/\\me",
    ] {
        match client.send(RawRequest::new(Method::Get, path)) {
            Ok(_) => {}
            Err(e) => assert!(
                e.status().is_some() || e.is_invalid_request(),
                "{path:?}: {e:?}"
            ),
        }
    }
    // Whatever went out stayed one request line: no header was smuggled.
    for sent in fake.requests() {
        assert!(
            sent.header("host").is_none_or(|h| !h.contains("evil")),
            "{sent:?}"
        );
        assert!(!sent.path.contains(['\r', '\n', ' ']), "{sent:?}");
    }
}

/// A client for a server on 127.0.0.1 that answers one request with `raw`.
fn answering(fake: &FakeLosant, raw: &'static [u8]) -> losant_rest::Client {
    let (server, _) = stall::one_exchange(move |_| Some(raw.to_vec()));
    builder_for(fake)
        .base_url(format!("http://{server}"))
        .build()
        .unwrap()
}

const NO_CONTENT: &[u8] = b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n";
const EMPTY_200: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

#[test]
fn an_empty_success_is_answered_as_null() {
    let fake = FakeLosant::start();
    for raw in [NO_CONTENT, EMPTY_200] {
        let answer = answering(&fake, raw)
            .send(RawRequest::new(Method::Put, "/anything").json(json!({})))
            .unwrap();
        assert_eq!(answer, serde_json::Value::Null);

        // The same for any type that accepts `null`...
        let unit: () = answering(&fake, raw)
            .send_as(RawRequest::new(Method::Delete, "/anything"))
            .unwrap();
        assert_eq!(unit, ());
        let none: Option<losant_rest::schema::ApiToken> = answering(&fake, raw)
            .send_as(RawRequest::new(Method::Get, "/anything"))
            .unwrap();
        assert!(none.is_none());

        // ...while a type that needs a body still fails to decode, with the
        // status and the body (empty) as they arrived.
        let err = answering(&fake, raw)
            .send(losant_rest::tokens::GetToken::new(common::MISSING_ID))
            .unwrap_err();
        assert!(
            matches!(&err, losant_rest::Error::Decode(d) if d.excerpt().is_empty()),
            "{err:?}"
        );
        assert!(
            err.status() == Some(204) || err.status() == Some(200),
            "{err:?}"
        );
    }
}
