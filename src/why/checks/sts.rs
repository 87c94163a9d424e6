//! STS: what STS said to the token's presigned GetCallerIdentity, sent as
//! the authenticator sends it (with this cluster's `x-k8s-aws-id`).
//!
//! Codes: sts-signature-mismatch, sts-invalid-client-token, sts-unreachable,
//! sts-throttled. `ExpiredToken` is credentials-expired (`credentials.rs`);
//! "Signature not yet current" is clock-skew and a signature that verifies
//! with the exec entry's cluster name is token-cluster-mismatch
//! (`token.rs`). A successful answer is the `identity` finding
//! (`identity.rs`).

use super::{profile_arg, region_or_placeholder, sh};
use crate::why::evidence::{Evidence, StsAnswer};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use crate::why::inspect::inspect;
use serde_json::json;

/// Regions that must be enabled in an account before STS there knows its
/// keys (opt-in regions, launched after March 2019).
const OPT_IN_REGIONS: [&str; 17] = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// sts-throttled: STS throttled the request.
pub static THROTTLED: Rule = Rule::new("sts-throttled", Severity::Warning, Area::Sts).rank(340);

/// The STS findings.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let Some(sts) = &e.sts else { return Vec::new() };
    let (akid, signing_region) = token_key(e);
    let akid_text = akid.clone().unwrap_or_else(|| "of the token".into());
    let ev = |extra: serde_json::Value| {
        let mut v = json!({"endpoint": sts.endpoint, "cluster_header": sts.cluster_header,
            "access_key_id": akid, "signing_region": signing_region});
        if let (Some(o), serde_json::Value::Object(x)) = (v.as_object_mut(), extra) {
            o.extend(x);
        }
        v
    };
    let finding = match &sts.answer {
        StsAnswer::Caller { .. } => return Vec::new(),
        StsAnswer::Unreachable { reason } => {
            unreachable(e, &sts.endpoint, reason).evidence(ev(json!({"reason": reason})))
        }
        StsAnswer::TlsUntrusted { issuer, reason } => tls_untrusted(&sts.endpoint, issuer, reason)
            .evidence(ev(
                json!({"issuer": issuer, "reason": reason, "variable": "AWS_CA_BUNDLE"}),
            )),
        StsAnswer::Error {
            status,
            code,
            message,
        } => match code.as_str() {
            "ExpiredToken" => return Vec::new(),
            "SignatureDoesNotMatch" if message.contains("not yet current") => return Vec::new(),
            "SignatureDoesNotMatch" => signature_mismatch(e, &akid_text, message)
                .evidence(ev(json!({"status": status, "sts_code": code}))),
            "InvalidClientTokenId" => {
                let region = signing_region
                    .clone()
                    .unwrap_or_else(|| region_or_placeholder(e));
                let opt_in = OPT_IN_REGIONS.contains(&region.as_str());
                invalid_client_token(
                    e,
                    &akid_text,
                    &region,
                    &format!("{status} {code}: {message}"),
                )
                .evidence(ev(
                    json!({"status": status, "sts_code": code, "opt_in_region": opt_in}),
                ))
            }
            c if c.starts_with("Throttl") || *status == 429 => Finding::new(
                Code::StsThrottled,
                "STS throttled the token check",
            )
            .detail(format!("STS answered {status} {code}: {message}"))
            .remedy(
                "Retry in a minute. Tools that make a new token for every kubectl call add to the \
                         load; kubectl eksauth token caches tokens for their life.",
            )
            .evidence(ev(json!({"status": status, "sts_code": code}))),
            _ => return Vec::new(),
        },
    };
    vec![finding]
}

/// ✓ STS said who signed: `sts-signature-mismatch` holds.
pub fn passed(e: &Evidence) -> Vec<Finding> {
    match e.sts.as_ref().map(|s| &s.answer) {
        Some(StsAnswer::Caller { .. }) => vec![Finding::ok(
            Code::StsSignatureMismatch,
            "STS verifies the token's signature",
        )],
        _ => Vec::new(),
    }
}

