//! The simulated world shared by all servers: the clock, the IAM directory,
//! the SSO portal, the cluster, and the simulator's own STS address (which
//! the Kubernetes API server accepts as an STS host).

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
}
