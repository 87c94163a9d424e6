//! Access entries: what the caller's entry grants, whether it still fits
//! the principal it was made for, and mappings an IAM Identity Center role
//! outgrew.
//!
//! Codes: access-entry-no-permissions (an entry with no policy and no
//! group), access-policy-scope (namespace-scoped policies exclude the
//! namespace asked about: an error unless the entry has groups RBAC may
//! bind), access-entry-shadows-aws-auth (an access entry and an aws-auth
//! mapping for the same caller, mode `API_AND_CONFIG_MAP`: the entry
//! decides), access-entry-stale-principal (the caller's role was created
//! after its entry: EKS tied the entry to the old role's unique ID),
//! sso-role-mapping-stale (aws-auth or an access entry names
//! `AWSReservedSSO_<set>_<suffix>` with another suffix than the caller's).

use super::identity::{Ctx, context};
use super::{
    Caller, accepted, caller, cluster_args, cluster_or_placeholder, region_or_placeholder, rfc3339,
    sh,
};
use crate::domain::access_policy;
use crate::domain::arn::sso_parts;
use crate::why::awsauth::{self, AwsAuth};
use crate::why::evidence::{AccessEntryInfo, EksCall, Evidence};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use serde_json::json;

/// The findings about access entries and stale SSO mappings.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let Some(c) = caller(e) else {
        return Vec::new();
    };
    let auth = e.aws_auth.data.as_ref().map(awsauth::parse);
    let entry = own_entry(e);
    let mut out = Vec::new();
    let stale = entry.and_then(|x| stale_principal(e, x));
    let is_stale = stale.is_some();
    out.extend(stale);
    if let (Some(x), Some(a), false) = (entry, &auth, is_stale) {
        out.extend(shadows(e, &c, x, a));
    }
    let in_aws_auth = mode(e) != Some("API")
        && auth
            .as_ref()
            .is_some_and(|a| a.lookup(&c.principal).is_some());
    if entry.is_none() && !in_aws_auth {
        out.extend(sso_stale(e, &c, auth.as_ref()));
    }
    out
}

fn mode(e: &Evidence) -> Option<&str> {
    match e.eks.as_ref().map(|x| &x.describe) {
        Some(EksCall::Ok(info)) => info.authentication_mode.as_deref(),
        _ => None,
    }
}

/// The caller's access entry, when the mode consults entries.
fn own_entry(e: &Evidence) -> Option<&AccessEntryInfo> {
    if mode(e).is_none_or(|m| m == "CONFIG_MAP") {
        return None;
    }
    match e.eks.as_ref().and_then(|x| x.access_entry.as_ref()) {
        Some(EksCall::Ok(Some(x))) => Some(x),
        _ => None,
    }
}

/// `--flag a b c` for a list, empty when the list is.
fn list_arg(flag: &str, items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let words: Vec<String> = items.iter().map(|i| sh(i)).collect();
    format!(" {flag} {}", words.join(" "))
}

/// The commands that create `x` again for `principal`, policies included.
fn recreate(e: &Evidence, x: &AccessEntryInfo, principal: &str) -> String {
    let c = sh(&cluster_or_placeholder(e));
    let r = sh(&region_or_placeholder(e));
    let p = sh(principal);
    let user = x
        .username
        .as_deref()
        .map(|u| format!(" --username {}", sh(u)))
        .unwrap_or_default();
    let mut out = format!(
        "aws eks create-access-entry --cluster-name {c} --region {r} --principal-arn {p} --type {}{user}{}",
        sh(x.entry_type.as_deref().unwrap_or("STANDARD")),
        list_arg("--kubernetes-groups", &x.kubernetes_groups)
    );
    for pol in &x.policies {
        let scope = match pol.scope_type.as_str() {
            "namespace" => format!("type=namespace,namespaces={}", pol.namespaces.join(",")),
            _ => "type=cluster".to_string(),
        };
        out.push_str(&format!(
            "\naws eks associate-access-policy --cluster-name {c} --region {r} --principal-arn {p} \
             --policy-arn {} --access-scope {}",
            sh(&pol.policy_arn),
            sh(&scope)
        ));
    }
    out
}

/// access-entry-stale-principal: the access entry predates its role (deleted and recreated).
pub static STALE_PRINCIPAL: Rule = Rule::new(
    "access-entry-stale-principal",
    Severity::Error,
    Area::Identity,
)
.rank(390);

