//! Requests of your own through the public `Request` trait: the headers a
//! request may replace, the ones it may not, literal paths that would end
//! early, and sending by reference.

mod common;

use common::setup;
use losant_rest::Error;
use losant_rest::request::{Headers, Method, Params, Path, Request};

/// `GET /me/tokens` with headers of the test's choosing.
struct WithHeaders {
    headers: Vec<(&'static str, &'static str)>,
    params: Params,
}

impl WithHeaders {
    fn new(headers: &[(&'static str, &'static str)]) -> Self {
        WithHeaders {
            headers: headers.to_vec(),
            params: Params::new(),
        }
    }
}

impl Request for WithHeaders {
    type Response = serde_json::Value;

    fn method(&self) -> Method {
        Method::Get
    }

    fn path(&self, path: &mut Path<'_>) {
        path.push("/me/tokens");
    }

    fn headers(&self, headers: &mut Headers<'_>) {
        for (name, value) in &self.headers {
            headers.insert(name, value);
        }
    }

    fn params(&self) -> &Params {
        &self.params
    }
}

#[test]
fn a_request_replaces_the_clients_own_headers() {
    let (fake, client) = setup();
    let mut request = WithHeaders::new(&[
        ("Accept-Version", "^1.31.0"),
        ("user-agent", "my-script/2"),
        ("LosantDomain", "example.com"),
        ("x-trace", "1"),
        ("x-trace", "2"),
    ]);
    request.params.losant_domain = Some("from-params.example".into());
    client.send(&request).unwrap();
    let seen = &fake.requests()[0];
    let all = |name: &str| -> Vec<&str> {
        seen.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(all("accept-version"), ["^1.31.0"]);
    assert_eq!(all("user-agent"), ["my-script/2"]);
    assert_eq!(all("losantdomain"), ["example.com"]);
    assert_eq!(all("accept"), ["application/json"]);
    assert_eq!(all("x-trace"), ["1", "2"]);
    assert_eq!(all("authorization").len(), 1);
}

#[test]
fn a_request_cannot_set_the_clients_reserved_headers() {
    let (fake, client) = setup();
    for name in [
        "Authorization",
        "host",
        "Content-Type",
        "content-length",
        "Transfer-Encoding",
        // The body's decoding, the pool's keep-alive, a 100-continue stall.
        "Accept-Encoding",
        "connection",
        "Expect",
        // Hop-by-hop: one connection's business, or a proxy's credentials.
        "Keep-Alive",
        "Proxy-Connection",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Upgrade",
    ] {
        let err = client.send(WithHeaders::new(&[(name, "x")])).unwrap_err();
        let Error::InvalidRequest(invalid) = &err else {
            panic!("expected InvalidRequest for {name}, got {err:?}")
        };
        assert_eq!(invalid.field(), "headers");
        assert!(
            err.to_string().contains(&name.to_ascii_lowercase()),
            "{err}"
        );
    }
    for (name, value) in [("bad name", "x"), ("x-ok", "line\nbreak")] {
        let err = client.send(WithHeaders::new(&[(name, value)])).unwrap_err();
        assert!(err.is_invalid_request(), "{err:?}");
    }
    assert_eq!(fake.request_count(), 0);
    assert_eq!(fake.connection_count(), 0, "nothing reached the socket");
}

/// `GET` of a literal path, pushed as the test gives it.
struct Literal(&'static [&'static str]);

impl Request for Literal {
    type Response = serde_json::Value;

    fn method(&self) -> Method {
        Method::Get
    }

    fn path(&self, path: &mut Path<'_>) {
        for piece in self.0 {
            path.push(piece);
        }
    }
}

#[test]
fn a_literal_path_with_a_query_or_a_fragment_is_refused() {
    let (fake, client) = setup();
    for (pieces, c) in [
        (&["/me/tokens?perPage=1"][..], '?'),
        (&["/me/tokens", "#top"][..], '#'),
        (&["/me", "/tokens?x#y"][..], '?'),
    ] {
        let err = client.send(Literal(pieces)).unwrap_err();
        let Error::InvalidRequest(invalid) = &err else {
            panic!("expected InvalidRequest for {pieces:?}, got {err:?}")
        };
        assert_eq!(invalid.field(), "path");
        assert!(err.to_string().contains(&format!("`{c}`")), "{err}");
        assert!(!err.may_have_been_applied());
    }
    assert_eq!(fake.request_count(), 0);
    assert_eq!(fake.connection_count(), 0, "nothing reached the socket");
    // The same pieces without them go through.
    client.send(Literal(&["/me", "/tokens"])).unwrap();
    assert_eq!(fake.requests()[0].path, "/me/tokens");
}
