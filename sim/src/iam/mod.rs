//! The simulated IAM API (Query protocol, XML, like STS): GetRole,
//! ListOpenIDConnectProviders and GetOpenIDConnectProvider. Requests are
//! SigV4-verified for service `iam` by the STS verifier (same error codes as
//! STS: InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken); the
//! caller sees its own account's roles and providers; the fixture's
//! `access_denied` rules give AccessDenied.

mod render;

use std::sync::Arc;

use http::Request;
use hyper::body::Incoming;

use crate::access;
use crate::fixture;
use crate::http_util::{self, BoxFuture, Reply};
use crate::sigv4;
use crate::sts::auth::{Authenticated, param};
use crate::sts::error::StsError;
use crate::world::World;

/// An IAM OIDC identity provider.
#[derive(Clone, Debug)]
pub struct OidcProvider {
    /// `arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH`.
    pub arn: String,
    /// The URL without `https://`, as IAM reports it.
    pub url: String,
    /// Audiences.
    pub client_ids: Vec<String>,
    /// Certificate thumbprints.
    pub thumbprints: Vec<String>,
    /// Owning account.
    pub account: String,
}

impl OidcProvider {
    /// Build the providers of a validated fixture.
    pub fn from_fixture(f: &fixture::Fixture) -> Vec<OidcProvider> {
        let partition = crate::partition::Partition::of_region(&f.cluster.region);
        f.iam
            .oidc_providers
            .iter()
            .map(|p| {
                let url = p.url.trim_start_matches("https://").to_string();
                let account = p
                    .account_id
                    .clone()
                    .unwrap_or_else(|| f.cluster.account_id.clone());
                OidcProvider {
                    arn: format!("arn:{}:iam::{account}:oidc-provider/{url}", partition.id()),
                    url,
                    client_ids: p.client_ids.clone(),
                    thumbprints: p.thumbprints.clone(),
                    account,
                }
            })
            .collect()
    }
}

/// The IAM request handler.
pub fn handler(world: Arc<World>, req: Request<Incoming>) -> BoxFuture<Reply> {
    Box::pin(handle(world, req))
}

async fn handle(world: Arc<World>, req: Request<Incoming>) -> Reply {
    let (parts, body) = req.into_parts();
    let request_id = crate::ids::request_id();
    let Some(body) = http_util::read_body(body).await else {
        let err = StsError::validation("Request body could not be read or is too large");
        return error_reply(&err, &request_id);
    };
    let result = access::authenticate(&world, "iam", &parts, &body).and_then(|authed| {
        let mut params = sigv4::decode_query(parts.uri.query().unwrap_or(""))
            .ok_or_else(StsError::malformed_query)?;
        if let Ok(text) = std::str::from_utf8(&body) {
            params.extend(sigv4::decode_query(text).ok_or_else(StsError::malformed_query)?);
        }
        dispatch(&world, &authed, &params, &request_id)
    });
    match result {
        Ok((xml, reason)) => {
            Reply::new(200, "text/xml", xml, reason).with_header("x-amzn-requestid", &request_id)
        }
        Err(err) => error_reply(&err, &request_id),
    }
}

type Answer = Result<(String, String), StsError>;

fn dispatch(
    world: &World,
    authed: &Authenticated,
    params: &[(String, String)],
    request_id: &str,
) -> Answer {
    let action = param(params, "Action").ok_or_else(StsError::missing_action)?;
    let caller = &authed.caller;
    match action {
        "GetRole" => {
            let name = param(params, "RoleName")
                .filter(|n| !n.is_empty())
                .ok_or_else(|| StsError::validation("1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"))?;
            let arn = format!("arn:aws:iam::{}:role/{name}", caller.account);
            authorize(world, authed, "iam:GetRole", &arn)?;
            let role = world.directory.role(&caller.account, name).ok_or_else(|| {
                StsError::other(
                    404,
                    "NoSuchEntity",
                    format!("The role with name {name} cannot be found."),
                )
            })?;
            let xml = render::get_role(role, world.started, request_id);
            Ok((xml, format!("GetRole {} by {}", role.arn, caller.arn)))
        }
        "ListOpenIDConnectProviders" => {
            authorize(world, authed, "iam:ListOpenIDConnectProviders", "*")?;
            let mine: Vec<&OidcProvider> = world
                .oidc_providers
                .iter()
                .filter(|p| p.account == caller.account)
                .collect();
            let reason = format!("ListOpenIDConnectProviders: {}", mine.len());
            Ok((render::list_providers(&mine, request_id), reason))
        }
        "GetOpenIDConnectProvider" => get_provider(world, authed, params, request_id),
        other => Err(StsError::other(
            400,
            "InvalidAction",
            format!("Could not find operation {other} for version 2010-05-08"),
        )),
    }
}

fn get_provider(
    world: &World,
    authed: &Authenticated,
    params: &[(String, String)],
    request_id: &str,
) -> Answer {
    let arn = param(params, "OpenIDConnectProviderArn").unwrap_or("");
    if crate::arn::Arn::parse(arn).is_none_or(|a| a.service != "iam") {
        return Err(StsError::other(
            400,
            "InvalidInput",
            format!("ARN {arn} is not valid."),
        ));
    }
    authorize(world, authed, "iam:GetOpenIDConnectProvider", arn)?;
    let provider = world
        .oidc_providers
        .iter()
        .find(|p| p.arn == arn && p.account == authed.caller.account)
        .ok_or_else(|| {
            StsError::other(
                404,
                "NoSuchEntity",
                format!("OpenIDConnect Provider not found for arn {arn}"),
            )
        })?;
    let xml = render::get_provider(provider, world.started, request_id);
    Ok((xml, format!("GetOpenIDConnectProvider {arn}")))
}

fn authorize(
    world: &World,
    authed: &Authenticated,
    action: &str,
    resource: &str,
) -> Result<(), StsError> {
    if world.denials.denies(&authed.caller.arn, action) {
        return Err(StsError::access_denied(access::denied_message(
            &authed.caller.arn,
            action,
            resource,
        )));
    }
    Ok(())
}

fn error_reply(err: &StsError, request_id: &str) -> Reply {
    Reply::new(
        err.status,
        "text/xml",
        render::error(err, request_id),
        format!("{}: {}", err.code, err.message),
    )
    .with_header("x-amzn-requestid", request_id)
}