/// access-entry-stale-principal: the role is younger than its entry.
fn stale_principal(e: &Evidence, x: &AccessEntryInfo) -> Option<Finding> {
    let created = x.created_at?;
    let role_created = match e.eks.as_ref()?.role_created.as_ref()? {
        EksCall::Ok(t) => *t,
        _ => return None,
    };
    if role_created <= created {
        return None;
    }
    let c = sh(&cluster_or_placeholder(e));
    let r = sh(&region_or_placeholder(e));
    let arn = &x.principal_arn;
    let severity = if accepted(e) {
        Severity::Warning
    } else {
        Severity::Error
    };
    let in_anyway = if accepted(e) {
        " The cluster let this token in all the same (through aws-auth): the entry's username, \
         groups and policies do not apply."
    } else {
        ""
    };
    Some(
        Finding::new(
            Code::AccessEntryStalePrincipal,
            format!("The access entry of {arn} was made for an earlier role of that name"),
        )
        .severity(severity)
        .detail(format!(
            "The entry was created at {}, the role at {} (IAM GetRole): the role was deleted and \
             created again with the same ARN. EKS ties an access entry to the role's unique ID, so \
             the entry no longer matches it.{in_anyway}",
            rfc3339(created),
            rfc3339(role_created)
        ))
        .remedy(format!(
            "Delete the entry and create it again (same username, groups and policies):\n\
             aws eks delete-access-entry --cluster-name {c} --region {r} --principal-arn {}\n{}",
            sh(arn),
            recreate(e, x, arn)
        ))
        .evidence(
            json!({"principal_arn": arn, "entry_created_at": rfc3339(created),
                         "role_created": rfc3339(role_created)}),
        ),
    )
}

/// access-entry-shadows-aws-auth: an access entry and an aws-auth mapping: the entry decides.
pub static SHADOWS_AWS_AUTH: Rule = Rule::new(
    "access-entry-shadows-aws-auth",
    Severity::Warning,
    Area::Identity,
);

/// access-entry-shadows-aws-auth: both map the caller; the entry wins.
fn shadows(e: &Evidence, c: &Caller, x: &AccessEntryInfo, auth: &AwsAuth) -> Option<Finding> {
    if mode(e) != Some("API_AND_CONFIG_MAP") {
        return None;
    }
    let m = auth.lookup(&c.principal)?;
    let groups = |g: &[String]| {
        if g.is_empty() {
            "none".to_string()
        } else {
            g.join(", ")
        }
    };
    Some(
        Finding::new(
            Code::AccessEntryShadowsAwsAuth,
            format!(
                "{} has an access entry, so its aws-auth mapping is ignored",
                c.principal
            ),
        )
        .detail(format!(
            "Mode API_AND_CONFIG_MAP: EKS looks at access entries first. The entry {} decides \
             (username {}, groups {}); aws-auth {} (username {}, groups {}) is never read for \
             this principal, so edits to it change nothing.",
            x.principal_arn,
            x.username.as_deref().unwrap_or("(EKS's default)"),
            groups(&x.kubernetes_groups),
            m.place(),
            m.username.as_deref().unwrap_or("(none)"),
            groups(&m.groups)
        ))
        .remedy(format!(
            "Give the access entry what the aws-auth mapping was meant to give:\n\
             aws eks update-access-entry {}{}{}\n\
             or, to let aws-auth decide, delete the entry:\n\
             aws eks delete-access-entry --cluster-name {} --region {} --principal-arn {}",
            entry_target(e, &x.principal_arn),
            list_arg("--kubernetes-groups", &m.groups),
            m.username
                .as_deref()
                .map(|u| format!(" --username {}", sh(u)))
                .unwrap_or_default(),
            sh(&cluster_or_placeholder(e)),
            sh(&region_or_placeholder(e)),
            sh(&x.principal_arn)
        ))
        .evidence(json!({"access_entry": x.principal_arn, "aws_auth": m.place()})),
    )
}

/// `--cluster-name C --region R --principal-arn P`.
fn entry_target(e: &Evidence, principal: &str) -> String {
    format!("{} --principal-arn {}", cluster_args(e), sh(principal))
}

