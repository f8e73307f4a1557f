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
    /// A token that cannot be sent as a header value (one with a control
    /// character) is kept as empty, which every request then reports as a
    /// configuration error, without ever echoing the token.
    pub(crate) fn new(token: &str) -> Self {
        let sendable = token
            .bytes()
            .all(|b| (b >= 0x20 || b == b'\t') && b != 0x7f);
        let token = if sendable { token.trim() } else { "" };
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

/// Replaces the value of every `"token": "..."` member in a JSON text with
/// `<redacted>`, so that excerpts of response bodies quoted in errors cannot
/// carry the secret that a create call returns.
pub(crate) fn redact_json(text: &str) -> String {
    const KEY: &str = "\"token\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(KEY) {
        let (head, tail) = rest.split_at(at + KEY.len());
        out.push_str(head);
        let after_colon = tail.trim_start().strip_prefix(':').map(str::trim_start);
        match after_colon.and_then(|v| v.strip_prefix('"')) {
            Some(value) => {
                out.push_str(":\"");
                out.push_str(REDACTED);
                // Skip to the closing quote, honouring escapes; if the text
                // ends first (a cut excerpt), drop the remainder entirely.
                let mut escaped = false;
                let mut end = None;
                for (i, c) in value.char_indices() {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                match end {
                    Some(i) => {
                        out.push('"');
                        rest = &value[i + 1..];
                    }
                    None => return out,
                }
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
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
        assert_eq!(redact_json(r#"{"token":"abc"#), r#"{"token":"<redacted>"#);
        assert_eq!(redact_json("no secrets"), "no secrets");
    }

    #[test]
    fn access_token_debug_is_redacted() {
        let t = AccessToken::new("sentinel-123");
        assert_eq!(format!("{t:?}"), "<redacted>");
        assert_eq!(t.authorization(), "Bearer sentinel-123");
    }
}
