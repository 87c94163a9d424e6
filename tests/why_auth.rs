//! `why` through the real binary against the local EKS simulator: for each
//! finding code of the authentication side, the situation is built for real
//! (a kubeconfig, AWS config, a simulated cluster) and `why -o json` must
//! name it with its severity, verdict and exit status. Healthy setups must
//! give no error and exit 0.

mod common;
use common::why_sim::{
    ACCOUNT, ADMIN_KEY, CLUSTER_ARN, DEV_KEY, INTRUDER_KEY, TOKEN_ARGS, V1, assert_verdict, errors,
    finding, intruder_may_call_aws, world,
};
use common::*;
use serde_json::Value;

/// A kubeconfig as `aws eks update-kubeconfig` writes it (names are the
/// cluster ARN), whose user runs our token command.
fn kubeconfig(
    sim: &Sim,
    sb: &Sandbox,
    exec_args: &[&str],
    env: &[(&str, &str)],
    api_version: &str,
) -> std::path::PathBuf {
    let path = sb.path("kubeconfig");
    let args: Vec<String> = exec_args.iter().map(|a| format!("{a:?}")).collect();
    let env: Vec<String> = env
        .iter()
        .map(|(k, v)| format!("{{name: {k:?}, value: {v:?}}}"))
        .collect();
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {CLUSTER_ARN}\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\n\
         contexts:\n- name: {CLUSTER_ARN}\n  context: {{cluster: {CLUSTER_ARN:?}, user: {CLUSTER_ARN:?}}}\n\
         - name: admin\n  context: {{cluster: {CLUSTER_ARN:?}, user: admin}}\ncurrent-context: {CLUSTER_ARN}\n\
         users:\n- name: {CLUSTER_ARN}\n  user:\n    exec:\n      apiVersion: {api_version}\n      command: {cmd:?}\n      args: [{args}]\n      env: [{env}]\n\
         - name: admin\n  user:\n    exec:\n      apiVersion: {V1}\n      command: {cmd:?}\n      args: [token, --cluster-name, demo, --region, us-west-2]\n      env: [{{name: AWS_ACCESS_KEY_ID, value: {ak}}}, {{name: AWS_SECRET_ACCESS_KEY, value: {sk}}}]\n",
        ak = ADMIN_KEY.0,
        sk = ADMIN_KEY.1,
        server = sim.url("kube"),
        ca = sim.ca_file(),
        cmd = bin().display().to_string(),
        args = args.join(", "),
        env = env.join(", "),
    );
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// A sandbox whose AWS endpoints are the simulator's, with `key` in the environment.
fn sandbox(sim: &Sim, key: Option<(&str, &str)>) -> Sandbox {
    let mut sb = Sandbox::new();
    let cache = sb.path("kcache").display().to_string();
    sb.set("AWS_ENDPOINT_URL_STS", sim.url("sts"))
        .set("AWS_ENDPOINT_URL_EKS", sim.url("eks"))
        .set("AWS_ENDPOINT_URL_IAM", sim.url("iam"))
        .set("AWS_ENDPOINT_URL_SSO", sim.url("sso"))
        .set("KUBECACHEDIR", cache);
    if let Some((id, secret)) = key {
        sb.set("AWS_ACCESS_KEY_ID", id)
            .set("AWS_SECRET_ACCESS_KEY", secret);
    }
    sb
}

/// Runs `why -o json` with the sandbox's kubeconfig; the exit code and report.
fn why(sb: &Sandbox, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["why", "-o", "json"];
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout", "20"]);
    }
    args.extend_from_slice(extra);
    let mut c = sb.eksauth(&args);
    if !extra.contains(&"--kubeconfig") {
        c.env("KUBECONFIG", sb.path("kubeconfig"));
    }
    let r = run(c);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "why printed no JSON ({e}):\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        )
    });
    (r.code, v, r.stderr)
}

// ---- healthy ----

#[test]
fn healthy_user_mapped_in_aws_auth_is_ok() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &[]);
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
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admins");
    let mut args = TOKEN_ARGS.to_vec();
    args.extend(["--role-arn", role.as_str()]);
    kubeconfig(&sim, &sb, &args, &[], V1);
    let (code, r, _) = why(&sb, &[]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_verdict(code, &r, "ok", 0);
    assert_eq!(r["identity"]["principal_arn"], role);
}

