//! API discovery as kubectl needs it: `/version` (EKS-style), `/api`,
//! `/apis` and each group-version's resource list, in the legacy
//! (non-aggregated) format that client-go falls back to.

use serde_json::{Value, json};

use super::ClusterState;

/// One resource of the discovery documents.
struct Resource {
    group: &'static str,
    name: &'static str,
    singular: &'static str,
    namespaced: bool,
    kind: &'static str,
    verbs: &'static [&'static str],
    short: &'static [&'static str],
}

/// Verbs of an ordinary read/write resource.
const CRUD: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The resources this API server knows (all version v1).
const RESOURCES: &[Resource] = &[
    Resource {
        group: "",
        name: "pods",
        singular: "pod",
        namespaced: true,
        kind: "Pod",
        verbs: CRUD,
        short: &["po"],
    },
    Resource {
        group: "",
        name: "configmaps",
        singular: "configmap",
        namespaced: true,
        kind: "ConfigMap",
        verbs: CRUD,
        short: &["cm"],
    },
    Resource {
        group: "",
        name: "serviceaccounts",
        singular: "serviceaccount",
        namespaced: true,
        kind: "ServiceAccount",
        verbs: CRUD,
        short: &["sa"],
    },
    Resource {
        group: "",
        name: "secrets",
        singular: "secret",
        namespaced: true,
        kind: "Secret",
        verbs: CRUD,
        short: &[],
    },
    Resource {
        group: "",
        name: "namespaces",
        singular: "namespace",
        namespaced: false,
        kind: "Namespace",
        verbs: CRUD,
        short: &["ns"],
    },
    Resource {
        group: "apps",
        name: "daemonsets",
        singular: "daemonset",
        namespaced: true,
        kind: "DaemonSet",
        verbs: CRUD,
        short: &["ds"],
    },
    Resource {
        group: "authentication.k8s.io",
        name: "selfsubjectreviews",
        singular: "selfsubjectreview",
        namespaced: false,
        kind: "SelfSubjectReview",
        verbs: &["create"],
        short: &[],
    },
    Resource {
        group: "authorization.k8s.io",
        name: "selfsubjectaccessreviews",
        singular: "selfsubjectaccessreview",
        namespaced: false,
        kind: "SelfSubjectAccessReview",
        verbs: &["create"],
        short: &[],
    },
    Resource {
        group: "authorization.k8s.io",
        name: "selfsubjectrulesreviews",
        singular: "selfsubjectrulesreview",
        namespaced: false,
        kind: "SelfSubjectRulesReview",
        verbs: &["create"],
        short: &[],
    },
    Resource {
        group: "rbac.authorization.k8s.io",
        name: "roles",
        singular: "role",
        namespaced: true,
        kind: "Role",
        verbs: CRUD,
        short: &[],
    },
    Resource {
        group: "rbac.authorization.k8s.io",
        name: "rolebindings",
        singular: "rolebinding",
        namespaced: true,
        kind: "RoleBinding",
        verbs: CRUD,
        short: &[],
    },
    Resource {
        group: "rbac.authorization.k8s.io",
        name: "clusterroles",
        singular: "clusterrole",
        namespaced: false,
        kind: "ClusterRole",
        verbs: CRUD,
        short: &[],
    },
    Resource {
        group: "rbac.authorization.k8s.io",
        name: "clusterrolebindings",
        singular: "clusterrolebinding",
        namespaced: false,
        kind: "ClusterRoleBinding",
        verbs: CRUD,
        short: &[],
    },
];

/// The named API groups served.
const GROUPS: [&str; 4] = [
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "rbac.authorization.k8s.io",
];

/// `/version`, with EKS's `+` minor and `-eks-` git version.
pub fn version(cluster: &ClusterState) -> Value {
    let (major, minor) = cluster
        .kubernetes_version
        .split_once('.')
        .unwrap_or(("1", "32"));
    json!({
        "major": major, "minor": format!("{minor}+"),
        "gitVersion": format!("v{major}.{minor}.0-eks-0000000"),
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.24.0", "compiler": "gc", "platform": "linux/amd64"
    })
}

/// `/api`.
pub fn api_versions() -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
           "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:443"}]})
}

/// `/apis`: the built-in groups, then the custom resources' groups.
pub fn api_groups(cluster: &ClusterState) -> Value {
    let builtin = GROUPS.iter().map(|g| (g.to_string(), "v1".to_string()));
    let mut seen: Vec<(String, String)> = builtin.collect();
    for c in &cluster.custom_resources {
        if !seen.iter().any(|(g, _)| *g == c.group) {
            seen.push((c.group.clone(), c.version.clone()));
        }
    }
    let groups: Vec<Value> = seen
        .iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/api/v1` (group "") or `/apis/GROUP/VERSION`; None for anything else.
pub fn resource_list(cluster: &ClusterState, group: &str, version: &str) -> Option<Value> {
    let builtin = version == "v1" && (group.is_empty() || GROUPS.contains(&group));
    let mut resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| builtin && r.group == group)
        .map(|r| {
            json!({"name": r.name, "singularName": r.singular, "namespaced": r.namespaced,
                   "kind": r.kind, "verbs": r.verbs, "shortNames": r.short})
        })
        .collect();
    let custom = cluster
        .custom_resources
        .iter()
        .filter(|c| c.group == group && c.version == version);
    resources.extend(custom.map(custom_entry));
    if !builtin && resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        "v1".to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}),
    )
}

/// A custom resource's entry, as the API server lists a CRD's resource.
fn custom_entry(c: &crate::fixture::CustomResource) -> Value {
    let singular = c
        .singular
        .clone()
        .unwrap_or_else(|| c.kind.to_ascii_lowercase());
    json!({"name": c.plural, "singularName": singular, "namespaced": c.namespaced,
           "kind": c.kind, "verbs": CRUD, "shortNames": c.short_names, "categories": ["all"]})
}
