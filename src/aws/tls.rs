//! Extra root certificates for AWS endpoints: `AWS_CA_BUNDLE`, else the
//! profile's `ca_bundle`, honoured as the AWS CLI honours them (behind a
//! proxy that inspects TLS, nothing verifies without the proxy's CA).
//!
//! The bundle is read once, bounded, and checked here, so a bad file is one
//! clear error instead of a panic deep in the HTTP stack. It is added to the
//! platform's roots (not in place of them) for every SDK client
//! ([`sdk_http_client`]) and for `why`'s own STS request
//! ([`recording_client_config`], which also remembers the issuer of a
//! certificate that failed verification, for `aws-tls-untrusted`).

use crate::aws::Env;
use aws_config::profile::Profile;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The variable the AWS CLI and SDKs read.
pub const CA_BUNDLE_VAR: &str = "AWS_CA_BUNDLE";
/// A CA bundle larger than this is not a CA bundle (the Mozilla set is ~220 KiB).
const MAX_BUNDLE_BYTES: u64 = 4 * 1024 * 1024;

/// A checked CA bundle.
#[derive(Clone)]
pub struct CaBundle {
    /// The file.
    pub path: PathBuf,
    /// Where its name came from (`AWS_CA_BUNDLE`, `ca_bundle of profile "p"`).
    pub origin: String,
    pem: Vec<u8>,
    ders: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaBundle")
            .field("path", &self.path)
            .field("certificates", &self.ders.len())
            .finish()
    }
}

/// Why the CA bundle cannot be used (exit 1 with this paragraph).
#[derive(Debug, thiserror::Error)]
#[error(
    "could not use the CA bundle {path} (named by {origin}): {cause}. Point {origin} at a PEM \
     file of CA certificates (your proxy's or company's root CA), or unset it"
)]
pub struct CaBundleError {
    pub path: String,
    pub origin: String,
    pub cause: String,
}

/// Which bundle applies: `AWS_CA_BUNDLE` first, then the profile's
/// `ca_bundle` (the AWS CLI's order). `~/` is expanded.
pub fn configured(env: &Env, profile: Option<&Profile>) -> Option<(PathBuf, String)> {
    if let Some(p) = env.get(CA_BUNDLE_VAR) {
        return Some((expand(&p), CA_BUNDLE_VAR.to_string()));
    }
    let p = profile?;
    let v = p.get("ca_bundle").filter(|v| !v.trim().is_empty())?;
    Some((
        expand(v.trim()),
        format!("ca_bundle of profile {:?}", p.name()),
    ))
}

fn expand(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), crate::platform::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(p),
    }
}

/// Reads and checks the configured bundle; `Ok(None)` when none is configured.
pub fn load(env: &Env, profile: Option<&Profile>) -> Result<Option<CaBundle>, CaBundleError> {
    let Some((path, origin)) = configured(env, profile) else {
        return Ok(None);
    };
    let fail = |cause: String| CaBundleError {
        path: path.display().to_string(),
        origin: origin.clone(),
        cause,
    };
    let pem = read_bounded(&path).map_err(fail)?;
    let ders = parse(&pem).map_err(fail)?;
    Ok(Some(CaBundle {
        path,
        origin,
        pem,
        ders,
    }))
}

/// A regular file, at most [`MAX_BUNDLE_BYTES`] (a FIFO or device would hang
/// or never end).
fn read_bounded(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    file.take(MAX_BUNDLE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(format!(
            "larger than {} MiB",
            MAX_BUNDLE_BYTES / 1024 / 1024
        ));
    }
    Ok(buf)
}

