//! AWS credentials of the exec entry: why the exec command could not sign.
//!
//! The exec command's stderr is classified by what `aws eks get-token`
//! (botocore), `aws-iam-authenticator` (the Go SDK) and `kubectl-eksauth
//! token` (`aws/credentials.rs`) print; STS's `ExpiredToken` answer to the
//! token says the same as a locally known expiry. Codes: credentials-missing,
//! profile-not-found, sso-session-missing, sso-session-expired,
//! assume-role-denied, credentials-expired, mfa-required, aws-tls-untrusted. What no pattern names stays an
//! exec-failed (`kubeconfig.rs`).

use super::{last_lines, profile, profile_arg, setup_command, sh};
use crate::domain::arn::Arn;
use crate::domain::sso::login_command;
use crate::why::evidence::{Evidence, ExecOutcome, StsAnswer};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use serde_json::json;

/// Lines of stderr shown in a finding.
const STDERR_LINES: usize = 4;

/// credentials-missing: no AWS credentials could be resolved.
pub static MISSING: Rule =
    Rule::new("credentials-missing", Severity::Error, Area::Credentials).rank(130);

/// profile-not-found: the AWS profile does not exist.
pub static PROFILE_NOT_FOUND: Rule =
    Rule::new("profile-not-found", Severity::Error, Area::Credentials).rank(80);

/// sso-session-missing: SSO profile, never logged in (no cached token).
pub static SSO_SESSION_MISSING: Rule =
    Rule::new("sso-session-missing", Severity::Error, Area::Credentials).rank(90);

/// sso-session-expired: the cached SSO token has expired and cannot be refreshed.
pub static SSO_SESSION_EXPIRED: Rule =
    Rule::new("sso-session-expired", Severity::Error, Area::Credentials).rank(100);

/// assume-role-denied: AssumeRole refused (trust policy or permissions).
pub static ASSUME_ROLE_DENIED: Rule =
    Rule::new("assume-role-denied", Severity::Error, Area::Credentials).rank(140);

/// credentials-expired: temporary credentials expired.
pub static EXPIRED: Rule =
    Rule::new("credentials-expired", Severity::Error, Area::Credentials).rank(150);

/// mfa-required: the role needs an MFA code and the plugin cannot ask for it.
pub static MFA_REQUIRED: Rule =
    Rule::new("mfa-required", Severity::Error, Area::Credentials).rank(110);

/// aws-tls-untrusted: TLS to an AWS endpoint fails verification (a proxy's CA is missing).
pub static AWS_TLS_UNTRUSTED: Rule =
    Rule::new("aws-tls-untrusted", Severity::Error, Area::Credentials).rank(120);

/// Patterns, lowercase, checked in this order: the first code whose
/// patterns all appear in one of its alternatives wins.
const PATTERNS: &[(Code, &[&[&str]])] = &[
    (
        Code::MfaRequired,
        &[
            &["mfa code", "cannot be asked for"],
            &["enter mfa code for"],
            &["mfa code for", "eoferror"],
        ],
    ),
    (
        Code::AwsTlsUntrusted,
        &[
            &["failed certificate verification"],
            &["certificate_verify_failed"],
            &["invalid peer certificate", "unknownissuer"],
        ],
    ),
    (
        Code::SsoSessionExpired,
        &[
            &["sso token", "has expired"],
            &["sso session", "expired"],
            &["(sso) session", "expired"],
            &["token from sso", "expired"],
            &["refresh cached sso token failed"],
        ],
    ),
    (
        Code::SsoSessionMissing,
        &[
            &["error loading sso token", "does not exist"],
            &["no sso session"],
            &["failed to read cached sso token"],
        ],
    ),
    (
        Code::ProfileNotFound,
        &[
            &["config profile", "could not be found"],
            &["profile", "is not defined in"],
            &["failed to get shared config profile"],
            &["sharedconfigprofilenotexistserror"],
        ],
    ),
    (
        Code::CredentialsExpired,
        &[
            &["expiredtoken"],
            &["credentials", "have expired"],
            &["security token included in the request is expired"],
        ],
    ),
    (
        Code::AssumeRoleDenied,
        &[
            &["accessdenied", "assumerole"],
            &["could not assume role"],
            &["not authorized to perform: sts:assumerole"],
        ],
    ),
    (
        Code::CredentialsMissing,
        &[
            &["unable to locate credentials"],
            &["no aws credentials found"],
            &["nocredentialproviders"],
            &["no valid providers in chain"],
            &["failed to retrieve credentials"],
            &["no ec2 imds role found"],
        ],
    ),
];

