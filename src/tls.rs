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

/// Every certificate in a PEM text, each parsed as X.509 by the TLS library
/// that will use it, so that a block it could not use fails the build
/// instead of being skipped when the first connection is made.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn certificates(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>> {
    use ureq::tls::PemItem;

    let mut found = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => {
                let n = found.len() + 1;
                if let Err(why) = parse_x509(cert.der()) {
                    return Err(Error::config(format!(
                        "root certificate {n} of the PEM is not a valid X.509 certificate ({why})"
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

/// Parses `der` as rustls will when it builds its root store (webpki's
/// trust-anchor parser: the whole certificate, v1 to v3), and says why it
/// cannot be used.
#[cfg(feature = "rustls")]
fn parse_x509(der: &[u8]) -> std::result::Result<(), String> {
    let der = rustls::pki_types::CertificateDer::from(der);
    rustls::RootCertStore::empty()
        .add(der)
        .map_err(|e| match e {
            // Its Display speaks of a "peer certificate"; this is a root.
            rustls::Error::InvalidCertificate(why) => format!("{why:?}"),
            other => other.to_string(),
        })
}

/// Parses `der` as the platform's TLS library does (OpenSSL, `SChannel` or
/// Security.framework, through native-tls), and says why it cannot be used.
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
fn parse_x509(der: &[u8]) -> std::result::Result<(), String> {
    native_tls::Certificate::from_der(der)
        .map(drop)
        .map_err(|e| e.to_string())
}

#[cfg(all(test, any(feature = "rustls", feature = "native-tls")))]
mod tests {
    use super::*;

    #[test]
    fn pems_without_certificates_are_refused() {
        let err = certificates(b"no pem here").unwrap_err();
        assert!(err.to_string().contains("no CERTIFICATE"), "{err}");
        let junk = b"-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
        let err = certificates(junk).unwrap_err();
        assert!(err.to_string().contains("not a valid X.509"), "{err}");
    }

    #[test]
    fn a_well_framed_sequence_is_not_a_certificate() {
        // SEQUENCE { SEQUENCE {}, SEQUENCE {}, BIT STRING { 0 } }: the outer
        // shape of a certificate, each length exact, and nothing inside.
        let framed = b"-----BEGIN CERTIFICATE-----\nMAcwADAAAwEA\n-----END CERTIFICATE-----\n";
        let err = certificates(framed).unwrap_err();
        assert!(err.to_string().contains("not a valid X.509"), "{err}");
    }
}
