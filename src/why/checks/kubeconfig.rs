//! Kubeconfig and exec: the file kubectl loads, the context it picks, and
//! how the context's exec command went.
//!
//! Codes: kubeconfig-missing, kubeconfig-invalid, kubeconfig-permissions,
//! context-missing, exec-not-eks, exec-command-not-found,
//! exec-api-version-deprecated, exec-failed, kubeconfig-static-token. An exec failure whose stderr
//! names a credentials problem is left to `credentials.rs` (which owns the
//! classification), so exec-failed is only what no more specific code says.

use super::{exec_command_line, human_duration, last_lines, rfc3339, setup_command, sh};
use crate::domain::arn::Arn;
use crate::domain::token::TOKEN_PREFIX;
use crate::exec_credential::V1ALPHA1;
use crate::why::evidence::{Evidence, ExecEntry, ExecKind, ExecOutcome, KubeconfigFacts};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use crate::why::inspect::{Rule as TokenRule, TokenParts, inspect};
use serde_json::json;
use time::OffsetDateTime;

/// Permission bits that let the group or others read the file.
const GROUP_OR_WORLD_READ: u32 = 0o044;

/// Lines of stderr shown in a finding (the end says what went wrong).
const STDERR_LINES: usize = 6;

/// kubeconfig-invalid: the kubeconfig does not parse, or its references are dangling.
pub static INVALID: Rule =
    Rule::new("kubeconfig-invalid", Severity::Error, Area::Kubeconfig).rank(20);

/// kubeconfig-permissions: the kubeconfig is group- or world-readable.
pub static PERMISSIONS: Rule = Rule::new(
    "kubeconfig-permissions",
    Severity::Warning,
    Area::Kubeconfig,
);

/// The kubeconfig and exec findings.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let k = &e.kubeconfig;
    let mut out = Vec::new();
    let existing: Vec<_> = k.files.iter().filter(|f| f.exists).collect();
    if existing.is_empty() {
        out.push(missing(e));
        return out;
    }
    for f in &existing {
        if let Some(err) = &f.parse_error {
            out.push(
                Finding::new(
                    Code::KubeconfigInvalid,
                    format!("The kubeconfig {} does not parse", f.path),
                )
                .detail(err.clone())
                .remedy(format!(
                    "Fix the YAML at the place the error names, then check it with:\n\
                         kubectl config view --kubeconfig {}\n\
                         or write the entry again:\n\
                         aws eks update-kubeconfig --name {} --region {}",
                    sh(&f.path),
                    sh(&super::cluster_or_placeholder(e)),
                    sh(&super::region_or_placeholder(e)),
                ))
                .evidence(json!({"path": f.path, "error": err})),
            );
        }
        if let Some(mode) = f.mode.filter(|m| m & GROUP_OR_WORLD_READ != 0) {
            let who = if mode & 0o004 != 0 { "world" } else { "group" };
            out.push(
                Finding::new(
                    Code::KubeconfigPermissions,
                    format!("The kubeconfig {} is {who}-readable", f.path),
                )
                .detail(format!(
                    "Mode {mode:04o}: other users of this machine (and any process running as \
                     them) can read it: the cluster endpoints and CAs, and any token, password or \
                     client key it holds, which let them act as you on those clusters. kubectl \
                     says nothing about it."
                ))
                .remedy(format!("chmod 600 {}", sh(&f.path)))
                .evidence(json!({"path": f.path, "mode": format!("{mode:04o}")})),
            );
        }
    }
    if let Some(d) = &k.dangling {
        out.push(
            Finding::new(
                Code::KubeconfigInvalid,
                "The kubeconfig has a dangling reference",
            )
            .detail(d.clone())
            .remedy(format!(
                "Write the cluster, user and context entries again:\n\
                     aws eks update-kubeconfig --name {} --region {}\nor\n{}",
                sh(&super::cluster_or_placeholder(e)),
                sh(&super::region_or_placeholder(e)),
                setup_command(e)
            ))
            .evidence(json!({"dangling": d})),
        );
    }
    if existing.iter().any(|f| f.parse_error.is_some()) {
        return out;
    }
    if !k.context_found {
        out.push(context_missing(k));
        return out;
    }
    out.extend(exec_findings(e));
    out
}