/// The credentials code an exec command's stderr names, if any.
pub fn classify(stderr: &str) -> Option<Code> {
    let lower = stderr.to_ascii_lowercase();
    PATTERNS
        .iter()
        .find(|(_, alternatives)| {
            alternatives
                .iter()
                .any(|all| all.iter().all(|p| lower.contains(p)))
        })
        .map(|(code, _)| *code)
}

/// The credentials findings.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(ExecOutcome::Failed { exit_code, stderr }) = e.exec.as_ref().map(|x| &x.outcome)
        && let Some(code) = classify(stderr)
    {
        let tail = last_lines(stderr, STDERR_LINES);
        let mut evidence = json!({
            "source": "exec stderr",
            "exit_code": exit_code,
            "profile": profile_named(e, stderr),
            "stderr_tail": tail,
        });
        if let Some(how) = sso_refresh(stderr).filter(|_| code == Code::SsoSessionExpired) {
            evidence["sso_refresh"] = how.into();
        }
        let f = finding(e, code, stderr).detail(tail).evidence(evidence);
        out.push(f);
    }
    if let Some(StsAnswer::Error { code, message, .. }) = e.sts.as_ref().map(|s| &s.answer)
        && code == "ExpiredToken"
    {
        out.push(
            finding(e, Code::CredentialsExpired, message)
                .detail(format!(
                    "STS answered the token with ExpiredToken: {message}"
                ))
                .evidence(json!({"source": "sts", "sts_code": code, "profile": profile(e)})),
        );
    }
    out
}

/// ✓ The exec command signed a token: `credentials-missing` holds.
pub fn passed(e: &Evidence) -> Vec<Finding> {
    match e.exec.as_ref().map(|x| &x.outcome) {
        Some(ExecOutcome::Token { .. }) => vec![Finding::ok(
            Code::CredentialsMissing,
            "the exec command signed a token",
        )],
        _ => Vec::new(),
    }
}

/// Whether an expired SSO session's refresh was refused or impossible, as
/// `kubectl-eksauth token` says it (`aws/sso_refresh.rs`).
fn sso_refresh(stderr: &str) -> Option<&'static str> {
    if stderr.contains("the refresh was refused") {
        Some("refused")
    } else if stderr.contains("cannot be refreshed") {
        Some("impossible")
    } else if stderr.contains("was revoked") {
        Some("token-rejected")
    } else {
        None
    }
}

/// The profile the failure is about: the one a message names, else the
/// exec entry's.
fn profile_named(e: &Evidence, stderr: &str) -> Option<String> {
    let quoted = |after: &str, open: char, close: char| {
        let i = stderr.find(after)? + after.len();
        let rest = stderr[i..].trim_start().strip_prefix(open)?;
        Some(rest[..rest.find(close)?].to_string())
    };
    quoted("The config profile", '(', ')')
        .or_else(|| quoted("the AWS profile", '"', '"'))
        .or_else(|| quoted("profile", '"', '"'))
        .or_else(|| profile(e))
}

