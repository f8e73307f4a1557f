//! Feeds arbitrary bytes to the error-body parser, `ApiError::from_response`,
//! and formats the result with `Display` and `Debug`.
//!
//! Input layout: bytes 0-1 are the status (big-endian, folded into
//! 400..=599), byte 2 picks where a secret is planted, and the rest is the
//! body. The body is checked as it is; then, if planting the member
//! `"token":"<SENTINEL>"` at the chosen place still gives valid JSON, that
//! body is checked too, and neither `Display` nor `Debug` may show the secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use losant_rest::ApiError;

mod common;
use common::SENTINEL;

/// Checks the invariants every error must keep, and returns its message,
/// `Display` and `Debug`.
fn check(status: u16, body: &[u8]) -> (String, String) {
    let e = ApiError::from_response(status, body.to_vec());
    assert_eq!(e.status, status);
    assert_eq!(e.body(), body);
    assert!(
        !e.message.trim().is_empty(),
        "empty message for status {status} and body {:?}",
        String::from_utf8_lossy(body)
    );
    let display = e.to_string();
    let debug = format!("{e:?}");
    assert!(
        display.starts_with(&format!("Losant answered {status}")),
        "{display}"
    );
    assert!(debug.starts_with("ApiError {"), "{debug}");
    // `Error`'s own formatting goes through the same code.
    let fields = format!("{:?} {}", e.kind, e.message);
    let err = losant_rest::Error::Api(e);
    assert_eq!(err.status(), Some(status));
    assert_eq!(err.to_string(), display);
    assert!(format!("{err:?}").contains(&debug));
    (fields, format!("{display}\n{debug}"))
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = 400 + u16::from_be_bytes([data[0], data[1]]) % 200;
    let at = data[2] as usize;
    let body = &data[3..];
    check(status, body);

    // Plant the secret only when the fuzzer's own bytes do not hold it.
    if contains(body, SENTINEL.as_bytes()) {
        return;
    }
    let at = at % (body.len() + 1);
    let member = format!("\"token\":\"{SENTINEL}\"");
    for planted in [format!("{member},"), member.clone(), format!(",{member}")] {
        let mut with = Vec::with_capacity(body.len() + planted.len());
        with.extend_from_slice(&body[..at]);
        with.extend_from_slice(planted.as_bytes());
        with.extend_from_slice(&body[at..]);
        if serde_json::from_slice::<serde_json::Value>(&with).is_err() {
            continue;
        }
        let (fields, shown) = check(status, &with);
        // The planted member is never `type` or `message`; if those hold the
        // secret, the fuzzer wrote it there itself (with escapes, say).
        if fields.contains(SENTINEL) {
            break;
        }
        assert!(
            !shown.contains(SENTINEL),
            "the planted secret shows:\n{shown}\nbody: {:?}",
            String::from_utf8_lossy(&with)
        );
        break;
    }
});

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