// ---- kubeconfig and exec ----

#[test]
fn kubeconfig_missing() {
    let sb = Sandbox::new();
    let (code, r, _) = why(&sb, &["--kubeconfig", "/nonexistent/kubeconfig"]);
    finding(&r, "kubeconfig-missing", "error");
    assert_verdict(code, &r, "kubeconfig-missing", 1);
}

#[test]
fn kubeconfig_invalid() {
    let sb = Sandbox::new();
    std::fs::write(sb.path("kubeconfig"), "clusters: [unclosed\n").unwrap();
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "kubeconfig-invalid", "error");
    assert_verdict(code, &r, "kubeconfig-invalid", 1);
}

#[cfg(unix)]
#[test]
fn kubeconfig_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    let p = kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, r, _) = why(&sb, &[]);
    let f = finding(&r, "kubeconfig-permissions", "warning");
    assert!(f["remedy"].as_str().unwrap().contains("chmod"), "{f}");
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn context_missing() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &["--context", "nope"]);
    finding(&r, "context-missing", "error");
    assert_verdict(code, &r, "context-missing", 1);
}

#[test]
fn exec_not_eks() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.path("kubeconfig"),
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: abc}\n",
    )
    .unwrap();
    let (_, r, _) = why(&sb, &["--timeout", "2"]);
    finding(&r, "exec-not-eks", "info");
}

#[test]
fn exec_command_not_found() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    let p = kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let text = std::fs::read_to_string(&p).unwrap().replace(
        &format!("{:?}", bin().display().to_string()),
        "kubectl-eksauth-not-installed",
    );
    std::fs::write(&p, text).unwrap();
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "exec-command-not-found", "error");
    assert_verdict(code, &r, "exec-command-not-found", 1);
}

#[test]
fn exec_api_version_deprecated() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(
        &sim,
        &sb,
        &TOKEN_ARGS,
        &[],
        "client.authentication.k8s.io/v1alpha1",
    );
    let (code, r, _) = why(&sb, &[]);
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
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(&sim, &sb, &["token", "--no-such-flag"], &[], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "exec-failed", "error");
    assert_verdict(code, &r, "exec-failed", 1);
}

// ---- AWS credentials of the exec entry ----

#[test]
fn credentials_missing() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, None);
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "credentials-missing", "error");
    assert_verdict(code, &r, "credentials-missing", 1);
}

#[test]
fn profile_not_found() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, None);
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[("AWS_PROFILE", "nope")], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "profile-not-found", "error");
    assert_verdict(code, &r, "profile-not-found", 1);
}

fn sso_profile(sb: &Sandbox, cache_expires: Option<&str>) {
    sb.write(
        ".aws/config",
        &format!(
            "[profile sso]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = AdministratorAccess\nregion = us-west-2\n\
             [sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\n"
        ),
    );
    if let Some(exp) = cache_expires {
        use sha1::{Digest, Sha1};
        sb.write(
            &format!(".aws/sso/cache/{}.json", hex::encode(Sha1::digest(b"corp"))),
            &format!(r#"{{"startUrl":"https://d-123.awsapps.com/start","region":"us-east-1","accessToken":"sso-token-alice","expiresAt":"{exp}"}}"#),
        );
    }
}

#[test]
fn sso_session_missing() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, None);
    sso_profile(&sb, None);
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[("AWS_PROFILE", "sso")], V1);
    let (code, r, _) = why(&sb, &[]);
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
    let sb = sandbox(&sim, None);
    sso_profile(&sb, Some("2024-01-01T00:00:00Z"));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[("AWS_PROFILE", "sso")], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "sso-session-expired", "error");
    assert_verdict(code, &r, "sso-session-expired", 1);
}

#[test]
fn assume_role_denied() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(INTRUDER_KEY));
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admins");
    let mut args = TOKEN_ARGS.to_vec();
    args.extend(["--role-arn", role.as_str()]);
    kubeconfig(&sim, &sb, &args, &[], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "assume-role-denied", "error");
    assert_verdict(code, &r, "assume-role-denied", 1);
}

