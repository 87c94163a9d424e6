//! Kubernetes RBAC: the object types as they appear in manifests (so a
//! fixture can paste real YAML), the set of objects of the cluster (built-ins
//! plus the fixture's), and the RBAC authorizer's rule matching.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rbac_builtin;
use super::request_info::{RequestAttributes, ResourceRequest};

/// Any RBAC object of a fixture, tagged by `kind`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "kind")]
pub enum RbacObject {
    /// A namespaced Role.
    Role(Role),
    /// A ClusterRole.
    ClusterRole(Role),
    /// A RoleBinding.
    RoleBinding(Binding),
    /// A ClusterRoleBinding.
    ClusterRoleBinding(Binding),
}

/// Object metadata (the parts RBAC uses).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectMeta {
    /// Name.
    pub name: String,
    /// Namespace (Roles and RoleBindings only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A Role or ClusterRole.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// `rbac.authorization.k8s.io/v1`.
    #[serde(
        rename = "apiVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub api_version: Option<String>,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Rules.
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
}

/// One rule of a role.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// Verbs, `*` for all.
    #[serde(default)]
    pub verbs: Vec<String>,
    /// API groups, `""` for core, `*` for all.
    #[serde(rename = "apiGroups", default, skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    /// Resources (`pods`, `pods/log`, `*`, `*/scale`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Restrict to these object names.
    #[serde(
        rename = "resourceNames",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resource_names: Vec<String>,
    /// Non-resource URLs (`/version`, `/apis/*`).
    #[serde(
        rename = "nonResourceURLs",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// `rbac.authorization.k8s.io/v1`.
    #[serde(
        rename = "apiVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub api_version: Option<String>,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Who is bound.
    #[serde(default)]
    pub subjects: Vec<Subject>,
    /// To which role.
    #[serde(rename = "roleRef")]
    pub role_ref: RoleRef,
}

/// A binding subject.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace of a ServiceAccount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `rbac.authorization.k8s.io` for users and groups.
    #[serde(rename = "apiGroup", default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
}

/// A binding's role reference.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRef {
    /// `Role` or `ClusterRole`.
    pub kind: String,
    /// Role name.
    pub name: String,
    /// `rbac.authorization.k8s.io`.
    #[serde(rename = "apiGroup", default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
}

/// All RBAC objects of the cluster.
#[derive(Clone, Debug, Default)]
pub struct RbacSet {
    /// Roles.
    pub roles: Vec<Role>,
    /// ClusterRoles.
    pub cluster_roles: Vec<Role>,
    /// RoleBindings.
    pub role_bindings: Vec<Binding>,
    /// ClusterRoleBindings.
    pub cluster_role_bindings: Vec<Binding>,
}

impl RbacSet {
    /// The built-in objects plus the fixture's.
    pub fn with_builtins(objects: &[RbacObject]) -> RbacSet {
        let mut set = RbacSet::default();
        for object in rbac_builtin::objects().iter().chain(objects) {
            match object.clone() {
                RbacObject::Role(r) => set.roles.push(r),
                RbacObject::ClusterRole(r) => set.cluster_roles.push(r),
                RbacObject::RoleBinding(b) => set.role_bindings.push(b),
                RbacObject::ClusterRoleBinding(b) => set.cluster_role_bindings.push(b),
            }
        }
        set
    }

    /// Whether RBAC allows the request for this user and groups.
    pub fn allows(&self, user: &str, groups: &[String], request: &RequestAttributes) -> bool {
        let bound = |b: &&Binding| b.subjects.iter().any(|s| subject_matches(s, user, groups));
        let by_cluster = self
            .cluster_role_bindings
            .iter()
            .filter(bound)
            .filter_map(|b| self.cluster_role(&b.role_ref))
            .any(|role| role.rules.iter().any(|r| rule_allows(r, request)));
        if by_cluster {
            return true;
        }
        let RequestAttributes::Resource(res) = request else {
            return false;
        };
        let Some(ns) = res.namespace.as_deref() else {
            return false;
        };
        self.role_bindings
            .iter()
            .filter(|b| b.metadata.namespace.as_deref() == Some(ns))
            .filter(bound)
            .filter_map(|b| self.namespaced_role(&b.role_ref, ns))
            .any(|role| role.rules.iter().any(|r| rule_allows(r, request)))
    }

