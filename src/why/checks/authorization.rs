//! Authorization: may the diagnosed identity do VERB RESOURCE in NS?
//!
//! The API server answered a SelfSubjectAccessReview as that identity; when
//! it denies, this says who the cluster thinks you are (username, groups),
//! which access policies of your access entry apply and where
//! (namespace scopes), which Roles/ClusterRoles are bound to your user or
//! groups, and the concrete fix: an `aws eks associate-access-policy` line
//! with the right scope, or a Role and RoleBinding (ClusterRole and
//! ClusterRoleBinding for cluster-scoped resources) naming your group.
//! RESOURCE was resolved through the API server's discovery, as kubectl
//! does: one it does not serve is resource-unknown; a denial on an API
//! group the EKS access policies do not cover (custom resources) for a
//! caller whose grants are access policies is access-policy-group-not-covered,
//! whose fix is RBAC for that group bound to a group of the access entry.
//! Codes: rbac-denied, rbac-no-bindings, resource-unknown,
//! access-policy-group-not-covered. The access policy scope logic
//! ([`scope_covers`]) is shared with identity's access-policy-scope.

use super::{cluster_or_placeholder, region_or_placeholder, sh};
use crate::domain::access_policy;
use crate::why::evidence::{
    AccessAnswer, AccessAttributes, AccessEntryInfo, AccessPolicy, EksCall, Evidence, KubeRead,
    RbacBinding, Resolution, Review,
};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use crate::why::resources;
use serde_json::json;

/// Groups every authenticated (or anonymous) user has: a binding to them
/// is not a binding to *you*.
const EVERYONE: [&str; 2] = ["system:authenticated", "system:unauthenticated"];

/// The API groups the EKS access policies other than the cluster-wide
/// ones (AmazonEKSClusterAdminPolicy, AmazonEKSAdminViewPolicy) grant
/// anything in: Kubernetes' own, as its admin/edit/view roles name them
/// without aggregation.
const POLICY_GROUPS: [&str; 10] = [
    "",
    "apps",
    "autoscaling",
    "batch",
    "extensions",
    "policy",
    "networking.k8s.io",
    "discovery.k8s.io",
    "rbac.authorization.k8s.io",
    "authorization.k8s.io",
];

/// The findings of this area.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let Some(a) = &e.authz else {
        return Vec::new();
    };
    if let Resolution::Unknown { similar } = &a.resolution {
        return vec![resource_unknown(e, similar)];
    }
    let who = Who::of(e);
    let mut out = Vec::new();
    if let Some(f) = no_bindings(e, &who) {
        out.push(f);
    }
    if let AccessAnswer::Denied { reason, .. } = &a.review {
        out.extend(group_not_covered(e, &a.attributes, &who));
        out.push(denied(e, &a.attributes, &who, reason));
    }
    out
}

/// ✓ The access review allowed the action, or could not answer:
/// `rbac-denied` holds (or could not be judged).
pub fn passed(e: &Evidence) -> Vec<Finding> {
    authz_line(e)
        .map(|line| Finding::ok(Code::RbacDenied, line))
        .into_iter()
        .collect()
}

/// The access review's answer, when it allowed or could not answer.
fn authz_line(e: &Evidence) -> Option<String> {
    let a = e.authz.as_ref()?;
    let ns = match &a.attributes.namespace {
        Some(ns) => format!(" in namespace {ns}"),
        None => String::new(),
    };
    let what = format!(
        "{} {}{ns}",
        a.attributes.verb,
        resources::display(&a.attributes)
    );
    let what = match &a.resolution {
        Resolution::BuiltinFallback(why) => {
            format!("{what} (resolved by the built-in table: discovery could not be read: {why})")
        }
        _ => what,
    };
    match &a.review {
        AccessAnswer::Allowed { reason } if reason.is_empty() => Some(format!("you may {what}")),
        AccessAnswer::Allowed { reason } => Some(format!("you may {what} ({reason})")),
        AccessAnswer::Failed(m) => Some(format!("could not ask whether you may {what}: {m}")),
        AccessAnswer::Denied { .. } => None,
    }
}

