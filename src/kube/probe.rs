//! Talking to a cluster's API server for `why`: how far a connection gets
//! (DNS, TCP, TLS against the kubeconfig's CA), and what the server says to
//! a bearer token (SelfSubjectReview). Every step is bounded by a timeout.
//! The token is sent and never logged; answers become evidence facts.

use crate::secret::Secret;
use anyhow::{Context, Result};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// How far a connection to the API server got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The host name did not resolve.
    DnsFailed(String),
    /// Connection refused, or no answer within the timeout.
    Unreachable(String),
    /// TLS failed: the certificate does not verify against the kubeconfig CA.
    TlsFailed(String),
    /// TLS up.
    Ok,
}

/// What the API server said to the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// SelfSubjectReview answered: the user as the cluster sees it.
    Authenticated {
        username: String,
        uid: Option<String>,
        groups: Vec<String>,
        extra: BTreeMap<String, Vec<String>>,
    },
    /// 401.
    Unauthorized,
    /// 403 to the review itself (authenticated, but not allowed to ask).
    Forbidden(String),
    /// Anything else.
    Failed(String),
}

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
/// the server certificate against `ca_pem`. Through a proxy, only the
/// proxy is reached here (the request itself goes through it later). A
/// handshake that never finishes, or that fails for another reason than
/// the certificate, is unreachable; only a certificate that was presented
/// and does not verify is [`Reach::TlsFailed`].
pub async fn reach(
    server: &str,
    ca_pem: Option<&[u8]>,
    insecure: bool,
    proxy: Option<&str>,
    timeout: Duration,
) -> Reach {
    let Some((host, port)) = host_port(server) else {
        return Reach::Unreachable(format!("{server:?} is not a URL"));
    };
    if let Some(p) = proxy {
        return reach_proxy(p, timeout).await;
    }
    let stream = match connect(&host, port, timeout).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let https = !server.starts_with("http://");
    let (Some(ca), false, true) = (ca_pem, insecure, https) else {
        return Reach::Ok;
    };
    tls_handshake(stream, &host, ca, timeout).await
}

/// The proxy's own address answers (DNS, TCP).
async fn reach_proxy(proxy: &str, timeout: Duration) -> Reach {
    let shown = crate::redact::redact_userinfo(proxy);
    let Some((host, port)) = host_port(proxy) else {
        return Reach::Unreachable(format!("the proxy {shown} is not a URL"));
    };
    match connect(&host, port, timeout).await {
        Ok(_) => Reach::Ok,
        Err(Reach::DnsFailed(why) | Reach::Unreachable(why) | Reach::TlsFailed(why)) => {
            Reach::Unreachable(format!("the proxy {shown}: {why}"))
        }
        Err(Reach::Ok) => Reach::Ok,
    }
}

/// DNS (within the timeout: the lookup runs on a thread that is left
/// behind when it takes too long), then TCP to each address in turn.
async fn connect(host: &str, port: u16, timeout: Duration) -> Result<tokio::net::TcpStream, Reach> {
    let lookup = tokio::net::lookup_host((host, port));
    let addrs = match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(a)) => a.collect::<Vec<_>>(),
        Ok(Err(e)) => return Err(Reach::DnsFailed(format!("{host}: {e}"))),
        Err(_) => {
            let why = format!("{host}: no answer within {}", secs(timeout));
            return Err(Reach::DnsFailed(why));
        }
    };
    let mut last = String::from("no address");
    for a in &addrs {
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(a)).await {
            Ok(Ok(s)) => return Ok(s),
            Ok(Err(e)) => last = format!("{a}: {e}"),
            Err(_) => last = format!("{a}: no answer within {}", secs(timeout)),
        }
    }
    Err(Reach::Unreachable(last))
}

/// `3s`, `0.5s`.
fn secs(d: Duration) -> String {
    format!("{}s", (d.as_secs_f64() * 10.0).round() / 10.0)
}

