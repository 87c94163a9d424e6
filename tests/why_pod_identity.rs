//! `why --service-account NS/NAME` for EKS Pod Identity through the real
//! binary against the local EKS simulator: the example world gains service
//! account dev/web with a Pod Identity association to role/web-reader, the
//! `eks-pod-identity-agent` add-on and DaemonSet, and pod dev/web-1 with the
//! injected variables. Each pod-identity-* code is built for real (and
//! irsa-credentials-shadowed, irsa-unverified, a service account with both
//! mechanisms, and one with neither) and must come out of `why -o json`
//! with its severity, verdict and exit status.

mod common;
use common::*;

const WEB: &str = "dev/web";
const ROLE: &str = "arn:aws:iam::111122223333:role/web-reader";
/// The role after which web-reader is inserted.
const SSO_ADMIN_ROLE: &str = "    - arn: arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_AdministratorAccess_0123456789abcdef\n";
const TRUST_ACTIONS: &str = "Action: [sts:AssumeRole, sts:TagSession]";
const PI_ENV: &str = "              - {name: AWS_CONTAINER_CREDENTIALS_FULL_URI, value: \"http://169.254.170.23/v1/credentials\"}\n              - {name: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, value: /var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token}\n";
const ADDONS: &str = "  addons:\n    - name: eks-pod-identity-agent\n";
const AGENT_DS: &str = "    - apiVersion: apps/v1\n      kind: DaemonSet\n      metadata: {name: eks-pod-identity-agent, namespace: kube-system}\n      spec: {selector: {matchLabels: {app.kubernetes.io/name: eks-pod-identity-agent}}}\n";

/// A pod of `sa` in dev named `name`, with `env` lines (and extra spec).
fn pod(name: &str, sa: &str, env: &str, extra: &str) -> String {
    format!(
        "    - apiVersion: v1\n      kind: Pod\n      metadata: {{name: {name}, namespace: dev{extra}}}\n      spec:\n        serviceAccountName: {sa}\n        containers:\n          - name: web\n            image: public.ecr.aws/aws-cli/aws-cli:latest\n            env:\n              - {{name: AWS_REGION, value: us-west-2}}\n{env}"
    )
}

/// The association of `sa` (in dev) to `role`, with extra lines.
fn association(sa: &str, role: &str, extra: &str) -> String {
    format!("    - namespace: dev\n      service_account: {sa}\n      role_arn: {role}\n{extra}")
}

/// The example world with dev/web correctly set up for Pod Identity (and
/// pod dev/app-legacy moved away, so dev/app is a healthy IRSA account).
fn healthy(t: String) -> String {
    let role = format!(
        "    - arn: {ROLE}\n      trust_policy:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal: {{Service: pods.eks.amazonaws.com}}\n            {TRUST_ACTIONS}\n{SSO_ADMIN_ROLE}"
    );
    let t = edit(&t, SSO_ADMIN_ROLE, &role);
    let t = edit(
        &t,
        "name: app-legacy\n        namespace: dev",
        "name: app-legacy\n        namespace: default",
    );
    let objects = format!(
        "  objects:\n    - apiVersion: v1\n      kind: ServiceAccount\n      metadata: {{name: web, namespace: dev}}\n{}{AGENT_DS}",
        pod("web-1", "web", PI_ENV, "")
    );
    let t = edit(&t, "  objects:\n", &objects);
    let cluster = format!(
        "{ADDONS}  pod_identity_associations:\n{}  access_entries:\n",
        association("web", ROLE, "")
    );
    edit(&t, "  access_entries:\n", &cluster)
}

/// Adds `objects` (manifest lines) to the world's objects.
fn with_objects(t: String, objects: &str) -> String {
    edit(&t, "  objects:\n", &format!("  objects:\n{objects}"))
}

#[test]
fn healthy_pod_identity_service_account_exits_0() {
    let (code, r) = diagnose(healthy, WEB);
    assert_eq!(errors(&r), Vec::<String>::new(), "{r}");
    assert!(!codes(&r).iter().any(|c| c.starts_with("irsa-")), "{r}");
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn an_agent_installed_by_hand_is_found_by_its_daemonset() {
    let (code, r) = diagnose(|t| edit(&healthy(t), ADDONS, ""), WEB);
    assert_eq!(errors(&r), Vec::<String>::new(), "{r}");
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn pod_identity_agent_missing() {
    let r = diagnose(|t| edit(&edit(&healthy(t), ADDONS, ""), AGENT_DS, ""), WEB);
    let f = expect(&r, "pod-identity-agent-missing");
    assert!(
        text(&f, "remedy").contains(
            "aws eks create-addon --cluster-name demo --region us-west-2 --addon-name eks-pod-identity-agent"
        ),
        "{f}"
    );
}

#[test]
fn pod_identity_role_missing() {
    let other = "arn:aws:iam::111122223333:role/web-writer";
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                &association("web", ROLE, ""),
                &association("web", other, ""),
            )
        },
        WEB,
    );
    let f = expect(&r, "pod-identity-role-missing");
    let remedy = text(&f, "remedy");
    assert!(
        remedy.contains("aws iam create-role --role-name web-writer"),
        "{remedy}"
    );
    assert!(
        remedy.contains("pods.eks.amazonaws.com") && remedy.contains("sts:TagSession"),
        "{remedy}"
    );
}

