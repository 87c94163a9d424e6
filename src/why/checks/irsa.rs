//! IAM roles for service accounts (field guide, section 5): the
//! ServiceAccount and its `eks.amazonaws.com/role-arn` annotation, the
//! role, the cluster's OIDC issuer and its IAM OIDC provider with the
//! `sts.amazonaws.com` audience, the role's trust policy evaluated for this
//! service account's token ([`crate::why::trust`]), and the pods that run
//! with it (the injected `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`).
//! Each failure carries the corrected annotation or trust policy. Codes:
//! irsa-*; `irsa-unverified` names what could not be read, for IRSA and
//! Pod Identity alike.

use super::{caller, cluster_or_placeholder, pod_identity, region_or_placeholder, sh};
use crate::domain::arn::{Arn, Kind, issuer_host_path};
use crate::why::evidence::{EksCall, Evidence, IrsaFacts, KubeRead, OidcProviderInfo, PodInfo};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use crate::why::trust::{self, Problem, WebIdentity};
use serde_json::{Value, json};

/// The annotation the pod identity webhook reads.
pub const ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// The audience of the projected token.
pub const AUDIENCE: &str = "sts.amazonaws.com";
/// The variables the webhook injects.
pub const ROLE_ENV: &str = "AWS_ROLE_ARN";
pub const TOKEN_ENV: &str = "AWS_WEB_IDENTITY_TOKEN_FILE";

/// The findings of this area (and `irsa-unverified` for the whole
/// service account, Pod Identity's unreadable parts included).
pub fn check(e: &Evidence) -> Vec<Finding> {
    let Some(x) = &e.irsa else {
        return Vec::new();
    };
    let mut out = chain(e, x);
    out.extend(unverified(e, x));
    out
}

/// ✓ What was seen of the service account, and what could not be
/// checked (`irsa-service-account-missing` judged).
pub fn passed(e: &Evidence) -> Vec<Finding> {
    e.irsa
        .iter()
        .map(|x| Finding::ok(Code::IrsaServiceAccountMissing, irsa_line(x)))
        .collect()
}

/// `what (why)` when an IAM call was denied or failed.
fn not_answered<T>(what: &str, c: Option<&EksCall<T>>) -> Option<String> {
    match c {
        Some(EksCall::Denied(m) | EksCall::Failed(m)) => Some(format!("{what} ({m})")),
        _ => None,
    }
}

/// What was seen of a service account, and what could not be checked.
fn irsa_line(x: &IrsaFacts) -> String {
    let mut seen = vec![format!("ServiceAccount {}/{}", x.namespace, x.name)];
    let mut unchecked = Vec::new();
    match &x.service_account {
        KubeRead::Ok(a) => {
            if let Some(r) = a.get(ROLE_ANNOTATION) {
                seen.push(format!("annotated with {r}"));
            }
        }
        KubeRead::NotFound => {}
        KubeRead::Forbidden(m) | KubeRead::Failed(m) => {
            unchecked.push(format!("the ServiceAccount (read as {}: {m})", x.source))
        }
    }
    unchecked.extend(not_answered("the role's trust policy", x.role.as_ref()));
    unchecked.extend(not_answered("the OIDC provider", x.oidc_provider.as_ref()));
    if x.oidc_provider.is_none() {
        unchecked.push("the OIDC provider (the cluster's issuer is unknown)".into());
    }
    if let KubeRead::Ok(p) = &x.pods {
        seen.push(format!("{} pod(s) run with it", p.len()));
    }
    let mut line = seen.join(", ");
    if !unchecked.is_empty() {
        line.push_str(&format!("; not checked: {}", unchecked.join("; ")));
    }
    line
}