async fn tls_handshake(
    stream: tokio::net::TcpStream,
    host: &str,
    ca: &[u8],
    timeout: Duration,
) -> Reach {
    let mut roots = rustls::RootCertStore::empty();
    for c in pem_certs(ca) {
        if let Err(e) = roots.add(c) {
            return Reach::TlsFailed(format!("the kubeconfig CA is not usable: {e}"));
        }
    }
    if roots.is_empty() {
        let why = "the kubeconfig's certificate-authority holds no certificate";
        return Reach::TlsFailed(why.into());
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(b) => b.with_root_certificates(roots).with_no_client_auth(),
        Err(e) => return Reach::Unreachable(format!("could not set up TLS: {e}")),
    };
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return Reach::Unreachable(format!("{host:?} is not a server name"));
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match tokio::time::timeout(timeout, connector.connect(name, stream)).await {
        Ok(Ok(_)) => Reach::Ok,
        Ok(Err(e)) if is_certificate_error(&e) => Reach::TlsFailed(e.to_string()),
        Ok(Err(e)) => Reach::Unreachable(format!("the TLS handshake failed: {e}")),
        Err(_) => Reach::Unreachable(format!(
            "TCP connected, but the TLS handshake got no answer within {}",
            secs(timeout)
        )),
    }
}

/// Whether a handshake failed on the certificate the server presented.
fn is_certificate_error(e: &std::io::Error) -> bool {
    matches!(
        e.get_ref().and_then(|x| x.downcast_ref::<rustls::Error>()),
        Some(rustls::Error::InvalidCertificate(_))
    )
}

/// The most of an answer's body that is read: a SelfSubjectReview, an
/// access review or a list of bindings is far smaller.
pub const BODY_CAP: usize = 4 << 20;

/// A kube-rs client for `server` that sends `token` (None: no
/// credentials), through `proxy` when one applies (see [`proxy_for`]).
pub fn client(
    server: &str,
    ca_pem: Option<&[u8]>,
    insecure: bool,
    token: Option<&Secret>,
    proxy: Option<&str>,
    timeout: Duration,
) -> Result<kube::Client> {
    let uri: http::Uri = server
        .parse()
        .with_context(|| format!("{server:?} is not a URL"))?;
    if let Some(t) = token {
        http::HeaderValue::from_str(&format!("Bearer {}", t.expose())).map_err(|_| {
            anyhow::anyhow!(
                "the token holds characters an HTTP header cannot carry (a line break or a control character)"
            )
        })?;
    }
    let mut config = kube::Config::new(uri);
    config.root_cert = ca_pem.map(|p| pem_certs(p).into_iter().map(|c| c.to_vec()).collect());
    config.accept_invalid_certs = insecure;
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
    if let Some(p) = proxy {
        let shown = crate::redact::redact_userinfo(p);
        config.proxy_url = Some(
            p.parse()
                .map_err(|_| anyhow::anyhow!("the proxy {shown} is not a URL"))?,
        );
    }
    config.auth_info.token = token.map(|t| secrecy::SecretString::from(t.expose().to_string()));
    kube::Client::try_from(config).context("could not set up a client for the API server")
}

/// The proxy kubectl would use for `server`: the cluster's `proxy-url`,
/// else `HTTPS_PROXY` (`HTTP_PROXY` for an http server) unless `NO_PROXY`
/// exempts the host; never for localhost or a loopback address (Go's
/// rule for the environment's proxies).
pub fn proxy_for(server: &str, proxy_url: Option<&str>, env: &crate::aws::Env) -> Option<String> {
    if let Some(p) = proxy_url.filter(|p| !p.is_empty()) {
        return Some(p.to_string());
    }
    let (host, port) = host_port(server)?;
    let var = |names: [&str; 2]| names.iter().find_map(|n| env.get(n));
    let proxy = if server.starts_with("http://") {
        var(["HTTP_PROXY", "http_proxy"])
    } else {
        var(["HTTPS_PROXY", "https_proxy"])
    }?;
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let exempt = var(["NO_PROXY", "no_proxy"]).is_some_and(|n| no_proxy_matches(&n, &host, port));
    (!loopback && !exempt).then_some(proxy)
}

