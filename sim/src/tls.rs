//! TLS for the Kubernetes API server (and STS behind a TLS-inspecting proxy): a fresh CA per run and a leaf for
//! `127.0.0.1` and `localhost` signed by it (kube-rs rejects a self-signed
//! leaf), served with rustls on the aws-lc-rs provider only.

use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The CA's PEM (for ca.pem / the kubeconfig) and the server's TLS config.
pub struct ClusterTls {
    /// PEM of the CA certificate.
    pub ca_pem: String,
    /// rustls configuration serving the leaf and the CA as chain.
    pub config: Arc<ServerConfig>,
}

/// Generate the CA and leaf and build the server configuration.
pub fn generate() -> anyhow::Result<ClusterTls> {
    generate_named("eks-sim kubernetes CA")
}

/// Like [`generate`], with a CA of the given common name (what a client
/// that does not trust it reports as the issuer).
pub fn generate_named(ca_name: &str) -> anyhow::Result<ClusterTls> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).context("CA parameters")?;
    ca_params.distinguished_name = name(ca_name);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().context("CA key")?)
        .context("could not sign the CA certificate")?;

    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .context("leaf parameters")?;
    leaf_params.distinguished_name = name("kube-apiserver");
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().context("leaf key")?;
    let leaf = leaf_params
        .signed_by(&leaf_key, &ca)
        .context("could not sign the leaf certificate")?;

    let chain = vec![leaf.der().clone(), CertificateDer::from(ca.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("TLS server certificate")?;
    // HTTP/1.1 only: the hyper server here speaks no HTTP/2.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(ClusterTls {
        ca_pem: ca.pem(),
        config: Arc::new(config),
    })
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}
