//! Checks shared by the fuzz targets. Each target includes this file with
//! `mod common;`, so not every helper is used by every target.
#![allow(dead_code)]

use losant_rest::schema::{
    ApiToken, ApiTokens, CreatorType, FilterField, OwnerType, ResourceRoleKind, Role,
    SortDirection, SortField, TokenStatus,
};

/// A secret that the error-body target plants in bodies; the fuzzer's own
/// bytes are checked for it before any assertion about it is made.
pub const SENTINEL: &str = "fz-SENTINEL-5ecre7-Q9xW";

/// Invariants of any `ApiToken` that decoded:
/// - its `Debug` never shows the secret (checked when the secret is at least
///   8 bytes and does not appear by chance in the other fields' `Debug`);
/// - its `Debug` is exactly the secret-less token's `Debug` with the secret
///   shown as `Some(SecretToken(<redacted>))`;
/// - serializing it and decoding that again gives the same token, minus the
///   secret (which is never serialized), and the JSON never carries it.
pub fn check_token(token: &ApiToken) {
    let debug = format!("{token:?}");
    let mut without = token.clone();
    without.token = None;
    let without_debug = format!("{without:?}");

    if let Some(secret) = token.token.as_ref().map(|t| t.expose_secret()) {
        if secret.len() >= 8 && !without_debug.contains(secret) {
            assert!(
                !debug.contains(secret),
                "ApiToken's Debug shows the secret: {debug}"
            );
        }
        // `token` is the last field, so only the last `token: None }` is
        // the field itself; a description may contain the same text.
        const NONE: &str = "token: None }";
        let at = without_debug
            .rfind(NONE)
            .expect("Debug ends with the token field");
        let expected = format!(
            "{}token: Some(SecretToken(<redacted>)) }}{}",
            &without_debug[..at],
            &without_debug[at + NONE.len()..]
        );
        assert_eq!(
            debug, expected,
            "ApiToken's Debug changed beyond the redacted secret"
        );
    } else {
        assert_eq!(debug, without_debug);
    }

    let json = serde_json::to_string(token).expect("an ApiToken always serializes");
    if let Some(secret) = token.token.as_ref().map(|t| t.expose_secret()) {
        if secret.len() >= 8 && !serde_json::to_string(&without).unwrap().contains(secret) {
            assert!(!json.contains(secret), "the secret was serialized: {json}");
        }
    }
    let again: ApiToken = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("a serialized ApiToken does not decode ({e}): {json}"));
    assert_eq!(again, without, "ApiToken does not round-trip through JSON");
}

/// Invariants of any `ApiTokens` page that decoded: every item passes
/// [`check_token`], and the page round-trips through JSON.
pub fn check_tokens(page: &ApiTokens) {
    for token in &page.items {
        check_token(token);
    }
    let _ = format!("{page:?}");
    let json = serde_json::to_string(page).expect("an ApiTokens always serializes");
    let again: ApiTokens = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("a serialized ApiTokens does not decode ({e}): {json}"));
    let mut expected = page.clone();
    for item in &mut expected.items {
        item.token = None;
    }
    assert_eq!(
        again, expected,
        "ApiTokens does not round-trip through JSON"
    );
}

macro_rules! check_enum {
    ($data:expr, $ty:ty $(, $alias:literal => $canon:literal)*) => {{
        if let Ok(value) = serde_json::from_slice::<$ty>($data) {
            // The string the JSON held, decoded by serde_json itself.
            let raw: String = serde_json::from_slice($data)
                .expect("an enum decoded from something that is not a string");
            let expected = match raw.as_str() {
                $( $alias => $canon, )*
                other => other,
            };
            assert_eq!(value.as_str(), expected, "{} kept a different string", stringify!($ty));
            assert_eq!(value.to_string(), value.as_str());
            assert_eq!(<$ty>::from(value.as_str()), value);
            assert_eq!(value.as_str().parse::<$ty>().unwrap(), value);
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(serde_json::from_str::<$ty>(&json).unwrap(), value);
            let _ = format!("{value:?}");
        }
    }};
}

/// Decodes the bytes as each of the schema's string enums, directly.
pub fn check_enums(data: &[u8]) {
    check_enum!(data, TokenStatus);
    check_enum!(data, Role);
    check_enum!(data, ResourceRoleKind);
    check_enum!(data, OwnerType);
    check_enum!(data, CreatorType);
    check_enum!(data, SortField);
    check_enum!(data, SortDirection, "ASC" => "asc", "DESC" => "desc");
    check_enum!(data, FilterField);
}