/// Mappings of the caller's permission set with another suffix: where
/// (`aws-auth mapRoles[0]`, `access entry`) and the ARN.
fn stale_sso_mappings(e: &Evidence, c: &Caller, auth: Option<&AwsAuth>) -> Vec<(String, String)> {
    let Some((set, suffix)) = sso_parts(&c.arn) else {
        return Vec::new();
    };
    let account = |arn: &str| crate::domain::arn::account_id(arn).as_deref() == Some(&c.account);
    let stale = |arn: &str| {
        account(arn)
            && sso_parts(arn).is_some_and(|(s, x)| s == set && !x.eq_ignore_ascii_case(&suffix))
    };
    let mut out = Vec::new();
    if mode(e) != Some("API")
        && let Some(a) = auth
    {
        out.extend(
            a.entries
                .iter()
                .filter(|m| stale(&m.arn))
                .map(|m| (format!("aws-auth {}", m.place()), m.arn.clone())),
        );
    }
    if mode(e).is_some_and(|m| m != "CONFIG_MAP")
        && let Some(x) = e.eks.as_ref()
    {
        out.extend(
            x.entry_arns
                .iter()
                .filter(|a| stale(a))
                .map(|a| ("access entry".to_string(), a.clone())),
        );
    }
    out
}

/// sso-role-mapping-stale: an SSO role is mapped with another suffix than the caller's.
pub static SSO_ROLE_MAPPING_STALE: Rule =
    Rule::new("sso-role-mapping-stale", Severity::Error, Area::Identity).rank(400);

/// sso-role-mapping-stale: the caller's permission set is mapped under an
/// earlier role suffix only.
fn sso_stale(e: &Evidence, c: &Caller, auth: Option<&AwsAuth>) -> Option<Finding> {
    let found = stale_sso_mappings(e, c, auth);
    let (place, old) = found.first()?;
    let new = &c.principal;
    let fix = if place.starts_with("aws-auth") {
        let m = auth.and_then(|a| a.entries.iter().find(|m| &m.arn == old));
        let user = m
            .and_then(|m| m.username.as_deref())
            .map(|u| format!(" --username {}", sh(u)))
            .unwrap_or_default();
        let groups: String = m
            .map(|m| {
                m.groups
                    .iter()
                    .map(|g| format!(" --group {}", sh(g)))
                    .collect()
            })
            .unwrap_or_default();
        format!(
            "In aws-auth, replace {old} by {new}, keeping its username and groups:\n\
             eksctl create iamidentitymapping --cluster {} --region {} --arn {}{user}{groups}\n\
             eksctl delete iamidentitymapping --cluster {} --region {} --arn {}",
            sh(&cluster_or_placeholder(e)),
            sh(&region_or_placeholder(e)),
            sh(new),
            sh(&cluster_or_placeholder(e)),
            sh(&region_or_placeholder(e)),
            sh(old)
        )
    } else {
        format!(
            "Create an access entry for {new} like the old one (see its groups and policies with \
             aws eks describe-access-entry {} and aws eks list-associated-access-policies {}):\n\
             aws eks create-access-entry {}\n\
             aws eks associate-access-policy {} --policy-arn POLICY_ARN --access-scope type=cluster\n\
             then delete the stale one:\naws eks delete-access-entry {}",
            entry_target(e, old),
            entry_target(e, old),
            entry_target(e, new),
            entry_target(e, new),
            entry_target(e, old)
        )
    };
    let places: Vec<String> = found.iter().map(|(p, a)| format!("{p}: {a}")).collect();
    Some(
        Finding::new(
            Code::SsoRoleMappingStale,
            format!("The mapping names an earlier role of your permission set, not {new}"),
        )
        .detail(format!(
            "IAM Identity Center names a permission set's role AWSReservedSSO_<set>_<suffix>; the \
             suffix changes when the permission set is provisioned again. Mapped: {}. Your role \
             is {new} (from {}), which nothing maps.",
            places.join("; "),
            c.arn
        ))
        .remedy(fix)
        .evidence(json!({"caller_principal": new, "stale": places})),
    )
}

/// What the caller's own access entry grants, when it has one that counts:
/// nothing at all, or not the namespace asked about.
pub fn grants(e: &Evidence) -> Vec<Finding> {
    let ctx = context(e);
    match (&ctx.caller, ctx.entry) {
        (Some(_), Some(x)) => entry_findings(&ctx, x),
        _ => Vec::new(),
    }
}

