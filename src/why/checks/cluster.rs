//! The cluster as the EKS API describes it, against the kubeconfig.
//!
//! Codes: eks-describe-denied, cluster-not-found, cluster-not-active,
//! cluster-endpoint-mismatch, cluster-ca-mismatch. The CA comparison is of
//! the PEM text with whitespace ignored; a kubeconfig bundle that contains
//! the cluster's CA matches.

use super::{
    caller, cluster_or_placeholder, profile_arg, region_or_placeholder, setup_command, sh,
};
use crate::why::evidence::{ClusterInfo, EksCall, Evidence};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

/// eks-describe-denied: no eks:DescribeCluster; the diagnosis goes on with less.
pub static EKS_DESCRIBE_DENIED: Rule =
    Rule::new("eks-describe-denied", Severity::Warning, Area::Cluster);

/// cluster-not-found: EKS has no cluster of that name in that region.
pub static NOT_FOUND: Rule =
    Rule::new("cluster-not-found", Severity::Error, Area::Cluster).rank(220);

/// The cluster findings.
pub fn check(e: &Evidence) -> Vec<Finding> {
    let Some(eks) = &e.eks else { return Vec::new() };
    match &eks.describe {
        EksCall::Ok(info) => described(e, info),
        EksCall::Denied(msg) => {
            let account = caller(e)
                .map(|c| c.account)
                .unwrap_or_else(|| "ACCOUNT".into());
            let partition = crate::domain::partition::partition(&eks.region);
            vec![
                Finding::new(Code::EksDescribeDenied, format!("No permission to describe cluster {}", eks.cluster_name))
                    .detail(format!(
                        "DescribeCluster was denied: {msg}. Without it the endpoint, CA, status and \
                         authentication mode are not checked."
                    ))
                    .remedy(format!(
                        "Give the principal eks:DescribeCluster on the cluster, e.g. this policy statement:\n\
                         {{\"Effect\": \"Allow\", \"Action\": \"eks:DescribeCluster\", \
                         \"Resource\": \"arn:{partition}:eks:{}:{account}:cluster/{}\"}}",
                        eks.region, eks.cluster_name
                    ))
                    .evidence(json!({"cluster": eks.cluster_name, "region": eks.region, "message": msg})),
            ]
        }
        EksCall::NotFound(msg) => {
            let account = caller(e)
                .map(|c| format!(" of account {}", c.account))
                .unwrap_or_default();
            let r = sh(&eks.region);
            vec![
                Finding::new(Code::ClusterNotFound, format!("EKS has no cluster {} in {}{account}", eks.cluster_name, eks.region))
                    .detail(format!(
                        "DescribeCluster: {msg}. The name, the region or the account (profile) is wrong, \
                         or the cluster was deleted."
                    ))
                    .remedy(format!(
                        "List the clusters there:\naws eks list-clusters --region {r}{}\n\
                         then write the entry for the right one:\nkubectl eksauth setup --cluster-name NAME --region {r}{}",
                        profile_arg(e),
                        profile_arg(e)
                    ))
                    .evidence(json!({"cluster": eks.cluster_name, "region": eks.region, "message": msg})),
            ]
        }
        EksCall::Failed(msg) => match &eks.tls_untrusted {
            Some((endpoint, issuer)) => {
                vec![super::sts::tls_untrusted(endpoint, issuer, msg).evidence(
                    json!({"endpoint": endpoint, "issuer": issuer, "variable": "AWS_CA_BUNDLE"}),
                )]
            }
            // No code names other failures (throttling, network): the checks go on without.
            None => Vec::new(),
        },
    }
}

/// ✓ EKS described the cluster: its status and authentication mode
/// (`cluster-not-active` judged).
pub fn passed(e: &Evidence) -> Vec<Finding> {
    let Some(EksCall::Ok(info)) = e.eks.as_ref().map(|x| &x.describe) else {
        return Vec::new();
    };
    vec![Finding::ok(
        Code::ClusterNotActive,
        format!(
            "cluster {} is {}, authentication mode {}",
            info.name,
            info.status.as_deref().unwrap_or("of unknown status"),
            info.authentication_mode.as_deref().unwrap_or("unknown")
        ),
    )]
}

fn described(e: &Evidence, info: &ClusterInfo) -> Vec<Finding> {
    let c = sh(&cluster_or_placeholder(e));
    let r = sh(&region_or_placeholder(e));
    let same_endpoint = match (info.endpoint.as_deref(), e.kubeconfig.server.as_deref()) {
        (Some(want), Some(have)) => normalize_endpoint(want) == normalize_endpoint(have),
        _ => true,
    };
    let mut out: Vec<Finding> = not_active(info, &c, &r).into_iter().collect();
    if !same_endpoint {
        out.extend(endpoint_mismatch(e, info, &c, &r));
    } else if !e.kubeconfig.insecure {
        // A CA only means something for the endpoint it belongs to.
        out.extend(ca_mismatch(e, info, &c, &r));
    }
    out
}

