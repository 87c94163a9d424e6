//! Stage-1 stand-in for the services not simulated yet (EKS API, IAM, SSO
//! OIDC): their ports are bound and published in endpoints.json so the
//! interface is stable, and every request gets a clear 501 in JSON.

use std::sync::Arc;

use http::Request;
use hyper::body::Incoming;

use crate::http_util::{BoxFuture, Reply};
use crate::world::World;

/// Answer 501 to everything.
pub fn handler(_world: Arc<World>, _req: Request<Incoming>) -> BoxFuture<Reply> {
    Box::pin(async {
        Reply::new(
            501,
            "application/json",
            r#"{"message":"not simulated yet"}"#,
            "not simulated yet",
        )
        .with_header("x-amzn-errortype", "NotImplemented")
    })
}
