//! EKS response shapes (botocore's `eks` model): the Cluster, AccessEntry
//! and AssociatedAccessPolicy structures, with timestamps as epoch seconds
//! as REST-JSON carries them.

use serde_json::{Value, json};

use crate::arn::Arn;
use crate::fixture::{AccessEntry, AccessScope};
use crate::ids;
use crate::kube::access_policy::Policy;
use crate::kube::mapping;
use crate::world::World;

/// Clusters and entries are reported as created a day before the simulator
/// started.
const AGE_SECONDS: i64 = 86_400;

fn created_at(world: &World) -> f64 {
    (world.started.unix_timestamp() - AGE_SECONDS) as f64
}

/// An access entry's `createdAt`: the fixture's, else the cluster's age.
fn entry_created_at(world: &World, e: &AccessEntry) -> f64 {
    e.created_at
        .as_deref()
        .and_then(crate::timefmt::parse_rfc3339)
        .map_or_else(|| created_at(world), |t| t.unix_timestamp() as f64)
}

/// The Cluster structure of DescribeCluster.
pub fn cluster(world: &World) -> Value {
    let c = &world.cluster;
    let arn = c.arn();
    let mut out = json!({
        "name": c.name,
        "arn": arn,
        "createdAt": created_at(world),
        "version": c.kubernetes_version,
        "roleArn": format!("arn:{}:iam::{}:role/eks-cluster-role", c.partition.id(), c.account_id),
        "resourcesVpcConfig": {
            "subnetIds": [], "securityGroupIds": [],
            "clusterSecurityGroupId": format!("sg-{}", &hex_id(&arn)[..17].to_ascii_lowercase()),
            "vpcId": format!("vpc-{}", &hex_id(&arn)[15..32].to_ascii_lowercase()),
            "endpointPublicAccess": c.endpoint_access.public,
            "endpointPrivateAccess": c.endpoint_access.private,
            "publicAccessCidrs": c.endpoint_access.public_cidrs
        },
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "10.100.0.0/16", "ipFamily": "ipv4"},
        "logging": {"clusterLogging": [{"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"], "enabled": false}]},
        "identity": {"oidc": {"issuer": c.oidc_issuer()}},
        "status": c.status,
        "platformVersion": "eks.1",
        "tags": {},
        "accessConfig": {
            "bootstrapClusterCreatorAdminPermissions": c.creator_arn.is_some(),
            "authenticationMode": c.mode_name()
        },
        "upgradePolicy": {"supportType": "STANDARD"}
    });
    // A cluster being created has no endpoint nor CA yet.
    if c.status != "CREATING" {
        out["endpoint"] = json!(world.cluster_endpoint);
        out["certificateAuthority"] = json!({"data": world.cluster_ca_data});
    }
    out
}

/// 32 upper-case hex digits derived from a seed.
pub fn hex_id(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode_upper(&Sha256::digest(seed.as_bytes())[..16])
}

/// The AccessEntry structure of DescribeAccessEntry.
pub fn access_entry(world: &World, e: &AccessEntry) -> Value {
    let c = &world.cluster;
    let username = e
        .username
        .clone()
        .unwrap_or_else(|| mapping::default_entry_username(&e.principal_arn));
    json!({
        "clusterName": c.name,
        "principalArn": e.principal_arn,
        "kubernetesGroups": e.kubernetes_groups,
        "accessEntryArn": access_entry_arn(world, e),
        "createdAt": entry_created_at(world, e),
        "modifiedAt": entry_created_at(world, e),
        "tags": {},
        "username": username,
        "type": e.entry_type
    })
}

/// `arn:aws:eks:REGION:ACCOUNT:access-entry/CLUSTER/role|user/ACCOUNT/NAME/UUID`.
fn access_entry_arn(world: &World, e: &AccessEntry) -> String {
    let c = &world.cluster;
    let (kind, name) = match Arn::parse(&e.principal_arn) {
        Some(a) => match a.role_path_and_name() {
            Some((_, name)) => ("role", name),
            None => (
                "user",
                a.resource.rsplit('/').next().unwrap_or("").to_string(),
            ),
        },
        None => ("user", String::new()),
    };
    let account = Arn::parse(&e.principal_arn)
        .map(|a| a.account)
        .unwrap_or_default();
    let h = ids::derived_id("", &e.principal_arn).to_ascii_lowercase();
    format!(
        "arn:{}:eks:{}:{}:access-entry/{}/{kind}/{account}/{name}/{}",
        c.partition.id(),
        c.region,
        c.account_id,
        c.name,
        &h[..8]
    )
}

/// The AssociatedAccessPolicy list of an entry.
pub fn associated_policies(world: &World, e: &AccessEntry) -> Vec<Value> {
    e.access_policies
        .iter()
        .filter_map(|a| {
            let policy = Policy::parse(&a.policy)?;
            let scope = match &a.scope {
                AccessScope::Cluster => json!({"type": "cluster", "namespaces": []}),
                AccessScope::Namespace { namespaces } => {
                    json!({"type": "namespace", "namespaces": namespaces})
                }
            };
            Some(json!({
                "policyArn": policy.arn(),
                "accessScope": scope,
                "associatedAt": created_at(world),
                "modifiedAt": created_at(world)
            }))
        })
        .collect()
}