/// ✓ The context is defined (and what it runs): `context-missing` holds.
pub fn passed(e: &Evidence) -> Vec<Finding> {
    let k = &e.kubeconfig;
    if !k.context_found {
        return Vec::new();
    }
    let ctx = k.context.as_deref().unwrap_or("");
    let line = match &k.exec {
        Some(x) => format!("context {ctx} runs `{}`", x.command),
        None => format!("context {ctx} is defined"),
    };
    vec![Finding::ok(Code::ContextMissing, line)]
}

/// kubeconfig-missing: no kubeconfig (kubectl would fall back to localhost:8080).
pub static MISSING: Rule =
    Rule::new("kubeconfig-missing", Severity::Error, Area::Kubeconfig).rank(10);

fn missing(e: &Evidence) -> Finding {
    let paths: Vec<&str> = e.kubeconfig.files.iter().map(|f| f.path.as_str()).collect();
    let looked = if paths.is_empty() {
        "~/.kube/config".to_string()
    } else {
        paths.join(", ")
    };
    Finding::new(Code::KubeconfigMissing, "No kubeconfig: kubectl would fall back to localhost:8080")
        .detail(format!("kubectl looked for {looked} and found no file."))
        .remedy(format!(
            "Write a kubeconfig entry for the cluster:\n{}\nor\naws eks update-kubeconfig --name {} --region {}",
            setup_command(e),
            sh(&super::cluster_or_placeholder(e)),
            sh(&super::region_or_placeholder(e)),
        ))
        .evidence(json!({"paths": paths}))
}

/// context-missing: no current context, or the named one is absent.
pub static CONTEXT_MISSING: Rule =
    Rule::new("context-missing", Severity::Error, Area::Kubeconfig).rank(30);

fn context_missing(k: &KubeconfigFacts) -> Finding {
    let listed = if k.contexts.is_empty() {
        "none".to_string()
    } else {
        k.contexts.join(", ")
    };
    let (title, suggestion) = match &k.context {
        None => (
            "The kubeconfig has no current context".to_string(),
            k.contexts.first().cloned(),
        ),
        Some(name) => {
            let near = k
                .contexts
                .iter()
                .find(|c| c.eq_ignore_ascii_case(name) || c.ends_with(&format!("/{name}")))
                .or(k.contexts.first())
                .cloned();
            (format!("The context {name} is not in the kubeconfig"), near)
        }
    };
    let from_arn = k
        .context
        .as_deref()
        .and_then(Arn::parse)
        .filter(|a| a.service == "eks");
    let remedy = match (suggestion, from_arn) {
        (_, Some(a)) if !a.region.is_empty() => format!(
            "Write the entry for that cluster:\naws eks update-kubeconfig --name {} --region {}",
            sh(a.resource.trim_start_matches("cluster/")),
            sh(&a.region)
        ),
        (Some(name), _) => format!("Pick an existing context:\nkubectl config use-context {}", sh(&name)),
        (None, _) => "Write a context for the cluster:\naws eks update-kubeconfig --name CLUSTER --region REGION"
            .to_string(),
    };
    Finding::new(Code::ContextMissing, title)
        .detail(format!("Contexts in the kubeconfig: {listed}."))
        .remedy(remedy)
        .evidence(json!({"context": k.context, "contexts": k.contexts}))
}

/// exec-not-eks: the context does not use an EKS token.
pub static EXEC_NOT_EKS: Rule = Rule::new("exec-not-eks", Severity::Info, Area::Kubeconfig);

/// exec-api-version-deprecated: the exec entry uses client.authentication.k8s.io/v1alpha1.
pub static EXEC_API_VERSION_DEPRECATED: Rule = Rule::new(
    "exec-api-version-deprecated",
    Severity::Error,
    Area::Kubeconfig,
)
.rank(50);

/// exec-failed: the exec command failed for a reason no more specific code names.
pub static EXEC_FAILED: Rule = Rule::new("exec-failed", Severity::Error, Area::Kubeconfig).rank(60);

