//! The checks of `why`: evidence in, findings out, no I/O.
//!
//! One file per area, named for what it owns (`aws_auth.rs`: every
//! `aws-auth-*` code). A file holds, together, each code's [`Rule`] (a
//! `static` beside the check that emits it: name, usual severity, area,
//! rank in the verdict; its doc comment says what it means), its checks
//! (`check(&Evidence) -> Vec<Finding>`; the severity policy, "error unless
//! ..., then warning", lives there too), the titles, details and remedies,
//! and, where the area has one, `passed`: the "✓" line, a finding of
//! severity `ok` under the code whose rule held. [`CHECKS`] lists them;
//! [`run_all`] runs them in area order. The report only renders. The
//! helpers below are what several checks share: the names to put in
//! remedies (cluster, region, profile), the caller STS reported, shell
//! quoting. A remedy uses the real names from the evidence, and an
//! upper-case placeholder (`CLUSTER`) only when the name is unknown. No
//! finding ever carries a secret: the token is inspected here, and only its
//! non-secret parts go into findings.

pub mod access_entries;
pub mod authorization;
pub mod aws_auth;
pub mod cluster;
pub mod credentials;
pub mod identity;
pub mod irsa;
pub mod kubeconfig;
pub mod network;
pub mod pod_identity;
pub mod signer;
pub mod sts;
pub mod token;

use super::evidence::{Evidence, ExecKind, Review, StsAnswer};
use super::finding::Finding;
#[cfg(doc)]
use super::finding::Rule;
use time::OffsetDateTime;

/// A check: a pure function of the evidence.
pub type Check = fn(&Evidence) -> Vec<Finding>;

/// The checks, in area order; within an area, the order their findings
/// are shown in (a `passed` line is shown first in its area, and only
/// when nothing there is a warning or an error).
pub const CHECKS: [Check; 24] = [
    kubeconfig::check,
    kubeconfig::passed,
    credentials::check,
    credentials::passed,
    signer::check,
    token::check,
    token::passed,
    sts::check,
    sts::passed,
    cluster::check,
    cluster::passed,
    identity::who,
    aws_auth::check,
    access_entries::grants,
    identity::check,
    access_entries::check,
    authorization::check,
    authorization::passed,
    network::check,
    network::passed,
    irsa::check,
    irsa::passed,
    pod_identity::check,
    pod_identity::passed,
];

/// Runs every check; findings come out grouped by area, in check order
/// within an area.
pub fn run_all(e: &Evidence) -> Vec<Finding> {
    let mut out: Vec<Finding> = CHECKS.iter().flat_map(|check| check(e)).collect();
    out.sort_by_key(|f| f.code.area()); // stable
    out
}

/// The caller as STS reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub arn: String,
    pub account: String,
    pub user_id: String,
    /// The canonical principal ARN (what a mapping must name).
    pub principal: String,
}

/// Who signed the token: from STS's answer, or from the answer with the
/// exec entry's cluster name when only that one verified.
pub fn caller(e: &Evidence) -> Option<Caller> {
    let sts = e.sts.as_ref()?;
    let answers =
        std::iter::once(&sts.answer).chain(sts.answer_with_exec_cluster.as_ref().map(|(_, a)| a));
    answers.into_iter().find_map(|a| match a {
        StsAnswer::Caller {
            arn,
            account,
            user_id,
        } => Some(Caller {
            arn: arn.clone(),
            account: account.clone(),
            user_id: user_id.clone(),
            principal: crate::domain::arn::canonicalize(arn).unwrap_or_else(|| arn.clone()),
        }),
        _ => None,
    })
}

/// The cluster's name, when anything tells it.
pub fn cluster_name(e: &Evidence) -> Option<String> {
    e.eks
        .as_ref()
        .map(|x| x.cluster_name.clone())
        .or_else(|| e.kubeconfig.arn_cluster_name.clone())
        .or_else(|| e.sts.as_ref().map(|s| s.cluster_header.clone()))
        .or_else(|| {
            e.kubeconfig
                .exec
                .as_ref()
                .and_then(|x| x.cluster_name.clone())
        })
        .filter(|n| !n.is_empty())
}

/// The cluster's region, when anything tells it.
pub fn region(e: &Evidence) -> Option<String> {
    e.eks
        .as_ref()
        .map(|x| x.region.clone())
        .or_else(|| e.kubeconfig.arn_region.clone())
        .or_else(|| e.kubeconfig.exec.as_ref().and_then(|x| x.region.clone()))
        .filter(|r| !r.is_empty())
}

