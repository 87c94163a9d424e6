//! Findings: the typed result of every check, and the finding codes of the
//! contract (`docs/contract.md`).
//!
//! Each code is an enum variant with a stable kebab-case name, its usual
//! severity, an area (how the text report groups it) and a one-line
//! description. A code keeps its meaning forever: add variants, never rename
//! one. Checks build [`Finding`]s; renderers print them; nothing here does I/O.

use serde::Serialize;

/// How bad a finding is. Ordered: `Ok < Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Info,
    Warning,
    Error,
}

/// Where a finding belongs in the text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    Kubeconfig,
    Credentials,
    Token,
    Sts,
    Cluster,
    Identity,
    Authorization,
    Network,
    Irsa,
    PodIdentity,
}

impl Area {
    /// The heading of the area in the text report.
    pub fn title(self) -> &'static str {
        match self {
            Area::Kubeconfig => "Kubeconfig and exec",
            Area::Credentials => "AWS credentials",
            Area::Token => "Token",
            Area::Sts => "STS",
            Area::Cluster => "Cluster (EKS API)",
            Area::Identity => "Identity and mapping",
            Area::Authorization => "Authorization",
            Area::Network => "Network",
            Area::Irsa => "IAM roles for service accounts",
            Area::PodIdentity => "EKS Pod Identity",
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $name:literal, $sev:ident, $area:ident, $desc:literal; )*) => {
        /// A finding code of the contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            /// Every code, in contract order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable kebab-case name (what JSON and scripts see).
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The usual severity (a check may pick another, e.g. a warning
            /// for `clock-skew` under five minutes).
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// The report section it belongs to.
            pub fn area(self) -> Area {
                match self { $( Code::$variant => Area::$area, )* }
            }

            /// What the code means, one line.
            pub fn description(self) -> &'static str {
                match self { $( Code::$variant => $desc, )* }
            }

            /// The code for a kebab-case name.
            pub fn from_name(name: &str) -> Option<Code> {
                match name { $( $name => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    KubeconfigMissing = "kubeconfig-missing", Error, Kubeconfig, "no kubeconfig (kubectl would fall back to localhost:8080)";
    KubeconfigInvalid = "kubeconfig-invalid", Error, Kubeconfig, "the kubeconfig does not parse, or its references are dangling";
    KubeconfigPermissions = "kubeconfig-permissions", Warning, Kubeconfig, "the kubeconfig is group- or world-readable";
    ContextMissing = "context-missing", Error, Kubeconfig, "no current context, or the named one is absent";
    ExecNotEks = "exec-not-eks", Info, Kubeconfig, "the context does not use an EKS token";
    ExecCommandNotFound = "exec-command-not-found", Error, Kubeconfig, "the exec command is not on PATH";
    ExecApiVersionDeprecated = "exec-api-version-deprecated", Error, Kubeconfig, "the exec entry uses client.authentication.k8s.io/v1alpha1";
    ExecFailed = "exec-failed", Error, Kubeconfig, "the exec command failed for a reason no more specific code names";
    KubeconfigStaticToken = "kubeconfig-static-token", Warning, Kubeconfig, "the user entry holds a fixed EKS token, which stops working 15 minutes after it was made";

    CredentialsMissing = "credentials-missing", Error, Credentials, "no AWS credentials could be resolved";
    ProfileNotFound = "profile-not-found", Error, Credentials, "the AWS profile does not exist";
    SsoSessionMissing = "sso-session-missing", Error, Credentials, "SSO profile, never logged in (no cached token)";
    SsoSessionExpired = "sso-session-expired", Error, Credentials, "the cached SSO token has expired and cannot be refreshed";
    AssumeRoleDenied = "assume-role-denied", Error, Credentials, "AssumeRole refused (trust policy or permissions)";
    CredentialsExpired = "credentials-expired", Error, Credentials, "temporary credentials expired";
    MfaRequired = "mfa-required", Error, Credentials, "the role needs an MFA code and the plugin cannot ask for it";
    AwsTlsUntrusted = "aws-tls-untrusted", Error, Credentials, "TLS to an AWS endpoint fails verification (a proxy's CA is missing)";
    CredentialsEnvOverridesProfile = "credentials-env-overrides-profile", Error, Credentials, "access keys in the environment win over the profile named by AWS_PROFILE";

    TokenFormatInvalid = "token-format-invalid", Error, Token, "the token breaks a structural rule of the authenticator";
    TokenTooLarge = "token-too-large", Error, Token, "the token is longer than the 4096 bytes the authenticator accepts";
    TokenStsHostRejected = "token-sts-host-rejected", Error, Token, "the token's host is not an STS host EKS accepts";
    TokenClusterHeaderUnsigned = "token-cluster-header-unsigned", Error, Token, "x-k8s-aws-id is not among the signed headers";
    TokenExpired = "token-expired", Error, Token, "X-Amz-Date is older than 15 minutes";
    TokenClusterMismatch = "token-cluster-mismatch", Error, Token, "the token was signed for another cluster name or ID";
    ClockSkew = "clock-skew", Warning, Token, "the local clock differs from the servers' Date";

    StsSignatureMismatch = "sts-signature-mismatch", Error, Sts, "STS says the signature does not match";
    StsInvalidClientToken = "sts-invalid-client-token", Error, Sts, "STS does not know the access key";
    StsUnreachable = "sts-unreachable", Error, Sts, "STS could not be reached";
    StsThrottled = "sts-throttled", Warning, Sts, "STS throttled the request";

    EksDescribeDenied = "eks-describe-denied", Warning, Cluster, "no eks:DescribeCluster; the diagnosis goes on with less";
    ClusterNotFound = "cluster-not-found", Error, Cluster, "EKS has no cluster of that name in that region";
    ClusterNotActive = "cluster-not-active", Error, Cluster, "the cluster is not ACTIVE";
    ClusterEndpointMismatch = "cluster-endpoint-mismatch", Error, Cluster, "the kubeconfig server is not this cluster's endpoint";
    ClusterCaMismatch = "cluster-ca-mismatch", Error, Cluster, "the kubeconfig CA is not this cluster's";
    EndpointPrivateOnly = "endpoint-private-only", Error, Cluster, "the API server does not answer and its public endpoint is off";
    EndpointPublicCidrs = "endpoint-public-cidrs", Error, Cluster, "the API server does not answer and public access is limited to some CIDRs";

    Identity = "identity", Info, Identity, "who the caller is, and the principal ARN to map";
    Unauthorized = "unauthorized", Error, Identity, "the API server answered 401 to the token";
    Authenticated = "authenticated", Info, Identity, "who the cluster says you are";
    PrincipalNotMapped = "principal-not-mapped", Error, Identity, "no access entry and no aws-auth mapping";
    AuthModeApiIgnoresConfigmap = "auth-mode-api-ignores-configmap", Error, Identity, "mapped only in aws-auth, but the authentication mode is API";
    AccessEntryNoPermissions = "access-entry-no-permissions", Error, Identity, "an access entry with no policy and no group";
    AccessPolicyScope = "access-policy-scope", Error, Identity, "a namespace-scoped access policy excludes the namespace";
    AwsAuthRoleHasPath = "aws-auth-role-has-path", Error, Identity, "the role is mapped in aws-auth with its IAM path";
    AwsAuthAssumedRoleArn = "aws-auth-assumed-role-arn", Error, Identity, "an STS assumed-role ARN is mapped in aws-auth";
    AwsAuthWildcard = "aws-auth-wildcard", Error, Identity, "aws-auth contains a wildcard, which never matches";
    AwsAuthDuplicate = "aws-auth-duplicate", Warning, Identity, "aws-auth maps the same ARN more than once";
    AwsAuthWrongSection = "aws-auth-wrong-section", Error, Identity, "a role under mapUsers or a user under mapRoles";
    AwsAuthInvalid = "aws-auth-invalid", Error, Identity, "the aws-auth ConfigMap data does not parse";
    AwsAuthUnreadable = "aws-auth-unreadable", Info, Identity, "aws-auth could not be read";
    AccessEntryShadowsAwsAuth = "access-entry-shadows-aws-auth", Warning, Identity, "an access entry and an aws-auth mapping: the entry decides";
    AccessEntryStalePrincipal = "access-entry-stale-principal", Error, Identity, "the access entry predates its role (deleted and recreated)";
    SsoRoleMappingStale = "sso-role-mapping-stale", Error, Identity, "an SSO role is mapped with another suffix than the caller's";

    RbacDenied = "rbac-denied", Error, Authorization, "the API server denies the action";
    RbacNoBindings = "rbac-no-bindings", Warning, Authorization, "the mapped user and groups are bound to nothing";
    AccessPolicyGroupNotCovered = "access-policy-group-not-covered", Error, Authorization, "the EKS access policies do not cover the resource's API group";
    ResourceUnknown = "resource-unknown", Error, Authorization, "the API server does not serve that resource";

    EndpointDnsFailed = "endpoint-dns-failed", Error, Network, "the API server's host name does not resolve";
    EndpointUnreachable = "endpoint-unreachable", Error, Network, "the API server refused or did not answer";
    EndpointTlsMismatch = "endpoint-tls-mismatch", Error, Network, "the server certificate does not verify against the kubeconfig CA";
    EndpointBadAnswer = "endpoint-bad-answer", Error, Network, "the API server answered, but not with a well-formed Kubernetes answer";
    ProxyConfigured = "proxy-configured", Info, Network, "a proxy is configured";

    IrsaServiceAccountMissing = "irsa-service-account-missing", Error, Irsa, "the ServiceAccount does not exist";
    IrsaAnnotationMissing = "irsa-annotation-missing", Error, Irsa, "the ServiceAccount has no eks.amazonaws.com/role-arn and no Pod Identity association";
    IrsaAnnotationMalformed = "irsa-annotation-malformed", Error, Irsa, "the role annotation is not an IAM role ARN";
    IrsaRoleMissing = "irsa-role-missing", Error, Irsa, "the annotated role does not exist";
    IrsaOidcProviderMissing = "irsa-oidc-provider-missing", Error, Irsa, "no IAM OIDC provider for the cluster's issuer";
    IrsaOidcAudienceMissing = "irsa-oidc-audience-missing", Error, Irsa, "the OIDC provider lacks the sts.amazonaws.com audience";
    IrsaTrustPrincipalMismatch = "irsa-trust-principal-mismatch", Error, Irsa, "the trust policy names another OIDC provider";
    IrsaTrustActionMismatch = "irsa-trust-action-mismatch", Error, Irsa, "the trust policy does not allow sts:AssumeRoleWithWebIdentity";
    IrsaTrustSubjectMismatch = "irsa-trust-subject-mismatch", Error, Irsa, "the trust policy's sub condition excludes this service account";
    IrsaTrustAudienceMismatch = "irsa-trust-audience-mismatch", Error, Irsa, "the trust policy's aud condition is not sts.amazonaws.com";
    IrsaPodEnvMissing = "irsa-pod-env-missing", Error, Irsa, "a pod of the service account lacks the injected variables";
    IrsaCredentialsShadowed = "irsa-credentials-shadowed", Error, Irsa, "a pod also sets access keys or AWS_PROFILE, which the SDKs use before web identity";
    IrsaUnverified = "irsa-unverified", Warning, Irsa, "part of the service account's chain could not be checked";

    PodIdentityAgentMissing = "pod-identity-agent-missing", Error, PodIdentity, "an association exists but no EKS Pod Identity Agent runs";
    PodIdentityRoleMissing = "pod-identity-role-missing", Error, PodIdentity, "the association's role does not exist";
    PodIdentityTrustInvalid = "pod-identity-trust-invalid", Error, PodIdentity, "the role's trust policy does not let pods.eks.amazonaws.com AssumeRole and TagSession";
    PodIdentityPodEnvMissing = "pod-identity-pod-env-missing", Error, PodIdentity, "a pod of the service account lacks the Pod Identity variables";
    PodIdentityShadowed = "pod-identity-shadowed", Error, PodIdentity, "a pod also carries IRSA variables or access keys, used before Pod Identity";
}

/// One result of a check.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The code (serialized as its kebab-case name).
    #[serde(serialize_with = "ser_code")]
    pub code: Code,
    /// Severity for this instance.
    pub severity: Severity,
    /// One line: what is wrong (or right).
    pub title: String,
    /// What was seen.
    pub detail: String,
    /// What to run or change; empty when nothing is to be done.
    pub remedy: String,
    /// Machine-readable facts behind it (never a secret).
    pub evidence: serde_json::Value,
}

fn ser_code<S: serde::Serializer>(c: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.name())
}

impl Finding {
    /// A finding with the code's usual severity.
    pub fn new(code: Code, title: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.severity(),
            title: title.into(),
            detail: String::new(),
            remedy: String::new(),
            evidence: serde_json::json!({}),
        }
    }

    /// Sets the detail.
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }

    /// Sets the remedy.
    pub fn remedy(mut self, r: impl Into<String>) -> Self {
        self.remedy = r.into();
        self
    }

    /// Sets the evidence object.
    pub fn evidence(mut self, e: serde_json::Value) -> Self {
        self.evidence = e;
        self
    }

    /// Overrides the severity.
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn code_names_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for c in Code::ALL {
            let n = c.name();
            assert!(seen.insert(n), "duplicate {n}");
            assert!(
                n.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "{n}"
            );
            assert_eq!(Code::from_name(n), Some(*c));
        }
    }

    #[test]
    fn the_readme_lists_every_code() {
        let readme = include_str!("../../README.md");
        for c in Code::ALL {
            assert!(
                readme.contains(&format!("| `{}` |", c.name())),
                "README lacks {}",
                c.name()
            );
        }
    }

    #[test]
    fn every_code_of_the_contract_exists() {
        // The contract lists each code as a bullet "- `code` severity: ...".
        let contract = include_str!("../../docs/contract.md");
        let mut listed = 0;
        for line in contract.lines() {
            let Some(rest) = line.strip_prefix("- `") else {
                continue;
            };
            let Some((name, after)) = rest.split_once('`') else {
                continue;
            };
            let sev = after.split_whitespace().next().unwrap_or("");
            if !["error", "warning", "info"].contains(&sev.trim_end_matches(':')) {
                continue; // another kind of bullet
            }
            listed += 1;
            let code =
                Code::from_name(name).unwrap_or_else(|| panic!("contract code {name} is missing"));
            let want = sev.trim_end_matches(':');
            let got = format!("{:?}", code.severity()).to_lowercase();
            assert_eq!(got, want, "usual severity of {name}");
        }
        assert_eq!(
            listed,
            Code::ALL.len(),
            "every code is in the contract and vice versa"
        );
    }
}
