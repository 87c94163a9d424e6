//! Authentication and IAM authorization of the simulated AWS APIs other than
//! STS (EKS, IAM): the request is verified by the STS verifier with the
//! service's own credential scope, then the fixture's `access_denied` rules
//! decide whether the caller's IAM policies allow the action.

use http::request::Parts;

use crate::arn;
use crate::fixture::DenyRule;
use crate::http_util;
use crate::sts::auth::{self, Authenticated, StsRequest};
use crate::sts::error::StsError;
use crate::world::World;

/// Verify the SigV4 signature of a request to `service` (any scope region:
/// the simulator's endpoint stands for every region).
pub fn authenticate(
    world: &World,
    service: &str,
    parts: &Parts,
    body: &[u8],
) -> Result<Authenticated, StsError> {
    let headers = http_util::header_pairs(&parts.headers);
    let req = StsRequest {
        method: parts.method.as_str(),
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body,
    };
    auth::authenticate_for(service, &req, None, world.clock.now(), &world.directory)
}

/// The fixture's denials.
#[derive(Debug, Default)]
pub struct Denials {
    /// (principal ARN with any role path stripped, or `*`; actions).
    rules: Vec<(String, Vec<String>)>,
}

impl Denials {
    /// Build from the fixture's rules.
    pub fn from_fixture(rules: &[DenyRule]) -> Denials {
        Denials {
            rules: rules
                .iter()
                .map(|r| (arn::strip_role_path(&r.principal_arn), r.actions.clone()))
                .collect(),
        }
    }

    /// Whether the caller (its STS or IAM ARN) is denied `action`
    /// (`service:Operation`).
    pub fn denies(&self, caller_arn: &str, action: &str) -> bool {
        let canonical = arn::canonicalize(caller_arn)
            .map(|(_, c)| c)
            .unwrap_or_else(|_| caller_arn.to_string());
        self.rules.iter().any(|(principal, actions)| {
            let who = principal == "*"
                || principal.eq_ignore_ascii_case(&canonical)
                || principal.eq_ignore_ascii_case(caller_arn);
            who && (actions.is_empty() || actions.iter().any(|a| action_matches(a, action)))
        })
    }
}

/// `eks:*` matches every EKS action; otherwise names compare
/// case-insensitively, as IAM does.
fn action_matches(pattern: &str, action: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => action
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix)),
        None => pattern.eq_ignore_ascii_case(action),
    }
}

/// IAM's wording of a denial.
pub fn denied_message(caller_arn: &str, action: &str, resource: &str) -> String {
    format!(
        "User: {caller_arn} is not authorized to perform: {action} on resource: {resource} \
         because no identity-based policy allows the {action} action"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[rustfmt::skip]
    fn denial_cases() {
        let rule = |p: &str, a: &[&str]| DenyRule { principal_arn: p.into(), actions: a.iter().map(|s| s.to_string()).collect() };
        let d = Denials::from_fixture(&[
            rule("arn:aws:iam::111122223333:user/intruder", &[]),
            rule("arn:aws:iam::111122223333:role/team/Dev", &["eks:DescribeCluster"]),
            rule("arn:aws:iam::111122223333:role/Ops", &["eks:*"]),
        ]);
        let cases = [
            ("user_denied_everything", "arn:aws:iam::111122223333:user/intruder", "iam:GetRole", true),
            ("assumed_role_matches_role_with_path", "arn:aws:sts::111122223333:assumed-role/Dev/alice", "eks:DescribeCluster", true),
            ("other_action_allowed", "arn:aws:sts::111122223333:assumed-role/Dev/alice", "eks:ListClusters", false),
            ("action_case_insensitive", "arn:aws:sts::111122223333:assumed-role/Dev/alice", "EKS:describecluster", true),
            ("service_wildcard", "arn:aws:sts::111122223333:assumed-role/Ops/x", "eks:ListAccessEntries", true),
            ("service_wildcard_other_service", "arn:aws:sts::111122223333:assumed-role/Ops/x", "iam:GetRole", false),
            ("unlisted_principal", "arn:aws:iam::111122223333:user/admin", "eks:DescribeCluster", false),
        ];
        for (name, caller, action, want) in cases {
            assert_eq!(d.denies(caller, action), want, "{name}");
        }
    }
}
