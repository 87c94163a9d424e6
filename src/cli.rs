//! Command-line definitions. The help text lives here, in doc comments.

use clap::{Args, Parser, Subcommand};

/// Amazon EKS authentication for kubectl: a fast, cached `aws eks get-token`
/// that prints errors you can act on.
///
/// Use it as the exec credential plugin of a kubeconfig user:
///
///   users:
///   - name: demo
///     user:
///       exec:
///         apiVersion: client.authentication.k8s.io/v1beta1
///         command: kubectl-eksauth
///         args: [token, --cluster-name, demo, --region, us-west-2]
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-eksauth",
    bin_name = "kubectl eksauth",
    version,
    max_term_width = 80
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print an EKS bearer token as an ExecCredential (for kubectl).
    ///
    /// A drop-in for `aws eks get-token`: the same token for the same
    /// credentials, served from a private on-disk cache while it has more
    /// than a minute left. Example:
    ///
    ///   kubectl-eksauth token --cluster-name demo --region us-west-2
    #[command(visible_alias = "get-token")]
    Token(TokenCmd),
}

/// Flags of `token`.
#[derive(Debug, Args)]
pub struct TokenCmd {
    /// Name of the EKS cluster (signed into the token as x-k8s-aws-id).
    #[arg(long, value_name = "NAME", required = true)]
    pub cluster_name: String,

    /// Cluster ID of an EKS local cluster on Outposts; signed instead of the
    /// name when given.
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,

    /// AWS region of the cluster [default: AWS_REGION, AWS_DEFAULT_REGION,
    /// then the profile's region].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// AWS profile from ~/.aws/config [default: AWS_PROFILE, else default].
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// IAM role to assume first (session name EKSGetTokenAuth), as
    /// `aws eks get-token --role-arn`.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// Neither read nor write the token cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Accepted and ignored, so an `aws eks get-token` argument list keeps
    /// working; the output is always an ExecCredential.
    #[arg(long, short = 'o', value_name = "FORMAT", hide = true)]
    pub output: Option<String>,
}
