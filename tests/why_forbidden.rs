//! `why VERB RESOURCE` (authorization) through the real binary against the
//! local EKS simulator: each code of the Authorization side (rbac-denied,
//! rbac-no-bindings, access-entry-no-permissions, access-policy-scope) is
//! built for real and must come out of `why -o json` with its severity,
//! verdict and exit status; allowed actions exit 0; the remedy, applied to
//! the simulated cluster, makes the action allowed; and `why`'s allow/deny
//! agrees with the real `kubectl auth can-i` on the same cluster.

mod common;
use common::*;

#[test]
fn allowed_action_exits_0() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, DEV_KEY);
    let (code, r) = why(&sb, &["list", "pods", "-n", "dev"]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn rbac_denied_explains_bindings_and_its_fix_works() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, DEV_KEY);
    let (code, r) = why(
        &sb,
        &["list", "secrets", "-n", "dev", "--admin-context", "admin"],
    );
    let f = finding(&r, "rbac-denied", "error");
    assert_verdict(code, &r, "rbac-denied", 1);
    let detail = text(f, "detail");
    assert!(detail.contains("user dev, groups dev-team"), "{detail}");
    assert!(
        detail.contains("RoleBinding dev/dev-team-view -> ClusterRole view"),
        "{detail}"
    );
    let remedy = text(f, "remedy");
    assert!(
        remedy.contains("name: \"dev-team\""),
        "names the group: {remedy}"
    );
    assert!(remedy.contains("namespace: dev"), "{remedy}");

    // The Role and RoleBinding of the remedy, put on the cluster, allow it.
    let rbac = as_fixture_rbac(&heredoc(remedy));
    let fixed = world(|t| edit(&t, "  rbac:\n", &format!("  rbac:\n{rbac}")));
    let sb = Sandbox::eks(&fixed, DEV_KEY);
    let (code, r) = why(&sb, &["list", "secrets", "-n", "dev"]);
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn rbac_denied_without_admin_context_says_how_to_see_bindings() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, DEV_KEY);
    let (code, r) = why(&sb, &["list", "pods", "-n", "default"]);
    let f = finding(&r, "rbac-denied", "error");
    assert!(text(f, "detail").contains("--admin-context"), "{f}");
    assert_verdict(code, &r, "rbac-denied", 1);
}

#[test]
fn rbac_no_bindings() {
    let sim = world(|t| intruder_entry(t, "      kubernetes_groups: [ops]\n"));
    let sb = Sandbox::eks(&sim, INTRUDER_KEY);
    let (code, r) = why(
        &sb,
        &["list", "pods", "-n", "dev", "--admin-context", "admin"],
    );
    let f = finding(&r, "rbac-no-bindings", "warning");
    assert!(text(f, "remedy").contains("--group=ops"), "{f}");
    finding(&r, "rbac-denied", "error");
    assert_verdict(code, &r, "rbac-denied", 1);
}

#[test]
fn access_entry_no_permissions_with_an_action() {
    let sim = world(|t| intruder_entry(t, ""));
    let sb = Sandbox::eks(&sim, INTRUDER_KEY);
    let (code, r) = why(&sb, &["get", "configmaps", "-n", "dev"]);
    finding(&r, "access-entry-no-permissions", "error");
    finding(&r, "rbac-denied", "error");
    assert_verdict(code, &r, "access-entry-no-permissions", 1);
}

const VIEW_IN_DEV: &str = "      access_policies:\n        - policy: AmazonEKSViewPolicy\n          scope: {type: namespace, namespaces: [dev]}\n";

#[test]
fn access_policy_scope() {
    let sim = world(|t| intruder_entry(t, VIEW_IN_DEV));
    let sb = Sandbox::eks(&sim, INTRUDER_KEY);
    let (code, r) = why(&sb, &["list", "pods", "-n", "default"]);
    let f = finding(&r, "access-policy-scope", "error");
    let remedy = text(f, "remedy");
    assert!(
        remedy.contains("aws eks associate-access-policy --cluster-name demo --region us-west-2 --principal-arn arn:aws:iam::111122223333:user/intruder")
            && remedy.contains("--access-scope type=namespace,namespaces=dev,default"),
        "{remedy}"
    );
    assert_verdict(code, &r, "access-policy-scope", 1);

    // The scope's own namespace is fine.
    let (code, r) = why(&sb, &["list", "pods", "-n", "dev"]);
    assert_verdict(code, &r, "ok", 0);

    // The remedy's scope, on the cluster, allows it.
    let fixed = world(|t| {
        intruder_entry(
            t,
            &VIEW_IN_DEV.replace("namespaces: [dev]", "namespaces: [dev, default]"),
        )
    });
    let sb = Sandbox::eks(&fixed, INTRUDER_KEY);
    let (code, r) = why(&sb, &["list", "pods", "-n", "default"]);
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn why_and_the_simulator_agree_with_kubectl_auth_can_i() {
    // (world, key, verb, resource, namespace, allowed)
    let sim = world(|t| t);
    let scoped = world(|t| intruder_entry(t, VIEW_IN_DEV));
    let cases = [
        (&sim, DEV_KEY, "list", "pods", "dev", true),
        (&sim, DEV_KEY, "list", "secrets", "dev", false),
        (&sim, DEV_KEY, "get", "configmaps", "default", false),
        (&sim, ADMIN_KEY, "delete", "secrets", "kube-system", true),
        (&scoped, INTRUDER_KEY, "get", "pods", "dev", true),
        (&scoped, INTRUDER_KEY, "get", "pods", "default", false),
        (&scoped, INTRUDER_KEY, "create", "pods", "dev", false),
    ];
    for (world, key, verb, res, ns, want) in cases {
        let sb = Sandbox::eks(world, key);
        let (kubectl_says, _) = can_i(&sb, verb, res, ns);
        assert_eq!(
            kubectl_says, want,
            "kubectl auth can-i {verb} {res} -n {ns} as {}",
            key.0
        );
        let (code, r) = why(&sb, &[verb, res, "-n", ns]);
        assert_eq!(
            code == 0,
            want,
            "why {verb} {res} -n {ns} as {}: {r}",
            key.0
        );
        let denied = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "rbac-denied");
        assert_eq!(denied, !want, "rbac-denied for {verb} {res} -n {ns}");
    }
}
