//! Faults: what they do, the queue of [`FakeLosant::fail_next`](super::FakeLosant::fail_next) and the
//! rules of [`FakeLosant::fail_matching`](super::FakeLosant::fail_matching).

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::json;

use super::server::Response;

/// A misbehaviour injected into the answer to a request; see
/// [`FakeLosant::fail_next`](super::FakeLosant::fail_next) and [`FakeLosant::fail_matching`](super::FakeLosant::fail_matching).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with `status` and a Losant error body; the request is not processed.
    #[non_exhaustive]
    Status {
        /// The status code.
        status: u16,
        /// A body replacing the default `{"type":..,"message":..}`.
        body: Option<String>,
        /// Extra response headers.
        headers: Vec<(String, String)>,
    },
    /// Answer with `status` and an HTML gateway error page; not processed.
    #[non_exhaustive]
    Html {
        /// The status code.
        status: u16,
        /// Extra response headers.
        headers: Vec<(String, String)>,
    },
    /// Answer with `status` and an empty body; not processed.
    #[non_exhaustive]
    Empty {
        /// The status code.
        status: u16,
        /// Extra response headers.
        headers: Vec<(String, String)>,
    },
    /// Sleep, then process and answer normally.
    Delay(Duration),
    /// Close the connection without answering; not processed.
    Reset,
    /// Process the request, then close the connection without answering.
    ResetAfterProcessing,
    /// Process the request, then answer with this status and a Losant error
    /// body instead of the real answer, as a gateway that timed out after
    /// the server did the work.
    StatusAfterProcessing(u16),
    /// Process, send the full `Content-Length` but only half the body, then close.
    TruncatedBody,
    /// Send a close-delimited `200` JSON body that never ends; not processed.
    EndlessBody,
    /// Process and answer normally (no `Connection: close`), then close the connection.
    CloseAfterResponse,
}

