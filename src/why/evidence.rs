//! Evidence: everything `why` gathered, as plain data.
//!
//! Gathering (`gather.rs`) fills this in and does all the I/O; the checks
//! (`checks/`) read it and never do I/O, so every finding can be produced
//! from a fixture in a unit test. A field is `None` when that step was not
//! reached or not possible (say, no token, so no STS call); the reason a
//! step failed is kept as data, never printed here. Secrets appear only as
//! [`Secret`] (the token) and are never serialized.

// The facts one infrastructure call returns are that module's own types;
// they are part of the evidence as they are.
pub use crate::aws::EksCall;
pub use crate::aws::eks::{
    AccessEntryInfo, AccessPolicy, AssociationInfo, ClusterInfo, EndpointAccess,
};
pub use crate::aws::iam::{OidcProviderInfo, RoleInfo};
pub use crate::aws::sts_check::StsAnswer;
pub use crate::domain::exec_entry::ExecKind;
pub use crate::kube::KubeRead;
pub use crate::kube::discovery::ServedResource;
pub use crate::kube::exec::{ExecFacts, ExecOutcome};
pub use crate::kube::kubeconfig::{ExecEntry, KubeconfigFacts, KubeconfigFile};
pub use crate::kube::objects::{AccessAnswer, AccessAttributes, PodInfo, RbacBinding};
pub use crate::kube::probe::{Reach, Review};
use crate::secret::Secret;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Everything known about one diagnosis.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The time the diagnosis ran (local clock).
    pub now: Option<OffsetDateTime>,
    /// What the user asked.
    pub request: WhyRequest,
    /// The kubeconfig as kubectl would load it.
    pub kubeconfig: KubeconfigFacts,
    /// Running the context's exec command (None with `--token` or no exec).
    pub exec: Option<ExecFacts>,
    /// The bearer token that kubectl would send (from the exec or `--token`).
    pub token: Option<Secret>,
    /// Sending the token's presigned URL to STS, as the authenticator does.
    pub sts: Option<StsFacts>,
    /// The EKS API's view of the cluster and the caller's access entry.
    pub eks: Option<EksFacts>,
    /// The aws-auth ConfigMap.
    pub aws_auth: AwsAuthFacts,
    /// The API server: reachability and what it says to the token.
    pub server: Option<ServerFacts>,
    /// Authorization of VERB RESOURCE (only when asked): the access review
    /// and the RBAC bindings.
    pub authz: Option<AuthzFacts>,
    /// IAM roles for service accounts (only with `--service-account`).
    pub irsa: Option<IrsaFacts>,
    /// EKS Pod Identity (only with `--service-account`).
    pub pod_identity: Option<PodIdentityFacts>,
    /// Which AWS credentials the exec plugin meets first (None without an
    /// exec entry).
    pub signer: Option<SignerFacts>,
}

/// Where the exec entry's AWS profile is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSource {
    /// `--profile P` in the args: beats environment keys.
    Flag,
    /// `AWS_PROFILE` in the entry's `env`.
    EntryEnv,
    /// `AWS_PROFILE` of the environment kubectl passes on.
    Inherited,
}

impl ProfileSource {
    /// How a sentence names it.
    pub fn describe(self) -> &'static str {
        match self {
            ProfileSource::Flag => "--profile in its args",
            ProfileSource::EntryEnv => "AWS_PROFILE in its env",
            ProfileSource::Inherited => "AWS_PROFILE inherited from kubectl's environment",
        }
    }
}

/// The AWS credentials the exec plugin sees, in the SDKs' order (field
/// guide section 6). Never a secret: the access key ID only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignerFacts {
    /// The profile named, and where.
    pub profile: Option<String>,
    pub profile_source: Option<ProfileSource>,
    /// `AWS_ACCESS_KEY_ID` when it and `AWS_SECRET_ACCESS_KEY` are both in
    /// the plugin's environment (the entry's `env` over kubectl's).
    pub env_key_id: Option<String>,
    /// True when those keys are set by the entry's own `env`.
    pub env_keys_in_entry: bool,
}

/// The question asked.
#[derive(Debug, Clone, Default)]
pub struct WhyRequest {
    /// True when the token came from `--token`.
    pub token_from_flag: bool,
    /// VERB RESOURCE and namespace (authorization questions).
    pub verb: Option<String>,
    pub resource: Option<String>,
    pub namespace: Option<String>,
}

/// The STS step.
#[derive(Debug, Clone)]
pub struct StsFacts {
    /// The URL the token was sent to (scheme, host and path; no query).
    pub endpoint: String,
    /// True when an `AWS_ENDPOINT_URL_STS`/`AWS_ENDPOINT_URL` override
    /// points at this endpoint (explains a non-AWS host).
    pub endpoint_override: bool,
    /// The `x-k8s-aws-id` value sent: this cluster's name (or ID).
    pub cluster_header: String,
    pub answer: StsAnswer,
    /// When the first answer was a signature mismatch and the exec entry
    /// names another cluster: the answer with that name instead.
    pub answer_with_exec_cluster: Option<(String, StsAnswer)>,
    /// The `Date` header of STS's answer.
    pub server_date: Option<OffsetDateTime>,
}

