//! EKS access policies: the AWS-managed permission sets an access entry can
//! be associated with, each as the Kubernetes rules it grants, and the scope
//! check (whole cluster, or only some namespaces).

use super::rbac::{PolicyRule, rule_allows};
use super::rbac_builtin;
use super::request_info::RequestAttributes;
use crate::fixture::AccessScope;

/// ARN prefix of the EKS access policies.
const ARN_PREFIX: &str = "arn:aws:eks::aws:cluster-access-policy/";

/// An EKS access policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// AmazonEKSClusterAdminPolicy: everything (like cluster-admin).
    ClusterAdmin,
    /// AmazonEKSAdminPolicy: like the `admin` ClusterRole.
    Admin,
    /// AmazonEKSEditPolicy: like `edit`.
    Edit,
    /// AmazonEKSViewPolicy: like `view`.
    View,
    /// AmazonEKSAdminViewPolicy: read everything, secrets included.
    AdminView,
}

impl Policy {
    /// Parse a policy name or ARN.
    pub fn parse(s: &str) -> Option<Policy> {
        match s.strip_prefix(ARN_PREFIX).unwrap_or(s) {
            "AmazonEKSClusterAdminPolicy" => Some(Policy::ClusterAdmin),
            "AmazonEKSAdminPolicy" => Some(Policy::Admin),
            "AmazonEKSEditPolicy" => Some(Policy::Edit),
            "AmazonEKSViewPolicy" => Some(Policy::View),
            "AmazonEKSAdminViewPolicy" => Some(Policy::AdminView),
            _ => None,
        }
    }

    /// The policy's ARN.
    #[allow(dead_code)] // for ListAssociatedAccessPolicies (stage 2)
    pub fn arn(self) -> String {
        let name = match self {
            Policy::ClusterAdmin => "AmazonEKSClusterAdminPolicy",
            Policy::Admin => "AmazonEKSAdminPolicy",
            Policy::Edit => "AmazonEKSEditPolicy",
            Policy::View => "AmazonEKSViewPolicy",
            Policy::AdminView => "AmazonEKSAdminViewPolicy",
        };
        format!("{ARN_PREFIX}{name}")
    }

    fn rules(self) -> Vec<PolicyRule> {
        match self {
            Policy::ClusterAdmin => rbac_builtin::cluster_admin_rules(),
            Policy::Admin => rbac_builtin::admin_rules(),
            Policy::Edit => rbac_builtin::edit_rules(),
            Policy::View => rbac_builtin::view_rules(),
            Policy::AdminView => vec![PolicyRule {
                verbs: vec!["get".into(), "list".into(), "watch".into()],
                api_groups: vec!["*".into()],
                resources: vec!["*".into()],
                ..PolicyRule::default()
            }],
        }
    }
}

/// Whether an association (policy + scope) allows the request. A namespace
/// scope covers only requests inside one of its namespaces.
pub fn allows(policy: Policy, scope: &AccessScope, request: &RequestAttributes) -> bool {
    let in_scope = match scope {
        AccessScope::Cluster => true,
        AccessScope::Namespace { namespaces } => match request {
            RequestAttributes::Resource(res) => res
                .namespace
                .as_ref()
                .is_some_and(|ns| namespaces.contains(ns)),
            RequestAttributes::NonResource { .. } => false,
        },
    };
    in_scope && policy.rules().iter().any(|r| rule_allows(r, request))
}
