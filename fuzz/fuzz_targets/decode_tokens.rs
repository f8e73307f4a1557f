//! Feeds arbitrary bytes to the `ApiTokens` decoder (the answer to list).
#![no_main]

use libfuzzer_sys::fuzz_target;
use losant_rest::schema::ApiTokens;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = serde_json::from_slice::<ApiTokens>(data) {
        common::check_tokens(&page);
    }
});
