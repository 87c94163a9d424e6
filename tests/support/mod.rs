//! Helpers shared by the tests of `setup`, `whoami`, `login` and `cache`:
//! a simulator fixture built from parts, a sandbox wired to the simulator's
//! endpoints with the plugin on PATH, and kubectl through a kubeconfig.
#![allow(dead_code)]

use crate::common::*;
use std::path::Path;

pub const ACCOUNT: &str = "111122223333";
pub const ALICE: (&str, &str) = (
    "AKIAALICE00000000001",
    "alice-secret-key-0000000000000000000000",
);
pub const SSO_ROLE_WITH_PATH: &str = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_Admin_0123abcd";

/// A fixture: alice (IAM user), the role eks-admin she may assume, an SSO
/// role with its path, then `cluster_extra` appended under `cluster:` and
/// `top_extra` at the top level.
pub fn fixture(cluster_extra: &str, top_extra: &str) -> String {
    format!(
        r#"
iam:
  users:
    - arn: arn:aws:iam::{ACCOUNT}:user/alice
      access_keys: [{{id: {id}, secret: {secret}}}]
  roles:
    - arn: arn:aws:iam::{ACCOUNT}:role/eks-admin
      trusted_principals: [arn:aws:iam::{ACCOUNT}:user/alice]
    - arn: {SSO_ROLE_WITH_PATH}
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
{cluster_extra}
{top_extra}
"#,
        id = ALICE.0,
        secret = ALICE.1
    )
}

/// aws-auth data that maps alice and eks-admin to system:masters.
pub fn masters_aws_auth() -> String {
    format!(
        r#"  aws_auth:
    mapUsers: |
      - userarn: arn:aws:iam::{ACCOUNT}:user/alice
        username: alice
        groups: [system:masters]
    mapRoles: |
      - rolearn: arn:aws:iam::{ACCOUNT}:role/eks-admin
        username: "admin:{{{{SessionName}}}}"
        groups: [system:masters]
"#
    )
}

/// A sandbox whose AWS calls go to `sim`, with kubectl-eksauth and the AWS
/// CLI on PATH (as after `kubectl krew install`).
pub fn sandbox(sim: &Sim) -> Sandbox {
    let mut sb = Sandbox::new();
    let path = format!(
        "{}:{}:/usr/local/bin:/usr/bin:/bin",
        bin().parent().unwrap().display(),
        aws_cli().parent().unwrap().display()
    );
    let kc = sb.home().join(".kube/config").display().to_string();
    sb.set("PATH", path)
        .set("AWS_ENDPOINT_URL_EKS", sim.url("eks"))
        .set("AWS_ENDPOINT_URL_IAM", sim.url("iam"))
        .set("AWS_ENDPOINT_URL_STS", sim.url("sts"))
        .set("AWS_ENDPOINT_URL_SSO", sim.url("sso"))
        .set("AWS_ENDPOINT_URL_SSO_OIDC", sim.url("sso_oidc"))
        .set("AWS_MAX_ATTEMPTS", "1")
        .set("KUBECONFIG", kc);
    sb
}

/// Alice's keys in the environment.
pub fn as_alice(sb: &mut Sandbox) -> &mut Sandbox {
    sb.set("AWS_ACCESS_KEY_ID", ALICE.0)
        .set("AWS_SECRET_ACCESS_KEY", ALICE.1)
}

/// `kubectl ARGS` with the sandbox's environment (KUBECONFIG included).
pub fn kubectl_run(sb: &Sandbox, args: &[&str]) -> Run {
    let mut c = sb.command(kubectl());
    c.args(args);
    run(c)
}

/// The username the cluster sees through the current context.
pub fn kube_username(sb: &Sandbox, sim: &Sim) -> String {
    let r = kubectl_run(sb, &["auth", "whoami", "-o", "json"]);
    assert_eq!(r.code, 0, "kubectl: {}\nsim log:\n{}", r.stderr, sim.log());
    r.json()["status"]["userInfo"]["username"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The AWS CLI of the venv with the sandbox's environment.
pub fn aws(sb: &Sandbox, args: &[&str]) -> Run {
    let mut c = sb.command(aws_cli());
    c.args(args);
    run(c)
}

/// A YAML file as a JSON value (for comparing what must not change).
pub fn yaml_file(p: &Path) -> serde_json::Value {
    serde_saphyr::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The SSO profile `dev` (session `corp`) and, when `token` is given, a
/// cached SSO session valid for 8 hours.
pub fn sso_profile(sb: &Sandbox, token: Option<&str>) {
    sb.write(
        ".aws/config",
        &format!(
            "[profile dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = Admin\nregion = us-west-2\n\
             [sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
        ),
    );
    if let Some(t) = token {
        let later = (time::OffsetDateTime::now_utc() + time::Duration::hours(8))
            .replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        sb.write(
            &sso_cache_rel("corp"),
            &format!(r#"{{"startUrl":"https://d-123.awsapps.com/start","region":"us-east-1","accessToken":"{t}","expiresAt":"{later}"}}"#),
        );
    }
}

/// `.aws/sso/cache/<sha1>.json` relative to HOME.
pub fn sso_cache_rel(id: &str) -> String {
    use sha1::{Digest, Sha1};
    format!(
        ".aws/sso/cache/{}.json",
        hex::encode(Sha1::digest(id.as_bytes()))
    )
}
