//! The simulated EKS API (REST-JSON, like the real service): DescribeCluster,
//! ListClusters, ListAccessEntries, DescribeAccessEntry and
//! ListAssociatedAccessPolicies, and Pod Identity associations and add-ons
//! (`pod_identity`). Every request is SigV4-verified for service
//! `eks` by the STS verifier; its failures become EKS's error codes
//! (UnrecognizedClientException, InvalidSignatureException, ...). The cluster
//! exists only in its own account and region (the credential scope's region
//! stands for the endpoint's); the fixture's `access_denied` rules give
//! AccessDeniedException.

mod pod_identity;
mod render;

pub use render::hex_id;

use std::sync::Arc;

use http::Request;
use hyper::body::Incoming;
use serde_json::json;

use crate::access;
use crate::http_util::{self, BoxFuture, Reply};
use crate::sigv4;
use crate::sts::auth::Authenticated;
use crate::sts::error::StsError;
use crate::world::World;

/// An EKS error: status, code (`x-amzn-errortype`) and JSON body.
#[derive(Debug, PartialEq)]
pub struct EksError {
    status: u16,
    code: &'static str,
    body: serde_json::Value,
}

impl EksError {
    fn new(status: u16, code: &'static str, message: &str) -> EksError {
        EksError {
            status,
            code,
            body: json!({"message": message}),
        }
    }

    fn not_found(cluster: &str, message: &str) -> EksError {
        let mut e = EksError::new(404, "ResourceNotFoundException", message);
        e.body["clusterName"] = json!(cluster);
        e
    }

    fn cluster_not_found(cluster: &str) -> EksError {
        EksError::not_found(cluster, &format!("No cluster found for name: {cluster}."))
    }

    fn invalid_parameter(message: &str) -> EksError {
        EksError::new(400, "InvalidParameterException", message)
    }

    /// STS's authentication errors as EKS names them.
    fn from_auth(err: &StsError) -> EksError {
        let code = match err.code {
            "SignatureDoesNotMatch" => "InvalidSignatureException",
            "InvalidClientTokenId" => "UnrecognizedClientException",
            "ExpiredToken" => "ExpiredTokenException",
            "IncompleteSignature" => "IncompleteSignatureException",
            "MissingAuthenticationToken" => "MissingAuthenticationTokenException",
            _ => "InvalidRequestException",
        };
        let message = match code {
            "MissingAuthenticationTokenException" => "Missing Authentication Token",
            _ => err.message.as_str(),
        };
        EksError::new(err.status, code, message)
    }
}

/// The EKS API request handler.
pub fn handler(world: Arc<World>, req: Request<Incoming>) -> BoxFuture<Reply> {
    Box::pin(handle(world, req))
}

async fn handle(world: Arc<World>, req: Request<Incoming>) -> Reply {
    let (parts, body) = req.into_parts();
    let request_id = crate::ids::request_id();
    let Some(body) = http_util::read_body(body).await else {
        let err = EksError::new(400, "InvalidRequestException", "The body could not be read");
        return error_reply(&err, &request_id, "unreadable body");
    };
    let authed = match access::authenticate(&world, "eks", &parts, &body) {
        Ok(a) => a,
        Err(e) => {
            let err = EksError::from_auth(&e);
            return error_reply(&err, &request_id, &e.message);
        }
    };
    let call = Call {
        world: &world,
        caller: &authed,
        method: parts.method.as_str(),
        query: sigv4::decode_query(parts.uri.query().unwrap_or("")).unwrap_or_default(),
    };
    let Some(segments) = path_segments(parts.uri.path()) else {
        let err = EksError::new(400, "InvalidRequestException", "Malformed path");
        return error_reply(&err, &request_id, "malformed path");
    };
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    match dispatch(&call, &segs) {
        Ok((body, reason)) => Reply::new(200, "application/json", body.to_string(), reason)
            .with_header("x-amzn-requestid", &request_id),
        Err(err) => {
            let reason = format!("{} for {}", err.code, authed.caller.arn);
            error_reply(&err, &request_id, &reason)
        }
    }
}

/// A verified request.
struct Call<'a> {
    world: &'a World,
    caller: &'a Authenticated,
    method: &'a str,
    query: Vec<(String, String)>,
}

