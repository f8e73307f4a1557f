//! HTTPS: the fake's TLS server side (rustls), with an embedded test PKI.
//!
//! The certificate the fake serves names `localhost`, `api.losant.test` and
//! `127.0.0.1` and is signed by the "losant-rest test CA"
//! ([`FakeLosant::ca_pem`](super::FakeLosant::ca_pem)). The keys are public
//! test material (`tests/pki/make-pki.sh` made them); never trust this CA
//! outside tests.

use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::server::Transport;

/// The test CA, PEM.
pub(super) const CA_PEM: &str = include_str!("pki/ca.pem");
/// The served chain: the server certificate, then the CA.
const SERVER_PEM: &str = include_str!("pki/server.pem");
const SERVER_KEY: &str = include_str!("pki/server.key");

/// How long a client may take to complete a handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl Transport for StreamOwned<ServerConnection, TcpStream> {
    fn socket(&self) -> &TcpStream {
        &self.sock
    }
}

fn invalid(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"))
}

/// A server configuration for `identity` (a PEM certificate chain, leaf
/// first, and a PEM private key), or for the embedded test certificate.
pub(super) fn server_config(identity: Option<(&str, &str)>) -> io::Result<Arc<ServerConfig>> {
    let (chain, key) = identity.unwrap_or((SERVER_PEM, SERVER_KEY));
    let certs = CertificateDer::pem_slice_iter(chain.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid("TLS certificate chain", e))?;
    if certs.is_empty() {
        return Err(invalid("TLS certificate chain", "no CERTIFICATE block"));
    }
    let key =
        PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|e| invalid("TLS private key", e))?;
    // An explicit provider: the process-wide default may be unset, or
    // ambiguous when another crate enables a second one.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("TLS versions", e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid("TLS identity", e))?;
    Ok(Arc::new(config))
}

/// Completes the server handshake; `None` (and the socket closed) if it fails.
pub(super) fn accept(
    config: &Arc<ServerConfig>,
    mut sock: TcpStream,
) -> Option<StreamOwned<ServerConnection, TcpStream>> {
    let mut conn = ServerConnection::new(Arc::clone(config)).ok()?;
    let _ = sock.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
    while conn.is_handshaking() {
        if conn.complete_io(&mut sock).is_err() {
            // Let the client read the alert before the socket goes.
            let _ = conn.write_tls(&mut sock);
            let _ = sock.shutdown(Shutdown::Both);
            return None;
        }
    }
    let _ = sock.set_read_timeout(None);
    Some(StreamOwned::new(conn, sock))
}
