//! The token: the authenticator's structural rules, the cluster it was
//! signed for, and the clock it was dated by.
//!
//! Codes: token-too-large, token-format-invalid, token-sts-host-rejected,
//! token-cluster-header-unsigned, token-expired, token-cluster-mismatch,
//! clock-skew. Expiry is judged by the servers' clock when one answered
//! (the authenticator runs there), else by the local one. The token itself
//! never leaves this module: only [`Inspection::to_json`]'s non-secret parts.

use super::{
    cluster_or_placeholder, exec_command_line, human_duration, region, region_or_placeholder,
    rfc3339, setup_command, sh,
};
use crate::domain::token::{MAX_TOKEN_BYTES, TOKEN_LIFETIME};
use crate::why::evidence::{Evidence, ExecKind, ExecOutcome, StsAnswer};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use crate::why::inspect::{Inspection, Rule as TokenRule, inspect};
use serde_json::json;
use time::OffsetDateTime;

/// Clock offset that earns a warning: tokens are still accepted, but the
/// margin of the 15-minute lifetime shrinks.
const SKEW_WARNING_SECONDS: i64 = 60;

/// Clock offset that is an error: STS refuses signatures dated more than
/// 5 minutes ahead ("Signature not yet current").
const SKEW_ERROR_SECONDS: i64 = 300;

/// token-format-invalid: the token breaks a structural rule of the authenticator.
pub static FORMAT_INVALID: Rule =
    Rule::new("token-format-invalid", Severity::Error, Area::Token).rank(170);

/// token-cluster-header-unsigned: x-k8s-aws-id is not among the signed headers.
pub static CLUSTER_HEADER_UNSIGNED: Rule = Rule::new(
    "token-cluster-header-unsigned",
    Severity::Error,
    Area::Token,
)
.rank(190);