/// The cluster's name, or `CLUSTER`, for remedies.
pub fn cluster_or_placeholder(e: &Evidence) -> String {
    cluster_name(e).unwrap_or_else(|| "CLUSTER".into())
}

/// The region, or `REGION`, for remedies.
pub fn region_or_placeholder(e: &Evidence) -> String {
    region(e).unwrap_or_else(|| "REGION".into())
}

/// The exec entry's AWS profile.
pub fn profile(e: &Evidence) -> Option<String> {
    e.kubeconfig
        .exec
        .as_ref()
        .and_then(|x| x.profile.clone())
        .filter(|p| !p.is_empty())
}

/// ` --profile P` when the exec entry names a profile, else empty.
pub fn profile_arg(e: &Evidence) -> String {
    profile(e)
        .map(|p| format!(" --profile {}", sh(&p)))
        .unwrap_or_default()
}

/// `--cluster-name C --region R` for `aws eks` remedies.
pub fn cluster_args(e: &Evidence) -> String {
    format!(
        "--cluster-name {} --region {}",
        sh(&cluster_or_placeholder(e)),
        sh(&region_or_placeholder(e))
    )
}

/// The command that (re)writes the kubeconfig entry with this plugin.
pub fn setup_command(e: &Evidence) -> String {
    format!(
        "kubectl eksauth setup {}{}",
        cluster_args(e),
        profile_arg(e)
    )
}

/// True when the context is expected to carry an EKS token: an exec entry
/// of a known EKS tool, `--token`, or a token that looks like one.
pub fn eks_token_expected(e: &Evidence) -> bool {
    let tool = e
        .kubeconfig
        .exec
        .as_ref()
        .is_some_and(|x| x.kind != ExecKind::Other);
    let looks = e
        .token
        .as_ref()
        .is_some_and(|t| t.expose().starts_with(crate::domain::token::TOKEN_PREFIX));
    tool || looks || e.request.token_from_flag
}

/// True when the API server accepted the token (it said who we are, or
/// refused the review with 403, which needs an authenticated user).
pub fn accepted(e: &Evidence) -> bool {
    matches!(
        e.server.as_ref().and_then(|s| s.review.as_ref()),
        Some(Review::Authenticated { .. } | Review::Forbidden(_))
    )
}

/// True when the API server answered 401.
pub fn rejected(e: &Evidence) -> bool {
    matches!(
        e.server.as_ref().and_then(|s| s.review.as_ref()),
        Some(Review::Unauthorized)
    )
}

/// Quotes a word for a POSIX shell when it needs it (the domain's rule).
pub use crate::domain::shell::quote as sh;

/// The last `n` non-empty lines of a message, joined with newlines.
pub fn last_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// RFC 3339 for messages and evidence.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `3 min 12 s`, `45 s`, `2 h 5 min` for messages.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.abs();
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 if s % 60 == 0 => format!("{} min", s / 60),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// The exec command line as the user would type it (AWS_PROFILE and
/// AWS_REGION from the entry's env in front; no other env value, which
/// may be secret).
pub fn exec_command_line(e: &Evidence) -> Option<String> {
    let x = e.kubeconfig.exec.as_ref()?;
    let mut words: Vec<String> = x
        .env
        .iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "AWS_PROFILE" | "AWS_REGION" | "AWS_DEFAULT_REGION"
            )
        })
        .map(|(k, v)| format!("{k}={}", sh(v)))
        .collect();
    words.push(sh(&x.command));
    words.extend(x.args.iter().map(|a| sh(a)));
    Some(words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(-432), "7 min 12 s");
        assert_eq!(human_duration(600), "10 min");
        assert_eq!(human_duration(7500), "2 h 5 min");
    }

    #[test]
    fn last_lines_keeps_the_end() {
        assert_eq!(last_lines("a\n\nb\nc\n", 2), "b\nc");
        assert_eq!(last_lines("only", 5), "only");
    }
}

