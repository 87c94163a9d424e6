//! API discovery as kubectl reads it: `/api` and its version's resources
//! (the core group), then `/apis` and the preferred version of each group,
//! in the server's order. A group whose resources cannot be listed (an
//! aggregated API that is down) is left out, as kubectl does; `/api` or
//! `/apis` failing fails the whole read. Bounded by one timeout.

use crate::kube::KubeRead;
use futures_util::future::join_all;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList;
use std::time::Duration;

/// One resource the API server serves, as discovery lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServedResource {
    pub group: String,
    pub version: String,
    /// Plural name (`widgets`).
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
}

/// Every resource the API server serves, core group first.
pub async fn served(client: &kube::Client, timeout: Duration) -> KubeRead<Vec<ServedResource>> {
    match tokio::time::timeout(timeout, read(client)).await {
        Ok(Ok(v)) => KubeRead::Ok(v),
        Ok(Err(kube::Error::Api(s))) if s.code == 403 => KubeRead::Forbidden(s.message.clone()),
        Ok(Err(kube::Error::Api(s))) => KubeRead::Failed(format!(
            "the API server answered {} {}: {}",
            s.code, s.reason, s.message
        )),
        Ok(Err(e)) => KubeRead::Failed(crate::aws::error_causes(&e)),
        Err(_) => KubeRead::Failed(format!("no answer within {}s", timeout.as_secs())),
    }
}

async fn read(client: &kube::Client) -> Result<Vec<ServedResource>, kube::Error> {
    let core = client.list_core_api_versions().await?;
    let groups = client.list_api_groups().await?;
    let mut versions: Vec<String> = core.versions.into_iter().take(1).collect();
    versions.extend(groups.groups.iter().filter_map(|g| {
        g.preferred_version
            .as_ref()
            .or(g.versions.first())
            .map(|v| v.group_version.clone())
    }));
    let lists = join_all(versions.iter().map(|gv| async move {
        if gv.contains('/') {
            client.list_api_group_resources(gv).await
        } else {
            client.list_core_api_resources(gv).await
        }
    }))
    .await;
    Ok(lists.into_iter().flatten().flat_map(resources).collect())
}

/// The resources of one group/version (subresources such as `pods/log`
/// left out).
fn resources(list: APIResourceList) -> Vec<ServedResource> {
    let (group, version) = match list.group_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), list.group_version.clone()),
    };
    list.resources
        .into_iter()
        .filter(|r| !r.name.contains('/'))
        .map(|r| ServedResource {
            group: group.clone(),
            version: version.clone(),
            singular: if r.singular_name.is_empty() {
                r.kind.to_ascii_lowercase()
            } else {
                r.singular_name
            },
            plural: r.name,
            kind: r.kind,
            namespaced: r.namespaced,
            short_names: r.short_names.unwrap_or_default(),
        })
        .collect()
}