pub(super) fn describe_entry(x: &AccessEntryInfo) -> String {
    let policies: Vec<String> = x
        .policies
        .iter()
        .map(|p| {
            let name = access_policy::name(&p.policy_arn).unwrap_or(&p.policy_arn);
            if p.scope_type == "namespace" {
                format!("{name} in {}", p.namespaces.join(","))
            } else {
                name.to_string()
            }
        })
        .collect();
    format!(
        "policies: {}; groups: {}",
        if policies.is_empty() {
            "none".into()
        } else {
            policies.join(", ")
        },
        if x.kubernetes_groups.is_empty() {
            "none".into()
        } else {
            x.kubernetes_groups.join(", ")
        }
    )
}

pub(super) fn access_entry_commands(
    e: &Evidence,
    principal: &str,
    groups: &[String],
    admin: bool,
) -> String {
    let args = format!(
        "--cluster-name {} --region {} --principal-arn {}",
        sh(&cluster_or_placeholder(e)),
        sh(&region_or_placeholder(e)),
        sh(principal)
    );
    let mut out = format!("aws eks create-access-entry {args}");
    if !groups.is_empty() {
        out.push_str(" --kubernetes-groups");
        for g in groups {
            out.push_str(&format!(" {}", sh(g)));
        }
    }
    if admin {
        let policy = access_policy::arn("aws", access_policy::CLUSTER_ADMIN);
        out.push_str(&format!(
            "\naws eks associate-access-policy {args} --policy-arn {policy} --access-scope type=cluster"
        ));
    }
    out
}

/// access-entry-no-permissions: an access entry with no policy and no group.
pub static NO_PERMISSIONS: Rule = Rule::new(
    "access-entry-no-permissions",
    Severity::Error,
    Area::Identity,
)
.rank(500);

fn entry_findings(ctx: &Ctx<'_>, x: &AccessEntryInfo) -> Vec<Finding> {
    let mut out = Vec::new();
    let args = format!(
        "--cluster-name {} --region {} --principal-arn {}",
        sh(&cluster_or_placeholder(ctx.e)),
        sh(&region_or_placeholder(ctx.e)),
        sh(&x.principal_arn)
    );
    if x.policies.is_empty() && x.kubernetes_groups.is_empty() {
        out.push(
            Finding::new(Code::AccessEntryNoPermissions, "Your access entry grants nothing")
                .detail(format!(
                    "The access entry for {} has no access policy and no Kubernetes group: the cluster \
                     accepts you and allows nothing.",
                    x.principal_arn
                ))
                .remedy(format!(
                    "Associate an access policy (AmazonEKSViewPolicy, AmazonEKSEditPolicy, AmazonEKSAdminPolicy \
                     or AmazonEKSClusterAdminPolicy):\naws eks associate-access-policy {args} --policy-arn \
                     arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy --access-scope type=cluster\n\
                     or give it groups that RoleBindings name:\naws eks update-access-entry {args} --kubernetes-groups GROUP"
                ))
                .evidence(json!({"principal_arn": x.principal_arn})),
        );
    }
    if let Some(ns) = super::authorization::asked_namespace(ctx.e)
        && !super::authorization::allowed(ctx.e)
        && super::authorization::group_covered(ctx.e)
    {
        out.extend(policy_scope(x, &ns, &args));
    }
    out
}

/// access-policy-scope: a namespace-scoped access policy excludes the namespace.
pub static ACCESS_POLICY_SCOPE: Rule =
    Rule::new("access-policy-scope", Severity::Error, Area::Identity).rank(520);