/// The token findings.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let mut out = clock_skew(e);
    out.extend(cluster_mismatch(e));
    let Some(token) = &e.token else { return out };
    if !super::eks_token_expected(e) {
        return out;
    }
    let now = authenticator_now(e).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let i = inspect(token.expose(), now);
    let looks_like_jwt = token.expose().starts_with("eyJ");
    // An endpoint override (a test STS, often plain http) explains the
    // scheme as it explains the host: both are reported as the host warning.
    let overridden = e.sts.as_ref().is_some_and(|s| s.endpoint_override);
    let format: Vec<_> = i
        .violations
        .iter()
        .filter(|v| is_format_rule(v.rule) && !(overridden && v.rule == TokenRule::Scheme))
        .collect();
    out.extend(too_large(e, &i));
    if let Some(first) = format.first() {
        let mut detail = format!(
            "{} The authenticator stops at the first rule broken; all of them: {}.",
            source(e),
            format
                .iter()
                .map(|v| v.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
        if looks_like_jwt {
            detail.push_str(" It looks like an OIDC (JWT) token, not an EKS IAM token.");
        }
        out.push(
            Finding::new(
                Code::TokenFormatInvalid,
                format!("The token is malformed: {}", first.message),
            )
            .detail(detail)
            .remedy(fresh_token_remedy(e))
            .evidence(i.to_json()),
        );
    }
    out.extend(host_rejected(e, &i));
    if let Some(v) = i.violation(TokenRule::ClusterHeaderUnsigned) {
        out.push(
            Finding::new(
                Code::TokenClusterHeaderUnsigned,
                "The token does not sign the x-k8s-aws-id header",
            )
            .detail(format!(
                "{} {}. Without it the token is not bound to a cluster, and EKS refuses it.",
                source(e),
                v.message
            ))
            .remedy(fresh_token_remedy(e))
            .evidence(i.to_json()),
        );
    }
    if i.violation(TokenRule::Expired).is_some() {
        out.push(expired(e, &i, now));
    }
    out
}

/// ✓ The token keeps every structural rule (judged by the local clock):
/// `token-format-invalid` holds.
pub fn passed(e: &Evidence) -> Vec<Finding> {
    let Some(t) = &e.token else {
        return Vec::new();
    };
    if !super::eks_token_expected(e) {
        return Vec::new();
    }
    let i = inspect(t.expose(), e.now.unwrap_or(OffsetDateTime::UNIX_EPOCH));
    let Some(p) = i.parts.as_ref().filter(|_| i.violations.is_empty()) else {
        return Vec::new();
    };
    let when = p.date.map(rfc3339).unwrap_or_default();
    vec![Finding::ok(
        Code::TokenFormatInvalid,
        format!("well-formed, signed at {when} for {}", p.host),
    )]
}

fn is_format_rule(rule: TokenRule) -> bool {
    !matches!(
        rule,
        TokenRule::TooLong
            | TokenRule::Host
            | TokenRule::ClusterHeaderUnsigned
            | TokenRule::Expired
    )
}

/// token-too-large: the token is longer than the 4096 bytes the authenticator accepts.
pub static TOO_LARGE: Rule = Rule::new("token-too-large", Severity::Error, Area::Token).rank(160);

/// token-too-large: by how much, how much of it the session token takes,
/// and what shortens it.
fn too_large(e: &Evidence, i: &Inspection) -> Option<Finding> {
    i.violation(TokenRule::TooLong)?;
    let over = i.length.saturating_sub(MAX_TOKEN_BYTES);
    let parts = i.parts.clone().unwrap_or_default();
    let share = parts.security_token_share;
    let why = if parts.has_security_token {
        format!(
            " Its session token (X-Amz-Security-Token, {} characters) takes about {share} of those \
             bytes: session tags, an inline session policy or many SAML attributes make it long.",
            parts.security_token_length
        )
    } else {
        " It carries no session token, so the length comes from elsewhere in its URL.".to_string()
    };
    let remedy = if parts.has_security_token {
        "Sign with credentials whose session token is shorter: assume the role without session \
         tags (--tags) and without an inline session policy (--policy), or let the exec entry \
         assume the role itself (--role-arn in its args), or use an SSO or SAML session with \
         fewer attributes; then check the length:\n\
         kubectl eksauth token CLUSTER_ARGS --no-cache | wc -c"
            .replace("CLUSTER_ARGS", &super::cluster_args(e))
    } else {
        fresh_token_remedy(e)
    };
    Some(
        Finding::new(
            Code::TokenTooLarge,
            format!(
                "The token is {} bytes, {over} over the {MAX_TOKEN_BYTES} the authenticator accepts",
                i.length
            ),
        )
        .detail(format!(
            "{} The authenticator refuses a token over {MAX_TOKEN_BYTES} bytes before anything \
             else, and kubectl shows a bare 401.{why}",
            source(e)
        ))
        .remedy(remedy)
        .evidence(json!({"length": i.length, "limit": MAX_TOKEN_BYTES, "over": over,
            "session_token_length": parts.security_token_length,
            "session_token_share": share})),
    )
}

/// The clock the authenticator judges expiry by: the API server's Date,
/// else STS's or EKS's, else the local clock.
fn authenticator_now(e: &Evidence) -> Option<OffsetDateTime> {
    e.server
        .as_ref()
        .and_then(|s| s.server_date)
        .or_else(|| e.sts.as_ref().and_then(|s| s.server_date))
        .or_else(|| e.eks.as_ref().and_then(|x| x.server_date))
        .or(e.now)
}

/// Where the token came from, as a sentence.
fn source(e: &Evidence) -> String {
    if e.request.token_from_flag {
        return "The token was given with --token.".into();
    }
    match &e.kubeconfig.exec {
        Some(x) => format!("The token was printed by `{}`.", x.command),
        None => "The token came from the kubeconfig.".into(),
    }
}

/// How to get a well-formed token.
fn fresh_token_remedy(e: &Evidence) -> String {
    let c = sh(&cluster_or_placeholder(e));
    let r = sh(&region_or_placeholder(e));
    if e.request.token_from_flag {
        format!(
            "Pass the token exactly as the exec plugin prints it (status.token), e.g.:\n\
             aws eks get-token --cluster-name {c} --region {r} --query status.token --output text"
        )
    } else {
        format!(
            "Make the context use a standard EKS token:\n{}",
            setup_command(e)
        )
    }
}

/// token-sts-host-rejected: the token's host is not an STS host EKS accepts.
pub static STS_HOST_REJECTED: Rule =
    Rule::new("token-sts-host-rejected", Severity::Error, Area::Token).rank(180);

fn host_rejected(e: &Evidence, i: &Inspection) -> Option<Finding> {
    let parts = i.parts.as_ref()?;
    let cluster_partition = region(e).map(|r| crate::domain::partition::partition(&r));
    let why = match (
        i.violation(TokenRule::Host),
        parts.host_partition,
        cluster_partition,
    ) {
        (Some(v), _, _) => format!("{}.", v.message),
        (None, Some(host_p), Some(cluster_p)) if host_p != cluster_p => format!(
            "{} is an STS host of partition {host_p}, but the cluster is in {cluster_p}.",
            parts.host
        ),
        _ => return None,
    };
    let overridden = e.sts.as_ref().is_some_and(|s| s.endpoint_override);
    let (severity, note, remedy) = if overridden {
        (
            Severity::Warning,
            " AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL) points at it, which explains the host; \
             fine for a test endpoint, refused by a real EKS cluster.",
            "For a real EKS cluster, run kubectl without the override:\n\
             unset AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL"
                .to_string(),
        )
    } else {
        (
            Severity::Error,
            " EKS accepts sts.amazonaws.com and sts[-fips].REGION.amazonaws.com (or the partition's \
             domain, or its dual-stack one) of the cluster's partition.",
            format!(
                "Sign for the cluster's region; check AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL and the \
                 profile's endpoint_url, then rewrite the entry:\n{}",
                setup_command(e)
            ),
        )
    };
    Some(
        Finding::new(
            Code::TokenStsHostRejected,
            format!(
                "The token is signed for STS host {}, which EKS does not accept",
                parts.host
            ),
        )
        .severity(severity)
        .detail(format!("{why}{note}"))
        .remedy(remedy)
        .evidence(
            json!({"host": parts.host, "host_partition": parts.host_partition,
                "cluster_partition": cluster_partition, "endpoint_override": overridden}),
        ),
    )
}

/// token-expired: X-Amz-Date is older than 15 minutes.
pub static EXPIRED: Rule = Rule::new("token-expired", Severity::Error, Area::Token).rank(210);

fn expired(e: &Evidence, i: &Inspection, now: OffsetDateTime) -> Finding {
    let parts = i.parts.as_ref();
    let date = parts.and_then(|p| p.date).unwrap_or(now);
    let until = date + TOKEN_LIFETIME;
    let mut detail = format!(
        "{} It was signed at {} and expired at {} ({} ago); EKS accepts a token for 15 minutes.",
        source(e),
        rfc3339(date),
        rfc3339(until),
        human_duration((now - until).whole_seconds())
    );
    if let Some(ExecOutcome::Token {
        expiration: Some(exp),
        ..
    }) = e.exec.as_ref().map(|x| &x.outcome)
        && let Ok(t) = OffsetDateTime::parse(exp, &time::format_description::well_known::Rfc3339)
        && t > until
    {
        detail.push_str(&format!(
            " The exec command says it lasts until {exp}, past those 15 minutes, so kubectl keeps \
             sending it after EKS stops accepting it."
        ));
    }
    let remedy = match e.kubeconfig.exec.as_ref().map(|x| x.kind) {
        _ if e.request.token_from_flag => format!(
            "Get a fresh token (it lives 15 minutes):\naws eks get-token --cluster-name {} --region {} --query status.token --output text",
            sh(&cluster_or_placeholder(e)),
            sh(&region_or_placeholder(e))
        ),
        Some(ExecKind::EksAuth) => {
            "Drop the cached tokens, then retry:\nkubectl eksauth cache clear".to_string()
        }
        _ => format!(
            "The exec command handed out an old token: something caches it past its life. Rerun it to \
             check, or switch to a plugin that refreshes in time:\n{}\n{}",
            exec_command_line(e).unwrap_or_default(),
            setup_command(e)
        ),
    };
    Finding::new(
        Code::TokenExpired,
        format!("The token expired at {}", rfc3339(until)),
    )
    .detail(detail)
    .remedy(remedy)
    .evidence(i.to_json())
}

/// token-cluster-mismatch: the token was signed for another cluster name or ID.
pub static CLUSTER_MISMATCH: Rule =
    Rule::new("token-cluster-mismatch", Severity::Error, Area::Token).rank(350);

fn cluster_mismatch(e: &Evidence) -> Option<Finding> {
    let sts = e.sts.as_ref()?;
    let StsAnswer::Error { code, .. } = &sts.answer else {
        return None;
    };
    let (signed_for, StsAnswer::Caller { .. }) = sts.answer_with_exec_cluster.as_ref()? else {
        return None;
    };
    if code != "SignatureDoesNotMatch" {
        return None;
    }
    let cluster = &sts.cluster_header;
    let by_id = e
        .kubeconfig
        .exec
        .as_ref()
        .is_some_and(|x| x.cluster_id_given);
    let remedy = if by_id {
        format!(
            "On Outposts the token must carry the cluster's ID; look it up and fix --cluster-id in the exec args:\n\
             aws eks describe-cluster --name {} --region {} --query cluster.id --output text",
            sh(&cluster_or_placeholder(e)),
            sh(&region_or_placeholder(e))
        )
    } else {
        format!(
            "Fix --cluster-name in the exec entry:\n{}\nor\naws eks update-kubeconfig --name {} --region {}",
            setup_command(e),
            sh(&cluster_or_placeholder(e)),
            sh(&region_or_placeholder(e))
        )
    };
    Some(
        Finding::new(Code::TokenClusterMismatch, format!("The token is signed for cluster {signed_for}, not {cluster}"))
            .detail(format!(
                "The cluster checks the token with x-k8s-aws-id: {cluster} and STS refuses the signature; \
                 with {signed_for} (the exec entry's cluster) it verifies."
            ))
            .remedy(remedy)
            .evidence(json!({"cluster": cluster, "signed_for": signed_for})),
    )
}

/// clock-skew: the local clock differs from the servers' Date.
pub static CLOCK_SKEW: Rule = Rule::new("clock-skew", Severity::Warning, Area::Token).rank(200);

fn clock_skew(e: &Evidence) -> Vec<Finding> {
    let not_yet_current = e.sts.as_ref().and_then(|s| match &s.answer {
        StsAnswer::Error { message, .. } if message.contains("not yet current") => {
            Some(message.clone())
        }
        _ => None,
    });
    let Some(now) = e.now else { return Vec::new() };
    let dates = [
        (
            "the API server",
            e.server.as_ref().and_then(|s| s.server_date),
        ),
        ("STS", e.sts.as_ref().and_then(|s| s.server_date)),
        ("the EKS API", e.eks.as_ref().and_then(|x| x.server_date)),
    ];
    let worst = dates
        .iter()
        .filter_map(|(who, d)| d.map(|d| (*who, d, (d - now).whole_seconds())))
        .max_by_key(|(_, _, off)| off.abs());
    let severity = match (worst, &not_yet_current) {
        (_, Some(_)) => Severity::Error,
        (Some((_, _, off)), _) if off.abs() > SKEW_ERROR_SECONDS => Severity::Error,
        (Some((_, _, off)), _) if off.abs() > SKEW_WARNING_SECONDS => Severity::Warning,
        _ => return Vec::new(),
    };
    let mut detail = match worst {
        Some((who, d, off)) => format!(
            "This machine's clock is {} {} {who}'s (local {}, {who} {}). Tokens carry the local time: \
             EKS refuses one more than 15 minutes old, STS one more than 5 minutes ahead.",
            human_duration(off),
            if off > 0 { "behind" } else { "ahead of" },
            rfc3339(now),
            rfc3339(d)
        ),
        None => String::new(),
    };
    if let Some(m) = &not_yet_current {
        detail = format!("STS: {m}. {detail}").trim_end().to_string();
    }
    let offset = worst.map(|(_, _, off)| off);
    let title = match worst {
        Some((who, _, off)) if off.abs() > SKEW_WARNING_SECONDS => format!(
            "The local clock is {} {} {who}'s",
            human_duration(off),
            if off > 0 { "behind" } else { "ahead of" }
        ),
        _ => "STS says the token is dated in the future: the local clock is ahead".to_string(),
    };
    vec![
        Finding::new(Code::ClockSkew, title)
            .severity(severity)
            .detail(detail)
            .remedy(sync_clock_remedy())
            .evidence(
                json!({"offset_seconds": offset, "reference": worst.map(|(w, _, _)| w),
                "local": rfc3339(now), "sts_not_yet_current": not_yet_current.is_some()}),
            ),
    ]
}

/// How to sync the clock on this platform.
fn sync_clock_remedy() -> String {
    if cfg!(target_os = "macos") {
        "Sync the clock with NTP:\nsudo sntp -sS time.apple.com".into()
    } else if cfg!(windows) {
        "Sync the clock with NTP (as administrator):\nw32tm /resync".into()
    } else {
        "Sync the clock with NTP, with chrony:\nsudo chronyc makestep\nor with systemd:\nsudo timedatectl set-ntp true"
            .into()
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::token::MAX_TOKEN_BYTES;
    use crate::secret::Secret;
    use crate::why::checks::fixtures::*;
    use crate::why::checks::run_all;
    use crate::why::evidence::{ExecKind, StsAnswer};
    use crate::why::finding::{Code, Severity};
    use time::Duration;
    use time::macros::datetime;

    fn with_url(from: &str, to: &str) -> crate::why::evidence::Evidence {
        let mut e = healthy();
        e.token = Some(Secret::new(token_for(&good_url().replace(from, to))));
        e.server.as_mut().unwrap().review = Some(crate::why::evidence::Review::Unauthorized);
        e.sts = None;
        e
    }

    #[test]
    fn token_too_large_says_by_how_much_and_that_the_session_token_makes_it() {
        // A session token of 3,000 characters with `+` and `/` (as STS's are),
        // each percent-encoded in the URL: about 8,100 bytes of token.
        let long = format!("{SECRET_SESSION}{}", "Ab+/".repeat(750));
        let encoded = long.replace('+', "%2B").replace('/', "%2F");
        let e = with_url(SECRET_SESSION, &encoded);
        let f = expect(&e, Code::TokenTooLarge, Severity::Error, "token-too-large");
        let length = e.token.as_ref().unwrap().expose().len();
        assert!(length > MAX_TOKEN_BYTES, "{length}");
        assert_eq!(f.evidence["over"], length - MAX_TOKEN_BYTES);
        assert!(
            f.title
                .contains(&format!("{} over the 4096", length - MAX_TOKEN_BYTES)),
            "{}",
            f.title
        );
        let share = f.evidence["session_token_share"].as_u64().unwrap() as usize;
        // The estimate is within a few bytes of what the session token adds.
        let without =
            token_for(&good_url().replace(&format!("&X-Amz-Security-Token={SECRET_SESSION}"), ""));
        let real = length - without.len();
        assert!(share.abs_diff(real) <= 8, "share {share}, real {real}");
        assert!(
            f.detail.contains(&format!("{} characters", long.len())),
            "{}",
            f.detail
        );
        assert!(
            f.remedy.contains("--tags") && f.remedy.contains("wc -c"),
            "{}",
            f.remedy
        );
        assert!(!f.evidence.to_string().contains(&long));
        // It is not also reported as a malformed token.
        assert!(
            run_all(&e)
                .iter()
                .all(|f| f.code != Code::TokenFormatInvalid)
        );
    }

    #[test]
    fn a_token_of_exactly_4096_bytes_is_not_too_large() {
        let base = token_for(&good_url()).len();
        // Each base64 quantum: 3 URL bytes make 4 token bytes.
        let pad = (MAX_TOKEN_BYTES - base) / 4 * 3;
        let e = with_url(
            SECRET_SESSION,
            &format!("{SECRET_SESSION}{}", "A".repeat(pad)),
        );
        let len = e.token.as_ref().unwrap().expose().len();
        assert!(len <= MAX_TOKEN_BYTES && len > MAX_TOKEN_BYTES - 4, "{len}");
        assert!(run_all(&e).iter().all(|f| f.code != Code::TokenTooLarge));
    }

    #[test]
    fn token_format_invalid() {
        let e = with_url("Action=GetCallerIdentity", "Action=AssumeRole");
        let f = expect(
            &e,
            Code::TokenFormatInvalid,
            Severity::Error,
            "token-format-invalid",
        );
        assert!(f.title.contains("unexpected action"), "{}", f.title);
        assert!(
            f.remedy
                .contains("kubectl eksauth setup --cluster-name demo --region us-west-2")
        );
    }

    #[test]
    fn token_format_invalid_from_flag_says_how_to_pass_it() {
        let mut e = healthy();
        e.request.token_from_flag = true;
        e.token = Some(Secret::new("k8s-aws-v1.YWI="));
        e.sts = None;
        let f = expect(
            &e,
            Code::TokenFormatInvalid,
            Severity::Error,
            "token-format-invalid",
        );
        assert!(f.remedy.contains("--query status.token --output text"));
        assert!(f.title.contains("padded"), "{}", f.title);
    }

    #[test]
    fn token_sts_host_rejected() {
        let e = with_url("sts.us-west-2.amazonaws.com", "sts.example.com");
        expect(
            &e,
            Code::TokenStsHostRejected,
            Severity::Error,
            "token-sts-host-rejected",
        );
    }

    #[test]
    fn token_sts_host_of_another_partition() {
        let e = with_url(
            "sts.us-west-2.amazonaws.com",
            "sts.cn-north-1.amazonaws.com.cn",
        );
        let f = expect(
            &e,
            Code::TokenStsHostRejected,
            Severity::Error,
            "token-sts-host-rejected",
        );
        assert!(f.detail.contains("aws-cn"), "{}", f.detail);
    }

    #[test]
    fn token_sts_host_explained_by_override_is_a_warning() {
        let mut e = with_url(
            "https://sts.us-west-2.amazonaws.com",
            "https://localhost:4566",
        );
        e.server.as_mut().unwrap().review = Some(authenticated());
        e.sts = healthy().sts;
        let sts = e.sts.as_mut().unwrap();
        sts.endpoint_override = true;
        sts.endpoint = "https://localhost:4566/".into();
        let f = expect(&e, Code::TokenStsHostRejected, Severity::Warning, "ok");
        assert!(f.remedy.contains("unset AWS_ENDPOINT_URL_STS"));
    }

    #[test]
    fn token_cluster_header_unsigned() {
        let e = with_url("host%3Bx-k8s-aws-id", "host");
        expect(
            &e,
            Code::TokenClusterHeaderUnsigned,
            Severity::Error,
            "token-cluster-header-unsigned",
        );
    }

    #[test]
    fn token_expired_after_15_minutes() {
        let mut e = healthy();
        let later = datetime!(2026-01-01 00:20:00 UTC);
        e.now = Some(later);
        e.server.as_mut().unwrap().server_date = Some(later);
        e.server.as_mut().unwrap().review = Some(crate::why::evidence::Review::Unauthorized);
        e.sts.as_mut().unwrap().server_date = Some(later);
        e.eks.as_mut().unwrap().server_date = Some(later);
        let f = expect(&e, Code::TokenExpired, Severity::Error, "token-expired");
        assert!(f.title.contains("2026-01-01T00:15:00Z"), "{}", f.title);
        assert!(f.detail.contains("5 min ago"), "{}", f.detail);
    }

    #[test]
    fn token_expired_names_an_expiration_past_15_minutes() {
        let mut e = healthy();
        let later = datetime!(2026-01-01 00:30:00 UTC);
        e.now = Some(later);
        e.server.as_mut().unwrap().server_date = Some(later);
        e.sts.as_mut().unwrap().server_date = Some(later);
        e.eks.as_mut().unwrap().server_date = Some(later);
        e.kubeconfig.exec.as_mut().unwrap().kind = ExecKind::EksAuth;
        e.exec = Some(exec_outcome(crate::why::evidence::ExecOutcome::Token {
            expiration: Some("2026-01-01T01:00:00Z".into()),
        }));
        let f = expect(&e, Code::TokenExpired, Severity::Error, "token-expired");
        assert!(f.detail.contains("past those 15 minutes"));
        assert!(f.remedy.contains("kubectl eksauth cache clear"));
    }

    #[test]
    fn token_cluster_mismatch() {
        let mut e = healthy();
        let sts = e.sts.as_mut().unwrap();
        let caller = sts.answer.clone();
        sts.answer = StsAnswer::Error {
            status: 403,
            code: "SignatureDoesNotMatch".into(),
            message: "The request signature we calculated does not match".into(),
        };
        sts.answer_with_exec_cluster = Some(("demo-old".into(), caller));
        e.kubeconfig.exec.as_mut().unwrap().cluster_name = Some("demo-old".into());
        e.server.as_mut().unwrap().review = Some(crate::why::evidence::Review::Unauthorized);
        let f = expect(
            &e,
            Code::TokenClusterMismatch,
            Severity::Error,
            "token-cluster-mismatch",
        );
        assert_eq!(
            f.title,
            "The token is signed for cluster demo-old, not demo"
        );
        assert!(
            f.remedy
                .contains("kubectl eksauth setup --cluster-name demo --region us-west-2")
        );
        assert!(
            has(&e, Code::StsSignatureMismatch),
            "both are reported; the verdict picks the cause"
        );
    }

    #[test]
    fn clock_skew_warning_over_a_minute() {
        let mut e = healthy();
        e.server.as_mut().unwrap().server_date = Some(NOW + Duration::seconds(90));
        let f = expect(&e, Code::ClockSkew, Severity::Warning, "ok");
        assert!(
            f.detail.contains("1 min 30 s behind the API server's"),
            "{}",
            f.detail
        );
    }

    #[test]
    fn clock_skew_error_over_five_minutes() {
        let mut e = healthy();
        e.sts.as_mut().unwrap().server_date = Some(NOW - Duration::minutes(7));
        e.server.as_mut().unwrap().review = Some(crate::why::evidence::Review::Unauthorized);
        let f = expect(&e, Code::ClockSkew, Severity::Error, "clock-skew");
        assert!(f.detail.contains("7 min ahead of STS's"), "{}", f.detail);
        if cfg!(target_os = "linux") {
            assert!(f.remedy.contains("sudo chronyc makestep"), "{}", f.remedy);
        }
    }

    #[test]
    fn clock_skew_error_when_sts_says_not_yet_current() {
        let mut e = healthy();
        e.sts.as_mut().unwrap().answer = StsAnswer::Error {
            status: 403,
            code: "SignatureDoesNotMatch".into(),
            message:
                "Signature not yet current: 20260101T001000Z is still later than 20260101T000500Z"
                    .into(),
        };
        e.server.as_mut().unwrap().review = Some(crate::why::evidence::Review::Unauthorized);
        expect(&e, Code::ClockSkew, Severity::Error, "clock-skew");
        assert!(!has(&e, Code::StsSignatureMismatch));
    }

    #[test]
    fn clock_within_a_minute_is_fine() {
        let mut e = healthy();
        e.server.as_mut().unwrap().server_date = Some(NOW + Duration::seconds(59));
        assert!(!has(&e, Code::ClockSkew));
    }
}
