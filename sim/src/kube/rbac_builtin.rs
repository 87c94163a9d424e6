//! The RBAC objects every cluster starts with (a faithful subset of
//! Kubernetes' bootstrap policy): cluster-admin bound to system:masters; the
//! user-facing admin, edit and view ClusterRoles; discovery, basic-user and
//! public-info-viewer for authenticated (and, for the last, anonymous) users.

use super::rbac::{Binding, ObjectMeta, PolicyRule, RbacObject, Role, RoleRef, Subject};

/// Read verbs.
const READ: &[&str] = &["get", "list", "watch"];

/// Write verbs granted by edit.
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];

/// Core resources view may read (secrets excluded, as in Kubernetes).
const CORE_VIEW: &[&str] = &[
    "configmaps",
    "endpoints",
    "persistentvolumeclaims",
    "persistentvolumeclaims/status",
    "pods",
    "replicationcontrollers",
    "replicationcontrollers/scale",
    "serviceaccounts",
    "services",
    "services/status",
    "bindings",
    "events",
    "limitranges",
    "namespaces/status",
    "pods/log",
    "pods/status",
    "replicationcontrollers/status",
    "resourcequotas",
    "resourcequotas/status",
    "namespaces",
];

/// Namespaced workload resources of the other groups view may read.
const GROUPED_VIEW: &[(&str, &[&str])] = &[
    (
        "apps",
        &[
            "controllerrevisions",
            "daemonsets",
            "deployments",
            "deployments/scale",
            "replicasets",
            "replicasets/scale",
            "statefulsets",
            "statefulsets/scale",
        ],
    ),
    ("autoscaling", &["horizontalpodautoscalers"]),
    ("batch", &["cronjobs", "jobs"]),
    ("discovery.k8s.io", &["endpointslices"]),
    ("networking.k8s.io", &["ingresses", "networkpolicies"]),
    ("policy", &["poddisruptionbudgets"]),
];

/// Core resources edit may change (besides the viewed ones), secrets included.
const CORE_EDIT: &[&str] = &[
    "pods",
    "pods/attach",
    "pods/exec",
    "pods/portforward",
    "pods/proxy",
    "configmaps",
    "endpoints",
    "persistentvolumeclaims",
    "replicationcontrollers",
    "replicationcontrollers/scale",
    "secrets",
    "serviceaccounts",
    "services",
    "services/proxy",
];

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        api_groups: strings(groups),
        resources: strings(resources),
        ..PolicyRule::default()
    }
}

fn url_rule(urls: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        non_resource_urls: strings(urls),
        ..PolicyRule::default()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Rules of the `view` ClusterRole.
pub fn view_rules() -> Vec<PolicyRule> {
    let mut rules = vec![rule(&[""], CORE_VIEW, READ)];
    rules.extend(GROUPED_VIEW.iter().map(|(g, res)| rule(&[g], res, READ)));
    rules
}

/// Rules of the `edit` ClusterRole.
pub fn edit_rules() -> Vec<PolicyRule> {
    let mut rules = view_rules();
    rules.push(rule(&[""], CORE_EDIT, WRITE));
    rules.push(rule(&[""], &["secrets"], READ));
    rules.push(rule(&[""], &["serviceaccounts/token"], &["create"]));
    rules.extend(GROUPED_VIEW.iter().map(|(g, res)| rule(&[g], res, WRITE)));
    rules
}

/// Rules of the `admin` ClusterRole.
pub fn admin_rules() -> Vec<PolicyRule> {
    let mut rules = edit_rules();
    rules.push(rule(
        &["rbac.authorization.k8s.io"],
        &["roles", "rolebindings"],
        &["*"],
    ));
    rules.push(rule(
        &["authorization.k8s.io"],
        &["localsubjectaccessreviews"],
        &["create"],
    ));
    rules
}

/// Rules of `cluster-admin`.
pub fn cluster_admin_rules() -> Vec<PolicyRule> {
    vec![rule(&["*"], &["*"], &["*"]), url_rule(&["*"], &["*"])]
}

fn cluster_role(name: &str, rules: Vec<PolicyRule>) -> RbacObject {
    let mut metadata = ObjectMeta {
        name: name.to_string(),
        ..ObjectMeta::default()
    };
    metadata
        .labels
        .insert("kubernetes.io/bootstrapping".into(), "rbac-defaults".into());
    RbacObject::ClusterRole(Role {
        api_version: Some("rbac.authorization.k8s.io/v1".into()),
        metadata,
        rules,
    })
}

fn group_binding(name: &str, role: &str, groups: &[&str]) -> RbacObject {
    let mut metadata = ObjectMeta {
        name: name.to_string(),
        ..ObjectMeta::default()
    };
    metadata
        .labels
        .insert("kubernetes.io/bootstrapping".into(), "rbac-defaults".into());
    RbacObject::ClusterRoleBinding(Binding {
        api_version: Some("rbac.authorization.k8s.io/v1".into()),
        metadata,
        subjects: groups
            .iter()
            .map(|g| Subject {
                kind: "Group".into(),
                name: g.to_string(),
                namespace: None,
                api_group: Some("rbac.authorization.k8s.io".into()),
            })
            .collect(),
        role_ref: RoleRef {
            kind: "ClusterRole".into(),
            name: role.into(),
            api_group: Some("rbac.authorization.k8s.io".into()),
        },
    })
}

/// All built-in objects.
pub fn objects() -> Vec<RbacObject> {
    let discovery = [
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/healthz",
        "/livez",
        "/readyz",
        "/openapi",
        "/openapi/*",
        "/version",
        "/version/",
    ];
    let public = ["/healthz", "/livez", "/readyz", "/version", "/version/"];
    let self_reviews = rule(
        &["authorization.k8s.io"],
        &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        &["create"],
    );
    let self_subject = rule(
        &["authentication.k8s.io"],
        &["selfsubjectreviews"],
        &["create"],
    );
    vec![
        cluster_role("cluster-admin", cluster_admin_rules()),
        cluster_role("admin", admin_rules()),
        cluster_role("edit", edit_rules()),
        cluster_role("view", view_rules()),
        cluster_role("system:discovery", vec![url_rule(&discovery, &["get"])]),
        cluster_role(
            "system:public-info-viewer",
            vec![url_rule(&public, &["get"])],
        ),
        cluster_role("system:basic-user", vec![self_reviews, self_subject]),
        group_binding("cluster-admin", "cluster-admin", &["system:masters"]),
        group_binding(
            "system:discovery",
            "system:discovery",
            &["system:authenticated"],
        ),
        group_binding(
            "system:basic-user",
            "system:basic-user",
            &["system:authenticated"],
        ),
        group_binding(
            "system:public-info-viewer",
            "system:public-info-viewer",
            &["system:authenticated", "system:unauthenticated"],
        ),
    ]
}
