//! VERB RESOURCE as kubectl would send it to the authorizer: short names
//! (`po`, `deploy`), singular and kind, `resource.group`,
//! `resource.version.group` and `resource/subresource` resolved to plural
//! resource, API group and subresource, and whether the resource is
//! namespaced. [`resolve`] does it against the API server's discovery, as
//! kubectl's REST mapper does (core group first, then the groups in the
//! server's order); a table of the built-in resources ([`attributes`])
//! stands in only when discovery cannot be read. Pure.

use super::evidence::{AccessAttributes, ServedResource};

/// The fallback when discovery cannot be read:
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

/// RESOURCE split as kubectl parses it: (name, group, version,
/// subresource), lower-cased; `name.group` or `name.version.group`.
fn parse(resource: &str) -> (String, Option<String>, Option<String>, Option<String>) {
    let (res, sub) = match resource.split_once('/') {
        Some((r, s)) => (r, Some(s.to_string()).filter(|s| !s.is_empty())),
        None => (resource, None),
    };
    let res = res.to_ascii_lowercase();
    match res.split_once('.') {
        None => (res, None, None, sub),
        Some((n, rest)) => match rest.split_once('.') {
            Some((v, g)) if is_version(v) => (n.into(), Some(g.into()), Some(v.into()), sub),
            _ => (n.into(), Some(rest.into()), None, sub),
        },
    }
}

/// `v1`, `v1beta2`, `v2alpha1`.
fn is_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let tail = &rest[digits..];
    digits > 0
        && (tail.is_empty()
            || ["alpha", "beta"].iter().any(|p| {
                tail.strip_prefix(p)
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            }))
}

/// Whether `name` names `r`: plural, singular, a short name or the kind.
fn names(r: &ServedResource, name: &str) -> bool {
    r.plural == name
        || r.singular == name
        || r.kind.eq_ignore_ascii_case(name)
        || r.short_names.iter().any(|s| s == name)
}

/// Resolves `verb resource` against `served` (discovery order: the core
/// group first). Ok: the attributes and the group/version; Err: up to
/// three served names closest to what was asked.
pub fn resolve(
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
    context_namespace: Option<&str>,
    served: &[ServedResource],
) -> Result<(AccessAttributes, String), Vec<String>> {
    let (name, group, version, sub) = parse(resource);
    let matches = |r: &&ServedResource, group: Option<&str>, version: Option<&str>| {
        names(r, &name)
            && group.is_none_or(|g| g == r.group)
            && version.is_none_or(|v| v == r.version)
    };
    let found = served
        .iter()
        .find(|r| matches(r, group.as_deref(), version.as_deref()))
        // `a.b.c`: `b` may be part of the group rather than a version.
        .or_else(|| {
            let whole = resource.split('/').next()?.to_ascii_lowercase();
            let (_, g) = whole.split_once('.')?;
            served.iter().find(|r| matches(r, Some(g), None))
        });
    let Some(r) = found else {
        return Err(similar(&name, served));
    };
    let namespace = r.namespaced.then(|| {
        namespace
            .or(context_namespace)
            .unwrap_or("default")
            .to_string()
    });
    let group_version = if r.group.is_empty() {
        r.version.clone()
    } else {
        format!("{}/{}", r.group, r.version)
    };
    let a = AccessAttributes {
        verb: verb.to_ascii_lowercase(),
        group: r.group.clone(),
        resource: r.plural.clone(),
        subresource: sub,
        namespace,
    };
    Ok((a, group_version))
}

/// Up to three served resources whose names are closest to `name`
/// (`resource.group` for the named groups).
fn similar(name: &str, served: &[ServedResource]) -> Vec<String> {
    let mut scored: Vec<(usize, String)> = served
        .iter()
        .filter_map(|r| {
            let d = std::iter::once(&r.plural)
                .chain(&r.short_names)
                .chain(std::iter::once(&r.singular))
                .map(|n| strsim::levenshtein(n, name))
                .min()?;
            let close = d <= 2.max(name.len() / 3) || r.plural.starts_with(name);
            let shown = if r.group.is_empty() {
                r.plural.clone()
            } else {
                format!("{}.{}", r.plural, r.group)
            };
            close.then_some((d, shown))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

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

    fn served(
        group: &str,
        version: &str,
        plural: &str,
        kind: &str,
        namespaced: bool,
        short: &[&str],
    ) -> ServedResource {
        ServedResource {
            group: group.into(),
            version: version.into(),
            plural: plural.into(),
            singular: kind.to_ascii_lowercase(),
            kind: kind.into(),
            namespaced,
            short_names: short.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Discovery order: core first, then the groups as /apis lists them.
    fn discovery() -> Vec<ServedResource> {
        vec![
            served("", "v1", "pods", "Pod", true, &["po"]),
            served("", "v1", "events", "Event", true, &["ev"]),
            served("", "v1", "namespaces", "Namespace", false, &["ns"]),
            served("events.k8s.io", "v1", "events", "Event", true, &["ev"]),
            served(
                "example.com",
                "v1alpha1",
                "widgets",
                "Widget",
                true,
                &["wg"],
            ),
            served("example.com", "v1alpha1", "gadgets", "Gadget", false, &[]),
            served("other.io", "v1", "widgets", "Widget", true, &[]),
        ]
    }

    #[test]
    #[rustfmt::skip]
    fn resources_resolve_through_discovery_like_kubectl() {
        let cases = [
            ("plural", "widgets", ("widgets", "example.com", Some("dev"), "example.com/v1alpha1")),
            ("short_name", "wg", ("widgets", "example.com", Some("dev"), "example.com/v1alpha1")),
            ("singular", "widget", ("widgets", "example.com", Some("dev"), "example.com/v1alpha1")),
            ("kind", "Widget", ("widgets", "example.com", Some("dev"), "example.com/v1alpha1")),
            ("resource_group", "widgets.other.io", ("widgets", "other.io", Some("dev"), "other.io/v1")),
            ("resource_version_group", "widgets.v1alpha1.example.com", ("widgets", "example.com", Some("dev"), "example.com/v1alpha1")),
            ("cluster_scoped_custom", "gadgets", ("gadgets", "example.com", None, "example.com/v1alpha1")),
            ("core_group_first", "events", ("events", "", Some("dev"), "v1")),
            ("group_picks_the_other", "events.events.k8s.io", ("events", "events.k8s.io", Some("dev"), "events.k8s.io/v1")),
            ("subresource_kept", "po/log", ("pods", "", Some("dev"), "v1")),
        ];
        for (name, res, (plural, group, ns, gv)) in cases {
            let (a, got_gv) = resolve("list", res, Some("dev"), None, &discovery()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!((a.resource.as_str(), a.group.as_str(), a.namespace.as_deref(), got_gv.as_str()), (plural, group, ns, gv), "{name}");
        }
        let (a, _) = resolve("get", "po/log", None, Some("team"), &discovery()).unwrap();
        assert_eq!((a.subresource.as_deref(), a.namespace.as_deref()), (Some("log"), Some("team")));
    }

    #[test]
    fn unknown_resources_are_refused_with_near_names() {
        let d = discovery();
        assert_eq!(
            resolve("list", "widgts", None, None, &d).unwrap_err()[0],
            "widgets.example.com"
        );
        assert!(
            resolve("list", "deployments", None, None, &d).is_err(),
            "not served here"
        );
        assert!(
            resolve("list", "widgets.nowhere.io", None, None, &d).is_err(),
            "wrong group"
        );
        assert!(
            resolve("list", "zzzzzzzzzzzz", None, None, &d)
                .unwrap_err()
                .is_empty()
        );
    }
}