/// Whether a `NO_PROXY` list exempts `host:port`, as Go's httpproxy reads
/// it: `*`; an IP address; a CIDR; a domain, which also covers its
/// subdomains (a leading dot or `*.` changes nothing); each optionally
/// with `:port`.
pub fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = host.to_ascii_lowercase();
    let ip = host.parse::<std::net::IpAddr>().ok();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let (Some(ip), Some((net, bits))) = (ip, entry.split_once('/')) {
                return in_cidr(ip, net, bits);
            }
            let (name, p) = match entry.rsplit_once(':') {
                Some((n, p)) if !n.contains(':') || n.ends_with(']') => (n, p.parse().ok()),
                _ => (entry, None),
            };
            if p.is_some_and(|p: u16| p != port) {
                return false;
            }
            let name = name.trim_start_matches("*.").trim_start_matches('.');
            let name = name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase();
            host == name || host.ends_with(&format!(".{name}"))
        })
}

fn in_cidr(ip: std::net::IpAddr, net: &str, bits: &str) -> bool {
    let (Ok(net), Ok(bits)) = (net.parse::<std::net::IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    let (a, b, width) = match (ip, net) {
        (std::net::IpAddr::V4(a), std::net::IpAddr::V4(b)) => (
            u128::from(u32::from(a)) << 96,
            u128::from(u32::from(b)) << 96,
            32,
        ),
        (std::net::IpAddr::V6(a), std::net::IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    if bits > width {
        return false;
    }
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    a & mask == b & mask
}

/// POSTs a SelfSubjectReview with the client's token; returns what the
/// server says and its `Date`. Anything but a well-formed answer within
/// the timeout (a redirect, a body that is not a SelfSubjectReview or is
/// larger than [`BODY_CAP`], one that does not finish) is a
/// [`Review::Failed`] that says what was wrong.
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
    let started = std::time::Instant::now();
    let resp = match tokio::time::timeout(timeout, client.send(req.map(Into::into))).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return (Review::Failed(crate::aws::error_causes(&e)), None),
        Err(_) => {
            let why = format!("no answer within {}", secs(timeout));
            return (Review::Failed(why), None);
        }
    };
    let date = resp
        .headers()
        .get("date")
        .and_then(|d| d.to_str().ok())
        .and_then(parse_http_date);
    let status = resp.status().as_u16();
    if resp.status().is_redirection() {
        let to = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or("nowhere");
        let why =
            format!("it answered {status}, a redirect to {to}, instead of a SelfSubjectReview");
        return (Review::Failed(why), date);
    }
    let left = timeout.saturating_sub(started.elapsed());
    match read_body(resp.into_body(), left).await {
        Ok(bytes) => (review_from(status, &bytes), date),
        Err(why) => (Review::Failed(format!("HTTP {status}, but {why}")), date),
    }
}

/// The body, at most [`BODY_CAP`] bytes, within `timeout`.
async fn read_body(body: kube::client::Body, timeout: Duration) -> Result<Vec<u8>, String> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut out = Vec::new();
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| format!("the body broke off: {e}"))?;
            if let Some(d) = frame.data_ref() {
                if out.len() + d.len() > BODY_CAP {
                    return Err(format!("its body is larger than {} MiB", BODY_CAP >> 20));
                }
                out.extend_from_slice(d);
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(Ok(())) => Ok(out),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(format!("its body did not finish within {}", secs(timeout))),
    }
}