#[test]
fn credentials_expired() {
    let sim = world(|t| t);
    let mut sb = sandbox(&sim, None);
    // The fixture's session "old" expired a minute before the simulator started.
    sb.set("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEOLD000001")
        .set(
            "AWS_SECRET_ACCESS_KEY",
            "b2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xk",
        )
        .set(
            "AWS_SESSION_TOKEN",
            "FwoGZXIvYXdzEXAMPLE/old+session+token==",
        );
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "credentials-expired", "error");
    assert_verdict(code, &r, "credentials-expired", 1);
}

// ---- token ----

fn with_token(sim: &Sim, token: &str) -> (i32, Value) {
    let sb = sandbox(sim, Some(ADMIN_KEY));
    kubeconfig(sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &["--token", token]);
    (code, r)
}

fn token_for(sim: &Sim, cluster: &str, at: Option<&str>) -> String {
    let sb = sandbox(sim, Some(ADMIN_KEY));
    let mut c = match at {
        Some(t) => {
            let mut c = sb.command(faketime());
            c.arg("-f").arg(t).arg(bin());
            c
        }
        None => sb.command(bin()),
    };
    c.args([
        "token",
        "--no-cache",
        "--cluster-name",
        cluster,
        "--region",
        "us-west-2",
    ]);
    run(c).ok().token()
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
    use base64::Engine;
    let sim = world(|t| t);
    let url = "https://sts.evil.example.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-west-2%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=00";
    let token = format!(
        "k8s-aws-v1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    );
    let (code, r) = with_token(&sim, &token);
    finding(&r, "token-sts-host-rejected", "error");
    assert_eq!(code, 1);
}

#[test]
fn token_cluster_header_unsigned() {
    use base64::Engine;
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
    let token = format!(
        "k8s-aws-v1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    );
    let (code, r) = with_token(&sim, &token);
    finding(&r, "token-cluster-header-unsigned", "error");
    assert_eq!(code, 1);
}

#[test]
fn token_expired() {
    let sim = world(|t| t);
    let old = (time::OffsetDateTime::now_utc() - time::Duration::minutes(20))
        .format(&time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap();
    let token = token_for(&sim, "demo", Some(&old));
    let (code, r) = with_token(&sim, &token);
    finding(&r, "token-expired", "error");
    assert_verdict(code, &r, "token-expired", 1);
}

#[test]
fn token_cluster_mismatch() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(
        &sim,
        &sb,
        &["token", "--cluster-name", "other", "--region", "us-west-2"],
        &[],
        V1,
    );
    let (code, r, _) = why(&sb, &[]);
    let f = finding(&r, "token-cluster-mismatch", "error");
    assert!(f.to_string().contains("other"), "{f}");
    assert_verdict(code, &r, "token-cluster-mismatch", 1);
}

#[test]
fn clock_skew_error_over_five_minutes() {
    let sim = world(|t| t.replace("clock_offset_seconds: 0", "clock_offset_seconds: 420"));
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (_, r, _) = why(&sb, &[]);
    finding(&r, "clock-skew", "error");
}

#[test]
fn clock_skew_warning_over_one_minute() {
    let sim = world(|t| t.replace("clock_offset_seconds: 0", "clock_offset_seconds: 120"));
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "clock-skew", "warning");
    assert_verdict(code, &r, "ok", 0);
}

// ---- STS ----

#[test]
fn sts_signature_mismatch() {
    let sim = world(|t| t);
    let mut sb = sandbox(
        &sim,
        Some((ADMIN_KEY.0, "wrongwrongwrongwrongwrongwrongwrongwrong")),
    );
    sb.set("AWS_REGION", "us-west-2");
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "sts-signature-mismatch", "error");
    assert_verdict(code, &r, "sts-signature-mismatch", 1);
}

#[test]
fn sts_invalid_client_token() {
    let sim = world(|t| t);
    let sb = sandbox(
        &sim,
        Some((
            "AKIAUNKNOWNKEY000001",
            "whateverwhateverwhateverwhatever00000000",
        )),
    );
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "sts-invalid-client-token", "error");
    assert_verdict(code, &r, "sts-invalid-client-token", 1);
}

#[test]
fn sts_unreachable() {
    let sim = world(|t| t);
    let mut sb = sandbox(&sim, Some(ADMIN_KEY));
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    sb.set("AWS_ENDPOINT_URL_STS", format!("http://127.0.0.1:{port}"));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "sts-unreachable", "error");
    assert_eq!(code, 1);
}

