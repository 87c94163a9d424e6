//! EKS Pod Identity (field guide, section 8): the service account's
//! associations, the EKS Pod Identity Agent (add-on or DaemonSet), each
//! association's role and its trust policy for `pods.eks.amazonaws.com`,
//! the pods (the injected container-credential variables) and what comes
//! before Pod Identity in the SDKs' chain (access keys, IRSA). Codes:
//! pod-identity-*. What could not be read is named by [`unverified`], which
//! `irsa-unverified` reports.

use super::irsa::{ROLE_ANNOTATION, ROLE_ENV, TOKEN_ENV, recreate_lines};
use super::sh;
use crate::why::evidence::{
    AssociationInfo, EksCall, Evidence, IrsaFacts, KubeRead, PodIdentityFacts, PodInfo,
};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use serde_json::{Value, json};

/// The service principal the agent assumes roles as.
pub const SERVICE: &str = "pods.eks.amazonaws.com";
/// Both actions the trust policy must allow it.
pub const ACTIONS: [&str; 2] = ["sts:AssumeRole", "sts:TagSession"];
/// The variables the Pod Identity webhook injects.
pub const URI_ENV: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
pub const AUTH_TOKEN_ENV: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// Access keys in the environment: first in every SDK's chain.
pub const KEY_ENVS: [&str; 2] = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
/// The EKS add-on (and DaemonSet) of the agent.
pub const AGENT: &str = "eks-pod-identity-agent";

/// The findings of this area.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let (Some(p), Some(x)) = (&e.pod_identity, &e.irsa) else {
        return Vec::new();
    };
    let EksCall::Ok(assocs) = &p.associations else {
        return Vec::new();
    };
    if assocs.is_empty() || matches!(x.service_account, KubeRead::NotFound) {
        return Vec::new();
    }
    let mut out = Vec::new();
    out.extend(agent_missing(e, p));
    for (arn, role) in &p.roles {
        match role {
            EksCall::NotFound(_) => out.push(role_missing(arn)),
            EksCall::Ok(r) => out.extend(trust_invalid(arn, r.trust_policy.as_deref())),
            _ => {}
        }
    }
    if let KubeRead::Ok(pods) = &x.pods {
        out.extend(pods_env_missing(x, assocs, pods));
        out.extend(shadowed(x, pods));
    }
    out
}

/// ✓ The service account's associations and the agent, when it has any
/// (`pod-identity-agent-missing` judged).
pub fn passed(e: &Evidence) -> Vec<Finding> {
    pod_identity_line(e)
        .map(|line| Finding::ok(Code::PodIdentityAgentMissing, line))
        .into_iter()
        .collect()
}

/// The service account's Pod Identity associations and agent, when it has any.
fn pod_identity_line(e: &Evidence) -> Option<String> {
    let p = e.pod_identity.as_ref()?;
    let EksCall::Ok(assocs) = &p.associations else {
        return None;
    };
    let mut seen: Vec<String> = assocs
        .iter()
        .map(|a| match &a.target_role_arn {
            Some(t) => format!(
                "association {} gives role {} (cross-account: it assumes {t})",
                a.id, a.role_arn
            ),
            None => format!("association {} gives role {}", a.id, a.role_arn),
        })
        .collect();
    match (&p.addon, &p.daemonset) {
        (Some(EksCall::Ok(status)), _) => {
            seen.push(format!("add-on eks-pod-identity-agent is {status}"))
        }
        (_, Some(KubeRead::Ok(true))) => {
            seen.push("DaemonSet kube-system/eks-pod-identity-agent runs".into())
        }
        _ => {}
    }
    (!seen.is_empty()).then(|| seen.join(", "))
}

/// The service account has at least one association (as far as known).
pub fn associated(e: &Evidence) -> bool {
    matches!(e.pod_identity.as_ref().map(|p| &p.associations), Some(EksCall::Ok(a)) if !a.is_empty())
}

/// The `aws eks create-pod-identity-association` line for `x`.
pub fn create_line(e: &Evidence, x: &IrsaFacts, role_arn: &str) -> String {
    format!(
        "aws eks create-pod-identity-association --cluster-name {} --region {} --namespace {} --service-account {} --role-arn {}",
        sh(&super::cluster_or_placeholder(e)),
        sh(&super::region_or_placeholder(e)),
        sh(&x.namespace),
        sh(&x.name),
        sh(role_arn)
    )
}

