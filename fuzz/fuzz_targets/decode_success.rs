//! Feeds arbitrary bytes to the `Success` decoder (the answer to delete).
#![no_main]

use libfuzzer_sys::fuzz_target;
use losant_rest::schema::Success;

fuzz_target!(|data: &[u8]| {
    if let Ok(success) = serde_json::from_slice::<Success>(data) {
        let _ = format!("{success:?}");
        let json = serde_json::to_string(&success).unwrap();
        assert_eq!(serde_json::from_str::<Success>(&json).unwrap(), success);
    }
});
