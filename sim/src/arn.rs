//! ARNs of IAM principals: parsing, the authenticator's canonicalization
//! (`assumed-role` session ARN -> IAM role ARN without path) and the path
//! stripping EKS applies to access-entry role ARNs.

use crate::partition::Partition;

/// A parsed ARN: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arn {
    /// Partition id, e.g. `aws`.
    pub partition: String,
    /// Service, e.g. `iam` or `sts`.
    pub service: String,
    /// Region (empty for IAM and STS principals).
    pub region: String,
    /// Twelve-digit account id.
    pub account: String,
    /// Resource, e.g. `role/path/Name`.
    pub resource: String,
}

impl Arn {
    /// Parse an ARN; None unless it has the six colon-separated fields.
    pub fn parse(s: &str) -> Option<Arn> {
        let mut fields = s.splitn(6, ':');
        if fields.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: fields.next()?.to_string(),
            service: fields.next()?.to_string(),
            region: fields.next()?.to_string(),
            account: fields.next()?.to_string(),
            resource: fields.next()?.to_string(),
        };
        (!arn.partition.is_empty() && !arn.service.is_empty() && !arn.resource.is_empty())
            .then_some(arn)
    }

    /// For `iam ... role/[path/]Name`: the role's path (`/` when none, else
    /// `/path/`) and name.
    pub fn role_path_and_name(&self) -> Option<(String, String)> {
        if self.service != "iam" {
            return None;
        }
        let rest = self.resource.strip_prefix("role/")?;
        let (path, name) = match rest.rsplit_once('/') {
            Some((path, name)) => (format!("/{path}/"), name),
            None => ("/".to_string(), rest),
        };
        (!name.is_empty()).then(|| (path, name.to_string()))
    }
}

/// What kind of principal a caller ARN names (decides how the authenticator
/// splits the STS UserId).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// `iam ... user/...`
    User,
    /// `iam ... root`
    Root,
    /// `iam ... role/...`
    Role,
    /// `sts ... assumed-role/Role/Session`
    AssumedRole,
    /// `sts ... federated-user/Name`
    FederatedUser,
}

/// Canonicalize a caller ARN the way aws-iam-authenticator does: an STS
/// assumed-role ARN becomes the IAM role ARN (which never carries a path,
/// since the STS ARN has none); users, roles, root and federated users stay.
pub fn canonicalize(arn: &str) -> Result<(PrincipalKind, String), String> {
    let parsed = Arn::parse(arn).ok_or_else(|| format!("arn '{arn}' is invalid"))?;
    if Partition::from_id(&parsed.partition).is_none() {
        return Err(format!("arn '{arn}' does not have a recognized partition"));
    }
    let parts: Vec<&str> = parsed.resource.split('/').collect();
    match (parsed.service.as_str(), parts[0]) {
        ("sts", "federated-user") => Ok((PrincipalKind::FederatedUser, arn.to_string())),
        ("sts", "assumed-role") if parts.len() >= 3 => {
            let role = parts[1..parts.len() - 1].join("/");
            let canonical = format!(
                "arn:{}:iam::{}:role/{role}",
                parsed.partition, parsed.account
            );
            Ok((PrincipalKind::AssumedRole, canonical))
        }
        ("sts", "assumed-role") => Err(format!("assumed-role arn '{arn}' does not have a role")),
        ("iam", "role") => Ok((PrincipalKind::Role, arn.to_string())),
        ("iam", "user") => Ok((PrincipalKind::User, arn.to_string())),
        ("iam", "root") => Ok((PrincipalKind::Root, arn.to_string())),
        (service, _) => Err(format!(
            "unrecognized resource {} for service {service}",
            parsed.resource
        )),
    }
}

/// Drop the IAM path from a role ARN (`role/a/b/Name` -> `role/Name`), as EKS
/// does when it matches access entries. Other ARNs are returned unchanged.
pub fn strip_role_path(arn: &str) -> String {
    match Arn::parse(arn) {
        Some(parsed) => match parsed.role_path_and_name() {
            Some((_, name)) => {
                format!(
                    "arn:{}:iam::{}:role/{name}",
                    parsed.partition, parsed.account
                )
            }
            None => arn.to_string(),
        },
        None => arn.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalize_cases() {
        let cases = [
            (
                "assumed_role_becomes_iam_role",
                "arn:aws:sts::111122223333:assumed-role/Dev/alice",
                Ok("arn:aws:iam::111122223333:role/Dev"),
            ),
            (
                "sso_session_has_no_path",
                "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123/alice@example.com",
                Ok("arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123"),
            ),
            (
                "user_unchanged",
                "arn:aws:iam::111122223333:user/ops/bob",
                Ok("arn:aws:iam::111122223333:user/ops/bob"),
            ),
            (
                "root_unchanged",
                "arn:aws:iam::111122223333:root",
                Ok("arn:aws:iam::111122223333:root"),
            ),
            (
                "federated_unchanged",
                "arn:aws:sts::111122223333:federated-user/carol",
                Ok("arn:aws:sts::111122223333:federated-user/carol"),
            ),
            (
                "assumed_role_without_session",
                "arn:aws:sts::111122223333:assumed-role/Dev",
                Err(()),
            ),
            (
                "unknown_partition",
                "arn:aws-mars:iam::111122223333:user/x",
                Err(()),
            ),
            ("not_an_arn", "hello", Err(())),
            ("wrong_service", "arn:aws:s3:::bucket", Err(())),
        ];
        for (name, input, want) in cases {
            let got = canonicalize(input).map(|(_, arn)| arn).map_err(|_| ());
            assert_eq!(got, want.map(str::to_string), "{name}");
        }
    }

    #[test]
    fn strip_role_path_cases() {
        let cases = [
            (
                "sso_role_path_removed",
                "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_A_1",
                "arn:aws:iam::111122223333:role/AWSReservedSSO_A_1",
            ),
            (
                "no_path_unchanged",
                "arn:aws:iam::1:role/Dev",
                "arn:aws:iam::1:role/Dev",
            ),
            (
                "user_unchanged",
                "arn:aws:iam::1:user/ops/bob",
                "arn:aws:iam::1:user/ops/bob",
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(strip_role_path(input), want, "{name}");
        }
    }
}