/// The endpoint's certificate comes from a CA nobody told us to trust:
/// almost always a proxy that inspects TLS.
pub fn tls_untrusted(endpoint: &str, issuer: &str, reason: &str) -> Finding {
    Finding::new(
        Code::AwsTlsUntrusted,
        format!("TLS to the AWS endpoint {endpoint} is not trusted: its certificate was issued by {issuer}"),
    )
    .detail(format!(
        "{reason}. A certificate for an AWS endpoint issued by {issuer} usually means a proxy that \
         inspects TLS; the AWS CLI, the SDKs and this plugin fail verification until they trust its CA."
    ))
    .remedy(
        "Get the proxy's CA certificate (PEM) from your IT team and point AWS_CA_BUNDLE at it \
         (in the shell kubectl runs from, or in the exec entry's env):\n\
         export AWS_CA_BUNDLE=/path/to/corporate-ca.pem\n\
         or add `ca_bundle = /path/to/corporate-ca.pem` to the profile in ~/.aws/config",
    )
}

/// sts-unreachable: STS could not be reached.
pub static UNREACHABLE: Rule = Rule::new("sts-unreachable", Severity::Error, Area::Sts).rank(320);

fn unreachable(e: &Evidence, endpoint: &str, reason: &str) -> Finding {
    let severity = if super::accepted(e) {
        Severity::Warning
    } else {
        Severity::Error
    };
    Finding::new(
        Code::StsUnreachable,
        format!("STS at {endpoint} could not be reached from here"),
    )
    .severity(severity)
    .detail(format!(
        "{reason}. The cluster calls STS itself, so this limits the diagnosis more than kubectl."
    ))
    .remedy(format!(
        "Check this machine's route to {endpoint}: proxy (HTTPS_PROXY, NO_PROXY), firewall, VPC \
             endpoint, AWS_ENDPOINT_URL_STS. This must answer:\naws sts get-caller-identity{}",
        profile_arg(e)
    ))
}

/// sts-invalid-client-token: STS does not know the access key.
pub static INVALID_CLIENT_TOKEN: Rule =
    Rule::new("sts-invalid-client-token", Severity::Error, Area::Sts).rank(330);

fn invalid_client_token(e: &Evidence, akid: &str, region: &str, answer: &str) -> Finding {
    let mut remedy = format!(
        "The key was deleted or deactivated, or belongs to another partition. Check the credentials \
         the exec entry uses:\naws sts get-caller-identity{} --region {}",
        profile_arg(e),
        sh(region)
    );
    if OPT_IN_REGIONS.contains(&region) {
        remedy.push_str(&format!(
            "\n{region} is an opt-in region: STS there knows no key until the account enables it:\n\
             aws account enable-region --region-name {region}"
        ));
    }
    Finding::new(
        Code::StsInvalidClientToken,
        format!("STS does not know the access key {akid}"),
    )
    .detail(format!("STS answered {answer}"))
    .remedy(remedy)
}

/// sts-signature-mismatch: STS says the signature does not match.
pub static SIGNATURE_MISMATCH: Rule =
    Rule::new("sts-signature-mismatch", Severity::Error, Area::Sts).rank(360);

fn signature_mismatch(e: &Evidence, akid: &str, message: &str) -> Finding {
    let explained = e
        .sts
        .as_ref()
        .and_then(|s| s.answer_with_exec_cluster.as_ref())
        .filter(|(_, a)| matches!(a, StsAnswer::Caller { .. }));
    if let Some((name, _)) = explained {
        return Finding::new(
            Code::StsSignatureMismatch,
            "STS refuses the token's signature for this cluster",
        )
        .detail(format!(
            "STS: {message}. It verifies for cluster {name}: see token-cluster-mismatch."
        ))
        .remedy("Fix the cluster name the token is signed for (token-cluster-mismatch).");
    }
    let remedy = if e.request.token_from_flag {
        "Pass the whole token, unchanged, as the exec plugin printed it.".to_string()
    } else {
        format!(
            "The secret key does not belong to access key {akid}, or the token was altered on the way. \
             Check the credentials:\naws sts get-caller-identity{}\nIf that fails too, set the keys again:\n\
             aws configure{}",
            profile_arg(e),
            profile_arg(e)
        )
    };
    Finding::new(
        Code::StsSignatureMismatch,
        "STS says the token's signature does not match",
    )
    .detail(format!("STS: {message}"))
    .remedy(remedy)
}