/// The certificates of a PEM bundle, each one usable as a trust anchor.
fn parse(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let ders = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not valid PEM ({e})"))?;
    if ders.is_empty() {
        return Err("it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    let mut store = RootCertStore::empty();
    for (i, d) in ders.iter().enumerate() {
        store
            .add(d.clone())
            .map_err(|e| format!("certificate {} is not usable as a CA: {e}", i + 1))?;
    }
    Ok(ders)
}

/// The SDK's HTTPS client (rustls on aws-lc, as the SDK's default) trusting
/// the platform's roots plus the bundle's.
pub fn sdk_http_client(bundle: &CaBundle) -> Result<SharedHttpClient, CaBundleError> {
    let ctx = TlsContext::builder()
        .with_trust_store(TrustStore::default().with_pem_certificate(bundle.pem.clone()))
        .build()
        .map_err(|e| CaBundleError {
            path: bundle.path.display().to_string(),
            origin: bundle.origin.clone(),
            cause: crate::aws::error_causes(&e),
        })?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(ctx)
        .build_https())
}

/// The issuer of a certificate that failed verification, once seen.
pub type SeenIssuer = Arc<Mutex<Option<String>>>;

/// A rustls client configuration trusting the platform's roots plus the
/// bundle's, whose verifier writes the failing certificate's issuer into
/// `seen`.
pub fn recording_client_config(
    bundle: Option<&CaBundle>,
    seen: SeenIssuer,
) -> Result<rustls::ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(native_roots().iter().cloned());
    for d in bundle.map(|b| b.ders.clone()).unwrap_or_default() {
        roots.add(d).map_err(|e| e.to_string())?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("no usable root certificates: {e}"))?;
    let verifier = Recording { inner, seen };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// The platform's root certificates, loaded once per process (loading
/// them takes longer than an STS call, and `why --all-contexts` asks STS
/// for every context).
fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: std::sync::OnceLock<Vec<CertificateDer<'static>>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// The issuer's distinguished name of a DER certificate (`CN=..., O=...`).
pub fn issuer_of(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(cert.issuer().to_string())
}

/// WebPKI verification that remembers who issued a rejected certificate.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    seen: SeenIssuer,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let r = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if r.is_err()
            && let Ok(mut s) = self.seen.lock()
        {
            *s = issuer_of(end_entity).or_else(|| Some("(unreadable)".into()));
        }
        r
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Who issued the certificate `url`'s server shows, when it does not verify
/// against the platform's roots plus `ca`: one TLS handshake, bounded by
/// `timeout`, nothing sent. None when it verifies or cannot be reached.
pub async fn probe_issuer(
    url: &str,
    ca: Option<&CaBundle>,
    timeout: std::time::Duration,
) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    if uri.scheme_str() != Some("https") {
        return None;
    }
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(443);
    let seen = SeenIssuer::default();
    let config = recording_client_config(ca, seen.clone()).ok()?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from(host.to_string()).ok()?;
    let handshake = async {
        let tcp = tokio::net::TcpStream::connect((host, port)).await.ok()?;
        connector.connect(name, tcp).await.ok()
    };
    let _ = tokio::time::timeout(timeout, handshake).await;
    seen.lock().ok()?.clone()
}

/// True when an error's text says TLS certificate verification failed.
pub fn is_verification_failure(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("invalid peer certificate")
        || t.contains("unknownissuer")
        || t.contains("certificate verify failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox_file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("ca.pem");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn env_beats_the_profile_and_empty_is_unset() {
        let mut props = std::collections::HashMap::new();
        props.insert(
            "ca_bundle".to_string(),
            aws_config::profile::Property::new("ca_bundle".into(), "/p.pem".into()),
        );
        let prof = Profile::new("corp", props);
        let env = Env::from_pairs(&[(CA_BUNDLE_VAR, "/e.pem")]);
        assert_eq!(
            configured(&env, Some(&prof)),
            Some((PathBuf::from("/e.pem"), CA_BUNDLE_VAR.into()))
        );
        let (path, origin) = configured(&Env::from_pairs(&[(CA_BUNDLE_VAR, "")]), Some(&prof))
            .expect("the profile's");
        assert_eq!(path, PathBuf::from("/p.pem"));
        assert!(origin.contains("corp"), "{origin}");
        assert_eq!(configured(&Env::from_pairs(&[]), None), None);
    }

    #[test]
    fn a_bad_bundle_is_one_clear_error() {
        let (_d, missing) = sandbox_file("");
        let cases = [
            ("no certificate", "hello\n", "no PEM certificate"),
            (
                "broken base64",
                "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
                "PEM",
            ),
        ];
        for (name, text, want) in cases {
            let (_d, p) = sandbox_file(text);
            let env = Env::from_pairs(&[(CA_BUNDLE_VAR, p.to_str().unwrap())]);
            let e = load(&env, None).unwrap_err().to_string();
            assert!(
                e.contains(want) && e.contains("AWS_CA_BUNDLE"),
                "{name}: {e}"
            );
        }
        let gone = missing.with_file_name("gone.pem");
        let env = Env::from_pairs(&[(CA_BUNDLE_VAR, gone.to_str().unwrap())]);
        let e = load(&env, None).unwrap_err().to_string();
        assert!(e.starts_with("could not use the CA bundle"), "{e}");
        let dir = Env::from_pairs(&[(CA_BUNDLE_VAR, "/")]);
        assert!(
            load(&dir, None)
                .unwrap_err()
                .to_string()
                .contains("not a regular file")
        );
    }

    #[test]
    fn verification_failures_are_recognised() {
        assert!(is_verification_failure(
            "error trying to connect: invalid peer certificate: UnknownIssuer"
        ));
        assert!(!is_verification_failure("connection refused"));
    }
}
