//! Evidence: everything `why` gathered, as plain data.
//!
//! Gathering (`gather.rs`) fills this in and does all the I/O; the checks
//! (`checks/`) read it and never do I/O, so every finding can be produced
//! from a fixture in a unit test. A field is `None` when that step was not
//! reached or not possible (say, no token, so no STS call); the reason a
//! step failed is kept as data, never printed here. Secrets appear only as
//! [`Secret`] (the token) and are never serialized.

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
    /// `--context`, when given.
    pub context: Option<String>,
    /// True when the token came from `--token`.
    pub token_from_flag: bool,
    /// VERB RESOURCE and namespace (authorization questions).
    pub verb: Option<String>,
    pub resource: Option<String>,
    pub namespace: Option<String>,
    /// `--service-account NAMESPACE/NAME`, as given.
    pub service_account: Option<String>,
    /// `--admin-context`, when given.
    pub admin_context: Option<String>,
}

/// One kubeconfig file of the load list.
#[derive(Debug, Clone, Default)]
pub struct KubeconfigFile {
    pub path: String,
    pub exists: bool,
    /// Unix permission bits, when known.
    pub mode: Option<u32>,
    /// Why it does not parse.
    pub parse_error: Option<String>,
}

/// The kubeconfig, merged like kubectl, and the chosen context.
#[derive(Debug, Clone, Default)]
pub struct KubeconfigFacts {
    /// Files in load order (`--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`).
    pub files: Vec<KubeconfigFile>,
    /// The context diagnosed (`--context` or current-context), if any.
    pub context: Option<String>,
    /// True when that context exists.
    pub context_found: bool,
    /// Names of all contexts (for messages).
    pub contexts: Vec<String>,
    /// A dangling reference: "context X names cluster Y, which is not defined".
    pub dangling: Option<String>,
    /// The cluster entry's name and server URL.
    pub cluster_entry: Option<String>,
    pub server: Option<String>,
    /// The CA bundle the kubeconfig trusts (PEM), from -data or the file.
    pub ca_pem: Option<Vec<u8>>,
    /// `insecure-skip-tls-verify`.
    pub insecure: bool,
    /// `proxy-url` of the cluster entry.
    pub proxy_url: Option<String>,
    /// The user entry's exec plugin, if it has one.
    pub exec: Option<ExecEntry>,
    /// The user authenticates another way (token, client cert, auth-provider).
    pub other_auth: Option<String>,
    /// The user's fixed bearer token (`token`, or the contents of
    /// `tokenFile`), which kubectl sends as it is.
    pub static_token: Option<Secret>,
    /// Where it is written: `token`, or `tokenFile PATH`.
    pub static_token_source: Option<String>,
    /// The EKS cluster name read from an ARN-shaped cluster or context name.
    pub arn_cluster_name: Option<String>,
    /// The region read from that ARN.
    pub arn_region: Option<String>,
    /// The context's `namespace` (kubectl's default for namespaced requests).
    pub namespace: Option<String>,
}

/// Which tool an exec entry runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecKind {
    /// `aws eks get-token`.
    AwsCli,
    /// `aws-iam-authenticator token`.
    Authenticator,
    /// `kubectl-eksauth token` (or `kubectl eksauth token`).
    EksAuth,
    /// Anything else (not an EKS token).
    #[default]
    Other,
}

/// A user's exec entry and what its arguments say.
#[derive(Debug, Clone, Default)]
pub struct ExecEntry {
    pub api_version: Option<String>,
    pub command: String,
    pub args: Vec<String>,
    /// `env` of the entry (names and values; values may be secrets and are
    /// never printed by the checks except AWS_PROFILE/AWS_REGION).
    pub env: Vec<(String, String)>,
    pub install_hint: Option<String>,
    pub kind: ExecKind,
    /// `--cluster-name` / `-i` / `--cluster-id` as signed into the token.
    pub cluster_name: Option<String>,
    /// True when `--cluster-id` (Outposts) was given.
    pub cluster_id_given: bool,
    pub region: Option<String>,
    /// `--profile` or `AWS_PROFILE` in env.
    pub profile: Option<String>,
    /// `--role-arn` / `-r`.
    pub role_arn: Option<String>,
}

/// How running the exec command went.
#[derive(Debug, Clone)]
pub enum ExecOutcome {
    /// It printed an ExecCredential with a token.
    Token {
        /// The apiVersion it answered with.
        api_version: Option<String>,
        /// Its expirationTimestamp, as printed.
        expiration: Option<String>,
    },
    /// The command is not on PATH (or not executable).
    NotFound,
    /// It exited non-zero (stderr kept, trimmed; the runner drops lines
    /// that look like secrets).
    Failed {
        exit_code: Option<i32>,
        stderr: String,
    },
    /// It exited 0 but stdout was not a usable ExecCredential.
    BadOutput { reason: String },
    /// It ran past the timeout and was killed.
    TimedOut { seconds: u64 },
}

/// The exec step.
#[derive(Debug, Clone)]
pub struct ExecFacts {
    /// The resolved program path, when found.
    pub resolved: Option<String>,
    pub outcome: ExecOutcome,
}

/// An STS answer to the presigned GetCallerIdentity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsAnswer {
    /// 200: who signed.
    Caller {
        arn: String,
        account: String,
        user_id: String,
    },
    /// An STS error document (HTTP status, code, message).
    Error {
        status: u16,
        code: String,
        message: String,
    },
    /// No answer (DNS, connect, TLS, timeout).
    Unreachable { reason: String },
    /// The endpoint's certificate did not verify against the trusted roots
    /// (the platform's plus `AWS_CA_BUNDLE`/`ca_bundle`): who issued it.
    TlsUntrusted { issuer: String, reason: String },
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

