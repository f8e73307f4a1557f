//! Secrets that must never be printed: the token that `POST /me/tokens`
//! returns, and the access token the client sends.

use std::fmt;

use serde::{Deserialize, Deserializer};

const REDACTED: &str = "<redacted>";

/// The secret token string returned once, by [`CreateToken`](crate::tokens::CreateToken).
///
/// `Debug` and `Display` print `<redacted>`; the only way to read the value is
/// [`expose_secret`](Self::expose_secret), so that every place that handles the
/// secret says so in the code. It is not serialized either: an
/// [`ApiToken`](crate::schema::ApiToken) written back out as JSON leaves the
/// secret behind.
///
/// ```
/// use losant_rest::schema::SecretToken;
///
/// let secret = SecretToken::new("eyJhbGciOi.secret");
/// assert_eq!(format!("{secret:?}"), "SecretToken(<redacted>)");
/// assert_eq!(secret.to_string(), "<redacted>");
/// assert_eq!(secret.expose_secret(), "eyJhbGciOi.secret");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        SecretToken(secret.into())
    }

    /// The secret itself. Handle it with care: store it, hand it to the
    /// program that needs it, and do not log it.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretToken({REDACTED})")
    }
}

impl fmt::Display for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretToken)
    }
}

/// The client's access token, kept as the ready-made `Authorization` header
/// value so that sending a request does not format it again.
#[derive(Clone)]
pub(crate) struct AccessToken {
    header: std::sync::Arc<str>,
}

impl AccessToken {
    /// The token is trimmed of surrounding whitespace first, so that one
    /// read from a file with its newline works: every way a client gets a
    /// token (`build()`, `from_env()`, `with_access_token()`) comes through
    /// here. A token that still cannot be sent as a header value (one with
    /// a control character inside) is kept as empty, which every request
    /// then reports as a configuration error, without ever echoing the
    /// token.
    pub(crate) fn new(token: &str) -> Self {
        let token = token.trim();
        let sendable = token
            .bytes()
            .all(|b| (b >= 0x20 || b == b'\t') && b != 0x7f);
        let token = if sendable { token } else { "" };
        AccessToken {
            header: format!("Bearer {token}").into(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.header.len() == "Bearer ".len()
    }

    pub(crate) fn authorization(&self) -> &str {
        &self.header
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Replaces the value of every `token` member in a JSON text with
/// `<redacted>`, so that excerpts of response bodies quoted in errors cannot
/// carry the secret that a create call returns.
///
/// In valid JSON it reads string literals as JSON does, so a key spelled
/// with escapes (`"\u0074oken"`) is still a `token` key. Text that is not
/// valid JSON (a body cut short, a broken body) has no reliable notion of
/// what is inside a string, so it is cut before the first place that could
/// start a `token` key: dropping the rest of a broken excerpt is better than
/// showing a secret.
pub(crate) fn redact_json(text: &str) -> String {
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        let cut = [text.find("token\""), text.find("token\\"), text.find("\\u")]
            .into_iter()
            .flatten()
            .min();
        return match cut {
            Some(at) => format!("{}…", &text[..at]),
            None => text.to_owned(),
        };
    }
    let mut out = String::with_capacity(text.len().min(4096));
    let mut rest = text;
    while let Some(at) = rest.find('"') {
        out.push_str(&rest[..at]);
        let Some(len) = string_literal_len(&rest[at..]) else {
            // An unterminated string: it may be a secret cut short.
            out.push_str(&rest[at..].chars().take(1).collect::<String>());
            return out;
        };
        let literal = &rest[at..at + len];
        out.push_str(literal);
        rest = &rest[at + len..];
        if !is_token_key(literal) {
            continue;
        }
        let Some(value) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let value = value.trim_start();
        out.push_str(":\"");
        out.push_str(REDACTED);
        out.push('"');
        match string_literal_len(value) {
            Some(len) if value.starts_with('"') => {
                rest = &value[len..];
                if !matches!(
                    rest.trim_start().chars().next(),
                    None | Some(',' | '}' | ']')
                ) {
                    return out;
                }
            }
            _ => return out,
        }
    }
    out.push_str(rest);
    out
}

/// The length in bytes of the JSON string literal at the start of `text`
/// (which starts with `"`), quotes included; `None` if it never closes.
fn string_literal_len(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Whether a JSON string literal, quotes included, decodes to `token`.
fn is_token_key(literal: &str) -> bool {
    if literal.contains('\\') {
        serde_json::from_str::<String>(literal).is_ok_and(|key| key == "token")
    } else {
        literal == "\"token\""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_token_values() {
        let body = r#"{"id":"a","token" : "s3cr\"et","name":"token"}"#;
        let red = redact_json(body);
        assert!(!red.contains("s3cr"), "{red}");
        assert!(red.contains(r#""name":"token""#), "{red}");
        assert_eq!(redact_json(r#"{"token":"abc"#), r#"{"…"#);
        assert_eq!(redact_json("<p>Invalid token</p>"), "<p>Invalid token</p>");
        assert_eq!(
            redact_json(r#"{"\u0074oken":"abc"}"#),
            r#"{"\u0074oken":"<redacted>"}"#
        );
        // A value that is not followed by `,` or `}` ends the output.
        let red = redact_json(r#"{"token":"a"token":"s3cret"}"#);
        assert!(!red.contains("s3cret"), "{red}");
        let red = redact_json(r#"{"token":"a\"token":"s3cret"}"#);
        assert!(!red.contains("s3cret"), "{red}");
        let red = redact_json(r#"{"token": {"nested": "s3cret"}}"#);
        assert!(!red.contains("s3cret"), "{red}");
        let red = redact_json(r#"{"a": "unterminated, "token": "s3cret"}"#);
        assert!(!red.contains("s3cret"), "{red}");
        assert_eq!(redact_json("no secrets"), "no secrets");
    }

    #[test]
    fn access_token_debug_is_redacted() {
        let t = AccessToken::new("sentinel-123");
        assert_eq!(format!("{t:?}"), "<redacted>");
        assert_eq!(t.authorization(), "Bearer sentinel-123");
    }

    #[test]
    fn access_tokens_are_trimmed_before_they_are_checked() {
        for padded in ["tok\n", "tok\r\n", " \ttok \n"] {
            let t = AccessToken::new(padded);
            assert_eq!(t.authorization(), "Bearer tok", "{padded:?}");
        }
        assert!(AccessToken::new(" \n ").is_empty());
        // A control character inside the token still makes it unusable.
        assert!(AccessToken::new("to\nk").is_empty());
    }
}
