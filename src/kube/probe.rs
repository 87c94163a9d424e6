//! Talking to a cluster's API server for `why`: how far a connection gets
//! (DNS, TCP, TLS against the kubeconfig's CA), and what the server says to
//! a bearer token (SelfSubjectReview). Every step is bounded by a timeout.
//! The token is sent and never logged; answers become evidence facts.

use crate::secret::Secret;
use crate::why::evidence::{Reach, Review};
use anyhow::{Context, Result};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Host and port of an `https://host[:port]` server URL.
pub fn host_port(server: &str) -> Option<(String, u16)> {
    let uri: http::Uri = server.parse().ok()?;
    let host = uri
        .host()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("http") {
            80
        } else {
            443
        });
    Some((host, port))
}

/// The certificates of a PEM bundle, DER-encoded.
pub fn pem_certs(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem)
        .filter_map(|c| c.ok())
        .collect()
}

/// DNS, then TCP, then (for https with a CA) a TLS handshake that verifies
/// the server certificate against `ca_pem`.
pub async fn reach(
    server: &str,
    ca_pem: Option<&[u8]>,
    insecure: bool,
    timeout: Duration,
) -> Reach {
    let Some((host, port)) = host_port(server) else {
        return Reach::Unreachable(format!("{server:?} is not a URL"));
    };
    let addrs = match tokio::time::timeout(timeout, tokio::net::lookup_host((host.as_str(), port)))
        .await
    {
        Ok(Ok(a)) => a.collect::<Vec<_>>(),
        Ok(Err(e)) => return Reach::DnsFailed(format!("{host}: {e}")),
        Err(_) => {
            return Reach::DnsFailed(format!("{host}: no answer within {}s", timeout.as_secs()));
        }
    };
    let mut last = String::from("no address");
    let mut stream = None;
    for a in &addrs {
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(a)).await {
            Ok(Ok(s)) => {
                stream = Some(s);
                break;
            }
            Ok(Err(e)) => last = format!("{a}: {e}"),
            Err(_) => last = format!("{a}: no answer within {}s", timeout.as_secs()),
        }
    }
    let Some(stream) = stream else {
        return Reach::Unreachable(last);
    };
    let https = !server.starts_with("http://");
    let (Some(ca), false, true) = (ca_pem, insecure, https) else {
        return Reach::Ok;
    };
    match tls_handshake(stream, &host, ca, timeout).await {
        Ok(()) => Reach::Ok,
        Err(e) => Reach::TlsFailed(e),
    }
}

async fn tls_handshake(
    stream: tokio::net::TcpStream,
    host: &str,
    ca: &[u8],
    timeout: Duration,
) -> Result<(), String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in pem_certs(ca) {
        roots
            .add(c)
            .map_err(|e| format!("the kubeconfig CA is not usable: {e}"))?;
    }
    if roots.is_empty() {
        return Err("the kubeconfig's certificate-authority holds no certificate".into());
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match tokio::time::timeout(timeout, connector.connect(name, stream)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no TLS answer within {}s", timeout.as_secs())),
    }
}

/// A kube-rs client for `server` that sends `token` (None: no credentials).
pub fn client(
    server: &str,
    ca_pem: Option<&[u8]>,
    insecure: bool,
    token: Option<&Secret>,
    timeout: Duration,
) -> Result<kube::Client> {
    let uri: http::Uri = server
        .parse()
        .with_context(|| format!("{server:?} is not a URL"))?;
    let mut config = kube::Config::new(uri);
    config.root_cert = ca_pem.map(|p| pem_certs(p).into_iter().map(|c| c.to_vec()).collect());
    config.accept_invalid_certs = insecure;
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
    config.auth_info.token = token.map(|t| secrecy::SecretString::from(t.expose().to_string()));
    kube::Client::try_from(config).context("could not set up a client for the API server")
}

/// POSTs a SelfSubjectReview with the client's token; returns what the
/// server says and its `Date`.
pub async fn self_review(
    client: &kube::Client,
    timeout: Duration,
) -> (Review, Option<OffsetDateTime>) {
    let body =
        serde_json::json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    let req = http::Request::post("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap_or_default());
    let Ok(req) = req else {
        return (Review::Failed("could not build the request".into()), None);
    };
    let resp = match tokio::time::timeout(timeout, client.send(req.map(Into::into))).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return (Review::Failed(e.to_string()), None),
        Err(_) => {
            return (
                Review::Failed(format!("no answer within {}s", timeout.as_secs())),
                None,
            );
        }
    };
    let date = resp
        .headers()
        .get("date")
        .and_then(|d| d.to_str().ok())
        .and_then(parse_http_date);
    let status = resp.status().as_u16();
    let bytes =
        match tokio::time::timeout(timeout, http_body_util::BodyExt::collect(resp.into_body()))
            .await
        {
            Ok(Ok(b)) => b.to_bytes(),
            _ => {
                return (
                    Review::Failed("the answer's body did not arrive".into()),
                    date,
                );
            }
        };
    (review_from(status, &bytes), date)
}

fn review_from(status: u16, body: &[u8]) -> Review {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    match status {
        200 | 201 => {
            let u = &v["status"]["userInfo"];
            let strings = |x: &serde_json::Value| -> Vec<String> {
                x.as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let extra: BTreeMap<String, Vec<String>> = u["extra"]
                .as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), strings(v))).collect())
                .unwrap_or_default();
            Review::Authenticated {
                username: u["username"].as_str().unwrap_or_default().to_string(),
                uid: u["uid"].as_str().map(str::to_string),
                groups: strings(&u["groups"]),
                extra,
            }
        }
        401 => Review::Unauthorized,
        403 => Review::Forbidden(v["message"].as_str().unwrap_or("Forbidden").to_string()),
        s => Review::Failed(format!("HTTP {s}: {}", v["message"].as_str().unwrap_or(""))),
    }
}

/// Parses an HTTP `Date` header (RFC 7231 IMF-fixdate).
pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s.trim(), &fmt)
        .ok()
        .map(|t| t.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_defaults() {
        assert_eq!(
            host_port("https://a.example.com"),
            Some(("a.example.com".into(), 443))
        );
        assert_eq!(
            host_port("https://127.0.0.1:6443/"),
            Some(("127.0.0.1".into(), 6443))
        );
        assert_eq!(host_port("http://x"), Some(("x".into(), 80)));
        assert_eq!(host_port("not a url"), None);
    }

    #[test]
    fn http_date_parses() {
        let t = parse_http_date("Sun, 22 Nov 2026 07:30:38 GMT").unwrap();
        assert_eq!(
            t.unix_timestamp(),
            time::macros::datetime!(2026-11-22 07:30:38 UTC).unix_timestamp()
        );
    }

    #[test]
    fn review_answers() {
        let ok = br#"{"status":{"userInfo":{"username":"alice","groups":["system:masters"],"extra":{"arn":["a"]}}}}"#;
        assert!(
            matches!(review_from(201, ok), Review::Authenticated { ref username, .. } if username == "alice")
        );
        assert_eq!(review_from(401, b"{}"), Review::Unauthorized);
        assert!(
            matches!(review_from(403, br#"{"message":"no"}"#), Review::Forbidden(m) if m == "no")
        );
    }

    #[tokio::test]
    async fn closed_port_is_unreachable() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let r = reach(
            &format!("https://127.0.0.1:{port}"),
            None,
            false,
            Duration::from_secs(2),
        )
        .await;
        assert!(matches!(r, Reach::Unreachable(_)), "{r:?}");
    }
}