/// The IRSA chain: the annotation, the role, the OIDC provider, the trust
/// policy and the pods.
fn chain(e: &Evidence, x: &IrsaFacts) -> Vec<Finding> {
    let annotations = match &x.service_account {
        KubeRead::Ok(a) => a,
        KubeRead::NotFound => return vec![sa_missing(x)],
        _ => return Vec::new(), // unreadable: irsa-unverified says so
    };
    let Some(value) = annotations.get(ROLE_ANNOTATION).map(|v| v.trim()) else {
        let listed = matches!(
            e.pod_identity.as_ref().map(|p| &p.associations),
            Some(EksCall::Ok(_)) | None
        );
        return match listed && !pod_identity::associated(e) {
            true => vec![annotation_missing(e, x)],
            false => Vec::new(), // Pod Identity, or unknown: irsa-unverified
        };
    };
    let Some(role) = Arn::parse(value).filter(well_formed_role) else {
        return vec![annotation_malformed(e, x, value)];
    };
    let mut out = Vec::new();
    let issuer = issuer(e);
    let provider_arn = match x.oidc_provider.as_ref() {
        Some(EksCall::Ok(Some(p))) => Some(p.arn.clone()),
        _ => issuer.as_ref().map(|i| {
            format!(
                "arn:{}:iam::{}:oidc-provider/{i}",
                role.partition, role.account
            )
        }),
    };
    match x.oidc_provider.as_ref() {
        Some(EksCall::Ok(None)) => out.push(provider_missing(e, issuer.as_deref())),
        Some(EksCall::Ok(Some(p))) if !p.client_ids.iter().any(|c| c == AUDIENCE) => {
            out.push(audience_missing(p))
        }
        _ => {}
    }
    let sub = format!("system:serviceaccount:{}:{}", x.namespace, x.name);
    let who = match (&provider_arn, &issuer) {
        (Some(p), Some(i)) => Some(WebIdentity {
            provider_arn: p,
            issuer: i,
            sub: &sub,
            aud: AUDIENCE,
        }),
        _ => None,
    };
    match x.role.as_ref() {
        Some(EksCall::NotFound(_)) => out.push(role_missing(value, who.as_ref())),
        Some(EksCall::Ok(r)) => {
            if let (Some(w), Some(doc)) = (&who, r.trust_policy.as_deref()) {
                out.extend(trust_findings(value, doc, w));
            }
        }
        _ => {}
    }
    out.extend(pods_findings(x, value));
    out.extend(credentials_shadowed(x));
    out
}

fn well_formed_role(a: &Arn) -> bool {
    a.service == "iam"
        && a.region.is_empty()
        && a.account.len() == 12
        && a.account.chars().all(|c| c.is_ascii_digit())
        && a.kind() == Kind::Role
        && a.name().is_some_and(|n| !n.is_empty())
}

/// The cluster's issuer without `https://`, from DescribeCluster.
fn issuer(e: &Evidence) -> Option<String> {
    match e.eks.as_ref().map(|x| &x.describe) {
        Some(EksCall::Ok(c)) => c.oidc_issuer.as_deref().map(issuer_host_path),
        _ => None,
    }
}

fn account(e: &Evidence) -> String {
    caller(e)
        .map(|c| c.account)
        .unwrap_or_else(|| "ACCOUNT_ID".into())
}

fn annotate_line(x: &IrsaFacts, arn: &str) -> String {
    format!(
        "kubectl annotate serviceaccount -n {} {} --overwrite {ROLE_ANNOTATION}={}",
        sh(&x.namespace),
        sh(&x.name),
        sh(arn)
    )
}

/// irsa-service-account-missing: the ServiceAccount does not exist.
pub static SERVICE_ACCOUNT_MISSING: Rule =
    Rule::new("irsa-service-account-missing", Severity::Error, Area::Irsa).rank(550);

fn sa_missing(x: &IrsaFacts) -> Finding {
    Finding::new(
        Code::IrsaServiceAccountMissing,
        format!("ServiceAccount {}/{} does not exist", x.namespace, x.name),
    )
    .detail(format!("{} found no ServiceAccount {} in namespace {}.", x.source, x.name, x.namespace))
    .remedy(format!(
        "Create it, annotated with the role its pods should get:\nkubectl create serviceaccount -n {} {}\n{}",
        sh(&x.namespace),
        sh(&x.name),
        annotate_line(x, "arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME")
    ))
    .evidence(json!({"namespace": x.namespace, "name": x.name}))
}

/// irsa-annotation-missing: the ServiceAccount has no eks.amazonaws.com/role-arn and no Pod Identity association.
pub static ANNOTATION_MISSING: Rule =
    Rule::new("irsa-annotation-missing", Severity::Error, Area::Irsa).rank(560);

