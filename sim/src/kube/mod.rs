//! The simulated EKS Kubernetes API server: cluster state built from the
//! fixture, and the request pipeline authenticate (aws-iam-authenticator's
//! rules) -> authorize (system:masters, RBAC, access policies) -> route.

pub mod access_policy;
pub mod authn;
pub mod authz;
mod discovery;
pub mod mapping;
pub mod rbac;
mod rbac_builtin;
pub mod request_info;
mod routes;
mod status;
pub mod token;

use std::collections::BTreeMap;
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
#[allow(dead_code)] // account, status and the raw aws-auth are for the EKS API and ConfigMaps (stage 2)
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
    /// The aws-auth ConfigMap data as written (None: no ConfigMap).
    pub aws_auth_data: Option<BTreeMap<String, String>>,
    /// The aws-auth ConfigMap as the authenticator loaded it.
    pub aws_auth: AwsAuth,
    /// RBAC objects, built-ins included.
    pub rbac: RbacSet,
}

impl ClusterState {
    /// Build from a validated fixture (takes the cluster out of it).
    pub fn from_fixture(c: fixture::Cluster) -> ClusterState {
        let aws_auth = mapping::parse_aws_auth(c.aws_auth.as_ref());
        for err in &aws_auth.errors {
            eprintln!("eks-sim kube: aws-auth: {err} (entry ignored, as the authenticator does)");
        }
        ClusterState {
            partition: Partition::of_region(&c.region),
            rbac: RbacSet::with_builtins(&c.rbac),
            name: c.name,
            region: c.region,
            account_id: c.account_id,
            status: c.status,
            kubernetes_version: c.kubernetes_version,
            mode: c.authentication_mode,
            creator_arn: c.creator_arn,
            access_entries: c.access_entries,
            aws_auth_data: c.aws_auth,
            aws_auth,
        }
    }
}

/// The Kubernetes API request handler.
pub fn handler(world: Arc<World>, req: Request<Incoming>) -> BoxFuture<Reply> {
    Box::pin(async move { handle(&world, &req) })
}

fn handle(world: &World, req: &Request<Incoming>) -> Reply {
    let now = world.clock.now();
    let authorization = match req.headers().get(AUTHORIZATION) {
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
    let attrs = request_info::parse(
        req.method().as_str(),
        req.uri().path(),
        req.uri().query().unwrap_or(""),
    );
    if !authz::allowed(&user, &attrs, &world.cluster.rbac) {
        return status::forbidden(&user.username, &attrs);
    }
    let accept = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let call = routes::Call {
        method: req.method(),
        path: req.uri().path(),
        accept,
        attrs: &attrs,
        user: &user,
        now,
    };
    routes::route(world, &call)
}
