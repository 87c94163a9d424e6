//! Identity and mapping: who the caller is, and whether the cluster maps
//! that principal to a Kubernetes user.
//!
//! Mapping follows EKS (field guide, section 2, step 8): an access entry
//! (modes API, API_AND_CONFIG_MAP) wins; else aws-auth (modes CONFIG_MAP,
//! API_AND_CONFIG_MAP), literal and case-insensitive, mapRoles, mapUsers,
//! then mapAccounts. `Ctx` is that view of the mapping; `aws_auth.rs`
//! judges the ConfigMap and `access_entries.rs` the caller's entry with it.
//! principal-not-mapped is said only when both sources were seen, and not
//! when an aws-auth problem already explains it. Codes: identity,
//! unauthorized, authenticated, principal-not-mapped,
//! auth-mode-api-ignores-configmap.

use super::access_entries::{access_entry_commands, describe_entry};
use super::aws_auth::{default_username, eksctl_line, entry_problem};
use super::{
    Caller, accepted, caller, cluster_or_placeholder, region_or_placeholder, rejected, sh,
};
use crate::domain::arn;
use crate::why::awsauth::{self, AwsAuth};
use crate::why::evidence::{AccessEntryInfo, EksCall, Evidence, Review};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use serde_json::json;

/// How the cluster maps the caller: what the identity, aws-auth and
/// access-entry checks share.
pub(super) struct Ctx<'a> {
    pub(super) e: &'a Evidence,
    pub(super) caller: Option<Caller>,
    pub(super) mode: Option<String>,
    pub(super) auth: Option<AwsAuth>,
    /// The caller's access entry, when it has one that counts.
    pub(super) entry: Option<&'a AccessEntryInfo>,
    /// The aws-auth entry that maps the caller, or mapAccounts does.
    pub(super) mapped_in_aws_auth: bool,
}

impl Ctx<'_> {
    pub(super) fn uses_entries(&self) -> bool {
        self.mode.as_deref() != Some("CONFIG_MAP")
    }
    pub(super) fn uses_config_map(&self) -> bool {
        self.mode.as_deref() != Some("API")
    }
    pub(super) fn mapped(&self) -> bool {
        self.entry.is_some() || (self.mapped_in_aws_auth && self.uses_config_map())
    }
    pub(super) fn principal(&self) -> Option<&str> {
        self.caller.as_ref().map(|c| c.principal.as_str())
    }
    pub(super) fn is_caller(&self, arn: &str) -> bool {
        self.principal()
            .is_some_and(|p| p.eq_ignore_ascii_case(arn))
    }
}

/// Who the caller is (the first finding of the area).
pub fn who(e: &Evidence) -> Vec<Finding> {
    let ctx = context(e);
    ctx.caller.iter().map(|c| identity(&ctx, c)).collect()
}

/// authenticated: who the cluster says you are.
pub static AUTHENTICATED: Rule = Rule::new("authenticated", Severity::Info, Area::Identity);

/// Whether the caller is mapped (when no access entry of its own decides),
/// then what the cluster said to the token.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let ctx = context(e);
    let mut out = Vec::new();
    if let Some(c) = &ctx.caller {
        out.extend(mapping(&ctx, c));
    }
    match e.server.as_ref().and_then(|s| s.review.as_ref()) {
        Some(Review::Unauthorized) => out.push(unauthorized(&ctx)),
        Some(Review::Authenticated {
            username, groups, ..
        }) => out.push(
            Finding::new(
                Code::Authenticated,
                format!("The cluster knows you as {username}"),
            )
            .detail(format!(
                "Groups: {}.",
                if groups.is_empty() {
                    "none".into()
                } else {
                    groups.join(", ")
                }
            ))
            .evidence(json!({"username": username, "groups": groups})),
        ),
        Some(Review::Forbidden(msg)) => out.push(
            Finding::new(Code::Authenticated, "The cluster accepted the token")
                .detail(format!(
                    "It refused the SelfSubjectReview that would say who you are: {msg}"
                ))
                .evidence(json!({"review": "forbidden"})),
        ),
        _ => {}
    }
    out
}

/// The mapping view of the evidence.
pub(super) fn context(e: &Evidence) -> Ctx<'_> {
    let caller = caller(e);
    let mode = e.eks.as_ref().and_then(|x| match &x.describe {
        EksCall::Ok(info) => info.authentication_mode.clone(),
        _ => None,
    });
    let auth = e.aws_auth.data.as_ref().map(awsauth::parse);
    let mut ctx = Ctx {
        e,
        caller,
        mode,
        auth,
        entry: None,
        mapped_in_aws_auth: false,
    };
    if let Some(Some(EksCall::Ok(Some(entry)))) = e.eks.as_ref().map(|x| &x.access_entry)
        && ctx.uses_entries()
    {
        ctx.entry = Some(entry);
    }
    if let (Some(c), Some(auth)) = (&ctx.caller, &ctx.auth) {
        ctx.mapped_in_aws_auth =
            auth.lookup(&c.principal).is_some() || auth.maps_account(&c.account);
    }
    ctx
}

