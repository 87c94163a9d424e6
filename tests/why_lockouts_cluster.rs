//! `why` for the lock-outs beyond the AWS troubleshooting guides (issue 12,
//! field guide section 7), through the real binary against the simulator:
//! an endpoint that answers only inside its VPC or only some CIDRs, an access
//! entry that shadows aws-auth, an access entry made for an earlier role of
//! the same ARN, and an SSO role mapped under an earlier suffix. Each has a
//! healthy twin that gives no error.

mod common;
use common::*;
use serde_json::Value;

const ISSUER_LINE: &str = "  oidc_issuer_id: 5E1D2C3B4A5968778695A4B3C2D1E0F1\n";

/// The example world with `endpoint_access` set to `yaml` (a flow map).
fn with_endpoint(yaml: &str) -> Sim {
    let yaml = yaml.to_string();
    world(move |t| {
        edit(
            &t,
            ISSUER_LINE,
            &format!("{ISSUER_LINE}  endpoint_access: {yaml}\n"),
        )
    })
}

/// `why -o json` with a short timeout, bounded in wall time.
fn why_quick(sb: &Sandbox) -> (i32, Value) {
    let w = why_run(sb, &["--timeout", "8"], std::time::Duration::from_secs(20));
    (w.code, w.report)
}

// ---- endpoint access ----

#[test]
fn endpoint_private_only() {
    let sim = with_endpoint("{public: false, private: true}");
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (code, r) = why_quick(&sb);
    let f = finding(&r, "endpoint-private-only", "error");
    assert!(f["remedy"].as_str().unwrap().contains(
        "aws eks update-cluster-config --name demo --region us-west-2 --resources-vpc-config endpointPublicAccess=true"
    ), "{f}");
    assert_eq!(f["evidence"]["endpointPublicAccess"], false);
    assert_verdict(code, &r, "endpoint-private-only", 1);
}

#[test]
fn endpoint_public_cidrs() {
    let sim = with_endpoint("{public: true, private: true, public_cidrs: [203.0.113.0/24]}");
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (code, r) = why_quick(&sb);
    let f = finding(&r, "endpoint-public-cidrs", "error");
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains("publicAccessCidrs=203.0.113.0/24,YOUR.IP.ADDRESS/32"),
        "{f}"
    );
    assert_verdict(code, &r, "endpoint-public-cidrs", 1);
}

#[test]
fn healthy_endpoint_limited_to_this_machine_answers() {
    let sim = with_endpoint(
        "{public: true, private: true, public_cidrs: [203.0.113.0/24, 127.0.0.1/32]}",
    );
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (code, r) = why_quick(&sb);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_verdict(code, &r, "ok", 0);
}

// ---- access entries ----

const ADMIN_ENTRY: &str = "    - principal_arn: arn:aws:iam::111122223333:user/admin\n      access_policies:\n        - policy: AmazonEKSClusterAdminPolicy\n          scope: {type: cluster}\n";

#[test]
fn access_entry_shadows_aws_auth() {
    let sim = world(|t| {
        edit(
            &t,
            "  access_entries:\n",
            &format!("  access_entries:\n{ADMIN_ENTRY}"),
        )
    });
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "access-entry-shadows-aws-auth", "warning");
    assert!(f["detail"].as_str().unwrap().contains("mapUsers"), "{f}");
    assert!(f["remedy"].as_str().unwrap().contains(
        "aws eks update-access-entry --cluster-name demo --region us-west-2 --principal-arn arn:aws:iam::111122223333:user/admin --kubernetes-groups system:masters --username admin"
    ), "{f}");
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn healthy_aws_auth_only_is_not_shadowed() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (code, r) = why(&sb, &[]);
    assert!(
        !codes(&r).contains(&"access-entry-shadows-aws-auth".to_string()),
        "{r}"
    );
    assert_verdict(code, &r, "ok", 0);
}

const ADMINS_ROLE: &str = "arn:aws:iam::111122223333:role/eks-admins";

/// The example world with the eks-admins role created at `role` and its
/// entry at `entry`, made for the principal `id` (None: the role's own).
fn recreated(role: &'static str, entry: &'static str, id: Option<&'static str>) -> Sim {
    world(move |t| {
        let t = edit(
            &t,
            "    - arn: arn:aws:iam::111122223333:role/eks-admins\n",
            &format!("    - arn: {ADMINS_ROLE}\n      created_at: {role}\n"),
        );
        let pid = id
            .map(|i| format!("      principal_id: {i}\n"))
            .unwrap_or_default();
        edit(
            &t,
            "    - principal_arn: arn:aws:iam::111122223333:role/eks-admins\n",
            &format!("    - principal_arn: {ADMINS_ROLE}\n      created_at: {entry}\n{pid}"),
        )
    })
}

fn as_admins_role(sim: &Sim) -> Sandbox {
    let mut sb = Sandbox::eks(sim, ADMIN_KEY);
    let mut args = TOKEN_ARGS.to_vec();
    args.extend(["--role-arn", ADMINS_ROLE]);
    sb.kubeconfig(&Kubeconfig::eks(sim, Exec::eksauth(&args)));
    sb
}

