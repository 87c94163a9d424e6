//! Asking STS about a token, the way the authenticator does: GET the
//! presigned URL with the cluster's own `x-k8s-aws-id` header and
//! `Accept: application/json`, no redirects, bounded by a timeout. The
//! answer (caller, or STS's error code) and STS's `Date` become evidence.
//! The URL carries a signature and maybe a session token: it is never
//! printed, only its scheme, host and path.

use crate::aws::tls::{self, CaBundle, SeenIssuer};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;
use time::OffsetDateTime;

/// An STS answer to the presigned GetCallerIdentity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsAnswer {
    /// 200: who signed.
    Caller {
        arn: String,
        account: String,
        user_id: String,
    },
    /// An STS error document (HTTP status, code, message).
    Error {
        status: u16,
        code: String,
        message: String,
    },
    /// No answer (DNS, connect, TLS, timeout).
    Unreachable { reason: String },
    /// The endpoint's certificate did not verify against the trusted roots
    /// (the platform's plus `AWS_CA_BUNDLE`/`ca_bundle`): who issued it.
    TlsUntrusted { issuer: String, reason: String },
}

/// The most of STS's answer that is read (a GetCallerIdentity answer or
/// an error is well under 2 KiB).
const BODY_CAP: usize = 64 << 10;

/// Where a token's URL is sent: the URL itself, or, when it names a real
/// AWS STS host and an endpoint override is configured, the override (the
/// stand-in the user pointed the AWS tools at). Returns the URL to GET and
/// the scheme://host/path shown in reports.
pub fn target(url: &str, override_base: Option<&str>) -> (String, String, bool) {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("");
    let aws_host = crate::domain::partition::is_aws_host(host);
    match override_base {
        Some(o) if aws_host => {
            let o = o.trim_end_matches('/');
            (format!("{o}/?{query}"), format!("{o}/"), true)
        }
        Some(o) => {
            let same = o.trim_end_matches('/') == base.trim_end_matches('/');
            (url.to_string(), base.to_string(), same)
        }
        None => (url.to_string(), base.to_string(), false),
    }
}

/// Whether the token's URL may be sent at all: like the authenticator,
/// only to an STS host EKS accepts (checked before anything is sent, as
/// the URL carries a signature and maybe a session token), or to the
/// endpoint override the user configured. A token naming any other host is
/// reported by the checks (token-sts-host-rejected) and never sent.
pub fn may_send(url: &str, endpoint_override: bool) -> bool {
    if endpoint_override {
        return true;
    }
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
    uri.scheme_str() == Some("https")
        && !authority.contains('@')
        && crate::domain::partition::sts_host(authority).is_some()
}

/// GETs `url` with `x-k8s-aws-id: cluster`; the answer and STS's Date.
/// TLS trusts the platform's roots plus `ca` (`AWS_CA_BUNDLE`/`ca_bundle`).
pub async fn ask(
    url: &str,
    cluster: &str,
    timeout: Duration,
    ca: Option<&CaBundle>,
) -> (StsAnswer, Option<OffsetDateTime>) {
    let seen = SeenIssuer::default();
    let connector = match tls::recording_client_config(ca, seen.clone()) {
        Ok(config) => hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_or_http()
            .enable_http1()
            .build(),
        Err(e) => {
            return (
                StsAnswer::Unreachable {
                    reason: format!("no TLS roots: {e}"),
                },
                None,
            );
        }
    };
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let req = http::Request::get(url)
        .header(crate::domain::token::CLUSTER_ID_HEADER, cluster)
        .header("accept", "application/json")
        .body(Empty::new());
    let Ok(req) = req else {
        return (
            StsAnswer::Unreachable {
                reason: "the token's URL is not valid".into(),
            },
            None,
        );
    };
    let resp = match tokio::time::timeout(timeout, client.request(req)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let reason = crate::aws::error_causes(&e);
            let issuer = seen.lock().ok().and_then(|s| s.clone());
            return match issuer {
                Some(issuer) => (StsAnswer::TlsUntrusted { issuer, reason }, None),
                None => (StsAnswer::Unreachable { reason }, None),
            };
        }
        Err(_) => {
            return (
                StsAnswer::Unreachable {
                    reason: format!("no answer within {}s", timeout.as_secs()),
                },
                None,
            );
        }
    };
    let date = resp
        .headers()
        .get("date")
        .and_then(|d| d.to_str().ok())
        .and_then(crate::kube::probe::parse_http_date);
    let status = resp.status().as_u16();
    let capped = http_body_util::Limited::new(resp.into_body(), BODY_CAP);
    let body = match tokio::time::timeout(timeout, capped.collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        _ => {
            return (
                StsAnswer::Unreachable {
                    reason: "the answer's body did not arrive".into(),
                },
                date,
            );
        }
    };
    (parse_answer(status, &body), date)
}

