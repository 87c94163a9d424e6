//! Request attributes as the Kubernetes API server derives them from method
//! and path (its RequestInfoFactory): resource requests under `/api/v1` and
//! `/apis/GROUP/VERSION`, everything else a non-resource path.

/// What authorization decides on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestAttributes {
    /// A request on an API resource.
    Resource(ResourceRequest),
    /// A request on a plain path (`/version`, `/api`, ...).
    NonResource {
        /// Lowercase HTTP verb (`get`, `post`, ...).
        verb: String,
        /// The path.
        path: String,
    },
}

/// A resource request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRequest {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`.
    pub verb: String,
    /// API group, `""` for core.
    pub api_group: String,
    /// API version.
    pub api_version: String,
    /// Resource, e.g. `pods`.
    pub resource: String,
    /// Subresource, e.g. `log`.
    pub subresource: Option<String>,
    /// Namespace, for namespaced requests.
    pub namespace: Option<String>,
    /// Object name.
    pub name: Option<String>,
}

/// Subresources of a namespace object itself (not resources inside it).
const NAMESPACE_SUBRESOURCES: [&str; 2] = ["status", "finalize"];

/// Derive the attributes of a request.
pub fn parse(method: &str, path: &str, query: &str) -> RequestAttributes {
    let non_resource = || RequestAttributes::NonResource {
        verb: method.to_ascii_lowercase(),
        path: path.to_string(),
    };
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (api_group, api_version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return non_resource(),
    };
    if rest.is_empty() {
        return non_resource();
    }
    let mut parts = rest;
    let mut namespace = None;
    if parts[0] == "namespaces" && parts.len() > 1 {
        namespace = Some(parts[1].to_string());
        if parts.len() > 2 && !NAMESPACE_SUBRESOURCES.contains(&parts[2]) {
            parts = &parts[2..];
        }
    }
    let name = parts.get(1).map(|s| s.to_string());
    let watch = query
        .split('&')
        .any(|p| p == "watch=true" || p == "watch=1");
    let verb = match (method, name.is_some()) {
        ("GET" | "HEAD", _) if watch => "watch",
        ("GET" | "HEAD", true) => "get",
        ("GET" | "HEAD", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        (other, _) => {
            return RequestAttributes::NonResource {
                verb: other.to_ascii_lowercase(),
                path: path.to_string(),
            };
        }
    };
    RequestAttributes::Resource(ResourceRequest {
        verb: verb.to_string(),
        api_group: api_group.to_string(),
        api_version: api_version.to_string(),
        resource: parts[0].to_string(),
        subresource: parts.get(2).map(|s| s.to_string()),
        namespace,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(
        verb: &str,
        group: &str,
        resource: &str,
        ns: Option<&str>,
        name: Option<&str>,
    ) -> RequestAttributes {
        RequestAttributes::Resource(ResourceRequest {
            verb: verb.into(),
            api_group: group.into(),
            api_version: "v1".into(),
            resource: resource.into(),
            subresource: None,
            namespace: ns.map(Into::into),
            name: name.map(Into::into),
        })
    }

    #[test]
    #[rustfmt::skip]
    fn parse_cases() {
        let nr = |verb: &str, path: &str| RequestAttributes::NonResource { verb: verb.into(), path: path.into() };
        let cases = [
            ("list_pods_in_namespace", "GET", "/api/v1/namespaces/default/pods", "", res("list", "", "pods", Some("default"), None)),
            ("get_one_pod", "GET", "/api/v1/namespaces/dev/pods/p1", "", res("get", "", "pods", Some("dev"), Some("p1"))),
            ("watch_pods", "GET", "/api/v1/namespaces/dev/pods", "watch=true", res("watch", "", "pods", Some("dev"), None)),
            ("list_all_pods", "GET", "/api/v1/pods", "limit=500", res("list", "", "pods", None, None)),
            ("get_namespace_itself", "GET", "/api/v1/namespaces/dev", "", res("get", "", "namespaces", Some("dev"), Some("dev"))),
            ("create_review", "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "", res("create", "authentication.k8s.io", "selfsubjectreviews", None, None)),
            ("version_is_non_resource", "GET", "/version", "", nr("get", "/version")),
            ("group_version_is_non_resource", "GET", "/apis/rbac.authorization.k8s.io/v1", "", nr("get", "/apis/rbac.authorization.k8s.io/v1")),
            ("api_root_is_non_resource", "GET", "/api", "", nr("get", "/api")),
        ];
        for (name, method, path, query, want) in cases {
            assert_eq!(parse(method, path, query), want, "{name}");
        }
    }
}
