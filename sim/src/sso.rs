//! The simulated SSO (IAM Identity Center) portal: GetRoleCredentials at
//! `GET /federation/credentials`, authenticated by the `x-amz-sso_bearer_token`
//! header. Credentials are real session credentials of the assignment's IAM
//! role (looked up with its path), remembered by the directory so that STS and
//! the cluster accept them.

use std::sync::{Arc, Mutex};

use anyhow::bail;
use http::{Method, Request};
use hyper::body::Incoming;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::fixture::{self, Iam, SsoAssignment};
use crate::http_util::{BoxFuture, Reply};
use crate::secret::Secret;
use crate::sigv4;
use crate::world::World;

/// A permission set's default session duration is one hour.
const ROLE_SESSION: Duration = Duration::hours(1);

/// The portal's tokens: the fixture's, and those SSO OIDC issues at run time.
#[derive(Debug)]
pub struct SsoPortal {
    tokens: Vec<PortalToken>,
    issued: Mutex<Vec<PortalToken>>,
}

#[derive(Clone, Debug)]
struct PortalToken {
    token: Secret,
    user_name: String,
    expiration: Option<OffsetDateTime>,
    revoked: bool,
    /// (account id, role name as the portal takes it, IAM role name).
    assignments: Vec<(String, String, String)>,
}

impl SsoPortal {
    /// Build from a validated fixture; relative expiries count from `start`.
    pub fn from_fixture(f: &fixture::Fixture, start: OffsetDateTime) -> SsoPortal {
        let tokens = f
            .sso
            .tokens
            .iter()
            .map(|t| PortalToken {
                token: Secret::new(&t.access_token),
                user_name: t.user_name.clone(),
                expiration: fixture::resolve_expiry(&t.expiration, t.expires_in_seconds, start),
                revoked: t.revoked,
                assignments: t
                    .assignments
                    .iter()
                    .filter_map(|a| {
                        let iam_role = resolve_role(&f.iam, a).ok()?;
                        Some((a.account_id.clone(), a.role_name.clone(), iam_role))
                    })
                    .collect(),
            })
            .collect();
        SsoPortal {
            tokens,
            issued: Mutex::new(Vec::new()),
        }
    }

    fn find(&self, presented: &str, now: OffsetDateTime) -> Option<PortalToken> {
        let fixed = self
            .tokens
            .iter()
            .find(|t| t.token.matches(presented))
            .cloned();
        let issued = || {
            self.issued
                .lock()
                .ok()?
                .iter()
                .find(|t| t.token.matches(presented))
                .cloned()
        };
        fixed
            .or_else(issued)
            .filter(|t| !t.revoked && t.expiration.is_none_or(|exp| now < exp))
    }

    /// Register an access token issued by SSO OIDC for `user_name`, with the
    /// assignments of that user's fixture token (none if it has none).
    pub fn issue(&self, token: &Secret, user_name: &str, expiration: OffsetDateTime) {
        let assignments = self
            .tokens
            .iter()
            .find(|t| t.user_name == user_name)
            .map(|t| t.assignments.clone())
            .unwrap_or_default();
        if let Ok(mut issued) = self.issued.lock() {
            issued.push(PortalToken {
                token: token.clone(),
                user_name: user_name.to_string(),
                expiration: Some(expiration),
                revoked: false,
                assignments,
            });
        }
    }
}

/// The IAM role name an assignment stands for: `iam_role_name`, else the
/// account's role named `role_name`, else its one `AWSReservedSSO_<role_name>_*`.
pub fn resolve_role(iam: &Iam, a: &SsoAssignment) -> anyhow::Result<String> {
    let names: Vec<String> = iam
        .roles
        .iter()
        .filter_map(|r| crate::arn::Arn::parse(&r.arn))
        .filter(|arn| arn.account == a.account_id)
        .filter_map(|arn| arn.role_path_and_name().map(|(_, name)| name))
        .collect();
    if let Some(wanted) = &a.iam_role_name {
        return match names.iter().find(|n| *n == wanted) {
            Some(n) => Ok(n.clone()),
            None => bail!(
                "iam_role_name {wanted} is not a role of account {}",
                a.account_id
            ),
        };
    }
    if let Some(n) = names.iter().find(|n| **n == a.role_name) {
        return Ok(n.clone());
    }
    let prefix = format!("AWSReservedSSO_{}_", a.role_name);
    let matches: Vec<&String> = names.iter().filter(|n| n.starts_with(&prefix)).collect();
    match matches[..] {
        [one] => Ok(one.clone()),
        [] => bail!(
            "no role {} or {prefix}* in account {}",
            a.role_name,
            a.account_id
        ),
        _ => bail!(
            "several roles {prefix}* in account {}; set iam_role_name",
            a.account_id
        ),
    }
}

/// The SSO portal request handler.
pub fn handler(world: Arc<World>, req: Request<Incoming>) -> BoxFuture<Reply> {
    Box::pin(async move { handle(&world, &req) })
}

fn handle(world: &World, req: &Request<Incoming>) -> Reply {
    if req.method() != Method::GET || req.uri().path() != "/federation/credentials" {
        return error(
            404,
            "UnknownOperationException",
            "Unknown operation",
            "no such operation",
        );
    }
    let params = sigv4::decode_query(req.uri().query().unwrap_or("")).unwrap_or_default();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (Some(role_name), Some(account_id)) = (get("role_name"), get("account_id")) else {
        return error(
            400,
            "InvalidRequestException",
            "role_name and account_id are required",
            "missing parameter",
        );
    };
    let now = world.clock.now();
    let presented = req
        .headers()
        .get("x-amz-sso_bearer_token")
        .and_then(|v| v.to_str().ok());
    let Some(token) = presented.and_then(|p| world.sso.find(p, now)) else {
        return error(
            401,
            "UnauthorizedException",
            "Session token not found or invalid",
            "unknown, expired or revoked token",
        );
    };
    role_credentials(world, &token, account_id, role_name, now)
}

/// GetRoleCredentials for a valid token: the assignment must exist.
fn role_credentials(
    world: &World,
    token: &PortalToken,
    account_id: &str,
    role_name: &str,
    now: OffsetDateTime,
) -> Reply {
    let assignment = token
        .assignments
        .iter()
        .find(|(acct, role, _)| acct == account_id && role == role_name);
    let Some((_, _, iam_role)) = assignment else {
        let reason = format!("{} not assigned {account_id}/{role_name}", token.user_name);
        return error(403, "ForbiddenException", "No access", &reason);
    };
    let directory = &world.directory;
    let issued = directory
        .role(account_id, iam_role)
        .and_then(|role| directory.issue_session(role, &token.user_name, ROLE_SESSION, now));
    let Some(issued) = issued else {
        return error(
            500,
            "InternalServerException",
            "Internal error",
            "could not issue credentials",
        );
    };
    let body = json!({"roleCredentials": {
        "accessKeyId": issued.access_key_id,
        "secretAccessKey": issued.secret.expose(),
        "sessionToken": issued.session_token.expose(),
        "expiration": issued.expiration.unix_timestamp() * 1000
    }});
    let reason = format!("GetRoleCredentials -> {}", issued.caller.arn);
    Reply::new(200, "application/json", body.to_string(), reason)
}

fn error(status: u16, kind: &str, message: &str, reason: &str) -> Reply {
    Reply::new(
        status,
        "application/json",
        json!({"message": message}).to_string(),
        format!("{kind}: {reason}"),
    )
    .with_header("x-amzn-errortype", kind)
    .with_header("x-amzn-requestid", &crate::ids::request_id())
}