/// False when VERB RESOURCE is in an API group the EKS access policies do
/// not cover (a custom resource); true when none was asked.
pub fn group_covered(e: &Evidence) -> bool {
    e.authz
        .as_ref()
        .is_none_or(|a| POLICY_GROUPS.contains(&a.attributes.group.as_str()))
}

/// How RESOURCE was resolved, as a sentence (empty when by discovery).
fn resolution_note(r: &Resolution) -> String {
    match r {
        Resolution::BuiltinFallback(why) => format!(
            "Discovery could not be read ({why}), so RESOURCE was resolved by kubectl-eksauth's \
             table of built-in resources instead; a custom resource is taken as written."
        ),
        _ => String::new(),
    }
}

/// resource-unknown: the API server does not serve that resource.
pub static RESOURCE_UNKNOWN: Rule =
    Rule::new("resource-unknown", Severity::Error, Area::Authorization).rank(490);

fn resource_unknown(e: &Evidence, similar: &[String]) -> Finding {
    let asked = e.request.resource.clone().unwrap_or_default();
    let verb = e.request.verb.clone().unwrap_or_default();
    let mut remedy = String::new();
    if !similar.is_empty() {
        remedy.push_str(&format!("Did you mean {}?\n", similar.join(", ")));
    }
    remedy.push_str(
        "List what the server serves (NAME, SHORTNAMES, APIVERSION):\nkubectl api-resources\n\
         If it is a custom resource, its CustomResourceDefinition is not installed on this cluster:\n\
         kubectl get customresourcedefinitions",
    );
    Finding::new(
        Code::ResourceUnknown,
        format!("The API server does not serve a resource named {asked}"),
    )
    .detail(format!(
        "{asked} matches no resource, singular, short name or kind in the API server's discovery \
         (/api, /apis), which is how kubectl resolves it: kubectl {verb} {asked} fails with \
         `the server doesn't have a resource type \"{asked}\"`, and no access review was asked."
    ))
    .remedy(remedy)
    .evidence(json!({"resource": asked, "similar": similar}))
}

/// access-policy-group-not-covered: the EKS access policies do not cover the resource's API group.
pub static ACCESS_POLICY_GROUP_NOT_COVERED: Rule = Rule::new(
    "access-policy-group-not-covered",
    Severity::Error,
    Area::Authorization,
)
.rank(510);

fn group_not_covered(e: &Evidence, a: &AccessAttributes, who: &Who<'_>) -> Option<Finding> {
    let x = who.entry.filter(|x| !x.policies.is_empty())?;
    if POLICY_GROUPS.contains(&a.group.as_str()) {
        return None;
    }
    let res = resources::display(a);
    let names: Vec<String> = x.policies.iter().map(policy_line).collect();
    let own: Vec<&String> = x
        .kubernetes_groups
        .iter()
        .filter(|g| !g.starts_with("system:"))
        .collect();
    let group = own
        .first()
        .map(|g| g.to_string())
        .unwrap_or_else(|| object_name(&[&a.resource, &a.group.replace('.', "-")]));
    let mut remedy = format!(
        "Allow it through Kubernetes RBAC, bound to a group of your access entry (as a cluster administrator):\n{}",
        rbac_yaml(a, "Group", &group)
    );
    if own.is_empty() {
        let mut groups: Vec<String> = x.kubernetes_groups.clone();
        groups.push(group.clone());
        remedy.push_str(&format!(
            "\nand put your access entry in that group (its existing groups kept):\n\
             aws eks update-access-entry --cluster-name {} --region {} --principal-arn {} --kubernetes-groups {}",
            sh(&cluster_or_placeholder(e)),
            sh(&region_or_placeholder(e)),
            sh(&x.principal_arn),
            groups.iter().map(|g| sh(g)).collect::<Vec<_>>().join(" ")
        ));
    }
    Some(
        Finding::new(
            Code::AccessPolicyGroupNotCovered,
            format!("EKS access policies do not cover API group {} ({res})", a.group),
        )
        .detail(format!(
            "You are allowed through access policies ({}). AmazonEKSAdminPolicy, AmazonEKSEditPolicy and \
             AmazonEKSViewPolicy grant Kubernetes' built-in API groups only: unlike Kubernetes' admin, edit \
             and view ClusterRoles they take in no aggregated rules, so custom resources such as {res} are \
             denied to them. Only AmazonEKSClusterAdminPolicy (or AmazonEKSAdminViewPolicy for reading) \
             reaches every group.",
            names.join("; ")
        ))
        .remedy(remedy)
        .evidence(json!({"group": a.group, "resource": a.resource, "verb": a.verb,
                          "access_policies": names, "kubernetes_groups": x.kubernetes_groups, "bind_group": group})),
    )
}

