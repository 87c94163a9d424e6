//! `why` through the real binary against the local EKS simulator: for each
//! finding code of the authentication side, the situation is built for real
//! (a kubeconfig, AWS config, a simulated cluster) and `why -o json` must
//! name it with its severity, verdict and exit status. Healthy setups must
//! give no error and exit 0.

mod common;
use common::*;
use serde_json::Value;

// ---- healthy ----

#[test]
fn healthy_user_mapped_in_aws_auth_is_ok() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (code, r) = why(&sb, &[]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_verdict(code, &r, "ok", 0);
    finding(&r, "identity", "info");
    let auth = finding(&r, "authenticated", "info");
    assert!(auth.to_string().contains("admin"), "{auth}");
    assert_eq!(
        r["identity"]["principal_arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/admin")
    );
    assert_eq!(r["cluster"]["name"], "demo");
}

#[test]
fn healthy_role_with_an_access_entry_is_ok() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admins");
    let mut args = TOKEN_ARGS.to_vec();
    args.extend(["--role-arn", role.as_str()]);
    sb.kubeconfig(&Kubeconfig::eks(&sim, Exec::eksauth(&args)));
    let (code, r) = why(&sb, &[]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_verdict(code, &r, "ok", 0);
    assert_eq!(r["identity"]["principal_arn"], role);
}

// ---- kubeconfig and exec ----

#[test]
fn kubeconfig_missing() {
    let sb = Sandbox::new();
    let (code, r) = why(&sb, &["--kubeconfig", "/nonexistent/kubeconfig"]);
    finding(&r, "kubeconfig-missing", "error");
    assert_verdict(code, &r, "kubeconfig-missing", 1);
}

#[test]
fn kubeconfig_invalid() {
    let mut sb = Sandbox::new();
    sb.kubeconfig_text("clusters: [unclosed\n");
    let (code, r) = why(&sb, &[]);
    finding(&r, "kubeconfig-invalid", "error");
    assert_verdict(code, &r, "kubeconfig-invalid", 1);
}

#[cfg(unix)]
#[test]
fn kubeconfig_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let p = sb.path("kubeconfig");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "kubeconfig-permissions", "warning");
    assert!(f["remedy"].as_str().unwrap().contains("chmod"), "{f}");
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn context_missing() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (code, r) = why(&sb, &["--context", "nope"]);
    finding(&r, "context-missing", "error");
    assert_verdict(code, &r, "context-missing", 1);
}

#[test]
fn exec_not_eks() {
    let mut sb = Sandbox::new();
    sb.kubeconfig(
        &Kubeconfig::new()
            .cluster("c", "https://127.0.0.1:1", None)
            .context("c", "c", "u")
            .current("c")
            .user("u", Auth::token("abc")),
    );
    let (_, r) = why(&sb, &["--timeout", "2"]);
    finding(&r, "exec-not-eks", "info");
}

#[test]
fn exec_command_not_found() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let not_installed = Exec::new("kubectl-eksauth-not-installed", &TOKEN_ARGS);
    sb.kubeconfig(&Kubeconfig::eks(&sim, not_installed));
    let (code, r) = why(&sb, &[]);
    finding(&r, "exec-command-not-found", "error");
    assert_verdict(code, &r, "exec-command-not-found", 1);
}

#[test]
fn exec_api_version_deprecated() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let v1alpha1 = Exec::eksauth(&TOKEN_ARGS).api_version("client.authentication.k8s.io/v1alpha1");
    sb.kubeconfig(&Kubeconfig::eks(&sim, v1alpha1));
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "exec-api-version-deprecated", "error");
    assert!(
        f["remedy"].as_str().unwrap().contains("setup --migrate"),
        "{f}"
    );
    assert_verdict(code, &r, "exec-api-version-deprecated", 1);
}

#[test]
fn exec_failed() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    sb.kubeconfig(&Kubeconfig::eks(
        &sim,
        Exec::eksauth(&["token", "--no-such-flag"]),
    ));
    let (code, r) = why(&sb, &[]);
    finding(&r, "exec-failed", "error");
    assert_verdict(code, &r, "exec-failed", 1);
}

