//! SelfSubjectAccessReview and SelfSubjectRulesReview, answered as EKS's
//! API server does: the access review runs the real authorizer chain
//! (system:masters, RBAC, the access entry's policies within their scopes);
//! the rules review lists what RBAC grants and, as on EKS, is `incomplete`
//! because the access-policy (webhook) authorizer cannot list rules.

use serde_json::{Value, json};

use super::authn::UserInfo;
use super::authz;
use super::rbac::{PolicyRule, RbacSet};
use super::request_info::{RequestAttributes, ResourceRequest};

/// The evaluation error Kubernetes' webhook authorizer gives for rule lists.
const WEBHOOK_RULES_ERROR: &str = "webhook authorizer does not support user rule resolution";

/// The answer to a SelfSubjectAccessReview body; Err is a validation message.
pub fn access_review(user: &UserInfo, body: &Value, rbac: &RbacSet) -> Result<Value, String> {
    let spec = &body["spec"];
    let attrs = review_attributes(spec)?;
    let allowed = authz::allowed(user, &attrs, rbac);
    let mut out = json!({
        "kind": "SelfSubjectAccessReview",
        "apiVersion": body["apiVersion"].as_str().unwrap_or("authorization.k8s.io/v1"),
        "metadata": {"creationTimestamp": null},
        "spec": spec,
        "status": {"allowed": allowed}
    });
    if let (true, Some(reason)) = (
        allowed,
        rbac.allowing_reason(&user.username, &user.groups, &attrs),
    ) {
        out["status"]["reason"] = json!(reason);
    }
    Ok(out)
}

/// The request attributes a review spec describes.
fn review_attributes(spec: &Value) -> Result<RequestAttributes, String> {
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    let res = &spec["resourceAttributes"];
    let non = &spec["nonResourceAttributes"];
    match (res.is_object(), non.is_object()) {
        (true, false) => Ok(RequestAttributes::Resource(ResourceRequest {
            verb: text(res, "verb"),
            api_group: text(res, "group"),
            api_version: text(res, "version"),
            resource: text(res, "resource"),
            subresource: Some(text(res, "subresource")).filter(|s| !s.is_empty()),
            namespace: Some(text(res, "namespace")).filter(|s| !s.is_empty()),
            name: Some(text(res, "name")).filter(|s| !s.is_empty()),
        })),
        (false, true) => Ok(RequestAttributes::NonResource {
            verb: text(non, "verb"),
            path: text(non, "path"),
        }),
        (true, true) => Err("spec.resourceAttributes: Invalid value: \"...\": cannot be specified in combination with nonResourceAttributes".into()),
        (false, false) => Err("spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified".into()),
    }
}

/// The answer to a SelfSubjectRulesReview body.
pub fn rules_review(user: &UserInfo, body: &Value, rbac: &RbacSet) -> Result<Value, String> {
    let namespace = body["spec"]["namespace"].as_str().unwrap_or("");
    let rules = rbac.rules_for(&user.username, &user.groups, namespace);
    let resource_rules: Vec<Value> = rules
        .iter()
        .filter(|r| r.non_resource_urls.is_empty())
        .map(resource_rule)
        .collect();
    let non_resource_rules: Vec<Value> = rules
        .iter()
        .filter(|r| !r.non_resource_urls.is_empty())
        .map(|r| json!({"verbs": r.verbs, "nonResourceURLs": r.non_resource_urls}))
        .collect();
    Ok(json!({
        "kind": "SelfSubjectRulesReview",
        "apiVersion": body["apiVersion"].as_str().unwrap_or("authorization.k8s.io/v1"),
        "metadata": {"creationTimestamp": null},
        "spec": body["spec"],
        "status": {
            "resourceRules": resource_rules,
            "nonResourceRules": non_resource_rules,
            "incomplete": true,
            "evaluationError": WEBHOOK_RULES_ERROR
        }
    }))
}

fn resource_rule(r: &PolicyRule) -> Value {
    let mut v = json!({"verbs": r.verbs, "apiGroups": r.api_groups, "resources": r.resources});
    if !r.resource_names.is_empty() {
        v["resourceNames"] = json!(r.resource_names);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::AccessScope;
    use crate::kube::access_policy::Policy;
    use crate::kube::rbac::RbacObject;

    fn user(groups: &[&str], policies: Vec<(Policy, AccessScope)>) -> UserInfo {
        let mut u = UserInfo::anonymous();
        u.username = "dev".into();
        u.groups = groups
            .iter()
            .map(|g| g.to_string())
            .chain(["system:authenticated".to_string()])
            .collect();
        u.policies = policies;
        u
    }

    fn review(ns: &str, verb: &str, resource: &str) -> Value {
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
               "spec": {"resourceAttributes": {"namespace": ns, "verb": verb, "resource": resource}}})
    }

    #[test]
    #[rustfmt::skip]
    fn access_review_cases() {
        let objects: Vec<RbacObject> = serde_yaml_ng::from_str(r#"
- kind: RoleBinding
  metadata: {name: dev-team-view, namespace: dev}
  subjects: [{kind: Group, name: dev-team}]
  roleRef: {kind: ClusterRole, name: view}
"#).unwrap();
        let rbac = RbacSet::with_builtins(&objects);
        let dev_view = || vec![(Policy::View, AccessScope::Namespace { namespaces: vec!["dev".into()] })];
        let cases = [
            ("rbac_allows_in_bound_namespace", user(&["dev-team"], vec![]), review("dev", "list", "pods"), true),
            ("rbac_denies_secrets", user(&["dev-team"], vec![]), review("dev", "list", "secrets"), false),
            ("rbac_denies_other_namespace", user(&["dev-team"], vec![]), review("default", "list", "pods"), false),
            ("policy_allows_in_scope", user(&[], dev_view()), review("dev", "get", "pods"), true),
            ("policy_scoped_to_other_namespace", user(&[], dev_view()), review("prod", "get", "pods"), false),
            ("masters_allowed_everything", user(&["system:masters"], vec![]), review("x", "delete", "secrets"), true),
        ];
        for (name, u, body, want) in cases {
            let got = access_review(&u, &body, &rbac).unwrap();
            assert_eq!(got["status"]["allowed"], want, "{name}");
        }
        let both = json!({"spec": {"resourceAttributes": {}, "nonResourceAttributes": {}}});
        assert!(access_review(&user(&[], vec![]), &both, &rbac).is_err(), "both_attribute_kinds_refused");
    }

    #[test]
    fn rules_review_is_incomplete_as_on_eks() {
        let rbac = RbacSet::with_builtins(&[]);
        let body = json!({"spec": {"namespace": "dev"}});
        let got = rules_review(&user(&[], vec![]), &body, &rbac).unwrap();
        assert_eq!(got["status"]["incomplete"], true);
        let rules = got["status"]["resourceRules"].as_array().unwrap();
        assert!(
            rules
                .iter()
                .any(|r| r["resources"][0] == "selfsubjectaccessreviews")
        );
    }
}