/// identity: who the caller is, and the principal ARN to map.
pub static IDENTITY: Rule = Rule::new("identity", Severity::Info, Area::Identity);

fn identity(ctx: &Ctx<'_>, c: &Caller) -> Finding {
    let mut detail = format!(
        "Account {}, user id {}. A mapping must name the principal {}.",
        c.account, c.user_id, c.principal
    );
    if arn::is_sso_role(&c.arn) {
        detail.push_str(
            " This is an IAM Identity Center (SSO) role: its IAM ARN carries the path \
             /aws-reserved/sso.amazonaws.com/..., which must NOT appear in aws-auth.",
        );
    }
    let via = match (
        ctx.entry,
        ctx.auth.as_ref().and_then(|a| a.lookup(&c.principal)),
    ) {
        (Some(x), _) => format!(" Mapped by its access entry ({}).", describe_entry(x)),
        (None, Some(m)) if ctx.uses_config_map() => format!(
            " Mapped by aws-auth {} as {} (groups: {}).",
            m.place(),
            m.username.as_deref().unwrap_or("(no username)"),
            if m.groups.is_empty() {
                "none".into()
            } else {
                m.groups.join(", ")
            }
        ),
        _ if ctx.mapped() => format!(" Mapped by aws-auth mapAccounts (account {}).", c.account),
        _ => String::new(),
    };
    detail.push_str(&via);
    Finding::new(Code::Identity, format!("You are {}", c.arn))
        .detail(detail)
        .evidence(
            json!({"arn": c.arn, "principal_arn": c.principal, "account": c.account,
            "user_id": c.user_id, "sso": arn::is_sso_role(&c.arn)}),
        )
}

/// Whether the caller is mapped, and what to do when it is not.
fn mapping(ctx: &Ctx<'_>, c: &Caller) -> Vec<Finding> {
    if ctx.entry.is_some() {
        return Vec::new(); // access_entries::grants judges what the entry gives
    }
    if ctx.mapped_in_aws_auth {
        if ctx.mode.as_deref() == Some("API") {
            return vec![api_ignores_configmap(ctx, c)];
        }
        return Vec::new();
    }
    if accepted(ctx.e) {
        return Vec::new(); // mapped some way we cannot see (the cluster creator, say)
    }
    let entries_known = !ctx.uses_entries()
        || matches!(
            ctx.e.eks.as_ref().and_then(|x| x.access_entry.as_ref()),
            Some(EksCall::Ok(None))
        );
    let config_map_known = !ctx.uses_config_map() || ctx.auth.is_some() || ctx.e.aws_auth.absent;
    if !(entries_known && config_map_known) {
        return Vec::new(); // `unauthorized` says what could not be checked
    }
    let explained = ctx.auth.as_ref().is_some_and(|auth| {
        auth.entries
            .iter()
            .any(|m| entry_problem(ctx, m).is_some_and(|f| f.severity == Severity::Error))
    });
    if explained {
        return Vec::new();
    }
    vec![not_mapped(ctx, c)]
}

/// principal-not-mapped: no access entry and no aws-auth mapping.
pub static PRINCIPAL_NOT_MAPPED: Rule =
    Rule::new("principal-not-mapped", Severity::Error, Area::Identity).rank(470);