// ---- AWS credentials of the exec entry ----

#[test]
fn credentials_missing() {
    let sim = world(|t| t);
    let mut sb = Sandbox::for_sim(&sim);
    sb.kubeconfig(&Kubeconfig::eks(&sim, Exec::eksauth(&TOKEN_ARGS)));
    let (code, r) = why(&sb, &[]);
    finding(&r, "credentials-missing", "error");
    assert_verdict(code, &r, "credentials-missing", 1);
}

#[test]
fn profile_not_found() {
    let sim = world(|t| t);
    let mut sb = Sandbox::for_sim(&sim);
    sb.kubeconfig(&Kubeconfig::eks(
        &sim,
        Exec::eksauth(&TOKEN_ARGS).env(&[("AWS_PROFILE", "nope")]),
    ));
    let (code, r) = why(&sb, &[]);
    finding(&r, "profile-not-found", "error");
    assert_verdict(code, &r, "profile-not-found", 1);
}

/// Profile `sso` (permission set AdministratorAccess) and, when
/// `cache_expires` is given, its cached SSO token expiring then.
fn admin_sso_profile(sb: &Sandbox, cache_expires: Option<&str>) {
    sb.write(
        ".aws/config",
        &sso_config("sso", "AdministratorAccess", "region = us-west-2\n", ""),
    );
    if let Some(exp) = cache_expires {
        sb.sso_token("sso-token-alice", exp);
    }
}

#[test]
fn sso_session_missing() {
    let sim = world(|t| t);
    let mut sb = Sandbox::for_sim(&sim);
    admin_sso_profile(&sb, None);
    sb.kubeconfig(&Kubeconfig::eks(
        &sim,
        Exec::eksauth(&TOKEN_ARGS).env(&[("AWS_PROFILE", "sso")]),
    ));
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "sso-session-missing", "error");
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains("aws sso login --profile sso"),
        "{f}"
    );
    assert_verdict(code, &r, "sso-session-missing", 1);
}

#[test]
fn sso_session_expired() {
    let sim = world(|t| t);
    let mut sb = Sandbox::for_sim(&sim);
    admin_sso_profile(&sb, Some("2024-01-01T00:00:00Z"));
    sb.kubeconfig(&Kubeconfig::eks(
        &sim,
        Exec::eksauth(&TOKEN_ARGS).env(&[("AWS_PROFILE", "sso")]),
    ));
    let (code, r) = why(&sb, &[]);
    finding(&r, "sso-session-expired", "error");
    assert_verdict(code, &r, "sso-session-expired", 1);
}

#[test]
fn assume_role_denied() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, INTRUDER_KEY);
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admins");
    let mut args = TOKEN_ARGS.to_vec();
    args.extend(["--role-arn", role.as_str()]);
    sb.kubeconfig(&Kubeconfig::eks(&sim, Exec::eksauth(&args)));
    let (code, r) = why(&sb, &[]);
    finding(&r, "assume-role-denied", "error");
    assert_verdict(code, &r, "assume-role-denied", 1);
}

#[test]
fn credentials_expired() {
    let sim = world(|t| t);
    // The fixture's session "old" expired a minute before the simulator started.
    let mut sb = Sandbox::eks(
        &sim,
        (
            "ASIAEXAMPLEOLD000001",
            "b2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xk",
        ),
    );
    sb.set(
        "AWS_SESSION_TOKEN",
        "FwoGZXIvYXdzEXAMPLE/old+session+token==",
    );
    let (code, r) = why(&sb, &[]);
    finding(&r, "credentials-expired", "error");
    assert_verdict(code, &r, "credentials-expired", 1);
}

// ---- token ----

fn with_token(sim: &Sim, token: &str) -> (i32, Value) {
    let sb = Sandbox::eks(sim, ADMIN_KEY);
    let (code, r) = why(&sb, &["--token", token]);
    (code, r)
}

#[test]
fn token_format_invalid() {
    let sim = world(|t| t);
    let (code, r) = with_token(&sim, "k8s-aws-v1.not*base64");
    finding(&r, "token-format-invalid", "error");
    assert_verdict(code, &r, "token-format-invalid", 1);
}

