//! Identity and mapping: who the caller is, and whether the cluster maps
//! that principal to a Kubernetes user.
//!
//! Mapping follows EKS (field guide, section 2, step 8): an access entry
//! (modes API, API_AND_CONFIG_MAP) wins; else aws-auth (modes CONFIG_MAP,
//! API_AND_CONFIG_MAP), literal and case-insensitive, mapRoles, mapUsers,
//! then mapAccounts. aws-auth problems (a role with its path, an STS ARN,
//! a wildcard, the wrong section, a parse error) are errors when they are
//! why *this* caller is not mapped and the cluster refused it; otherwise
//! warnings, for the others they lock out. principal-not-mapped is said
//! only when both sources were seen. Codes: identity, unauthorized,
//! authenticated, principal-not-mapped, auth-mode-api-ignores-configmap,
//! access-entry-no-permissions, access-policy-scope, aws-auth-*.

use super::{
    Caller, accepted, caller, cluster_or_placeholder, region_or_placeholder, rejected, sh,
};
use crate::why::arn::{self, Kind};
use crate::why::awsauth::{self, AwsAuth, Entry, Section};
use crate::why::evidence::{AccessEntryInfo, EksCall, Evidence, Review};
use crate::why::finding::{Code, Finding, Severity};
use serde_json::json;

/// The access policy that makes a principal cluster-admin.
const CLUSTER_ADMIN_POLICY: &str =
    "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/// What the checks below share.
struct Ctx<'a> {
    e: &'a Evidence,
    caller: Option<Caller>,
    mode: Option<String>,
    auth: Option<AwsAuth>,
    /// The caller's access entry, when it has one that counts.
    entry: Option<&'a AccessEntryInfo>,
    /// The aws-auth entry that maps the caller, or mapAccounts does.
    mapped_in_aws_auth: bool,
}

impl Ctx<'_> {
    fn uses_entries(&self) -> bool {
        self.mode.as_deref() != Some("CONFIG_MAP")
    }
    fn uses_config_map(&self) -> bool {
        self.mode.as_deref() != Some("API")
    }
    fn mapped(&self) -> bool {
        self.entry.is_some() || (self.mapped_in_aws_auth && self.uses_config_map())
    }
    /// aws-auth problems about the caller are the cause: it is known, not
    /// mapped, refused (or not yet asked) and aws-auth counts.
    fn caller_locked_out(&self) -> bool {
        self.caller.is_some() && !self.mapped() && !accepted(self.e) && self.uses_config_map()
    }
    fn severity(&self, concerns_caller: bool) -> Severity {
        if concerns_caller && self.caller_locked_out() {
            Severity::Error
        } else {
            Severity::Warning
        }
    }
    fn principal(&self) -> Option<&str> {
        self.caller.as_ref().map(|c| c.principal.as_str())
    }
    fn is_caller(&self, arn: &str) -> bool {
        self.principal()
            .is_some_and(|p| p.eq_ignore_ascii_case(arn))
    }
}

/// The identity and mapping findings.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let ctx = context(e);
    let mut out = Vec::new();
    if let Some(c) = &ctx.caller {
        out.push(identity(&ctx, c));
    }
    if let Some(why) = &e.aws_auth.unreadable
        && ctx.uses_config_map()
    {
        out.push(unreadable(e, why));
    }
    if let Some(auth) = &ctx.auth
        && ctx.uses_config_map()
    {
        out.extend(aws_auth_findings(&ctx, auth));
    }
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

fn context(e: &Evidence) -> Ctx<'_> {
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