fn policy_scope(x: &AccessEntryInfo, ns: &str, args: &str) -> Option<Finding> {
    let covered = x
        .policies
        .iter()
        .any(|p| super::authorization::scope_covers(p, Some(ns)));
    if x.policies.is_empty() || covered {
        return None;
    }
    let p = &x.policies[0];
    let mut namespaces = p.namespaces.clone();
    namespaces.push(ns.to_string());
    Some(
        Finding::new(Code::AccessPolicyScope, format!("Your access policies do not cover namespace {ns}"))
            .severity(if x.kubernetes_groups.is_empty() { Severity::Error } else { Severity::Warning })
            .detail(format!(
                "The access entry's policies are scoped to namespaces {}{}.",
                x.policies.iter().flat_map(|p| p.namespaces.clone()).collect::<Vec<_>>().join(", "),
                if x.kubernetes_groups.is_empty() { "" } else { "; its groups may still be bound by RBAC" }
            ))
            .remedy(format!(
                "Widen the scope of the policy:\naws eks associate-access-policy {args} --policy-arn {} \
                 --access-scope type=namespace,namespaces={}",
                p.policy_arn,
                namespaces.join(",")
            ))
            .evidence(json!({"namespace": ns, "policies": x.policies.iter().map(|p| &p.policy_arn).collect::<Vec<_>>()})),
    )
}

#[cfg(test)]
mod tests {
    use crate::why::checks::fixtures::*;
    use crate::why::evidence::{AccessPolicy, EksCall, Review};
    use crate::why::finding::{Code, Severity};
    use time::macros::datetime;

    #[test]
    fn access_entry_no_permissions() {
        let mut e = healthy();
        if let Some(EksCall::Ok(Some(x))) = &mut e.eks.as_mut().unwrap().access_entry {
            x.policies.clear();
        }
        let f = expect(
            &e,
            Code::AccessEntryNoPermissions,
            Severity::Error,
            "access-entry-no-permissions",
        );
        assert!(
            f.remedy
                .contains("aws eks associate-access-policy --cluster-name demo --region us-west-2")
        );
    }

    #[test]
    fn access_policy_scope() {
        let mut e = healthy();
        e.request.verb = Some("list".into());
        e.request.resource = Some("pods".into());
        e.request.namespace = Some("prod".into());
        if let Some(EksCall::Ok(Some(x))) = &mut e.eks.as_mut().unwrap().access_entry {
            x.policies = vec![AccessPolicy {
                policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy".into(),
                scope_type: "namespace".into(),
                namespaces: vec!["dev".into(), "test-*".into()],
            }];
        }
        let f = expect(
            &e,
            Code::AccessPolicyScope,
            Severity::Error,
            "access-policy-scope",
        );
        assert!(
            f.remedy
                .contains("--access-scope type=namespace,namespaces=dev,test-*,prod"),
            "{}",
            f.remedy
        );
        e.request.namespace = Some("test-7".into());
        assert!(!has(&e, Code::AccessPolicyScope), "a trailing * covers it");
    }

    /// The Dev role recreated after its entry; the cluster says 401.
    fn recreated_role() -> crate::why::evidence::Evidence {
        let mut e = healthy();
        set_mode(&mut e, "API");
        e.eks.as_mut().unwrap().role_created =
            Some(EksCall::Ok(datetime!(2025-09-01 00:00:00 UTC)));
        e.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        e
    }

    #[test]
    fn access_entry_stale_principal() {
        let e = recreated_role();
        let f = expect(
            &e,
            Code::AccessEntryStalePrincipal,
            Severity::Error,
            "access-entry-stale-principal",
        );
        assert!(
            f.detail.contains("2025-06-01T00:00:00Z") && f.detail.contains("2025-09-01T00:00:00Z")
        );
        assert!(f.remedy.contains(&format!(
            "aws eks delete-access-entry --cluster-name demo --region us-west-2 --principal-arn {DEV_ROLE}"
        )));
        assert!(f.remedy.contains(&format!(
            "aws eks create-access-entry --cluster-name demo --region us-west-2 --principal-arn {DEV_ROLE} --type STANDARD"
        )));
        assert!(f.remedy.contains(
            "--policy-arn arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy --access-scope type=cluster"
        ));
    }

    #[test]
    fn an_entry_younger_than_its_role_is_fine() {
        let e = healthy(); // role 2025-01-01, entry 2025-06-01
        assert!(!has(&e, Code::AccessEntryStalePrincipal));
        let mut unknown = recreated_role();
        unknown.eks.as_mut().unwrap().role_created = Some(EksCall::Denied("no iam:GetRole".into()));
        assert!(
            !has(&unknown, Code::AccessEntryStalePrincipal),
            "GetRole denied: no claim"
        );
    }

