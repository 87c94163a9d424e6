//! The simulated STS endpoint (Query protocol: parameters in the query string
//! or a form-encoded POST body; XML answers, JSON on `Accept:
//! application/json`). Every request is authenticated by `auth`, the same
//! code the Kubernetes API server uses for tokens.

pub mod assume_role;
pub mod auth;
pub mod error;
pub mod render;

use std::sync::Arc;

use http::Request;
use hyper::body::Incoming;
use time::OffsetDateTime;

use self::auth::{StsRequest, header, param};
use self::error::StsError;
use crate::http_util::{self, BoxFuture, Reply};
use crate::sigv4;
use crate::world::World;

/// The STS request handler.
pub fn handler(world: Arc<World>, req: Request<Incoming>) -> BoxFuture<Reply> {
    Box::pin(handle(world, req))
}

async fn handle(world: Arc<World>, req: Request<Incoming>) -> Reply {
    let (parts, body) = req.into_parts();
    let headers = http_util::header_pairs(&parts.headers);
    let as_json = header(&headers, "accept").is_some_and(|a| a.contains("application/json"));
    let request_id = crate::ids::request_id();
    let Some(body) = http_util::read_body(body).await else {
        let err = StsError::validation("Request body could not be read or is too large");
        return error_reply(&err, &request_id, as_json);
    };
    let req = StsRequest {
        method: parts.method.as_str(),
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body: &body,
    };
    match dispatch(&world, &req, world.clock.now(), &request_id, as_json) {
        Ok((body, reason)) => Reply::new(200, content_type(as_json), body, reason)
            .with_header("x-amzn-requestid", &request_id),
        Err(err) => error_reply(&err, &request_id, as_json),
    }
}

/// Authenticate, then run the Action. Ok carries the body and a log reason.
fn dispatch(
    world: &World,
    req: &StsRequest<'_>,
    now: OffsetDateTime,
    request_id: &str,
    as_json: bool,
) -> Result<(String, String), StsError> {
    if world.faults.throttle_sts() {
        return Err(StsError::throttling());
    }
    let authed = auth::authenticate(req, None, now, &world.directory)?;
    let params = parameters(req)?;
    let action = param(&params, "Action").ok_or_else(StsError::missing_action)?;
    match action {
        "GetCallerIdentity" => Ok((
            render::caller_identity(&authed.caller, request_id, as_json),
            format!(
                "GetCallerIdentity {} (key {})",
                authed.caller.arn, authed.access_key_id
            ),
        )),
        "AssumeRole" => {
            let issued = assume_role::run(&world.directory, &authed.caller, &params, now)?;
            let reason = format!("AssumeRole {} -> {}", authed.caller.arn, issued.caller.arn);
            Ok((render::assume_role(&issued, request_id, as_json), reason))
        }
        other => Err(StsError::invalid_action(other)),
    }
}

/// Query parameters plus, for a form POST, the body's.
fn parameters(req: &StsRequest<'_>) -> Result<Vec<(String, String)>, StsError> {
    let mut params = sigv4::decode_query(req.raw_query).ok_or_else(StsError::malformed_query)?;
    let is_form = header(req.headers, "content-type")
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if req.method == "POST" && is_form {
        let body = std::str::from_utf8(req.body).map_err(|_| StsError::malformed_query())?;
        params.extend(sigv4::decode_query(body).ok_or_else(StsError::malformed_query)?);
    }
    Ok(params)
}

fn error_reply(err: &StsError, request_id: &str, as_json: bool) -> Reply {
    Reply::new(
        err.status,
        content_type(as_json),
        render::error(err, request_id, as_json),
        format!("{}: {}", err.code, err.message),
    )
    .with_header("x-amzn-requestid", request_id)
}

fn content_type(as_json: bool) -> &'static str {
    if as_json {
        "application/json"
    } else {
        "text/xml"
    }
}
