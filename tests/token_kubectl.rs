//! The real kubectl runs the binary as its exec plugin against the local
//! EKS simulator, which checks every token by the authenticator's rules and
//! a real SigV4 verification, then maps the caller through aws-auth. Also
//! AssumeRole and SSO through the standard endpoint overrides.

mod common;
use common::*;

/// user/mallory, whom the cluster does not map.
const MALLORY: (&str, &str) = (
    "AKIAMALLORY000000001",
    "mallory-secret-key-00000000000000000000",
);

/// The small world with alice, eks-admin and the SSO role Admin mapped to
/// system:masters, and mallory, mapped nowhere.
fn fixture() -> String {
    let sso = format!(
        "      - rolearn: arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_Admin_0123abcd\n        username: \"sso:{{{{SessionName}}}}\"\n        groups: [system:masters]\n"
    );
    let mallory = format!(
        "    - arn: arn:aws:iam::{ACCOUNT}:user/mallory\n      access_keys: [{{id: {}, secret: {}}}]\n  roles:\n",
        MALLORY.0, MALLORY.1
    );
    edit(
        &common::fixture(&(masters_aws_auth() + &sso), ""),
        "  roles:\n",
        &mallory,
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
    let exec = Exec::eksauth(args).api_version(api_version).env(env);
    let kc = Kubeconfig::demo(sim, exec).write(&sb.path("kubeconfig"));
    let mut all = vec!["--kubeconfig", kc.to_str().unwrap()];
    all.extend_from_slice(kubectl_args);
    kubectl_run(sb, &all)
}

#[test]
fn kubectl_gets_in_through_the_plugin_with_v1_and_v1beta1() {
    let sim = Sim::start(&fixture());
    for api in [
        "client.authentication.k8s.io/v1",
        "client.authentication.k8s.io/v1beta1",
    ] {
        let mut sb = Sandbox::new();
        sb.keys(ALICE);
        let r = kubectl_as(
            &sim,
            &sb,
            api,
            &TOKEN_ARGS,
            &[],
            &["auth", "whoami", "-o", "json"],
        );
        assert_eq!(r.code, 0, "{api}: {}\nsim log:\n{}", r.stderr, sim.log());
        assert_eq!(r.json()["status"]["userInfo"]["username"], "alice", "{api}");
        let pods = kubectl_as(
            &sim,
            &sb,
            api,
            &TOKEN_ARGS,
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
    sb.keys(MALLORY);
    let r = kubectl_as(
        &sim,
        &sb,
        "client.authentication.k8s.io/v1beta1",
        &TOKEN_ARGS,
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
    sb.keys(ALICE);
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
    sb.keys(ALICE);
    sb.endpoints(&sim, &["sts"]);
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admin");
    let mut args = TOKEN_ARGS.to_vec();
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
    sb.keys(MALLORY).endpoints(&sim, &["sts"]);
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admin");
    let mut args = TOKEN_ARGS.to_vec();
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
    sb.endpoints(sim, &["sso"]);
    sso_profile(&sb, None);
    sb.sso_token("SSO-ACCESS-TOKEN-VALID-0001", expires_at);
    sb
}

#[test]
fn an_sso_profile_with_a_valid_session_gets_in_as_the_sso_role() {
    let sim = Sim::start(&fixture());
    let sb = sso_sandbox(&sim, &hours_from_now(8));
    let r = kubectl_as(
        &sim,
        &sb,
        "client.authentication.k8s.io/v1",
        &TOKEN_ARGS,
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
        &TOKEN_ARGS,
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
