//! ARNs of IAM principals, as the EKS authenticator sees them.
//!
//! Parses `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, tells roles,
//! users and STS sessions apart, and canonicalizes a caller ARN the way
//! aws-iam-authenticator does before it looks for a mapping
//! (`arn:aws:sts::A:assumed-role/R/S` becomes `arn:aws:iam::A:role/R`). The
//! STS ARN carries no IAM path, so neither does the canonical one: that is
//! why a role mapped with its path never matches. Pure string work.

/// The partitions the authenticator accepts in a caller ARN.
pub const PARTITIONS: [&str; 7] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
];

/// The role-name prefix of IAM Identity Center (SSO) permission-set roles.
pub const SSO_ROLE_PREFIX: &str = "AWSReservedSSO_";

/// The IAM path under which IAM Identity Center creates its roles.
pub const SSO_ROLE_PATH_PREFIX: &str = "/aws-reserved/sso.amazonaws.com/";

/// The parts of an ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    /// Everything after the fifth colon, e.g. `role/path/Name`.
    pub resource: String,
}

/// What kind of principal an ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `arn:P:iam::A:role/[path/]Name`.
    Role,
    /// `arn:P:iam::A:user/[path/]Name`.
    User,
    /// `arn:P:iam::A:root`.
    Root,
    /// `arn:P:sts::A:assumed-role/Name/Session`.
    AssumedRole,
    /// `arn:P:sts::A:federated-user/Name`.
    FederatedUser,
    /// Anything else.
    Other,
}