fn describe_entry(x: &AccessEntryInfo) -> String {
    let policies: Vec<String> = x
        .policies
        .iter()
        .map(|p| {
            let name = p.policy_arn.rsplit('/').next().unwrap_or(&p.policy_arn);
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

fn unreadable(e: &Evidence, why: &str) -> Finding {
    Finding::new(
        Code::AwsAuthUnreadable,
        "The aws-auth ConfigMap could not be read",
    )
    .detail(format!(
        "{}. The aws-auth mapping is not checked.",
        why.trim_end_matches('.')
    ))
    .remedy(
        "Name a context that can read kube-system:\nkubectl eksauth why --admin-context NAME\n\
             or export the ConfigMap with such a context and pass the file:\n\
             kubectl get configmap aws-auth -n kube-system -o yaml > aws-auth.yaml\n\
             kubectl eksauth why --aws-auth-file aws-auth.yaml",
    )
    .evidence(json!({"reason": why, "source": e.aws_auth.source}))
}

/// Problems of the ConfigMap itself, whoever they lock out.
fn aws_auth_findings(ctx: &Ctx<'_>, auth: &AwsAuth) -> Vec<Finding> {
    let mut out = Vec::new();
    for err in &auth.errors {
        let place = err
            .index
            .map_or(err.key.clone(), |i| format!("{}[{i}]", err.key));
        out.push(
            Finding::new(Code::AwsAuthInvalid, format!("aws-auth {place} does not parse"))
                .severity(ctx.severity(true))
                .detail(format!(
                    "{}. The authenticator skips what it cannot read; a formatting error can lock out \
                     everyone mapped there.",
                    err.message
                ))
                .remedy(format!(
                    "Fix the YAML (spaces, not tabs; a list of mappings with rolearn/userarn, username, groups):\n\
                     kubectl edit configmap aws-auth -n kube-system\n\
                     then check what eksctl reads:\neksctl get iamidentitymapping --cluster {} --region {}",
                    sh(&cluster_or_placeholder(ctx.e)),
                    sh(&region_or_placeholder(ctx.e))
                ))
                .evidence(json!({"key": err.key, "index": err.index, "error": err.message})),
        );
    }
    for m in &auth.entries {
        out.extend(entry_problem(ctx, m));
    }
    out.extend(duplicates(auth));
    out
}

/// What is wrong with one entry, if anything.
fn entry_problem(ctx: &Ctx<'_>, m: &Entry) -> Option<Finding> {
    let p = diagnose(ctx, m)?;
    let severity = p.severity.unwrap_or_else(|| ctx.severity(p.concerns));
    Some(
        Finding::new(p.code, format!("aws-auth {} {}", m.place(), p.what))
            .severity(severity)
            .detail(p.detail)
            .remedy(corrected_entry(ctx, m, &p.fixed))
            .evidence(
                json!({"section": m.section.key(), "index": m.index, "arn": m.arn,
                "corrected_arn": p.fixed, "concerns_caller": p.concerns}),
            ),
    )
}

/// One entry's problem, before it becomes a finding.
struct Problem {
    code: Code,
    /// Completes "aws-auth mapRoles[1] ...".
    what: &'static str,
    detail: String,
    /// The ARN the entry should name.
    fixed: String,
    /// True when the entry was meant for the caller.
    concerns: bool,
    /// A fixed severity, else [`Ctx::severity`].
    severity: Option<Severity>,
}

fn diagnose(ctx: &Ctx<'_>, m: &Entry) -> Option<Problem> {
    let kind = arn::kind(&m.arn);
    let problem = |code, what, detail, fixed: String, concerns| {
        Some(Problem {
            code,
            what,
            detail,
            fixed,
            concerns,
            severity: None,
        })
    };
    if m.arn.contains('*') {
        let concerns = ctx.principal().is_some_and(|p| glob(&m.arn, p));
        let fixed = ctx
            .principal()
            .filter(|_| concerns)
            .unwrap_or("arn:aws:iam::ACCOUNT:role/NAME");
        let detail = format!(
            "{} is compared literally with the caller's ARN; `*` is not a pattern.",
            m.arn
        );
        return problem(
            Code::AwsAuthWildcard,
            "has a wildcard, which never matches",
            detail,
            fixed.into(),
            concerns,
        );
    }
    if kind == Kind::Role && arn::has_path(&m.arn) {
        let fixed = arn::strip_path(&m.arn);
        let path = arn::Arn::parse(&m.arn)
            .and_then(|a| a.path())
            .unwrap_or_default();
        let detail = format!(
            "{} carries the path {path}; the ARN the cluster compares comes from STS, which has no \
             path: {fixed}.",
            m.arn
        );
        let concerns = ctx.is_caller(&fixed);
        return problem(
            Code::AwsAuthRoleHasPath,
            "maps a role with its IAM path, which never matches",
            detail,
            fixed,
            concerns,
        );
    }
    if kind == Kind::AssumedRole {
        let fixed = arn::canonicalize(&m.arn).unwrap_or_else(|| m.arn.clone());
        let detail = format!(
            "{} is a session; the cluster compares the role's IAM ARN, {fixed}.",
            m.arn
        );
        let concerns = ctx.is_caller(&fixed);
        return problem(
            Code::AwsAuthAssumedRoleArn,
            "maps an STS assumed-role ARN, which never matches",
            detail,
            fixed,
            concerns,
        );
    }
    wrong_section(ctx, m, kind)
}

/// A role under mapUsers or a user under mapRoles, by key or by ARN.
fn wrong_section(ctx: &Ctx<'_>, m: &Entry, kind: Kind) -> Option<Problem> {
    let wrong_key = !m.key_fits_section();
    let wrong_kind = matches!(
        (m.section, kind),
        (Section::MapRoles, Kind::User) | (Section::MapUsers, Kind::Role)
    );
    if !(wrong_key || wrong_kind) {
        return None;
    }
    let effect = if wrong_key {
        format!(
            "the authenticator drops it ({} must be supplied)",
            m.section.arn_key()
        )
    } else {
        "it still matches, but belongs in the other section".to_string()
    };
    Some(Problem {
        code: Code::AwsAuthWrongSection,
        what: "is in the wrong section",
        detail: format!(
            "{} under {} with key {}: {effect}.",
            m.arn,
            m.section.key(),
            m.arn_key
        ),
        fixed: m.arn.clone(),
        concerns: wrong_key && ctx.is_caller(&m.arn),
        severity: (!wrong_key).then_some(Severity::Warning),
    })
}

fn duplicates(auth: &AwsAuth) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for m in auth.entries.iter().filter(|m| m.key_fits_section()) {
        let key = m.arn.to_ascii_lowercase();
        if seen.contains(&key) {
            continue;
        }
        let same: Vec<&Entry> = auth
            .entries
            .iter()
            .filter(|o| o.key_fits_section() && o.arn.eq_ignore_ascii_case(&m.arn))
            .collect();
        seen.push(key);
        if same.len() < 2 {
            continue;
        }
        let places: Vec<String> = same.iter().map(|o| o.place()).collect();
        out.push(
            Finding::new(
                Code::AwsAuthDuplicate,
                format!("aws-auth maps {} {} times", m.arn, same.len()),
            )
            .severity(Severity::Warning)
            .detail(format!(
                "At {}; within a section the last one wins, so the others are ignored.",
                places.join(", ")
            ))
            .remedy(
                "Keep one entry for it:\nkubectl edit configmap aws-auth -n kube-system\n\
                     (eksctl create iamidentitymapping --no-duplicate-arns refuses duplicates)",
            )
            .evidence(json!({"arn": m.arn, "places": places})),
        );
    }
    out
}

/// The YAML entry and the eksctl line that map `arn` with `m`'s username
/// and groups.
fn corrected_entry(ctx: &Ctx<'_>, m: &Entry, arn: &str) -> String {
    let section = if arn::kind(arn) == Kind::User {
        Section::MapUsers
    } else {
        Section::MapRoles
    };
    let username = m.username.clone().unwrap_or_else(|| default_username(arn));
    let mut yaml = format!("- {}: {arn}\n  username: {username}", section.arn_key());
    if !m.groups.is_empty() {
        yaml.push_str("\n  groups:");
        for g in &m.groups {
            yaml.push_str(&format!("\n    - {g}"));
        }
    }
    format!(
        "In kube-system/aws-auth ({}), replace {} with:\n{yaml}\nor let eksctl write it (then delete the old entry):\n{}",
        section.key(),
        m.place(),
        eksctl_line(ctx.e, arn, &username, &m.groups)
    )
}

fn eksctl_line(e: &Evidence, arn: &str, username: &str, groups: &[String]) -> String {
    let mut line = format!(
        "eksctl create iamidentitymapping --cluster {} --region {} --arn {} --username {}",
        sh(&cluster_or_placeholder(e)),
        sh(&region_or_placeholder(e)),
        sh(arn),
        sh(username)
    );
    for g in groups {
        line.push_str(&format!(" --group {}", sh(g)));
    }
    line.push_str(" --no-duplicate-arns");
    line
}

/// A username for a new mapping: `NAME:{{SessionName}}` for a role, the
/// user name for a user.
fn default_username(arn: &str) -> String {
    let parsed = arn::Arn::parse(arn);
    match parsed.as_ref().map(|a| (a.kind(), a.name())) {
        Some((Kind::Role, Some(name))) => format!("{name}:{{{{SessionName}}}}"),
        Some((_, Some(name))) => name.to_string(),
        _ => "USERNAME".into(),
    }
}

/// `*` matches any run of characters; case-insensitive.
fn glob(pattern: &str, s: &str) -> bool {
    let (p, s) = (pattern.to_ascii_lowercase(), s.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first)
        || !s[first.len()..].ends_with(last)
        || s.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Whether the caller is mapped, and what to do when it is not.
fn mapping(ctx: &Ctx<'_>, c: &Caller) -> Vec<Finding> {
    if let Some(entry) = ctx.entry {
        return entry_findings(ctx, entry);
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

fn access_entry_commands(e: &Evidence, principal: &str, groups: &[String], admin: bool) -> String {
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
        out.push_str(&format!(
            "\naws eks associate-access-policy {args} --policy-arn {CLUSTER_ADMIN_POLICY} --access-scope type=cluster"
        ));
    }
    out
}

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
    use super::glob;
    use crate::why::checks::fixtures::*;
    use crate::why::evidence::{AccessPolicy, EksCall, Evidence, Review};
    use crate::why::finding::{Code, Severity};

    #[test]
    fn wildcards_glob() {
        assert!(glob("arn:aws:iam::1:role/*", "arn:aws:iam::1:role/Dev"));
        assert!(glob(
            "arn:aws:iam::1:role/Dev*",
            "arn:aws:iam::1:role/DEV-admin"
        ));
        assert!(glob("*:role/*Admin*", "arn:aws:iam::1:role/SuperAdminRole"));
        assert!(!glob("arn:aws:iam::2:role/*", "arn:aws:iam::1:role/Dev"));
    }

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
    fn aws_auth_unreadable_says_how_to_provide_it() {
        let mut e = healthy();
        e.aws_auth = unreadable_aws_auth();
        let f = expect(&e, Code::AwsAuthUnreadable, Severity::Info, "ok");
        assert!(f.remedy.contains("--admin-context NAME"));
        assert!(
            f.remedy
                .contains("kubectl get configmap aws-auth -n kube-system -o yaml > aws-auth.yaml")
        );
        assert!(f.remedy.contains("--aws-auth-file aws-auth.yaml"));
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

    fn with_roles(extra: &str) -> Evidence {
        let mut e = rejected_config_map();
        e.aws_auth.data = Some(aws_auth(&format!("{NODES_ONLY}{extra}")));
        e
    }

    #[test]
    fn aws_auth_role_has_path() {
        let mut e = with_roles(&format!(
            "- rolearn: {SSO_ROLE_WITH_PATH}\n  username: sso-admin:{{{{SessionName}}}}\n  groups:\n    - system:masters\n"
        ));
        sso_caller(&mut e);
        let f = expect(
            &e,
            Code::AwsAuthRoleHasPath,
            Severity::Error,
            "aws-auth-role-has-path",
        );
        assert!(f.remedy.contains(&format!("- rolearn: {SSO_ROLE}\n  username: sso-admin:{{{{SessionName}}}}\n  groups:\n    - system:masters")), "{}", f.remedy);
        assert!(f.remedy.contains(&format!(
            "eksctl create iamidentitymapping --cluster demo --region us-west-2 --arn {SSO_ROLE} --username 'sso-admin:{{{{SessionName}}}}' --group system:masters --no-duplicate-arns"
        )), "{}", f.remedy);
        assert!(!has(&e, Code::PrincipalNotMapped), "the path explains it");
    }

    #[test]
    fn aws_auth_role_has_path_of_someone_else_is_a_warning() {
        let e = with_roles(&format!("- rolearn: {SSO_ROLE_WITH_PATH}\n  username: x\n"));
        expect(
            &e,
            Code::AwsAuthRoleHasPath,
            Severity::Warning,
            "principal-not-mapped",
        );
    }

    #[test]
    fn aws_auth_assumed_role_arn() {
        let e = with_roles(
            "- rolearn: arn:aws:sts::111122223333:assumed-role/Dev/alice\n  username: dev\n",
        );
        let f = expect(
            &e,
            Code::AwsAuthAssumedRoleArn,
            Severity::Error,
            "aws-auth-assumed-role-arn",
        );
        assert!(f.remedy.contains(&format!("- rolearn: {DEV_ROLE}")));
    }

    #[test]
    fn aws_auth_wildcard() {
        let e = with_roles("- rolearn: arn:aws:iam::111122223333:role/*\n  username: any\n");
        expect(
            &e,
            Code::AwsAuthWildcard,
            Severity::Error,
            "aws-auth-wildcard",
        );
    }

    #[test]
    fn aws_auth_duplicate() {
        let mut e = healthy_aws_auth();
        e.aws_auth.data = Some(aws_auth(&format!(
            "- rolearn: {DEV_ROLE}\n  username: a\n- rolearn: {DEV_ROLE}\n  username: b\n"
        )));
        let f = expect(&e, Code::AwsAuthDuplicate, Severity::Warning, "ok");
        assert!(f.detail.contains("mapRoles[0], mapRoles[1]"));
    }

    #[test]
    fn aws_auth_wrong_section() {
        let mut e = rejected_config_map();
        let mut data = aws_auth(NODES_ONLY);
        data.insert(
            "mapUsers".into(),
            format!("- rolearn: {DEV_ROLE}\n  username: dev\n"),
        );
        e.aws_auth.data = Some(data);
        let f = expect(
            &e,
            Code::AwsAuthWrongSection,
            Severity::Error,
            "aws-auth-wrong-section",
        );
        assert!(f.remedy.contains(&format!("In kube-system/aws-auth (mapRoles), replace mapUsers[0] with:\n- rolearn: {DEV_ROLE}")), "{}", f.remedy);
    }

    #[test]
    fn aws_auth_wrong_kind_that_still_matches_is_a_warning() {
        let mut e = healthy_aws_auth();
        e.aws_auth.data = Some(aws_auth(&format!(
            "{NODES_ONLY}- rolearn: arn:aws:iam::111122223333:user/bob\n"
        )));
        expect(&e, Code::AwsAuthWrongSection, Severity::Warning, "ok");
    }

    #[test]
    fn aws_auth_invalid() {
        let mut e = rejected_config_map();
        e.aws_auth.data = Some(aws_auth("- rolearn: [unclosed\n"));
        expect(
            &e,
            Code::AwsAuthInvalid,
            Severity::Error,
            "aws-auth-invalid",
        );
        assert!(has(&e, Code::PrincipalNotMapped));
    }

    #[test]
    fn aws_auth_invalid_is_a_warning_for_a_mapped_caller() {
        let mut e = healthy();
        e.aws_auth.data = Some(aws_auth("- rolearn: [unclosed\n"));
        expect(&e, Code::AwsAuthInvalid, Severity::Warning, "ok");
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