#[test]
fn token_sts_host_rejected() {
    let sim = world(|t| t);
    let url = "https://sts.evil.example.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-west-2%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=00";
    let token = token_of_url(url);
    let (code, r) = with_token(&sim, &token);
    finding(&r, "token-sts-host-rejected", "error");
    assert_eq!(code, 1);
}

#[test]
fn token_cluster_header_unsigned() {
    let sim = world(|t| t);
    let now = time::OffsetDateTime::now_utc();
    let date = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let url = format!(
        "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-west-2%2Fsts%2Faws4_request&X-Amz-Date={date}&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
    );
    let token = token_of_url(&url);
    let (code, r) = with_token(&sim, &token);
    finding(&r, "token-cluster-header-unsigned", "error");
    assert_eq!(code, 1);
}

#[test]
fn token_expired() {
    let sim = world(|t| t);
    let token = admin_token(&sim, "demo", Some(&faketime_minutes_ago(20)));
    let (code, r) = with_token(&sim, &token);
    finding(&r, "token-expired", "error");
    assert_verdict(code, &r, "token-expired", 1);
}

#[test]
fn token_cluster_mismatch() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let other = Exec::eksauth(&["token", "--cluster-name", "other", "--region", "us-west-2"]);
    sb.kubeconfig(&Kubeconfig::eks(&sim, other));
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "token-cluster-mismatch", "error");
    assert!(f.to_string().contains("other"), "{f}");
    assert_verdict(code, &r, "token-cluster-mismatch", 1);
}

#[test]
fn clock_skew_error_over_five_minutes() {
    let sim = world(|t| t.replace("clock_offset_seconds: 0", "clock_offset_seconds: 420"));
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (_, r) = why(&sb, &[]);
    finding(&r, "clock-skew", "error");
}

#[test]
fn clock_skew_warning_over_one_minute() {
    let sim = world(|t| t.replace("clock_offset_seconds: 0", "clock_offset_seconds: 120"));
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (code, r) = why(&sb, &[]);
    finding(&r, "clock-skew", "warning");
    assert_verdict(code, &r, "ok", 0);
}

// ---- STS ----

#[test]
fn sts_signature_mismatch() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(
        &sim,
        (ADMIN_KEY.0, "wrongwrongwrongwrongwrongwrongwrongwrong"),
    );
    sb.set("AWS_REGION", "us-west-2");
    let (code, r) = why(&sb, &[]);
    finding(&r, "sts-signature-mismatch", "error");
    assert_verdict(code, &r, "sts-signature-mismatch", 1);
}

#[test]
fn sts_invalid_client_token() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(
        &sim,
        (
            "AKIAUNKNOWNKEY000001",
            "whateverwhateverwhateverwhatever00000000",
        ),
    );
    let (code, r) = why(&sb, &[]);
    finding(&r, "sts-invalid-client-token", "error");
    assert_verdict(code, &r, "sts-invalid-client-token", 1);
}

#[test]
fn sts_unreachable() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    sb.set("AWS_ENDPOINT_URL_STS", format!("http://127.0.0.1:{port}"));
    let (code, r) = why(&sb, &[]);
    finding(&r, "sts-unreachable", "error");
    assert_eq!(code, 1);
}

// ---- identity and mapping ----

#[test]
fn principal_not_mapped() {
    let sim = world(intruder_may_call_aws);
    let sb = Sandbox::eks(&sim, INTRUDER_KEY);
    let (code, r) = why(&sb, &["--admin-context", "admin"]);
    finding(&r, "unauthorized", "error");
    let f = finding(&r, "principal-not-mapped", "error");
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains("create-access-entry"),
        "{f}"
    );
    assert_verdict(code, &r, "principal-not-mapped", 1);
}

#[test]
fn unauthorized_is_reported_with_what_the_server_said() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, INTRUDER_KEY);
    let (code, r) = why(&sb, &[]);
    finding(&r, "unauthorized", "error");
    finding(&r, "aws-auth-unreadable", "info");
    assert_eq!(code, 1);
}

