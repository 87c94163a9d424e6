//! Network: how far a connection to the API server got, and the proxy on
//! the way.
//!
//! Codes: endpoint-dns-failed, endpoint-unreachable, endpoint-tls-mismatch,
//! endpoint-bad-answer, proxy-configured, and when DescribeCluster's
//! `resourcesVpcConfig` explains an endpoint that does not answer:
//! endpoint-private-only, endpoint-public-cidrs. A proxy URL is shown
//! without its user and password.

use super::{cluster_or_placeholder, region_or_placeholder, sh};
use crate::redact::redact_userinfo;
use crate::why::evidence::{EksCall, EndpointAccess, Evidence, Reach, Review, ServerFacts};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use serde_json::json;

/// endpoint-dns-failed: the API server's host name does not resolve.
pub static ENDPOINT_DNS_FAILED: Rule =
    Rule::new("endpoint-dns-failed", Severity::Error, Area::Network).rank(260);

/// endpoint-unreachable: the API server refused or did not answer.
pub static ENDPOINT_UNREACHABLE: Rule =
    Rule::new("endpoint-unreachable", Severity::Error, Area::Network).rank(290);

/// endpoint-tls-mismatch: the server certificate does not verify against the kubeconfig CA.
pub static ENDPOINT_TLS_MISMATCH: Rule =
    Rule::new("endpoint-tls-mismatch", Severity::Error, Area::Network).rank(300);

/// proxy-configured: a proxy is configured.
pub static PROXY_CONFIGURED: Rule = Rule::new("proxy-configured", Severity::Info, Area::Network);

/// The network findings.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let Some(s) = &e.server else {
        return Vec::new();
    };
    let c = sh(&cluster_or_placeholder(e));
    let r = sh(&region_or_placeholder(e));
    let host = host_of(&s.server);
    let proxy = s.proxy.as_deref().map(redact_userinfo);
    let mut out = Vec::new();
    match &s.reach {
        Reach::Ok => {}
        Reach::DnsFailed(why) => out.push(
            Finding::new(Code::EndpointDnsFailed, format!("The API server's name {host} does not resolve"))
                .detail(format!(
                    "The lookup failed: {why}. The cluster may be gone or renamed, or its endpoint is private and this \
                     machine does not use the VPC's DNS."
                ))
                .remedy(format!(
                    "Compare with the endpoint EKS gives:\naws eks describe-cluster --name {c} --region {r} \
                     --query cluster.endpoint --output text\nand check the name from here (VPN and DNS \
                     resolver for a private endpoint):\nnslookup {}",
                    sh(&host)
                ))
                .evidence(json!({"server": s.server, "error": why})),
        ),
        Reach::Unreachable(why) => out.push(
            Finding::new(Code::EndpointUnreachable, format!("The API server at {host} does not answer"))
                .detail(format!(
                    "The connection failed: {why}. Usual causes: the cluster security group, a \
                     private-only endpoint (endpointPublicAccess false), the public access CIDRs, \
                     or a missing VPN."
                ))
                .remedy(format!(
                    "See how the endpoint is exposed:\naws eks describe-cluster --name {c} --region {r} \
                     --query cluster.resourcesVpcConfig\nFrom outside the VPC, public access must be on and \
                     allow your address:\naws eks update-cluster-config --name {c} --region {r} \
                     --resources-vpc-config endpointPublicAccess=true,publicAccessCidrs=YOUR.IP.ADDRESS/32\n\
                     Inside the VPC (or over VPN), the cluster security group must allow 443 from you."
                ))
                .evidence(json!({"server": s.server, "error": why, "proxy": proxy})),
        ),
        Reach::TlsFailed(why) => out.push(
            Finding::new(Code::EndpointTlsMismatch, "The API server's certificate does not verify against the kubeconfig's CA")
                .detail(format!(
                    "{why}.{} A proxy that intercepts TLS, or a CA left from an earlier cluster of the same name.",
                    if proxy.is_some() { " A proxy is configured (see proxy-configured)." } else { "" }
                ))
                .remedy(format!(
                    "Compare the kubeconfig's certificate-authority-data with:\n\
                     aws eks describe-cluster --name {c} --region {r} --query cluster.certificateAuthority.data --output text\n\
                     If they match, something on the way presents another certificate: exempt the endpoint \
                     from the proxy (NO_PROXY=.eks.amazonaws.com)."
                ))
                .evidence(json!({"server": s.server, "error": why, "proxy": proxy})),
        ),
    }
    if let (Reach::Ok, Some(Review::Failed(why))) = (&s.reach, &s.review) {
        out.push(bad_answer(&s.server, why, proxy.as_deref()));
    }
    if let Reach::Unreachable(why) = &s.reach
        && let Some(f) = exposure(e, &host, why)
    {
        out.push(f);
    }
    if let Some(p) = proxy {
        out.push(
            Finding::new(
                Code::ProxyConfigured,
                format!("Requests to the API server go through the proxy {p}"),
            )
            .detail("From HTTPS_PROXY / https_proxy or the cluster's proxy-url in the kubeconfig.")
            .remedy(
                "If it should not carry them: NO_PROXY=.eks.amazonaws.com, or remove proxy-url.",
            )
            .evidence(json!({"proxy": p})),
        );
    }
    out
}