fn annotation_missing(e: &Evidence, x: &IrsaFacts) -> Finding {
    let role = format!("arn:aws:iam::{}:role/ROLE_NAME", account(e));
    Finding::new(
        Code::IrsaAnnotationMissing,
        format!(
            "ServiceAccount {}/{} has no IAM role: no {ROLE_ANNOTATION} annotation and no Pod Identity association",
            x.namespace, x.name
        ),
    )
    .detail("Neither IRSA nor EKS Pod Identity gives its pods a role, so they use the node's role.")
    .remedy(format!(
        "Either way works; then recreate its pods.
         EKS Pod Identity (the role's trust policy must allow {} sts:AssumeRole and sts:TagSession):
{}
         or IAM roles for service accounts (the role's trust policy must allow the cluster's OIDC provider          sts:AssumeRoleWithWebIdentity for system:serviceaccount:{}:{}):
{}",
        pod_identity::SERVICE,
        pod_identity::create_line(e, x, &role),
        x.namespace,
        x.name,
        annotate_line(x, &role)
    ))
    .evidence(json!({"namespace": x.namespace, "name": x.name}))
}

/// The annotation as it was probably meant: a bare role name, or an STS
/// assumed-role ARN, made an IAM role ARN.
fn corrected_annotation(e: &Evidence, value: &str) -> String {
    if let Some(a) = Arn::parse(value)
        && let Some(c) = crate::domain::arn::canonicalize(value)
        && a.kind() == Kind::AssumedRole
    {
        return c;
    }
    let name = value
        .rsplit(['/', ':'])
        .next()
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
        })
        .unwrap_or("ROLE_NAME");
    format!("arn:aws:iam::{}:role/{name}", account(e))
}

/// irsa-annotation-malformed: the role annotation is not an IAM role ARN.
pub static ANNOTATION_MALFORMED: Rule =
    Rule::new("irsa-annotation-malformed", Severity::Error, Area::Irsa).rank(570);

fn annotation_malformed(e: &Evidence, x: &IrsaFacts, value: &str) -> Finding {
    let fixed = corrected_annotation(e, value);
    Finding::new(
        Code::IrsaAnnotationMalformed,
        format!("The {ROLE_ANNOTATION} annotation is not an IAM role ARN"),
    )
    .detail(format!(
        "ServiceAccount {}/{} says {value:?}; the webhook needs arn:aws:iam::ACCOUNT_ID:role/NAME.",
        x.namespace, x.name
    ))
    .remedy(format!(
        "Correct it, then recreate its pods:\n{}",
        annotate_line(x, &fixed)
    ))
    .evidence(json!({"annotation": value, "corrected": fixed}))
}

fn trust_json(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).unwrap_or_default()
}

/// irsa-role-missing: the annotated role does not exist.
pub static ROLE_MISSING: Rule =
    Rule::new("irsa-role-missing", Severity::Error, Area::Irsa).rank(580);

fn role_missing(role_arn: &str, who: Option<&WebIdentity<'_>>) -> Finding {
    let name = crate::domain::arn::role_name(role_arn).unwrap_or("ROLE_NAME");
    let policy = who
        .map(|w| {
            trust_json(
                &json!({"Version": "2012-10-17", "Statement": [trust::canonical_statement(w)]}),
            )
        })
        .unwrap_or_else(|| "(the cluster's OIDC issuer is unknown: see DescribeCluster)".into());
    Finding::new(Code::IrsaRoleMissing, format!("Role {name} does not exist"))
        .detail(format!("IAM GetRole found no role {name} ({role_arn})."))
        .remedy(format!(
            "Create it with this trust policy (saved as trust.json), then attach its permissions:\n\
             aws iam create-role --role-name {} --assume-role-policy-document file://trust.json\n{policy}",
            sh(name)
        ))
        .evidence(json!({"role_arn": role_arn}))
}

/// irsa-oidc-provider-missing: no IAM OIDC provider for the cluster's issuer.
pub static OIDC_PROVIDER_MISSING: Rule =
    Rule::new("irsa-oidc-provider-missing", Severity::Error, Area::Irsa).rank(590);