fn admin_kubeconfig_file(sim: &Sim, sb: &Sandbox, aws_auth: &str) -> std::path::PathBuf {
    let p = sb.path("aws-auth.yaml");
    let indented: String = aws_auth.lines().map(|l| format!("    {l}\n")).collect();
    std::fs::write(&p, format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: aws-auth, namespace: kube-system}}\ndata:\n  mapRoles: |\n{indented}")).unwrap();
    let _ = sim;
    p
}

#[test]
fn authenticated_reports_username_and_groups() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, DEV_KEY);
    let (_, r) = why(&sb, &[]);
    let f = finding(&r, "authenticated", "info");
    assert!(f.to_string().contains("dev-team"), "{f}");
}

#[test]
fn sso_role_mapped_with_its_path() {
    let sim = world(|t| t);
    let mut sb = Sandbox::for_sim(&sim);
    admin_sso_profile(&sb, Some(&hours_from_now(8)));
    sb.kubeconfig(&Kubeconfig::eks(
        &sim,
        Exec::eksauth(&TOKEN_ARGS).env(&[("AWS_PROFILE", "sso")]),
    ));
    let (code, r) = why(&sb, &["--admin-context", "admin"]);
    let f = finding(&r, "aws-auth-role-has-path", "error");
    let remedy = f["remedy"].as_str().unwrap();
    assert!(
        remedy.contains(&format!(
            "arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef"
        )),
        "{remedy}"
    );
    assert!(
        !remedy.contains("rolearn: arn:aws:iam::111122223333:role/aws-reserved"),
        "the fix has no path: {remedy}"
    );
    assert_verdict(code, &r, "aws-auth-role-has-path", 1);
}

#[test]
fn aws_auth_problems_from_a_file() {
    let sim = world(intruder_may_call_aws);
    let sb = Sandbox::eks(&sim, INTRUDER_KEY);
    // Problems of entries that would be the caller's (the intruder's) are
    // errors: they are why it is locked out. Others are warnings.
    let cases = [
        (
            "aws-auth-assumed-role-arn",
            "warning",
            "- rolearn: arn:aws:sts::111122223333:assumed-role/eks-admins/ci\n  username: x\n  groups: [system:masters]\n",
        ),
        (
            "aws-auth-wildcard",
            "warning",
            "- rolearn: arn:aws:iam::111122223333:role/*\n  username: x\n  groups: [system:masters]\n",
        ),
        (
            "aws-auth-duplicate",
            "warning",
            "- rolearn: arn:aws:iam::111122223333:role/a\n  username: first\n- rolearn: arn:aws:iam::111122223333:role/a\n  username: second\n",
        ),
        // A user's entry written with `userarn` under mapRoles is dropped: the caller's lockout.
        (
            "aws-auth-wrong-section",
            "error",
            "- userarn: arn:aws:iam::111122223333:user/intruder\n  username: x\n  groups: [system:masters]\n",
        ),
        ("aws-auth-invalid", "error", "- rolearn: [unclosed\n"),
    ];
    for (code_name, sev, data) in cases {
        let file = admin_kubeconfig_file(&sim, &sb, data);
        let (_, r) = why(&sb, &["--aws-auth-file", file.to_str().unwrap()]);
        finding(&r, code_name, sev);
    }
}

