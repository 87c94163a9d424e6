//! The EKS API calls `why` makes with the diagnosed identity's credentials:
//! DescribeCluster, the caller's access entry with its policies, a service
//! account's Pod Identity associations and an add-on's status. SDK
//! errors become [`EksCall`] variants (denied, not found, failed) because
//! each is a different finding.

use crate::aws::EksCall;
use aws_sdk_eks::Client;
use aws_sdk_eks::error::ProvideErrorMetadata;
use time::OffsetDateTime;

/// DescribeCluster, in the terms the checks need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    pub name: String,
    pub arn: Option<String>,
    pub endpoint: Option<String>,
    /// `certificateAuthority.data` (base64 of PEM), as EKS returns it.
    pub ca_data: Option<String>,
    pub status: Option<String>,
    /// `CONFIG_MAP`, `API_AND_CONFIG_MAP` or `API`.
    pub authentication_mode: Option<String>,
    pub oidc_issuer: Option<String>,
    /// `resourcesVpcConfig`: how the API server endpoint is exposed.
    pub endpoint_access: Option<EndpointAccess>,
}

/// `resourcesVpcConfig` of DescribeCluster: where the endpoint answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointAccess {
    /// `endpointPublicAccess`.
    pub public: bool,
    /// `endpointPrivateAccess`.
    pub private: bool,
    /// `publicAccessCidrs` (EKS reports `0.0.0.0/0` when unrestricted).
    pub public_cidrs: Vec<String>,
}

/// One access policy association.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessPolicy {
    /// `arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy`.
    pub policy_arn: String,
    /// `cluster` or `namespace`.
    pub scope_type: String,
    pub namespaces: Vec<String>,
}

/// The caller's access entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessEntryInfo {
    pub principal_arn: String,
    pub username: Option<String>,
    pub kubernetes_groups: Vec<String>,
    pub entry_type: Option<String>,
    pub policies: Vec<AccessPolicy>,
    /// `createdAt` of the entry (DescribeAccessEntry).
    pub created_at: Option<OffsetDateTime>,
}

/// One EKS Pod Identity association (DescribePodIdentityAssociation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssociationInfo {
    pub id: String,
    /// The role in the cluster's account.
    pub role_arn: String,
    /// Cross-account: the role in another account that `role_arn` assumes.
    pub target_role_arn: Option<String>,
    pub created_at: Option<OffsetDateTime>,
}

fn classify<T, E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    e: &aws_sdk_eks::error::SdkError<E>,
) -> EksCall<T> {
    let (code, msg) = match e.as_service_error() {
        Some(s) => (
            s.code().unwrap_or_default().to_string(),
            s.message().unwrap_or_default().to_string(),
        ),
        None => (String::new(), crate::aws::error_causes(e)),
    };
    match code.as_str() {
        "AccessDeniedException" => EksCall::Denied(msg),
        "ResourceNotFoundException" => EksCall::NotFound(msg),
        "" => EksCall::Failed(msg),
        c => EksCall::Failed(format!("{c}: {msg}")),
    }
}

/// DescribeCluster.
pub async fn describe(client: &Client, name: &str) -> EksCall<ClusterInfo> {
    match client.describe_cluster().name(name).send().await {
        Ok(out) => {
            let Some(c) = out.cluster else {
                return EksCall::Failed("DescribeCluster returned no cluster".into());
            };
            EksCall::Ok(ClusterInfo {
                name: c.name.clone().unwrap_or_else(|| name.to_string()),
                arn: c.arn.clone(),
                endpoint: c.endpoint.clone(),
                ca_data: c
                    .certificate_authority
                    .as_ref()
                    .and_then(|a| a.data.clone()),
                status: c.status.as_ref().map(|s| s.as_str().to_string()),
                authentication_mode: c
                    .access_config
                    .as_ref()
                    .and_then(|a| a.authentication_mode.as_ref())
                    .map(|m| m.as_str().to_string()),
                oidc_issuer: c
                    .identity
                    .as_ref()
                    .and_then(|i| i.oidc.as_ref())
                    .and_then(|o| o.issuer.clone()),
                endpoint_access: c.resources_vpc_config.as_ref().map(|v| EndpointAccess {
                    public: v.endpoint_public_access,
                    private: v.endpoint_private_access,
                    public_cidrs: v.public_access_cidrs().to_vec(),
                }),
            })
        }
        Err(e) => classify(&e),
    }
}

