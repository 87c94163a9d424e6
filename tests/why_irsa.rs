//! `why --service-account NS/NAME` (IAM roles for service accounts)
//! through the real binary against the local EKS simulator: each irsa-*
//! code is built for real (the ServiceAccount, its annotation, the role and
//! its trust policy, the OIDC provider, the pods) and must come out of
//! `why -o json` with its severity, verdict and exit status; a correctly
//! configured service account exits 0, and the corrected trust policy of a
//! remedy, put on the role, makes it so.

mod common;
use common::*;

const ID: &str = "5E1D2C3B4A5968778695A4B3C2D1E0F1";
const SA: &str = "dev/app";
/// What follows the app role's trust policy in the fixture.
const AFTER_APP_ROLE: &str = "    - arn: arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_AdministratorAccess";

/// The example world without pod dev/app-legacy (moved to `default`):
/// service account dev/app is then correctly configured.
fn healthy(t: String) -> String {
    edit(
        &t,
        "name: app-legacy\n        namespace: dev",
        "name: app-legacy\n        namespace: default",
    )
}

#[test]
fn correctly_configured_service_account_exits_0() {
    let (code, r) = diagnose(healthy, SA);
    assert_eq!(errors(&r), Vec::<String>::new(), "{r}");
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn read_through_the_admin_context() {
    let sim = world(healthy);
    let sb = Sandbox::eks(&sim, DEV_KEY);
    let (code, r) = why(&sb, &["--service-account", SA, "--admin-context", "admin"]);
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn irsa_service_account_missing() {
    let r = diagnose(healthy, "dev/nope");
    let f = expect(&r, "irsa-service-account-missing");
    assert!(
        text(&f, "remedy").contains("kubectl create serviceaccount -n dev nope"),
        "{f}"
    );
}

#[test]
fn irsa_annotation_missing() {
    let r = diagnose(healthy, "default/default");
    let f = expect(&r, "irsa-annotation-missing");
    assert!(
        text(&f, "remedy").contains("kubectl annotate serviceaccount -n default default"),
        "{f}"
    );
}

#[test]
fn irsa_annotation_malformed() {
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                "eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/app-s3-reader",
                "eks.amazonaws.com/role-arn: app-s3-reader",
            )
        },
        SA,
    );
    let f = expect(&r, "irsa-annotation-malformed");
    assert!(
        text(&f, "remedy")
            .contains("eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/app-s3-reader"),
        "{f}"
    );
}

#[test]
fn irsa_role_missing() {
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                "eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/app-s3-reader",
                "eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/app-s3-writer",
            )
        },
        SA,
    );
    let f = expect(&r, "irsa-role-missing");
    let remedy = text(&f, "remedy");
    assert!(
        remedy.contains("aws iam create-role --role-name app-s3-writer"),
        "{remedy}"
    );
    assert!(remedy.contains("system:serviceaccount:dev:app"), "{remedy}");
}

#[test]
fn irsa_oidc_provider_missing() {
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                &format!("    - url: https://oidc.eks.us-west-2.amazonaws.com/id/{ID}"),
                "    - url: https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",
            )
        },
        SA,
    );
    let f = expect(&r, "irsa-oidc-provider-missing");
    assert!(
        text(&f, "remedy").contains("eksctl utils associate-iam-oidc-provider --cluster demo"),
        "{f}"
    );
}

#[test]
fn irsa_oidc_audience_missing() {
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                "      client_ids: [sts.amazonaws.com]",
                "      client_ids: [other.example.com]",
            )
        },
        SA,
    );
    let f = expect(&r, "irsa-oidc-audience-missing");
    assert!(
        text(&f, "remedy").contains("add-client-id-to-open-id-connect-provider"),
        "{f}"
    );
}

#[test]
fn irsa_trust_principal_mismatch() {
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                &format!(
                    "Federated: arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/{ID}"
                ),
                "Federated: arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",
            )
        },
        SA,
    );
    expect(&r, "irsa-trust-principal-mismatch");
}

