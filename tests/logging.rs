//! What the crate logs, as its docs promise: every record under the target
//! `losant_rest`, one `debug` line per attempt, and a lookup only at
//! `trace`.

use std::net::SocketAddr;
use std::sync::Mutex;

use losant_rest::Client;
use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::tokens::{GetToken, ListTokens};

struct Record {
    target: String,
    module: String,
    level: log::Level,
    message: String,
}

struct Capture(Mutex<Vec<Record>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap().push(Record {
            target: record.target().to_owned(),
            module: record.module_path().unwrap_or("").to_owned(),
            level: record.level(),
            message: record.args().to_string(),
        });
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

// The one test of this binary: the logger is global.
#[test]
fn one_debug_line_per_attempt_under_the_crate_target() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let fake = FakeLosant::start();
    let id = fake.seed(1).remove(0);
    let addr = SocketAddr::from(([127, 0, 0, 1], fake.port()));
    // A name the client must look up, so that the lookup may log too.
    let client = Client::builder()
        .access_token(fake.access_token())
        .base_url(format!("http://fake.losant.test:{}", fake.port()))
        .backoff(std::time::Duration::ZERO, std::time::Duration::ZERO)
        .dns_resolver(move |_: &str, _: u16| Ok(vec![addr]))
        .build()
        .unwrap();
    fake.fail_next(1, Fault::status(503).with_header("Connection", "close"));
    client.send(GetToken::new(&id)).unwrap();
    assert_eq!(fake.request_count(), 2);
    // A failed attempt is one line too, and no line shows the query (a
    // filter is the user's data) or the host of the base URL.
    fake.fail_next(1, Fault::reset());
    client
        .send(ListTokens::new().filter("private-filter-*"))
        .unwrap();

    let records = CAPTURE.0.lock().unwrap();
    // Everything this crate's client logs (the fake, a test helper, is
    // not the client).
    let ours: Vec<&Record> = records
        .iter()
        .filter(|r| {
            (r.target.starts_with("losant_rest") || r.module.starts_with("losant_rest"))
                && !r.module.starts_with("losant_rest::fake")
        })
        .collect();
    for r in &ours {
        assert_eq!(
            r.target, "losant_rest",
            "{} ({}): {}",
            r.module, r.level, r.message
        );
    }
    let debug: Vec<&str> = ours
        .iter()
        .filter(|r| r.level <= log::Level::Debug)
        .map(|r| r.message.as_str())
        .collect();
    assert_eq!(debug.len(), 4, "one line per attempt: {debug:?}");
    assert!(
        debug[0].contains("-> 503") && debug[0].contains("(retry 0)"),
        "{debug:?}"
    );
    assert!(
        debug[1].contains("-> 200") && debug[1].contains("(retry 1)"),
        "{debug:?}"
    );
    assert!(
        debug[..2].iter().all(|l| l.starts_with("GET /me/tokens/")),
        "{debug:?}"
    );
    assert!(
        debug[2].starts_with("GET /me/tokens -> failed: ") && debug[2].contains("(retry 0)"),
        "{debug:?}"
    );
    assert!(
        debug[3].starts_with("GET /me/tokens -> 200") && debug[3].contains("(retry 1)"),
        "{debug:?}"
    );
    assert!(
        debug
            .iter()
            .all(|l| !l.contains('?') && !l.contains("private") && !l.contains("fake.losant.test")),
        "{debug:?}"
    );
    let lookups = ours
        .iter()
        .filter(|r| r.level == log::Level::Trace && r.message.contains("looked up"))
        .count();
    assert!(lookups >= 1, "a lookup is logged at trace");
    assert!(
        !ours.iter().any(|r| r.message.contains(fake.access_token())),
        "no record carries the token"
    );
}