// ---- identity and mapping ----

#[test]
fn principal_not_mapped() {
    let sim = world(intruder_may_call_aws);
    let sb = sandbox(&sim, Some(INTRUDER_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &["--admin-context", "admin"]);
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
    let sb = sandbox(&sim, Some(INTRUDER_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &[]);
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
    let sb = sandbox(&sim, Some(DEV_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (_, r, _) = why(&sb, &[]);
    let f = finding(&r, "authenticated", "info");
    assert!(f.to_string().contains("dev-team"), "{f}");
}

#[test]
fn sso_role_mapped_with_its_path() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, None);
    let later = (time::OffsetDateTime::now_utc() + time::Duration::hours(8))
        .replace_nanosecond(0)
        .unwrap();
    sso_profile(
        &sb,
        Some(
            &later
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
        ),
    );
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[("AWS_PROFILE", "sso")], V1);
    let (code, r, _) = why(&sb, &["--admin-context", "admin"]);
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
    let sb = sandbox(&sim, Some(INTRUDER_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
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
        let (_, r, _) = why(&sb, &["--aws-auth-file", file.to_str().unwrap()]);
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
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let file = sb.path("aws-auth.yaml");
    std::fs::write(&file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\ndata:\n  mapUsers: |\n    - userarn: arn:aws:iam::111122223333:user/admin\n      username: admin\n      groups: [system:masters]\n").unwrap();
    let (code, r, _) = why(&sb, &["--aws-auth-file", file.to_str().unwrap()]);
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
    let sb = sandbox(&sim, Some(INTRUDER_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "access-entry-no-permissions", "error");
    assert_verdict(code, &r, "access-entry-no-permissions", 1);
}

// ---- cluster ----

#[test]
fn cluster_not_found() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    let p = kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("cluster/demo", "cluster/gone");
    std::fs::write(
        &p,
        text.replace("--cluster-name\", \"demo", "--cluster-name\", \"gone"),
    )
    .unwrap();
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "cluster-not-found", "error");
    assert_eq!(code, 1);
}

#[test]
fn cluster_not_active() {
    let sim = world(|t| t.replace("status: ACTIVE", "status: CREATING"));
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (_, r, _) = why(&sb, &[]);
    finding(&r, "cluster-not-active", "error");
}

#[test]
fn cluster_endpoint_mismatch() {
    let sim = world(|t| t);
    let other = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    // The kubeconfig points at another server with another CA than the one
    // DescribeCluster names.
    let p = kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace(&sim.url("kube"), &other.url("kube"))
        .replace(&sim.ca_file(), &other.ca_file());
    std::fs::write(&p, text).unwrap();
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "cluster-endpoint-mismatch", "error");
    assert_verdict(code, &r, "cluster-endpoint-mismatch", 1);
}

#[test]
fn cluster_ca_mismatch_explains_the_tls_failure() {
    let sim = world(|t| t);
    let other = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    let p = kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace(&sim.ca_file(), &other.ca_file());
    std::fs::write(&p, text).unwrap();
    let (code, r, _) = why(&sb, &[]);
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
    let sb = sandbox(&sim, Some(DEV_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (_, r, _) = why(&sb, &[]);
    finding(&r, "eks-describe-denied", "warning");
}

// ---- network ----

#[test]
fn endpoint_unreachable_on_a_closed_port() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    let p = kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace(&sim.url("kube"), &format!("https://127.0.0.1:{port}"));
    std::fs::write(&p, text).unwrap();
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "endpoint-unreachable", "error");
    assert_eq!(code, 1);
}

#[test]
fn endpoint_unreachable_when_it_never_answers_ends_within_the_timeout() {
    // The simulator's API server accepts connections and never answers:
    // the kubeconfig and EKS agree on the endpoint, and it is wedged.
    let sim = world(|t| format!("{t}faults:\n  hang: [kube]\n"));
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    let p = kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let mut c = sb.eksauth(&["why", "-o", "json", "--timeout", "3"]);
    c.env("KUBECONFIG", &p);
    let r = run_within(c, std::time::Duration::from_secs(10));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    // A handshake that never finishes is unreachable, and only that: no
    // certificate was presented, so nothing "does not verify".
    assert_eq!(errors(&v), ["endpoint-unreachable"], "{v}");
}

#[test]
fn endpoint_dns_failed() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    let p = kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace(&sim.url("kube"), "https://no-such-host.invalid");
    std::fs::write(&p, text).unwrap();
    let (_, r, _) = why(&sb, &[]);
    finding(&r, "endpoint-dns-failed", "error");
}

#[test]
fn endpoint_tls_mismatch() {
    let sim = world(|t| t);
    let other = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    let p = kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace(&sim.ca_file(), &other.ca_file());
    std::fs::write(&p, text).unwrap();
    let (code, r, _) = why(&sb, &[]);
    finding(&r, "endpoint-tls-mismatch", "error");
    assert_eq!(code, 1);
}

#[test]
fn proxy_configured() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    let p = kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    // The cluster's proxy-url (HTTPS_PROXY is not used for a loopback
    // server, as in kubectl).
    let text = std::fs::read_to_string(&p).unwrap().replace(
        &format!("    server: {}\n", sim.url("kube")),
        &format!(
            "    server: {}\n    proxy-url: http://127.0.0.1:9\n",
            sim.url("kube")
        ),
    );
    std::fs::write(&p, text).unwrap();
    let (_, r, _) = why(&sb, &["--timeout", "3"]);
    finding(&r, "proxy-configured", "info");
}