fn provider_missing(e: &Evidence, issuer: Option<&str>) -> Finding {
    let url = issuer
        .map(|i| format!("https://{i}"))
        .unwrap_or_else(|| "ISSUER_URL".into());
    Finding::new(
        Code::IrsaOidcProviderMissing,
        "The cluster's OIDC issuer has no IAM OIDC provider",
    )
    .detail(format!(
        "IAM has no OpenID Connect provider for {url}, so STS cannot trust the pods' tokens."
    ))
    .remedy(format!(
        "Create it:\neksctl utils associate-iam-oidc-provider --cluster {} --region {} --approve\n\
             or: aws iam create-open-id-connect-provider --url {} --client-id-list {AUDIENCE}",
        sh(&cluster_or_placeholder(e)),
        sh(&region_or_placeholder(e)),
        sh(&url)
    ))
    .evidence(json!({"issuer": url}))
}

/// irsa-oidc-audience-missing: the OIDC provider lacks the sts.amazonaws.com audience.
pub static OIDC_AUDIENCE_MISSING: Rule =
    Rule::new("irsa-oidc-audience-missing", Severity::Error, Area::Irsa).rank(600);

fn audience_missing(p: &OidcProviderInfo) -> Finding {
    Finding::new(
        Code::IrsaOidcAudienceMissing,
        format!("The OIDC provider lacks the {AUDIENCE} audience"),
    )
    .detail(format!(
        "{} has client IDs [{}]; the pods' tokens are for {AUDIENCE}.",
        p.arn,
        p.client_ids.join(", ")
    ))
    .remedy(format!(
        "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {} --client-id {AUDIENCE}",
        sh(&p.arn)
    ))
    .evidence(json!({"provider_arn": p.arn, "client_ids": p.client_ids}))
}

/// irsa-trust-principal-mismatch: the trust policy names another OIDC provider.
pub static TRUST_PRINCIPAL_MISMATCH: Rule =
    Rule::new("irsa-trust-principal-mismatch", Severity::Error, Area::Irsa).rank(610);

/// irsa-trust-action-mismatch: the trust policy does not allow sts:AssumeRoleWithWebIdentity.
pub static TRUST_ACTION_MISMATCH: Rule =
    Rule::new("irsa-trust-action-mismatch", Severity::Error, Area::Irsa).rank(620);

/// irsa-trust-subject-mismatch: the trust policy's sub condition excludes this service account.
pub static TRUST_SUBJECT_MISMATCH: Rule =
    Rule::new("irsa-trust-subject-mismatch", Severity::Error, Area::Irsa).rank(630);

/// irsa-trust-audience-mismatch: the trust policy's aud condition is not sts.amazonaws.com.
pub static TRUST_AUDIENCE_MISMATCH: Rule =
    Rule::new("irsa-trust-audience-mismatch", Severity::Error, Area::Irsa).rank(640);

fn trust_findings(role_arn: &str, doc_text: &str, w: &WebIdentity<'_>) -> Vec<Finding> {
    let name = crate::domain::arn::role_name(role_arn).unwrap_or("ROLE_NAME");
    let doc: Value = match serde_json::from_str(doc_text) {
        Ok(d) => d,
        Err(_) => json!({"Statement": []}),
    };
    let ev = trust::evaluate(&doc, w);
    if ev.allowed {
        return Vec::new();
    }
    let fixed = trust_json(&trust::corrected(&doc, w));
    let remedy = format!(
        "Update the trust policy (saved as trust.json):\n\
         aws iam update-assume-role-policy --role-name {} --policy-document file://trust.json\n{fixed}",
        sh(name)
    );
    let deny = |p: Problem| ev.denied_by.iter().any(|(_, d)| *d == p);
    ev.all_problems()
        .into_iter()
        .map(|p| {
            let (code, title, wanted) = match p {
                Problem::Principal => (
                    Code::IrsaTrustPrincipalMismatch,
                    "The trust policy names another OIDC provider",
                    format!("Principal.Federated = {}", w.provider_arn),
                ),
                Problem::Action => (
                    Code::IrsaTrustActionMismatch,
                    "The trust policy does not allow sts:AssumeRoleWithWebIdentity",
                    format!("Action = {}", trust::WEB_IDENTITY_ACTION),
                ),
                Problem::Subject => (
                    Code::IrsaTrustSubjectMismatch,
                    "The trust policy's sub condition excludes this service account",
                    format!("{}:sub = {}", w.issuer, w.sub),
                ),
                Problem::Audience => (
                    Code::IrsaTrustAudienceMismatch,
                    "The trust policy's aud condition is not sts.amazonaws.com",
                    format!("{}:aud = {}", w.issuer, w.aud),
                ),
            };
            let why = if deny(p) {
                "A Deny statement matches this service account's token.".to_string()
            } else {
                match ev.closest {
                    Some(i) => format!("The closest Allow statement (number {}) does not match.", i + 1),
                    None => "No Allow statement matches.".to_string(),
                }
            };
            Finding::new(code, title)
                .detail(format!("Role {name}: {why} The token presents {wanted}."))
                .remedy(remedy.clone())
                .evidence(json!({"role_arn": role_arn, "expected": wanted, "deny_statements": ev.denied_by.iter().map(|(i, _)| i + 1).collect::<Vec<_>>()}))
        })
        .collect()
}

