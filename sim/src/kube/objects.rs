//! The cluster's stored objects, served read-only: the fixture's manifests
//! (Namespace, ServiceAccount, Pod, ConfigMap, Secret, DaemonSet), ConfigMap
//! kube-system/aws-auth built from the fixture's `aws_auth`, the RBAC objects
//! (built-ins and the fixture's), the standard namespaces and a `default`
//! ServiceAccount in each namespace, as a real cluster has them. Missing
//! metadata (namespace, uid, resourceVersion, creationTimestamp) is filled
//! in as the API server would.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::rbac::RbacObject;
use super::rbac_builtin;

/// A kind this API server stores.
#[derive(Debug)]
pub struct Kind {
    /// `Pod`.
    pub kind: &'static str,
    /// `pods`.
    pub resource: &'static str,
    /// API group, `""` for core.
    pub group: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

/// Every stored kind (all of version v1).
pub const KINDS: [Kind; 10] = [
    kind("Namespace", "namespaces", "", false),
    kind("ServiceAccount", "serviceaccounts", "", true),
    kind("Pod", "pods", "", true),
    kind("ConfigMap", "configmaps", "", true),
    kind("Secret", "secrets", "", true),
    kind("DaemonSet", "daemonsets", "apps", true),
    kind("Role", "roles", RBAC_GROUP, true),
    kind("RoleBinding", "rolebindings", RBAC_GROUP, true),
    kind("ClusterRole", "clusterroles", RBAC_GROUP, false),
    kind(
        "ClusterRoleBinding",
        "clusterrolebindings",
        RBAC_GROUP,
        false,
    ),
];

const fn kind(
    kind: &'static str,
    resource: &'static str,
    group: &'static str,
    namespaced: bool,
) -> Kind {
    Kind {
        kind,
        resource,
        group,
        namespaced,
    }
}

/// The RBAC API group.
const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// Kinds a fixture may list under `objects` (RBAC goes under `rbac`).
pub const FIXTURE_KINDS: [&str; 6] = [
    "Namespace",
    "ServiceAccount",
    "Pod",
    "ConfigMap",
    "Secret",
    "DaemonSet",
];

/// Namespaces every EKS cluster has.
const STANDARD_NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/// Look a kind up by (group, resource).
pub fn kind_of(group: &str, resource: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.group == group && k.resource == resource)
}

/// All stored objects, each a complete manifest.
#[derive(Debug, Default)]
pub struct ObjectStore {
    items: Vec<Value>,
}

impl ObjectStore {
    /// Build from a validated fixture.
    pub fn from_fixture(
        objects: &[Value],
        aws_auth: Option<&BTreeMap<String, String>>,
        rbac: &[RbacObject],
    ) -> ObjectStore {
        let mut items: Vec<Value> = objects.to_vec();
        if let Some(data) = aws_auth {
            items.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "aws-auth", "namespace": "kube-system"}, "data": data}));
        }
        for object in rbac_builtin::objects().iter().chain(rbac) {
            if let Ok(v) = serde_json::to_value(object) {
                items.push(v);
            }
        }
        for item in &mut items {
            complete(item);
        }
        add_implicit(&mut items);
        ObjectStore { items }
    }

    /// Objects of `kind`, in `namespace` when given, in name order.
    pub fn list(&self, kind: &Kind, namespace: Option<&str>) -> Vec<&Value> {
        let mut out: Vec<&Value> = self
            .items
            .iter()
            .filter(|v| v["kind"] == kind.kind)
            .filter(|v| namespace.is_none_or(|ns| v["metadata"]["namespace"] == ns))
            .collect();
        out.sort_by_key(|v| (meta(v, "namespace"), meta(v, "name")));
        out
    }

    /// One object.
    pub fn get(&self, kind: &Kind, namespace: Option<&str>, name: &str) -> Option<&Value> {
        self.list(kind, namespace)
            .into_iter()
            .find(|v| v["metadata"]["name"] == name)
    }
}

/// A metadata string field ("" when absent).
pub fn meta(v: &Value, field: &str) -> String {
    v["metadata"][field].as_str().unwrap_or("").to_string()
}

/// Fill in what the API server adds: apiVersion, default namespace, uid,
/// resourceVersion, creationTimestamp, a Pod's service account and phase.
fn complete(item: &mut Value) {
    let Some(kind) = KINDS.iter().find(|k| item["kind"] == k.kind) else {
        return;
    };
    if item.get("apiVersion").is_none_or(Value::is_null) {
        item["apiVersion"] = json!(if kind.group.is_empty() {
            "v1".to_string()
        } else {
            format!("{}/v1", kind.group)
        });
    }
    if !item["metadata"].is_object() {
        item["metadata"] = json!({});
    }
    let m = &mut item["metadata"];
    if kind.namespaced && m.get("namespace").is_none_or(Value::is_null) {
        m["namespace"] = json!("default");
    }
    let seed = format!(
        "{}/{}/{}",
        kind.kind,
        meta_str(m, "namespace"),
        meta_str(m, "name")
    );
    if m.get("uid").is_none() {
        m["uid"] = json!(uid(&seed));
    }
    if m.get("resourceVersion").is_none() {
        m["resourceVersion"] = json!("1");
    }
    if m.get("creationTimestamp").is_none() {
        m["creationTimestamp"] = json!(crate::timefmt::iso8601(created()));
    }
    if kind.kind == "Pod" {
        if !item["spec"].is_object() {
            item["spec"] = json!({});
        }
        if item["spec"].get("serviceAccountName").is_none() {
            item["spec"]["serviceAccountName"] = json!("default");
        }
        if item["status"]["phase"].is_null() {
            item["status"] = json!({"phase": "Running"});
        }
    }
}

