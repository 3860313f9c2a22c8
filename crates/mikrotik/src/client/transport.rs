//! Opening the byte stream to a router: plain TCP (8728) or TLS (8729) with CA or pin checks.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::error::{Error, Result};

/// A bidirectional byte stream (TCP or TLS over TCP).
pub trait AsyncIo: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> AsyncIo for T {}

/// How the router's certificate is checked. Verification is always on; pinning a
/// self-signed certificate is an explicit, separate choice.
#[derive(Clone, PartialEq, Eq)]
pub enum TlsVerify {
    /// Standard WebPKI verification against these CA certificates (DER), with host name check.
    Roots(Vec<CertificateDer<'static>>),
    /// Accept exactly the certificate whose SHA-256 (of its DER) is this value. Used for
    /// routers with their own self-signed certificate.
    PinnedSha256([u8; 32]),
}

impl std::fmt::Debug for TlsVerify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsVerify::Roots(r) => write!(f, "Roots({} certificates)", r.len()),
            TlsVerify::PinnedSha256(p) => write!(f, "PinnedSha256({})", hex::encode(p)),
        }
    }
}

/// TLS settings for the API-SSL service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub verify: TlsVerify,
    /// Name to verify and send as SNI; defaults to the host.
    pub server_name: Option<String>,
}

impl TlsOptions {
    /// Pins a certificate by its SHA-256 fingerprint, given as hex (colons allowed).
    pub fn pinned(fingerprint_hex: &str) -> Result<Self> {
        let clean: String = fingerprint_hex.chars().filter(|c| *c != ':').collect();
        let bytes = hex::decode(clean).map_err(|e| Error::Tls(format!("bad fingerprint: {e}")))?;
        let pin: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::Tls("fingerprint must be 32 bytes (SHA-256)".into()))?;
        Ok(Self {
            verify: TlsVerify::PinnedSha256(pin),
            server_name: None,
        })
    }

    /// Verifies against the given CA certificates.
    pub fn with_roots(roots: Vec<CertificateDer<'static>>) -> Self {
        Self {
            verify: TlsVerify::Roots(roots),
            server_name: None,
        }
    }
}

/// SHA-256 fingerprint of a DER certificate, lowercase hex.
pub fn fingerprint_sha256(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub(crate) async fn open(
    host: &str,
    port: u16,
    tls: Option<&TlsOptions>,
) -> Result<Box<dyn AsyncIo>> {
    let tcp = TcpStream::connect((host, port)).await?;
    // Commands are small and latency-bound; Nagle would delay pipelined writes.
    tcp.set_nodelay(true)?;
    let Some(tls) = tls else {
        return Ok(Box::new(tcp));
    };
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?;
    let config = match &tls.verify {
        TlsVerify::Roots(roots) => {
            let mut store = rustls::RootCertStore::empty();
            for r in roots {
                store
                    .add(r.clone())
                    .map_err(|e| Error::Tls(e.to_string()))?;
            }
            builder.with_root_certificates(store).with_no_client_auth()
        }
        TlsVerify::PinnedSha256(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedVerifier {
                pin: *pin,
                algs: provider.signature_verification_algorithms,
            }))
            .with_no_client_auth(),
    };
    let name = tls.server_name.as_deref().unwrap_or(host).to_owned();
    let server_name = ServerName::try_from(name).map_err(|e| Error::Tls(e.to_string()))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let stream = connector
        .connect(server_name, tcp)
        .await
        .map_err(|e| Error::Tls(e.to_string()))?;
    Ok(Box::new(stream))
}

/// Accepts one certificate by fingerprint, but still checks the handshake signatures so the
/// peer must hold the pinned certificate's private key.
#[derive(Debug)]
struct PinnedVerifier {
    pin: [u8; 32],
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let got: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if got == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "certificate fingerprint {} does not match the pinned one",
                hex::encode(got)
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}