/// The EKS step.
#[derive(Debug, Clone)]
pub struct EksFacts {
    /// The cluster name asked about, and the region.
    pub cluster_name: String,
    pub region: String,
    pub describe: EksCall<ClusterInfo>,
    /// The caller's access entry: Ok(None) when listed and absent; None
    /// when not asked (mode CONFIG_MAP, unknown caller, describe failed).
    pub access_entry: Option<EksCall<Option<AccessEntryInfo>>>,
    /// Every principal ARN with an access entry (ListAccessEntries), as
    /// listed; empty when not listed.
    pub entry_arns: Vec<String>,
    /// The `CreateDate` of the caller's IAM role (GetRole), asked when the
    /// caller has an access entry and is a role; None when not asked.
    pub role_created: Option<EksCall<OffsetDateTime>>,
    /// The `Date` header of the EKS API's answer.
    pub server_date: Option<OffsetDateTime>,
    /// When DescribeCluster failed TLS verification: the endpoint and the
    /// issuer of the certificate it showed.
    pub tls_untrusted: Option<(String, String)>,
}

/// The aws-auth ConfigMap.
#[derive(Debug, Clone, Default)]
pub struct AwsAuthFacts {
    /// How it was read: "--aws-auth-file PATH", "admin context NAME",
    /// "the diagnosed identity".
    pub source: Option<String>,
    /// Its `data` (mapRoles, mapUsers, mapAccounts as raw YAML strings).
    pub data: Option<BTreeMap<String, String>>,
    /// True when the source says the ConfigMap does not exist.
    pub absent: bool,
    /// Why it could not be read, when it could not.
    pub unreadable: Option<String>,
}

/// The API server step.
#[derive(Debug, Clone)]
pub struct ServerFacts {
    pub server: String,
    pub reach: Reach,
    /// `HTTPS_PROXY`/`https_proxy` or the cluster's `proxy-url`.
    pub proxy: Option<String>,
    pub review: Option<Review>,
    /// The `Date` header of the API server's answer.
    pub server_date: Option<OffsetDateTime>,
}

/// The authorization step (VERB RESOURCE asked).
#[derive(Debug, Clone)]
pub struct AuthzFacts {
    pub attributes: AccessAttributes,
    /// The SelfSubjectAccessReview, as the diagnosed identity.
    pub review: AccessAnswer,
    /// Who read the bindings: "the diagnosed identity", "admin context NAME".
    pub bindings_source: String,
    /// Every RoleBinding and ClusterRoleBinding of the cluster.
    pub bindings: KubeRead<Vec<RbacBinding>>,
    /// How RESOURCE was resolved to `attributes`.
    pub resolution: Resolution,
}

/// How `why` resolved RESOURCE (as kubectl does: through discovery).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Resolution {
    /// Through the API server's discovery, as GROUP/VERSION.
    Discovered { group_version: String },
    /// Discovery could not be read (why); the built-in table stood in.
    BuiltinFallback(String),
    /// Discovery does not serve it; the served names closest to it. No
    /// access review was asked.
    Unknown { similar: Vec<String> },
    /// Not recorded (evidence built by hand).
    #[default]
    NotRecorded,
}

/// The IRSA step (`--service-account NAMESPACE/NAME`). IAM answers use
/// [`EksCall`] (Ok, Denied, NotFound, Failed) as the EKS ones do.
#[derive(Debug, Clone)]
pub struct IrsaFacts {
    pub namespace: String,
    pub name: String,
    /// Who read the objects: "the diagnosed identity", "admin context NAME".
    pub source: String,
    /// The ServiceAccount's annotations.
    pub service_account: KubeRead<BTreeMap<String, String>>,
    /// The pods of its namespace that run with it.
    pub pods: KubeRead<Vec<PodInfo>>,
    /// GetRole of the annotated role; None when not asked (no usable annotation).
    pub role: Option<EksCall<RoleInfo>>,
    /// The IAM OIDC provider of the cluster's issuer: Ok(None) when listed
    /// and absent; None when not asked (issuer unknown).
    pub oidc_provider: Option<EksCall<Option<OidcProviderInfo>>>,
}

/// The Pod Identity step (`--service-account NAMESPACE/NAME`).
#[derive(Debug, Clone)]
pub struct PodIdentityFacts {
    /// The service account's associations (EKS API): Ok(empty) when none.
    pub associations: EksCall<Vec<AssociationInfo>>,
    /// DescribeAddon `eks-pod-identity-agent`: Ok(status), NotFound when
    /// not installed; None when not asked (no association).
    pub addon: Option<EksCall<String>>,
    /// Whether DaemonSet kube-system/eks-pod-identity-agent exists; None
    /// when not asked (the add-on answered).
    pub daemonset: Option<KubeRead<bool>>,
    /// GetRole of each association's role, by role ARN.
    pub roles: Vec<(String, EksCall<RoleInfo>)>,
}