impl Call<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        crate::sts::auth::param(&self.query, name)
    }

    /// AccessDeniedException when the fixture denies `operation`.
    fn authorize(&self, operation: &str, resource: &str) -> Result<(), EksError> {
        let action = format!("eks:{operation}");
        if self.world.denials.denies(&self.caller.caller.arn, &action) {
            let message = access::denied_message(&self.caller.caller.arn, &action, resource);
            return Err(EksError::new(403, "AccessDeniedException", &message));
        }
        Ok(())
    }

    /// The cluster, if `name` is it and it is visible from the caller's
    /// account and region.
    fn cluster(&self, name: &str) -> Result<(), EksError> {
        let c = &self.world.cluster;
        let visible = name == c.name
            && self.caller.caller.account == c.account_id
            && self.caller.region == c.region;
        if visible {
            Ok(())
        } else {
            Err(EksError::cluster_not_found(name))
        }
    }

    /// The ARN of cluster `name` in the caller's account and region.
    fn cluster_arn(&self, name: &str) -> String {
        let c = &self.world.cluster;
        format!(
            "arn:{}:eks:{}:{}:cluster/{name}",
            c.partition.id(),
            self.caller.region,
            self.caller.caller.account
        )
    }
}

type Answer = Result<(serde_json::Value, String), EksError>;

fn dispatch(call: &Call<'_>, segs: &[&str]) -> Answer {
    if call.method != "GET" {
        return Err(EksError::new(
            404,
            "UnknownOperationException",
            "Unknown operation",
        ));
    }
    match segs {
        ["clusters"] => list_clusters(call),
        ["clusters", name] => describe_cluster(call, name),
        ["clusters", name, "access-entries"] => list_access_entries(call, name),
        ["clusters", name, "access-entries", principal] => {
            describe_access_entry(call, name, principal)
        }
        [
            "clusters",
            name,
            "access-entries",
            principal,
            "access-policies",
        ] => list_associated_policies(call, name, principal),
        ["clusters", name, "pod-identity-associations"] => pod_identity::list(call, name),
        ["clusters", name, "pod-identity-associations", id] => {
            pod_identity::describe(call, name, id)
        }
        ["clusters", name, "addons", addon] => pod_identity::describe_addon(call, name, addon),
        _ => Err(EksError::new(
            404,
            "UnknownOperationException",
            "Unknown operation",
        )),
    }
}

fn describe_cluster(call: &Call<'_>, name: &str) -> Answer {
    call.authorize("DescribeCluster", &call.cluster_arn(name))?;
    call.cluster(name)?;
    let body = json!({"cluster": render::cluster(call.world)});
    Ok((
        body,
        format!("DescribeCluster {name} by {}", call.caller.caller.arn),
    ))
}

fn list_clusters(call: &Call<'_>) -> Answer {
    call.authorize("ListClusters", &call.cluster_arn("*"))?;
    let name = &call.world.cluster.name;
    let names: Vec<String> = call
        .cluster(name)
        .map(|()| vec![name.clone()])
        .unwrap_or_default();
    let (page, next) = paginate(&names, call.param("maxResults"), call.param("nextToken"))?;
    let mut body = json!({"clusters": page});
    if let Some(t) = next {
        body["nextToken"] = json!(t);
    }
    Ok((body, format!("ListClusters: {}", page.len())))
}

fn list_access_entries(call: &Call<'_>, name: &str) -> Answer {
    call.authorize("ListAccessEntries", &call.cluster_arn(name))?;
    call.cluster(name)?;
    let c = &call.world.cluster;
    if !c.mode.uses_access_entries() {
        return Err(EksError::new(
            400,
            "InvalidRequestException",
            "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.",
        ));
    }
    let policy = call.param("associatedPolicyArn");
    let arns: Vec<String> = c
        .access_entries
        .iter()
        .filter(|e| {
            policy.is_none_or(|p| {
                e.access_policies.iter().any(|a| {
                    crate::kube::access_policy::Policy::parse(&a.policy)
                        .is_some_and(|pol| pol.arn() == p)
                })
            })
        })
        .map(|e| e.principal_arn.clone())
        .collect();
    let (page, next) = paginate(&arns, call.param("maxResults"), call.param("nextToken"))?;
    let mut body = json!({"accessEntries": page});
    if let Some(t) = next {
        body["nextToken"] = json!(t);
    }
    Ok((body, format!("ListAccessEntries {name}: {}", page.len())))
}