/// Evidence fixtures shared by the checks' tests: a healthy cluster three
/// ways (access entry, aws-auth, SSO role mapped without path) and helpers
/// to break one thing at a time.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::run_all;
    use crate::secret::Secret;
    use crate::why::evidence::*;
    use crate::why::finding::{Code, Finding, Severity};
    use crate::why::report::Report;
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use std::collections::BTreeMap;
    use time::OffsetDateTime;
    use time::macros::datetime;

    /// The local clock of every fixture: five minutes after signing.
    pub const NOW: OffsetDateTime = datetime!(2026-01-01 00:05:00 UTC);
    pub const AKID: &str = "ASIAR2TG44V6EXAMPLE7";
    /// Secrets that must never show in any output.
    pub const SECRET_SESSION: &str = "IQoJb3JpZ2luX2VjSECRETSESSIONTOKENVALUE";
    pub const SIGNATURE: &str = "e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce";
    pub const SECRET_KEY: &str = "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY";
    pub const DEV_ROLE: &str = "arn:aws:iam::111122223333:role/Dev";
    pub const SSO_ROLE: &str = "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd";
    pub const SSO_ROLE_WITH_PATH: &str = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_Admin_0123abcd";
    pub const SERVER: &str = "https://ABCDEF0123456789.gr7.us-west-2.eks.amazonaws.com";
    pub const CONTEXT: &str = "arn:aws:eks:us-west-2:111122223333:cluster/demo";
    pub const NODES_ONLY: &str = "- rolearn: arn:aws:iam::111122223333:role/NodeRole\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n";
    pub const CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIC5zCCAc+gAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\ncm5ldGVz\n-----END CERTIFICATE-----\n";

    /// The presigned URL of the fixtures' token (signed at 00:00:00).
    pub fn good_url() -> String {
        format!(
            "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15\
             &X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential={AKID}%2F20260101%2Fus-west-2%2Fsts%2Faws4_request\
             &X-Amz-Date=20260101T000000Z&X-Amz-Expires=60\
             &X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
             &X-Amz-Security-Token={SECRET_SESSION}&X-Amz-Signature={SIGNATURE}"
        )
    }

    /// A token for `url`.
    pub fn token_for(url: &str) -> String {
        format!("k8s-aws-v1.{}", URL_SAFE_NO_PAD.encode(url))
    }

    fn kubeconfig() -> KubeconfigFacts {
        KubeconfigFacts {
            files: vec![KubeconfigFile {
                path: "/home/u/.kube/config".into(),
                exists: true,
                mode: Some(0o600),
                parse_error: None,
            }],
            context: Some(CONTEXT.into()),
            context_found: true,
            contexts: vec![CONTEXT.into()],
            dangling: None,
            cluster_entry: Some(CONTEXT.into()),
            server: Some(SERVER.into()),
            ca_pem: Some(CA_PEM.as_bytes().to_vec()),
            insecure: false,
            proxy_url: None,
            exec: Some(ExecEntry {
                api_version: Some(crate::exec_credential::V1BETA1.into()),
                command: "aws".into(),
                args: [
                    "--region",
                    "us-west-2",
                    "eks",
                    "get-token",
                    "--cluster-name",
                    "demo",
                    "--output",
                    "json",
                ]
                .map(String::from)
                .to_vec(),
                env: vec![
                    ("AWS_PROFILE".into(), "dev".into()),
                    ("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into()),
                ],
                install_hint: None,
                kind: ExecKind::AwsCli,
                cluster_name: Some("demo".into()),
                cluster_id_given: false,
                region: Some("us-west-2".into()),
                profile: Some("dev".into()),
                role_arn: None,
            }),
            other_auth: None,
            static_token: None,
            static_token_source: None,
            arn_cluster_name: Some("demo".into()),
            arn_region: Some("us-west-2".into()),
            namespace: None,
        }
    }

    /// The exec step with `outcome`.
    pub fn exec_outcome(outcome: ExecOutcome) -> ExecFacts {
        ExecFacts { outcome }
    }

    /// The exec step that printed a token.
    pub fn exec_token() -> ExecFacts {
        exec_outcome(ExecOutcome::Token {
            expiration: Some("2026-01-01T00:14:00Z".into()),
        })
    }

    /// The cluster's view of the Dev role's session.
    pub fn authenticated() -> Review {
        Review::Authenticated {
            username: "arn:aws:sts::111122223333:assumed-role/Dev/alice".into(),
            uid: None,
            groups: vec!["system:authenticated".into()],
            extra: BTreeMap::new(),
        }
    }

    /// aws-auth data with this mapRoles.
    pub fn aws_auth(map_roles: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("mapRoles".to_string(), map_roles.to_string())])
    }

    /// aws-auth that the diagnosed identity may not read.
    pub fn unreadable_aws_auth() -> AwsAuthFacts {
        AwsAuthFacts {
            source: Some("the diagnosed identity".into()),
            unreadable: Some("configmaps \"aws-auth\" is forbidden".into()),
            ..Default::default()
        }
    }

    /// Dev mapped by an access entry with the cluster-admin policy, mode
    /// API_AND_CONFIG_MAP; everything fine.
    pub fn healthy() -> Evidence {
        Evidence {
            now: Some(NOW),
            request: WhyRequest::default(),
            kubeconfig: kubeconfig(),
            exec: Some(exec_token()),
            token: Some(Secret::new(token_for(&good_url()))),
            sts: Some(StsFacts {
                endpoint: "https://sts.us-west-2.amazonaws.com/".into(),
                endpoint_override: false,
                cluster_header: "demo".into(),
                answer: StsAnswer::Caller {
                    arn: "arn:aws:sts::111122223333:assumed-role/Dev/alice".into(),
                    account: "111122223333".into(),
                    user_id: "AROAEXAMPLEID:alice".into(),
                },
                answer_with_exec_cluster: None,
                server_date: Some(NOW),
            }),
            eks: Some(EksFacts {
                cluster_name: "demo".into(),
                region: "us-west-2".into(),
                describe: EksCall::Ok(ClusterInfo {
                    name: "demo".into(),
                    arn: Some(CONTEXT.into()),
                    endpoint: Some(
                        SERVER
                            .to_ascii_lowercase()
                            .replace("https://abcdef", "https://ABCDEF"),
                    ),
                    ca_data: Some(STANDARD.encode(CA_PEM)),
                    status: Some("ACTIVE".into()),
                    authentication_mode: Some("API_AND_CONFIG_MAP".into()),
                    oidc_issuer: None,
                    endpoint_access: Some(EndpointAccess {
                        public: true,
                        private: false,
                        public_cidrs: vec!["0.0.0.0/0".into()],
                    }),
                }),
                access_entry: Some(EksCall::Ok(Some(AccessEntryInfo {
                    principal_arn: DEV_ROLE.into(),
                    username: None,
                    kubernetes_groups: vec![],
                    entry_type: Some("STANDARD".into()),
                    policies: vec![AccessPolicy {
                        policy_arn:
                            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
                                .into(),
                        scope_type: "cluster".into(),
                        namespaces: vec![],
                    }],
                    created_at: Some(datetime!(2025-06-01 00:00:00 UTC)),
                }))),
                entry_arns: vec![DEV_ROLE.into()],
                role_created: Some(EksCall::Ok(datetime!(2025-01-01 00:00:00 UTC))),
                server_date: Some(NOW),
                tls_untrusted: None,
            }),
            aws_auth: AwsAuthFacts {
                source: Some("the diagnosed identity".into()),
                data: Some(aws_auth(NODES_ONLY)),
                absent: false,
                unreadable: None,
            },
            server: Some(ServerFacts {
                server: SERVER.into(),
                reach: Reach::Ok,
                proxy: None,
                review: Some(authenticated()),
                server_date: Some(NOW),
            }),
            authz: None,
            irsa: None,
            pod_identity: None,
            signer: None,
        }
    }

    /// Sets the cluster's authentication mode.
    pub fn set_mode(e: &mut Evidence, mode: &str) {
        if let Some(EksCall::Ok(info)) = e.eks.as_mut().map(|x| &mut x.describe) {
            info.authentication_mode = Some(mode.into());
        }
    }

    /// Dev mapped in aws-auth, mode CONFIG_MAP; everything fine.
    pub fn healthy_aws_auth() -> Evidence {
        let mut e = healthy();
        set_mode(&mut e, "CONFIG_MAP");
        e.eks.as_mut().unwrap().access_entry = None;
        e.aws_auth.data = Some(aws_auth(&format!(
            "{NODES_ONLY}- rolearn: {DEV_ROLE}\n  username: dev:{{{{SessionName}}}}\n  groups:\n    - system:masters\n"
        )));
        e.server.as_mut().unwrap().review = Some(Review::Authenticated {
            username: "dev:alice".into(),
            uid: None,
            groups: vec!["system:masters".into(), "system:authenticated".into()],
            extra: BTreeMap::new(),
        });
        e
    }

    /// Makes the caller alice's IAM Identity Center session.
    pub fn sso_caller(e: &mut Evidence) {
        e.sts.as_mut().unwrap().answer = StsAnswer::Caller {
            arn: "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/alice@example.com".into(),
            account: "111122223333".into(),
            user_id: "AROAEXAMPLESSO:alice@example.com".into(),
        };
    }

    /// An SSO role mapped without its path, mode CONFIG_MAP; everything fine.
    pub fn healthy_sso() -> Evidence {
        let mut e = healthy_aws_auth();
        sso_caller(&mut e);
        e.aws_auth.data = Some(aws_auth(&format!(
            "{NODES_ONLY}- rolearn: {SSO_ROLE}\n  username: sso-admin:{{{{SessionName}}}}\n  groups:\n    - system:masters\n"
        )));
        e.server.as_mut().unwrap().review = Some(Review::Authenticated {
            username: "sso-admin:alice-example.com".into(),
            uid: None,
            groups: vec!["system:masters".into(), "system:authenticated".into()],
            extra: BTreeMap::new(),
        });
        e
    }

    /// Mode CONFIG_MAP, aws-auth maps only the nodes, the cluster says 401.
    pub fn rejected_config_map() -> Evidence {
        let mut e = healthy_aws_auth();
        e.aws_auth.data = Some(aws_auth(NODES_ONLY));
        e.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        e
    }

    /// A fine kubeconfig and nothing gathered after it.
    pub fn broken_after_kubeconfig() -> Evidence {
        let mut e = healthy();
        e.exec = None;
        e.token = None;
        e.sts = None;
        e.eks = None;
        e.server = None;
        e.aws_auth = AwsAuthFacts::default();
        e
    }

    /// The API server step when the connection failed (`dns`, `tls`, else refused).
    pub fn unreachable_server(how: &str) -> ServerFacts {
        let reach = match how {
            "dns" => Reach::DnsFailed("lookup failed: no such host".into()),
            "tls" => Reach::TlsFailed("invalid peer certificate: UnknownIssuer".into()),
            _ => Reach::Unreachable("connection refused".into()),
        };
        ServerFacts {
            server: SERVER.into(),
            reach,
            proxy: None,
            review: None,
            server_date: None,
        }
    }

    /// True when the checks emit `code` (not as a "✓" line).
    pub fn has(e: &Evidence, code: Code) -> bool {
        run_all(e)
            .iter()
            .any(|f| f.code == code && f.severity != Severity::Ok)
    }

    /// The report's verdict.
    pub fn verdict(e: &Evidence) -> String {
        Report::from_evidence(e, run_all(e)).verdict
    }

    /// Asserts `code` is found with `severity` and the verdict is `want`;
    /// also that every finding is complete and that no output carries a
    /// secret. Returns the finding.
    pub fn expect(e: &Evidence, code: Code, severity: Severity, want: &str) -> Finding {
        let findings = run_all(e);
        let names: Vec<_> = findings
            .iter()
            .map(|f| (f.code.name(), f.severity))
            .collect();
        let f = findings
            .iter()
            .find(|f| f.code == code && f.severity != Severity::Ok)
            .unwrap_or_else(|| panic!("no {} among {names:?}", code.name()))
            .clone();
        assert_eq!(f.severity, severity, "severity of {}", code.name());
        for g in &findings {
            assert!(
                !g.title.is_empty() && !g.title.contains('\n'),
                "{}: one-line title",
                g.code.name()
            );
            assert!(g.evidence.is_object(), "{}: evidence object", g.code.name());
            if g.severity >= Severity::Warning {
                assert!(!g.remedy.is_empty(), "{}: a remedy", g.code.name());
            }
        }
        let report = Report::from_evidence(e, findings);
        assert_eq!(report.verdict, want, "verdict among {names:?}");
        let token = e
            .token
            .as_ref()
            .map(|t| t.expose().to_string())
            .unwrap_or_else(|| SIGNATURE.into());
        for out in [report.render_json(), report.render_text(false)] {
            for secret in [token.as_str(), SECRET_SESSION, SIGNATURE, SECRET_KEY] {
                assert!(!out.contains(secret), "{}: a secret leaked", code.name());
            }
        }
        f
    }
}