fn exec_findings(e: &Evidence) -> Vec<Finding> {
    let mut out = Vec::new();
    let k = &e.kubeconfig;
    let Some(x) = &k.exec else {
        if let Some(f) = static_token(e) {
            out.push(f);
        } else if !e.request.token_from_flag {
            let how = k
                .other_auth
                .clone()
                .unwrap_or_else(|| "no credentials at all".into());
            out.push(
                Finding::new(Code::ExecNotEks, "This context does not use an EKS token")
                    .detail(format!(
                        "Its user authenticates with {how}; the IAM checks do not apply."
                    ))
                    .remedy(format!(
                        "To use IAM credentials for this cluster:\n{}",
                        setup_command(e)
                    ))
                    .evidence(json!({"auth": how})),
            );
        }
        return out;
    };
    if x.api_version.as_deref() == Some(V1ALPHA1) {
        out.push(
            Finding::new(Code::ExecApiVersionDeprecated, "The exec entry asks for apiVersion v1alpha1, removed in Kubernetes 1.24")
                .detail(format!(
                    "apiVersion: {V1ALPHA1}; kubectl 1.24 and later refuse it with \"exec plugin: invalid apiVersion\"."
                ))
                .remedy("Rewrite the exec entries to client.authentication.k8s.io/v1:\nkubectl eksauth setup --migrate")
                .evidence(json!({"api_version": V1ALPHA1})),
        );
    }
    let token_is_eks = e
        .token
        .as_ref()
        .is_some_and(|t| t.expose().starts_with(TOKEN_PREFIX));
    if x.kind == ExecKind::Other && !token_is_eks && !e.request.token_from_flag {
        out.push(
            Finding::new(Code::ExecNotEks, format!("The exec command {} does not make an EKS token", x.command))
                .detail("The IAM checks apply only to `aws eks get-token`, `aws-iam-authenticator` and `kubectl eksauth token`.")
                .remedy(format!("To use IAM credentials for this cluster:\n{}", setup_command(e)))
                .evidence(json!({"command": x.command})),
        );
    }
    let Some(facts) = &e.exec else { return out };
    match &facts.outcome {
        ExecOutcome::NotFound => out.push(not_found(e, x)),
        ExecOutcome::Failed { exit_code, stderr } => {
            let about_v1alpha1 = x.api_version.as_deref() == Some(V1ALPHA1) && stderr.contains("v1alpha1");
            if super::credentials::classify(stderr).is_none() && !about_v1alpha1 {
                out.push(failed(e, *exit_code, stderr));
            }
        }
        ExecOutcome::BadOutput { reason } => out.push(bad_output(e, x, reason)),
        ExecOutcome::TimedOut { seconds } => out.push(
            Finding::new(Code::ExecFailed, format!("The exec command ran over {seconds} s and was stopped"))
                .detail(
                    "It is probably waiting for input kubectl cannot give: a browser login (SSO), \
                     an MFA code, or a credential_process that prompts.",
                )
                .remedy(format!(
                    "Run it once by hand to see what it waits for:\n{}\nFor an SSO profile, log in first: {}",
                    exec_command_line(e).unwrap_or_default(),
                    crate::domain::sso::login_command(&super::profile(e).unwrap_or_else(|| "default".into()))
                ))
                .evidence(json!({"timeout_seconds": seconds})),
        ),
        ExecOutcome::Token { .. } => {}
    }
    out
}

/// kubeconfig-static-token: the user entry holds a fixed EKS token, which stops working 15 minutes after it was made.
pub static STATIC_TOKEN: Rule = Rule::new(
    "kubeconfig-static-token",
    Severity::Warning,
    Area::Kubeconfig,
)
.rank(70);

