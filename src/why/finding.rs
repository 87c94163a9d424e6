//! Findings: the typed result of every check, and the finding codes of the
//! contract (`docs/contract.md`).
//!
//! Each code is an enum variant bound, in the codes table below, to its
//! [`Rule`]: a stable kebab-case name, its usual severity, an area (how the
//! text report groups it) and its rank in the verdict. The rule is a
//! `static` in the check file of its area (`checks/aws_auth.rs` holds
//! `aws-auth-role-has-path`), beside the check that emits it, and its doc
//! comment says in one line what the code means. A code keeps its meaning forever: add variants, never
//! rename one. Checks build [`Finding`]s; the report renders them; nothing
//! here does I/O.

use super::checks::{
    access_entries, authorization, aws_auth, cluster, credentials, identity, irsa, kubeconfig,
    network, pod_identity, signer, sts, token,
};
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

/// What a finding code means and how it weighs: one per code, a `static`
/// in the check file of its area, next to the check that emits it (so
/// `grep -rn <kebab-name> src/` lands there).
#[derive(Debug)]
pub struct Rule {
    /// The stable kebab-case name (what JSON and scripts see).
    pub name: &'static str,
    /// The usual severity (a check may pick another, e.g. a warning for
    /// `clock-skew` under five minutes; that policy lives with the check).
    pub severity: Severity,
    /// The report section it belongs to.
    pub area: Area,
    /// Its place in the verdict: among the error findings, the one with
    /// the lowest rank is the root cause ([`crate::why::report::verdict`]).
    /// Ranks are spaced by 10 so that a new rule fits between two. The
    /// order is what breaks first on kubectl's way to the cluster: the
    /// kubeconfig, the exec command, its credentials, the token's shape,
    /// the clock, the token's age; the cluster as EKS describes it (a stale
    /// endpoint or CA explains a network failure, not the other way round);
    /// the network; STS; the cluster name signed; the mapping, its specific
    /// causes before "not mapped" before the bare 401; authorization; then
    /// IAM roles for service accounts, in the order a pod's credentials
    /// depend on them (the ServiceAccount, its annotation, the role, the
    /// OIDC provider, the trust policy, the pod itself), and Pod Identity.
    /// `None` for a code that is not usually an error: it comes after every
    /// ranked one.
    pub rank: Option<u16>,
    /// The code only restates that something failed: when another error
    /// is the verdict, the text leaves out its generic remedy.
    pub symptom: bool,
}

impl Rule {
    /// A rule with no rank, not a symptom. What the code means is the
    /// doc comment of its `static`: one line, as in the contract.
    pub const fn new(name: &'static str, severity: Severity, area: Area) -> Rule {
        Rule {
            name,
            severity,
            area,
            rank: None,
            symptom: false,
        }
    }

    /// With its rank in the verdict.
    pub const fn rank(self, rank: u16) -> Rule {
        Rule {
            rank: Some(rank),
            ..self
        }
    }

    /// Marked as a symptom.
    pub const fn symptom(self) -> Rule {
        Rule {
            symptom: true,
            ..self
        }
    }
}

macro_rules! codes {
    ($( $variant:ident => $rule:path, )*) => {
        /// A finding code of the contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            /// Every code, in contract order.
            #[cfg(test)]
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code's rule.
            pub fn rule(self) -> &'static Rule {
                match self { $( Code::$variant => &$rule, )* }
            }
        }
    };
}

