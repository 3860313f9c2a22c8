//! A fresh self-signed certificate per simulated router, as a factory-fresh router has.

use std::sync::Arc;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use super::SimError;
use crate::client::fingerprint_sha256;

/// Builds an acceptor and returns it with the certificate's SHA-256 fingerprint (hex).
pub(crate) fn self_signed_acceptor() -> Result<(TlsAcceptor, String), SimError> {
    let err = |e: &dyn std::fmt::Display| SimError::Config(format!("TLS setup: {e}"));
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .map_err(|e| err(&e))?;
    let cert = ck.cert.der().clone();
    let fingerprint = fingerprint_sha256(&cert);
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(crate::client::transport::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| err(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| err(&e))?;
    Ok((TlsAcceptor::from(Arc::new(config)), fingerprint))
}
