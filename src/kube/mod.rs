//! Everything about Kubernetes: the kubeconfig as kubectl loads it, running
//! a user's exec credential plugin, and talking to an API server.

pub mod discovery;
pub mod exec;
pub mod kubeconfig;
pub mod objects;
pub mod probe;