/// The namespace asked about (the resolved one when VERB RESOURCE was
/// given; None for cluster-scoped resources).
pub fn asked_namespace(e: &Evidence) -> Option<String> {
    match &e.authz {
        Some(a) => a.attributes.namespace.clone(),
        None => e.request.namespace.clone(),
    }
}

/// True when the API server allowed VERB RESOURCE.
pub fn allowed(e: &Evidence) -> bool {
    matches!(
        e.authz.as_ref().map(|a| &a.review),
        Some(AccessAnswer::Allowed { .. })
    )
}

/// Whether an access policy's scope covers a request in `namespace`
/// (None: a cluster-scoped resource). A cluster scope covers everything; a
/// namespace scope covers its namespaces (a trailing `*` is a prefix) and
/// never a cluster-scoped resource.
pub fn scope_covers(p: &AccessPolicy, namespace: Option<&str>) -> bool {
    if p.scope_type != "namespace" {
        return true;
    }
    let Some(ns) = namespace else {
        return false;
    };
    p.namespaces
        .iter()
        .any(|n| crate::domain::wildcard::trailing_star(n, ns))
}

/// Who the cluster says you are.
struct Who<'a> {
    username: Option<&'a str>,
    /// Groups other than everyone's.
    groups: Vec<&'a str>,
    entry: Option<&'a AccessEntryInfo>,
}

