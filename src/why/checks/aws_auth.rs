//! aws-auth: the `kube-system/aws-auth` ConfigMap, read as the EKS
//! authenticator reads it (literal, case-insensitive ARNs; mapRoles,
//! mapUsers, mapAccounts), and what in it never matches.
//!
//! Severity policy: a problem of an entry (a role with its path, an STS
//! ARN, a wildcard, the wrong section) or of the ConfigMap (a parse error)
//! is an error when it is why *this* caller is not mapped and the cluster
//! refused it (`severity`); otherwise a warning, for the others it locks
//! out. A role under mapUsers that still matches, and duplicates, are
//! always warnings. Codes: aws-auth-role-has-path, aws-auth-assumed-role-arn,
//! aws-auth-wildcard, aws-auth-duplicate, aws-auth-wrong-section,
//! aws-auth-invalid, aws-auth-unreadable.

use super::identity::{Ctx, context};
use super::{accepted, cluster_or_placeholder, region_or_placeholder, sh};
use crate::domain::arn::{self, Kind};
use crate::why::awsauth::{AwsAuth, Entry, Section};
use crate::why::evidence::Evidence;
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use serde_json::json;

/// The aws-auth findings: the ConfigMap unreadable, or what is wrong in
/// it, when the authentication mode consults it.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let ctx = context(e);
    let mut out = Vec::new();
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
    out
}

/// aws-auth problems about the caller are the cause: it is known, not
/// mapped, refused (or not yet asked) and aws-auth counts.
fn caller_locked_out(ctx: &Ctx<'_>) -> bool {
    ctx.caller.is_some() && !ctx.mapped() && !accepted(ctx.e) && ctx.uses_config_map()
}

/// An error when the problem concerns the caller and locks it out, else a
/// warning.
fn severity(ctx: &Ctx<'_>, concerns_caller: bool) -> Severity {
    if concerns_caller && caller_locked_out(ctx) {
        Severity::Error
    } else {
        Severity::Warning
    }
}

/// aws-auth-unreadable: aws-auth could not be read.
pub static UNREADABLE: Rule = Rule::new("aws-auth-unreadable", Severity::Info, Area::Identity);

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

/// aws-auth-invalid: the aws-auth ConfigMap data does not parse.
pub static INVALID: Rule = Rule::new("aws-auth-invalid", Severity::Error, Area::Identity).rank(410);

/// Problems of the ConfigMap itself, whoever they lock out.
fn aws_auth_findings(ctx: &Ctx<'_>, auth: &AwsAuth) -> Vec<Finding> {
    let mut out = Vec::new();
    for err in &auth.errors {
        let place = err
            .index
            .map_or(err.key.clone(), |i| format!("{}[{i}]", err.key));
        out.push(
            Finding::new(Code::AwsAuthInvalid, format!("aws-auth {place} does not parse"))
                .severity(severity(ctx, true))
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
pub(super) fn entry_problem(ctx: &Ctx<'_>, m: &Entry) -> Option<Finding> {
    let p = diagnose(ctx, m)?;
    let severity = p.severity.unwrap_or_else(|| severity(ctx, p.concerns));
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
    /// A fixed severity, else [`severity`].
    severity: Option<Severity>,
}

/// aws-auth-role-has-path: the role is mapped in aws-auth with its IAM path.
pub static ROLE_HAS_PATH: Rule =
    Rule::new("aws-auth-role-has-path", Severity::Error, Area::Identity).rank(420);

/// aws-auth-assumed-role-arn: an STS assumed-role ARN is mapped in aws-auth.
pub static ASSUMED_ROLE_ARN: Rule =
    Rule::new("aws-auth-assumed-role-arn", Severity::Error, Area::Identity).rank(430);

/// aws-auth-wildcard: aws-auth contains a wildcard, which never matches.
pub static WILDCARD: Rule =
    Rule::new("aws-auth-wildcard", Severity::Error, Area::Identity).rank(450);

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
        let concerns = ctx
            .principal()
            .is_some_and(|p| crate::domain::wildcard::star_like_ignore_case(&m.arn, p));
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

/// aws-auth-wrong-section: a role under mapUsers or a user under mapRoles.
pub static WRONG_SECTION: Rule =
    Rule::new("aws-auth-wrong-section", Severity::Error, Area::Identity).rank(440);

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

/// aws-auth-duplicate: aws-auth maps the same ARN more than once.
pub static DUPLICATE: Rule =
    Rule::new("aws-auth-duplicate", Severity::Warning, Area::Identity).rank(460);

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

pub(super) fn eksctl_line(e: &Evidence, arn: &str, username: &str, groups: &[String]) -> String {
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
pub(super) fn default_username(arn: &str) -> String {
    let parsed = arn::Arn::parse(arn);
    match parsed.as_ref().map(|a| (a.kind(), a.name())) {
        Some((Kind::Role, Some(name))) => format!("{name}:{{{{SessionName}}}}"),
        Some((_, Some(name))) => name.to_string(),
        _ => "USERNAME".into(),
    }
}

#[cfg(test)]
mod tests {
    use crate::why::checks::fixtures::*;
    use crate::why::evidence::Evidence;
    use crate::why::finding::{Code, Severity};

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
}