#[test]
fn auth_mode_api_ignores_configmap() {
    let sim = world(|t| {
        t.replace(
            "authentication_mode: API_AND_CONFIG_MAP",
            "authentication_mode: API",
        )
    });
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let file = sb.path("aws-auth.yaml");
    std::fs::write(&file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\ndata:\n  mapUsers: |\n    - userarn: arn:aws:iam::111122223333:user/admin\n      username: admin\n      groups: [system:masters]\n").unwrap();
    let (code, r) = why(&sb, &["--aws-auth-file", file.to_str().unwrap()]);
    finding(&r, "auth-mode-api-ignores-configmap", "error");
    assert_verdict(code, &r, "auth-mode-api-ignores-configmap", 1);
}

#[test]
fn access_entry_no_permissions() {
    let sim = world(|t| {
        intruder_may_call_aws(t).replace(
            "  access_entries:\n",
            "  access_entries:\n    - principal_arn: arn:aws:iam::111122223333:user/intruder\n",
        )
    });
    let sb = Sandbox::eks(&sim, INTRUDER_KEY);
    let (code, r) = why(&sb, &[]);
    finding(&r, "access-entry-no-permissions", "error");
    assert_verdict(code, &r, "access-entry-no-permissions", 1);
}

// ---- cluster ----

#[test]
fn cluster_not_found() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let gone = Exec::eksauth(&["token", "--cluster-name", "gone", "--region", "us-west-2"]);
    sb.kubeconfig(&Kubeconfig::eks_named(
        &sim,
        "arn:aws:eks:us-west-2:111122223333:cluster/gone",
        gone,
    ));
    let (code, r) = why(&sb, &[]);
    finding(&r, "cluster-not-found", "error");
    assert_eq!(code, 1);
}

#[test]
fn cluster_not_active() {
    let sim = world(|t| t.replace("status: ACTIVE", "status: CREATING"));
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (_, r) = why(&sb, &[]);
    finding(&r, "cluster-not-active", "error");
}

#[test]
fn cluster_endpoint_mismatch() {
    let sim = world(|t| t);
    let other = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    // The kubeconfig points at another server with another CA than the one
    // DescribeCluster names.
    sb.kubeconfig(
        &Kubeconfig::eks(&sim, Exec::eksauth(&TOKEN_ARGS))
            .server(&other.url("kube"))
            .ca(Some(&other.ca_file())),
    );
    let (code, r) = why(&sb, &[]);
    finding(&r, "cluster-endpoint-mismatch", "error");
    assert_verdict(code, &r, "cluster-endpoint-mismatch", 1);
}

#[test]
fn cluster_ca_mismatch_explains_the_tls_failure() {
    let sim = world(|t| t);
    let other = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    sb.kubeconfig(&Kubeconfig::eks(&sim, Exec::eksauth(&TOKEN_ARGS)).ca(Some(&other.ca_file())));
    let (code, r) = why(&sb, &[]);
    finding(&r, "cluster-ca-mismatch", "error");
    finding(&r, "endpoint-tls-mismatch", "error");
    assert_verdict(code, &r, "cluster-ca-mismatch", 1);
}

#[test]
fn eks_describe_denied_is_a_warning() {
    let sim = world(|t| {
        t.replace(
            "access_denied:\n",
            "access_denied:\n  - principal_arn: arn:aws:iam::111122223333:user/dev\n    actions: [\"eks:DescribeCluster\"]\n",
        )
    });
    let sb = Sandbox::eks(&sim, DEV_KEY);
    let (_, r) = why(&sb, &[]);
    finding(&r, "eks-describe-denied", "warning");
}

// ---- network ----

#[test]
fn endpoint_unreachable_on_a_closed_port() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let closed = format!("https://127.0.0.1:{port}");
    sb.kubeconfig(&Kubeconfig::eks(&sim, Exec::eksauth(&TOKEN_ARGS)).server(&closed));
    let (code, r) = why(&sb, &[]);
    finding(&r, "endpoint-unreachable", "error");
    assert_eq!(code, 1);
}

#[test]
fn endpoint_unreachable_when_it_never_answers_ends_within_the_timeout() {
    // The simulator's API server accepts connections and never answers:
    // the kubeconfig and EKS agree on the endpoint, and it is wedged.
    let sim = world(|t| format!("{t}faults:\n  hang: [kube]\n"));
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let v = why_run(&sb, &["--timeout", "3"], std::time::Duration::from_secs(10)).report;
    // A handshake that never finishes is unreachable, and only that: no
    // certificate was presented, so nothing "does not verify".
    assert_eq!(errors(&v), ["endpoint-unreachable"], "{v}");
}

#[test]
fn endpoint_dns_failed() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    sb.kubeconfig(
        &Kubeconfig::eks(&sim, Exec::eksauth(&TOKEN_ARGS)).server("https://no-such-host.invalid"),
    );
    let (_, r) = why(&sb, &[]);
    finding(&r, "endpoint-dns-failed", "error");
}