impl Arn {
    /// Parses an ARN; None when it has fewer than six colon-separated parts
    /// or does not start with `arn:`.
    pub fn parse(s: &str) -> Option<Arn> {
        let mut it = s.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        let partition = it.next()?.to_string();
        let service = it.next()?.to_string();
        let region = it.next()?.to_string();
        let account = it.next()?.to_string();
        let resource = it.next()?.to_string();
        if partition.is_empty() || service.is_empty() || resource.is_empty() {
            return None;
        }
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The principal kind.
    pub fn kind(&self) -> Kind {
        let head = self.resource.split('/').next().unwrap_or("");
        match (self.service.as_str(), head) {
            ("iam", "role") if self.resource.contains('/') => Kind::Role,
            ("iam", "user") if self.resource.contains('/') => Kind::User,
            ("iam", "root") => Kind::Root,
            ("sts", "assumed-role") => Kind::AssumedRole,
            ("sts", "federated-user") => Kind::FederatedUser,
            _ => Kind::Other,
        }
    }

    /// The IAM path of a role or user (`/` when none), e.g.
    /// `/aws-reserved/sso.amazonaws.com/us-east-2/`.
    pub fn path(&self) -> Option<String> {
        if !matches!(self.kind(), Kind::Role | Kind::User) {
            return None;
        }
        let parts: Vec<&str> = self.resource.split('/').collect();
        let inner = &parts[1..parts.len() - 1];
        Some(if inner.is_empty() {
            "/".to_string()
        } else {
            format!("/{}/", inner.join("/"))
        })
    }

    /// The role or user name (last path segment); for an assumed role, the
    /// role name; for a federated user, the user name.
    pub fn name(&self) -> Option<&str> {
        let parts: Vec<&str> = self.resource.split('/').collect();
        match self.kind() {
            Kind::Role | Kind::User | Kind::FederatedUser => parts.last().copied(),
            Kind::AssumedRole if parts.len() >= 3 => Some(parts[parts.len() - 2]),
            _ => None,
        }
    }

    /// The session name of an assumed-role ARN.
    pub fn session_name(&self) -> Option<&str> {
        match self.kind() {
            Kind::AssumedRole if self.resource.split('/').count() >= 3 => {
                self.resource.rsplit('/').next()
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Arn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// The kind of principal `arn` names (Other when it does not parse).
pub fn kind(arn: &str) -> Kind {
    Arn::parse(arn).map_or(Kind::Other, |a| a.kind())
}

/// The account id of an ARN.
pub fn account_id(arn: &str) -> Option<String> {
    Arn::parse(arn).map(|a| a.account).filter(|a| !a.is_empty())
}

/// The session name of an assumed-role ARN.
pub fn session_name(arn: &str) -> Option<String> {
    Arn::parse(arn).and_then(|a| a.session_name().map(str::to_string))
}

/// The canonical principal ARN, as the authenticator computes it: an STS
/// assumed-role ARN becomes its IAM role ARN (no path: STS does not know
/// it); IAM users, roles, root and federated users are returned unchanged.
/// None when the authenticator would refuse the ARN.
pub fn canonicalize(caller: &str) -> Option<String> {
    let a = Arn::parse(caller)?;
    if !PARTITIONS.contains(&a.partition.as_str()) {
        return None;
    }
    match a.kind() {
        Kind::AssumedRole => {
            let parts: Vec<&str> = a.resource.split('/').collect();
            if parts.len() < 3 {
                return None;
            }
            let role = parts[1..parts.len() - 1].join("/");
            Some(format!(
                "arn:{}:iam::{}:role/{role}",
                a.partition, a.account
            ))
        }
        Kind::Role | Kind::User | Kind::Root | Kind::FederatedUser => Some(caller.to_string()),
        Kind::Other => None,
    }
}

/// A role or user ARN without its IAM path (`role/a/b/Name` becomes
/// `role/Name`); any other ARN, or a string that is not one, unchanged.
pub fn strip_path(arn: &str) -> String {
    let Some(a) = Arn::parse(arn) else {
        return arn.to_string();
    };
    match a.kind() {
        Kind::Role | Kind::User => {
            let head = a.resource.split('/').next().unwrap_or("");
            let name = a.resource.rsplit('/').next().unwrap_or("");
            format!(
                "arn:{}:{}:{}:{}:{head}/{name}",
                a.partition, a.service, a.region, a.account
            )
        }
        _ => arn.to_string(),
    }
}

/// True when a role or user ARN carries an IAM path other than `/`.
pub fn has_path(arn: &str) -> bool {
    Arn::parse(arn)
        .and_then(|a| a.path())
        .is_some_and(|p| p != "/")
}

/// True when the ARN (IAM role or STS session) is an IAM Identity Center
/// permission-set role.
pub fn is_sso_role(arn: &str) -> bool {
    let Some(a) = Arn::parse(arn) else {
        return false;
    };
    matches!(a.kind(), Kind::Role | Kind::AssumedRole)
        && (a.name().is_some_and(|n| n.starts_with(SSO_ROLE_PREFIX))
            || a.path()
                .is_some_and(|p| p.starts_with(SSO_ROLE_PATH_PREFIX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalize_as_the_authenticator() {
        let cases = [
            (
                "assumed_role_becomes_iam_role",
                "arn:aws:sts::111122223333:assumed-role/Dev/alice",
                Some("arn:aws:iam::111122223333:role/Dev"),
            ),
            (
                "sso_session_becomes_role_without_path",
                "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/alice@example.com",
                Some("arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd"),
            ),
            (
                "china_partition",
                "arn:aws-cn:sts::111122223333:assumed-role/Dev/s",
                Some("arn:aws-cn:iam::111122223333:role/Dev"),
            ),
            (
                "govcloud_partition",
                "arn:aws-us-gov:sts::111122223333:assumed-role/Dev/s",
                Some("arn:aws-us-gov:iam::111122223333:role/Dev"),
            ),
            (
                "user_unchanged",
                "arn:aws:iam::111122223333:user/ops/bob",
                Some("arn:aws:iam::111122223333:user/ops/bob"),
            ),
            (
                "root_unchanged",
                "arn:aws:iam::111122223333:root",
                Some("arn:aws:iam::111122223333:root"),
            ),
            (
                "federated_user_unchanged",
                "arn:aws:sts::111122223333:federated-user/carol",
                Some("arn:aws:sts::111122223333:federated-user/carol"),
            ),
            (
                "assumed_role_without_session_refused",
                "arn:aws:sts::1:assumed-role/Dev",
                None,
            ),
            (
                "unknown_partition_refused",
                "arn:aws-mars:sts::1:assumed-role/Dev/s",
                None,
            ),
            ("not_an_arn", "Dev", None),
            ("other_resource_refused", "arn:aws:iam::1:group/devs", None),
        ];
        for (name, input, want) in cases {
            assert_eq!(canonicalize(input).as_deref(), want, "{name}");
        }
    }

    #[test]
    fn strip_path_keeps_only_the_name() {
        let cases = [
            (
                "sso_role",
                "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_X_abc",
                "arn:aws:iam::111122223333:role/AWSReservedSSO_X_abc",
            ),
            (
                "user_path",
                "arn:aws:iam::1:user/a/b/bob",
                "arn:aws:iam::1:user/bob",
            ),
            (
                "no_path",
                "arn:aws:iam::1:role/Dev",
                "arn:aws:iam::1:role/Dev",
            ),
            (
                "sts_unchanged",
                "arn:aws:sts::1:assumed-role/Dev/s",
                "arn:aws:sts::1:assumed-role/Dev/s",
            ),
            ("garbage_unchanged", "nope", "nope"),
        ];
        for (name, input, want) in cases {
            assert_eq!(strip_path(input), want, "{name}");
        }
    }

    #[test]
    fn kinds_paths_names_accounts_sessions() {
        let sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_X_abc";
        assert_eq!(kind(sso), Kind::Role);
        assert!(has_path(sso));
        assert!(is_sso_role(sso));
        assert_eq!(
            Arn::parse(sso).unwrap().path().unwrap(),
            "/aws-reserved/sso.amazonaws.com/us-east-2/"
        );
        assert_eq!(
            Arn::parse(sso).unwrap().name(),
            Some("AWSReservedSSO_X_abc")
        );
        assert_eq!(kind("arn:aws:iam::1:user/bob"), Kind::User);
        assert!(!has_path("arn:aws:iam::1:user/bob"));
        assert_eq!(kind("arn:aws:sts::1:assumed-role/R/s"), Kind::AssumedRole);
        assert_eq!(kind("arn:aws:iam::1:root"), Kind::Root);
        assert_eq!(kind("arn:aws:iam::1:role"), Kind::Other);
        assert_eq!(
            account_id("arn:aws:sts::111122223333:assumed-role/R/s").as_deref(),
            Some("111122223333")
        );
        assert_eq!(
            session_name("arn:aws:sts::1:assumed-role/R/alice").as_deref(),
            Some("alice")
        );
        assert_eq!(session_name("arn:aws:iam::1:role/R"), None);
        assert!(is_sso_role(
            "arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_1/alice"
        ));
        assert!(!is_sso_role("arn:aws:sts::1:assumed-role/Dev/alice"));
        let a = Arn::parse("arn:aws:iam::1:role/x/Dev").unwrap();
        assert_eq!(a.to_string(), "arn:aws:iam::1:role/x/Dev");
    }
}
