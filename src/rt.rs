//! What every command starts from: the async runtime, and the process
//! environment with its AWS and Kubernetes variables checked once.

use crate::aws::Env;
use anyhow::Result;

/// Variables whose value must be text: the AWS and Kubernetes ones. Any
/// other may hold anything; it is never read.
pub const TEXT_VARS: [&str; 2] = ["AWS_", "KUBE"];

/// The process environment, refused when one of [`TEXT_VARS`] is not UTF-8.
pub fn env() -> Result<Env> {
    let env = Env::real();
    env.require_unicode(&TEXT_VARS)?;
    Ok(env)
}

/// A single-threaded runtime: the commands wait on a few requests at a time,
/// and a thread pool would only cost start-up time.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("could not start the async runtime: {e}"))
}