/// pod-identity-agent-missing: an association exists but no EKS Pod Identity Agent runs.
pub static AGENT_MISSING: Rule = Rule::new(
    "pod-identity-agent-missing",
    Severity::Error,
    Area::PodIdentity,
)
.rank(670);

fn agent_missing(e: &Evidence, p: &PodIdentityFacts) -> Option<Finding> {
    if !matches!(p.daemonset, Some(KubeRead::Ok(false))) {
        return None;
    }
    let addon = match &p.addon {
        Some(EksCall::NotFound(_)) => "the add-on is not installed".to_string(),
        Some(EksCall::Denied(m) | EksCall::Failed(m)) => {
            format!("DescribeAddon did not answer ({m})")
        }
        _ => "the add-on was not asked about".to_string(),
    };
    Some(
        Finding::new(Code::PodIdentityAgentMissing, "No EKS Pod Identity Agent runs in the cluster")
            .detail(format!(
                "The service account has an association, but {addon} and kube-system has no DaemonSet {AGENT}; \
                 nothing serves credentials on 169.254.170.23."
            ))
            .remedy(format!(
                "Install the add-on:\naws eks create-addon --cluster-name {} --region {} --addon-name {AGENT}",
                sh(&super::cluster_or_placeholder(e)),
                sh(&super::region_or_placeholder(e))
            ))
            .evidence(json!({"addon": AGENT, "daemonset": format!("kube-system/{AGENT}")})),
    )
}

/// The trust policy statement Pod Identity needs.
pub fn canonical_statement() -> Value {
    json!({"Effect": "Allow", "Principal": {"Service": SERVICE}, "Action": ACTIONS})
}

fn trust_doc() -> String {
    let doc = json!({"Version": "2012-10-17", "Statement": [canonical_statement()]});
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// pod-identity-role-missing: the association's role does not exist.
pub static ROLE_MISSING: Rule = Rule::new(
    "pod-identity-role-missing",
    Severity::Error,
    Area::PodIdentity,
)
.rank(680);

fn role_missing(role_arn: &str) -> Finding {
    let name = crate::domain::arn::role_name(role_arn).unwrap_or("ROLE_NAME");
    Finding::new(Code::PodIdentityRoleMissing, format!("Role {name} does not exist"))
        .detail(format!("The association names {role_arn}; IAM GetRole found no role {name}."))
        .remedy(format!(
            "Create it with this trust policy (saved as trust.json), then attach its permissions:\n\
             aws iam create-role --role-name {} --assume-role-policy-document file://trust.json\n{}",
            sh(name),
            trust_doc()
        ))
        .evidence(json!({"role_arn": role_arn}))
}

/// A string or a list of strings, as IAM policies allow either.
fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Whether statement `s` names the service principal.
fn names_service(s: &Value) -> bool {
    let p = &s["Principal"];
    p.as_str() == Some("*") || strings(&p["Service"]).contains(&SERVICE)
}

/// Whether statement `s` covers `action` (Action, or not NotAction).
fn covers(s: &Value, action: &str) -> bool {
    let lower = action.to_ascii_lowercase();
    let hit = |v: &Value| {
        strings(v)
            .iter()
            .any(|p| crate::domain::wildcard::iam_like_ignore_case(p, &lower))
    };
    match s.get("NotAction") {
        Some(n) => !hit(n),
        None => hit(&s["Action"]),
    }
}

/// The actions of [`ACTIONS`] the policy does not allow the service: no
/// Allow statement for it covers them, or a Deny does. Allow statements
/// with a Condition are counted (the agent's request sets no keys a
/// trust policy usually tests).
pub fn missing_actions(doc: &Value) -> Vec<&'static str> {
    let statements: Vec<&Value> = match &doc["Statement"] {
        Value::Array(a) => a.iter().collect(),
        Value::Null => vec![],
        one => vec![one],
    };
    let with = |effect: &str, action: &str| {
        statements
            .iter()
            .any(|s| s["Effect"] == effect && names_service(s) && covers(s, action))
    };
    ACTIONS
        .iter()
        .copied()
        .filter(|a| !with("Allow", a) || with("Deny", a))
        .collect()
}

