//! The fake server's own contract, checked with a bare HTTP client (ureq or
//! a raw socket), never through the crate's `Client`: what a test that
//! relies on the fake may rely on.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use losant_rest::fake::{FakeLosant, Fault, Owner};
use serde_json::{Value, json};

const APP_A: &str = "575ec8687ae143cd83dc4a97";
const APP_B: &str = "575ec8687ae143cd83dc4a98";
const INSTANCE: &str = "575ec7417ae143cd83dc4a96";
const MISSING_ID: &str = "575ec7417ae143cd83dc4a95";

/// A bare agent: no proxy from the environment, statuses as values, IPv4
/// only (the fake listens on 127.0.0.1).
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .ip_family(ureq::config::IpFamily::Ipv4Only)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// What came back: status, headers (names lower-cased) and the JSON body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    json: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn kind(&self) -> &str {
        self.json["type"].as_str().unwrap_or("")
    }
}

fn to_answer(mut resp: ureq::http::Response<ureq::Body>) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let text = resp.body_mut().read_to_string().unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        json,
    }
}

/// Sends `method path` (path includes any query) with the fake's token and
/// an optional JSON body.
fn call_with(
    fake: &FakeLosant,
    token: &str,
    headers: &[(&str, &str)],
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Answer {
    let url = format!("{}{path}", fake.url());
    let mut req = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Authorization", format!("Bearer {token}"))
        .header("Accept", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = match body {
        Some(b) => agent().run(
            req.header("Content-Type", "application/json")
                .body(b.to_string())
                .unwrap(),
        ),
        None => agent().run(req.body(()).unwrap()),
    };
    to_answer(resp.unwrap())
}

fn call(fake: &FakeLosant, method: &str, path: &str, body: Option<&Value>) -> Answer {
    call_with(fake, fake.access_token(), &[], method, path, body)
}

/// Writes `request` on a fresh connection to the fake and reads the whole
/// answer (the request must ask for `Connection: close`): the head as text
/// and the raw body bytes.
fn raw(fake: &FakeLosant, request: &[u8]) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", fake.port())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    (head, out[split + 4..].to_vec())
}

#[test]
fn a_bad_or_missing_token_is_401() {
    let fake = FakeLosant::start();
    let a = call_with(&fake, "wrong", &[], "GET", "/me/tokens", None);
    assert_eq!((a.status, a.kind()), (401, "Unauthorized"));
    assert_eq!(a.json["message"], "Invalid access token");
    let (head, _) = raw(
        &fake,
        b"GET /me/tokens HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{head}");
}

#[test]
fn unknown_routes_and_tokens_are_404() {
    let fake = FakeLosant::start();
    // `/me`, `/applications` and `/instances` are the directories now.
    for path in [
        "/",
        "/mee",
        "/me/tokenz",
        "/me/tokens/a/b",
        "/applications/x",
        "/instancez",
    ] {
        let a = call(&fake, "GET", path, None);
        assert_eq!((a.status, a.kind()), (404, "NotFound"), "{path}");
    }
    let a = call(&fake, "GET", &format!("/me/tokens/{MISSING_ID}"), None);
    assert_eq!((a.status, a.kind()), (404, "NotFound"));
    assert_eq!(a.json["message"], "API Token was not found");
    let a = call(&fake, "DELETE", &format!("/me/tokens/{MISSING_ID}"), None);
    assert_eq!(a.status, 404);
}

#[test]
fn a_wrong_method_is_405_with_allow() {
    let fake = FakeLosant::start();
    let a = call(&fake, "PUT", "/me/tokens", None);
    assert_eq!((a.status, a.kind()), (405, "MethodNotAllowed"));
    assert_eq!(a.header("allow"), Some("GET, POST"));
    let a = call(
        &fake,
        "POST",
        &format!("/applications/{APP_A}/tokens/{MISSING_ID}"),
        None,
    );
    assert_eq!(a.status, 405);
    assert_eq!(a.header("allow"), Some("GET, PATCH, DELETE"));
}

#[test]
fn bad_bodies_are_400_naming_the_field_by_its_path() {
    let fake = FakeLosant::start();
    let cases = [
        (json!({}), "name is required"),
        (
            json!({"name": ""}),
            "name must be at least 1 characters long",
        ),
        (json!({"name": "x", "bogus": 1}), "bogus is not allowed"),
        (
            json!({"name": "x", "orgRoles": [{"orgId": "nope", "role": "view"}]}),
            "orgRoles[0].orgId",
        ),
        (
            json!({"name": "x", "orgRoles": [{"orgId": "sandbox", "role": "view",
                "applicationRoles": [{"resourceId": APP_A, "role": "admin"}]}]}),
            "orgRoles[0].applicationRoles[0].role",
        ),
        (json!({"name": "x", "scope": ["a", "a"]}), "scope[1]"),
    ];
    for (body, needle) in cases {
        let a = call(&fake, "POST", "/me/tokens", Some(&body));
        assert_eq!((a.status, a.kind()), (400, "Validation"), "{body}");
        let message = a.json["message"].as_str().unwrap();
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
    let id = fake.seed(1).remove(0);
    let a = call(
        &fake,
        "PATCH",
        &format!("/me/tokens/{id}"),
        Some(&json!({"scope": []})),
    );
    assert_eq!((a.status, a.kind()), (400, "Validation"));
    let a = call(&fake, "GET", "/me/tokens/not-an-id", None);
    assert_eq!((a.status, a.kind()), (400, "Validation"));
    assert!(a.json["message"].as_str().unwrap().contains("apiTokenId"));
    assert_eq!(fake.token_count(), 1);
}

#[test]
fn chunked_uploads_are_read_whole() {
    let fake = FakeLosant::start();
    let body = br#"{"name":"chunked token","description":"sent in pieces"}"#;
    let (first, second) = body.split_at(10);
    let mut request = format!(
        "POST /me/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        fake.access_token()
    )
    .into_bytes();
    for part in [first, second] {
        request.extend(format!("{:x};ext=1\r\n", part.len()).into_bytes());
        request.extend_from_slice(part);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\nX-Trailer: yes\r\n\r\n");
    let (head, body_out) = raw(&fake, &request);
    assert!(head.starts_with("HTTP/1.1 201 Created\r\n"), "{head}");
    let created: Value = serde_json::from_slice(&body_out).unwrap();
    assert_eq!(created["name"], "chunked token");
    assert_eq!(created["description"], "sent in pieces");
    assert_eq!(fake.requests()[0].body, body);
}

#[test]
fn a_plus_in_the_query_is_a_space() {
    let fake = FakeLosant::start();
    fake.seed(3);
    fake.insert(json!({"name": "my token"}));
    fake.insert(json!({"name": "my+token"}));
    let a = call(
        &fake,
        "GET",
        "/me/tokens?filterField=name&filter=my+tok*",
        None,
    );
    assert_eq!(a.status, 200);
    assert_eq!(a.json["filter"], "my tok*");
    assert_eq!(a.json["totalCount"], 1);
    assert_eq!(a.json["items"][0]["name"], "my token");
    let a = call(
        &fake,
        "GET",
        "/me/tokens?filterField=name&filter=my%2Btok*",
        None,
    );
    assert_eq!(a.json["items"][0]["name"], "my+token");
    // The recording keeps the raw query; its helper leaves `+` alone.
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.query_param("filter").as_deref(), Some("my+tok*"));
}

#[cfg(feature = "gzip")]
#[test]
fn gzip_is_applied_when_asked_for() {
    use flate2::read::GzDecoder;

    let fake = FakeLosant::start();
    fake.seed(20);
    let ask = |encoding: &str| {
        raw(
            &fake,
            format!(
                "GET /me/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
                 {encoding}Connection: close\r\n\r\n",
                fake.access_token()
            )
            .as_bytes(),
        )
    };
    let (head, body) = ask("Accept-Encoding: gzip, deflate\r\n");
    assert!(head.contains("\r\nContent-Encoding: gzip\r\n"), "{head}");
    assert!(
        head.contains(&format!("\r\nContent-Length: {}\r\n", body.len())),
        "{head}"
    );
    assert_eq!(&body[..2], [0x1f, 0x8b]);
    let mut text = String::new();
    GzDecoder::new(body.as_slice())
        .read_to_string(&mut text)
        .unwrap();
    let page: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(page["count"], 20);
    // Real compression, not stored blocks.
    assert!(
        body.len() < text.len() / 2,
        "{} vs {}",
        body.len(),
        text.len()
    );

    let (head, body) = ask("");
    assert!(
        !head.to_ascii_lowercase().contains("content-encoding"),
        "{head}"
    );
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["count"], 20);

    let plain = FakeLosant::builder().gzip(false).start().unwrap();
    let (head, _) = raw(
        &plain,
        format!(
            "GET /me/tokens HTTP/1.1\r\nAuthorization: Bearer {}\r\n\
             Accept-Encoding: gzip\r\nConnection: close\r\n\r\n",
            plain.access_token()
        )
        .as_bytes(),
    );
    assert!(
        !head.to_ascii_lowercase().contains("content-encoding"),
        "{head}"
    );
}

#[test]
fn owners_never_see_each_others_tokens() {
    let fake = FakeLosant::start();
    let user_ids = fake.seed(2);
    let a = call(
        &fake,
        "POST",
        &format!("/applications/{APP_A}/tokens"),
        Some(&json!({"name": "app token"})),
    );
    assert_eq!(a.status, 201);
    let id = a.json["id"].as_str().unwrap().to_owned();
    assert_eq!(a.json["ownerType"], "application");
    assert_eq!(a.json["ownerId"], APP_A);
    assert_eq!(a.json["applicationId"], APP_A);
    assert!(a.json.get("instanceId").is_none());
    assert_eq!(
        a.json["_links"]["self"]["href"],
        format!("/applications/{APP_A}/tokens/{id}")
    );
    assert!(a.json["token"].as_str().is_some());

    assert_eq!(fake.token_count_for(&Owner::application(APP_A)), 1);
    assert_eq!(fake.token_count_for(&Owner::application(APP_B)), 0);
    assert_eq!(fake.token_count(), 2);
    assert_eq!(fake.token(&id).unwrap()["name"], "app token");

    let a = call(
        &fake,
        "GET",
        &format!("/applications/{APP_A}/tokens/{id}"),
        None,
    );
    assert_eq!(a.status, 200);
    assert!(a.json.get("token").is_none());
    for elsewhere in [
        format!("/applications/{APP_B}/tokens/{id}"),
        format!("/me/tokens/{id}"),
        format!("/instances/{INSTANCE}/tokens/{id}"),
    ] {
        assert_eq!(
            call(&fake, "GET", &elsewhere, None).status,
            404,
            "{elsewhere}"
        );
        assert_eq!(
            call(&fake, "DELETE", &elsewhere, None).status,
            404,
            "{elsewhere}"
        );
    }
    let a = call(
        &fake,
        "GET",
        &format!("/applications/{APP_A}/tokens/{}", user_ids[0]),
        None,
    );
    assert_eq!(a.status, 404);

    let list = call(&fake, "GET", &format!("/applications/{APP_A}/tokens"), None);
    assert_eq!(list.json["totalCount"], 1);
    assert_eq!(list.json["ownerType"], "application");
    assert_eq!(list.json["ownerId"], APP_A);
    assert_eq!(list.json["applicationId"], APP_A);
    assert_eq!(
        list.json["_links"]["self"]["href"],
        format!("/applications/{APP_A}/tokens")
    );
    let list = call(&fake, "GET", &format!("/applications/{APP_B}/tokens"), None);
    assert_eq!(
        (list.status, list.json["totalCount"].as_u64()),
        (200, Some(0))
    );
    let list = call(&fake, "GET", "/me/tokens", None);
    assert_eq!(list.json["totalCount"], 2);
    assert_eq!(list.json["ownerType"], "user");
    assert!(list.json.get("applicationId").is_none());

    let instance = Owner::instance(INSTANCE);
    let ids = fake.seed_for(&instance, 3);
    let list = call(&fake, "GET", &format!("/instances/{INSTANCE}/tokens"), None);
    assert_eq!(list.json["totalCount"], 3);
    assert_eq!(list.json["ownerType"], "instance");
    assert_eq!(list.json["instanceId"], INSTANCE);
    assert_eq!(list.json["items"][0]["instanceId"], INSTANCE);
    assert_eq!(list.json["items"][0]["ownerType"], "instance");
    let patched = call(
        &fake,
        "PATCH",
        &format!("/instances/{INSTANCE}/tokens/{}", ids[1]),
        Some(&json!({"status": "inactive"})),
    );
    assert_eq!(
        (patched.status, &patched.json["status"]),
        (200, &json!("inactive"))
    );
    let deleted = call(
        &fake,
        "DELETE",
        &format!("/instances/{INSTANCE}/tokens/{}", ids[0]),
        None,
    );
    assert_eq!(deleted.json, json!({"success": true}));
    assert_eq!(fake.token_count_for(&instance), 2);

    let inserted = fake.insert_for(&Owner::application(APP_B), json!({"name": "odd", "x": 1}));
    let a = call(
        &fake,
        "GET",
        &format!("/applications/{APP_B}/tokens/{inserted}"),
        None,
    );
    assert_eq!(a.json["x"], 1);
    // Owner ids compare case-insensitively, like token ids.
    let upper = APP_B.to_ascii_uppercase();
    let a = call(
        &fake,
        "GET",
        &format!("/applications/{upper}/tokens/{inserted}"),
        None,
    );
    assert_eq!(a.status, 200);
}

#[test]
fn malformed_owner_ids_are_400_naming_the_parameter() {
    let fake = FakeLosant::start();
    let a = call(&fake, "GET", "/applications/not-an-id/tokens", None);
    assert_eq!((a.status, a.kind()), (400, "Validation"));
    assert!(
        a.json["message"]
            .as_str()
            .unwrap()
            .contains("applicationId")
    );
    let a = call(
        &fake,
        "POST",
        "/instances/123/tokens",
        Some(&json!({"name": "x"})),
    );
    assert_eq!((a.status, a.kind()), (400, "Validation"));
    assert!(a.json["message"].as_str().unwrap().contains("instanceId"));
}

#[test]
fn a_scoped_fake_answers_403_for_actions_its_scopes_do_not_allow() {
    let read_only = FakeLosant::builder()
        .scopes(["all.User.read"])
        .start()
        .unwrap();
    let id = read_only.seed(1).remove(0);
    assert_eq!(call(&read_only, "GET", "/me/tokens", None).status, 200);
    assert_eq!(
        call(&read_only, "GET", &format!("/me/tokens/{id}"), None).status,
        200
    );
    assert_eq!(
        call(
            &read_only,
            "GET",
            &format!("/applications/{APP_A}/tokens"),
            None
        )
        .status,
        200
    );
    // Refused before the body is looked at.
    let a = call(&read_only, "POST", "/me/tokens", Some(&json!({"bogus": 1})));
    assert_eq!((a.status, a.kind()), (403, "Forbidden"));
    assert!(
        a.json["message"]
            .as_str()
            .unwrap()
            .contains("userApiTokens.post")
    );
    let a = call(&read_only, "DELETE", &format!("/me/tokens/{id}"), None);
    assert_eq!((a.status, a.kind()), (403, "Forbidden"));
    assert_eq!(read_only.token_count(), 1);

    let apps = FakeLosant::builder()
        .scopes(["applicationApiTokens.*", "userApiToken.get"])
        .start()
        .unwrap();
    let path = format!("/applications/{APP_A}/tokens");
    assert_eq!(call(&apps, "GET", &path, None).status, 200);
    let created = call(&apps, "POST", &path, Some(&json!({"name": "x"})));
    assert_eq!(created.status, 201);
    let one = format!("{path}/{}", created.json["id"].as_str().unwrap());
    assert_eq!(call(&apps, "GET", &one, None).status, 403);
    assert_eq!(call(&apps, "GET", "/me/tokens", None).status, 403);
    assert_eq!(
        call(&apps, "GET", &format!("/me/tokens/{MISSING_ID}"), None).status,
        404
    );

    let everything = FakeLosant::builder().scopes(["all.User"]).start().unwrap();
    let a = call(
        &everything,
        "POST",
        &format!("/instances/{INSTANCE}/tokens"),
        Some(&json!({"name": "i"})),
    );
    assert_eq!(a.status, 201);
}

#[test]
fn a_version_range_the_fake_cannot_serve_is_version_not_allowed() {
    let fake = FakeLosant::start();
    let with_version = |fake: &FakeLosant, range: &str, path: &str| {
        call_with(
            fake,
            fake.access_token(),
            &[("Accept-Version", range)],
            "GET",
            path,
            None,
        )
    };
    for ok in ["^1.31.0", "^1.0.0", "1.x", "*"] {
        assert_eq!(with_version(&fake, ok, "/me/tokens").status, 200, "{ok}");
    }
    for refused in ["^2.0.0", "^1.32.0", ">1.31.0", "latest"] {
        let a = with_version(&fake, refused, "/me/tokens");
        assert_eq!(
            (a.status, a.kind()),
            (400, "VersionNotAllowed"),
            "{refused}"
        );
    }

    let old = FakeLosant::builder().api_version("1.30.0").start().unwrap();
    let a = with_version(&old, "^1.31.0", "/me/tokens");
    assert_eq!((a.status, a.kind()), (400, "VersionNotAllowed"));
    assert_eq!(with_version(&old, "^1.30.0", "/me/tokens").status, 200);
    let created = call(
        &old,
        "POST",
        &format!("/applications/{APP_A}/tokens"),
        Some(&json!({"name": "x"})),
    );
    assert_eq!(created.json["ownerType"], "application");
    assert!(created.json.get("applicationId").is_none());
    let list = call(&old, "GET", &format!("/applications/{APP_A}/tokens"), None);
    assert!(list.json.get("applicationId").is_none());
    assert_eq!(
        call(&old, "GET", &format!("/instances/{INSTANCE}/tokens"), None).status,
        404
    );

    assert!(FakeLosant::builder().api_version("2.0.0").start().is_err());
    assert!(FakeLosant::builder().api_version("1.30").start().is_err());
}

#[test]
fn a_filter_needs_a_field_and_per_page_has_no_maximum() {
    let fake = FakeLosant::start();
    fake.seed(12);
    let a = call(&fake, "GET", "/me/tokens?filter=seeded-token-0001", None);
    assert_eq!(a.json["totalCount"], 12);
    assert!(a.json.get("filter").is_none());
    let a = call(
        &fake,
        "GET",
        "/me/tokens?filterField=name&filter=seeded-token-0001",
        None,
    );
    assert_eq!(a.json["totalCount"], 1);
    let a = call(
        &fake,
        "GET",
        "/me/tokens?filterField=status&filter=inactive",
        None,
    );
    assert_eq!(a.json["totalCount"], 4);

    let a = call(&fake, "GET", "/me/tokens?perPage=5000", None);
    assert_eq!((a.status, a.json["perPage"].as_u64()), (200, Some(5000)));
    assert_eq!(a.json["count"], 12);
    for bad in ["-1", "ten", "1.5"] {
        let a = call(&fake, "GET", &format!("/me/tokens?perPage={bad}"), None);
        assert_eq!((a.status, a.kind()), (400, "Validation"), "{bad}");
    }
}

#[test]
fn matching_faults_hit_only_the_requests_they_aim_at() {
    let fake = FakeLosant::builder()
        .path_prefix("/losant")
        .start()
        .unwrap();
    fake.fail_matching("post", "/applications/*/tokens", 1, Fault::status(503));
    fake.fail_matching(
        "GET",
        "/me/tokens/*",
        2,
        Fault::status(500).with_body(r#"{"x":1}"#),
    );
    let app = format!("/applications/{APP_A}/tokens");
    let body = json!({"name": "x"});
    assert_eq!(call(&fake, "GET", "/me/tokens", None).status, 200);
    assert_eq!(call(&fake, "POST", "/me/tokens", Some(&body)).status, 201);
    assert_eq!(call(&fake, "GET", &app, None).status, 200);
    let a = call(&fake, "POST", &app, Some(&body));
    assert_eq!((a.status, a.kind()), (503, "ServiceUnavailable"));
    assert_eq!(fake.token_count_for(&Owner::application(APP_A)), 0);
    assert_eq!(call(&fake, "POST", &app, Some(&body)).status, 201);
    for _ in 0..2 {
        let a = call(&fake, "GET", &format!("/me/tokens/{MISSING_ID}"), None);
        assert_eq!((a.status, &a.json), (500, &json!({"x": 1})));
    }
    assert_eq!(
        call(&fake, "GET", &format!("/me/tokens/{MISSING_ID}"), None).status,
        404
    );

    // The queue still works, and a rule claims its request first.
    fake.fail_next(1, Fault::status(502));
    fake.fail_matching("*", "**", 1, Fault::status(504));
    assert_eq!(call(&fake, "GET", "/me/tokens", None).status, 504);
    assert_eq!(call(&fake, "GET", "/me/tokens", None).status, 502);
    assert_eq!(call(&fake, "GET", "/me/tokens", None).status, 200);
}

#[cfg(feature = "rustls")]
mod https {
    use std::net::TcpStream;

    use super::*;

    /// An agent that trusts the test CA and nothing else.
    fn trusting_only_the_test_ca() -> ureq::Agent {
        let ca = ureq::tls::Certificate::from_pem(FakeLosant::ca_pem().as_bytes()).unwrap();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::new_with_certs(&[ca]))
            .build();
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .ip_family(ureq::config::IpFamily::Ipv4Only)
            .tls_config(tls)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into()
    }

    fn get(agent: &ureq::Agent, fake: &FakeLosant, url: &str) -> Result<Answer, ureq::Error> {
        agent
            .get(url)
            .header("Authorization", format!("Bearer {}", fake.access_token()))
            .call()
            .map(to_answer)
    }

    #[test]
    fn an_https_round_trip_trusting_only_the_test_ca() {
        let fake = FakeLosant::builder().tls(true).start().unwrap();
        fake.seed(2);
        let url = fake.url();
        assert_eq!(url, format!("https://127.0.0.1:{}", fake.port()));
        let agent = trusting_only_the_test_ca();
        let a = get(&agent, &fake, &format!("{url}/me/tokens")).unwrap();
        assert_eq!((a.status, a.json["count"].as_u64()), (200, Some(2)));
        assert_eq!(fake.request_count(), 1);

        // Plain HTTP on the TLS port fails the handshake: a connection, no request.
        let before = fake.connection_count();
        let mut s = TcpStream::connect(("127.0.0.1", fake.port())).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(b"GET /me/tokens HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
        assert_eq!(fake.connection_count(), before + 1);
        assert_eq!(fake.request_count(), 1);
    }

    #[test]
    fn untrusted_and_expired_certificates_are_refused() {
        let identities = [
            (
                include_str!("pki/untrusted.pem"),
                include_str!("pki/untrusted.key"),
                "UnknownIssuer",
            ),
            (
                include_str!("pki/expired.pem"),
                include_str!("pki/expired.key"),
                "Expired",
            ),
        ];
        let agent = trusting_only_the_test_ca();
        for (chain, key, why) in identities {
            let fake = FakeLosant::builder()
                .tls_identity(chain, key)
                .start()
                .unwrap();
            let err = get(&agent, &fake, &format!("{}/me/tokens", fake.url()))
                .err()
                .expect("the handshake must fail");
            assert!(format!("{err:?}").contains(why), "{err:?}");
            assert_eq!(fake.connection_count(), 1);
            assert_eq!(fake.request_count(), 0);
        }
        let bad = FakeLosant::builder()
            .tls_identity("not a pem", "nor this")
            .start();
        assert!(bad.is_err());
    }
}

#[test]
fn a_status_after_processing_does_the_work_and_loses_the_answer() {
    let fake = FakeLosant::start();
    let client = losant_rest::Client::builder()
        .access_token(fake.access_token())
        .base_url(fake.url())
        .build()
        .unwrap();
    fake.fail_matching("POST", "/me/tokens", 1, Fault::status_after_processing(504));
    let err = client
        .send(losant_rest::tokens::CreateToken::new(
            losant_rest::schema::ApiTokenPost::new("made"),
        ))
        .unwrap_err();
    assert_eq!(err.status(), Some(504));
    assert!(err.may_have_been_applied());
    assert_eq!(fake.token_count(), 1, "the token was made");
    assert_eq!(fake.request_count(), 1, "a POST is not sent again");
}
