//! The real kubectl runs the binary as its exec plugin against the local
//! EKS simulator, which checks every token by the authenticator's rules and
//! a real SigV4 verification, then maps the caller through aws-auth. Also
//! AssumeRole and SSO through the standard endpoint overrides.

mod common;
use common::*;

const ACCOUNT: &str = "111122223333";

fn fixture() -> String {
    format!(
        r#"
iam:
  users:
    - arn: arn:aws:iam::{ACCOUNT}:user/alice
      access_keys: [{{id: AKIAALICE00000000001, secret: alice-secret-key-0000000000000000000000}}]
    - arn: arn:aws:iam::{ACCOUNT}:user/mallory
      access_keys: [{{id: AKIAMALLORY000000001, secret: mallory-secret-key-00000000000000000000}}]
  roles:
    - arn: arn:aws:iam::{ACCOUNT}:role/eks-admin
      trusted_principals: [arn:aws:iam::{ACCOUNT}:user/alice]
    - arn: arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_Admin_0123abcd
sso:
  tokens:
    - access_token: SSO-ACCESS-TOKEN-VALID-0001
      user_name: dev@example.com
      assignments: [{{account_id: "{ACCOUNT}", role_name: Admin}}]
cluster:
  name: demo
  region: us-west-2
  account_id: "{ACCOUNT}"
  authentication_mode: API_AND_CONFIG_MAP
  aws_auth:
    mapUsers: |
      - userarn: arn:aws:iam::{ACCOUNT}:user/alice
        username: alice
        groups: [system:masters]
    mapRoles: |
      - rolearn: arn:aws:iam::{ACCOUNT}:role/eks-admin
        username: "admin:{{{{SessionName}}}}"
        groups: [system:masters]
      - rolearn: arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_Admin_0123abcd
        username: "sso:{{{{SessionName}}}}"
        groups: [system:masters]
"#
    )
}

fn kubectl_as(
    sim: &Sim,
    sb: &Sandbox,
    api_version: &str,
    args: &[&str],
    env: &[(&str, &str)],
    kubectl_args: &[&str],
) -> Run {
    let kc = sb.path("kubeconfig");
    sim.kubeconfig(&kc, api_version, &bin(), args, env);
    let mut c = sb.command(kubectl());
    c.arg("--kubeconfig").arg(&kc).args(kubectl_args);
    run(c)
}

fn alice(sb: &mut Sandbox) {
    sb.set("AWS_ACCESS_KEY_ID", "AKIAALICE00000000001").set(
        "AWS_SECRET_ACCESS_KEY",
        "alice-secret-key-0000000000000000000000",
    );
}

const TOKEN: [&str; 5] = ["token", "--cluster-name", "demo", "--region", "us-west-2"];

#[test]
fn kubectl_gets_in_through_the_plugin_with_v1_and_v1beta1() {
    let sim = Sim::start(&fixture());
    for api in [
        "client.authentication.k8s.io/v1",
        "client.authentication.k8s.io/v1beta1",
    ] {
        let mut sb = Sandbox::new();
        alice(&mut sb);
        let r = kubectl_as(
            &sim,
            &sb,
            api,
            &TOKEN,
            &[],
            &["auth", "whoami", "-o", "json"],
        );
        assert_eq!(r.code, 0, "{api}: {}\nsim log:\n{}", r.stderr, sim.log());
        assert_eq!(r.json()["status"]["userInfo"]["username"], "alice", "{api}");
        let pods = kubectl_as(
            &sim,
            &sb,
            api,
            &TOKEN,
            &[],
            &["get", "pods", "-n", "default"],
        );
        assert_eq!(pods.code, 0, "{api}: {}", pods.stderr);
    }
}