fn review_from(status: u16, body: &[u8]) -> Review {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    match status {
        200 | 201 => authenticated(&v).unwrap_or_else(|| {
            Review::Failed(format!(
                "it answered {status}, but not with a SelfSubjectReview that names a user"
            ))
        }),
        401 => Review::Unauthorized,
        403 => Review::Forbidden(v["message"].as_str().unwrap_or("Forbidden").to_string()),
        s => Review::Failed(format!("HTTP {s}: {}", v["message"].as_str().unwrap_or(""))),
    }
}

/// The user of a SelfSubjectReview answer; None when it is not one.
fn authenticated(v: &serde_json::Value) -> Option<Review> {
    if v["kind"] != "SelfSubjectReview" {
        return None;
    }
    let u = &v["status"]["userInfo"];
    let username = u["username"].as_str().filter(|n| !n.is_empty())?;
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
    Some(Review::Authenticated {
        username: username.to_string(),
        uid: u["uid"].as_str().map(str::to_string),
        groups: strings(&u["groups"]),
        extra,
    })
}

/// Parses an HTTP `Date` header (RFC 9110 HTTP-date: IMF-fixdate, and the
/// obsolete forms a recipient must accept).
pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    httpdate::parse_http_date(s.trim())
        .ok()
        .map(OffsetDateTime::from)
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
    fn no_proxy_matches_as_go_reads_it() {
        let m = no_proxy_matches;
        assert!(m("*", "anything.example", 443));
        assert!(m(
            ".eks.amazonaws.com",
            "abc.gr7.us-west-2.eks.amazonaws.com",
            443
        ));
        assert!(m(
            "eks.amazonaws.com",
            "abc.gr7.us-west-2.eks.amazonaws.com",
            443
        ));
        assert!(m("*.eks.amazonaws.com", "x.eks.amazonaws.com", 443));
        assert!(m("other.example, 10.0.0.0/8", "10.1.2.3", 443));
        assert!(m("10.1.2.3", "10.1.2.3", 443));
        assert!(m("api.example:443", "api.example", 443));
        assert!(!m("api.example:6443", "api.example", 443));
        assert!(!m("amazonaws.co", "eks.amazonaws.com", 443));
        assert!(!m("10.0.0.0/8", "11.1.2.3", 443));
        assert!(!m("", "api.example", 443));
        assert!(m("fd00::/8", "fd00::1", 443));
    }

    #[test]
    fn proxy_for_follows_kubectl() {
        use crate::aws::Env;
        let env = Env::from_pairs(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("NO_PROXY", ".internal"),
        ]);
        let p = |server: &str, url: Option<&str>| proxy_for(server, url, &env);
        assert_eq!(
            p("https://api.example", None).as_deref(),
            Some("http://proxy:3128")
        );
        assert_eq!(p("https://k.internal", None), None, "NO_PROXY");
        assert_eq!(p("https://127.0.0.1:6443", None), None, "loopback");
        assert_eq!(p("https://localhost", None), None, "localhost");
        assert_eq!(p("http://api.example", None), None, "HTTP_PROXY unset");
        assert_eq!(
            p("https://127.0.0.1", Some("http://corp:8080")).as_deref(),
            Some("http://corp:8080"),
            "proxy-url applies to every server"
        );
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
        let ok = br#"{"kind":"SelfSubjectReview","status":{"userInfo":{"username":"alice","groups":["system:masters"],"extra":{"arn":["a"]}}}}"#;
        assert!(
            matches!(review_from(201, ok), Review::Authenticated { ref username, .. } if username == "alice")
        );
        assert_eq!(review_from(401, b"{}"), Review::Unauthorized);
        for not_a_review in [
            &b"{}"[..],
            br#"{"kind":"SelfSubjectReview","status":{"userInfo":{"username":""}}}"#,
            b"\x00garbage",
        ] {
            assert!(
                matches!(review_from(201, not_a_review), Review::Failed(m) if m.contains("201"))
            );
        }
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
            None,
            Duration::from_secs(2),
        )
        .await;
        assert!(matches!(r, Reach::Unreachable(_)), "{r:?}");
    }
}