#[test]
fn access_entry_stale_principal() {
    let sim = recreated(
        "2025-11-01T00:00:00Z",
        "2025-06-01T00:00:00Z",
        Some("AROADELETEDEKSADMINS1"),
    );
    let sb = as_admins_role(&sim);
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "access-entry-stale-principal", "error");
    let remedy = f["remedy"].as_str().unwrap();
    assert!(remedy.contains(&format!(
        "aws eks delete-access-entry --cluster-name demo --region us-west-2 --principal-arn {ADMINS_ROLE}"
    )), "{f}");
    assert!(remedy.contains(&format!(
        "aws eks create-access-entry --cluster-name demo --region us-west-2 --principal-arn {ADMINS_ROLE} --type STANDARD"
    )), "{f}");
    assert!(
        remedy.contains("AmazonEKSClusterAdminPolicy --access-scope type=cluster"),
        "{f}"
    );
    assert_eq!(f["evidence"]["role_created"], "2025-11-01T00:00:00Z");
    assert!(
        errors(&r).contains(&"unauthorized".to_string()),
        "the cluster refuses it: {r}"
    );
    assert_verdict(code, &r, "access-entry-stale-principal", 1);
}

#[test]
fn healthy_entry_made_after_its_role() {
    let sim = recreated("2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z", None);
    let sb = as_admins_role(&sim);
    let (code, r) = why(&sb, &[]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_verdict(code, &r, "ok", 0);
}

// ---- SSO role suffixes ----

const OLD_SUFFIX: &str = "0123456789abcdef";
const NEW_SUFFIX: &str = "aaaabbbbccccdddd";
const SSO_KEY: (&str, &str, &str) = (
    "ASIAEXAMPLESSO000001",
    "c3NvYWRtaW5zZWNyZXRzc29hZG1pbnNlY3JldHNzbw",
    "FwoGZXIvYXdzEXAMPLE/sso+admin+session==",
);

/// The AdministratorAccess permission set provisioned again (role suffix
/// NEW_SUFFIX), alice's session of it, and aws-auth mapping `mapped_suffix`
/// without the path.
fn reprovisioned(mapped_suffix: &'static str) -> Sim {
    world(move |t| {
        let old_with_path = format!(
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_AdministratorAccess_{OLD_SUFFIX}"
        );
        let t = edit(
            &t,
            &format!("    - arn: {old_with_path}\n"),
            &format!(
                "    - arn: arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_AdministratorAccess_{NEW_SUFFIX}\n"
            ),
        );
        let t = edit(
            &t,
            "  sessions:\n",
            &format!(
                "  sessions:\n    - access_key_id: {}\n      secret_access_key: {}\n      session_token: {}\n      arn: arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_{NEW_SUFFIX}/alice@example.com\n      expires_in_seconds: 3600\n",
                SSO_KEY.0, SSO_KEY.1, SSO_KEY.2
            ),
        );
        edit(
            &t,
            &format!("      - rolearn: {old_with_path}\n"),
            &format!(
                "      - rolearn: arn:aws:iam::111122223333:role/AWSReservedSSO_AdministratorAccess_{mapped_suffix}\n"
            ),
        )
    })
}

fn as_alice(sim: &Sim) -> Sandbox {
    let mut sb = Sandbox::eks(sim, (SSO_KEY.0, SSO_KEY.1));
    sb.set("AWS_SESSION_TOKEN", SSO_KEY.2);
    sb
}

/// The aws-auth ConfigMap exported as the remedy of aws-auth-unreadable
/// says, with the real kubectl through the admin context (alice, not let
/// in, cannot read it).
fn exported_aws_auth(sb: &Sandbox) -> String {
    let mut c = sb.command(kubectl());
    c.env_remove("AWS_SESSION_TOKEN").args([
        "get",
        "configmap",
        "aws-auth",
        "-n",
        "kube-system",
        "-o",
        "yaml",
        "--context",
        "admin",
    ]);
    let out = run(c);
    out.ok();
    sb.write("aws-auth.yaml", &out.stdout).display().to_string()
}

#[test]
fn sso_role_mapping_stale() {
    let sim = reprovisioned(OLD_SUFFIX);
    let sb = as_alice(&sim);
    let file = exported_aws_auth(&sb);
    let (code, r) = why(&sb, &["--aws-auth-file", &file]);
    let f = finding(&r, "sso-role-mapping-stale", "error");
    let new =
        format!("arn:aws:iam::111122223333:role/AWSReservedSSO_AdministratorAccess_{NEW_SUFFIX}");
    assert!(f["remedy"].as_str().unwrap().contains(&format!(
        "eksctl create iamidentitymapping --cluster demo --region us-west-2 --arn {new} --username 'sso-admin:{{{{SessionName}}}}' --group system:masters"
    )), "{f}");
    assert!(f["detail"].as_str().unwrap().contains(OLD_SUFFIX), "{f}");
    assert_verdict(code, &r, "sso-role-mapping-stale", 1);
}

#[test]
fn healthy_sso_role_mapped_with_its_current_suffix() {
    let sim = reprovisioned(NEW_SUFFIX);
    let sb = as_alice(&sim);
    let file = exported_aws_auth(&sb);
    let (code, r) = why(&sb, &["--aws-auth-file", &file]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_verdict(code, &r, "ok", 0);
}