// ---- output ----

#[test]
fn no_secret_in_why_output_text_or_json() {
    let sim = world(|t| t);
    let sb = sandbox(&sim, Some(INTRUDER_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let token = token_for(&sim, "demo", None);
    for format in ["json", "text"] {
        for extra in [vec![], vec!["--token", token.as_str()]] {
            let mut args = vec!["why", "-o", format];
            args.extend(extra.iter().copied());
            let mut c = sb.eksauth(&args);
            c.env("KUBECONFIG", sb.path("kubeconfig"));
            let r = run(c);
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
    let sb = sandbox(&sim, Some(INTRUDER_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let mut c = sb.eksauth(&["why", "--admin-context", "admin"]);
    c.env("KUBECONFIG", sb.path("kubeconfig"))
        .env("NO_COLOR", "1");
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
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let mut c = sb.eksauth(&["why", "--all-contexts", "-o", "json"]);
    c.env("KUBECONFIG", sb.path("kubeconfig"));
    let r = run(c);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["schema"], "eksauth.why-all/v1");
    let reports = v["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 2, "both EKS contexts: {v}");
    assert!(reports.iter().all(|r| r["verdict"] == "ok"), "{v}");
}

#[test]
fn sts_throttled_is_a_warning() {
    let sim = world(|t| format!("{t}\nfaults:\n  sts_throttle_requests: -1\n"));
    let sb = sandbox(&sim, Some(ADMIN_KEY));
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[], V1);
    let (_, r, _) = why(&sb, &[]);
    finding(&r, "sts-throttled", "warning");
}

#[test]
fn healthy_sso_role_with_an_access_entry_is_ok() {
    // The SSO ReadOnly permission set has an access entry (its path is fine
    // there); as an SSO user, with a valid session, nothing is wrong.
    let sim = world(|t| t);
    let sb = sandbox(&sim, None);
    let later = (time::OffsetDateTime::now_utc() + time::Duration::hours(8))
        .replace_nanosecond(0)
        .unwrap();
    sb.write(
        ".aws/config",
        &format!(
            "[profile ro]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = ReadOnly\nregion = us-west-2\n\
             [sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\n"
        ),
    );
    use sha1::{Digest, Sha1};
    sb.write(
        &format!(".aws/sso/cache/{}.json", hex::encode(Sha1::digest(b"corp"))),
        &format!(
            r#"{{"startUrl":"https://d-123.awsapps.com/start","region":"us-east-1","accessToken":"sso-token-alice","expiresAt":"{}"}}"#,
            later.format(&time::format_description::well_known::Rfc3339).unwrap()
        ),
    );
    kubeconfig(&sim, &sb, &TOKEN_ARGS, &[("AWS_PROFILE", "ro")], V1);
    let (code, r, _) = why(&sb, &[]);
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
