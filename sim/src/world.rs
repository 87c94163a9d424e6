//! The simulated world shared by all servers: the clock, the IAM directory,
//! the SSO portal, the cluster, and the simulator's own STS address (which
//! the Kubernetes API server accepts as an STS host).

use time::OffsetDateTime;

use crate::access::Denials;
use crate::clock::Clock;
use crate::directory::Directory;
use crate::kube::ClusterState;
use crate::sso::SsoPortal;

/// Everything the handlers share (read-mostly; issued sessions live behind a
/// lock inside the directory).
#[derive(Debug)]
pub struct World {
    /// The simulator's clock.
    pub clock: Clock,
    /// IAM principals and credentials.
    pub directory: Directory,
    /// SSO access tokens and assignments.
    pub sso: SsoPortal,
    /// The EKS cluster and its Kubernetes state.
    pub cluster: ClusterState,
    /// `127.0.0.1:PORT` of the simulator's STS endpoint.
    pub sts_authority: String,
    /// When the simulator started (simulator clock).
    pub started: OffsetDateTime,
    /// IAM denials of EKS and IAM actions.
    pub denials: Denials,
    /// The endpoint DescribeCluster reports (the API server's URL unless a
    /// fault replaces it).
    pub cluster_endpoint: String,
    /// Base64 of the cluster CA's PEM (DescribeCluster's certificateAuthority.data).
    pub cluster_ca_data: String,
    /// IAM OIDC identity providers.
    pub oidc_providers: Vec<crate::iam::OidcProvider>,
    /// The SSO OIDC service's state.
    pub sso_oidc: crate::sso_oidc::SsoOidc,
    /// STS throttling and other injected faults.
    pub faults: crate::faults::FaultState,
}
