//! The Kubernetes API endpoints served once a request is authenticated and
//! authorized: discovery, health, SelfSubjectReview (what `kubectl auth
//! whoami` calls), SelfSubjectAccessReview and SelfSubjectRulesReview (what
//! `kubectl auth can-i` calls), and GET/list of the stored objects (JSON, or
//! a Table when kubectl asks for one).

use http::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::authn::UserInfo;
use super::request_info::{RequestAttributes, ResourceRequest};
use super::{discovery, objects, reviews, status, table};
use crate::http_util::Reply;
use crate::timefmt;
use crate::world::World;

/// What a route needs from the request.
pub struct Call<'a> {
    /// HTTP method.
    pub method: &'a Method,
    /// Path.
    pub path: &'a str,
    /// Raw query string ("" when absent).
    pub query: &'a str,
    /// The Accept header ("" when absent).
    pub accept: &'a str,
    /// The request body.
    pub body: &'a [u8],
    /// Derived attributes.
    pub attrs: &'a RequestAttributes,
    /// The caller.
    pub user: &'a UserInfo,
    /// Request time (simulator clock).
    pub now: OffsetDateTime,
}

/// Dispatch an authorized request.
pub fn route(world: &World, call: &Call<'_>) -> Reply {
    let ok = |v: Value| ok_json(200, v, call.user);
    match call.attrs {
        RequestAttributes::NonResource { .. } => {
            match (call.method.as_str(), call.path.trim_end_matches('/')) {
                ("GET", "/version") => ok(discovery::version(&world.cluster)),
                ("GET", "/api") => ok(discovery::api_versions()),
                ("GET", "/apis") => ok(discovery::api_groups(&world.cluster)),
                ("GET", "/healthz" | "/livez" | "/readyz") => {
                    Reply::new(200, "text/plain", "ok", "ok")
                }
                ("GET", path) => group_version(path)
                    .and_then(|(g, v)| discovery::resource_list(&world.cluster, g, v))
                    .map_or_else(
                        || status::not_found("the server could not find the requested resource"),
                        ok,
                    ),
                _ => status::method_not_allowed(),
            }
        }
        RequestAttributes::Resource(res) => resource(world, call, res),
    }
}

fn resource(world: &World, call: &Call<'_>, res: &ResourceRequest) -> Reply {
    match (
        res.api_group.as_str(),
        res.resource.as_str(),
        res.verb.as_str(),
    ) {
        ("authentication.k8s.io", "selfsubjectreviews", "create") => self_subject_review(call, res),
        ("authorization.k8s.io", "selfsubjectaccessreviews", "create") => review(
            world,
            call,
            "SelfSubjectAccessReview",
            reviews::access_review,
        ),
        ("authorization.k8s.io", "selfsubjectrulesreviews", "create") => {
            review(world, call, "SelfSubjectRulesReview", reviews::rules_review)
        }
        (group, resource, "get" | "list")
            if res.api_version == "v1" && res.subresource.is_none() =>
        {
            match objects::kind_of(group, resource) {
                Some(kind) => stored(world, call, res, kind),
                None => status::not_found("the server could not find the requested resource"),
            }
        }
        (_, _, "get" | "list") => {
            status::not_found("the server could not find the requested resource")
        }
        _ => status::method_not_allowed(),
    }
}

type Review = fn(&UserInfo, &Value, &super::rbac::RbacSet) -> Result<Value, String>;

/// Run a self-subject review on the posted body.
fn review(world: &World, call: &Call<'_>, kind: &str, run: Review) -> Reply {
    let decoded = serde_json::from_slice::<Value>(call.body)
        .ok()
        .or_else(|| super::proto::review_to_json(call.body));
    let Some(body) = decoded else {
        return status::bad_request(&format!("the body of the {kind} does not decode"));
    };
    match run(call.user, &body, &world.cluster.rbac) {
        Ok(answer) => ok_json(201, answer, call.user),
        Err(message) => status::invalid(kind, &message),
    }
}

/// GET one stored object, or list them (all namespaces when none is named).
fn stored(world: &World, call: &Call<'_>, res: &ResourceRequest, kind: &objects::Kind) -> Reply {
    let store = &world.cluster.objects;
    let namespace = if kind.namespaced {
        res.namespace.as_deref()
    } else {
        None
    };
    if let Some(name) = &res.name {
        return match store.get(kind, namespace, name) {
            Some(v) if call.accept.contains("as=Table") => {
                ok_json(200, table::table(kind, &[v], call.now), call.user)
            }
            Some(v) => ok_json(200, v.clone(), call.user),
            None => status::not_found_object(kind.resource, kind.group, name),
        };
    }
    let params = crate::sigv4::decode_query(call.query).unwrap_or_default();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut items = Vec::new();
    for v in store.list(kind, namespace) {
        match objects::selected(v, get("labelSelector"), get("fieldSelector")) {
            Some(true) => items.push(v),
            Some(false) => {}
            None => {
                return status::bad_request(
                    "unable to parse requirement: the selector is not supported",
                );
            }
        }
    }
    if call.accept.contains("as=Table") {
        return ok_json(200, table::table(kind, &items, call.now), call.user);
    }
    let api_version = if kind.group.is_empty() {
        "v1".to_string()
    } else {
        format!("{}/v1", kind.group)
    };
    let body = json!({"kind": format!("{}List", kind.kind), "apiVersion": api_version,
                      "metadata": {"resourceVersion": "1"}, "items": items});
    ok_json(200, body, call.user)
}

/// SelfSubjectReview: the caller's user info, as `kubectl auth whoami` shows it.
fn self_subject_review(call: &Call<'_>, res: &ResourceRequest) -> Reply {
    if !matches!(res.api_version.as_str(), "v1" | "v1beta1") {
        return status::not_found("the server could not find the requested resource");
    }
    let mut user_info = json!({"username": call.user.username, "groups": call.user.groups});
    if !call.user.uid.is_empty() {
        user_info["uid"] = json!(call.user.uid);
    }
    if !call.user.extra.is_empty() {
        user_info["extra"] = json!(call.user.extra);
    }
    let body = json!({
        "kind": "SelfSubjectReview",
        "apiVersion": format!("authentication.k8s.io/{}", res.api_version),
        "metadata": {"creationTimestamp": timefmt::iso8601(call.now)},
        "status": {"userInfo": user_info}
    });
    ok_json(201, body, call.user)
}

/// `/api/v1` -> ("", "v1"); `/apis/G/V` -> (G, V).
fn group_version(path: &str) -> Option<(&str, &str)> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments[..] {
        ["api", v] => Some(("", v)),
        ["apis", g, v] => Some((g, v)),
        _ => None,
    }
}

fn ok_json(code: u16, body: Value, user: &UserInfo) -> Reply {
    Reply::new(
        code,
        "application/json",
        body.to_string(),
        format!("user={}", user.username),
    )
}
