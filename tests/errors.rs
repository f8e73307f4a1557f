//! How every kind of failure reaches the caller: typed, readable, and never
//! a panic.

mod common;

use std::time::Duration;

use common::{MISSING_ID, builder_for, setup};
use losant_rest::fake::Fault;
use losant_rest::schema::ApiTokenPost;
use losant_rest::tokens::{CreateToken, GetToken, ListTokens};
use losant_rest::{Client, Error};

#[test]
fn a_wrong_token_is_unauthorized() {
    let (fake, client) = setup();
    let err = client
        .with_access_token("not-the-right-one")
        .send(ListTokens::new())
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status, 401);
    assert_eq!(api.kind.as_deref(), Some("Unauthorized"));
    assert!(!api.message.is_empty());
    assert_eq!(err.status(), Some(401));
    assert!(!err.is_timeout());
    assert!(err.to_string().contains("401"), "{err}");
    assert_eq!(fake.request_count(), 1, "a 401 is not retried");
}

#[test]
fn not_found_keeps_type_message_and_body() {
    let (_fake, client) = setup();
    let err = client.send(GetToken::new(MISSING_ID)).unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(api.status, 404);
    assert_eq!(api.kind.as_deref(), Some("NotFound"));
    assert_eq!(api.message, "API Token was not found");
    let body: serde_json::Value = serde_json::from_slice(api.body()).unwrap();
    assert_eq!(body["type"], "NotFound");
    // Losant's answer is the whole story: there is no cause beneath it.
    assert!(std::error::Error::source(&err).is_none());
    assert!(err.is_not_found());
}

#[test]
fn server_validation_errors_are_api_errors() {
    let (_fake, client) = setup();
    let bogus = losant_rest::tokens::SortField::Unknown("bogus".into());
    let err = client
        .send(ListTokens::new().sort_field(bogus))
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!((api.status, api.kind.as_deref()), (400, Some("Validation")));
}

#[test]
fn html_and_empty_error_bodies_stay_readable() {
    let (fake, client) = setup();
    fake.fail_next(1, Fault::html(502));
    let client = client.clone();
    let no_retry = builder_for(&fake).max_retries(0).build().unwrap();
    let err = no_retry.send(ListTokens::new()).unwrap_err();
    let api = err.api().unwrap();
    assert_eq!((api.status, api.kind.as_deref()), (502, None));
    assert!(api.message.starts_with("Bad Gateway"), "{}", api.message);
    assert!(!api.message.contains('<'), "{}", api.message);

    fake.fail_next(1, Fault::empty(413));
    let err = client
        .send(CreateToken::new(ApiTokenPost::new("x")))
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 413);
    assert_eq!(api.message, "Payload Too Large (empty body)");
    assert!(api.body().is_empty());
}

