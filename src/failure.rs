//! What a failed attempt means: ureq's failure classified into the
//! client's [`Error`], how far the attempt got ([`Reached`]) and whether the
//! failure is worth another attempt at all ([`Retry`]).
//!
//! The phase is known, not guessed from an I/O error's kind: every failure
//! raised while connecting (the lookup, the TCP connect, a proxy's CONNECT,
//! the TLS handshake) comes out of the client's connector in `lookup.rs`
//! wrapped in [`NotSent`], since nothing of the request has been written
//! then. Any other failure before the answer may come after the request
//! went out. Whether to send again is then decided in `retry.rs`, from these
//! two facts and the request's own retry safety.

use std::fmt;
use std::io;

use crate::error::{Error, TransportKind};
use crate::lookup::LookupFailed;

/// How far an attempt got before it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reached {
    /// Nothing of the request was written: the lookup, the connection or the
    /// TLS handshake failed, or the time-out fired while connecting.
    NotSent,
    /// The connection was made and the request may have been written, in
    /// whole or in part, but no answer arrived.
    MaybeSent,
    /// The answer's status line arrived: the request certainly reached the
    /// server.
    Answered,
}

/// Whether a failure is worth another attempt, if the request and how far
/// it got allow one (`retry.rs` decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// A passing failure: a refused or dropped connection, a failed lookup.
    Transient,
    /// Another attempt would not help: a time-out (the caller's budget is
    /// spent), a TLS failure (it would fail the same way), a broken body
    /// (the server was reached), a protocol error.
    Never,
}

/// A failure raised while connecting, before anything was written: the
/// connector wraps every error it returns in this, and ureq hands it back as
/// the payload of an I/O error.
#[derive(Debug)]
pub(crate) struct NotSent(pub(crate) ureq::Error);

impl NotSent {
    /// `e`, marked as raised before anything was sent.
    pub(crate) fn wrap(e: ureq::Error) -> ureq::Error {
        ureq::Error::Io(io::Error::other(NotSent(e)))
    }
}

impl NotSent {
    /// `e` without any further [`NotSent`] wrapping: the connection to a
    /// proxy goes through the client's connector too, inside the connection
    /// to the target, so its failures come out wrapped twice.
    fn peel(mut e: ureq::Error) -> ureq::Error {
        loop {
            e = match e {
                ureq::Error::Io(io) => match io.downcast::<NotSent>() {
                    Ok(NotSent(inner)) => inner,
                    Err(io) => return ureq::Error::Io(io),
                },
                other => return other,
            };
        }
    }
}

impl fmt::Display for NotSent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "while connecting: {}", self.0)
    }
}

impl std::error::Error for NotSent {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// An attempt that failed: the error for the caller, how far it got, and
/// whether it is worth another.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    pub(crate) reached: Reached,
    pub(crate) retry: Retry,
}

impl Failure {
    /// A failure before the answer's status line, to `host`.
    pub(crate) fn before_response(e: ureq::Error, host: &str) -> Self {
        match e {
            ureq::Error::Io(io) => match io.downcast::<NotSent>() {
                Ok(NotSent(e)) => Failure::connecting(e, host),
                Err(io) => Failure::after_connect(ureq::Error::Io(io), host),
            },
            e => Failure::after_connect(e, host),
        }
    }

