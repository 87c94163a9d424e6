//! RBAC and access-policy evaluation cases.

use super::*;
use crate::fixture::AccessScope;
use crate::kube::access_policy::{self, Policy};
use crate::kube::request_info::parse;

fn fixture_objects() -> Vec<RbacObject> {
    let yaml = r#"
- kind: RoleBinding
  metadata: {name: dev-view, namespace: dev}
  subjects: [{kind: Group, name: dev-team, apiGroup: rbac.authorization.k8s.io}]
  roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
- kind: Role
  metadata: {name: cm-reader, namespace: ops}
  rules: [{apiGroups: [""], resources: [configmaps], verbs: [get], resourceNames: [settings]}]
- kind: RoleBinding
  metadata: {name: cm-reader, namespace: ops}
  subjects: [{kind: User, name: carol}]
  roleRef: {kind: Role, name: cm-reader}
"#;
    serde_yaml_ng::from_str(yaml).expect("test RBAC parses")
}

#[test]
#[rustfmt::skip]
fn rbac_cases() {
    let set = RbacSet::with_builtins(&fixture_objects());
    let authed = |extra: &str| vec![extra.to_string(), "system:authenticated".to_string()];
    let anonymous = || vec!["system:unauthenticated".to_string()];
    let cases = [
        ("group_bound_in_namespace_may_list", "dave", authed("dev-team"), "GET", "/api/v1/namespaces/dev/pods", true),
        ("same_group_denied_in_other_namespace", "dave", authed("dev-team"), "GET", "/api/v1/namespaces/default/pods", false),
        ("view_cannot_read_secrets", "dave", authed("dev-team"), "GET", "/api/v1/namespaces/dev/secrets", false),
        ("view_cannot_create", "dave", authed("dev-team"), "POST", "/api/v1/namespaces/dev/pods", false),
        ("resource_name_restricts", "carol", authed("x"), "GET", "/api/v1/namespaces/ops/configmaps/settings", true),
        ("other_name_denied", "carol", authed("x"), "GET", "/api/v1/namespaces/ops/configmaps/other", false),
        ("list_denied_with_resource_names", "carol", authed("x"), "GET", "/api/v1/namespaces/ops/configmaps", false),
        ("authenticated_may_discover", "nobody", authed("x"), "GET", "/apis", true),
        ("authenticated_may_review_self", "nobody", authed("x"), "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", true),
        ("anonymous_may_read_version", "system:anonymous", anonymous(), "GET", "/version", true),
        ("anonymous_may_not_discover", "system:anonymous", anonymous(), "GET", "/api", false),
        ("masters_bound_to_cluster_admin", "root", authed("system:masters"), "DELETE", "/api/v1/namespaces/x/secrets/y", true),
    ];
    for (name, user, groups, method, path, want) in cases {
        let req = parse(method, path, "");
        assert_eq!(set.allows(user, &groups, &req), want, "{name}");
    }
}

#[test]
#[rustfmt::skip]
fn access_policy_scope_cases() {
    use Policy::*;
    let dev_only = || AccessScope::Namespace { namespaces: vec!["dev".into()] };
    let cluster = || AccessScope::Cluster;
    let cases = [
        ("view_in_scoped_namespace", View, dev_only(), "GET", "/api/v1/namespaces/dev/pods", true),
        ("view_outside_scope", View, dev_only(), "GET", "/api/v1/namespaces/default/pods", false),
        ("namespace_scope_excludes_cluster_resources", ClusterAdmin, dev_only(), "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles", false),
        ("cluster_admin_cluster_scope", ClusterAdmin, cluster(), "DELETE", "/api/v1/namespaces/a/secrets/b", true),
        ("edit_writes", Edit, cluster(), "POST", "/api/v1/namespaces/a/pods", true),
        ("view_not_secrets", View, cluster(), "GET", "/api/v1/namespaces/a/secrets", false),
        ("admin_view_reads_secrets", AdminView, cluster(), "GET", "/api/v1/namespaces/a/secrets", true),
    ];
    for (name, policy, scope, method, path, want) in cases {
        assert_eq!(access_policy::allows(policy, &scope, &parse(method, path, "")), want, "{name}");
    }
}