fn finding(e: &Evidence, code: Code, stderr: &str) -> Finding {
    let p = profile_named(e, stderr);
    let p_or = p.clone().unwrap_or_else(|| "default".into());
    let login = login_command(&p_or);
    let check_who = format!("aws sts get-caller-identity{}", profile_arg(e));
    match code {
        Code::SsoSessionMissing => Finding::new(code, format!("Not logged in to IAM Identity Center (SSO) for profile {p_or}"))
            .remedy(format!("Log in, then retry:\n{login}\nor:\nkubectl eksauth login --profile {}", sh(&p_or))),
        Code::SsoSessionExpired => Finding::new(code, format!("The IAM Identity Center (SSO) session of profile {p_or} has expired"))
            .remedy(format!("Log in again, then retry:\n{login}")),
        Code::ProfileNotFound => Finding::new(code, format!("The AWS profile {p_or} does not exist"))
            .remedy(format!(
                "List the profiles you have:\naws configure list-profiles\n\
                 Create the missing one (IAM Identity Center or access keys):\n\
                 aws configure sso --profile {q}\naws configure --profile {q}\n\
                 or point the kubeconfig at an existing profile:\n\
                 kubectl eksauth setup {args} --profile PROFILE",
                q = sh(&p_or),
                args = super::cluster_args(e),
            )),
        Code::CredentialsExpired => Finding::new(code, format!("The AWS credentials of profile {p_or} have expired"))
            .remedy(format!(
                "Refresh them: for an SSO profile\n{login}\n\
                 otherwise rerun your credential helper or export new keys. This says when it works again:\n{check_who}"
            )),
        Code::MfaRequired => {
            Finding::new(code, format!("Profile {p_or} needs an MFA code, and the exec command could not ask for it"))
                .remedy(format!(
                    "kubectl lets the exec command ask only when the exec entry's interactiveMode is \
                     IfAvailable (the default) or Always and kubectl runs in a terminal; run a kubectl \
                     command there once (the code is asked once per role session), or cache the role's \
                     session now:\nkubectl eksauth whoami --profile {}",
                    sh(&p_or)
                ))
        }
        Code::AwsTlsUntrusted => Finding::new(code, "TLS to an AWS endpoint fails certificate verification")
            .remedy(
                "Behind a proxy that inspects TLS, point AWS_CA_BUNDLE at the proxy's CA certificate \
                 (in the shell kubectl runs from, or in the exec entry's env), or add \
                 `ca_bundle = /path/to/corporate-ca.pem` to the profile:\n\
                 export AWS_CA_BUNDLE=/path/to/corporate-ca.pem",
            ),
        Code::AssumeRoleDenied => {
            let role = e.kubeconfig.exec.as_ref().and_then(|x| x.role_arn.clone());
            let name = role.as_deref().and_then(Arn::parse).and_then(|a| a.name().map(str::to_string));
            let title = match &role {
                Some(r) => format!("AssumeRole of {r} was refused"),
                None => "AssumeRole was refused".to_string(),
            };
            Finding::new(code, title).remedy(format!(
                "The role's trust policy must allow your principal sts:AssumeRole, and your principal \
                 needs sts:AssumeRole on the role. Check who you are:\n{check_who}\n\
                 and whom the role trusts:\naws iam get-role --role-name {} --query Role.AssumeRolePolicyDocument",
                sh(name.as_deref().unwrap_or("ROLE"))
            ))
        }
        _ => Finding::new(Code::CredentialsMissing, "No AWS credentials could be found for the exec command")
            .remedy(format!(
                "Configure credentials (IAM Identity Center, or access keys):\naws configure sso\naws configure\n\
                 or name the profile to use in the kubeconfig:\n{}\n\
                 kubectl passes your shell's environment to the exec command: an IDE or GUI app \
                 may lack AWS_PROFILE.",
                if profile(e).is_some() { setup_command(e) } else { format!("{} --profile PROFILE", setup_command(e)) }
            )),
    }
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn an_expired_sso_session_says_whether_its_refresh_was_refused_or_impossible() {
        use super::sso_refresh;
        let refused = "kubectl-eksauth: error: the IAM Identity Center (SSO) session of profile \"dev\" expired at 2020-01-01T00:00:00Z; the refresh was refused (InvalidGrantException: Invalid refresh token provided). Log in again";
        let impossible = "kubectl-eksauth: error: the IAM Identity Center (SSO) session of profile \"dev\" expired at 2020-01-01T00:00:00Z; it cannot be refreshed: the cache holds no refresh token. Log in again";
        let revoked = "kubectl-eksauth: error: the IAM Identity Center (SSO) session of profile \"dev\" has expired or was revoked: the SSO portal refused its access token";
        for (name, stderr, want) in [
            ("refused", refused, Some("refused")),
            ("impossible", impossible, Some("impossible")),
            ("revoked", revoked, Some("token-rejected")),
            (
                "aws_cli",
                "Error loading SSO Token: Token for my-sso has expired",
                None,
            ),
        ] {
            assert_eq!(
                classify(stderr),
                Some(crate::why::finding::Code::SsoSessionExpired),
                "{name}"
            );
            assert_eq!(sso_refresh(stderr), want, "{name}");
        }
    }
    use crate::why::checks::fixtures::*;
    use crate::why::evidence::{ExecOutcome, StsAnswer};
    use crate::why::finding::{Code, Severity};

    #[test]
    fn stderr_is_classified_as_the_tools_print_it() {
        let cases = [
            (
                "cli_sso_missing",
                "Error loading SSO Token: Token for my-sso does not exist",
                Some(Code::SsoSessionMissing),
            ),
            (
                "cli_sso_expired",
                "Error loading SSO Token: Token for my-sso has expired",
                Some(Code::SsoSessionExpired),
            ),
            (
                "cli_sso_session_invalid",
                "The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.",
                Some(Code::SsoSessionExpired),
            ),
            (
                "cli_profile",
                "The config profile (prod) could not be found",
                Some(Code::ProfileNotFound),
            ),
            (
                "cli_no_credentials",
                "Unable to locate credentials. You can configure credentials by running \"aws configure\".",
                Some(Code::CredentialsMissing),
            ),
            (
                "cli_assume_role",
                "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/Admin",
                Some(Code::AssumeRoleDenied),
            ),
            (
                "cli_expired_token",
                "An error occurred (ExpiredToken) when calling the AssumeRole operation: The security token included in the request is expired",
                Some(Code::CredentialsExpired),
            ),
            (
                "eksauth_sso_missing",
                "kubectl-eksauth: error: profile \"dev\" uses IAM Identity Center (SSO) and there is no SSO session for it (no cached login). Log in with `aws sso login --profile dev`, then retry",
                Some(Code::SsoSessionMissing),
            ),
            (
                "eksauth_sso_expired",
                "kubectl-eksauth: error: the IAM Identity Center (SSO) session of profile \"dev\" expired at 2026-01-01T00:00:00Z. Log in again",
                Some(Code::SsoSessionExpired),
            ),
            (
                "eksauth_profile",
                "kubectl-eksauth: error: the AWS profile \"prod\" (from --profile) is not defined in ~/.aws/config or ~/.aws/credentials; defined profiles: dev",
                Some(Code::ProfileNotFound),
            ),
            (
                "eksauth_no_credentials",
                "kubectl-eksauth: error: no AWS credentials found (profile \"default\"). Tried: ...",
                Some(Code::CredentialsMissing),
            ),
            (
                "eksauth_assume",
                "kubectl-eksauth: error: could not assume role arn:aws:iam::1:role/Admin: denied",
                Some(Code::AssumeRoleDenied),
            ),
            (
                "eksauth_expired_mentions_sso_login_but_is_not_sso",
                "kubectl-eksauth: error: the AWS credentials of profile \"dev\" have expired at 2026-01-01T00:00:00Z. Refresh them (`aws sso login`, rerun your credential helper, or export new keys), then retry",
                Some(Code::CredentialsExpired),
            ),
            (
                "cli_sso_refresh_failed",
                "Error when retrieving token from sso: Token has expired and refresh failed",
                Some(Code::SsoSessionExpired),
            ),
            (
                "go_sdk_sso_expired",
                "refresh cached SSO token failed, unable to refresh SSO token",
                Some(Code::SsoSessionExpired),
            ),
            (
                "go_sdk_sso_missing",
                "failed to read cached SSO token file, open /h/.aws/sso/cache/x.json: no such file",
                Some(Code::SsoSessionMissing),
            ),
            (
                "eksauth_expired",
                "kubectl-eksauth: error: the AWS credentials of profile \"dev\" have expired at 2026-01-01. Refresh them",
                Some(Code::CredentialsExpired),
            ),
            (
                "authenticator_no_credentials",
                "could not get token: NoCredentialProviders: no valid providers in chain",
                Some(Code::CredentialsMissing),
            ),
            (
                "authenticator_profile",
                "SharedConfigProfileNotExistsError: failed to get shared config profile, prod",
                Some(Code::ProfileNotFound),
            ),
            ("something_else", "Segmentation fault", None),
        ];
        for (name, stderr, want) in cases {
            assert_eq!(classify(stderr), want, "{name}");
        }
    }

    fn failing(stderr: &str) -> crate::why::evidence::Evidence {
        let mut e = broken_after_kubeconfig();
        e.exec = Some(exec_outcome(ExecOutcome::Failed {
            exit_code: Some(255),
            stderr: stderr.into(),
        }));
        e
    }

    #[test]
    fn mfa_required_from_exec() {
        let e = failing(
            "kubectl-eksauth: error: profile \"dev\" assumes role arn:aws:iam::111122223333:role/R \
             with MFA (mfa_serial arn:aws:iam::111122223333:mfa/me), and the MFA code cannot be asked \
             for: kubectl did not hand the terminal over",
        );
        let f = expect(&e, Code::MfaRequired, Severity::Error, "mfa-required");
        assert!(f.remedy.contains("interactiveMode"), "{}", f.remedy);
        assert!(f.remedy.contains("whoami --profile dev"), "{}", f.remedy);
        assert!(!has(&e, Code::AssumeRoleDenied) && !has(&e, Code::ExecFailed));
    }

    #[test]
    fn mfa_and_tls_failures_as_other_tools_print_them() {
        let cases = [
            (
                "aws_cli_prompt_without_a_terminal",
                "Enter MFA code for arn:aws:iam::1:mfa/me: \nEOFError",
                Some(Code::MfaRequired),
            ),
            (
                "botocore_ssl",
                "SSL validation failed for https://sts.us-west-2.amazonaws.com/ \
                 [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
                Some(Code::AwsTlsUntrusted),
            ),
            (
                "ours",
                "TLS to the AWS endpoint https://sts.us-west-2.amazonaws.com failed certificate verification",
                Some(Code::AwsTlsUntrusted),
            ),
        ];
        for (name, stderr, want) in cases {
            assert_eq!(classify(stderr), want, "{name}");
        }
    }

    #[test]
    fn aws_tls_untrusted_from_exec() {
        let e = failing(
            "kubectl-eksauth: error: TLS to the AWS endpoint https://sts.us-west-2.amazonaws.com failed \
             certificate verification: invalid peer certificate: UnknownIssuer",
        );
        let f = expect(
            &e,
            Code::AwsTlsUntrusted,
            Severity::Error,
            "aws-tls-untrusted",
        );
        assert!(f.remedy.contains("AWS_CA_BUNDLE"), "{}", f.remedy);
    }

    #[test]
    fn sso_session_missing() {
        let e = failing("Error loading SSO Token: Token for my-sso does not exist");
        let f = expect(
            &e,
            Code::SsoSessionMissing,
            Severity::Error,
            "sso-session-missing",
        );
        assert!(
            f.remedy.contains("aws sso login --profile dev"),
            "{}",
            f.remedy
        );
        assert!(!has(&e, Code::ExecFailed), "no exec-failed besides");
    }

    #[test]
    fn sso_session_expired() {
        let e = failing(
            "The SSO session associated with this profile has expired or is otherwise invalid.",
        );
        let f = expect(
            &e,
            Code::SsoSessionExpired,
            Severity::Error,
            "sso-session-expired",
        );
        assert!(f.remedy.contains("aws sso login --profile dev"));
    }

    #[test]
    fn profile_not_found_names_the_profile() {
        let e = failing("The config profile (prod) could not be found");
        let f = expect(
            &e,
            Code::ProfileNotFound,
            Severity::Error,
            "profile-not-found",
        );
        assert!(f.title.contains("prod"));
        assert!(f.remedy.contains("aws configure sso --profile prod"));
    }

    #[test]
    fn assume_role_denied_names_the_role() {
        let mut e = failing(
            "An error occurred (AccessDenied) when calling the AssumeRole operation: not authorized",
        );
        e.kubeconfig.exec.as_mut().unwrap().role_arn =
            Some("arn:aws:iam::111122223333:role/Admin".into());
        let f = expect(
            &e,
            Code::AssumeRoleDenied,
            Severity::Error,
            "assume-role-denied",
        );
        assert!(f.remedy.contains("aws iam get-role --role-name Admin"));
    }

    #[test]
    fn credentials_expired_from_exec() {
        let e = failing(
            "An error occurred (ExpiredToken) when calling the AssumeRole operation: expired",
        );
        expect(
            &e,
            Code::CredentialsExpired,
            Severity::Error,
            "credentials-expired",
        );
    }

    #[test]
    fn credentials_expired_from_sts() {
        let mut e = healthy();
        e.sts.as_mut().unwrap().answer = StsAnswer::Error {
            status: 403,
            code: "ExpiredToken".into(),
            message: "The security token included in the request is expired".into(),
        };
        e.server.as_mut().unwrap().review = Some(crate::why::evidence::Review::Unauthorized);
        expect(
            &e,
            Code::CredentialsExpired,
            Severity::Error,
            "credentials-expired",
        );
    }

    #[test]
    fn credentials_missing() {
        let e = failing(
            "Unable to locate credentials. You can configure credentials by running \"aws configure\".",
        );
        let f = expect(
            &e,
            Code::CredentialsMissing,
            Severity::Error,
            "credentials-missing",
        );
        assert!(f.remedy.contains("aws configure sso"));
    }
}