fn describe_access_entry(call: &Call<'_>, name: &str, principal: &str) -> Answer {
    call.authorize("DescribeAccessEntry", &call.cluster_arn(name))?;
    call.cluster(name)?;
    let entry = find_entry(call, name, principal)?;
    let body = json!({"accessEntry": render::access_entry(call.world, entry)});
    Ok((body, format!("DescribeAccessEntry {principal}")))
}

fn list_associated_policies(call: &Call<'_>, name: &str, principal: &str) -> Answer {
    call.authorize("ListAssociatedAccessPolicies", &call.cluster_arn(name))?;
    call.cluster(name)?;
    let entry = find_entry(call, name, principal)?;
    let all = render::associated_policies(call.world, entry);
    let (page, next) = paginate(&all, call.param("maxResults"), call.param("nextToken"))?;
    let mut body = json!({"clusterName": name, "principalArn": entry.principal_arn,
                          "associatedAccessPolicies": page});
    if let Some(t) = next {
        body["nextToken"] = json!(t);
    }
    Ok((
        body,
        format!("ListAssociatedAccessPolicies {principal}: {}", page.len()),
    ))
}

fn find_entry<'a>(
    call: &Call<'a>,
    name: &str,
    principal: &str,
) -> Result<&'a crate::fixture::AccessEntry, EksError> {
    call.world
        .cluster
        .access_entries
        .iter()
        .find(|e| e.principal_arn == principal)
        .ok_or_else(|| {
            EksError::not_found(
                name,
                &format!("The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'. ({principal})"),
            )
        })
}

/// Page through `items` with EKS's maxResults (1..=100) and an opaque
/// nextToken.
fn paginate<T: Clone>(
    items: &[T],
    max_results: Option<&str>,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), EksError> {
    let max = match max_results {
        None => 100,
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| EksError::invalid_parameter("maxResults must be between 1 and 100"))?,
    };
    let start = match next_token {
        None => 0,
        Some(t) => t
            .strip_prefix("eks-sim-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| EksError::invalid_parameter("The nextToken is invalid."))?,
    };
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| format!("eks-sim-{end}"));
    Ok((items[start..end].to_vec(), next))
}

/// Path segments, each percent-decoded (a principal ARN arrives with its
/// `:` and `/` encoded).
fn path_segments(path: &str) -> Option<Vec<String>> {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .ok()
                .map(|c| c.into_owned())
        })
        .collect()
}

fn error_reply(err: &EksError, request_id: &str, reason: &str) -> Reply {
    Reply::new(
        err.status,
        "application/json",
        err.body.to_string(),
        format!("{}: {reason}", err.code),
    )
    .with_header("x-amzn-errortype", err.code)
    .with_header("x-amzn-requestid", request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    type PageCase<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Result<(Vec<&'a str>, Option<String>), ()>,
    );

    #[test]
    #[rustfmt::skip]
    fn paginate_cases() {
        let items = ["a", "b", "c"];
        let cases: [PageCase; 5] = [
            ("everything_by_default", None, None, Ok((vec!["a", "b", "c"], None))),
            ("first_page", Some("2"), None, Ok((vec!["a", "b"], Some("eks-sim-2".into())))),
            ("second_page", Some("2"), Some("eks-sim-2"), Ok((vec!["c"], None))),
            ("max_results_out_of_range", Some("0"), None, Err(())),
            ("foreign_token", None, Some("xyz"), Err(())),
        ];
        for (name, max, token, want) in cases {
            assert_eq!(paginate(&items, max, token).map_err(|_| ()), want, "{name}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn auth_errors_use_eks_codes() {
        let cases = [
            ("unknown_key", StsError::invalid_client_token(), 403, "UnrecognizedClientException"),
            ("bad_signature", StsError::signature_mismatch(), 403, "InvalidSignatureException"),
            ("expired_session", StsError::expired_token(), 403, "ExpiredTokenException"),
            ("unsigned", StsError::missing_authentication(), 403, "MissingAuthenticationTokenException"),
        ];
        for (name, sts, status, code) in cases {
            let e = EksError::from_auth(&sts);
            assert_eq!((e.status, e.code), (status, code), "{name}");
        }
    }

    #[test]
    fn principal_arn_segments_are_decoded() {
        let segs = path_segments(
            "/clusters/demo/access-entries/arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx/access-policies",
        )
        .unwrap();
        assert_eq!(segs[3], "arn:aws:iam::1:role/x");
    }
}
