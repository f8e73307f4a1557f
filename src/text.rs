//! Readable text from whatever a server sends: reason phrases, and short,
//! single-line, redacted excerpts of bodies (HTML tags dropped), for error
//! messages and for the fake's own answers.

use crate::secret::redact_json;

/// The standard reason phrase of a status, or its class for a rare one.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or(match status {
            _ if status < 400 => "Unknown",
            _ if status < 500 => "Client Error",
            _ => "Server Error",
        })
}

/// A message for an error body that is not a Losant error: the reason phrase,
/// plus a short, single-line excerpt of the body when it has text.
pub(crate) fn fallback_message(status: u16, body: &[u8]) -> String {
    let reason = reason_phrase(status);
    let text = excerpt(body, 120);
    if text.is_empty() {
        format!("{reason} (empty body)")
    } else {
        format!("{reason}: {text}")
    }
}

/// At most `max` characters of a body, lossily decoded, secrets redacted,
/// whitespace folded to single spaces and HTML tags dropped.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    // Redact before anything else changes the text, so that folding or tag
    // stripping cannot hide a `"token"` member from the redaction.
    let text = redact_json(&String::from_utf8_lossy(&body[..body.len().min(max * 4)]));
    let mut out = String::new();
    let mut in_tag = false;
    let mut last_space = true;
    let html = text.trim_start().starts_with('<');
    for c in text.chars() {
        if html && c == '<' {
            in_tag = true;
            continue;
        }
        if in_tag {
            in_tag = c != '>';
            if !in_tag && !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.push(c);
            last_space = false;
        }
        if out.chars().count() >= max {
            out.push('…');
            break;
        }
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_bounded_and_redacted() {
        let long = "x".repeat(10_000);
        assert!(excerpt(long.as_bytes(), 50).chars().count() <= 51);
        assert!(!excerpt(br#"{"token":"hunter2"}"#, 50).contains("hunter2"));
    }

    #[test]
    fn html_is_stripped_and_whitespace_folded() {
        assert_eq!(
            excerpt(b"<html><h1>502 Bad\n\n Gateway</h1></html>", 50),
            "502 Bad Gateway"
        );
        assert_eq!(fallback_message(413, b""), "Payload Too Large (empty body)");
        assert_eq!(reason_phrase(599), "Server Error");
        assert_eq!(reason_phrase(450), "Client Error");
    }
}