    /// A failure while connecting: nothing was sent, whatever its kind.
    fn connecting(e: ureq::Error, host: &str) -> Self {
        let reached = Reached::NotSent;
        let e = match NotSent::peel(e) {
            ureq::Error::Io(io) => match io.downcast::<LookupFailed>() {
                Ok(failed) => {
                    let message =
                        format!("could not connect: could not resolve host {}", failed.host);
                    let error = Error::transport(
                        TransportKind::Connect,
                        reached,
                        message,
                        failed.into_cause(),
                    );
                    return Failure::new(error, reached, Retry::Transient);
                }
                Err(io) => match tls_failure(&io) {
                    Some(why) => return Failure::tls(host, &why),
                    None => ureq::Error::Io(io),
                },
            },
            ureq::Error::Tls(why) => {
                return Failure::tls(host, &format!("the TLS handshake failed: {why}"));
            }
            #[cfg(feature = "native-tls")]
            ureq::Error::NativeTls(why) => {
                return Failure::tls(host, &format!("the TLS handshake failed: {why}"));
            }
            e => e,
        };
        let (kind, retry) = match &e {
            ureq::Error::Timeout(_) => (TransportKind::Timeout, Retry::Never),
            ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => {
                (TransportKind::Timeout, Retry::Never)
            }
            // Refused, unreachable, reset during the handshake: the
            // connection was not made, and a later attempt may make it.
            ureq::Error::Io(_) | ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
                (TransportKind::Connect, Retry::Transient)
            }
            _ => (TransportKind::Other, Retry::Never),
        };
        Failure::new(transport_error(kind, reached, e, host), reached, retry)
    }

    /// A failure once a connection was in hand (new or pooled): the request
    /// may have been written, so even "unreachable" is not a connect failure.
    fn after_connect(e: ureq::Error, host: &str) -> Self {
        let reached = Reached::MaybeSent;
        let (kind, retry) = match &e {
            // ureq raises these before it has a connection at all.
            ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
                let reached = Reached::NotSent;
                let error = transport_error(TransportKind::Connect, reached, e, host);
                return Failure::new(error, reached, Retry::Transient);
            }
            ureq::Error::Timeout(_) => (TransportKind::Timeout, Retry::Never),
            ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => {
                (TransportKind::Timeout, Retry::Never)
            }
            // Reset, closed, unreachable, or a TLS layer's read failure on a
            // kept-alive connection (OpenSSL's "unexpected eof while
            // reading" for a peer that closed it): a dropped connection,
            // which a request that is safe to repeat survives.
            ureq::Error::Io(_) => (TransportKind::Io, Retry::Transient),
            ureq::Error::BodyExceedsLimit(_) => (TransportKind::TooLarge, Retry::Never),
            _ => (TransportKind::Other, Retry::Never),
        };
        Failure::new(transport_error(kind, reached, e, host), reached, retry)
    }

    /// The answer of `status` started, so the request certainly reached the
    /// server; a broken body is never retried. Not for an error answer from
    /// 400 to 499, which stands as the answer it is, whatever became of its
    /// body (see `run.rs`).
    pub(crate) fn in_body(e: ureq::Error, status: u16) -> Self {
        let kind = match &e {
            ureq::Error::Timeout(_) => TransportKind::Timeout,
            ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => TransportKind::Timeout,
            ureq::Error::BodyExceedsLimit(_) => TransportKind::TooLarge,
            _ => TransportKind::Body,
        };
        let reached = Reached::Answered;
        let error = transport_error(kind, reached, e, "").in_answer_of(status);
        Failure::new(error, reached, Retry::Never)
    }

    fn new(error: Error, reached: Reached, retry: Retry) -> Self {
        Failure {
            error,
            reached,
            retry,
        }
    }

    /// A refused certificate or a failed handshake: final, since it would
    /// fail the same way again, and its cause is told in the message.
    fn tls(host: &str, why: &str) -> Self {
        let reached = Reached::NotSent;
        let error = Error::transport(
            TransportKind::Tls,
            reached,
            format!("TLS with {host} failed: {why}"),
            None,
        );
        Failure::new(error, reached, Retry::Never)
    }
}

/// What a TLS failure during the handshake says, when `io` is one: a
/// certificate that is not trusted, has expired, or names another host.
/// Only called for failures while connecting: the same words after the
/// handshake describe a broken connection, not a refused server.
fn tls_failure(io: &io::Error) -> Option<String> {
    #[cfg(feature = "rustls")]
    if let Some(e) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        use rustls::CertificateError as C;
        return Some(match e {
            rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
                "the server's certificate is not trusted (unknown issuer)".to_owned()
            }
            rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
                "the server's certificate has expired".to_owned()
            }
            rustls::Error::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
                "the server's certificate is not valid yet".to_owned()
            }
            rustls::Error::InvalidCertificate(
                C::NotValidForName | C::NotValidForNameContext { .. },
            ) => "the server's certificate is not valid for this host name".to_owned(),
            rustls::Error::InvalidCertificate(other) => {
                format!("the server's certificate was refused ({other:?})")
            }
            other => format!("the TLS handshake failed: {other}"),
        });
    }
    // native-tls reports through OpenSSL, SChannel or Security.framework
    // text. ureq hands a failed native-tls handshake over as its own
    // variant; an I/O error during the handshake is recognised by what it
    // says. A bare I/O error (refused, reset) has no payload and is not one.
    let text = io.get_ref()?.to_string();
    let lower = text.to_ascii_lowercase();
    (lower.contains("certificate") || lower.contains("handshake") || lower.contains("ssl"))
        .then(|| format!("the TLS handshake failed: {text}"))
}