/// Every principal ARN with an access entry on the cluster.
pub async fn list_entries(client: &Client, cluster: &str) -> EksCall<Vec<String>> {
    let mut all = Vec::new();
    let mut pages = client
        .list_access_entries()
        .cluster_name(cluster)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => all.extend(p.access_entries().iter().cloned()),
            Err(e) => return classify(&e),
        }
        if all.len() > MAX_ENTRIES {
            break;
        }
    }
    EksCall::Ok(all)
}

/// At most this many entries are listed (bounded reads).
const MAX_ENTRIES: usize = 10_000;

/// The entry among `listed` that is `principal`'s (a canonical ARN without
/// path): EKS matches entries by the ARN with its path stripped.
pub fn entry_of<'a>(listed: &'a [String], principal: &str) -> Option<&'a String> {
    listed
        .iter()
        .find(|a| crate::domain::arn::strip_path(a).eq_ignore_ascii_case(principal))
}

/// The access entry `arn` (as listed), with its policies.
pub async fn access_entry(client: &Client, cluster: &str, arn: &str) -> EksCall<AccessEntryInfo> {
    let entry = match client
        .describe_access_entry()
        .cluster_name(cluster)
        .principal_arn(arn)
        .send()
        .await
    {
        Ok(o) => o.access_entry,
        Err(e) => return classify(&e),
    };
    let mut info = AccessEntryInfo {
        principal_arn: arn.to_string(),
        username: entry.as_ref().and_then(|e| e.username.clone()),
        kubernetes_groups: entry
            .as_ref()
            .map(|e| e.kubernetes_groups().to_vec())
            .unwrap_or_default(),
        entry_type: entry.as_ref().and_then(|e| e.r#type.clone()),
        policies: vec![],
        created_at: entry
            .as_ref()
            .and_then(|e| e.created_at)
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.secs()).ok()),
    };
    match client
        .list_associated_access_policies()
        .cluster_name(cluster)
        .principal_arn(arn)
        .send()
        .await
    {
        Ok(o) => {
            info.policies = o
                .associated_access_policies()
                .iter()
                .map(|p| AccessPolicy {
                    policy_arn: p.policy_arn.clone().unwrap_or_default(),
                    scope_type: p
                        .access_scope
                        .as_ref()
                        .and_then(|s| s.r#type.as_ref())
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    namespaces: p
                        .access_scope
                        .as_ref()
                        .map(|s| s.namespaces().to_vec())
                        .unwrap_or_default(),
                })
                .collect()
        }
        Err(e) => return classify(&e),
    }
    EksCall::Ok(info)
}

/// The Pod Identity associations of service account `namespace/name`:
/// ListPodIdentityAssociations filtered by both, then each described.
pub async fn pod_identity_associations(
    client: &Client,
    cluster: &str,
    namespace: &str,
    name: &str,
) -> EksCall<Vec<AssociationInfo>> {
    let mut ids = Vec::new();
    let mut pages = client
        .list_pod_identity_associations()
        .cluster_name(cluster)
        .namespace(namespace)
        .service_account(name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => ids.extend(
                p.associations()
                    .iter()
                    .filter_map(|a| a.association_id.clone()),
            ),
            Err(e) => return classify(&e),
        }
    }
    let mut out = Vec::new();
    for id in ids {
        let described = client
            .describe_pod_identity_association()
            .cluster_name(cluster)
            .association_id(&id)
            .send()
            .await;
        let a = match described {
            Ok(o) => o.association,
            Err(e) => return classify(&e),
        };
        let Some(a) = a else { continue };
        out.push(AssociationInfo {
            id,
            role_arn: a.role_arn.clone().unwrap_or_default(),
            target_role_arn: a.target_role_arn.clone(),
            created_at: a
                .created_at
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.secs()).ok()),
        });
    }
    EksCall::Ok(out)
}

/// DescribeAddon: the add-on's status, NotFound when it is not installed.
pub async fn addon_status(client: &Client, cluster: &str, addon: &str) -> EksCall<String> {
    match client
        .describe_addon()
        .cluster_name(cluster)
        .addon_name(addon)
        .send()
        .await
    {
        Ok(o) => EksCall::Ok(
            o.addon
                .and_then(|a| a.status)
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        ),
        Err(e) => classify(&e),
    }
}
