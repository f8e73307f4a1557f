//! Which certificates the client trusts: the built-in roots (Mozilla's or
//! the platform's) and any CA certificates added with
//! [`ClientBuilder::add_root_certificates`](crate::ClientBuilder::add_root_certificates).

use std::fmt;

use ureq::config::ConfigBuilder;
use ureq::typestate::AgentScope;

use crate::error::{Error, Result};

/// The built-in roots that server certificates are checked against; see
/// [`ClientBuilder::root_store`](crate::ClientBuilder::root_store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RootStore {
    /// Mozilla's root certificates, bundled with the crate: the same on
    /// every machine, and independent of the machine's configuration.
    Mozilla,
    /// The operating system's certificate store, where administrators
    /// install their organisation's CAs. With `rustls` it needs the
    /// `platform-verifier` feature; with `native-tls` it is the default.
    Platform,
}

/// What the builder collected; checked and turned into ureq's settings by
/// [`TlsSettings::build`].
#[derive(Clone, Default)]
pub(crate) struct TlsSettings {
    pub(crate) store: Option<RootStore>,
    pems: Vec<Vec<u8>>,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("store", &self.store)
            .field("added_pems", &self.pems.len())
            .finish()
    }
}

impl TlsSettings {
    pub(crate) fn add_pem(&mut self, pem: &[u8]) {
        self.pems.push(pem.to_vec());
    }

    /// Sets up the agent's TLS; in a build without TLS, refuses any TLS
    /// setting.
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    pub(crate) fn apply(
        &self,
        config: ConfigBuilder<AgentScope>,
    ) -> Result<ConfigBuilder<AgentScope>> {
        if self.store.is_some() || !self.pems.is_empty() {
            return Err(Error::config(
                "TLS settings need a TLS feature (`rustls` or `native-tls`)",
            ));
        }
        Ok(config)
    }

    /// Sets up the agent's TLS: the provider the features give, and the
    /// roots.
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    pub(crate) fn apply(
        &self,
        config: ConfigBuilder<AgentScope>,
    ) -> Result<ConfigBuilder<AgentScope>> {
        use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

        let provider = if cfg!(feature = "rustls") {
            TlsProvider::Rustls
        } else {
            TlsProvider::NativeTls
        };
        let added = self
            .pems
            .iter()
            .map(|pem| certificates(pem))
            .collect::<Result<Vec<_>>>()?
            .concat();
        let default_store = if cfg!(feature = "rustls") || !added.is_empty() {
            RootStore::Mozilla
        } else {
            RootStore::Platform
        };
        let roots = match (self.store.unwrap_or(default_store), added.is_empty()) {
            (RootStore::Mozilla, true) => RootCerts::WebPki,
            (RootStore::Mozilla, false) => {
                let mozilla = webpki_root_certs::TLS_SERVER_ROOT_CERTS
                    .iter()
                    .map(|der| Certificate::from_der(der.as_ref()));
                RootCerts::new_with_certs(&mozilla.chain(added).collect::<Vec<_>>())
            }
            (RootStore::Platform, false) => {
                return Err(Error::config(
                    "added root certificates cannot be combined with the platform's store \
                     (the client cannot extend it): use RootStore::Mozilla, or install the CA \
                     in the platform's store",
                ));
            }
            (RootStore::Platform, true) => {
                if cfg!(all(feature = "rustls", not(feature = "platform-verifier"))) {
                    return Err(Error::config(
                        "RootStore::Platform with rustls needs the `platform-verifier` feature",
                    ));
                }
                RootCerts::PlatformVerifier
            }
        };
        Ok(config.tls_config(
            TlsConfig::builder()
                .provider(provider)
                .root_certs(roots)
                .build(),
        ))
    }
}

/// Every certificate in a PEM text, each checked to be X.509.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn certificates(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>> {
    use ureq::tls::PemItem;

    let mut found = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => {
                let n = found.len() + 1;
                if !is_x509(cert.der()) {
                    return Err(Error::config(format!(
                        "root certificate {n} of the PEM is not a valid X.509 certificate"
                    )));
                }
                found.push(cert);
            }
            // Keys and other blocks are no business of a root store.
            Ok(_) => {}
            Err(e) => {
                return Err(Error::config(format!(
                    "the root certificate PEM cannot be read: {e}"
                )));
            }
        }
    }
    if found.is_empty() {
        return Err(Error::config(
            "the root certificate PEM holds no CERTIFICATE block",
        ));
    }
    Ok(found)
}

/// Whether `der` has the shape of an X.509 certificate: a SEQUENCE of the
/// to-be-signed SEQUENCE, the signature algorithm SEQUENCE and the
/// signature BIT STRING, each length exact. The fields inside are left to
/// the TLS library, which skips a root it cannot use.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn is_x509(der: &[u8]) -> bool {
    let Some((0x30, body, [])) = der_element(der) else {
        return false;
    };
    let Some((0x30, _tbs, rest)) = der_element(body) else {
        return false;
    };
    let Some((0x30, _alg, rest)) = der_element(rest) else {
        return false;
    };
    matches!(der_element(rest), Some((0x03, _, [])))
}

/// The tag, contents and remainder of the DER element at the start of
/// `der`; `None` when it is cut short or its length is not DER's.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn der_element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (bytes, after) = rest.split_at(n);
        rest = after;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

#[cfg(all(test, any(feature = "rustls", feature = "native-tls")))]
mod tests {
    use super::*;

    #[test]
    fn der_shapes() {
        assert!(!is_x509(b""));
        assert!(!is_x509(&[0x30, 0x03, 0x02, 0x01, 0x00]));
        // SEQUENCE { SEQUENCE {}, SEQUENCE {}, BIT STRING { 0 } }
        assert!(is_x509(&[
            0x30, 0x07, 0x30, 0x00, 0x30, 0x00, 0x03, 0x01, 0x00
        ]));
        // A trailing byte after the certificate.
        assert!(!is_x509(&[
            0x30, 0x07, 0x30, 0x00, 0x30, 0x00, 0x03, 0x01, 0x00, 0x00
        ]));
        // A length that runs past the end.
        assert!(!is_x509(&[0x30, 0x82, 0xff, 0xff, 0x30]));
    }

    #[test]
    fn pems_without_certificates_are_refused() {
        let err = certificates(b"no pem here").unwrap_err();
        assert!(err.to_string().contains("no CERTIFICATE"), "{err}");
        let junk = b"-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
        let err = certificates(junk).unwrap_err();
        assert!(err.to_string().contains("not a valid X.509"), "{err}");
    }
}