#[test]
fn pod_identity_trust_invalid_and_its_corrected_policy_works() {
    let no_tag = |t| edit(&healthy(t), TRUST_ACTIONS, "Action: sts:AssumeRole");
    let r = diagnose(no_tag, WEB);
    let f = expect(&r, "pod-identity-trust-invalid");
    let remedy = text(&f, "remedy");
    assert!(
        remedy.contains("aws iam update-assume-role-policy --role-name web-reader"),
        "{remedy}"
    );
    assert!(text(&f, "detail").contains("sts:TagSession"), "{f}");
    let json: serde_json::Value =
        serde_json::from_str(&remedy[remedy.find('{').unwrap()..]).unwrap();
    let fixed = |t: String| {
        let t = no_tag(t);
        let start = t.find("role/web-reader\n").unwrap() + "role/web-reader\n".len();
        let end = t.find(SSO_ADMIN_ROLE).unwrap();
        format!("{}      trust_policy: {json}\n{}", &t[..start], &t[end..])
    };
    let (code, r) = diagnose(fixed, WEB);
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn a_trust_policy_for_another_service_is_invalid() {
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                "Principal: {Service: pods.eks.amazonaws.com}",
                "Principal: {Service: ec2.amazonaws.com}",
            )
        },
        WEB,
    );
    expect(&r, "pod-identity-trust-invalid");
}

#[test]
fn pod_identity_pod_env_missing_names_the_pod_older_than_the_association() {
    let old = pod(
        "web-old",
        "web",
        "",
        ", creationTimestamp: \"2020-01-01T00:00:00Z\"",
    );
    let r = diagnose(|t| with_objects(healthy(t), &old), WEB);
    let f = expect(&r, "pod-identity-pod-env-missing");
    assert!(text(&f, "title").contains("web-old"), "{f}");
    assert!(!text(&f, "title").contains("web-1"), "{f}");
    assert!(
        text(&f, "detail").contains("web-old (created before the association"),
        "{f}"
    );
    assert!(
        text(&f, "remedy").contains("kubectl delete pod web-old -n dev"),
        "{f}"
    );
}

#[test]
fn pod_identity_shadowed_by_access_keys_from_a_secret() {
    let secret = "    - apiVersion: v1\n      kind: Secret\n      metadata: {name: creds, namespace: dev}\n      data: {AWS_ACCESS_KEY_ID: QUtJQUVYQU1QTEU=, AWS_SECRET_ACCESS_KEY: c2VjcmV0c2VjcmV0}\n";
    let keyed = |t: String| {
        let t = with_objects(healthy(t), secret);
        edit(
            &t,
            "          - name: web\n            image: public.ecr.aws/aws-cli/aws-cli:latest\n",
            "          - name: web\n            image: public.ecr.aws/aws-cli/aws-cli:latest\n            envFrom: [{secretRef: {name: creds}}]\n",
        )
    };
    let r = diagnose(keyed, WEB);
    let f = expect(&r, "pod-identity-shadowed");
    assert!(
        text(&f, "detail").contains("AWS_ACCESS_KEY_ID from Secret creds"),
        "{f}"
    );
    let all = r.1.to_string();
    assert!(
        !all.contains("c2VjcmV0c2VjcmV0") && !all.contains("secretsecret"),
        "{all}"
    );
}

/// dev/app (IRSA, healthy) also has an association, and its pod carries
/// both sets of variables, as EKS injects them.
fn both(t: String) -> String {
    let t = edit(
        &healthy(t),
        "  pod_identity_associations:\n",
        &format!(
            "  pod_identity_associations:\n{}",
            association("app", ROLE, "")
        ),
    );
    edit(
        &t,
        "              - {name: AWS_WEB_IDENTITY_TOKEN_FILE, value: /var/run/secrets/eks.amazonaws.com/serviceaccount/token}\n",
        &format!(
            "              - {{name: AWS_WEB_IDENTITY_TOKEN_FILE, value: /var/run/secrets/eks.amazonaws.com/serviceaccount/token}}\n{PI_ENV}"
        ),
    )
}