/// kubeconfig-static-token: a fixed EKS token in the user entry; an error
/// once its 15 minutes are over (by the servers' clock when one answered).
fn static_token(e: &Evidence) -> Option<Finding> {
    let k = &e.kubeconfig;
    let token = k.static_token.as_ref()?;
    if !token.expose().starts_with(TOKEN_PREFIX) {
        return None;
    }
    let server_date = e.server.as_ref().and_then(|s| s.server_date);
    let now = server_date.or(e.now).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let i = inspect(token.expose(), now);
    let parts = i.parts.clone().unwrap_or_default();
    let expired = i.violation(TokenRule::Expired).is_some();
    let when = match (parts.date, parts.expires_at()) {
        (Some(d), Some(x)) if expired => format!(
            " It was signed at {} and stopped working at {}.",
            rfc3339(d),
            rfc3339(x)
        ),
        (Some(d), Some(x)) => format!(
            " It was signed at {} and stops working at {}, {} from now.",
            rfc3339(d),
            rfc3339(x),
            human_duration((x - now).whole_seconds())
        ),
        _ => String::new(),
    };
    let source = k
        .static_token_source
        .clone()
        .unwrap_or_else(|| "token".into());
    Some(
        Finding::new(
            Code::KubeconfigStaticToken,
            match expired {
                true => "The kubeconfig holds a fixed EKS token, which has expired",
                false => "The kubeconfig holds a fixed EKS token, which expires within 15 minutes",
            },
        )
        .severity(if expired {
            Severity::Error
        } else {
            Severity::Warning
        })
        .detail(format!(
            "The user entry has `{source}` with an EKS token (pasted from `aws eks get-token`, or \
             written by Terraform's aws_eks_cluster_auth). EKS accepts a token for 15 minutes \
             after it was signed, and kubectl never renews a fixed one.{when}"
        ))
        .remedy(format!(
            "Replace the fixed token with an exec entry that signs a fresh one for every call:\n{}",
            static_setup_command(e, &parts)
        ))
        .evidence(json!({"source": source, "expired": expired, "token": i.to_json()})),
    )
}

/// The setup line for the static token's cluster; the region from the
/// token's signing scope when nothing else tells it.
fn static_setup_command(e: &Evidence, parts: &TokenParts) -> String {
    let region = super::region(e)
        .or_else(|| parts.signing_region.clone())
        .unwrap_or_else(|| "REGION".into());
    format!(
        "kubectl eksauth setup --cluster-name {} --region {}",
        sh(&super::cluster_or_placeholder(e)),
        sh(&region)
    )
}

/// exec-command-not-found: the exec command is not on PATH.
pub static EXEC_COMMAND_NOT_FOUND: Rule =
    Rule::new("exec-command-not-found", Severity::Error, Area::Kubeconfig).rank(40);

fn not_found(e: &Evidence, x: &ExecEntry) -> Finding {
    let install = match (&x.install_hint, x.kind) {
        (Some(hint), _) if !hint.trim().is_empty() => hint.trim().to_string(),
        (_, ExecKind::EksAuth) => "Install it with krew:\nkubectl krew install eksauth".to_string(),
        (_, ExecKind::AwsCli) => "Install the AWS CLI v2 \
             (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html),\n\
             or with pip:\npip install awscli"
            .to_string(),
        (_, ExecKind::Authenticator) => "Install aws-iam-authenticator \
             (https://github.com/kubernetes-sigs/aws-iam-authenticator/releases), e.g.:\n\
             brew install aws-iam-authenticator"
            .to_string(),
        (_, ExecKind::Other) => format!(
            "Install {} or fix the command's path in the kubeconfig.",
            x.command
        ),
    };
    let switch = if x.kind == ExecKind::EksAuth {
        String::new()
    } else {
        format!(
            "\nOr make the context use kubectl-eksauth instead:\n{}",
            setup_command(e)
        )
    };
    Finding::new(
        Code::ExecCommandNotFound,
        format!("The exec command {} is not on PATH", x.command),
    )
    .detail(format!(
        "kubectl runs `{}` to get a token and cannot find it. A shell started by an IDE or a \
             GUI app may have another PATH than your terminal.",
        x.command
    ))
    .remedy(format!("{install}{switch}"))
    .evidence(json!({"command": x.command, "kind": format!("{:?}", x.kind)}))
}