impl<'a> Who<'a> {
    fn of(e: &'a Evidence) -> Who<'a> {
        let (username, groups) = match e.server.as_ref().and_then(|s| s.review.as_ref()) {
            Some(Review::Authenticated {
                username, groups, ..
            }) => (
                Some(username.as_str()),
                groups
                    .iter()
                    .map(String::as_str)
                    .filter(|g| !EVERYONE.contains(g))
                    .collect(),
            ),
            _ => (None, vec![]),
        };
        let entry = match e.eks.as_ref().and_then(|x| x.access_entry.as_ref()) {
            Some(EksCall::Ok(Some(x))) => Some(x),
            _ => None,
        };
        Who {
            username,
            groups,
            entry,
        }
    }

    fn binds(&self, b: &RbacBinding) -> bool {
        b.subjects.iter().any(|s| match s.kind.as_str() {
            "User" => Some(s.name.as_str()) == self.username,
            "Group" => self.groups.contains(&s.name.as_str()),
            _ => false,
        })
    }

    fn describe(&self) -> String {
        let user = self
            .username
            .unwrap_or("(unknown: SelfSubjectReview not answered)");
        if self.groups.is_empty() {
            format!("user {user}, in no group of its own")
        } else {
            format!("user {user}, groups {}", self.groups.join(", "))
        }
    }

    /// The subject to bind: your first group, else your user.
    fn subject(&self) -> (&'static str, String) {
        match (
            self.groups.iter().find(|g| !g.starts_with("system:")),
            self.username,
        ) {
            (Some(g), _) => ("Group", g.to_string()),
            (None, Some(u)) => ("User", u.to_string()),
            (None, None) => ("Group", "GROUP".to_string()),
        }
    }
}

fn binding_line(b: &RbacBinding) -> String {
    let place = match &b.namespace {
        Some(ns) => format!("RoleBinding {ns}/{}", b.name),
        None => format!("ClusterRoleBinding {}", b.name),
    };
    format!("{place} -> {} {}", b.role_kind, b.role_name)
}

fn policy_line(p: &AccessPolicy) -> String {
    let name = access_policy::name(&p.policy_arn).unwrap_or(&p.policy_arn);
    if p.scope_type == "namespace" {
        format!("{name} in namespaces {}", p.namespaces.join(", "))
    } else {
        format!("{name} on the whole cluster")
    }
}

fn in_namespace(a: &AccessAttributes) -> String {
    match &a.namespace {
        Some(ns) => format!(" in namespace {ns}"),
        None => " (cluster-scoped)".to_string(),
    }
}

/// rbac-denied: the API server denies the action.
pub static RBAC_DENIED: Rule =
    Rule::new("rbac-denied", Severity::Error, Area::Authorization).rank(540);

fn denied(e: &Evidence, a: &AccessAttributes, who: &Who<'_>, reason: &str) -> Finding {
    let authz = e.authz.as_ref().expect("checked by the caller");
    let res = resources::display(a);
    let mut detail = vec![format!(
        "{}The API server denies {} {res}{} to {}.{}",
        match resolution_note(&authz.resolution) {
            n if n.is_empty() => n,
            n => format!("{n}\n"),
        },
        a.verb,
        in_namespace(a),
        who.describe(),
        if reason.is_empty() {
            String::new()
        } else {
            format!(" It says: {reason}")
        }
    )];
    let policies: Vec<String> = who
        .entry
        .map(|x| x.policies.iter().map(policy_line).collect())
        .unwrap_or_default();
    detail.push(match (who.entry, policies.is_empty()) {
        (None, _) => "Access policies: none (no access entry seen for you).".to_string(),
        (Some(_), true) => "Access policies: your access entry has none.".to_string(),
        (Some(x), false) => {
            let applying = x.policies.iter().filter(|p| scope_covers(p, a.namespace.as_deref())).count();
            format!(
                "Access policies: {}; {applying} of them cover{} this request's scope, none allows it.",
                policies.join("; "),
                if applying == 1 { "s" } else { "" }
            )
        }
    });
    let bound: Vec<String> = match &authz.bindings {
        KubeRead::Ok(all) => {
            let mine: Vec<String> = all
                .iter()
                .filter(|b| who.binds(b))
                .map(binding_line)
                .collect();
            detail.push(if mine.is_empty() {
                "RBAC: nothing binds your user or groups.".to_string()
            } else {
                format!(
                    "RBAC: bound by {}; none of these roles allows it here.",
                    mine.join("; ")
                )
            });
            mine
        }
        KubeRead::Forbidden(m) | KubeRead::Failed(m) => {
            detail.push(format!(
                "RBAC bindings could not be read as {}: {m}. Give --admin-context NAME (a context that may list \
                 rolebindings and clusterrolebindings) to see them.",
                if authz.bindings_source.is_empty() { "anyone" } else { &authz.bindings_source }
            ));
            vec![]
        }
        KubeRead::NotFound => vec![],
    };
    Finding::new(
        Code::RbacDenied,
        format!("You may not {} {res}{}", a.verb, in_namespace(a)),
    )
    .detail(detail.join("\n"))
    .remedy(remedy(e, a, who))
    .evidence(json!({
        "verb": a.verb, "group": a.group, "resource": a.resource, "subresource": a.subresource,
        "namespace": a.namespace, "username": who.username, "groups": who.groups,
        "access_policies": policies, "bindings": bound, "reason": reason,
        "resolved_by": resolved_by(&authz.resolution),
    }))
}

/// `discovery GROUP/VERSION` or `built-in table`.
fn resolved_by(r: &Resolution) -> String {
    match r {
        Resolution::Discovered { group_version } => format!("discovery {group_version}"),
        Resolution::BuiltinFallback(_) => "built-in table".into(),
        Resolution::Unknown { .. } => "unknown".into(),
        Resolution::NotRecorded => String::new(),
    }
}

/// The narrowest EKS access policy that allows `a`.
pub fn policy_for(a: &AccessAttributes) -> &'static str {
    let read = matches!(a.verb.as_str(), "get" | "list" | "watch");
    match (a.namespace.is_some(), read) {
        (false, true) => "AmazonEKSAdminViewPolicy",
        (false, false) => "AmazonEKSClusterAdminPolicy",
        (true, _) if a.group == "rbac.authorization.k8s.io" => "AmazonEKSAdminPolicy",
        (true, true) if a.resource != "secrets" => "AmazonEKSViewPolicy",
        (true, _) => "AmazonEKSEditPolicy",
    }
}