    #[test]
    fn stale_entry_let_in_through_aws_auth_is_a_warning() {
        let mut e = recreated_role();
        set_mode(&mut e, "API_AND_CONFIG_MAP");
        e.server.as_mut().unwrap().review = Some(authenticated());
        expect(&e, Code::AccessEntryStalePrincipal, Severity::Warning, "ok");
    }

    fn both_mapped() -> crate::why::evidence::Evidence {
        let mut e = healthy();
        e.aws_auth.data = Some(aws_auth(&format!(
            "{NODES_ONLY}- rolearn: {DEV_ROLE}\n  username: dev\n  groups:\n    - dev-team\n"
        )));
        e
    }

    #[test]
    fn access_entry_shadows_aws_auth() {
        let e = both_mapped();
        let f = expect(&e, Code::AccessEntryShadowsAwsAuth, Severity::Warning, "ok");
        assert!(f.detail.contains("mapRoles"), "{}", f.detail);
        assert!(f.remedy.contains(&format!(
            "aws eks update-access-entry --cluster-name demo --region us-west-2 --principal-arn {DEV_ROLE} --kubernetes-groups dev-team --username dev"
        )), "{}", f.remedy);
    }

    #[test]
    fn no_shadow_in_other_modes_or_without_both() {
        let mut api = both_mapped();
        set_mode(&mut api, "API");
        assert!(
            !has(&api, Code::AccessEntryShadowsAwsAuth),
            "API ignores aws-auth"
        );
        assert!(
            !has(&healthy(), Code::AccessEntryShadowsAwsAuth),
            "entry only"
        );
        assert!(
            !has(&healthy_aws_auth(), Code::AccessEntryShadowsAwsAuth),
            "aws-auth only"
        );
    }

    const OLD_SSO: &str = "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_99990000aaaa";

    #[test]
    fn sso_role_mapping_stale_in_aws_auth() {
        let mut e = healthy_sso();
        e.aws_auth.data = Some(aws_auth(&format!(
            "{NODES_ONLY}- rolearn: {OLD_SSO}\n  username: sso-admin:{{{{SessionName}}}}\n  groups:\n    - system:masters\n"
        )));
        e.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        let f = expect(
            &e,
            Code::SsoRoleMappingStale,
            Severity::Error,
            "sso-role-mapping-stale",
        );
        assert!(f.remedy.contains(&format!(
            "eksctl create iamidentitymapping --cluster demo --region us-west-2 --arn {SSO_ROLE} --username 'sso-admin:{{{{SessionName}}}}' --group system:masters"
        )), "{}", f.remedy);
        assert!(f.remedy.contains(&format!("--arn {OLD_SSO}")));
    }

    #[test]
    fn sso_role_mapping_stale_in_an_access_entry() {
        let mut e = healthy_sso();
        set_mode(&mut e, "API");
        let x = e.eks.as_mut().unwrap();
        x.access_entry = Some(EksCall::Ok(None));
        e.aws_auth.data = Some(aws_auth(NODES_ONLY));
        let x = e.eks.as_mut().unwrap();
        x.entry_arns = vec![format!(
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_Admin_99990000aaaa"
        )];
        e.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        let f = expect(
            &e,
            Code::SsoRoleMappingStale,
            Severity::Error,
            "sso-role-mapping-stale",
        );
        assert!(f.remedy.contains(&format!(
            "aws eks create-access-entry --cluster-name demo --region us-west-2 --principal-arn {SSO_ROLE}"
        )), "{}", f.remedy);
    }

    #[test]
    fn the_right_suffix_or_another_set_is_not_stale() {
        assert!(
            !has(&healthy_sso(), Code::SsoRoleMappingStale),
            "mapped right"
        );
        let mut other = healthy_sso();
        other.aws_auth.data = Some(aws_auth(&format!(
            "{NODES_ONLY}- rolearn: arn:aws:iam::111122223333:role/AWSReservedSSO_ReadOnly_99990000aaaa\n  username: ro\n"
        )));
        assert!(
            !has(&other, Code::SsoRoleMappingStale),
            "another permission set"
        );
        let mut both = healthy_sso();
        both.aws_auth.data = Some(aws_auth(&format!(
            "{NODES_ONLY}- rolearn: {OLD_SSO}\n  username: old\n- rolearn: {SSO_ROLE}\n  username: new\n"
        )));
        assert!(
            !has(&both, Code::SsoRoleMappingStale),
            "the caller is mapped too"
        );
    }
}