/// cluster-not-active: the cluster is not ACTIVE.
pub static NOT_ACTIVE: Rule =
    Rule::new("cluster-not-active", Severity::Error, Area::Cluster).rank(230);

fn not_active(info: &ClusterInfo, c: &str, r: &str) -> Option<Finding> {
    let status = info.status.as_deref().filter(|s| *s != "ACTIVE")?;
    let (severity, what) = match status {
        "UPDATING" => (
            Severity::Warning,
            "an update is running; the API server usually keeps serving",
        ),
        "CREATING" => (
            Severity::Error,
            "it is still being created; the API server is not up yet",
        ),
        "DELETING" => (Severity::Error, "it is being deleted"),
        "FAILED" => (Severity::Error, "its creation failed"),
        _ => (Severity::Error, "it is not serving"),
    };
    Some(
        Finding::new(Code::ClusterNotActive, format!("Cluster {} is {status}", info.name))
            .severity(severity)
            .detail(format!("Status {status}: {what}."))
            .remedy(format!(
                "Wait for ACTIVE, or see what happened:\naws eks describe-cluster --name {c} --region {r} \
                 --query 'cluster.[status,health]'"
            ))
            .evidence(json!({"status": status})),
    )
}

/// cluster-endpoint-mismatch: the kubeconfig server is not this cluster's endpoint.
pub static ENDPOINT_MISMATCH: Rule =
    Rule::new("cluster-endpoint-mismatch", Severity::Error, Area::Cluster).rank(240);

fn endpoint_mismatch(e: &Evidence, info: &ClusterInfo, c: &str, r: &str) -> Option<Finding> {
    let want = info.endpoint.as_deref()?;
    let have = e.kubeconfig.server.as_deref()?;
    Some(
        Finding::new(
            Code::ClusterEndpointMismatch,
            format!(
                "The kubeconfig's server is not cluster {}'s endpoint",
                info.name
            ),
        )
        .detail(format!(
            "The kubeconfig sends kubectl to {have}; EKS says the endpoint is {want}. A cluster \
             created again under the same name gets a new endpoint."
        ))
        .remedy(format!(
            "Write the entry again:\naws eks update-kubeconfig --name {c} --region {r}\nor\n{}",
            setup_command(e)
        ))
        .evidence(json!({"kubeconfig": have, "eks": want})),
    )
}

/// cluster-ca-mismatch: the kubeconfig CA is not this cluster's.
pub static CA_MISMATCH: Rule =
    Rule::new("cluster-ca-mismatch", Severity::Error, Area::Cluster).rank(250);

fn ca_mismatch(e: &Evidence, info: &ClusterInfo, c: &str, r: &str) -> Option<Finding> {
    let eks_pem = STANDARD
        .decode(squeeze(info.ca_data.as_deref()?.as_bytes()))
        .ok()?;
    let have = e.kubeconfig.ca_pem.as_deref();
    if have.is_some_and(|have| contains(&squeeze(have), &squeeze(&eks_pem))) {
        return None;
    }
    let what = if have.is_some() {
        "The kubeconfig trusts another CA than the cluster's"
    } else {
        "The kubeconfig names no CA for the cluster"
    };
    Some(
        Finding::new(Code::ClusterCaMismatch, format!("The kubeconfig's CA is not cluster {}'s", info.name))
            .detail(format!(
                "{what} (certificate-authority-data); TLS to the API server cannot verify. A cluster \
                 created again under the same name gets a new CA."
            ))
            .remedy(format!(
                "Write the entry again:\naws eks update-kubeconfig --name {c} --region {r}\nor compare by hand:\n\
                 aws eks describe-cluster --name {c} --region {r} --query cluster.certificateAuthority.data --output text"
            ))
            .evidence(json!({"kubeconfig_has_ca": have.is_some()})),
    )
}

/// `https://host[:443]/` and `https://HOST` compare equal.
fn normalize_endpoint(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let host = host.to_ascii_lowercase();
    let host = host
        .strip_suffix(":443")
        .filter(|_| scheme.eq_ignore_ascii_case("https"))
        .unwrap_or(&host);
    format!("{}://{host}/{path}", scheme.to_ascii_lowercase())
}