fn associate_line(e: &Evidence, x: &AccessEntryInfo, a: &AccessAttributes) -> String {
    let policy = access_policy::arn("aws", policy_for(a));
    let scope = match &a.namespace {
        None => "type=cluster".to_string(),
        Some(ns) => {
            let mut namespaces: Vec<String> = x
                .policies
                .iter()
                .filter(|p| p.policy_arn == policy && p.scope_type == "namespace")
                .flat_map(|p| p.namespaces.clone())
                .collect();
            namespaces.push(ns.clone());
            namespaces.dedup();
            format!("type=namespace,namespaces={}", namespaces.join(","))
        }
    };
    format!(
        "aws eks associate-access-policy --cluster-name {} --region {} --principal-arn {} --policy-arn {policy} --access-scope {scope}",
        sh(&cluster_or_placeholder(e)),
        sh(&region_or_placeholder(e)),
        sh(&x.principal_arn)
    )
}

/// A Kubernetes object name made of `parts`.
fn object_name(parts: &[&str]) -> String {
    let raw = parts.join("-").to_ascii_lowercase();
    let name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-').to_string();
    name.chars()
        .take(63)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// A Role and RoleBinding (or ClusterRole and ClusterRoleBinding) that
/// allow `a` to the subject, as `kubectl apply` input.
pub fn rbac_yaml(a: &AccessAttributes, kind: &str, subject: &str) -> String {
    let resource = match &a.subresource {
        Some(s) => format!("{}/{s}", a.resource),
        None => a.resource.clone(),
    };
    let name = object_name(&[subject, &a.verb, &a.resource]);
    let (role, binding, meta) = match &a.namespace {
        Some(ns) => ("Role", "RoleBinding", format!("\n  namespace: {ns}")),
        None => ("ClusterRole", "ClusterRoleBinding", String::new()),
    };
    format!(
        "kubectl apply -f - <<'EOF'\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: {role}\nmetadata:\n  name: {name}{meta}\n\
         rules:\n  - apiGroups: [\"{group}\"]\n    resources: [\"{resource}\"]\n    verbs: [\"{verb}\"]\n\
         ---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: {binding}\nmetadata:\n  name: {name}{meta}\n\
         subjects:\n  - kind: {kind}\n    name: \"{subject}\"\n    apiGroup: rbac.authorization.k8s.io\n\
         roleRef:\n  kind: {role}\n  name: {name}\n  apiGroup: rbac.authorization.k8s.io\nEOF",
        group = a.group,
        verb = a.verb,
    )
}

fn remedy(e: &Evidence, a: &AccessAttributes, who: &Who<'_>) -> String {
    let (kind, subject) = who.subject();
    let yaml = rbac_yaml(a, kind, &subject);
    let whose = if kind == "Group" {
        format!("your group {subject}")
    } else {
        format!("your user {subject}")
    };
    let entry = who
        .entry
        .filter(|_| POLICY_GROUPS.contains(&a.group.as_str()));
    match entry {
        Some(x) if kind == "User" => format!(
            "Associate an access policy that allows it (run as a cluster administrator):\n{}\n\
             or bind a role to {whose} (as a cluster administrator):\n{yaml}",
            associate_line(e, x, a)
        ),
        Some(x) => format!(
            "Bind a role to {whose} (as a cluster administrator):\n{yaml}\n\
             or associate an access policy with your access entry:\n{}",
            associate_line(e, x, a)
        ),
        None => format!("Bind a role to {whose} (as a cluster administrator):\n{yaml}"),
    }
}

/// rbac-no-bindings: the mapped user and groups are bound to nothing.
pub static RBAC_NO_BINDINGS: Rule =
    Rule::new("rbac-no-bindings", Severity::Warning, Area::Authorization).rank(530);

fn no_bindings(e: &Evidence, who: &Who<'_>) -> Option<Finding> {
    let authz = e.authz.as_ref()?;
    let KubeRead::Ok(all) = &authz.bindings else {
        return None;
    };
    let username = who.username?;
    if all.iter().any(|b| who.binds(b)) || who.entry.is_some_and(|x| !x.policies.is_empty()) {
        return None;
    }
    let ns = authz
        .attributes
        .namespace
        .clone()
        .unwrap_or_else(|| "NAMESPACE".into());
    let (kind, subject) = who.subject();
    let flag = if kind == "Group" { "--group" } else { "--user" };
    Some(
        Finding::new(Code::RbacNoBindings, format!("Nothing binds {username} or its groups to any role"))
            .detail(format!(
                "The cluster maps you to {}; no RoleBinding or ClusterRoleBinding names them and your access \
                 entry (if any) has no access policy, so you may do only what every authenticated user may.",
                who.describe()
            ))
            .remedy(format!(
                "Bind a role to {subject} (as a cluster administrator), for example read access in {ns}:\n\
                 kubectl create rolebinding {} --clusterrole=view {flag}={} -n {}",
                object_name(&[&subject, "view"]),
                sh(&subject),
                sh(&ns)
            ))
            .evidence(json!({"username": username, "groups": who.groups, "bindings_read_as": authz.bindings_source})),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::objects::RbacSubject;
    use crate::why::checks::fixtures::*;
    use crate::why::evidence::*;
    use crate::why::finding::Severity;
    use std::collections::BTreeMap;

    fn policy(name: &str, scope: &str, namespaces: &[&str]) -> AccessPolicy {
        AccessPolicy {
            policy_arn: crate::domain::access_policy::arn("aws", name),
            scope_type: scope.into(),
            namespaces: namespaces.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    #[rustfmt::skip]
    fn access_policy_scope_logic() {
        let cases = [
            ("cluster_scope_covers_any_namespace", policy("AmazonEKSViewPolicy", "cluster", &[]), Some("prod"), true),
            ("cluster_scope_covers_cluster_resources", policy("AmazonEKSViewPolicy", "cluster", &[]), None, true),
            ("namespace_listed", policy("AmazonEKSViewPolicy", "namespace", &["dev", "test"]), Some("test"), true),
            ("namespace_not_listed", policy("AmazonEKSViewPolicy", "namespace", &["dev"]), Some("default"), false),
            ("no_prefix_match_without_star", policy("AmazonEKSViewPolicy", "namespace", &["dev"]), Some("dev2"), false),
            ("trailing_star_is_a_prefix", policy("AmazonEKSViewPolicy", "namespace", &["team-*"]), Some("team-a"), true),
            ("trailing_star_other_prefix", policy("AmazonEKSViewPolicy", "namespace", &["team-*"]), Some("ops"), false),
            ("namespace_scope_never_covers_cluster_resources", policy("AmazonEKSViewPolicy", "namespace", &["dev"]), None, false),
        ];
        for (name, p, ns, want) in cases {
            assert_eq!(scope_covers(&p, ns), want, "{name}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn narrowest_policy() {
        let at = |verb: &str, res: &str, ns: Option<&str>| resources::attributes(verb, res, ns, None);
        assert_eq!(policy_for(&at("list", "pods", Some("dev"))), "AmazonEKSViewPolicy");
        assert_eq!(policy_for(&at("list", "secrets", Some("dev"))), "AmazonEKSEditPolicy");
        assert_eq!(policy_for(&at("create", "deployments", Some("dev"))), "AmazonEKSEditPolicy");
        assert_eq!(policy_for(&at("create", "rolebindings", Some("dev"))), "AmazonEKSAdminPolicy");
        assert_eq!(policy_for(&at("list", "nodes", None)), "AmazonEKSAdminViewPolicy");
        assert_eq!(policy_for(&at("delete", "nodes", None)), "AmazonEKSClusterAdminPolicy");
    }

    /// dev-team's user asking about `verb resource -n ns`, with `answer`.
    fn asking(verb: &str, res: &str, ns: &str, answer: AccessAnswer) -> Evidence {
        let mut e = healthy();
        if let Some(EksCall::Ok(Some(x))) = &mut e.eks.as_mut().unwrap().access_entry {
            x.policies.clear();
            x.kubernetes_groups = vec!["dev-team".into()];
        }
        e.server.as_mut().unwrap().review = Some(Review::Authenticated {
            username: "dev".into(),
            uid: None,
            groups: vec!["dev-team".into(), "system:authenticated".into()],
            extra: BTreeMap::new(),
        });
        e.request.verb = Some(verb.into());
        e.request.resource = Some(res.into());
        e.request.namespace = Some(ns.into());
        e.authz = Some(AuthzFacts {
            attributes: resources::attributes(verb, res, Some(ns), None),
            review: answer,
            bindings_source: "the diagnosed identity".into(),
            bindings: KubeRead::Ok(vec![RbacBinding {
                kind: "RoleBinding".into(),
                name: "dev-team-view".into(),
                namespace: Some("dev".into()),
                role_kind: "ClusterRole".into(),
                role_name: "view".into(),
                subjects: vec![RbacSubject {
                    kind: "Group".into(),
                    name: "dev-team".into(),
                    namespace: None,
                }],
            }]),
            resolution: Resolution::NotRecorded,
        });
        e
    }

    /// `asking` about a custom resource of example.com, for a caller whose
    /// entry has `policies` and `groups`.
    fn asking_custom(
        policies: Vec<AccessPolicy>,
        groups: &[&str],
        answer: AccessAnswer,
    ) -> Evidence {
        let mut e = asking("list", "widgets.example.com", "dev", answer);
        if let Some(EksCall::Ok(Some(x))) = &mut e.eks.as_mut().unwrap().access_entry {
            x.policies = policies;
            x.kubernetes_groups = groups.iter().map(|g| g.to_string()).collect();
        }
        e.server.as_mut().unwrap().review = Some(Review::Authenticated {
            username: "dev".into(),
            uid: None,
            groups: groups
                .iter()
                .map(|g| g.to_string())
                .chain(["system:authenticated".into()])
                .collect(),
            extra: BTreeMap::new(),
        });
        let a = e.authz.as_mut().unwrap();
        a.resolution = Resolution::Discovered {
            group_version: "example.com/v1".into(),
        };
        e
    }

    #[test]
    fn custom_resource_denied_to_access_policies_names_the_group_fix() {
        let e = asking_custom(
            vec![policy("AmazonEKSEditPolicy", "cluster", &[])],
            &[],
            denied(),
        );
        let f = expect(
            &e,
            Code::AccessPolicyGroupNotCovered,
            Severity::Error,
            "access-policy-group-not-covered",
        );
        assert!(
            f.detail
                .contains("AmazonEKSEditPolicy on the whole cluster"),
            "{}",
            f.detail
        );
        assert!(
            f.remedy.contains("apiGroups: [\"example.com\"]"),
            "{}",
            f.remedy
        );
        assert!(
            f.remedy.contains("resources: [\"widgets\"]"),
            "{}",
            f.remedy
        );
        assert!(
            f.remedy.contains(
                "aws eks update-access-entry --cluster-name demo --region us-west-2 --principal-arn"
            ) && f.remedy.contains("--kubernetes-groups widgets-example-com"),
            "{}",
            f.remedy
        );
        assert!(
            f.remedy.contains("name: \"widgets-example-com\""),
            "{}",
            f.remedy
        );
        // The rbac-denied remedy does not offer an access policy either.
        let d = expect(
            &e,
            Code::RbacDenied,
            Severity::Error,
            "access-policy-group-not-covered",
        );
        assert!(
            !d.remedy.contains("associate-access-policy"),
            "{}",
            d.remedy
        );
    }

    #[test]
    fn custom_resource_fix_binds_an_existing_group_of_the_entry() {
        let e = asking_custom(
            vec![policy("AmazonEKSViewPolicy", "cluster", &[])],
            &["ops"],
            denied(),
        );
        let f = expect(
            &e,
            Code::AccessPolicyGroupNotCovered,
            Severity::Error,
            "access-policy-group-not-covered",
        );
        assert!(f.remedy.contains("name: \"ops\""), "{}", f.remedy);
        assert!(!f.remedy.contains("update-access-entry"), "{}", f.remedy);
    }

    #[test]
    fn custom_resource_not_blamed_on_policies_when_allowed_or_no_policies() {
        let allowed = AccessAnswer::Allowed {
            reason: "RBAC".into(),
        };
        let e = asking_custom(
            vec![policy("AmazonEKSEditPolicy", "cluster", &[])],
            &["ops"],
            allowed,
        );
        assert!(!has(&e, Code::AccessPolicyGroupNotCovered));
        assert_eq!(verdict(&e), "ok");
        // RBAC-only callers: plain rbac-denied.
        let e = asking_custom(vec![], &["ops"], denied());
        assert!(!has(&e, Code::AccessPolicyGroupNotCovered));
        assert_eq!(verdict(&e), "rbac-denied");
        // A built-in group under a policy: not this code.
        let mut e = asking("list", "secrets", "dev", denied());
        if let Some(EksCall::Ok(Some(x))) = &mut e.eks.as_mut().unwrap().access_entry {
            x.policies = vec![policy("AmazonEKSViewPolicy", "cluster", &[])];
        }
        assert!(!has(&e, Code::AccessPolicyGroupNotCovered));
    }

    #[test]
    fn unknown_resource_is_named_with_near_names() {
        let mut e = asking(
            "list",
            "widgts",
            "dev",
            AccessAnswer::Failed("not asked".into()),
        );
        e.authz.as_mut().unwrap().resolution = Resolution::Unknown {
            similar: vec!["widgets.example.com".into()],
        };
        let f = expect(
            &e,
            Code::ResourceUnknown,
            Severity::Error,
            "resource-unknown",
        );
        assert!(f.title.contains("widgts"), "{}", f.title);
        assert!(
            f.remedy.contains("Did you mean widgets.example.com?"),
            "{}",
            f.remedy
        );
        assert!(f.remedy.contains("kubectl api-resources"), "{}", f.remedy);
        assert!(!has(&e, Code::RbacDenied));
    }

    #[test]
    fn builtin_fallback_is_said_in_the_denial() {
        let mut e = asking("list", "secrets", "dev", denied());
        e.authz.as_mut().unwrap().resolution = Resolution::BuiltinFallback("403 Forbidden".into());
        let f = expect(&e, Code::RbacDenied, Severity::Error, "rbac-denied");
        assert!(
            f.detail
                .starts_with("Discovery could not be read (403 Forbidden)"),
            "{}",
            f.detail
        );
        assert_eq!(f.evidence["resolved_by"], "built-in table");
    }

    fn denied() -> AccessAnswer {
        AccessAnswer::Denied {
            reason: String::new(),
            evaluation_error: String::new(),
        }
    }

    #[test]
    fn rbac_denied_names_bindings_and_binds_the_group() {
        let e = asking("list", "secrets", "dev", denied());
        let f = expect(&e, Code::RbacDenied, Severity::Error, "rbac-denied");
        assert!(
            f.detail
                .contains("RoleBinding dev/dev-team-view -> ClusterRole view"),
            "{}",
            f.detail
        );
        assert!(f.detail.contains("groups dev-team"), "{}", f.detail);
        assert!(f.remedy.contains("kind: Role\n"), "{}", f.remedy);
        assert!(f.remedy.contains("name: \"dev-team\""), "{}", f.remedy);
        assert!(
            f.remedy.contains("resources: [\"secrets\"]"),
            "{}",
            f.remedy
        );
        assert!(f.remedy.contains("namespaces=dev"), "{}", f.remedy);
        assert!(!has(&e, Code::RbacNoBindings));
    }

    #[test]
    fn allowed_is_no_error() {
        let e = asking(
            "list",
            "pods",
            "dev",
            AccessAnswer::Allowed {
                reason: "RBAC: allowed".into(),
            },
        );
        assert_eq!(verdict(&e), "ok");
    }

    #[test]
    fn rbac_no_bindings_when_nothing_names_you() {
        let mut e = asking("list", "pods", "default", denied());
        if let Some(a) = &mut e.authz {
            a.bindings = KubeRead::Ok(vec![]);
        }
        expect(&e, Code::RbacNoBindings, Severity::Warning, "rbac-denied");
    }

    #[test]
    fn unreadable_bindings_point_at_admin_context() {
        let mut e = asking("list", "pods", "default", denied());
        if let Some(a) = &mut e.authz {
            a.bindings = KubeRead::Forbidden("rolebindings is forbidden".into());
        }
        let f = expect(&e, Code::RbacDenied, Severity::Error, "rbac-denied");
        assert!(f.detail.contains("--admin-context"), "{}", f.detail);
        assert!(!has(&e, Code::RbacNoBindings));
    }

    #[test]
    fn cluster_scoped_resources_get_a_cluster_role() {
        let e = asking("list", "nodes", "dev", denied());
        let f = expect(&e, Code::RbacDenied, Severity::Error, "rbac-denied");
        assert!(
            f.remedy.contains("kind: ClusterRoleBinding"),
            "{}",
            f.remedy
        );
        assert!(f.remedy.contains("type=cluster"), "{}", f.remedy);
    }
}
