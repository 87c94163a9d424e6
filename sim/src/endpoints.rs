//! DIR/endpoints.json, the simulator's published interface: the URL of every
//! service, the CA file and the pid. Written atomically (temporary file, then
//! rename) once every listener is bound, so its presence means "ready".

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

/// File name inside the state directory.
pub const FILE_NAME: &str = "endpoints.json";

/// The content of endpoints.json.
#[derive(Debug, Serialize)]
pub struct Endpoints {
    /// STS base URL.
    pub sts: String,
    /// SSO portal base URL.
    pub sso: String,
    /// SSO OIDC base URL.
    pub sso_oidc: String,
    /// EKS API base URL.
    pub eks: String,
    /// IAM base URL.
    pub iam: String,
    /// Kubernetes API server URL (https).
    pub kube: String,
    /// Path of the CA that signed the Kubernetes server's certificate.
    pub ca_file: PathBuf,
    /// The simulator's process id.
    pub pid: u32,
    /// Fault: a port that accepts connections and never answers.
    pub hang: String,
    /// Fault: a port nothing listens on (connections are refused).
    pub closed: String,
    /// Fault: the API server with a certificate from another CA.
    pub kube_wrong_ca: String,
    /// STS over https with a certificate from a CA clients do not trust
    /// (what a TLS-inspecting proxy looks like); trust it with `aws_ca_file`.
    pub sts_tls: String,
    /// The SSO portal over https with a certificate from the same CA.
    pub sso_tls: String,
    /// Path of the CA that signed `sts_tls`'s certificate (for AWS_CA_BUNDLE).
    pub aws_ca_file: PathBuf,
}

/// Write `endpoints` to DIR/endpoints.json atomically.
pub fn write(dir: &Path, endpoints: &Endpoints) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(endpoints).context("could not encode endpoints")?;
    write_atomically(&dir.join(FILE_NAME), json.as_bytes())
}

/// Write a file by writing a temporary sibling and renaming it over.
pub fn write_atomically(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, data).with_context(|| format!("could not write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("could not rename to {}", path.display()))
}