fn not_mapped(ctx: &Ctx<'_>, c: &Caller) -> Finding {
    let p = &c.principal;
    let mut ways = Vec::new();
    if ctx.uses_entries() {
        ways.push(format!(
            "With an access entry (run as an administrator of the cluster):\n{}",
            access_entry_commands(ctx.e, p, &[], true)
        ));
    }
    if ctx.uses_config_map() {
        ways.push(format!(
            "With aws-auth (cluster-admin here; pick a narrower group if you want less):\n{}",
            eksctl_line(
                ctx.e,
                p,
                &default_username(p),
                &["system:masters".to_string()]
            )
        ));
    }
    if ctx.mode.as_deref() == Some("CONFIG_MAP") {
        ways.push(format!(
            "To use access entries, switch the cluster's mode first:\naws eks update-cluster-config --name {} --region {} \
             --access-config authenticationMode=API_AND_CONFIG_MAP",
            sh(&cluster_or_placeholder(ctx.e)),
            sh(&region_or_placeholder(ctx.e))
        ));
    }
    let seen = match ctx.mode.as_deref() {
        Some("API") => "no access entry (mode API: aws-auth is ignored)".to_string(),
        Some("CONFIG_MAP") => {
            "no aws-auth mapping (mode CONFIG_MAP: no access entries)".to_string()
        }
        _ => "no access entry and no aws-auth mapping".to_string(),
    };
    Finding::new(
        Code::PrincipalNotMapped,
        format!("{p} is not mapped to any Kubernetes user"),
    )
    .detail(format!(
        "The cluster has {seen} for it, so it answers 401 with no reason. If nobody can administer \
             the cluster, CloudTrail's CreateCluster event (last 90 days) names its creator."
    ))
    .remedy(ways.join("\n"))
    .evidence(json!({"principal_arn": p, "authentication_mode": ctx.mode}))
}

/// auth-mode-api-ignores-configmap: mapped only in aws-auth, but the authentication mode is API.
pub static AUTH_MODE_API_IGNORES_CONFIGMAP: Rule = Rule::new(
    "auth-mode-api-ignores-configmap",
    Severity::Error,
    Area::Identity,
)
.rank(380);

fn api_ignores_configmap(ctx: &Ctx<'_>, c: &Caller) -> Finding {
    let m = ctx.auth.as_ref().and_then(|a| a.lookup(&c.principal));
    let groups: Vec<String> = m.map(|m| m.groups.clone()).unwrap_or_default();
    let admin = groups.iter().any(|g| g == "system:masters");
    let plain: Vec<String> = groups
        .into_iter()
        .filter(|g| !g.starts_with("system:"))
        .collect();
    let place = m.map(|m| m.place()).unwrap_or_else(|| "mapAccounts".into());
    Finding::new(Code::AuthModeApiIgnoresConfigmap, format!("{} is mapped only in aws-auth, which mode API ignores", c.principal))
        .severity(if accepted(ctx.e) { Severity::Warning } else { Severity::Error })
        .detail(format!(
            "aws-auth {place} maps it, but the cluster's authentication mode is API: only access entries \
             count, and the mode cannot go back from API."
        ))
        .remedy(format!(
            "Create an access entry for it (access entries take no system: groups{}):\n{}",
            if admin { "; system:masters becomes the cluster-admin policy" } else { "" },
            access_entry_commands(ctx.e, &c.principal, &plain, admin || plain.is_empty())
        ))
        .evidence(json!({"principal_arn": c.principal, "aws_auth": place, "authentication_mode": "API"}))
}

/// unauthorized: the API server answered 401 to the token.
pub static UNAUTHORIZED: Rule = Rule::new("unauthorized", Severity::Error, Area::Identity)
    .rank(480)
    .symptom();

fn unauthorized(ctx: &Ctx<'_>) -> Finding {
    let e = ctx.e;
    let mut unknown = Vec::new();
    if ctx.caller.is_none() {
        unknown.push("who signed the token (STS did not say)");
    }
    if ctx.uses_entries()
        && !matches!(
            e.eks.as_ref().and_then(|x| x.access_entry.as_ref()),
            Some(EksCall::Ok(_))
        )
    {
        unknown.push("the access entries");
    }
    if ctx.uses_config_map() && ctx.auth.is_none() && !e.aws_auth.absent {
        unknown.push("aws-auth");
    }
    let mut detail =
        "The authenticator never says why; the other findings name the cause when one was found."
            .to_string();
    if !unknown.is_empty() {
        detail.push_str(&format!(" Not checked: {}.", unknown.join(", ")));
    }
    let c = sh(&cluster_or_placeholder(e));
    let r = sh(&region_or_placeholder(e));
    Finding::new(
        Code::Unauthorized,
        "The API server answered 401 Unauthorized to the token",
    )
    .detail(detail)
    .remedy(format!(
        "See how the cluster maps principals, with administrator credentials:\n\
             aws eks list-access-entries --cluster-name {c} --region {r}\n\
             kubectl get configmap aws-auth -n kube-system -o yaml"
    ))
    .evidence(json!({"not_checked": unknown, "rejected": rejected(e)}))
}

#[cfg(test)]
mod tests {
    use crate::why::checks::fixtures::*;
    use crate::why::evidence::{EksCall, Review};
    use crate::why::finding::{Code, Severity};

    #[test]
    fn identity_says_who_and_what_to_map() {
        let e = healthy_sso();
        let f = expect(&e, Code::Identity, Severity::Info, "ok");
        assert!(f.detail.contains(&format!("principal {SSO_ROLE}")));
        assert!(f.detail.contains("must NOT appear in aws-auth"));
    }