fn failed(e: &Evidence, exit_code: Option<i32>, stderr: &str) -> Finding {
    let x = e.kubeconfig.exec.as_ref();
    let command = x.map(|x| x.command.as_str()).unwrap_or("exec command");
    let status = exit_code
        .map(|c| format!(" (exit {c})"))
        .unwrap_or_default();
    let tail = last_lines(stderr, STDERR_LINES);
    let lower = stderr.to_ascii_lowercase();
    let remedy = if lower.contains("specify a region") || lower.contains("no aws region") {
        format!(
            "Name the cluster's region in the exec entry:\n{}",
            setup_command(e)
        )
    } else {
        format!(
            "Run it yourself to see the whole message:\n{}",
            exec_command_line(e).unwrap_or_else(|| command.to_string())
        )
    };
    Finding::new(
        Code::ExecFailed,
        format!("The exec command {command} failed{status}"),
    )
    .detail(if tail.is_empty() {
        "It printed nothing on stderr.".to_string()
    } else {
        tail.clone()
    })
    .remedy(remedy)
    .evidence(json!({"command": command, "exit_code": exit_code, "stderr_tail": tail}))
}

fn bad_output(e: &Evidence, x: &ExecEntry, reason: &str) -> Finding {
    let needs_json = x.kind == ExecKind::AwsCli && !x.args.iter().any(|a| a == "--output");
    let remedy = if needs_json {
        format!(
            "`aws eks get-token` prints in the profile's output format unless told otherwise; \
             add `--output json` to the exec args, or rewrite the entry:\n{}",
            setup_command(e)
        )
    } else {
        format!(
            "Run it and check that it prints one ExecCredential JSON document with status.token:\n{}",
            exec_command_line(e).unwrap_or_default()
        )
    };
    Finding::new(
        Code::ExecFailed,
        format!(
            "The exec command {} printed no usable ExecCredential",
            x.command
        ),
    )
    .detail(reason.to_string())
    .remedy(remedy)
    .evidence(json!({"command": x.command, "reason": reason}))
}

#[cfg(test)]
mod tests {
    use crate::why::checks::fixtures::*;
    use crate::why::evidence::{ExecKind, ExecOutcome, KubeconfigFile};
    use crate::why::finding::{Code, Severity};

    /// The healthy fixture with its token written into the user entry.
    fn static_token() -> crate::why::evidence::Evidence {
        let mut e = healthy();
        e.kubeconfig.exec = None;
        e.exec = None;
        e.kubeconfig.other_auth = Some("a static bearer token".into());
        e.kubeconfig.static_token = e.token.clone();
        e.kubeconfig.static_token_source = Some("token".into());
        e
    }

    #[test]
    fn kubeconfig_static_token_is_a_warning_while_fresh() {
        let e = static_token();
        let f = expect(&e, Code::KubeconfigStaticToken, Severity::Warning, "ok");
        assert!(f.detail.contains("10 min from now"), "{}", f.detail);
        assert!(
            f.remedy
                .contains("kubectl eksauth setup --cluster-name demo --region us-west-2"),
            "{}",
            f.remedy
        );
        let codes: Vec<_> = crate::why::checks::run_all(&e)
            .iter()
            .map(|f| f.code)
            .collect();
        assert!(!codes.contains(&Code::ExecNotEks), "{codes:?}");
    }

    #[test]
    fn kubeconfig_static_token_is_an_error_once_expired() {
        let mut e = static_token();
        let later = time::macros::datetime!(2026-01-01 00:20:00 UTC);
        e.now = Some(later);
        e.server.as_mut().unwrap().server_date = Some(later);
        e.server.as_mut().unwrap().review = Some(crate::why::evidence::Review::Unauthorized);
        e.sts.as_mut().unwrap().server_date = Some(later);
        e.eks.as_mut().unwrap().server_date = Some(later);
        let f = expect(
            &e,
            Code::KubeconfigStaticToken,
            Severity::Error,
            "kubeconfig-static-token",
        );
        assert!(
            f.detail.contains("stopped working at 2026-01-01T00:15:00Z"),
            "{}",
            f.detail
        );
        // The token checks ran on it as on an exec token.
        expect(
            &e,
            Code::TokenExpired,
            Severity::Error,
            "kubeconfig-static-token",
        );
    }

    #[test]
    fn a_static_token_that_is_not_an_eks_token_is_exec_not_eks() {
        let mut e = static_token();
        e.kubeconfig.static_token = Some(crate::secret::Secret::new("eyJhbGciOi.x.y"));
        e.token = None;
        expect(&e, Code::ExecNotEks, Severity::Info, "ok");
    }

