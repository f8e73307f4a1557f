//! Feeds arbitrary bytes to the `ApiToken` decoder (the answer to get,
//! create and update) and, directly, to each string enum's decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use losant_rest::schema::ApiToken;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = serde_json::from_slice::<ApiToken>(data) {
        common::check_token(&token);
    }
    common::check_enums(data);
});