/// pod-identity-trust-invalid: the role's trust policy does not let pods.eks.amazonaws.com AssumeRole and TagSession.
pub static TRUST_INVALID: Rule = Rule::new(
    "pod-identity-trust-invalid",
    Severity::Error,
    Area::PodIdentity,
)
.rank(690);

fn trust_invalid(role_arn: &str, doc: Option<&str>) -> Option<Finding> {
    let parsed: Value = doc
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_else(|| json!({"Statement": []}));
    let missing = missing_actions(&parsed);
    if missing.is_empty() {
        return None;
    }
    let name = crate::domain::arn::role_name(role_arn).unwrap_or("ROLE_NAME");
    let mut fixed = parsed.clone();
    let mut list = match fixed["Statement"].take() {
        Value::Array(a) => a,
        Value::Null => vec![],
        one => vec![one],
    };
    // The service's own statements give way to the canonical one.
    list.retain(|s| {
        !(strings(&s["Principal"]["Service"]).contains(&SERVICE)
            || s["Effect"] == "Deny" && names_service(s))
    });
    list.push(canonical_statement());
    fixed["Statement"] = Value::Array(list);
    if fixed.get("Version").is_none() {
        fixed["Version"] = json!("2012-10-17");
    }
    let fixed = serde_json::to_string_pretty(&fixed).unwrap_or_default();
    Some(
        Finding::new(
            Code::PodIdentityTrustInvalid,
            format!("Role {name}'s trust policy does not let {SERVICE} assume it"),
        )
        .detail(format!(
            "The EKS Pod Identity Agent assumes the role as the service {SERVICE} and needs {}; \
             the trust policy does not allow {}.",
            ACTIONS.join(" and "),
            missing.join(" nor ")
        ))
        .remedy(format!(
            "Update the trust policy (saved as trust.json):\n\
             aws iam update-assume-role-policy --role-name {} --policy-document file://trust.json\n{fixed}",
            sh(name)
        ))
        .evidence(json!({"role_arn": role_arn, "missing_actions": missing})),
    )
}

/// Whether any container of `p` has `var` (from `env` or `envFrom`).
fn has(p: &PodInfo, var: &str) -> bool {
    p.containers
        .iter()
        .any(|c| c.env.contains_key(var) || c.env_from.contains_key(var))
}

/// The containers of `p` lacking either Pod Identity variable.
fn lacking(p: &PodInfo) -> Vec<&str> {
    p.containers
        .iter()
        .filter(|c| !(c.env.contains_key(URI_ENV) && c.env.contains_key(AUTH_TOKEN_ENV)))
        .map(|c| c.name.as_str())
        .collect()
}

/// pod-identity-pod-env-missing: a pod of the service account lacks the Pod Identity variables.
pub static POD_ENV_MISSING: Rule = Rule::new(
    "pod-identity-pod-env-missing",
    Severity::Error,
    Area::PodIdentity,
)
.rank(700);

fn pods_env_missing(
    x: &IrsaFacts,
    assocs: &[AssociationInfo],
    pods: &[PodInfo],
) -> Option<Finding> {
    let since = assocs.iter().filter_map(|a| a.created_at).min();
    let bad: Vec<&PodInfo> = pods.iter().filter(|p| !lacking(p).is_empty()).collect();
    if bad.is_empty() {
        return None;
    }
    let why = |p: &PodInfo| {
        let older = matches!((p.created, since), (Some(c), Some(s)) if c < s);
        let when = if older {
            "created before the association"
        } else {
            "not injected"
        };
        format!(
            "{} ({when}; container(s) {})",
            p.name,
            lacking(p).join(", ")
        )
    };
    let names: Vec<&str> = bad.iter().map(|p| p.name.as_str()).collect();
    Some(
        Finding::new(
            Code::PodIdentityPodEnvMissing,
            format!(
                "{} pod(s) of {}/{} run without Pod Identity: {}",
                bad.len(),
                x.namespace,
                x.name,
                names.join(", ")
            ),
        )
        .detail(format!(
            "{}. EKS injects {URI_ENV} and {AUTH_TOKEN_ENV} only into pods created after the association \
             (and only while the agent's webhook runs); these pods fall back to the node's role.",
            bad.iter().map(|p| why(p)).collect::<Vec<_>>().join("; ")
        ))
        .remedy(format!("Recreate the pod(s):\n{}", recreate_lines(&x.namespace, &bad)))
        .evidence(json!({"pods": names})),
    )
}