/// The access key id and signing region the token names (non-secret).
fn token_key(e: &Evidence) -> (Option<String>, Option<String>) {
    let Some(token) = &e.token else {
        return (None, None);
    };
    let parts = inspect(
        token.expose(),
        e.now.unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    )
    .parts;
    parts.map_or((None, None), |p| (p.access_key_id, p.signing_region))
}

#[cfg(test)]
mod tests {
    use crate::why::checks::fixtures::*;
    use crate::why::evidence::{Evidence, Review, StsAnswer};
    use crate::why::finding::{Code, Severity};

    fn answered(answer: StsAnswer) -> Evidence {
        let mut e = healthy();
        e.sts.as_mut().unwrap().answer = answer;
        e.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        e
    }

    fn error(status: u16, code: &str, message: &str) -> StsAnswer {
        StsAnswer::Error {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    #[test]
    fn sts_signature_mismatch() {
        let e = answered(error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ));
        let f = expect(
            &e,
            Code::StsSignatureMismatch,
            Severity::Error,
            "sts-signature-mismatch",
        );
        assert!(
            f.remedy
                .contains("aws sts get-caller-identity --profile dev")
        );
        assert!(f.remedy.contains(AKID));
    }

    #[test]
    fn sts_invalid_client_token() {
        let e = answered(error(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ));
        let f = expect(
            &e,
            Code::StsInvalidClientToken,
            Severity::Error,
            "sts-invalid-client-token",
        );
        assert!(f.title.contains(AKID));
        assert!(!f.remedy.contains("enable-region"));
    }

    #[test]
    fn sts_invalid_client_token_in_an_opt_in_region() {
        let mut e = answered(error(403, "InvalidClientTokenId", "invalid"));
        e.token = Some(crate::secret::Secret::new(token_for(
            &good_url().replace("us-west-2", "af-south-1"),
        )));
        let f = expect(
            &e,
            Code::StsInvalidClientToken,
            Severity::Error,
            "sts-invalid-client-token",
        );
        assert!(
            f.remedy
                .contains("aws account enable-region --region-name af-south-1"),
            "{}",
            f.remedy
        );
    }

    #[test]
    fn aws_tls_untrusted_names_the_endpoint_the_issuer_and_the_variable() {
        let mut e = answered(StsAnswer::TlsUntrusted {
            issuer: "CN=Corp TLS Inspection CA, O=Example Corp".into(),
            reason: "invalid peer certificate: UnknownIssuer".into(),
        });
        e.server.as_mut().unwrap().review = None;
        let f = expect(
            &e,
            Code::AwsTlsUntrusted,
            Severity::Error,
            "aws-tls-untrusted",
        );
        let endpoint = e.sts.as_ref().unwrap().endpoint.clone();
        assert!(f.title.contains(&endpoint), "{}", f.title);
        assert!(f.title.contains("CN=Corp TLS Inspection CA"), "{}", f.title);
        assert!(f.remedy.contains("AWS_CA_BUNDLE") && f.remedy.contains("ca_bundle"));
        assert_eq!(
            f.evidence["issuer"],
            "CN=Corp TLS Inspection CA, O=Example Corp"
        );
        assert!(!has(&e, Code::StsUnreachable), "not also unreachable");
    }

    #[test]
    fn sts_unreachable() {
        let mut e = answered(StsAnswer::Unreachable {
            reason: "connection timed out".into(),
        });
        e.server.as_mut().unwrap().review = None;
        expect(&e, Code::StsUnreachable, Severity::Error, "sts-unreachable");
    }

    #[test]
    fn sts_unreachable_is_a_warning_when_the_cluster_accepted_the_token() {
        let mut e = answered(StsAnswer::Unreachable {
            reason: "connection timed out".into(),
        });
        e.server.as_mut().unwrap().review = Some(authenticated());
        expect(&e, Code::StsUnreachable, Severity::Warning, "ok");
    }

    #[test]
    fn sts_throttled() {
        let mut e = answered(error(400, "Throttling", "Rate exceeded"));
        e.server.as_mut().unwrap().review = Some(authenticated());
        expect(&e, Code::StsThrottled, Severity::Warning, "ok");
    }
}