/// ✓ The API server answers (through the proxy, if any):
/// `endpoint-unreachable` holds.
pub fn passed(e: &Evidence) -> Vec<Finding> {
    let Some(s) = e.server.as_ref().filter(|s| answered(s)) else {
        return Vec::new();
    };
    let via = match &s.proxy {
        Some(p) => format!(" through the proxy {}", redact_userinfo(p)),
        None => String::new(),
    };
    vec![Finding::ok(
        Code::EndpointUnreachable,
        format!("the API server answers at {}{via}", s.server),
    )]
}

/// Whether the API server gave a Kubernetes answer to the token (it was
/// reached, and answered the SelfSubjectReview with a user, 401 or 403).
fn answered(s: &ServerFacts) -> bool {
    s.reach == Reach::Ok
        && matches!(
            s.review,
            Some(Review::Authenticated { .. } | Review::Unauthorized | Review::Forbidden(_))
        )
}

/// endpoint-bad-answer: the API server answered, but not with a well-formed Kubernetes answer.
pub static ENDPOINT_BAD_ANSWER: Rule =
    Rule::new("endpoint-bad-answer", Severity::Error, Area::Network).rank(310);

/// The API server was reached but its answer to the SelfSubjectReview was
/// not a Kubernetes answer: kubectl fails on it too.
fn bad_answer(server: &str, why: &str, proxy: Option<&str>) -> Finding {
    let host = host_of(server);
    let via = proxy.map_or(String::new(), |p| format!(" (through the proxy {p})"));
    Finding::new(
        Code::EndpointBadAnswer,
        format!("The API server at {host} does not answer as a Kubernetes API server"),
    )
    .detail(format!(
        "Asked who the token is{via}: {why}. An EKS API server answers with a SelfSubjectReview, \
         401 or 403. Something else listens at this address (a proxy, a load balancer, a captive \
         portal), or the kubeconfig's server URL is not the cluster's."
    ))
    .remedy(format!(
        "See what answers there:\ncurl -sv {}\nand compare the kubeconfig's server with the endpoint EKS gives \
         (aws eks describe-cluster --query cluster.endpoint).",
        super::sh(&format!("{}/version", server.trim_end_matches('/')))
    ))
    .evidence(json!({"host": host, "error": why, "proxy": proxy}))
}

/// The endpoint's exposure, from DescribeCluster.
fn endpoint_access(e: &Evidence) -> Option<&EndpointAccess> {
    match e.eks.as_ref().map(|x| &x.describe) {
        Some(EksCall::Ok(info)) => info.endpoint_access.as_ref(),
        _ => None,
    }
}

/// endpoint-private-only: the API server does not answer and its public endpoint is off.
pub static ENDPOINT_PRIVATE_ONLY: Rule =
    Rule::new("endpoint-private-only", Severity::Error, Area::Cluster).rank(270);

