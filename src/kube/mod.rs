//! Everything about Kubernetes: the kubeconfig as kubectl loads it, running
//! a user's exec credential plugin, and talking to an API server.

pub mod discovery;
pub mod exec;
pub mod kubeconfig;
pub mod objects;
pub mod probe;

/// Reading Kubernetes objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeRead<T> {
    Ok(T),
    /// 404.
    NotFound,
    /// 403 (the message).
    Forbidden(String),
    /// Anything else.
    Failed(String),
}
