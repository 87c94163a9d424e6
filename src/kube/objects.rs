//! Reading what `why` needs from the API server with a kube-rs client:
//! a SelfSubjectAccessReview (as the client's identity), every RBAC
//! binding, a ServiceAccount, the pods that run with it (with the names
//! their `envFrom` brings), and whether a DaemonSet exists. Each answer
//! becomes an evidence fact ([`KubeRead`], [`AccessAnswer`]); every call is
//! bounded by a timeout. Nothing here judges.

use crate::kube::KubeRead;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{ConfigMap, EnvFromSource, Pod, Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding, Subject};
use kube::api::{Api, ListParams, PostParams};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// VERB RESOURCE as the API server's authorizer sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessAttributes {
    pub verb: String,
    /// API group ("" for the core group).
    pub group: String,
    /// Plural resource name (`secrets`, `deployments`).
    pub resource: String,
    pub subresource: Option<String>,
    /// The namespace asked about; None for cluster-scoped resources.
    pub namespace: Option<String>,
}

/// The API server's answer to a SelfSubjectAccessReview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessAnswer {
    /// Allowed, with the authorizer's reason.
    Allowed { reason: String },
    /// Denied, with the reason and evaluation error (often empty).
    Denied {
        reason: String,
        evaluation_error: String,
    },
    /// The review could not be made.
    Failed(String),
}

/// A subject of a binding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RbacSubject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RbacBinding {
    /// `RoleBinding` or `ClusterRoleBinding`.
    pub kind: String,
    pub name: String,
    /// The RoleBinding's namespace (None for a ClusterRoleBinding).
    pub namespace: Option<String>,
    /// `Role` or `ClusterRole`.
    pub role_kind: String,
    pub role_name: String,
    pub subjects: Vec<RbacSubject>,
}

/// A container's environment (plain `value`s only; `valueFrom` shows as "").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerEnv {
    pub name: String,
    pub env: BTreeMap<String, String>,
    /// Variables from `envFrom`: name → where from (`Secret creds`,
    /// `ConfigMap app`); values are never read into evidence.
    pub env_from: BTreeMap<String, String>,
}

/// A pod that runs with the service account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodInfo {
    pub name: String,
    /// `kind/name` of its first owner (`ReplicaSet/app-7c9f`), if any.
    pub owner: Option<String>,
    pub containers: Vec<ContainerEnv>,
    /// Its `creationTimestamp`.
    pub created: Option<OffsetDateTime>,
}

/// A kube-rs call bounded by `timeout`, its error as a [`KubeRead`].
async fn bounded<T>(
    timeout: Duration,
    call: impl Future<Output = Result<T, kube::Error>>,
) -> KubeRead<T> {
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(v)) => KubeRead::Ok(v),
        Ok(Err(kube::Error::Api(s))) if s.code == 404 => KubeRead::NotFound,
        Ok(Err(kube::Error::Api(s))) if s.code == 403 => KubeRead::Forbidden(s.message.clone()),
        Ok(Err(kube::Error::Api(s))) => KubeRead::Failed(format!(
            "the API server answered {} {}: {}",
            s.code, s.reason, s.message
        )),
        Ok(Err(e)) => KubeRead::Failed(crate::aws::error_causes(&e)),
        Err(_) => KubeRead::Failed(format!("no answer within {}s", timeout.as_secs())),
    }
}

/// A read that did not succeed, as a read of another type.
fn failed<T, U>(r: KubeRead<T>) -> KubeRead<U> {
    match r {
        KubeRead::Ok(_) | KubeRead::NotFound => KubeRead::NotFound,
        KubeRead::Forbidden(m) => KubeRead::Forbidden(m),
        KubeRead::Failed(m) => KubeRead::Failed(m),
    }
}

/// Asks the API server whether the client's identity may do `a`.
pub async fn access_review(
    client: &kube::Client,
    a: &AccessAttributes,
    timeout: Duration,
) -> AccessAnswer {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(a.verb.clone()),
                group: Some(a.group.clone()),
                resource: Some(a.resource.clone()),
                subresource: a.subresource.clone(),
                namespace: a.namespace.clone(),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    match bounded(timeout, api.create(&PostParams::default(), &review)).await {
        KubeRead::Ok(r) => {
            let s = r.status.unwrap_or_default();
            let reason = s.reason.unwrap_or_default();
            if s.allowed {
                AccessAnswer::Allowed { reason }
            } else {
                AccessAnswer::Denied {
                    reason,
                    evaluation_error: s.evaluation_error.unwrap_or_default(),
                }
            }
        }
        KubeRead::NotFound => AccessAnswer::Failed("the API server has no access reviews".into()),
        KubeRead::Forbidden(m) | KubeRead::Failed(m) => AccessAnswer::Failed(m),
    }
}

fn subjects(s: Option<Vec<Subject>>) -> Vec<RbacSubject> {
    s.unwrap_or_default()
        .into_iter()
        .map(|s| RbacSubject {
            kind: s.kind,
            name: s.name,
            namespace: s.namespace,
        })
        .collect()
}

