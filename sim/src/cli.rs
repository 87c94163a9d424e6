//! Command-line definition of `eks-sim`. The help text lives here.

use std::path::PathBuf;

use clap::Parser;

/// A local simulator of AWS STS, the SSO portal, the EKS and IAM APIs and an
/// EKS Kubernetes API server that checks tokens like aws-iam-authenticator.
///
/// It binds every service on 127.0.0.1 with an OS-assigned port, then writes
/// DIR/endpoints.json and DIR/ca.pem, and serves until SIGTERM or SIGINT.
///
/// Example: eks-sim --fixture sim/fixtures/example.yaml --state-dir /tmp/sim
#[derive(Debug, Parser)]
#[command(name = "eks-sim", version)]
pub struct Args {
    /// The fixture (YAML) describing accounts, credentials and the cluster.
    ///
    /// See sim/README.md for its format; sim/fixtures/example.yaml is a
    /// complete example.
    #[arg(long, value_name = "FILE.yaml")]
    pub fixture: PathBuf,

    /// Directory where endpoints.json and ca.pem are written.
    ///
    /// Created if missing. endpoints.json appears (atomically) only once
    /// every listener is bound, so its presence means "ready".
    #[arg(long, value_name = "DIR")]
    pub state_dir: PathBuf,

    /// Shift the simulator's clock by this many seconds (overrides the
    /// fixture's clock_offset_seconds).
    ///
    /// Every time check (token age, signature dates, credential expiry) and
    /// every `Date` header uses the shifted clock. Example: --clock-offset -600
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    pub clock_offset: Option<i64>,
}