/// The client's error for a ureq failure. The message says what failed; the
/// I/O error beneath, when there is one, is the `source`, so its text is not
/// repeated here.
fn transport_error(kind: TransportKind, reached: Reached, e: ureq::Error, host: &str) -> Error {
    let message = match (&kind, &e) {
        (TransportKind::TooLarge, ureq::Error::BodyExceedsLimit(limit)) => {
            format!("the response body is larger than the limit of {limit} bytes")
        }
        (_, ureq::Error::Io(_)) => match kind {
            TransportKind::Timeout if reached == Reached::NotSent => {
                format!("timed out connecting to {host}")
            }
            TransportKind::Timeout => "timed out".to_owned(),
            TransportKind::Connect => format!("could not connect to {host}"),
            TransportKind::Body => "the response body failed".to_owned(),
            _ => "the connection failed".to_owned(),
        },
        (TransportKind::Timeout, _) if reached == Reached::NotSent => {
            format!("timed out connecting to {host}: {e}")
        }
        (TransportKind::Timeout, _) => format!("timed out: {e}"),
        (TransportKind::Connect, _) => format!("could not connect to {host}: {e}"),
        (TransportKind::Body, _) => format!("the response body failed: {e}"),
        _ => format!("the request failed: {e}"),
    };
    let source = match e {
        ureq::Error::Io(io) => Some(io),
        _ => None,
    };
    Error::transport(kind, reached, message, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(kind: io::ErrorKind) -> ureq::Error {
        ureq::Error::Io(io::Error::from(kind))
    }

    #[test]
    fn unreachable_after_connecting_is_not_a_connect_failure() {
        for kind in [
            io::ErrorKind::HostUnreachable,
            io::ErrorKind::NetworkUnreachable,
            io::ErrorKind::AddrNotAvailable,
        ] {
            let after = Failure::before_response(io(kind), "h");
            assert!(!after.error.is_connect(), "{kind:?}: {:?}", after.error);
            assert!(after.error.may_have_been_applied(), "{kind:?}");
            assert_eq!(after.reached, Reached::MaybeSent);
            assert_eq!(after.retry, Retry::Transient);

            let before = Failure::before_response(NotSent::wrap(io(kind)), "h");
            assert!(before.error.is_connect(), "{kind:?}: {:?}", before.error);
            assert!(!before.error.may_have_been_applied(), "{kind:?}");
            assert_eq!(before.reached, Reached::NotSent);
            assert_eq!(before.retry, Retry::Transient);
        }
    }

    #[test]
    fn tls_words_after_the_handshake_are_a_dropped_connection() {
        // What OpenSSL (through native-tls) says when a peer closed a
        // kept-alive connection.
        let eof = || {
            ureq::Error::Io(io::Error::other(
                "error:0A000126:SSL routines:ssl3_read_n:unexpected eof while reading",
            ))
        };
        let after = Failure::before_response(eof(), "h");
        assert!(!after.error.is_tls(), "{:?}", after.error);
        assert_eq!(after.reached, Reached::MaybeSent);
        assert_eq!(after.retry, Retry::Transient, "a GET may go again");

        // The same words during the handshake are a TLS failure: final,
        // and nothing was sent.
        let during = Failure::before_response(NotSent::wrap(eof()), "h");
        assert!(during.error.is_tls(), "{:?}", during.error);
        assert!(!during.error.may_have_been_applied());
        assert_eq!(during.retry, Retry::Never);

        let handshake = Failure::before_response(NotSent::wrap(ureq::Error::Tls("bad")), "h");
        assert!(handshake.error.is_tls());
        // ... while a plain refusal in the same phase is not.
        let refused =
            Failure::before_response(NotSent::wrap(io(io::ErrorKind::ConnectionRefused)), "h");
        assert!(refused.error.is_connect() && !refused.error.is_tls());
    }

    #[test]
    fn time_outs_by_phase() {
        let connecting = Failure::before_response(
            NotSent::wrap(ureq::Error::Timeout(ureq::Timeout::Connect)),
            "h",
        );
        assert!(connecting.error.is_timeout());
        assert!(!connecting.error.may_have_been_applied());
        assert_eq!(connecting.retry, Retry::Never);

        let waiting = Failure::before_response(ureq::Error::Timeout(ureq::Timeout::Global), "h");
        assert!(waiting.error.is_timeout());
        assert!(waiting.error.may_have_been_applied());
        assert_eq!(waiting.retry, Retry::Never);

        let body = Failure::in_body(io(io::ErrorKind::TimedOut), 200);
        assert!(body.error.is_timeout() && body.error.may_have_been_applied());
        assert_eq!(body.error.status(), Some(200));
        assert_eq!(body.reached, Reached::Answered);
    }

    #[test]
    fn a_proxys_failures_wrapped_twice_are_told_as_they_are() {
        let twice = |e| NotSent::wrap(NotSent::wrap(e));
        let f = Failure::before_response(twice(ureq::Error::Timeout(ureq::Timeout::Connect)), "h");
        assert!(f.error.is_timeout(), "{:?}", f.error);
        assert_eq!(f.retry, Retry::Never);
        let failed = LookupFailed::new("proxy.test", None);
        let f = Failure::before_response(twice(ureq::Error::Io(io::Error::other(failed))), "h");
        assert!(f.error.is_connect(), "{:?}", f.error);
        assert!(f.error.to_string().contains("proxy.test"), "{}", f.error);
        let f = Failure::before_response(twice(ureq::Error::Tls("bad")), "h");
        assert!(f.error.is_tls(), "{:?}", f.error);
    }

    #[test]
    fn a_failed_lookup_sent_nothing() {
        let failed = LookupFailed::new("nowhere.test", None);
        let f = Failure::before_response(
            NotSent::wrap(ureq::Error::Io(io::Error::other(failed))),
            "h",
        );
        assert!(f.error.is_connect());
        assert!(!f.error.may_have_been_applied());
        assert_eq!(f.retry, Retry::Transient);
    }
}