/// Every RoleBinding and ClusterRoleBinding.
pub async fn bindings(client: &kube::Client, timeout: Duration) -> KubeRead<Vec<RbacBinding>> {
    let rb: Api<RoleBinding> = Api::all(client.clone());
    let crb: Api<ClusterRoleBinding> = Api::all(client.clone());
    let lp = ListParams::default();
    let (rb, crb) = tokio::join!(
        bounded(timeout, rb.list(&lp)),
        bounded(timeout, crb.list(&lp))
    );
    let (rb, crb) = match (rb, crb) {
        (KubeRead::Ok(a), KubeRead::Ok(b)) => (a, b),
        (KubeRead::Ok(_), other) => return failed(other),
        (other, _) => return failed(other),
    };
    let mut out: Vec<RbacBinding> = rb
        .items
        .into_iter()
        .map(|b| RbacBinding {
            kind: "RoleBinding".into(),
            name: b.metadata.name.unwrap_or_default(),
            namespace: b.metadata.namespace,
            role_kind: b.role_ref.kind,
            role_name: b.role_ref.name,
            subjects: subjects(b.subjects),
        })
        .collect();
    out.extend(crb.items.into_iter().map(|b| RbacBinding {
        kind: "ClusterRoleBinding".into(),
        name: b.metadata.name.unwrap_or_default(),
        namespace: None,
        role_kind: b.role_ref.kind,
        role_name: b.role_ref.name,
        subjects: subjects(b.subjects),
    }));
    KubeRead::Ok(out)
}

/// The ServiceAccount's annotations.
pub async fn service_account(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    timeout: Duration,
) -> KubeRead<BTreeMap<String, String>> {
    let api: Api<ServiceAccount> = Api::namespaced(client.clone(), namespace);
    match bounded(timeout, api.get(name)).await {
        KubeRead::Ok(sa) => KubeRead::Ok(sa.metadata.annotations.unwrap_or_default()),
        other => failed(other),
    }
}

/// The pods of `namespace` that run with service account `name`, each
/// container's `envFrom` resolved to the variable names it brings.
pub async fn pods_of(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    timeout: Duration,
) -> KubeRead<Vec<PodInfo>> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let list = match bounded(timeout, api.list(&ListParams::default())).await {
        KubeRead::Ok(l) => l,
        other => return failed(other),
    };
    let deadline = Instant::now() + timeout;
    let mut sources = EnvSources::default();
    let mut pods = Vec::new();
    for p in list.items.into_iter().filter(|p| runs_as(p, name)) {
        pods.push(pod_info(client, namespace, p, &mut sources, deadline).await);
    }
    KubeRead::Ok(pods)
}

fn runs_as(p: &Pod, name: &str) -> bool {
    let sa = p
        .spec
        .as_ref()
        .and_then(|s| s.service_account_name.as_deref());
    sa.unwrap_or("default") == name
}

/// The keys of each `envFrom` source read so far, by "ConfigMap NAME" /
/// "Secret NAME" (each read once, however many pods name it).
type EnvSources = BTreeMap<String, Vec<String>>;

async fn pod_info(
    client: &kube::Client,
    namespace: &str,
    p: Pod,
    sources: &mut EnvSources,
    deadline: Instant,
) -> PodInfo {
    let mut containers = Vec::new();
    for c in p.spec.map(|s| s.containers).unwrap_or_default() {
        let mut env_from = BTreeMap::new();
        for source in c.env_from.unwrap_or_default() {
            let prefix = source.prefix.clone().unwrap_or_default();
            let Some(from) = source_name(&source) else {
                continue;
            };
            if !sources.contains_key(&from) {
                let keys = source_keys(client, namespace, &source, deadline).await;
                sources.insert(from.clone(), keys);
            }
            for key in &sources[&from] {
                env_from.insert(format!("{prefix}{key}"), from.clone());
            }
        }
        containers.push(ContainerEnv {
            name: c.name,
            env: c
                .env
                .unwrap_or_default()
                .into_iter()
                .map(|v| (v.name, v.value.unwrap_or_default()))
                .collect(),
            env_from,
        });
    }
    PodInfo {
        name: p.metadata.name.unwrap_or_default(),
        owner: p
            .metadata
            .owner_references
            .and_then(|o| o.into_iter().next())
            .map(|o| format!("{}/{}", o.kind, o.name)),
        containers,
        created: p.metadata.creation_timestamp.map(|t| {
            time::OffsetDateTime::from_unix_timestamp(t.0.as_second())
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        }),
    }
}

/// "ConfigMap NAME" or "Secret NAME".
fn source_name(source: &EnvFromSource) -> Option<String> {
    let cm = source
        .config_map_ref
        .as_ref()
        .map(|r| format!("ConfigMap {}", r.name));
    cm.or_else(|| {
        source
            .secret_ref
            .as_ref()
            .map(|r| format!("Secret {}", r.name))
    })
}

/// The keys an `envFrom` source brings (names only: a Secret's values are
/// dropped as read); none when it cannot be read by the deadline.
async fn source_keys(
    client: &kube::Client,
    namespace: &str,
    source: &EnvFromSource,
    deadline: Instant,
) -> Vec<String> {
    let timeout = deadline.saturating_duration_since(Instant::now());
    if let Some(r) = &source.config_map_ref {
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
        if let KubeRead::Ok(cm) = bounded(timeout, api.get(&r.name)).await {
            return cm.data.unwrap_or_default().into_keys().collect();
        }
    } else if let Some(r) = &source.secret_ref {
        let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
        if let KubeRead::Ok(s) = bounded(timeout, api.get(&r.name)).await {
            let mut keys: Vec<String> = s.data.unwrap_or_default().into_keys().collect();
            keys.extend(s.string_data.unwrap_or_default().into_keys());
            return keys;
        }
    }
    Vec::new()
}

/// Whether DaemonSet `namespace/name` exists.
pub async fn daemonset_exists(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    timeout: Duration,
) -> KubeRead<bool> {
    let api: Api<DaemonSet> = Api::namespaced(client.clone(), namespace);
    match bounded(timeout, api.get(name)).await {
        KubeRead::Ok(_) => KubeRead::Ok(true),
        KubeRead::NotFound => KubeRead::Ok(false),
        other => failed(other),
    }
}
