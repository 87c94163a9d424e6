//! The simulated EKS Kubernetes API server: cluster state built from the
//! fixture, and the request pipeline authenticate (aws-iam-authenticator's
//! rules) -> authorize (system:masters, RBAC, access policies) -> route.

pub mod access_policy;
pub mod authn;
pub mod authz;
mod discovery;
pub mod mapping;
pub mod objects;
mod proto;
pub mod rbac;
mod rbac_builtin;
pub mod request_info;
mod reviews;
mod routes;
mod status;
mod table;
pub mod token;

use std::sync::Arc;

use http::Request;
use http::header::{ACCEPT, AUTHORIZATION};
use hyper::body::Incoming;

use self::mapping::AwsAuth;
use self::rbac::RbacSet;
use crate::fixture::{self, AccessEntry, AuthenticationMode};
use crate::http_util::{BoxFuture, Reply};
use crate::partition::Partition;
use crate::world::World;

/// The cluster as the API server sees it.
#[derive(Debug)]
pub struct ClusterState {
    /// Name (the `x-k8s-aws-id` tokens must be signed for).
    pub name: String,
    /// Region.
    pub region: String,
    /// Account id.
    pub account_id: String,
    /// Partition of the region.
    pub partition: Partition,
    /// EKS status.
    pub status: String,
    /// Kubernetes version, `1.32`.
    pub kubernetes_version: String,
    /// Authentication mode.
    pub mode: AuthenticationMode,
    /// Implicit admin in mode CONFIG_MAP.
    pub creator_arn: Option<String>,
    /// Access entries.
    pub access_entries: Vec<AccessEntry>,
    /// The aws-auth ConfigMap as the authenticator loaded it.
    pub aws_auth: AwsAuth,
    /// RBAC objects, built-ins included.
    pub rbac: RbacSet,
    /// The id at the end of the OIDC issuer URL.
    pub oidc_issuer_id: String,
    /// Namespaces, ServiceAccounts, Pods, ConfigMaps, Secrets.
    pub objects: objects::ObjectStore,
    /// EKS Pod Identity associations.
    pub pod_identity_associations: Vec<fixture::PodIdentityAssociation>,
    /// Installed EKS add-ons.
    pub addons: Vec<fixture::Addon>,
    /// Who the API server endpoint answers (`resourcesVpcConfig`).
    pub endpoint_access: fixture::EndpointAccess,
    /// Custom resources served (discovery only; no objects stored).
    pub custom_resources: Vec<fixture::CustomResource>,
}

impl ClusterState {
    /// Build from a validated fixture (takes the cluster out of it).
    pub fn from_fixture(c: fixture::Cluster) -> ClusterState {
        let aws_auth = mapping::parse_aws_auth(c.aws_auth.as_ref());
        for err in &aws_auth.errors {
            eprintln!("eks-sim kube: aws-auth: {err} (entry ignored, as the authenticator does)");
        }
        let partition = Partition::of_region(&c.region);
        let arn = cluster_arn(partition, &c.region, &c.account_id, &c.name);
        let oidc_issuer_id = c
            .oidc_issuer_id
            .clone()
            .unwrap_or_else(|| crate::eks::hex_id(&arn));
        let objects = objects::ObjectStore::from_fixture(&c.objects, c.aws_auth.as_ref(), &c.rbac);
        ClusterState {
            partition,
            oidc_issuer_id,
            objects,
            rbac: RbacSet::with_builtins(&c.rbac),
            name: c.name,
            region: c.region,
            account_id: c.account_id,
            status: c.status,
            kubernetes_version: c.kubernetes_version,
            mode: c.authentication_mode,
            creator_arn: c.creator_arn,
            access_entries: c.access_entries,
            aws_auth,
            pod_identity_associations: c.pod_identity_associations,
            addons: c.addons,
            endpoint_access: c.endpoint_access,
            custom_resources: c.custom_resources,
        }
    }
}

impl ClusterState {
    /// `arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME`.
    pub fn arn(&self) -> String {
        cluster_arn(self.partition, &self.region, &self.account_id, &self.name)
    }

    /// `https://oidc.eks.REGION.DOMAIN/id/ID`.
    pub fn oidc_issuer(&self) -> String {
        format!(
            "https://oidc.eks.{}.{}/id/{}",
            self.region,
            self.partition.domain(),
            self.oidc_issuer_id
        )
    }

    /// The authentication mode as EKS spells it.
    pub fn mode_name(&self) -> &'static str {
        match self.mode {
            AuthenticationMode::ConfigMap => "CONFIG_MAP",
            AuthenticationMode::ApiAndConfigMap => "API_AND_CONFIG_MAP",
            AuthenticationMode::Api => "API",
        }
    }
}

fn cluster_arn(partition: Partition, region: &str, account: &str, name: &str) -> String {
    format!(
        "arn:{}:eks:{region}:{account}:cluster/{name}",
        partition.id()
    )
}

/// The Kubernetes API request handler.
pub fn handler(world: Arc<World>, req: Request<Incoming>) -> BoxFuture<Reply> {
    Box::pin(async move {
        let (parts, body) = req.into_parts();
        match crate::http_util::read_body(body).await {
            Some(body) => handle(&world, &parts, &body),
            None => status::bad_request("the request body could not be read or is too large"),
        }
    })
}

fn handle(world: &World, req: &http::request::Parts, body: &[u8]) -> Reply {
    let now = world.clock.now();
    let authorization = match req.headers.get(AUTHORIZATION) {
        None => None,
        Some(v) => match v.to_str() {
            Ok(s) => Some(s),
            Err(_) => return status::unauthorized("Authorization header is not ASCII"),
        },
    };
    let user = match authn::authenticate_request(authorization, world, now) {
        Ok(user) => user,
        Err(reason) => return status::unauthorized(&reason),
    };
    let query = req.uri.query().unwrap_or("");
    let attrs = request_info::parse(req.method.as_str(), req.uri.path(), query);
    if !authz::allowed(&user, &attrs, &world.cluster.rbac) {
        return status::forbidden(&user.username, &attrs);
    }
    let accept = req
        .headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let call = routes::Call {
        method: &req.method,
        path: req.uri.path(),
        query,
        accept,
        body,
        attrs: &attrs,
        user: &user,
        now,
    };
    routes::route(world, &call)
}