    /// Kubernetes' reason when RBAC allows a request: `RBAC: allowed by
    /// RoleBinding "NAME/NS" of ClusterRole "view" to Group "dev-team"`.
    /// None when RBAC does not allow it or system:masters decides first.
    pub fn allowing_reason(
        &self,
        user: &str,
        groups: &[String],
        request: &RequestAttributes,
    ) -> Option<String> {
        if groups.iter().any(|g| g == "system:masters") {
            return None;
        }
        let subject = |b: &Binding| {
            b.subjects
                .iter()
                .find(|s| subject_matches(s, user, groups))
                .map(describe_subject)
        };
        let allows = |role: &Role| role.rules.iter().any(|r| rule_allows(r, request));
        for b in &self.cluster_role_bindings {
            if let (Some(s), Some(role)) = (subject(b), self.cluster_role(&b.role_ref))
                && allows(role)
            {
                return Some(format!(
                    "RBAC: allowed by ClusterRoleBinding \"{}\" of ClusterRole \"{}\" to {s}",
                    b.metadata.name, b.role_ref.name
                ));
            }
        }
        let RequestAttributes::Resource(res) = request else {
            return None;
        };
        let ns = res.namespace.as_deref()?;
        self.role_bindings
            .iter()
            .filter(|b| b.metadata.namespace.as_deref() == Some(ns))
            .find_map(|b| {
                let s = subject(b)?;
                let role = self
                    .namespaced_role(&b.role_ref, ns)
                    .filter(|r| allows(r))?;
                Some(format!(
                    "RBAC: allowed by RoleBinding \"{}/{ns}\" of {} \"{}\" to {s}",
                    b.metadata.name, b.role_ref.kind, role.metadata.name
                ))
            })
    }

    /// The rules RBAC grants in `namespace` through ClusterRoleBindings and
    /// the namespace's RoleBindings (what SelfSubjectRulesReview lists).
    pub fn rules_for(&self, user: &str, groups: &[String], namespace: &str) -> Vec<PolicyRule> {
        let bound = |b: &&Binding| b.subjects.iter().any(|s| subject_matches(s, user, groups));
        let cluster = self
            .cluster_role_bindings
            .iter()
            .filter(bound)
            .filter_map(|b| self.cluster_role(&b.role_ref));
        let local = self
            .role_bindings
            .iter()
            .filter(|b| b.metadata.namespace.as_deref() == Some(namespace))
            .filter(bound)
            .filter_map(|b| self.namespaced_role(&b.role_ref, namespace));
        cluster
            .chain(local)
            .flat_map(|role| role.rules.iter().cloned())
            .collect()
    }

    fn cluster_role(&self, role_ref: &RoleRef) -> Option<&Role> {
        (role_ref.kind == "ClusterRole")
            .then(|| {
                self.cluster_roles
                    .iter()
                    .find(|r| r.metadata.name == role_ref.name)
            })
            .flatten()
    }

    fn namespaced_role(&self, role_ref: &RoleRef, ns: &str) -> Option<&Role> {
        match role_ref.kind.as_str() {
            "ClusterRole" => self.cluster_role(role_ref),
            "Role" => self.roles.iter().find(|r| {
                r.metadata.name == role_ref.name && r.metadata.namespace.as_deref() == Some(ns)
            }),
            _ => None,
        }
    }
}

fn describe_subject(s: &Subject) -> String {
    match s.kind.as_str() {
        "ServiceAccount" => format!(
            "ServiceAccount \"{}/{}\"",
            s.name,
            s.namespace.as_deref().unwrap_or("")
        ),
        kind => format!("{kind} \"{}\"", s.name),
    }
}

fn subject_matches(s: &Subject, user: &str, groups: &[String]) -> bool {
    match s.kind.as_str() {
        "User" => s.name == user,
        "Group" => groups.contains(&s.name),
        "ServiceAccount" => {
            user == format!(
                "system:serviceaccount:{}:{}",
                s.namespace.as_deref().unwrap_or(""),
                s.name
            )
        }
        _ => false,
    }
}

/// Whether one rule covers the request (Kubernetes' RuleAllows).
pub fn rule_allows(rule: &PolicyRule, request: &RequestAttributes) -> bool {
    match request {
        RequestAttributes::NonResource { verb, path } => {
            has(&rule.verbs, verb) && rule.non_resource_urls.iter().any(|u| url_matches(u, path))
        }
        RequestAttributes::Resource(res) => resource_rule_allows(rule, res),
    }
}

fn resource_rule_allows(rule: &PolicyRule, res: &ResourceRequest) -> bool {
    let combined = match &res.subresource {
        Some(sub) => format!("{}/{sub}", res.resource),
        None => res.resource.clone(),
    };
    let resource_ok = rule.resources.iter().any(|r| {
        r == "*"
            || *r == combined
            || res
                .subresource
                .as_ref()
                .is_some_and(|sub| *r == format!("*/{sub}"))
    });
    let name_ok = rule.resource_names.is_empty()
        || res
            .name
            .as_ref()
            .is_some_and(|n| rule.resource_names.contains(n));
    has(&rule.verbs, &res.verb) && has(&rule.api_groups, &res.api_group) && resource_ok && name_ok
}

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v == "*" || v == value)
}

fn url_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => pattern == path,
    }
}

#[cfg(test)]
#[path = "rbac_tests.rs"]
mod tests;