    #[test]
    fn kubeconfig_permissions_says_the_risk_not_a_kubectl_warning() {
        let mut e = healthy();
        e.kubeconfig.files[0].mode = Some(0o644);
        let f = expect(&e, Code::KubeconfigPermissions, Severity::Warning, "ok");
        assert!(f.title.contains("world-readable"), "{}", f.title);
        assert!(f.detail.contains("act as you"), "{}", f.detail);
        assert!(!f.detail.contains("kubectl warns"), "{}", f.detail);
        assert!(f.remedy.starts_with("chmod 600"));
    }

    #[test]
    fn kubeconfig_missing() {
        let mut e = healthy();
        e.kubeconfig.files = vec![KubeconfigFile {
            path: "/home/u/.kube/config".into(),
            ..Default::default()
        }];
        e.exec = None;
        e.token = None;
        e.sts = None;
        e.eks = None;
        e.server = None;
        let f = expect(
            &e,
            Code::KubeconfigMissing,
            Severity::Error,
            "kubeconfig-missing",
        );
        assert!(
            f.remedy
                .contains("aws eks update-kubeconfig --name demo --region us-west-2"),
            "{}",
            f.remedy
        );
    }

    #[test]
    fn kubeconfig_invalid_parse_error() {
        let mut e = broken_after_kubeconfig();
        e.kubeconfig.files[0].parse_error =
            Some("line 3: mapping values are not allowed here".into());
        let f = expect(
            &e,
            Code::KubeconfigInvalid,
            Severity::Error,
            "kubeconfig-invalid",
        );
        assert!(
            f.remedy
                .contains("kubectl config view --kubeconfig /home/u/.kube/config")
        );
    }

    #[test]
    fn kubeconfig_invalid_dangling() {
        let mut e = broken_after_kubeconfig();
        e.kubeconfig.dangling =
            Some("context demo names user demo-user, which is not defined".into());
        let f = expect(
            &e,
            Code::KubeconfigInvalid,
            Severity::Error,
            "kubeconfig-invalid",
        );
        assert!(f.detail.contains("demo-user"));
    }

    #[test]
    fn kubeconfig_group_readable() {
        let mut e = healthy();
        e.kubeconfig.files[0].mode = Some(0o644);
        let f = expect(&e, Code::KubeconfigPermissions, Severity::Warning, "ok");
        assert_eq!(f.remedy, "chmod 600 /home/u/.kube/config");
        assert!(f.title.contains("world-readable"));
    }

    #[test]
    fn context_missing_lists_contexts() {
        let mut e = broken_after_kubeconfig();
        e.kubeconfig.context = Some("staging".into());
        e.kubeconfig.context_found = false;
        e.kubeconfig.contexts = vec![
            "prod".into(),
            "arn:aws:eks:us-west-2:1:cluster/staging".into(),
        ];
        let f = expect(&e, Code::ContextMissing, Severity::Error, "context-missing");
        assert!(
            f.remedy
                .contains("kubectl config use-context arn:aws:eks:us-west-2:1:cluster/staging"),
            "{}",
            f.remedy
        );
        assert!(f.detail.contains("prod"));
    }

    #[test]
    fn no_current_context() {
        let mut e = broken_after_kubeconfig();
        e.kubeconfig.context = None;
        e.kubeconfig.context_found = false;
        e.kubeconfig.contexts = vec!["prod".into()];
        let f = expect(&e, Code::ContextMissing, Severity::Error, "context-missing");
        assert!(f.remedy.contains("kubectl config use-context prod"));
    }

    #[test]
    fn exec_not_eks_for_client_certificates() {
        let mut e = broken_after_kubeconfig();
        e.kubeconfig.exec = None;
        e.kubeconfig.other_auth = Some("a client certificate".into());
        expect(&e, Code::ExecNotEks, Severity::Info, "ok");
    }

