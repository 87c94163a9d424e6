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

    /// Explain why the cluster says Unauthorized (or Forbidden).
    ///
    /// Runs the context's exec command as kubectl would, checks the token by
    /// the rules EKS applies, asks STS, the EKS API and the API server, reads
    /// aws-auth and access entries, and names the root cause with the command
    /// that fixes it. Exit status: 0 no error found, 1 an error found, 2 why
    /// itself could not run. Examples:
    ///
    ///   kubectl eksauth why
    ///   kubectl eksauth why --context prod -o json
    ///   kubectl eksauth why --admin-context admin
    Why(WhyCmd),

    /// Add an EKS cluster to the kubeconfig, or migrate existing entries.
    ///
    /// Like `aws eks update-kubeconfig`: DescribeCluster gives the endpoint
    /// and CA, then a cluster, a user running `kubectl-eksauth token` and a
    /// context (named by the cluster ARN unless --alias) are added or
    /// updated and the context made current. Everything else in the file is
    /// kept; the previous version is saved beside it. Examples:
    ///
    ///   kubectl eksauth setup --cluster-name demo --region us-west-2
    ///   kubectl eksauth setup --migrate --dry-run
    Setup(SetupCmd),

    /// Show the AWS identity and the mappings that let it into a cluster.
    ///
    /// Prints the caller (STS GetCallerIdentity), the principal ARN a
    /// cluster must map (an assumed role reduced to its role, without the
    /// IAM path, which is shown apart), and ready-to-paste aws-auth, eksctl
    /// and access-entry commands. Example:
    ///
    ///   kubectl eksauth whoami --cluster-name demo --group system:masters
    Whoami(WhoamiCmd),

    /// Log in to IAM Identity Center (SSO) for a profile.
    ///
    /// The login of `aws sso login`. For sso_session profiles it opens the
    /// browser (authorization code with PKCE) and catches the redirect on
    /// 127.0.0.1; legacy profiles, --use-device-code, SSH sessions and
    /// machines without a display use the device code instead (open the
    /// printed address, enter the code, approve). The session, its refresh
    /// token and the client registration are cached where the AWS CLI keeps
    /// them, so both tools share them. Example:
    ///
    ///   kubectl eksauth login --profile dev
    Login(LoginCmd),

    /// List or clear the token cache (tokens themselves are never shown).
    #[command(subcommand)]
    Cache(CacheCmd),

    /// Print a shell completion script.
    ///
    /// Example (bash): source <(kubectl-eksauth completion bash)
    Completion(CompletionCmd),
}

/// Flags of `why`.
#[derive(Debug, Args)]
pub struct WhyCmd {
    /// VERB RESOURCE to ask about (e.g. `list secrets`); without them, why
    /// explains authentication.
    #[arg(value_name = "VERB RESOURCE", num_args = 0..=2)]
    pub action: Vec<String>,

    /// Namespace of VERB RESOURCE.
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// The kubeconfig context to diagnose [default: the current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Path to the kubeconfig [default: KUBECONFIG, else ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<std::path::PathBuf>,

    /// Diagnose this bearer token instead of running the exec command
    /// (`-` reads it from stdin).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,

    /// A context whose identity can read aws-auth and RBAC objects when the
    /// diagnosed one cannot.
    #[arg(long, value_name = "NAME")]
    pub admin_context: Option<String>,

    /// An exported aws-auth ConfigMap (YAML or JSON), e.g. from
    /// `kubectl get cm aws-auth -n kube-system -o yaml`.
    #[arg(long, value_name = "FILE")]
    pub aws_auth_file: Option<std::path::PathBuf>,

    /// Diagnose IAM roles for service accounts of NAMESPACE/NAME.
    #[arg(long, value_name = "NAMESPACE/NAME")]
    pub service_account: Option<String>,

    /// Diagnose every EKS context of the kubeconfig, concurrently.
    #[arg(long)]
    pub all_contexts: bool,

    /// Output format.
    #[arg(short = 'o', long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub output: String,

    /// Bound on the whole diagnosis, in seconds; every network step draws
    /// on it.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
}

/// Flags of `setup`.
#[derive(Debug, Args)]
pub struct SetupCmd {
    /// Name of the EKS cluster to add.
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "migrate",
        conflicts_with = "migrate",
        value_parser = clap::builder::NonEmptyStringValueParser::new()
    )]
    pub cluster_name: Option<String>,

    /// Rewrite every `aws eks get-token` and `aws-iam-authenticator token`
    /// exec entry of the kubeconfig into the equivalent kubectl-eksauth one.
    #[arg(long)]
    pub migrate: bool,

    /// AWS region of the cluster [default: AWS_REGION, then the profile's].
    #[arg(long, value_name = "REGION", conflicts_with = "migrate")]
    pub region: Option<String>,

    /// AWS profile; recorded as AWS_PROFILE in the user entry.
    #[arg(long, value_name = "PROFILE", conflicts_with = "migrate")]
    pub profile: Option<String>,

    /// IAM role the token assumes first (recorded in the user entry).
    #[arg(long, value_name = "ARN", conflicts_with = "migrate")]
    pub role_arn: Option<String>,

    /// Name of the context instead of the cluster ARN.
    #[arg(long, value_name = "NAME", conflicts_with = "migrate")]
    pub alias: Option<String>,

    /// The kubeconfig to edit [default: first of KUBECONFIG, else ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<std::path::PathBuf>,

    /// Print the change as a diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Output formats of `whoami`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Flags of `whoami`.
#[derive(Debug, Args)]
pub struct WhoamiCmd {
    /// AWS profile [default: AWS_PROFILE, else default].
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// AWS region [default: AWS_REGION, then the profile's, then us-east-1].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value = "text")]
    pub output: OutputFormat,

    /// Cluster named in the printed commands [default: CLUSTER_NAME].
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,

    /// Kubernetes group for the mapping (repeatable), e.g. system:masters.
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,

    /// Access policy for the access entry.
    #[arg(long, value_name = "NAME", default_value = "AmazonEKSViewPolicy")]
    pub access_policy: String,
}

/// Flags of `login`.
#[derive(Debug, Args)]
pub struct LoginCmd {
    /// AWS profile with IAM Identity Center settings [default: AWS_PROFILE, else default].
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Do not open a browser; only print the address (and code).
    #[arg(long)]
    pub no_browser: bool,

    /// Use the device-code flow even where a browser could be opened.
    ///
    /// For a browser on another machine: open the printed address there
    /// and enter the code. Example:
    ///
    ///   kubectl eksauth login --profile dev --use-device-code
    #[arg(long)]
    pub use_device_code: bool,
}

/// `cache` subcommands.
#[derive(Debug, Subcommand)]
pub enum CacheCmd {
    /// List cached tokens: cluster, region, identity, expiry.
    List,
    /// Remove every cached token.
    Clear,
}

/// Flags of `completion`.
#[derive(Debug, Args)]
pub struct CompletionCmd {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Flags of `token`.
#[derive(Debug, Args)]
pub struct TokenCmd {
    /// Name of the EKS cluster (signed into the token as x-k8s-aws-id).
    #[arg(long, value_name = "NAME", required = true,
          value_parser = clap::builder::NonEmptyStringValueParser::new())]
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