#[test]
fn irsa_trust_action_mismatch() {
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                "Action: sts:AssumeRoleWithWebIdentity",
                "Action: sts:AssumeRole",
            )
        },
        SA,
    );
    expect(&r, "irsa-trust-action-mismatch");
}

/// The fixture with the app role's sub condition set to `sub` under `op`.
fn sub_condition(t: String, op: &str, sub: &str) -> String {
    let t = edit(
        &healthy(t),
        &format!("/id/{ID}:sub: system:serviceaccount:dev:app"),
        &format!("/id/{ID}:sub: {sub}"),
    );
    edit(
        &t,
        "              StringEquals:\n",
        &format!("              {op}:\n"),
    )
}

#[test]
fn irsa_trust_subject_mismatch_and_its_corrected_policy_works() {
    let other = |t| sub_condition(t, "StringEquals", "system:serviceaccount:dev:other");
    let r = diagnose(other, SA);
    let f = expect(&r, "irsa-trust-subject-mismatch");
    let remedy = text(&f, "remedy");
    assert!(
        remedy.contains("aws iam update-assume-role-policy --role-name app-s3-reader"),
        "{remedy}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&remedy[remedy.find('{').unwrap()..]).unwrap();
    let fixed = |t: String| {
        let t = other(t);
        let start = t.find("role/app-s3-reader\n      trust_policy:").unwrap()
            + "role/app-s3-reader\n".len();
        let end = t.find(AFTER_APP_ROLE).unwrap();
        format!("{}      trust_policy: {json}\n{}", &t[..start], &t[end..])
    };
    let (code, r) = diagnose(fixed, SA);
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn string_like_wildcards_are_evaluated_as_iam_does() {
    let (code, r) = diagnose(
        |t| sub_condition(t, "StringLike", "system:serviceaccount:dev:a?p"),
        SA,
    );
    assert_verdict(code, &r, "ok", 0);
    let (code, r) = diagnose(
        |t| sub_condition(t, "StringLike", "system:serviceaccount:d*"),
        SA,
    );
    assert_verdict(code, &r, "ok", 0);
    let r = diagnose(
        |t| sub_condition(t, "StringLike", "system:serviceaccount:dev:a?"),
        SA,
    );
    expect(&r, "irsa-trust-subject-mismatch");
    let r = diagnose(
        |t| sub_condition(t, "StringEquals", "system:serviceaccount:dev:*"),
        SA,
    );
    expect(&r, "irsa-trust-subject-mismatch");
}

#[test]
fn a_deny_statement_excludes_the_service_account() {
    let deny = format!(
        "          - Effect: Deny\n            Principal: \"*\"\n            Action: sts:AssumeRoleWithWebIdentity\n            Condition:\n              StringLike:\n                oidc.eks.us-west-2.amazonaws.com/id/{ID}:sub: system:serviceaccount:dev:*\n{AFTER_APP_ROLE}"
    );
    let r = diagnose(|t| edit(&healthy(t), AFTER_APP_ROLE, &deny), SA);
    let f = expect(&r, "irsa-trust-subject-mismatch");
    assert!(text(&f, "detail").contains("Deny"), "{f}");
}

#[test]
fn irsa_trust_audience_mismatch() {
    let r = diagnose(
        |t| {
            edit(
                &healthy(t),
                &format!("/id/{ID}:aud: sts.amazonaws.com"),
                &format!("/id/{ID}:aud: sts.example.com"),
            )
        },
        SA,
    );
    expect(&r, "irsa-trust-audience-mismatch");
}

#[test]
fn irsa_pod_env_missing_says_recreate_the_pod() {
    // The example world as it is: pod dev/app-legacy predates the annotation.
    let r = diagnose(|t| t, SA);
    let f = expect(&r, "irsa-pod-env-missing");
    assert!(text(&f, "title").contains("app-legacy"), "{f}");
    assert!(!text(&f, "title").contains("app-7c9f"), "{f}");
    let remedy = text(&f, "remedy");
    assert!(
        remedy.contains("Recreate the pod")
            && remedy.contains("kubectl delete pod app-legacy -n dev"),
        "{remedy}"
    );
}
