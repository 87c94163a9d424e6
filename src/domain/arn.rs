//! ARNs of IAM principals, as the EKS authenticator sees them.
//!
//! Parses `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, tells roles,
//! users and STS sessions apart, and canonicalizes a caller ARN the way
//! aws-iam-authenticator does before it looks for a mapping
//! (`arn:aws:sts::A:assumed-role/R/S` becomes `arn:aws:iam::A:role/R`). The
//! STS ARN carries no IAM path, so neither does the canonical one: that is
//! why a role mapped with its path never matches. Also the few other ARNs
//! the tool reads: EKS cluster ARNs (kubeconfig names) and the names IAM
//! gives OIDC providers. Pure string work.

use super::partition;

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

    /// The IAM role an assumed-role session belongs to,
    /// `arn:P:iam::A:role/NAME` (no path: STS does not know it); None for
    /// any other ARN or a session ARN without a session name.
    pub fn session_role(&self) -> Option<String> {
        if self.kind() != Kind::AssumedRole {
            return None;
        }
        let parts: Vec<&str> = self.resource.split('/').collect();
        if parts.len() < 3 {
            return None;
        }
        let role = parts[1..parts.len() - 1].join("/");
        Some(format!(
            "arn:{}:iam::{}:role/{role}",
            self.partition, self.account
        ))
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

/// The canonical principal ARN, as the authenticator computes it: an STS
/// assumed-role ARN becomes its IAM role ARN (no path: STS does not know
/// it); IAM users, roles, root and federated users are returned unchanged.
/// None when the authenticator would refuse the ARN.
pub fn canonicalize(caller: &str) -> Option<String> {
    let a = Arn::parse(caller)?;
    if !partition::is_known(&a.partition) {
        return None;
    }
    match a.kind() {
        Kind::AssumedRole => a.session_role(),
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

/// `(permission set, suffix)` of an `AWSReservedSSO_<set>_<suffix>` role ARN
/// (path or not), or of the role in an assumed-role ARN.
pub fn sso_parts(arn: &str) -> Option<(String, String)> {
    let principal = canonicalize(arn)?;
    let name = strip_path(&principal);
    let name = name.rsplit('/').next()?;
    let rest = name.strip_prefix(SSO_ROLE_PREFIX)?;
    let (set, suffix) = rest.rsplit_once('_')?;
    (!set.is_empty() && !suffix.is_empty()).then(|| (set.to_string(), suffix.to_string()))
}

/// The role's name: the last segment of `...:role/path/NAME`. Lenient on
/// purpose (any string with `:role/`): it names the role to look up or to
/// show in a command, whatever else the ARN gets wrong.
pub fn role_name(role_arn: &str) -> Option<&str> {
    let (_, rest) = role_arn.split_once(":role/")?;
    rest.rsplit('/').next().filter(|n| !n.is_empty())
}

/// An OIDC issuer without its scheme and trailing slash, as IAM names the
/// provider (`arn:P:iam::A:oidc-provider/HOST/PATH`).
pub fn issuer_host_path(issuer: &str) -> String {
    issuer
        .trim()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_string()
}

/// The region and name of an EKS cluster ARN,
/// `arn:P:eks:REGION:ACCOUNT:cluster/NAME` (as `aws eks update-kubeconfig`
/// names kubeconfig entries); None for anything else.
pub fn eks_cluster(arn: &str) -> Option<(String, String)> {
    let a = Arn::parse(arn)?;
    if a.service != "eks" {
        return None;
    }
    let name = a.resource.strip_prefix("cluster/")?;
    Some((a.region.clone(), name.to_string()))
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
            Arn::parse("arn:aws:sts::1:assumed-role/R/alice")
                .and_then(|a| a.session_name().map(str::to_string))
                .as_deref(),
            Some("alice")
        );
        assert_eq!(
            Arn::parse("arn:aws:iam::1:role/R").and_then(|a| a.session_name().map(str::to_string)),
            None
        );
        assert!(is_sso_role(
            "arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_1/alice"
        ));
        assert!(!is_sso_role("arn:aws:sts::1:assumed-role/Dev/alice"));
        let a = Arn::parse("arn:aws:iam::1:role/x/Dev").unwrap();
        assert_eq!(a.to_string(), "arn:aws:iam::1:role/x/Dev");
    }

    #[test]
    fn sso_parts_of_arns() {
        let want = Some(("Admin".to_string(), "0123abcd".to_string()));
        assert_eq!(
            sso_parts("arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd"),
            want
        );
        assert_eq!(
            sso_parts(
                "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_Admin_0123abcd"
            ),
            want
        );
        assert_eq!(
            sso_parts("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/a@b.c"),
            want
        );
        assert_eq!(sso_parts("arn:aws:iam::111122223333:role/Dev"), None);
        assert_eq!(
            sso_parts("arn:aws:iam::1:role/AWSReservedSSO_Data_Eng_ffff"),
            Some(("Data_Eng".into(), "ffff".into()))
        );
        assert_eq!(sso_parts("arn:aws:iam::1:role/AWSReservedSSO_Admin_"), None);
    }

    #[test]
    fn role_names_and_issuers() {
        assert_eq!(role_name("arn:aws:iam::1:role/a/b/App"), Some("App"));
        assert_eq!(role_name("arn:aws:iam::1:role/App"), Some("App"));
        assert_eq!(role_name("arn:aws:iam::1:user/App"), None);
        assert_eq!(
            issuer_host_path("https://oidc.eks.us-west-2.amazonaws.com/id/AB/"),
            "oidc.eks.us-west-2.amazonaws.com/id/AB"
        );
    }

    #[test]
    fn paths_are_stripped_for_matching() {
        assert_eq!(
            strip_path(
                "arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_X_1"
            ),
            "arn:aws:iam::1:role/AWSReservedSSO_X_1"
        );
        assert_eq!(
            strip_path("arn:aws:iam::1:user/team/alice"),
            "arn:aws:iam::1:user/alice"
        );
        assert_eq!(strip_path("arn:aws:iam::1:role/R"), "arn:aws:iam::1:role/R");
    }

    #[test]
    fn session_roles() {
        let role = |s: &str| Arn::parse(s).unwrap().session_role();
        assert_eq!(
            role("arn:aws:sts::1:assumed-role/Dev/alice").as_deref(),
            Some("arn:aws:iam::1:role/Dev")
        );
        assert_eq!(
            role("arn:aws-mars:sts::1:assumed-role/Dev/alice").as_deref(),
            Some("arn:aws-mars:iam::1:role/Dev"),
            "any partition: only canonicalize refuses unknown ones"
        );
        assert_eq!(role("arn:aws:sts::1:assumed-role/Dev"), None);
        assert_eq!(role("arn:aws:iam::1:role/Dev"), None);
    }

    #[test]
    fn eks_cluster_arns() {
        assert_eq!(
            eks_cluster("arn:aws:eks:us-west-2:111122223333:cluster/demo"),
            Some(("us-west-2".to_string(), "demo".to_string()))
        );
        assert_eq!(
            eks_cluster("arn:aws-cn:eks:cn-north-1:1:cluster/a/b"),
            Some(("cn-north-1".to_string(), "a/b".to_string()))
        );
        assert_eq!(
            eks_cluster("arn:aws:eks:us-west-2:1:nodegroup/demo/x"),
            None
        );
        assert_eq!(eks_cluster("arn:aws:iam::1:cluster/demo"), None);
        assert_eq!(eks_cluster("demo"), None);
        assert_eq!(eks_cluster("arn:aws:eks:us-west-2:1"), None);
    }
}
