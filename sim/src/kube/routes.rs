//! The Kubernetes API endpoints served once a request is authenticated and
//! authorized: discovery, health, SelfSubjectReview (what `kubectl auth
//! whoami` calls) and pod lists (empty in stage 1).

use http::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::authn::UserInfo;
use super::request_info::{RequestAttributes, ResourceRequest};
use super::{discovery, status};
use crate::http_util::Reply;
use crate::timefmt;
use crate::world::World;

/// What a route needs from the request.
pub struct Call<'a> {
    /// HTTP method.
    pub method: &'a Method,
    /// Path.
    pub path: &'a str,
    /// The Accept header ("" when absent).
    pub accept: &'a str,
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
                ("GET", "/apis") => ok(discovery::api_groups()),
                ("GET", "/healthz" | "/livez" | "/readyz") => {
                    Reply::new(200, "text/plain", "ok", "ok")
                }
                ("GET", path) => group_version(path)
                    .and_then(|(g, v)| discovery::resource_list(g, v))
                    .map_or_else(
                        || status::not_found("the server could not find the requested resource"),
                        ok,
                    ),
                _ => status::method_not_allowed(),
            }
        }
        RequestAttributes::Resource(res) => resource(call, res),
    }
}

fn resource(call: &Call<'_>, res: &ResourceRequest) -> Reply {
    match (
        res.api_group.as_str(),
        res.resource.as_str(),
        res.verb.as_str(),
    ) {
        ("authentication.k8s.io", "selfsubjectreviews", "create") => self_subject_review(call, res),
        ("", "pods", "list") => pod_list(call),
        ("", "pods", "get") => status::not_found(&format!(
            "pods \"{}\" not found",
            res.name.as_deref().unwrap_or("")
        )),
        _ => status::not_found("the server could not find the requested resource"),
    }
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

/// An empty pod list, as a Table when kubectl asks for one.
fn pod_list(call: &Call<'_>) -> Reply {
    if call.accept.contains("as=Table") {
        let column = |name: &str, format: &str| json!({"name": name, "type": "string", "format": format, "description": "", "priority": 0});
        let body = json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "1"},
            "columnDefinitions": [column("Name", "name"), column("Ready", ""), column("Status", ""),
                                  column("Restarts", ""), column("Age", "")],
            "rows": []
        });
        return ok_json(200, body, call.user);
    }
    ok_json(
        200,
        json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": []}),
        call.user,
    )
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