fn meta_str<'a>(m: &'a Value, field: &str) -> &'a str {
    m[field].as_str().unwrap_or("")
}

/// When implicit objects were "created": the start of the current day, so
/// ages look plausible and the fixture stays deterministic within a day.
fn created() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_time(time::Time::MIDNIGHT)
}

/// A UUID-shaped id derived from a seed.
fn uid(seed: &str) -> String {
    let h = crate::eks::hex_id(seed).to_ascii_lowercase();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The standard namespaces, every namespace an object names, and a
/// `default` ServiceAccount in each.
fn add_implicit(items: &mut Vec<Value>) {
    let mut namespaces: BTreeSet<String> =
        STANDARD_NAMESPACES.iter().map(|s| s.to_string()).collect();
    namespaces.extend(
        items
            .iter()
            .map(|v| meta(v, "namespace"))
            .filter(|n| !n.is_empty()),
    );
    let has = |items: &Vec<Value>, kind: &str, ns: &str, name: &str| {
        items
            .iter()
            .any(|v| v["kind"] == kind && meta(v, "namespace") == ns && meta(v, "name") == name)
    };
    for ns in namespaces {
        let mut added = Vec::new();
        if !has(items, "Namespace", "", &ns) {
            added.push(json!({"kind": "Namespace", "metadata": {"name": ns}, "status": {"phase": "Active"}}));
        }
        if !has(items, "ServiceAccount", &ns, "default") {
            added.push(
                json!({"kind": "ServiceAccount", "metadata": {"name": "default", "namespace": ns}}),
            );
        }
        for mut v in added {
            complete(&mut v);
            items.push(v);
        }
    }
}

/// Whether an object passes a label selector (`a=b`, `a==b`, `a!=b`, `a`,
/// `!a`, comma-separated) and a field selector (`path=value`,
/// `path!=value` over dotted paths such as `spec.serviceAccountName`).
/// None when a selector does not parse.
pub fn selected(v: &Value, labels: Option<&str>, fields: Option<&str>) -> Option<bool> {
    let label = |k: &str| v["metadata"]["labels"][k].as_str().map(str::to_string);
    let field = |path: &str| {
        let mut cur = v;
        for part in path.split('.') {
            cur = &cur[part];
        }
        Some(cur.as_str().unwrap_or("").to_string())
    };
    Some(matches_all(labels.unwrap_or(""), label)? && matches_all(fields.unwrap_or(""), field)?)
}

fn matches_all(selector: &str, get: impl Fn(&str) -> Option<String>) -> Option<bool> {
    let mut ok = true;
    for term in selector.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let hit = if let Some((k, want)) = term.split_once("!=") {
            get(k.trim()).as_deref() != Some(want.trim())
        } else if let Some((k, want)) = term.split_once('=') {
            get(k.trim()).as_deref() == Some(want.trim_start_matches('=').trim())
        } else if let Some(k) = term.strip_prefix('!') {
            get(k.trim()).is_none()
        } else if term
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            get(term).is_some()
        } else {
            return None;
        };
        ok &= hit;
    }
    Some(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> ObjectStore {
        let objects: Vec<Value> = serde_yaml_ng::from_str(r#"
- kind: ServiceAccount
  metadata: {name: app, namespace: dev, annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/app"}}
- kind: Pod
  metadata: {name: app-1, namespace: dev, labels: {app: web}}
  spec: {serviceAccountName: app, containers: [{name: c, image: x}]}
- kind: Pod
  metadata: {name: lonely}
"#).unwrap();
        let aws_auth = BTreeMap::from([("mapUsers".to_string(), "[]".to_string())]);
        ObjectStore::from_fixture(&objects, Some(&aws_auth), &[])
    }

    #[test]
    #[rustfmt::skip]
    fn store_cases() {
        let s = store();
        let k = |r: &str, g: &str| kind_of(g, r).unwrap();
        let names = |v: Vec<&Value>| v.iter().map(|o| format!("{}/{}", meta(o, "namespace"), meta(o, "name"))).collect::<Vec<_>>();
        assert_eq!(names(s.list(k("pods", ""), None)), ["default/lonely", "dev/app-1"], "pods_sorted_and_defaulted");
        assert_eq!(names(s.list(k("serviceaccounts", ""), Some("dev"))), ["dev/app", "dev/default"], "default_sa_added");
        assert!(s.get(k("configmaps", ""), Some("kube-system"), "aws-auth").is_some(), "aws_auth_configmap");
        assert!(s.get(k("namespaces", ""), None, "dev").is_some(), "namespace_of_an_object_exists");
        assert!(s.get(k("clusterroles", RBAC_GROUP), None, "view").is_some(), "builtin_clusterroles_served");
        assert_eq!(s.get(k("pods", ""), Some("default"), "lonely").unwrap()["spec"]["serviceAccountName"], "default", "pod_sa_defaulted");
    }

    #[test]
    #[rustfmt::skip]
    fn selector_cases() {
        let s = store();
        let pod = s.get(kind_of("", "pods").unwrap(), Some("dev"), "app-1").unwrap();
        let cases = [
            ("label_equal", Some("app=web"), None, Some(true)),
            ("label_double_equal", Some("app==web"), None, Some(true)),
            ("label_not_equal", Some("app!=web"), None, Some(false)),
            ("label_exists", Some("app"), None, Some(true)),
            ("label_absent", Some("!app"), None, Some(false)),
            ("field_service_account", None, Some("spec.serviceAccountName=app"), Some(true)),
            ("field_other_namespace", None, Some("metadata.namespace=prod"), Some(false)),
            ("set_syntax_unsupported", Some("app in (web)"), None, None),
        ];
        for (name, labels, fields, want) in cases {
            assert_eq!(selected(pod, labels, fields), want, "{name}");
        }
    }
}