/// DescribeCluster, in the terms the checks need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    pub name: String,
    pub arn: Option<String>,
    pub endpoint: Option<String>,
    /// `certificateAuthority.data` (base64 of PEM), as EKS returns it.
    pub ca_data: Option<String>,
    pub status: Option<String>,
    /// `CONFIG_MAP`, `API_AND_CONFIG_MAP` or `API`.
    pub authentication_mode: Option<String>,
    pub oidc_issuer: Option<String>,
    /// `resourcesVpcConfig`: how the API server endpoint is exposed.
    pub endpoint_access: Option<EndpointAccess>,
}

/// `resourcesVpcConfig` of DescribeCluster: where the endpoint answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointAccess {
    /// `endpointPublicAccess`.
    pub public: bool,
    /// `endpointPrivateAccess`.
    pub private: bool,
    /// `publicAccessCidrs` (EKS reports `0.0.0.0/0` when unrestricted).
    pub public_cidrs: Vec<String>,
}

/// An EKS API call's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EksCall<T> {
    Ok(T),
    /// AccessDeniedException (message).
    Denied(String),
    /// ResourceNotFoundException (message).
    NotFound(String),
    /// Anything else (message).
    Failed(String),
}

/// One access policy association.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessPolicy {
    /// `arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy`.
    pub policy_arn: String,
    /// `cluster` or `namespace`.
    pub scope_type: String,
    pub namespaces: Vec<String>,
}

/// The caller's access entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessEntryInfo {
    pub principal_arn: String,
    pub username: Option<String>,
    pub kubernetes_groups: Vec<String>,
    pub entry_type: Option<String>,
    pub policies: Vec<AccessPolicy>,
    /// `createdAt` of the entry (DescribeAccessEntry).
    pub created_at: Option<OffsetDateTime>,
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

/// How far a connection to the API server got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The host name did not resolve.
    DnsFailed(String),
    /// Connection refused, or no answer within the timeout.
    Unreachable(String),
    /// TLS failed: the certificate does not verify against the kubeconfig CA.
    TlsFailed(String),
    /// TLS up.
    Ok,
}

/// What the API server said to the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// SelfSubjectReview answered: the user as the cluster sees it.
    Authenticated {
        username: String,
        uid: Option<String>,
        groups: Vec<String>,
        extra: BTreeMap<String, Vec<String>>,
    },
    /// 401.
    Unauthorized,
    /// 403 to the review itself (authenticated, but not allowed to ask).
    Forbidden(String),
    /// Anything else.
    Failed(String),
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

/// VERB RESOURCE as the API server's authorizer sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessAttributes {
    pub verb: String,
    /// API group ("" for the core group).
    pub group: String,
    /// Plural resource name (`secrets`, `deployments`).
    pub resource: String,
    pub subresource: Option<String>,
    /// The namespace asked about; None for cluster-scoped resources.
    pub namespace: Option<String>,
}

/// The API server's answer to a SelfSubjectAccessReview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessAnswer {
    /// Allowed, with the authorizer's reason.
    Allowed { reason: String },
    /// Denied, with the reason and evaluation error (often empty).
    Denied {
        reason: String,
        evaluation_error: String,
    },
    /// The review could not be made.
    Failed(String),
}

/// Reading Kubernetes objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeRead<T> {
    Ok(T),
    /// 404.
    NotFound,
    /// 403 (the message).
    Forbidden(String),
    /// Anything else.
    Failed(String),
}

/// A subject of a binding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RbacSubject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RbacBinding {
    /// `RoleBinding` or `ClusterRoleBinding`.
    pub kind: String,
    pub name: String,
    /// The RoleBinding's namespace (None for a ClusterRoleBinding).
    pub namespace: Option<String>,
    /// `Role` or `ClusterRole`.
    pub role_kind: String,
    pub role_name: String,
    pub subjects: Vec<RbacSubject>,
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

/// One resource the API server serves, as discovery lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServedResource {
    pub group: String,
    pub version: String,
    /// Plural name (`widgets`).
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
}

/// A container's environment (plain `value`s only; `valueFrom` shows as "").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerEnv {
    pub name: String,
    pub env: BTreeMap<String, String>,
    /// Variables from `envFrom`: name → where from (`Secret creds`,
    /// `ConfigMap app`); values are never read into evidence.
    pub env_from: BTreeMap<String, String>,
}

/// A pod that runs with the service account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodInfo {
    pub name: String,
    /// `kind/name` of its first owner (`ReplicaSet/app-7c9f`), if any.
    pub owner: Option<String>,
    pub containers: Vec<ContainerEnv>,
    /// Its `creationTimestamp`.
    pub created: Option<OffsetDateTime>,
}

/// An IAM role, from GetRole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleInfo {
    pub arn: String,
    /// The trust policy document, URL-decoded (JSON).
    pub trust_policy: Option<String>,
    /// `CreateDate`.
    pub created: Option<OffsetDateTime>,
}

/// An IAM OIDC identity provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OidcProviderInfo {
    pub arn: String,
    /// Without `https://`, as IAM reports it.
    pub url: String,
    pub client_ids: Vec<String>,
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

/// One EKS Pod Identity association (DescribePodIdentityAssociation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssociationInfo {
    pub id: String,
    /// The role in the cluster's account.
    pub role_arn: String,
    /// Cross-account: the role in another account that `role_arn` assumes.
    pub target_role_arn: Option<String>,
    pub created_at: Option<OffsetDateTime>,
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