#[test]
fn an_undecodable_success_is_a_decode_error_with_an_excerpt() {
    let (fake, client) = setup();
    fake.fail_next(1, Fault::status(200).with_body("<html>maintenance</html>"));
    let err = client.send(ListTokens::new()).unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected Error::Decode, got {err:?}")
    };
    assert!(
        decode.excerpt().contains("maintenance"),
        "{}",
        decode.excerpt()
    );
    assert_eq!(err.status(), Some(200));
    assert!(err.to_string().contains("maintenance"), "{err}");
    assert!(std::error::Error::source(&err).is_some());

    // Valid JSON of the wrong shape.
    fake.fail_next(1, Fault::status(200).with_body(r#"{"items": 5}"#));
    assert!(matches!(
        client.send(ListTokens::new()),
        Err(Error::Decode(_))
    ));
    // A long body is quoted short.
    let long = format!("{{\"x\": \"{}\"", "y".repeat(100_000));
    fake.fail_next(1, Fault::status(200).with_body(long));
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(err.to_string().len() < 1000);
}

#[test]
fn redirects_are_not_followed() {
    let (fake, client) = setup();
    fake.fail_next(
        1,
        Fault::status(302).with_header("Location", "http://127.0.0.1:9/steal"),
    );
    let err = client.send(ListTokens::new()).unwrap_err();
    let Error::UnexpectedStatus(e) = &err else {
        panic!("expected UnexpectedStatus, got {err:?}")
    };
    assert_eq!(e.location(), Some("http://127.0.0.1:9/steal"));
    assert_eq!(err.status(), Some(302));
    assert_eq!(fake.request_count(), 1);
}

#[test]
fn connection_refused_is_a_connect_error() {
    // Nothing can listen on port 0, so the kernel refuses it: no port race.
    let client = Client::builder()
        .access_token("t")
        .base_url("http://127.0.0.1:0")
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(matches!(err, Error::Transport(_)));
    assert_eq!(err.status(), None);
}

#[test]
fn client_new_keeps_the_reason_its_build_failed() {
    // Without TLS the `https` default fails every build, whatever the token:
    // that reason, not a word about the token, is what every request says,
    // and a client made from it with another token says it too.
    if let Err(built) = Client::builder().access_token("a-usable-token").build() {
        let err = Client::new("a-usable-token")
            .send(ListTokens::new())
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert_eq!(err.to_string(), built.to_string());
        let other = Client::new("a-usable-token").with_access_token("another");
        let err = other.send(ListTokens::new()).unwrap_err();
        assert_eq!(err.to_string(), built.to_string());
    }
    if cfg!(not(any(feature = "rustls", feature = "native-tls"))) {
        let err = Client::new("a-usable-token")
            .send(ListTokens::new())
            .unwrap_err();
        assert!(err.to_string().contains("no TLS"), "{err}");
    }
    // A token that cannot be sent is the token's fault (when the settings
    // are fine), said without showing it.
    let err = Client::new("a\nb").send(ListTokens::new()).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    if cfg!(any(feature = "rustls", feature = "native-tls")) {
        assert!(err.to_string().contains("access token"), "{err}");
    }
    assert!(!err.to_string().contains("a\nb"));
}

#[test]
fn a_slow_server_times_out() {
    let (fake, _) = setup();
    let client = builder_for(&fake)
        .timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .unwrap();
    fake.fail_next(1, Fault::delay(Duration::from_secs(2)));
    let started = std::time::Instant::now();
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn bad_configuration_is_a_config_error() {
    for builder in [
        Client::builder(),
        Client::builder().access_token(""),
        Client::builder()
            .access_token("t")
            .base_url("api.losant.com"),
        Client::builder()
            .access_token("t")
            .base_url("http://h/?q=1"),
        Client::builder()
            .access_token("t")
            .accept_version("bad\nvalue"),
        Client::builder().access_token("t").proxy("not a proxy url"),
    ] {
        match builder.build() {
            Err(Error::Config(e)) => assert!(!e.to_string().is_empty()),
            other => panic!("expected a config error, got {other:?}"),
        }
    }
}

#[test]
fn a_domain_that_cannot_be_a_header_is_refused() {
    let (fake, client) = setup();
    let err = client
        .send(ListTokens::new().losant_domain("evil\r\nx-injected: 1"))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(fake.request_count(), 0);
}

/// Every message of an error's chain, the error's own first.
fn chain(err: &Error) -> Vec<String> {
    let mut messages = vec![err.to_string()];
    let mut next = std::error::Error::source(err);
    while let Some(cause) = next {
        messages.push(cause.to_string());
        next = cause.source();
        assert!(messages.len() < 10, "a cycle in the chain: {messages:?}");
    }
    messages
}

/// What anyhow's `{:#}` prints: each message of the chain, joined.
fn assert_each_message_once(err: &Error) -> Vec<String> {
    let messages = chain(err);
    for (i, message) in messages.iter().enumerate() {
        assert!(!message.is_empty(), "an empty message in {messages:?}");
        for cause in &messages[i + 1..] {
            assert!(
                !message.contains(cause.as_str()),
                "{message:?} repeats its cause {cause:?}"
            );
        }
    }
    messages
}

#[test]
fn every_kind_of_error_prints_each_cause_once() {
    let (fake, _) = setup();
    let client = builder_for(&fake)
        .max_retries(0)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    // Api: no cause.
    let err = client.send(GetToken::new(MISSING_ID)).unwrap_err();
    assert_eq!(assert_each_message_once(&err).len(), 1, "{err:?}");

    // InvalidRequest and Config: no cause.
    let err = client.send(GetToken::new("nope")).unwrap_err();
    assert_eq!(assert_each_message_once(&err).len(), 1);
    let err = Client::builder()
        .base_url("ftp://x")
        .access_token("t")
        .build()
        .unwrap_err();
    assert_eq!(assert_each_message_once(&err).len(), 1);

    // UnexpectedStatus: no cause.
    fake.fail_next(1, Fault::status(302));
    let err = client.send(ListTokens::new()).unwrap_err();
    assert_eq!(assert_each_message_once(&err).len(), 1);

    // Decode: the JSON error beneath.
    fake.fail_next(1, Fault::status(200).with_body("{"));
    let err = client.send(ListTokens::new()).unwrap_err();
    let messages = assert_each_message_once(&err);
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[1].contains("EOF"), "{messages:?}");

    // Transport, a dropped connection: the I/O error beneath.
    fake.fail_next(1, Fault::reset());
    let err = client.send(ListTokens::new()).unwrap_err();
    let messages = assert_each_message_once(&err);
    assert!(messages.len() >= 2, "{messages:?}");

    // Transport, a time-out.
    fake.fail_next(1, Fault::delay(Duration::from_secs(2)));
    let err = client.send(ListTokens::new()).unwrap_err();
    assert!(err.is_timeout());
    assert_each_message_once(&err);

    // Transport, a refused connection.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let refused = Client::builder()
        .access_token("t")
        .base_url(format!("http://127.0.0.1:{port}"))
        .max_retries(0)
        .build()
        .unwrap();
    let err = refused.send(ListTokens::new()).unwrap_err();
    assert!(err.is_connect());
    let messages = assert_each_message_once(&err);
    assert!(messages.len() >= 2, "{messages:?}");
}

#[test]
fn a_request_of_your_own_can_refuse_itself() {
    use losant_rest::InvalidRequest;
    use losant_rest::request::{Method, Path, Request};

    struct Picky;
    impl Request for Picky {
        type Response = serde_json::Value;
        fn method(&self) -> Method {
            Method::Get
        }
        fn path(&self, path: &mut Path<'_>) {
            path.push("/me");
        }
        fn validate(&self) -> losant_rest::Result<()> {
            Err(InvalidRequest::new("orgRoles[3].orgId", "is not an organization").into())
        }
    }
    let (fake, client) = setup();
    let err = client.send(Picky).unwrap_err();
    let Error::InvalidRequest(invalid) = &err else {
        panic!("expected InvalidRequest, got {err:?}")
    };
    assert_eq!(invalid.field(), "orgRoles[3].orgId");
    assert_eq!(fake.request_count(), 0);
}