fn squeeze(b: &[u8]) -> Vec<u8> {
    b.iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::normalize_endpoint;
    use crate::why::checks::fixtures::*;
    use crate::why::evidence::{EksCall, Review};
    use crate::why::finding::{Code, Severity};

    #[test]
    fn endpoints_compare_loosely() {
        assert_eq!(
            normalize_endpoint("https://ABC.gr7.us-west-2.eks.amazonaws.com:443/"),
            normalize_endpoint("https://abc.gr7.us-west-2.eks.amazonaws.com")
        );
        assert_ne!(
            normalize_endpoint("https://a.eks.amazonaws.com"),
            normalize_endpoint("https://b.eks.amazonaws.com")
        );
    }

    #[test]
    fn eks_describe_denied() {
        let mut e = healthy();
        e.eks.as_mut().unwrap().describe =
            EksCall::Denied("User is not authorized to perform: eks:DescribeCluster".into());
        let f = expect(&e, Code::EksDescribeDenied, Severity::Warning, "ok");
        assert!(
            f.remedy
                .contains("arn:aws:eks:us-west-2:111122223333:cluster/demo")
        );
    }

    #[test]
    fn cluster_not_found() {
        let mut e = healthy();
        e.eks.as_mut().unwrap().describe =
            EksCall::NotFound("No cluster found for name: demo.".into());
        e.eks.as_mut().unwrap().access_entry = None;
        e.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        let f = expect(
            &e,
            Code::ClusterNotFound,
            Severity::Error,
            "cluster-not-found",
        );
        assert!(
            f.remedy
                .contains("aws eks list-clusters --region us-west-2 --profile dev")
        );
    }

    #[test]
    fn aws_tls_untrusted_from_the_eks_api() {
        let mut e = healthy();
        let eks = e.eks.as_mut().unwrap();
        eks.describe = EksCall::Failed(
            "dispatch failure: io error: invalid peer certificate: UnknownIssuer".into(),
        );
        eks.access_entry = None;
        eks.tls_untrusted = Some((
            "https://eks.us-west-2.amazonaws.com".into(),
            "CN=Corp Proxy CA".into(),
        ));
        let f = expect(
            &e,
            Code::AwsTlsUntrusted,
            Severity::Error,
            "aws-tls-untrusted",
        );
        assert!(
            f.title.contains("https://eks.us-west-2.amazonaws.com")
                && f.title.contains("CN=Corp Proxy CA")
        );
        assert!(f.remedy.contains("AWS_CA_BUNDLE"));
        e.eks.as_mut().unwrap().tls_untrusted = None;
        assert!(
            !has(&e, Code::AwsTlsUntrusted),
            "other failures name nothing"
        );
    }

    #[test]
    fn cluster_not_active() {
        let mut e = healthy();
        if let EksCall::Ok(info) = &mut e.eks.as_mut().unwrap().describe {
            info.status = Some("CREATING".into());
        }
        e.server.as_mut().unwrap().review = None;
        expect(
            &e,
            Code::ClusterNotActive,
            Severity::Error,
            "cluster-not-active",
        );
    }

    #[test]
    fn cluster_updating_is_a_warning() {
        let mut e = healthy();
        if let EksCall::Ok(info) = &mut e.eks.as_mut().unwrap().describe {
            info.status = Some("UPDATING".into());
        }
        expect(&e, Code::ClusterNotActive, Severity::Warning, "ok");
    }

    #[test]
    fn cluster_endpoint_mismatch() {
        let mut e = healthy();
        e.kubeconfig.server = Some("https://OLD0000.gr7.us-west-2.eks.amazonaws.com".into());
        e.server = Some(unreachable_server("dns"));
        let f = expect(
            &e,
            Code::ClusterEndpointMismatch,
            Severity::Error,
            "cluster-endpoint-mismatch",
        );
        assert!(
            f.remedy
                .contains("aws eks update-kubeconfig --name demo --region us-west-2")
        );
        assert!(
            !has(&e, Code::ClusterCaMismatch),
            "the CA is not compared across endpoints"
        );
    }

    #[test]
    fn cluster_ca_mismatch() {
        let mut e = healthy();
        e.kubeconfig.ca_pem =
            Some(b"-----BEGIN CERTIFICATE-----\nOLDCA\n-----END CERTIFICATE-----\n".to_vec());
        e.server = Some(unreachable_server("tls"));
        let f = expect(
            &e,
            Code::ClusterCaMismatch,
            Severity::Error,
            "cluster-ca-mismatch",
        );
        assert!(
            f.remedy
                .contains("--query cluster.certificateAuthority.data")
        );
    }

    #[test]
    fn cluster_ca_matches_despite_whitespace() {
        let mut e = healthy();
        let pem = String::from_utf8(e.kubeconfig.ca_pem.clone().unwrap()).unwrap();
        e.kubeconfig.ca_pem = Some(pem.replace('\n', "\r\n").into_bytes());
        assert!(!has(&e, Code::ClusterCaMismatch));
    }
}