    #[test]
    fn exec_not_eks_for_another_plugin() {
        let mut e = broken_after_kubeconfig();
        let x = e.kubeconfig.exec.as_mut().unwrap();
        x.kind = ExecKind::Other;
        x.command = "kubelogin".into();
        e.exec = Some(exec_token());
        e.token = Some(crate::secret::Secret::new("eyJhbGciOiJSUzI1NiJ9.e30.sig"));
        expect(&e, Code::ExecNotEks, Severity::Info, "ok");
    }

    #[test]
    fn exec_command_not_found_by_kind() {
        let cases = [
            (
                ExecKind::EksAuth,
                "kubectl-eksauth",
                "kubectl krew install eksauth",
            ),
            (ExecKind::AwsCli, "aws", "pip install awscli"),
            (
                ExecKind::Authenticator,
                "aws-iam-authenticator",
                "brew install aws-iam-authenticator",
            ),
        ];
        for (kind, command, want) in cases {
            let mut e = broken_after_kubeconfig();
            let x = e.kubeconfig.exec.as_mut().unwrap();
            x.kind = kind;
            x.command = command.into();
            e.exec = Some(exec_outcome(ExecOutcome::NotFound));
            let f = expect(
                &e,
                Code::ExecCommandNotFound,
                Severity::Error,
                "exec-command-not-found",
            );
            assert!(f.remedy.contains(want), "{command}: {}", f.remedy);
        }
        let mut e = broken_after_kubeconfig();
        e.kubeconfig.exec.as_mut().unwrap().install_hint = Some("Ask IT for the toolbox".into());
        e.exec = Some(exec_outcome(ExecOutcome::NotFound));
        let f = expect(
            &e,
            Code::ExecCommandNotFound,
            Severity::Error,
            "exec-command-not-found",
        );
        assert!(f.remedy.starts_with("Ask IT for the toolbox"));
    }

    #[test]
    fn exec_api_version_v1alpha1() {
        let mut e = healthy();
        e.kubeconfig.exec.as_mut().unwrap().api_version =
            Some(crate::exec_credential::V1ALPHA1.into());
        let f = expect(
            &e,
            Code::ExecApiVersionDeprecated,
            Severity::Error,
            "exec-api-version-deprecated",
        );
        assert!(f.remedy.contains("kubectl eksauth setup --migrate"));
    }

    #[test]
    fn exec_failed_for_an_unknown_reason() {
        let mut e = broken_after_kubeconfig();
        e.exec = Some(exec_outcome(ExecOutcome::Failed {
            exit_code: Some(255),
            stderr:
                "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nsomething odd happened"
                    .into(),
        }));
        let f = expect(&e, Code::ExecFailed, Severity::Error, "exec-failed");
        assert!(
            f.detail.ends_with("something odd happened") && !f.detail.contains("line 2"),
            "{}",
            f.detail
        );
        assert!(
            f.remedy.contains(
                "AWS_PROFILE=dev aws --region us-west-2 eks get-token --cluster-name demo"
            ),
            "{}",
            f.remedy
        );
    }

    #[test]
    fn exec_failed_without_region_says_to_add_it() {
        let mut e = broken_after_kubeconfig();
        e.exec = Some(exec_outcome(ExecOutcome::Failed {
            exit_code: Some(253),
            stderr: "You must specify a region. You can also configure your region by running \"aws configure\".".into(),
        }));
        let f = expect(&e, Code::ExecFailed, Severity::Error, "exec-failed");
        assert!(f.remedy.contains(
            "kubectl eksauth setup --cluster-name demo --region us-west-2 --profile dev"
        ));
    }

    #[test]
    fn exec_bad_output_and_timeout() {
        let mut e = broken_after_kubeconfig();
        e.kubeconfig
            .exec
            .as_mut()
            .unwrap()
            .args
            .retain(|a| a != "--output" && a != "json");
        e.exec = Some(exec_outcome(ExecOutcome::BadOutput {
            reason: "stdout is not JSON".into(),
        }));
        let f = expect(&e, Code::ExecFailed, Severity::Error, "exec-failed");
        assert!(f.remedy.contains("--output json"));
        e.exec = Some(exec_outcome(ExecOutcome::TimedOut { seconds: 10 }));
        let f = expect(&e, Code::ExecFailed, Severity::Error, "exec-failed");
        assert!(f.remedy.contains("aws sso login --profile dev"));
    }
}
