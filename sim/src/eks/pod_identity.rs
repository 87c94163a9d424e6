//! EKS Pod Identity and add-ons in the simulated EKS API:
//! ListPodIdentityAssociations (filtered by namespace and service account,
//! paginated), DescribePodIdentityAssociation and DescribeAddon, shaped as
//! botocore's `eks` model has them (timestamps in epoch seconds). Each is
//! authorized like the other EKS calls (the fixture's `access_denied`).

use serde_json::{Value, json};

use super::{Answer, Call, EksError, paginate};
use crate::fixture::{Addon, PodIdentityAssociation};

/// Associations are reported as created a day before the simulator started
/// unless the fixture says when.
const AGE_SECONDS: i64 = 86_400;

/// The association's id: `a-` and 17 lower-case characters, stable per
/// namespace and service account.
fn association_id(a: &PodIdentityAssociation) -> String {
    let seed = format!("{}/{}/{}", a.namespace, a.service_account, a.role_arn);
    format!("a-{}", &super::hex_id(&seed)[..17].to_ascii_lowercase())
}

fn association_arn(call: &Call<'_>, cluster: &str, id: &str) -> String {
    let c = &call.world.cluster;
    format!(
        "arn:{}:eks:{}:{}:podidentityassociation/{cluster}/{id}",
        c.partition.id(),
        c.region,
        c.account_id
    )
}

fn created_at(call: &Call<'_>, a: &PodIdentityAssociation) -> f64 {
    let when = a
        .created_at
        .as_deref()
        .and_then(crate::timefmt::parse_rfc3339)
        .unwrap_or(call.world.started - time::Duration::seconds(AGE_SECONDS));
    when.unix_timestamp() as f64
}

/// The summary ListPodIdentityAssociations returns.
fn summary(call: &Call<'_>, cluster: &str, a: &PodIdentityAssociation) -> Value {
    let id = association_id(a);
    json!({"clusterName": cluster, "namespace": a.namespace, "serviceAccount": a.service_account,
           "associationArn": association_arn(call, cluster, &id), "associationId": id})
}

/// GET /clusters/NAME/pod-identity-associations.
pub(super) fn list(call: &Call<'_>, cluster: &str) -> Answer {
    call.authorize("ListPodIdentityAssociations", &call.cluster_arn(cluster))?;
    call.cluster(cluster)?;
    let (ns, sa) = (call.param("namespace"), call.param("serviceAccount"));
    let all: Vec<Value> = call
        .world
        .cluster
        .pod_identity_associations
        .iter()
        .filter(|a| ns.is_none_or(|n| n == a.namespace))
        .filter(|a| sa.is_none_or(|s| s == a.service_account))
        .map(|a| summary(call, cluster, a))
        .collect();
    let (page, next) = paginate(&all, call.param("maxResults"), call.param("nextToken"))?;
    let mut body = json!({"associations": page});
    if let Some(t) = next {
        body["nextToken"] = json!(t);
    }
    Ok((
        body,
        format!("ListPodIdentityAssociations {cluster}: {}", page.len()),
    ))
}

/// GET /clusters/NAME/pod-identity-associations/ID.
pub(super) fn describe(call: &Call<'_>, cluster: &str, id: &str) -> Answer {
    call.authorize("DescribePodIdentityAssociation", &call.cluster_arn(cluster))?;
    call.cluster(cluster)?;
    let a = call
        .world
        .cluster
        .pod_identity_associations
        .iter()
        .find(|a| association_id(a) == id)
        .ok_or_else(|| {
            EksError::not_found(
                cluster,
                &format!("No Pod Identity association found for id: {id}."),
            )
        })?;
    let mut body = summary(call, cluster, a);
    let when = created_at(call, a);
    body["roleArn"] = json!(a.role_arn);
    body["tags"] = json!({});
    body["createdAt"] = json!(when);
    body["modifiedAt"] = json!(when);
    body["disableSessionTags"] = json!(false);
    if let Some(t) = &a.target_role_arn {
        body["targetRoleArn"] = json!(t);
        body["externalId"] = json!(super::hex_id(id).to_ascii_lowercase());
    }
    Ok((
        json!({"association": body}),
        format!("DescribePodIdentityAssociation {id}"),
    ))
}

fn addon_body(call: &Call<'_>, cluster: &str, a: &Addon) -> Value {
    let c = &call.world.cluster;
    let version = a.version.as_deref().unwrap_or("v1.3.4-eksbuild.1");
    let when = (call.world.started.unix_timestamp() - AGE_SECONDS) as f64;
    json!({"addonName": a.name, "clusterName": cluster, "status": a.status,
           "addonVersion": version, "health": {"issues": []},
           "addonArn": format!("arn:{}:eks:{}:{}:addon/{cluster}/{}/{}", c.partition.id(), c.region, c.account_id, a.name, super::hex_id(&a.name)[..8].to_ascii_lowercase()),
           "createdAt": when, "modifiedAt": when, "tags": {}})
}

/// GET /clusters/NAME/addons/ADDON.
pub(super) fn describe_addon(call: &Call<'_>, cluster: &str, name: &str) -> Answer {
    call.authorize("DescribeAddon", &call.cluster_arn(cluster))?;
    call.cluster(cluster)?;
    let Some(a) = call.world.cluster.addons.iter().find(|a| a.name == name) else {
        let mut e = EksError::not_found(
            cluster,
            &format!("No addon: {name} found in cluster: {cluster}"),
        );
        e.body["addonName"] = json!(name);
        return Err(e);
    };
    Ok((
        json!({"addon": addon_body(call, cluster, a)}),
        format!("DescribeAddon {name}"),
    ))
}
