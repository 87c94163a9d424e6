//! `why VERB RESOURCE` resolves RESOURCE through the API server's discovery,
//! as kubectl does, through the real binary against the local EKS
//! simulator with a custom resource (CRD) served: resource-unknown for a
//! name nothing serves, access-policy-group-not-covered for a custom
//! resource denied to a caller whose grants are access policies, each with
//! its severity, verdict and exit status, and their healthy twins (a short
//! name of the CRD resolves; the CRD allowed through RBAC by the remedy).
//! The real `kubectl auth can-i` agrees on the same simulated cluster.

mod common;
use common::*;

/// The fixture's cluster serves widgets.example.com (short name `wg`).
fn with_widgets(t: String) -> String {
    edit(
        &t,
        "  objects:\n",
        "  custom_resources:\n    - {group: example.com, version: v1alpha1, plural: widgets, kind: Widget, short_names: [wg]}\n  objects:\n",
    )
}

/// The intruder's access entry: AmazonEKSEditPolicy on the whole cluster.
const EDIT_POLICY: &str = "      access_policies:\n        - policy: AmazonEKSEditPolicy\n          scope: {type: cluster}\n";

#[test]
fn resource_unknown_names_what_discovery_serves() {
    let sim = world(with_widgets);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (code, r) = why(&sb, &["list", "widgts", "-n", "dev"]);
    let f = finding(&r, "resource-unknown", "error");
    assert!(
        text(f, "remedy").contains("Did you mean widgets.example.com"),
        "{f}"
    );
    assert_verdict(code, &r, "resource-unknown", 1);
    // kubectl resolves it through the same discovery and does not find it.
    let (_, stderr) = can_i(&sb, "list", "widgts", "dev");
    assert!(
        stderr.contains("doesn't have a resource type"),
        "kubectl: {stderr}"
    );
}

#[test]
fn custom_resources_resolve_by_short_name_singular_and_group() {
    let sim = world(with_widgets);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    for res in ["wg", "widget", "widgets.example.com", "Widget"] {
        let (code, r) = why(&sb, &["list", res, "-n", "dev"]);
        assert_eq!(errors(&r), Vec::<String>::new(), "{res}");
        assert_verdict(code, &r, "ok", 0);
        let (yes, stderr) = can_i(&sb, "list", res, "dev");
        assert!(
            yes && !stderr.contains("doesn't have a resource type"),
            "kubectl on {res}: {stderr}"
        );
    }
    // Without the CRD, the same name is unknown to both.
    let bare = world(|t| t);
    let sb = Sandbox::eks(&bare, ADMIN_KEY);
    let (code, r) = why(&sb, &["list", "wg", "-n", "dev"]);
    assert_verdict(code, &r, "resource-unknown", 1);
    let (_, stderr) = can_i(&sb, "list", "wg", "dev");
    assert!(stderr.contains("doesn't have a resource type"), "{stderr}");
}

#[test]
fn access_policy_group_not_covered_and_its_fix_works() {
    let sim = world(|t| intruder_entry(with_widgets(t), EDIT_POLICY));
    let sb = Sandbox::eks(&sim, INTRUDER_KEY);
    // The policy covers the built-in groups ...
    let (code, r) = why(&sb, &["create", "pods", "-n", "dev"]);
    assert_verdict(code, &r, "ok", 0);
    // ... and not the custom resource, as kubectl also sees.
    let (code, r) = why(&sb, &["list", "widgets", "-n", "dev"]);
    let f = finding(&r, "access-policy-group-not-covered", "error");
    assert_verdict(code, &r, "access-policy-group-not-covered", 1);
    assert!(!can_i(&sb, "list", "widgets", "dev").0);
    let remedy = text(f, "remedy");
    assert!(remedy.contains("apiGroups: [\"example.com\"]"), "{remedy}");
    let update = remedy
        .lines()
        .find(|l| l.starts_with("aws eks update-access-entry --cluster-name demo --region us-west-2 --principal-arn arn:aws:iam::111122223333:user/intruder"))
        .unwrap_or_else(|| panic!("no update-access-entry line: {remedy}"));
    let group = update
        .split("--kubernetes-groups ")
        .nth(1)
        .unwrap()
        .to_string();

    // The remedy applied (RBAC objects, the entry's new group): allowed.
    let rbac = as_fixture_rbac(&heredoc(remedy));
    let body = format!("      kubernetes_groups: [{group}]\n{EDIT_POLICY}");
    let fixed = world(|t| {
        let t = intruder_entry(with_widgets(t), &body);
        edit(&t, "  rbac:\n", &format!("  rbac:\n{rbac}"))
    });
    let sb = Sandbox::eks(&fixed, INTRUDER_KEY);
    let (code, r) = why(&sb, &["list", "widgets", "-n", "dev"]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_verdict(code, &r, "ok", 0);
    assert!(can_i(&sb, "list", "widgets", "dev").0);
}