/// What in `p`'s environment comes before Pod Identity.
fn shadows(p: &PodInfo) -> Vec<String> {
    let mut out = Vec::new();
    if has(p, ROLE_ENV) && has(p, TOKEN_ENV) {
        out.push(format!("IRSA's {ROLE_ENV} and {TOKEN_ENV}"));
    }
    for c in &p.containers {
        for k in KEY_ENVS {
            if c.env.contains_key(k) {
                out.push(format!("{k} in the env of container {}", c.name));
            }
            if let Some(from) = c.env_from.get(k) {
                out.push(format!("{k} from {from} (envFrom of container {})", c.name));
            }
        }
    }
    out
}

/// pod-identity-shadowed: a pod also carries IRSA variables or access keys, used before Pod Identity.
pub static SHADOWED: Rule =
    Rule::new("pod-identity-shadowed", Severity::Error, Area::PodIdentity).rank(710);

fn shadowed(x: &IrsaFacts, pods: &[PodInfo]) -> Option<Finding> {
    let bad: Vec<(&PodInfo, Vec<String>)> = pods
        .iter()
        .map(|p| (p, shadows(p)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    if bad.is_empty() {
        return None;
    }
    let irsa = bad
        .iter()
        .any(|(p, _)| has(p, ROLE_ENV) && has(p, TOKEN_ENV));
    let mut remedy = String::new();
    if irsa {
        remedy.push_str(&format!(
            "Use one mechanism: remove the IRSA annotation (or delete the association instead), then recreate the pods:\n\
             kubectl annotate serviceaccount -n {} {} {ROLE_ANNOTATION}-\n",
            sh(&x.namespace),
            sh(&x.name)
        ));
    }
    if bad.iter().any(|(p, _)| KEY_ENVS.iter().any(|k| has(p, k))) {
        remedy.push_str(&format!(
            "Remove {} from the pod spec (env and envFrom), then recreate the pods:\n",
            KEY_ENVS.join(" and ")
        ));
    }
    let pods: Vec<&PodInfo> = bad.iter().map(|(p, _)| *p).collect();
    remedy.push_str(&recreate_lines(&x.namespace, &pods));
    let names: Vec<&str> = pods.iter().map(|p| p.name.as_str()).collect();
    Some(
        Finding::new(
            Code::PodIdentityShadowed,
            format!(
                "Pod Identity is shadowed in {} pod(s): {}",
                bad.len(),
                names.join(", ")
            ),
        )
        .detail(format!(
            "{}. The SDKs' chain takes access keys, then web identity (IRSA), before the container \
             credentials of Pod Identity, so these pods do not get the association's role.",
            bad.iter()
                .map(|(p, s)| format!("{}: {}", p.name, s.join(", ")))
                .collect::<Vec<_>>()
                .join("; ")
        ))
        .remedy(remedy)
        .evidence(json!({"pods": names, "irsa": irsa})),
    )
}

/// What of Pod Identity could not be checked: (the part, what would read it).
pub fn unverified(e: &Evidence) -> Vec<(String, String)> {
    let Some(p) = &e.pod_identity else {
        return Vec::new();
    };
    let perm =
        |action: &str| format!("the eks:{action} permission for the exec entry's AWS identity");
    let mut out = Vec::new();
    match &p.associations {
        EksCall::Denied(m) | EksCall::Failed(m) | EksCall::NotFound(m) => out.push((
            format!("the Pod Identity associations ({m})"),
            perm("ListPodIdentityAssociations and eks:DescribePodIdentityAssociation"),
        )),
        EksCall::Ok(a) => {
            for t in a.iter().filter_map(|a| a.target_role_arn.as_ref()) {
                let account =
                    crate::domain::arn::account_id(t).unwrap_or_else(|| "the other account".into());
                out.push((
                    format!("the cross-account target role {t} (its trust policy must trust the association's role)"),
                    format!("credentials of account {account}: aws iam get-role --role-name {}", sh(crate::domain::arn::role_name(t).unwrap_or("ROLE_NAME"))),
                ));
            }
        }
    }
    let addon_unanswered = matches!(
        p.addon,
        Some(EksCall::Denied(_) | EksCall::Failed(_) | EksCall::NotFound(_))
    );
    if let Some(KubeRead::Forbidden(m) | KubeRead::Failed(m)) = &p.daemonset
        && addon_unanswered
    {
        out.push((
            format!("the EKS Pod Identity Agent (no add-on seen; its DaemonSet unreadable: {m})"),
            "eks:DescribeAddon, or --admin-context with a context that may get daemonsets in kube-system".into(),
        ));
    }
    for (arn, r) in &p.roles {
        if let EksCall::Denied(m) | EksCall::Failed(m) = r {
            out.push((
                format!("the trust policy of {arn} ({m})"),
                "the iam:GetRole permission for the exec entry's AWS identity".into(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::why::checks::fixtures::*;
    use crate::why::checks::irsa::tests::{irsa_healthy, pod};
    use crate::why::evidence::RoleInfo;
    use crate::why::finding::Severity;
    use std::collections::BTreeMap;
    use time::macros::datetime;

    const ROLE: &str = "arn:aws:iam::111122223333:role/web";

    /// Service account dev/app without annotation, associated with ROLE;
    /// the add-on runs, the trust policy and the pod are right.
    fn pi_healthy() -> Evidence {
        let mut e = irsa_healthy();
        let x = e.irsa.as_mut().unwrap();
        x.service_account = KubeRead::Ok(BTreeMap::new());
        x.role = None;
        let mut p = pod(
            "app-1",
            &[
                (URI_ENV, "http://169.254.170.23/v1/credentials"),
                (AUTH_TOKEN_ENV, "/t"),
            ],
        );
        p.created = Some(datetime!(2026-01-02 0:00 UTC));
        x.pods = KubeRead::Ok(vec![p]);
        let doc = json!({"Version": "2012-10-17", "Statement": [canonical_statement()]});
        e.pod_identity = Some(PodIdentityFacts {
            associations: EksCall::Ok(vec![AssociationInfo {
                id: "a-1".into(),
                role_arn: ROLE.into(),
                target_role_arn: None,
                created_at: Some(datetime!(2026-01-01 0:00 UTC)),
            }]),
            addon: Some(EksCall::Ok("ACTIVE".into())),
            daemonset: None,
            roles: vec![(
                ROLE.into(),
                EksCall::Ok(RoleInfo {
                    arn: ROLE.into(),
                    trust_policy: Some(doc.to_string()),
                    created: None,
                }),
            )],
        });
        e
    }

    fn facts(e: &mut Evidence) -> &mut PodIdentityFacts {
        e.pod_identity.as_mut().unwrap()
    }

    fn trust(e: &mut Evidence, doc: Value) {
        facts(e).roles[0].1 = EksCall::Ok(RoleInfo {
            arn: ROLE.into(),
            trust_policy: Some(doc.to_string()),
            created: None,
        });
    }

    #[test]
    fn healthy_association_is_ok() {
        assert_eq!(verdict(&pi_healthy()), "ok");
        assert!(check(&pi_healthy()).is_empty());
    }

    #[test]
    fn no_add_on_and_no_daemonset_is_agent_missing() {
        let mut e = pi_healthy();
        facts(&mut e).addon = Some(EksCall::NotFound("No addon".into()));
        facts(&mut e).daemonset = Some(KubeRead::Ok(false));
        let f = expect(
            &e,
            Code::PodIdentityAgentMissing,
            Severity::Error,
            "pod-identity-agent-missing",
        );
        assert!(f.remedy.contains("aws eks create-addon"), "{}", f.remedy);
    }

    #[test]
    fn a_daemonset_installed_by_hand_is_an_agent() {
        let mut e = pi_healthy();
        facts(&mut e).addon = Some(EksCall::Denied("no".into()));
        facts(&mut e).daemonset = Some(KubeRead::Ok(true));
        assert_eq!(verdict(&e), "ok");
    }

    #[test]
    fn an_unreadable_agent_is_unverified() {
        let mut e = pi_healthy();
        facts(&mut e).addon = Some(EksCall::Denied("no".into()));
        facts(&mut e).daemonset = Some(KubeRead::Forbidden("forbidden".into()));
        let f = expect(&e, Code::IrsaUnverified, Severity::Warning, "ok");
        assert!(f.detail.contains("EKS Pod Identity Agent"), "{}", f.detail);
    }

    #[test]
    fn a_missing_role_is_named() {
        let mut e = pi_healthy();
        facts(&mut e).roles[0].1 = EksCall::NotFound("NoSuchEntity".into());
        let f = expect(
            &e,
            Code::PodIdentityRoleMissing,
            Severity::Error,
            "pod-identity-role-missing",
        );
        assert!(f.remedy.contains("--role-name web"), "{}", f.remedy);
    }

    #[test]
    fn assume_role_without_tag_session_is_invalid_and_corrected() {
        let mut e = pi_healthy();
        trust(
            &mut e,
            json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": SERVICE}, "Action": "sts:AssumeRole"}]}),
        );
        let f = expect(
            &e,
            Code::PodIdentityTrustInvalid,
            Severity::Error,
            "pod-identity-trust-invalid",
        );
        let fixed: Value = serde_json::from_str(&f.remedy[f.remedy.find('{').unwrap()..]).unwrap();
        assert!(missing_actions(&fixed).is_empty(), "{fixed}");
        assert_eq!(
            fixed["Statement"].as_array().map(Vec::len),
            Some(1),
            "{fixed}"
        );
    }

    #[test]
    fn wildcards_and_deny_are_evaluated() {
        let allow_all = json!({"Statement": {"Effect": "Allow", "Principal": {"Service": [SERVICE]}, "Action": "sts:*"}});
        assert!(missing_actions(&allow_all).is_empty());
        let not_action = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": SERVICE}, "NotAction": "sts:TagSession"}]});
        assert_eq!(missing_actions(&not_action), vec!["sts:TagSession"]);
        let denied = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"Service": SERVICE}, "Action": ACTIONS},
            {"Effect": "Deny", "Principal": "*", "Action": "sts:TagSession"}]});
        assert_eq!(missing_actions(&denied), vec!["sts:TagSession"]);
        let other = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": ACTIONS}]});
        assert_eq!(missing_actions(&other), ACTIONS.to_vec());
    }

    #[test]
    fn a_pod_older_than_the_association_must_be_recreated() {
        let mut e = pi_healthy();
        let mut old = pod("app-0", &[]);
        old.created = Some(datetime!(2025-12-31 0:00 UTC));
        old.owner = Some("ReplicaSet/app-5d9c7b".into());
        if let Some(KubeRead::Ok(pods)) = e.irsa.as_mut().map(|x| &mut x.pods) {
            pods.push(old);
        }
        let f = expect(
            &e,
            Code::PodIdentityPodEnvMissing,
            Severity::Error,
            "pod-identity-pod-env-missing",
        );
        assert!(
            f.detail.contains("app-0 (created before the association"),
            "{}",
            f.detail
        );
        assert!(
            f.remedy
                .contains("kubectl rollout restart deployment/app -n dev"),
            "{}",
            f.remedy
        );
        assert!(!f.title.contains("app-1"), "{}", f.title);
    }

    #[test]
    fn irsa_variables_shadow_pod_identity() {
        let mut e = pi_healthy();
        if let Some(KubeRead::Ok(pods)) = e.irsa.as_mut().map(|x| &mut x.pods) {
            let env = &mut pods[0].containers[0].env;
            env.insert(ROLE_ENV.into(), "arn:aws:iam::111122223333:role/x".into());
            env.insert(TOKEN_ENV.into(), "/t".into());
        }
        let f = expect(
            &e,
            Code::PodIdentityShadowed,
            Severity::Error,
            "pod-identity-shadowed",
        );
        assert!(
            f.remedy.contains(&format!("{ROLE_ANNOTATION}-")),
            "{}",
            f.remedy
        );
    }

    #[test]
    fn cross_account_target_is_unverified_in_the_other_account() {
        let mut e = pi_healthy();
        if let EksCall::Ok(a) = &mut facts(&mut e).associations {
            a[0].target_role_arn = Some("arn:aws:iam::444455556666:role/shared".into());
        }
        let f = expect(&e, Code::IrsaUnverified, Severity::Warning, "ok");
        assert!(f.remedy.contains("account 444455556666"), "{}", f.remedy);
    }
}