#[test]
fn a_service_account_with_both_mechanisms_is_shadowed_by_irsa() {
    let r = diagnose(both, "dev/app");
    let f = expect(&r, "pod-identity-shadowed");
    assert!(text(&f, "detail").contains("IRSA's AWS_ROLE_ARN"), "{f}");
    assert!(
        text(&f, "remedy")
            .contains("kubectl annotate serviceaccount -n dev app eks.amazonaws.com/role-arn-"),
        "{f}"
    );
    let irsa_errors: Vec<String> = errors(&r.1)
        .into_iter()
        .filter(|c| c.starts_with("irsa-"))
        .collect();
    assert!(irsa_errors.is_empty(), "{irsa_errors:?}");
}

#[test]
fn neither_mechanism_names_both_ways() {
    let r = diagnose(healthy, "default/default");
    let f = expect(&r, "irsa-annotation-missing");
    let remedy = text(&f, "remedy");
    assert!(
        remedy.contains("aws eks create-pod-identity-association --cluster-name demo --region us-west-2 --namespace default --service-account default"),
        "{remedy}"
    );
    assert!(
        remedy.contains("kubectl annotate serviceaccount -n default default"),
        "{remedy}"
    );
}

#[test]
fn irsa_credentials_shadowed() {
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                "              - {name: AWS_REGION, value: us-west-2}\n              - {name: AWS_ROLE_ARN",
                "              - {name: AWS_REGION, value: us-west-2}\n              - {name: AWS_PROFILE, value: legacy}\n              - {name: AWS_ROLE_ARN",
            )
        },
        "dev/app",
    );
    let f = expect(&r, "irsa-credentials-shadowed");
    assert!(
        text(&f, "detail").contains("AWS_PROFILE in the env of container app"),
        "{f}"
    );
}

#[test]
fn irsa_unverified_names_the_part_and_the_permission() {
    let denied = |t: String| {
        edit(
            &healthy(t),
            "access_denied:\n",
            "access_denied:\n  - principal_arn: arn:aws:iam::111122223333:user/dev\n    actions: [iam:GetRole]\n",
        )
    };
    let sim = world(denied);
    let sb = Sandbox::eks(&sim, DEV_KEY);
    let (code, r) = why(
        &sb,
        &["--service-account", "dev/app", "--admin-context", "admin"],
    );
    let f = finding(&r, "irsa-unverified", "warning");
    assert!(
        text(f, "detail").contains("the annotated role's trust policy"),
        "{f}"
    );
    assert!(text(f, "remedy").contains("iam:GetRole"), "{f}");
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn a_cross_account_association_says_what_was_not_checked() {
    let target = "      target_role_arn: arn:aws:iam::444455556666:role/shared-reader\n";
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                &association("web", ROLE, ""),
                &association("web", ROLE, target),
            )
        },
        WEB,
    );
    let f = finding(&r.1, "irsa-unverified", "warning");
    assert!(
        text(f, "detail").contains("arn:aws:iam::444455556666:role/shared-reader"),
        "{f}"
    );
    assert!(text(f, "remedy").contains("account 444455556666"), "{f}");
    assert_verdict(r.0, &r.1, "ok", 0);
}

#[test]
fn read_through_the_admin_context_with_the_exec_entrys_aws_identity() {
    // dev may not read kube-system nor dev's pods' ServiceAccount as
    // itself everywhere; the admin context reads the cluster, dev's AWS
    // identity asks EKS and IAM.
    let sim = world(|t| edit(&healthy(t), ADDONS, ""));
    let sb = Sandbox::eks(&sim, DEV_KEY);
    let (code, r) = why(&sb, &["--service-account", WEB, "--admin-context", "admin"]);
    assert_eq!(errors(&r), Vec::<String>::new(), "{r}");
    assert!(!codes(&r).contains(&"irsa-unverified".to_string()), "{r}");
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn without_a_reader_for_kube_system_the_agent_is_unverified() {
    // Without the add-on, the agent is looked for as a DaemonSet in
    // kube-system, which dev may not read.
    let sim = world(|t| edit(&healthy(t), ADDONS, ""));
    let sb = Sandbox::eks(&sim, DEV_KEY);
    let (code, r) = why(&sb, &["--service-account", WEB]);
    let f = finding(&r, "irsa-unverified", "warning");
    assert!(text(f, "detail").contains("EKS Pod Identity Agent"), "{f}");
    assert!(
        !codes(&r).contains(&"pod-identity-agent-missing".to_string()),
        "{r}"
    );
    assert_eq!(code, 0, "{r}");
}