impl Fault {
    /// Answers with `status` and a Losant error body `{"type":..,"message":..}`;
    /// the request is not processed.
    #[must_use]
    pub fn status(status: u16) -> Fault {
        Fault::Status {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// Adds an extra response header, e.g. `("Retry-After", "1")`. Only
    /// meaningful on [`Fault::status`], [`Fault::html`] and [`Fault::empty`];
    /// other faults are returned unchanged. Defaults to no extra header.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Fault {
        if let Fault::Status { headers, .. }
        | Fault::Html { headers, .. }
        | Fault::Empty { headers, .. } = &mut self
        {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Replaces the body of a [`Fault::status`] fault (sent as given, with
    /// `Content-Type: application/json`); other faults are returned unchanged.
    /// Defaults to a Losant error body for the status.
    #[must_use]
    pub fn with_body(mut self, new_body: impl Into<String>) -> Fault {
        if let Fault::Status { body, .. } = &mut self {
            *body = Some(new_body.into());
        }
        self
    }

    /// Answers with `status` and an HTML gateway error page (`Content-Type: text/html`);
    /// the request is not processed.
    #[must_use]
    pub fn html(status: u16) -> Fault {
        Fault::Html {
            status,
            headers: Vec::new(),
        }
    }

    /// Answers with `status`, an empty body and `Content-Length: 0`; not processed.
    #[must_use]
    pub fn empty(status: u16) -> Fault {
        Fault::Empty {
            status,
            headers: Vec::new(),
        }
    }

    /// Sleeps for `d`, then processes and answers normally.
    #[must_use]
    pub fn delay(d: Duration) -> Fault {
        Fault::Delay(d)
    }

    /// Reads the whole request, then closes the connection without answering;
    /// the request is not processed.
    #[must_use]
    pub fn reset() -> Fault {
        Fault::Reset
    }

    /// Processes the request (state changes!), then closes the connection
    /// without answering: the response was lost.
    #[must_use]
    pub fn reset_after_processing() -> Fault {
        Fault::ResetAfterProcessing
    }

    /// Processes the request (state changes!), then answers with `status`
    /// and a Losant error body instead: a gateway's 504 after the server
    /// made the token, say.
    #[must_use]
    pub fn status_after_processing(status: u16) -> Fault {
        Fault::StatusAfterProcessing(status)
    }

    /// Processes the request, sends the headers with the full `Content-Length`
    /// but only half of the body bytes, then closes the connection.
    #[must_use]
    pub fn truncated_body() -> Fault {
        Fault::TruncatedBody
    }

    /// Answers `200` with `Content-Type: application/json`, no `Content-Length`
    /// and no chunking (close-delimited), then writes `[` followed by `1,`
    /// repeated forever in 8 KiB writes until a write fails (or blocks for 10 s),
    /// 2 GiB were sent or 60 s passed. The request is not processed.
    #[must_use]
    pub fn endless_body() -> Fault {
        Fault::EndlessBody
    }

    /// Processes and answers normally without a `Connection: close` header,
    /// then closes the connection: a pooled keep-alive connection dies while idle.
    #[must_use]
    pub fn close_after_response() -> Fault {
        Fault::CloseAfterResponse
    }
}

fn error_type(status: u16) -> &'static str {
    match status {
        400 => "Validation",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        429 => "TooManyRequests",
        500 => "InternalError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "Error",
    }
}

/// The canned answer of a fault that answers without processing the request.
pub(super) fn fault_response(fault: &Fault) -> Option<Response> {
    let (status, headers, content_type, body, compressible) = match fault {
        Fault::Status {
            status,
            body,
            headers,
        } => {
            let body = body.clone().unwrap_or_else(|| {
                json!({"type": error_type(*status), "message": format!("{} {}", status, crate::text::reason_phrase(*status))}).to_string()
            });
            (*status, headers, Some("application/json"), body, true)
        }
        Fault::Html { status, headers } => {
            let title = format!("{} {}", status, crate::text::reason_phrase(*status));
            let body = format!(
                "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            );
            (*status, headers, Some("text/html"), body, false)
        }
        Fault::Empty { status, headers } => (*status, headers, None, String::new(), false),
        _ => return None,
    };
    let mut all: Vec<(String, String)> = content_type
        .map(|c| ("Content-Type".into(), c.into()))
        .into_iter()
        .collect();
    all.extend(headers.iter().cloned());
    Some(Response {
        status,
        headers: all,
        body: body.into_bytes(),
        compressible,
    })
}

/// The faults waiting for requests.
#[derive(Default)]
pub(super) struct Faults {
    queue: VecDeque<Fault>,
    rules: Vec<Rule>,
}

/// `left` more requests whose method and path match get `fault`.
struct Rule {
    method: String,
    pattern: String,
    left: usize,
    fault: Fault,
}

impl Faults {
    pub(super) fn push_next(&mut self, n: usize, fault: Fault) {
        self.queue.extend(std::iter::repeat_n(fault, n));
    }

    pub(super) fn push_rule(&mut self, method: &str, pattern: &str, n: usize, fault: Fault) {
        if n > 0 {
            self.rules.push(Rule {
                method: method.to_ascii_uppercase(),
                pattern: pattern.to_owned(),
                left: n,
                fault,
            });
        }
    }

    /// The fault for a request: the oldest matching rule wins, so that a
    /// test aimed at one request is not thrown off by unrelated requests
    /// before it; otherwise the head of the queue.
    pub(super) fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let hit = self.rules.iter().position(|r| {
            (r.method == "*" || r.method.eq_ignore_ascii_case(method))
                && path_matches(&r.pattern, path)
        });
        if let Some(i) = hit {
            let rule = &mut self.rules[i];
            rule.left -= 1;
            let fault = rule.fault.clone();
            if rule.left == 0 {
                self.rules.remove(i);
            }
            return Some(fault);
        }
        self.queue.pop_front()
    }
}

/// Matches a path against a glob: `*` stands for any run of characters
/// within one segment (never a `/`), `**` for any run at all; everything
/// else matches itself, case-sensitively. A trailing `/` on either side is
/// ignored.
pub(super) fn path_matches(pattern: &str, path: &str) -> bool {
    fn trim(s: &str) -> &str {
        if s.len() > 1 {
            s.strip_suffix('/').unwrap_or(s)
        } else {
            s
        }
    }
    glob(trim(pattern).as_bytes(), trim(path).as_bytes())
}

fn glob(p: &[u8], t: &[u8]) -> bool {
    match p {
        [] => t.is_empty(),
        [b'*', b'*', rest @ ..] => (0..=t.len()).any(|i| glob(rest, &t[i..])),
        [b'*', rest @ ..] => {
            let segment = t.iter().position(|&c| c == b'/').unwrap_or(t.len());
            (0..=segment).any(|i| glob(rest, &t[i..]))
        }
        [c, rest @ ..] => t.first() == Some(c) && glob(rest, &t[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::{Fault, Faults, path_matches};

    #[test]
    fn globs_match_within_a_segment_or_across_with_two_stars() {
        assert!(path_matches("/me/tokens", "/me/tokens/"));
        assert!(path_matches(
            "/me/tokens/*",
            "/me/tokens/5f1e2d3c4b5a69788796a5b4"
        ));
        assert!(!path_matches("/me/tokens/*", "/me/tokens"));
        assert!(path_matches(
            "/applications/*/tokens",
            "/applications/abc/tokens"
        ));
        assert!(!path_matches("/applications/*", "/applications/abc/tokens"));
        assert!(path_matches(
            "/applications/**",
            "/applications/abc/tokens/x"
        ));
        assert!(path_matches("**", "/anything/at/all"));
        assert!(path_matches("/*/tokens*", "/me/tokens"));
        assert!(!path_matches("/me/Tokens", "/me/tokens"));
    }

    #[test]
    fn rules_come_before_the_queue_and_run_out() {
        let mut f = Faults::default();
        f.push_next(1, Fault::reset());
        f.push_rule("post", "/me/tokens", 2, Fault::status(500));
        assert!(matches!(f.take("GET", "/me/tokens"), Some(Fault::Reset)));
        assert!(f.take("GET", "/me/tokens").is_none());
        assert!(matches!(
            f.take("POST", "/me/tokens"),
            Some(Fault::Status { .. })
        ));
        assert!(matches!(
            f.take("POST", "/me/tokens"),
            Some(Fault::Status { .. })
        ));
        assert!(f.take("POST", "/me/tokens").is_none());
    }
}