/// endpoint-public-cidrs: the API server does not answer and public access is limited to some CIDRs.
pub static ENDPOINT_PUBLIC_CIDRS: Rule =
    Rule::new("endpoint-public-cidrs", Severity::Error, Area::Cluster).rank(280);

/// endpoint-private-only or endpoint-public-cidrs, when the cluster's
/// `resourcesVpcConfig` explains why its endpoint does not answer.
fn exposure(e: &Evidence, host: &str, why: &str) -> Option<Finding> {
    let a = endpoint_access(e)?;
    let c = sh(&cluster_or_placeholder(e));
    let r = sh(&region_or_placeholder(e));
    let open = a
        .public_cidrs
        .iter()
        .any(|x| x == "0.0.0.0/0" || x == "::/0");
    let ev = json!({"endpointPublicAccess": a.public, "endpointPrivateAccess": a.private,
                    "publicAccessCidrs": a.public_cidrs, "error": why});
    let inside = "Or work from inside the cluster's VPC (or a network connected to it: VPN, \
                  Direct Connect, peering), e.g. through a bastion host there; the cluster \
                  security group must allow 443 from it.";
    if !a.public {
        return Some(
            Finding::new(Code::EndpointPrivateOnly, format!("The API server at {host} answers only inside its VPC"))
                .detail(format!(
                    "The connection failed: {why}. DescribeCluster says endpointPublicAccess=false \
                     (endpointPrivateAccess={}): the endpoint is private, and this machine is not on \
                     the cluster's VPC or a network connected to it.",
                    a.private
                ))
                .remedy(format!(
                    "Turn public access on for your address (find it with: curl https://checkip.amazonaws.com):\n\
                     aws eks update-cluster-config --name {c} --region {r} --resources-vpc-config \
                     endpointPublicAccess=true,endpointPrivateAccess=true,publicAccessCidrs=YOUR.IP.ADDRESS/32\n{inside}"
                ))
                .evidence(ev),
        );
    }
    if open || a.public_cidrs.is_empty() {
        return None;
    }
    let listed = a.public_cidrs.join(", ");
    let keep = a.public_cidrs.join(",");
    Some(
        Finding::new(
            Code::EndpointPublicCidrs,
            format!("The API server at {host} accepts only the public access CIDRs {listed}"),
        )
        .detail(format!(
            "The connection failed: {why}. DescribeCluster says public access is limited to \
             publicAccessCidrs {listed}: this machine's address is probably outside them."
        ))
        .remedy(format!(
            "Add your address (find it with: curl https://checkip.amazonaws.com) to the list, \
             keeping the others:\naws eks update-cluster-config --name {c} --region {r} \
             --resources-vpc-config endpointPublicAccess=true,publicAccessCidrs={keep},YOUR.IP.ADDRESS/32\n{inside}"
        ))
        .evidence(ev),
    )
}