    #[test]
    fn authenticated_names_user_and_groups() {
        let f = expect(&healthy(), Code::Authenticated, Severity::Info, "ok");
        assert!(f.title.contains("alice"));
        assert!(f.detail.contains("system:authenticated"));
    }

    #[test]
    fn unauthorized_when_nothing_else_is_known() {
        let mut e = rejected_config_map();
        e.aws_auth = unreadable_aws_auth();
        let f = expect(&e, Code::Unauthorized, Severity::Error, "unauthorized");
        assert!(f.detail.contains("Not checked: aws-auth"), "{}", f.detail);
        expect(&e, Code::AwsAuthUnreadable, Severity::Info, "unauthorized");
    }

    #[test]
    fn principal_not_mapped() {
        let mut e = rejected_config_map();
        e.aws_auth.data = Some(aws_auth(NODES_ONLY));
        let f = expect(
            &e,
            Code::PrincipalNotMapped,
            Severity::Error,
            "principal-not-mapped",
        );
        assert!(f.remedy.contains("eksctl create iamidentitymapping --cluster demo --region us-west-2 --arn arn:aws:iam::111122223333:role/Dev"), "{}", f.remedy);
        assert!(f.remedy.contains("authenticationMode=API_AND_CONFIG_MAP"));
        assert!(
            !f.remedy.contains("create-access-entry"),
            "mode CONFIG_MAP has no access entries yet"
        );
    }

    #[test]
    fn principal_not_mapped_offers_both_ways_in_mixed_mode() {
        let mut e = healthy();
        e.eks.as_mut().unwrap().access_entry = Some(EksCall::Ok(None));
        e.aws_auth.data = Some(aws_auth(NODES_ONLY));
        e.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        let f = expect(
            &e,
            Code::PrincipalNotMapped,
            Severity::Error,
            "principal-not-mapped",
        );
        assert!(f.remedy.contains("aws eks create-access-entry --cluster-name demo --region us-west-2 --principal-arn arn:aws:iam::111122223333:role/Dev"));
        assert!(f.remedy.contains("--policy-arn arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy --access-scope type=cluster"));
        assert!(f.remedy.contains("eksctl create iamidentitymapping"));
    }

    #[test]
    fn not_mapped_is_not_claimed_without_seeing_aws_auth() {
        let mut e = rejected_config_map();
        e.aws_auth = unreadable_aws_auth();
        assert!(!has(&e, Code::PrincipalNotMapped));
    }

    #[test]
    fn not_mapped_is_not_claimed_when_the_cluster_accepts_the_caller() {
        let mut e = healthy_aws_auth();
        e.aws_auth.data = Some(aws_auth(NODES_ONLY)); // the cluster creator, say
        assert!(!has(&e, Code::PrincipalNotMapped));
        assert_eq!(verdict(&e), "ok");
    }

    #[test]
    fn auth_mode_api_ignores_configmap() {
        let mut e = healthy();
        set_mode(&mut e, "API");
        e.eks.as_mut().unwrap().access_entry = Some(EksCall::Ok(None));
        e.aws_auth.data = Some(aws_auth(&format!(
            "{NODES_ONLY}- rolearn: {DEV_ROLE}\n  username: dev\n  groups:\n    - system:masters\n    - devs\n"
        )));
        e.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        let f = expect(
            &e,
            Code::AuthModeApiIgnoresConfigmap,
            Severity::Error,
            "auth-mode-api-ignores-configmap",
        );
        assert!(f.remedy.contains(&format!("aws eks create-access-entry --cluster-name demo --region us-west-2 --principal-arn {DEV_ROLE} --kubernetes-groups devs")), "{}", f.remedy);
        assert!(
            f.remedy
                .contains("AmazonEKSClusterAdminPolicy --access-scope type=cluster")
        );
        assert!(!has(&e, Code::PrincipalNotMapped));
    }

    #[test]
    fn healthy_cases_are_ok() {
        for (name, e) in [
            ("access entry", healthy()),
            ("aws-auth", healthy_aws_auth()),
            ("sso without path", healthy_sso()),
        ] {
            let findings = crate::why::checks::run_all(&e);
            let bad: Vec<_> = findings
                .iter()
                .filter(|f| f.severity >= Severity::Warning)
                .map(|f| f.code.name())
                .collect();
            assert!(bad.is_empty(), "{name}: {bad:?}");
            assert_eq!(verdict(&e), "ok", "{name}");
        }
    }
}
