//! No secret, neither the access token nor a created token's secret, ever
//! shows up in `Debug`, `Display`, an error or a log line.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::schema::{ApiTokenPatch, ApiTokenPost};
use losant_rest::tokens::{CreateToken, DeleteToken, GetToken, ListTokens, UpdateToken};
use losant_rest::{Client, Error};

const SENTINEL: &str = "SENTINEL-access-token-7f3a9c";
const SECRET: &str = "SENTINEL-created-secret-51d0e2";

/// Collects every log record, from this crate and from ureq, at every level.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap().push(format!(
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }
    fn flush(&self) {}
}

static LOGS: Capture = Capture(Mutex::new(Vec::new()));

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(SENTINEL),
        "{what} shows the access token: {text}"
    );
    assert!(
        !text.contains(SECRET),
        "{what} shows the created secret: {text}"
    );
}

fn all_forms<T: std::fmt::Debug>(what: &str, value: &T) {
    assert_clean(what, &format!("{value:?}"));
    assert_clean(what, &format!("{value:#?}"));
}

fn error_forms(what: &str, err: &Error) {
    all_forms(what, err);
    assert_clean(what, &err.to_string());
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_clean(what, &s.to_string());
        source = s.source();
    }
}

#[test]
fn no_secret_in_any_output_or_log_line() {
    log::set_logger(&LOGS).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let fake = FakeLosant::builder()
        .access_token(SENTINEL)
        .start()
        .unwrap();
    let builder = Client::builder()
        .access_token(SENTINEL)
        .base_url(fake.url())
        .timeout(Duration::from_millis(300))
        .backoff(Duration::from_millis(1), Duration::from_millis(5));
    all_forms("builder", &builder);
    let client = builder.build().unwrap();
    all_forms("client", &client);
    all_forms(
        "client with another token",
        &client.with_access_token(SENTINEL),
    );

    // Every action, successful.
    let created = client
        .send(CreateToken::new(ApiTokenPost::new("s")))
        .unwrap();
    let secret = created.token.clone().unwrap();
    assert_clean("secret Display", &secret.to_string());
    assert_eq!(format!("{secret:?}"), "SecretToken(<redacted>)");
    assert!(!format!("{created:?}").contains(secret.expose_secret()));
    assert!(!format!("{created:#?}").contains(secret.expose_secret()));
    assert!(
        !serde_json::to_string(&created)
            .unwrap()
            .contains(secret.expose_secret())
    );
    client.send(GetToken::new(&created.id)).unwrap();
    client
        .send(UpdateToken::new(&created.id, ApiTokenPatch::new()))
        .unwrap();
    client.send(ListTokens::new()).unwrap();
    for request in [
        format!("{:?}", GetToken::new(&created.id)),
        format!("{:?}", ListTokens::new()),
    ] {
        assert_clean("request", &request);
    }

    // Credentials in a proxy or base URL, and a secret pasted as an ID.
    let with_proxy = Client::builder()
        .access_token(SENTINEL)
        .base_url("http://api.losant.test")
        .proxy(format!("http://user:{SECRET}@127.0.0.1:3128"));
    all_forms("builder with a proxy", &with_proxy);
    all_forms("client with a proxy", &with_proxy.build().unwrap());

    // Every kind of error.
    let mut errors = vec![
        Client::builder()
            .access_token("t")
            .base_url(format!("http://user:{SECRET}@api.example.com"))
            .build()
            .unwrap_err(),
        client.send(GetToken::new(SECRET)).unwrap_err(),
        client.send(GetToken::new("bad id")).unwrap_err(),
        client
            .send(GetToken::new("575ec7417ae143cd83dc4a95"))
            .unwrap_err(),
        client
            .with_access_token("wrong")
            .send(ListTokens::new())
            .unwrap_err(),
        Client::builder()
            .access_token(format!("{SENTINEL}\n"))
            .build()
            .unwrap_err(),
        Client::new(format!("{SENTINEL}\n"))
            .send(ListTokens::new())
            .unwrap_err(),
        Client::builder()
            .access_token(SENTINEL)
            .base_url("nope")
            .build()
            .unwrap_err(),
    ];
    fake.fail_next(1, Fault::delay(Duration::from_secs(2)));
    errors.push(
        client
            .send(CreateToken::new(ApiTokenPost::new("t")))
            .unwrap_err(),
    );
    fake.fail_next(1, Fault::reset());
    errors.push(
        client
            .send(CreateToken::new(ApiTokenPost::new("t")))
            .unwrap_err(),
    );
    // A create answer that fails to decode must not quote the secret.
    let body = format!(r#"{{"id": 5, "name": "n", "token": "{SECRET}"}}"#);
    fake.fail_next(1, Fault::status(201).with_body(body.clone()));
    errors.push(
        client
            .send(CreateToken::new(ApiTokenPost::new("t")))
            .unwrap_err(),
    );
    fake.fail_next(1, Fault::status(500).with_body(body));
    errors.push(
        client
            .send(CreateToken::new(ApiTokenPost::new("t")))
            .unwrap_err(),
    );
    client.send(DeleteToken::new(&created.id)).unwrap();
    assert_eq!(errors.len(), 12);
    for (i, err) in errors.iter().enumerate() {
        error_forms(&format!("error {i}"), err);
    }

    let logs = LOGS.0.lock().unwrap();
    assert!(
        logs.iter()
            .any(|l| l.contains("losant_rest") && l.contains("/me/tokens")),
        "the client logs its attempts: {logs:?}"
    );
    for line in logs.iter() {
        assert_clean("log line", line);
    }
}