/// The host (and port) of a URL.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::redact_userinfo;
    use crate::why::checks::fixtures::*;
    use crate::why::finding::{Code, Severity};

    #[test]
    fn proxy_credentials_are_dropped() {
        assert_eq!(
            redact_userinfo("http://u:p4ss@proxy.corp:3128"),
            "http://proxy.corp:3128"
        );
        assert_eq!(redact_userinfo("proxy.corp:3128"), "proxy.corp:3128");
    }

    #[test]
    fn endpoint_dns_failed() {
        let mut e = healthy();
        e.server = Some(unreachable_server("dns"));
        let f = expect(
            &e,
            Code::EndpointDnsFailed,
            Severity::Error,
            "endpoint-dns-failed",
        );
        assert!(
            f.remedy
                .contains("nslookup ABCDEF0123456789.gr7.us-west-2.eks.amazonaws.com")
        );
    }

    #[test]
    fn endpoint_unreachable() {
        let mut e = healthy();
        e.server = Some(unreachable_server("refused"));
        let f = expect(
            &e,
            Code::EndpointUnreachable,
            Severity::Error,
            "endpoint-unreachable",
        );
        assert!(f.remedy.contains("publicAccessCidrs") && f.remedy.contains("security group"));
    }

    fn with_access(public: bool, cidrs: &[&str]) -> crate::why::evidence::Evidence {
        let mut e = healthy();
        e.server = Some(unreachable_server("timeout"));
        if let Some(crate::why::evidence::EksCall::Ok(c)) = e.eks.as_mut().map(|x| &mut x.describe)
        {
            c.endpoint_access = Some(crate::why::evidence::EndpointAccess {
                public,
                private: true,
                public_cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
            });
        }
        e
    }

    #[test]
    fn endpoint_private_only() {
        let e = with_access(false, &["0.0.0.0/0"]);
        let f = expect(
            &e,
            Code::EndpointPrivateOnly,
            Severity::Error,
            "endpoint-private-only",
        );
        assert!(f.remedy.contains(
            "aws eks update-cluster-config --name demo --region us-west-2 --resources-vpc-config \
             endpointPublicAccess=true,endpointPrivateAccess=true,publicAccessCidrs=YOUR.IP.ADDRESS/32"
        ));
        assert!(f.remedy.contains("VPN") && f.remedy.contains("bastion"));
        assert!(
            has(&e, Code::EndpointUnreachable),
            "the symptom stays listed"
        );
    }

    #[test]
    fn endpoint_public_cidrs() {
        let e = with_access(true, &["203.0.113.0/24", "198.51.100.7/32"]);
        let f = expect(
            &e,
            Code::EndpointPublicCidrs,
            Severity::Error,
            "endpoint-public-cidrs",
        );
        assert!(f.title.contains("203.0.113.0/24, 198.51.100.7/32"));
        assert!(
            f.remedy
                .contains("publicAccessCidrs=203.0.113.0/24,198.51.100.7/32,YOUR.IP.ADDRESS/32")
        );
        assert_eq!(f.evidence["endpointPublicAccess"], true);
    }

    #[test]
    fn an_open_public_endpoint_explains_nothing() {
        for (name, e) in [
            ("open", with_access(true, &["0.0.0.0/0"])),
            ("open_v6", with_access(true, &["::/0"])),
        ] {
            assert!(!has(&e, Code::EndpointPublicCidrs), "{name}");
            assert!(!has(&e, Code::EndpointPrivateOnly), "{name}");
            assert_eq!(verdict(&e), "endpoint-unreachable", "{name}");
        }
        let mut answering = with_access(false, &[]);
        answering.server = healthy().server;
        assert!(!has(&answering, Code::EndpointPrivateOnly), "it answers");
    }

    #[test]
    fn endpoint_tls_mismatch() {
        let mut e = healthy();
        e.server = Some(unreachable_server("tls"));
        let f = expect(
            &e,
            Code::EndpointTlsMismatch,
            Severity::Error,
            "endpoint-tls-mismatch",
        );
        assert!(
            f.remedy
                .contains("--query cluster.certificateAuthority.data")
        );
    }

    #[test]
    fn endpoint_bad_answer_names_what_was_wrong() {
        use crate::why::evidence::Review;
        let mut e = healthy();
        let why =
            "it answered 307, a redirect to https://elsewhere/, instead of a SelfSubjectReview";
        e.server.as_mut().unwrap().review = Some(Review::Failed(why.into()));
        let f = expect(
            &e,
            Code::EndpointBadAnswer,
            Severity::Error,
            "endpoint-bad-answer",
        );
        assert!(f.detail.contains("307"), "{}", f.detail);
        let report = crate::why::report::Report::from_evidence(&e, crate::why::checks::run_all(&e));
        assert!(!report.answer().starts_with("OK"), "{}", report.answer());
        assert!(!report.render_text(false).contains("the API server answers"));
    }

    #[test]
    fn proxy_configured_hides_its_password() {
        let mut e = healthy();
        e.server.as_mut().unwrap().proxy = Some("http://bob:hunter2@proxy.corp:3128".into());
        let f = expect(&e, Code::ProxyConfigured, Severity::Info, "ok");
        assert!(f.title.contains("http://proxy.corp:3128"));
        let report = crate::why::report::Report::from_evidence(&e, crate::why::checks::run_all(&e));
        assert!(!report.render_json().contains("hunter2"));
        assert!(!report.render_text(false).contains("hunter2"));
    }
}