/// Why a pod lacks the role: None when it carries both variables for it.
fn pod_problem(p: &PodInfo, role_arn: &str) -> Option<String> {
    let missing: Vec<String> = p
        .containers
        .iter()
        .filter_map(|c| {
            let role = c.env.get(ROLE_ENV);
            let token = c.env.get(TOKEN_ENV);
            match (role, token) {
                (Some(r), Some(_)) if r == role_arn => None,
                (Some(r), Some(_)) => Some(format!("container {} has {ROLE_ENV}={r}", c.name)),
                _ => Some(format!(
                    "container {} lacks {ROLE_ENV} or {TOKEN_ENV}",
                    c.name
                )),
            }
        })
        .collect();
    (!missing.is_empty()).then(|| missing.join(", "))
}

fn recreate_line(ns: &str, p: &PodInfo) -> String {
    match p.owner.as_deref().and_then(|o| o.split_once('/')) {
        Some(("ReplicaSet", rs)) => {
            let deploy = rs.rsplit_once('-').map_or(rs, |(d, _)| d);
            format!(
                "kubectl rollout restart deployment/{} -n {}",
                sh(deploy),
                sh(ns)
            )
        }
        Some((kind @ ("StatefulSet" | "DaemonSet"), name)) => format!(
            "kubectl rollout restart {}/{} -n {}",
            kind.to_ascii_lowercase(),
            sh(name),
            sh(ns)
        ),
        _ => format!(
            "kubectl get pod {name} -n {ns} -o yaml > pod.yaml && kubectl delete pod {name} -n {ns} && kubectl apply -f pod.yaml",
            name = sh(&p.name),
            ns = sh(ns)
        ),
    }
}

/// The commands that recreate `pods`, one per owner.
pub(super) fn recreate_lines(ns: &str, pods: &[&PodInfo]) -> String {
    let mut lines: Vec<String> = pods.iter().map(|p| recreate_line(ns, p)).collect();
    lines.dedup();
    lines.join("\n")
}

/// irsa-pod-env-missing: a pod of the service account lacks the injected variables.
pub static POD_ENV_MISSING: Rule =
    Rule::new("irsa-pod-env-missing", Severity::Error, Area::Irsa).rank(650);

fn pods_findings(x: &IrsaFacts, role_arn: &str) -> Vec<Finding> {
    let KubeRead::Ok(pods) = &x.pods else {
        return Vec::new();
    };
    let bad: Vec<(&PodInfo, String)> = pods
        .iter()
        .filter_map(|p| pod_problem(p, role_arn).map(|why| (p, why)))
        .collect();
    if bad.is_empty() {
        return Vec::new();
    }
    let names: Vec<&str> = bad.iter().map(|(p, _)| p.name.as_str()).collect();
    let pods: Vec<&PodInfo> = bad.iter().map(|(p, _)| *p).collect();
    vec![Finding::new(
        Code::IrsaPodEnvMissing,
        format!("{} pod(s) of {}/{} run without the role: {}", bad.len(), x.namespace, x.name, names.join(", ")),
    )
    .detail(format!(
        "{}. The webhook injects {ROLE_ENV} and {TOKEN_ENV} only into pods created after the annotation; \
         these predate it (or an older annotation) and keep the node's role.",
        bad.iter().map(|(p, why)| format!("{}: {why}", p.name)).collect::<Vec<_>>().join("; ")
    ))
    .remedy(format!("Recreate the pod(s):\n{}", recreate_lines(&x.namespace, &pods)))
    .evidence(json!({"pods": names}))]
}