/// Reads STS's JSON (or XML) answer.
pub fn parse_answer(status: u16, body: &[u8]) -> StsAnswer {
    let text = String::from_utf8_lossy(body);
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
        let r = &v["GetCallerIdentityResponse"]["GetCallerIdentityResult"];
        if status == 200 && r.is_object() {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            return StsAnswer::Caller {
                arn: s("Arn"),
                account: s("Account"),
                user_id: s("UserId"),
            };
        }
        let e = if v["Error"].is_object() {
            &v["Error"]
        } else {
            &v["ErrorResponse"]["Error"]
        };
        if e.is_object() {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            return StsAnswer::Error {
                status,
                code: s("Code"),
                message: s("Message"),
            };
        }
    }
    let tag = |name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].to_string())
    };
    if status == 200
        && let (Some(arn), Some(account)) = (tag("Arn"), tag("Account"))
    {
        return StsAnswer::Caller {
            arn,
            account,
            user_id: tag("UserId").unwrap_or_default(),
        };
    }
    StsAnswer::Error {
        status,
        code: tag("Code").unwrap_or_else(|| format!("HTTP{status}")),
        message: tag("Message").unwrap_or_else(|| text.chars().take(200).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_redirects_real_hosts_to_an_override_only() {
        let real = "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&X=1";
        assert_eq!(
            target(real, None),
            (
                real.to_string(),
                "https://sts.us-west-2.amazonaws.com/".into(),
                false
            )
        );
        let (u, shown, o) = target(real, Some("http://127.0.0.1:5000/"));
        assert_eq!(
            (u.as_str(), shown.as_str(), o),
            (
                "http://127.0.0.1:5000/?Action=GetCallerIdentity&X=1",
                "http://127.0.0.1:5000/",
                true
            )
        );
        let local = "http://127.0.0.1:5000/?Action=GetCallerIdentity";
        assert!(
            target(local, Some("http://127.0.0.1:5000")).2,
            "an override explains a local host"
        );
        assert!(!target(local, None).2);
    }

    #[test]
    fn a_url_for_a_host_eks_refuses_is_never_sent() {
        let q = "/?Action=GetCallerIdentity&X-Amz-Security-Token=s";
        for ok in [
            "https://sts.amazonaws.com",
            "https://sts.us-west-2.amazonaws.com",
        ] {
            assert!(may_send(&format!("{ok}{q}"), false), "{ok}");
        }
        for refused in [
            "https://attacker.example.com",
            "https://sts.us-west-2.amazonaws.com.attacker.example",
            "https://sts.us-west-2.amazonaws.com:8443",
            "http://sts.us-west-2.amazonaws.com",
            "https://user@sts.us-west-2.amazonaws.com",
        ] {
            assert!(!may_send(&format!("{refused}{q}"), false), "{refused}");
        }
        assert!(may_send(
            "http://127.0.0.1:5000/?Action=GetCallerIdentity",
            true
        ));
    }

    #[test]
    fn parses_json_and_xml_answers() {
        let ok = br#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"1","Arn":"arn:aws:iam::1:user/a","UserId":"AIDA"}}}"#;
        assert_eq!(
            parse_answer(200, ok),
            StsAnswer::Caller {
                arn: "arn:aws:iam::1:user/a".into(),
                account: "1".into(),
                user_id: "AIDA".into()
            }
        );
        let err = br#"{"Error":{"Code":"SignatureDoesNotMatch","Message":"no","Type":"Sender"}}"#;
        assert!(
            matches!(parse_answer(403, err), StsAnswer::Error { ref code, .. } if code == "SignatureDoesNotMatch")
        );
        let xml = b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad</Message></Error></ErrorResponse>";
        assert!(
            matches!(parse_answer(403, xml), StsAnswer::Error { ref code, ref message, .. } if code == "InvalidClientTokenId" && message == "bad")
        );
    }
}
