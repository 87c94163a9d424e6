//! Kubernetes `Status` bodies for failures, with the messages the API server
//! prints (kubectl shows them verbatim): 401 Unauthorized, 403 Forbidden in
//! RBAC's wording, 404 NotFound, 405 MethodNotAllowed.

use serde::Serialize;
use serde_json::{Value, json};

use super::request_info::RequestAttributes;
use crate::http_util::Reply;

/// A `Status` with the field order of the API server's.
#[derive(Serialize)]
struct Status<'a> {
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    metadata: Value,
    status: &'static str,
    message: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Value>,
    code: u16,
}

fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> String {
    let body = Status {
        kind: "Status",
        api_version: "v1",
        metadata: json!({}),
        status: "Failure",
        message,
        reason,
        details,
        code,
    };
    serde_json::to_string(&body).unwrap_or_default()
}

/// 401, as the API server answers a rejected token.
pub fn unauthorized(log_reason: &str) -> Reply {
    Reply::new(
        401,
        "application/json",
        status(401, "Unauthorized", "Unauthorized", None),
        format!("Unauthorized: {log_reason}"),
    )
}

/// 403 with RBAC's message for this user and request.
pub fn forbidden(user: &str, request: &RequestAttributes) -> Reply {
    let (message, details) = forbidden_message(user, request);
    Reply::new(
        403,
        "application/json",
        status(403, "Forbidden", &message, details),
        format!("Forbidden: {message}"),
    )
}

/// 404 for an unknown path or object.
pub fn not_found(message: &str) -> Reply {
    Reply::new(
        404,
        "application/json",
        status(404, "NotFound", message, Some(json!({}))),
        "NotFound",
    )
}

/// 400 for a request the server cannot use.
pub fn bad_request(message: &str) -> Reply {
    Reply::new(
        400,
        "application/json",
        status(400, "BadRequest", message, None),
        format!("BadRequest: {message}"),
    )
}

/// 422 for an invalid object (a review with a bad spec).
pub fn invalid(kind: &str, message: &str) -> Reply {
    let details = json!({"group": "authorization.k8s.io", "kind": kind});
    Reply::new(
        422,
        "application/json",
        status(
            422,
            "Invalid",
            &format!("{kind}.authorization.k8s.io is invalid: {message}"),
            Some(details),
        ),
        "Invalid",
    )
}

/// 404 for a named object that does not exist, as the API server words it.
pub fn not_found_object(resource: &str, group: &str, name: &str) -> Reply {
    let qualified = if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    };
    let message = format!("{qualified} \"{name}\" not found");
    let mut details = json!({"name": name, "kind": resource});
    if !group.is_empty() {
        details["group"] = json!(group);
    }
    Reply::new(
        404,
        "application/json",
        status(404, "NotFound", &message, Some(details)),
        "NotFound",
    )
}

/// 405 for a verb the resource does not support here.
pub fn method_not_allowed() -> Reply {
    let message = "the server does not allow this method on the requested resource";
    Reply::new(
        405,
        "application/json",
        status(405, "MethodNotAllowed", message, Some(json!({}))),
        "MethodNotAllowed",
    )
}

/// The Forbidden message and details Kubernetes produces.
pub fn forbidden_message(user: &str, request: &RequestAttributes) -> (String, Option<Value>) {
    let res = match request {
        RequestAttributes::NonResource { verb, path } => {
            return (
                format!("forbidden: User \"{user}\" cannot {verb} path \"{path}\""),
                None,
            );
        }
        RequestAttributes::Resource(res) => res,
    };
    let group_resource = if res.api_group.is_empty() {
        res.resource.clone()
    } else {
        format!("{}.{}", res.resource, res.api_group)
    };
    let subject = match &res.name {
        Some(name) => format!("{group_resource} \"{name}\""),
        None => group_resource,
    };
    let resource = match &res.subresource {
        Some(sub) => format!("{}/{sub}", res.resource),
        None => res.resource.clone(),
    };
    let scope = match &res.namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    let message = format!(
        "{subject} is forbidden: User \"{user}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
        res.verb, res.api_group
    );
    let mut details = json!({});
    if let Some(name) = &res.name {
        details["name"] = json!(name);
    }
    if !res.api_group.is_empty() {
        details["group"] = json!(res.api_group);
    }
    details["kind"] = json!(res.resource);
    (message, Some(details))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::request_info;

    #[test]
    fn forbidden_messages() {
        let cases = [
            (
                "list_pods_in_namespace",
                request_info::parse("GET", "/api/v1/namespaces/default/pods", ""),
                "pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"",
            ),
            (
                "get_named_role",
                request_info::parse(
                    "GET",
                    "/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles/r1",
                    "",
                ),
                "roles.rbac.authorization.k8s.io \"r1\" is forbidden: User \"bob\" cannot get resource \"roles\" in API group \"rbac.authorization.k8s.io\" in the namespace \"dev\"",
            ),
            (
                "cluster_scope",
                request_info::parse("GET", "/api/v1/namespaces", ""),
                "namespaces is forbidden: User \"bob\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope",
            ),
            (
                "non_resource",
                request_info::parse("GET", "/api", ""),
                "forbidden: User \"bob\" cannot get path \"/api\"",
            ),
        ];
        for (name, req, want) in cases {
            assert_eq!(forbidden_message("bob", &req).0, want, "{name}");
        }
    }

    #[test]
    fn unauthorized_body_is_kubernetes_status() {
        let reply = unauthorized("x");
        assert_eq!(reply.response.status().as_u16(), 401);
        assert_eq!(
            status(401, "Unauthorized", "Unauthorized", None),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
        );
    }
}