#[test]
fn endpoint_tls_mismatch() {
    let sim = world(|t| t);
    let other = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    sb.kubeconfig(&Kubeconfig::eks(&sim, Exec::eksauth(&TOKEN_ARGS)).ca(Some(&other.ca_file())));
    let (code, r) = why(&sb, &[]);
    finding(&r, "endpoint-tls-mismatch", "error");
    assert_eq!(code, 1);
}

#[test]
fn proxy_configured() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    // The cluster's proxy-url (HTTPS_PROXY is not used for a loopback
    // server, as in kubectl).
    sb.kubeconfig(
        &Kubeconfig::eks(&sim, Exec::eksauth(&TOKEN_ARGS)).proxy_url("http://127.0.0.1:9"),
    );
    let (_, r) = why(&sb, &["--timeout", "3"]);
    finding(&r, "proxy-configured", "info");
}

// ---- output ----

#[test]
fn no_secret_in_why_output_text_or_json() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, INTRUDER_KEY);
    let token = admin_token(&sim, "demo", None);
    for format in ["json", "text"] {
        for extra in [vec![], vec!["--token", token.as_str()]] {
            let mut args = vec!["why", "-o", format];
            args.extend(extra.iter().copied());
            let r = run(sb.eksauth(&args));
            for secret in [INTRUDER_KEY.1, token.as_str(), &token[11..40]] {
                assert!(
                    !r.stdout.contains(secret) && !r.stderr.contains(secret),
                    "{format}: a secret in the output:\n{}",
                    r.stdout
                );
            }
            let sig = token_param(&token, "X-Amz-Signature").unwrap();
            assert!(!r.stdout.contains(&sig), "the signature is not shown");
        }
    }
}

#[test]
fn text_output_answers_on_the_first_line() {
    let sim = world(intruder_may_call_aws);
    let sb = Sandbox::eks(&sim, INTRUDER_KEY);
    let mut c = sb.eksauth(&["why", "--admin-context", "admin"]);
    c.env("NO_COLOR", "1");
    let r = run(c);
    assert_eq!(r.code, 1);
    let first = r.stdout.lines().next().unwrap_or_default();
    assert!(
        first.to_lowercase().contains("not mapped"),
        "first line is the answer: {}",
        r.stdout
    );
    assert!(!r.stdout.contains('\u{1b}'), "no colour with NO_COLOR");
}

#[test]
fn all_contexts_reports_each_context() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let r = run(sb.eksauth(&["why", "--all-contexts", "-o", "json"]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["schema"], "eksauth.why-all/v1");
    let reports = v["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 2, "both EKS contexts: {v}");
    assert!(reports.iter().all(|r| r["verdict"] == "ok"), "{v}");
}

#[test]
fn sts_throttled_is_a_warning() {
    let sim = world(|t| format!("{t}\nfaults:\n  sts_throttle_requests: -1\n"));
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (_, r) = why(&sb, &[]);
    finding(&r, "sts-throttled", "warning");
}

#[test]
fn healthy_sso_role_with_an_access_entry_is_ok() {
    // The SSO ReadOnly permission set has an access entry (its path is fine
    // there); as an SSO user, with a valid session, nothing is wrong.
    let sim = world(|t| t);
    let mut sb = Sandbox::for_sim(&sim);
    sb.write(
        ".aws/config",
        &sso_config("ro", "ReadOnly", "region = us-west-2\n", ""),
    );
    sb.sso_token("sso-token-alice", &hours_from_now(8));
    sb.kubeconfig(&Kubeconfig::eks(
        &sim,
        Exec::eksauth(&TOKEN_ARGS).env(&[("AWS_PROFILE", "ro")]),
    ));
    let (code, r) = why(&sb, &[]);
    assert_eq!(
        errors(&r),
        Vec::<String>::new(),
        "{}",
        serde_json::to_string_pretty(&r).unwrap()
    );
    assert_verdict(code, &r, "ok", 0);
    assert_eq!(
        r["identity"]["principal_arn"],
        format!("arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_ReadOnly_fedcba9876543210")
    );
    finding(&r, "authenticated", "info");
}
