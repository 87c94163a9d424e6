//! VERB RESOURCE as kubectl would send it to the authorizer: short names
//! (`po`, `deploy`), `resource.group` and `resource/subresource` resolved to
//! plural resource, API group and subresource, and whether the resource is
//! namespaced. A table of the built-in resources stands in for discovery;
//! anything else is taken as written (core group, namespaced unless
//! `resource.group` says otherwise). Pure.

use super::evidence::AccessAttributes;

/// (short names and singular, plural, group, namespaced).
const BUILTIN: &[(&[&str], &str, &str, bool)] = &[
    (&["po", "pod"], "pods", "", true),
    (&["svc", "service"], "services", "", true),
    (&["cm", "configmap"], "configmaps", "", true),
    (&["secret"], "secrets", "", true),
    (&["sa", "serviceaccount"], "serviceaccounts", "", true),
    (&["ep", "endpoint"], "endpoints", "", true),
    (&["ev", "event"], "events", "", true),
    (
        &["pvc", "persistentvolumeclaim"],
        "persistentvolumeclaims",
        "",
        true,
    ),
    (&["limits", "limitrange"], "limitranges", "", true),
    (&["quota", "resourcequota"], "resourcequotas", "", true),
    (
        &["rc", "replicationcontroller"],
        "replicationcontrollers",
        "",
        true,
    ),
    (&["ns", "namespace"], "namespaces", "", false),
    (&["no", "node"], "nodes", "", false),
    (&["pv", "persistentvolume"], "persistentvolumes", "", false),
    (&["deploy", "deployment"], "deployments", "apps", true),
    (&["rs", "replicaset"], "replicasets", "apps", true),
    (&["sts", "statefulset"], "statefulsets", "apps", true),
    (&["ds", "daemonset"], "daemonsets", "apps", true),
    (&["job"], "jobs", "batch", true),
    (&["cj", "cronjob"], "cronjobs", "batch", true),
    (&["ing", "ingress"], "ingresses", "networking.k8s.io", true),
    (
        &["netpol", "networkpolicy"],
        "networkpolicies",
        "networking.k8s.io",
        true,
    ),
    (
        &["hpa", "horizontalpodautoscaler"],
        "horizontalpodautoscalers",
        "autoscaling",
        true,
    ),
    (
        &["pdb", "poddisruptionbudget"],
        "poddisruptionbudgets",
        "policy",
        true,
    ),
    (&["role"], "roles", "rbac.authorization.k8s.io", true),
    (
        &["rolebinding"],
        "rolebindings",
        "rbac.authorization.k8s.io",
        true,
    ),
    (
        &["clusterrole"],
        "clusterroles",
        "rbac.authorization.k8s.io",
        false,
    ),
    (
        &["clusterrolebinding"],
        "clusterrolebindings",
        "rbac.authorization.k8s.io",
        false,
    ),
    (
        &["sc", "storageclass"],
        "storageclasses",
        "storage.k8s.io",
        false,
    ),
    (
        &["crd", "crds", "customresourcedefinition"],
        "customresourcedefinitions",
        "apiextensions.k8s.io",
        false,
    ),
    (&["lease"], "leases", "coordination.k8s.io", true),
];

/// The attributes of `verb resource` in `namespace` (the flag, else the
/// context's namespace, else `default`; none for cluster-scoped resources).
pub fn attributes(
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
    context_namespace: Option<&str>,
) -> AccessAttributes {
    let (res, sub) = match resource.split_once('/') {
        Some((r, s)) => (r, Some(s.to_string()).filter(|s| !s.is_empty())),
        None => (resource, None),
    };
    let res = res.to_ascii_lowercase();
    let (name, given_group) = match res.split_once('.') {
        Some((n, g)) => (n.to_string(), Some(g.to_string())),
        None => (res.clone(), None),
    };
    let known = BUILTIN.iter().find(|(short, plural, group, _)| {
        (*plural == name || short.contains(&name.as_str()))
            && given_group.as_deref().is_none_or(|g| g == *group)
    });
    let (plural, group, namespaced) = match known {
        Some((_, plural, group, namespaced)) => {
            (plural.to_string(), group.to_string(), *namespaced)
        }
        None => (name, given_group.unwrap_or_default(), true),
    };
    let namespace = namespaced.then(|| {
        namespace
            .or(context_namespace)
            .unwrap_or("default")
            .to_string()
    });
    AccessAttributes {
        verb: verb.to_ascii_lowercase(),
        group,
        resource: plural,
        subresource: sub,
        namespace,
    }
}

/// `secrets`, `deployments.apps`, `pods/log`: the resource as kubectl writes it.
pub fn display(a: &AccessAttributes) -> String {
    let mut s = a.resource.clone();
    if !a.group.is_empty() {
        s.push('.');
        s.push_str(&a.group);
    }
    if let Some(sub) = &a.subresource {
        s.push('/');
        s.push_str(sub);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[rustfmt::skip]
    fn resources_resolve_like_kubectl() {
        let cases = [
            ("plural_core", "list", "secrets", Some("dev"), None, ("secrets", "", None, Some("dev"))),
            ("short_name", "get", "po", None, None, ("pods", "", None, Some("default"))),
            ("context_namespace", "get", "pods", None, Some("team"), ("pods", "", None, Some("team"))),
            ("group_from_table", "create", "deploy", Some("x"), None, ("deployments", "apps", None, Some("x"))),
            ("dotted_group", "list", "deployments.apps", None, None, ("deployments", "apps", None, Some("default"))),
            ("cluster_scoped_ignores_namespace", "list", "nodes", Some("dev"), None, ("nodes", "", None, None)),
            ("subresource", "get", "pods/log", Some("dev"), None, ("pods", "", Some("log"), Some("dev"))),
            ("unknown_taken_as_written", "list", "widgets.example.com", None, None, ("widgets", "example.com", None, Some("default"))),
        ];
        for (name, verb, res, ns, ctx_ns, (plural, group, sub, want_ns)) in cases {
            let a = attributes(verb, res, ns, ctx_ns);
            assert_eq!((a.resource.as_str(), a.group.as_str(), a.subresource.as_deref(), a.namespace.as_deref()), (plural, group, sub, want_ns), "{name}");
        }
    }
}