/// Variables that the SDKs read before web identity.
const BEFORE_WEB_IDENTITY: [&str; 3] =
    ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"];

/// Where a pod sets variables that win over web identity (names only).
fn shadows(p: &PodInfo) -> Vec<String> {
    let mut out = Vec::new();
    for c in &p.containers {
        for k in BEFORE_WEB_IDENTITY {
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

/// irsa-credentials-shadowed: a pod also sets access keys or AWS_PROFILE, which the SDKs use before web identity.
pub static CREDENTIALS_SHADOWED: Rule =
    Rule::new("irsa-credentials-shadowed", Severity::Error, Area::Irsa).rank(660);

fn credentials_shadowed(x: &IrsaFacts) -> Option<Finding> {
    let KubeRead::Ok(pods) = &x.pods else {
        return None;
    };
    let bad: Vec<(&PodInfo, Vec<String>)> = pods
        .iter()
        .map(|p| (p, shadows(p)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    if bad.is_empty() {
        return None;
    }
    let pods: Vec<&PodInfo> = bad.iter().map(|(p, _)| *p).collect();
    let names: Vec<&str> = pods.iter().map(|p| p.name.as_str()).collect();
    Some(
        Finding::new(
            Code::IrsaCredentialsShadowed,
            format!("The role is shadowed in {} pod(s): {}", bad.len(), names.join(", ")),
        )
        .detail(format!(
            "{}. The SDKs take access keys and AWS_PROFILE before web identity, so these pods do not \
             use the annotated role.",
            bad.iter()
                .map(|(p, s)| format!("{}: {}", p.name, s.join(", ")))
                .collect::<Vec<_>>()
                .join("; ")
        ))
        .remedy(format!(
            "Remove {} from the pod spec (env, and the ConfigMap or Secret its envFrom names), then recreate the pods:\n{}",
            BEFORE_WEB_IDENTITY.join(", "),
            recreate_lines(&x.namespace, &pods)
        ))
        .evidence(json!({"pods": names})),
    )
}

/// `--admin-context` advice for reading `what` in `ns`.
fn kube_reader(x: &IrsaFacts, what: &str) -> String {
    format!(
        "--admin-context with a context that may {what} in namespace {} (read as {})",
        x.namespace, x.source
    )
}

/// What of IRSA could not be read: (the part, what would read it).
fn irsa_unverified_parts(x: &IrsaFacts) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let KubeRead::Forbidden(m) | KubeRead::Failed(m) = &x.service_account {
        out.push((
            format!("the ServiceAccount ({m})"),
            kube_reader(x, "get serviceaccounts"),
        ));
    }
    if let KubeRead::Forbidden(m) | KubeRead::Failed(m) = &x.pods {
        out.push((format!("its pods ({m})"), kube_reader(x, "list pods")));
    }
    if let Some(EksCall::Denied(m) | EksCall::Failed(m)) = &x.role {
        out.push((
            format!("the annotated role's trust policy ({m})"),
            "the iam:GetRole permission for the exec entry's AWS identity".into(),
        ));
    }
    match &x.oidc_provider {
        Some(EksCall::Denied(m) | EksCall::Failed(m)) => out.push((
            format!("the IAM OIDC provider ({m})"),
            "the iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider permissions".into(),
        )),
        None if x.role.is_some() => out.push((
            "the IAM OIDC provider and the trust policy's conditions (the cluster's OIDC issuer is unknown)".into(),
            "the eks:DescribeCluster permission for the exec entry's AWS identity".into(),
        )),
        _ => {}
    }
    out
}

/// irsa-unverified: part of the service account's chain could not be checked.
pub static UNVERIFIED: Rule = Rule::new("irsa-unverified", Severity::Warning, Area::Irsa);

fn unverified(e: &Evidence, x: &IrsaFacts) -> Option<Finding> {
    let mut parts = irsa_unverified_parts(x);
    parts.extend(pod_identity::unverified(e));
    if parts.is_empty() {
        return None;
    }
    let names: Vec<&str> = parts.iter().map(|(p, _)| p.as_str()).collect();
    Some(
        Finding::new(
            Code::IrsaUnverified,
            format!(
                "{} part(s) of {}/{}'s credentials were not checked",
                parts.len(),
                x.namespace,
                x.name
            ),
        )
        .detail(format!("Not checked: {}.", names.join("; ")))
        .remedy(
            parts
                .iter()
                .map(|(p, how)| format!("{p}: needs {how}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
        .evidence(json!({"unverified": names})),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::kube::objects::ContainerEnv;
    use crate::why::checks::fixtures::*;
    use crate::why::evidence::{ClusterInfo, RoleInfo};
    use crate::why::finding::Severity;
    use std::collections::BTreeMap;

    const ROLE: &str = "arn:aws:iam::111122223333:role/app";
    const ISSUER: &str = "oidc.eks.us-west-2.amazonaws.com/id/AB12";

    /// A pod with one container `app` with `env`.
    pub fn pod(name: &str, env: &[(&str, &str)]) -> PodInfo {
        PodInfo {
            name: name.into(),
            owner: None,
            containers: vec![ContainerEnv {
                name: "app".into(),
                env: env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// Service account dev/app, annotated with ROLE, everything right.
    pub fn irsa_healthy() -> crate::why::evidence::Evidence {
        let mut e = healthy();
        if let Some(EksCall::Ok(c)) = e.eks.as_mut().map(|x| &mut x.describe) {
            *c = ClusterInfo {
                oidc_issuer: Some(format!("https://{ISSUER}")),
                ..c.clone()
            };
        }
        let provider = format!("arn:aws:iam::111122223333:oidc-provider/{ISSUER}");
        let who = WebIdentity {
            provider_arn: &provider,
            issuer: ISSUER,
            sub: "system:serviceaccount:dev:app",
            aud: AUDIENCE,
        };
        let doc = json!({"Version": "2012-10-17", "Statement": [trust::canonical_statement(&who)]});
        e.irsa = Some(IrsaFacts {
            namespace: "dev".into(),
            name: "app".into(),
            source: "the diagnosed identity".into(),
            service_account: KubeRead::Ok(BTreeMap::from([(
                ROLE_ANNOTATION.to_string(),
                ROLE.to_string(),
            )])),
            pods: KubeRead::Ok(vec![pod(
                "app-1",
                &[
                    (ROLE_ENV, ROLE),
                    (
                        TOKEN_ENV,
                        "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
                    ),
                ],
            )]),
            role: Some(EksCall::Ok(RoleInfo {
                arn: ROLE.into(),
                trust_policy: Some(doc.to_string()),
                created: None,
            })),
            oidc_provider: Some(EksCall::Ok(Some(OidcProviderInfo {
                arn: provider.clone(),
                url: ISSUER.into(),
                client_ids: vec![AUDIENCE.into()],
            }))),
        });
        e
    }

    #[test]
    fn healthy_service_account_is_ok() {
        assert_eq!(verdict(&irsa_healthy()), "ok");
    }

    #[test]
    fn assumed_role_annotation_is_corrected_to_the_role() {
        let mut e = irsa_healthy();
        let x = e.irsa.as_mut().unwrap();
        x.service_account = KubeRead::Ok(BTreeMap::from([(
            ROLE_ANNOTATION.to_string(),
            "arn:aws:sts::111122223333:assumed-role/app/session".to_string(),
        )]));
        let f = expect(
            &e,
            Code::IrsaAnnotationMalformed,
            Severity::Error,
            "irsa-annotation-malformed",
        );
        assert!(
            f.remedy.contains(&format!("{ROLE_ANNOTATION}={ROLE}")),
            "{}",
            f.remedy
        );
    }

    #[test]
    fn pod_with_a_stale_role_must_be_recreated() {
        let mut e = irsa_healthy();
        let mut stale = pod(
            "app-2",
            &[
                (ROLE_ENV, "arn:aws:iam::111122223333:role/old"),
                (TOKEN_ENV, "/t"),
            ],
        );
        stale.owner = Some("ReplicaSet/app-5d9c7b".into());
        if let Some(x) = e.irsa.as_mut() {
            x.pods = KubeRead::Ok(vec![stale]);
        }
        let f = expect(
            &e,
            Code::IrsaPodEnvMissing,
            Severity::Error,
            "irsa-pod-env-missing",
        );
        assert!(
            f.remedy
                .contains("kubectl rollout restart deployment/app -n dev"),
            "{}",
            f.remedy
        );
    }

    #[test]
    fn unreadable_service_account_is_unverified() {
        let mut e = irsa_healthy();
        e.irsa.as_mut().unwrap().service_account = KubeRead::Forbidden("no".into());
        let f = expect(&e, Code::IrsaUnverified, Severity::Warning, "ok");
        assert!(f.detail.contains("the ServiceAccount (no)"), "{}", f.detail);
        assert!(f.remedy.contains("--admin-context"), "{}", f.remedy);
        assert_eq!(check(&e).len(), 1);
    }

    #[test]
    fn a_denied_get_role_is_unverified_with_its_permission() {
        let mut e = irsa_healthy();
        e.irsa.as_mut().unwrap().role = Some(EksCall::Denied("not authorized".into()));
        let f = expect(&e, Code::IrsaUnverified, Severity::Warning, "ok");
        assert!(f.remedy.contains("iam:GetRole"), "{}", f.remedy);
    }

    #[test]
    fn access_keys_from_env_from_shadow_the_role() {
        let mut e = irsa_healthy();
        if let Some(KubeRead::Ok(pods)) = e.irsa.as_mut().map(|x| &mut x.pods) {
            pods[0].containers[0]
                .env_from
                .insert("AWS_ACCESS_KEY_ID".into(), "Secret creds".into());
        }
        let f = expect(
            &e,
            Code::IrsaCredentialsShadowed,
            Severity::Error,
            "irsa-credentials-shadowed",
        );
        assert!(
            f.detail.contains("AWS_ACCESS_KEY_ID from Secret creds"),
            "{}",
            f.detail
        );
    }

    #[test]
    fn aws_profile_in_env_shadows_the_role() {
        let mut e = irsa_healthy();
        if let Some(KubeRead::Ok(pods)) = e.irsa.as_mut().map(|x| &mut x.pods) {
            pods[0].containers[0]
                .env
                .insert("AWS_PROFILE".into(), "x".into());
        }
        expect(
            &e,
            Code::IrsaCredentialsShadowed,
            Severity::Error,
            "irsa-credentials-shadowed",
        );
    }

    #[test]
    fn no_annotation_and_no_association_names_both_ways() {
        let mut e = irsa_healthy();
        e.irsa.as_mut().unwrap().service_account = KubeRead::Ok(BTreeMap::new());
        e.pod_identity = Some(crate::why::evidence::PodIdentityFacts {
            associations: EksCall::Ok(vec![]),
            addon: None,
            daemonset: None,
            roles: vec![],
        });
        let f = expect(
            &e,
            Code::IrsaAnnotationMissing,
            Severity::Error,
            "irsa-annotation-missing",
        );
        assert!(
            f.remedy.contains("aws eks create-pod-identity-association"),
            "{}",
            f.remedy
        );
        assert!(
            f.remedy.contains("kubectl annotate serviceaccount"),
            "{}",
            f.remedy
        );
    }

    #[test]
    fn unlisted_associations_are_unverified_not_a_missing_annotation() {
        let mut e = irsa_healthy();
        e.irsa.as_mut().unwrap().service_account = KubeRead::Ok(BTreeMap::new());
        e.pod_identity = Some(crate::why::evidence::PodIdentityFacts {
            associations: EksCall::Denied("no".into()),
            addon: None,
            daemonset: None,
            roles: vec![],
        });
        let f = expect(&e, Code::IrsaUnverified, Severity::Warning, "ok");
        assert!(
            f.remedy.contains("eks:ListPodIdentityAssociations"),
            "{}",
            f.remedy
        );
        assert!(
            !check(&e)
                .iter()
                .any(|f| f.code == Code::IrsaAnnotationMissing)
        );
    }
}