// The codes table: each code and its rule, in contract order.
codes! {
    KubeconfigMissing => kubeconfig::MISSING,
    KubeconfigInvalid => kubeconfig::INVALID,
    KubeconfigPermissions => kubeconfig::PERMISSIONS,
    ContextMissing => kubeconfig::CONTEXT_MISSING,
    ExecNotEks => kubeconfig::EXEC_NOT_EKS,
    ExecCommandNotFound => kubeconfig::EXEC_COMMAND_NOT_FOUND,
    ExecApiVersionDeprecated => kubeconfig::EXEC_API_VERSION_DEPRECATED,
    ExecFailed => kubeconfig::EXEC_FAILED,
    KubeconfigStaticToken => kubeconfig::STATIC_TOKEN,

    CredentialsMissing => credentials::MISSING,
    ProfileNotFound => credentials::PROFILE_NOT_FOUND,
    SsoSessionMissing => credentials::SSO_SESSION_MISSING,
    SsoSessionExpired => credentials::SSO_SESSION_EXPIRED,
    AssumeRoleDenied => credentials::ASSUME_ROLE_DENIED,
    CredentialsExpired => credentials::EXPIRED,
    MfaRequired => credentials::MFA_REQUIRED,
    AwsTlsUntrusted => credentials::AWS_TLS_UNTRUSTED,
    CredentialsEnvOverridesProfile => signer::CREDENTIALS_ENV_OVERRIDES_PROFILE,

    TokenFormatInvalid => token::FORMAT_INVALID,
    TokenTooLarge => token::TOO_LARGE,
    TokenStsHostRejected => token::STS_HOST_REJECTED,
    TokenClusterHeaderUnsigned => token::CLUSTER_HEADER_UNSIGNED,
    TokenExpired => token::EXPIRED,
    TokenClusterMismatch => token::CLUSTER_MISMATCH,
    ClockSkew => token::CLOCK_SKEW,

    StsSignatureMismatch => sts::SIGNATURE_MISMATCH,
    StsInvalidClientToken => sts::INVALID_CLIENT_TOKEN,
    StsUnreachable => sts::UNREACHABLE,
    StsThrottled => sts::THROTTLED,

    EksDescribeDenied => cluster::EKS_DESCRIBE_DENIED,
    ClusterNotFound => cluster::NOT_FOUND,
    ClusterNotActive => cluster::NOT_ACTIVE,
    ClusterEndpointMismatch => cluster::ENDPOINT_MISMATCH,
    ClusterCaMismatch => cluster::CA_MISMATCH,
    EndpointPrivateOnly => network::ENDPOINT_PRIVATE_ONLY,
    EndpointPublicCidrs => network::ENDPOINT_PUBLIC_CIDRS,

    Identity => identity::IDENTITY,
    Unauthorized => identity::UNAUTHORIZED,
    Authenticated => identity::AUTHENTICATED,
    PrincipalNotMapped => identity::PRINCIPAL_NOT_MAPPED,
    AuthModeApiIgnoresConfigmap => identity::AUTH_MODE_API_IGNORES_CONFIGMAP,
    AccessEntryNoPermissions => access_entries::NO_PERMISSIONS,
    AccessPolicyScope => access_entries::ACCESS_POLICY_SCOPE,
    AwsAuthRoleHasPath => aws_auth::ROLE_HAS_PATH,
    AwsAuthAssumedRoleArn => aws_auth::ASSUMED_ROLE_ARN,
    AwsAuthWildcard => aws_auth::WILDCARD,
    AwsAuthDuplicate => aws_auth::DUPLICATE,
    AwsAuthWrongSection => aws_auth::WRONG_SECTION,
    AwsAuthInvalid => aws_auth::INVALID,
    AwsAuthUnreadable => aws_auth::UNREADABLE,
    AccessEntryShadowsAwsAuth => access_entries::SHADOWS_AWS_AUTH,
    AccessEntryStalePrincipal => access_entries::STALE_PRINCIPAL,
    SsoRoleMappingStale => access_entries::SSO_ROLE_MAPPING_STALE,

    RbacDenied => authorization::RBAC_DENIED,
    RbacNoBindings => authorization::RBAC_NO_BINDINGS,
    AccessPolicyGroupNotCovered => authorization::ACCESS_POLICY_GROUP_NOT_COVERED,
    ResourceUnknown => authorization::RESOURCE_UNKNOWN,

    EndpointDnsFailed => network::ENDPOINT_DNS_FAILED,
    EndpointUnreachable => network::ENDPOINT_UNREACHABLE,
    EndpointTlsMismatch => network::ENDPOINT_TLS_MISMATCH,
    EndpointBadAnswer => network::ENDPOINT_BAD_ANSWER,
    ProxyConfigured => network::PROXY_CONFIGURED,

    IrsaServiceAccountMissing => irsa::SERVICE_ACCOUNT_MISSING,
    IrsaAnnotationMissing => irsa::ANNOTATION_MISSING,
    IrsaAnnotationMalformed => irsa::ANNOTATION_MALFORMED,
    IrsaRoleMissing => irsa::ROLE_MISSING,
    IrsaOidcProviderMissing => irsa::OIDC_PROVIDER_MISSING,
    IrsaOidcAudienceMissing => irsa::OIDC_AUDIENCE_MISSING,
    IrsaTrustPrincipalMismatch => irsa::TRUST_PRINCIPAL_MISMATCH,
    IrsaTrustActionMismatch => irsa::TRUST_ACTION_MISMATCH,
    IrsaTrustSubjectMismatch => irsa::TRUST_SUBJECT_MISMATCH,
    IrsaTrustAudienceMismatch => irsa::TRUST_AUDIENCE_MISMATCH,
    IrsaPodEnvMissing => irsa::POD_ENV_MISSING,
    IrsaCredentialsShadowed => irsa::CREDENTIALS_SHADOWED,
    IrsaUnverified => irsa::UNVERIFIED,

    PodIdentityAgentMissing => pod_identity::AGENT_MISSING,
    PodIdentityRoleMissing => pod_identity::ROLE_MISSING,
    PodIdentityTrustInvalid => pod_identity::TRUST_INVALID,
    PodIdentityPodEnvMissing => pod_identity::POD_ENV_MISSING,
    PodIdentityShadowed => pod_identity::SHADOWED,
}

impl Code {
    /// The stable kebab-case name (what JSON and scripts see).
    pub fn name(self) -> &'static str {
        self.rule().name
    }

    /// The usual severity (a check may pick another, e.g. a warning
    /// for `clock-skew` under five minutes).
    pub fn severity(self) -> Severity {
        self.rule().severity
    }

    /// The report section it belongs to.
    pub fn area(self) -> Area {
        self.rule().area
    }

    /// The code for a kebab-case name.
    #[cfg(test)]
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.name() == name)
    }
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

    /// A "✓" line: what `code`'s rule checked holds (the title says
    /// what was seen). Shown in the text report, in its area, when that
    /// area has no warning or error; left out of JSON, the verdict and the
    /// exit status.
    pub fn ok(code: Code, title: impl Into<String>) -> Self {
        Finding::new(code, title).severity(Severity::Ok)
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
    fn ranks_are_unique() {
        let mut seen = HashSet::new();
        for c in Code::ALL {
            if let Some(r) = c.rule().rank {
                assert!(seen.insert(r), "{} shares rank {r}", c.name());
            }
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