#[test]
fn an_unmapped_user_is_unauthorized_like_on_eks() {
    let sim = Sim::start(&fixture());
    let mut sb = Sandbox::new();
    sb.set("AWS_ACCESS_KEY_ID", "AKIAMALLORY000000001").set(
        "AWS_SECRET_ACCESS_KEY",
        "mallory-secret-key-00000000000000000000",
    );
    let r = kubectl_as(
        &sim,
        &sb,
        "client.authentication.k8s.io/v1beta1",
        &TOKEN,
        &[],
        &["get", "pods"],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("Unauthorized") || r.stderr.contains("provide credentials"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_token_for_another_cluster_name_is_refused() {
    let sim = Sim::start(&fixture());
    let mut sb = Sandbox::new();
    alice(&mut sb);
    let wrong = ["token", "--cluster-name", "other", "--region", "us-west-2"];
    let r = kubectl_as(
        &sim,
        &sb,
        "client.authentication.k8s.io/v1beta1",
        &wrong,
        &[],
        &["get", "pods"],
    );
    assert_ne!(r.code, 0, "signed for another cluster: {}", r.stdout);
    assert!(
        r.stderr.contains("Unauthorized") || r.stderr.contains("provide credentials"),
        "{}",
        r.stderr
    );
    let log = sim.log();
    assert!(
        log.to_lowercase().contains("signaturedoesnotmatch"),
        "refused as an STS signature mismatch:\n{log}"
    );
}

#[test]
fn role_arn_assumes_the_role_through_the_sts_endpoint_override() {
    let sim = Sim::start(&fixture());
    let mut sb = Sandbox::new();
    alice(&mut sb);
    sb.set("AWS_ENDPOINT_URL_STS", sim.url("sts"));
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admin");
    let mut args = TOKEN.to_vec();
    args.extend(["--role-arn", role.as_str()]);
    let direct = run(sb.eksauth(&args));
    direct.ok();
    assert!(
        token_param(&direct.token(), "X-Amz-Credential")
            .unwrap()
            .starts_with("ASIA"),
        "signed with the role's session keys"
    );
    let r = kubectl_as(
        &sim,
        &sb,
        "client.authentication.k8s.io/v1",
        &args,
        &[],
        &["auth", "whoami", "-o", "json"],
    );
    assert_eq!(r.code, 0, "{}\nsim log:\n{}", r.stderr, sim.log());
    assert_eq!(
        r.json()["status"]["userInfo"]["username"],
        "admin:EKSGetTokenAuth",
        "session name as the AWS CLI sets it"
    );
}

#[test]
fn assume_role_refused_is_named_with_the_role() {
    let sim = Sim::start(&fixture());
    let mut sb = Sandbox::new();
    sb.set("AWS_ACCESS_KEY_ID", "AKIAMALLORY000000001")
        .set(
            "AWS_SECRET_ACCESS_KEY",
            "mallory-secret-key-00000000000000000000",
        )
        .set("AWS_ENDPOINT_URL_STS", sim.url("sts"));
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admin");
    let mut args = TOKEN.to_vec();
    args.extend(["--no-cache", "--role-arn", role.as_str()]);
    let r = run(sb.eksauth(&args));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("could not assume role") && r.stderr.contains(&role),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("not authorized"),
        "keeps STS's words: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("mallory-secret-key"));
}

fn sso_sandbox(sim: &Sim, expires_at: &str) -> Sandbox {
    let mut sb = Sandbox::new();
    sb.set("AWS_ENDPOINT_URL_SSO", sim.url("sso"));
    sb.write(
        ".aws/config",
        &format!(
            "[profile dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = Admin\nregion = us-west-2\n\
             [sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
        ),
    );
    use sha1::{Digest, Sha1};
    sb.write(
        &format!(".aws/sso/cache/{}.json", hex::encode(Sha1::digest(b"corp"))),
        &format!(r#"{{"startUrl":"https://d-123.awsapps.com/start","region":"us-east-1","accessToken":"SSO-ACCESS-TOKEN-VALID-0001","expiresAt":"{expires_at}"}}"#),
    );
    sb
}

#[test]
fn an_sso_profile_with_a_valid_session_gets_in_as_the_sso_role() {
    let sim = Sim::start(&fixture());
    let later = (time::OffsetDateTime::now_utc() + time::Duration::hours(8))
        .replace_nanosecond(0)
        .unwrap();
    let sb = sso_sandbox(
        &sim,
        &later
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
    );
    let r = kubectl_as(
        &sim,
        &sb,
        "client.authentication.k8s.io/v1",
        &TOKEN,
        &[("AWS_PROFILE", "dev")],
        &["auth", "whoami", "-o", "json"],
    );
    assert_eq!(r.code, 0, "{}\nsim log:\n{}", r.stderr, sim.log());
    assert_eq!(
        r.json()["status"]["userInfo"]["username"],
        "sso:dev-example.com"
    );
}

#[test]
fn an_expired_sso_session_is_reported_through_kubectl() {
    let sim = Sim::start(&fixture());
    let sb = sso_sandbox(&sim, "2024-01-01T00:00:00Z");
    let r = kubectl_as(
        &sim,
        &sb,
        "client.authentication.k8s.io/v1",
        &TOKEN,
        &[("AWS_PROFILE", "dev")],
        &["get", "pods"],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("aws sso login --profile dev"),
        "kubectl shows the plugin's fix: {}",
        r.stderr
    );
}
