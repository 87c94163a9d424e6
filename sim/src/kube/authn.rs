//! Authentication of Kubernetes API requests as on EKS: no Authorization
//! header makes the anonymous user; a bearer token goes through the
//! authenticator's structural rules (`token`), then the STS check done
//! in-process by the simulator's STS code with `x-k8s-aws-id` = this cluster's
//! name (so a token for another cluster fails as a signature mismatch), then
//! ARN canonicalization and mapping. Any failure is a 401 with a logged reason.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::mapping::{self, Identity, Mapped};
use super::token::{self, TokenContext};
use crate::arn::{self, PrincipalKind};
use crate::fixture::AccessScope;
use crate::kube::access_policy::Policy;
use crate::sts::auth::{StsRequest, authenticate};
use crate::world::World;

/// Group every authenticated user is in.
pub const AUTHENTICATED: &str = "system:authenticated";

/// An authenticated (or anonymous) Kubernetes user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// Username.
    pub username: String,
    /// UID, `aws-iam-authenticator:ACCOUNT:USERID`.
    pub uid: String,
    /// Groups, `system:authenticated` included.
    pub groups: Vec<String>,
    /// Extra attributes (arn, canonicalArn, sessionName, accessKeyId).
    pub extra: BTreeMap<String, Vec<String>>,
    /// EKS access policies (from an access entry).
    pub policies: Vec<(Policy, AccessScope)>,
}

impl UserInfo {
    /// The anonymous user (EKS keeps anonymous auth on).
    pub fn anonymous() -> UserInfo {
        UserInfo {
            username: "system:anonymous".into(),
            uid: String::new(),
            groups: vec!["system:unauthenticated".into()],
            extra: BTreeMap::new(),
            policies: vec![],
        }
    }
}

/// Authenticate from the Authorization header value (None when absent).
/// Err carries the reason for the log; the client only sees 401.
pub fn authenticate_request(
    authorization: Option<&str>,
    world: &World,
    now: OffsetDateTime,
) -> Result<UserInfo, String> {
    let Some(value) = authorization else {
        return Ok(UserInfo::anonymous());
    };
    let bearer = value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .ok_or_else(|| "Authorization is not a bearer token".to_string())?;
    let identity = verify_token(bearer, world, now)?;
    let mapped = mapping::map_identity(&identity, &world.cluster)?;
    Ok(user_info(&identity, mapped))
}

/// Rules 1-7 of the authenticator: structure, STS, canonicalization.
pub fn verify_token(bearer: &str, world: &World, now: OffsetDateTime) -> Result<Identity, String> {
    let ctx = TokenContext {
        partition: world.cluster.partition,
        own_sts_authority: &world.sts_authority,
    };
    let url = token::check(bearer, &ctx, now).map_err(|r| r.message())?;
    if world.faults.throttle_sts() {
        let e = crate::sts::error::StsError::throttling();
        return Err(format!(
            "sts getCallerIdentity failed: {} {}: {}",
            e.status, e.code, e.message
        ));
    }
    let headers = vec![
        ("host".to_string(), url.authority.clone()),
        ("x-k8s-aws-id".to_string(), world.cluster.name.clone()),
        ("accept".to_string(), "application/json".to_string()),
    ];
    let request = StsRequest {
        method: "GET",
        raw_path: &url.raw_path,
        raw_query: &url.raw_query,
        headers: &headers,
        body: b"",
    };
    let authed =
        authenticate(&request, url.region.as_deref(), now, &world.directory).map_err(|e| {
            format!(
                "sts getCallerIdentity failed: {} {}: {}",
                e.status, e.code, e.message
            )
        })?;
    let caller = authed.caller;
    let (kind, canonical_arn) = arn::canonicalize(&caller.arn)?;
    let (user_id, session_name) = match kind {
        PrincipalKind::User | PrincipalKind::Root | PrincipalKind::FederatedUser => {
            (caller.user_id.clone(), String::new())
        }
        _ => match caller.user_id.split(':').collect::<Vec<_>>()[..] {
            [id, session] => (id.to_string(), session.to_string()),
            _ => return Err(format!("malformed UserID {:?}", caller.user_id)),
        },
    };
    Ok(Identity {
        arn: caller.arn,
        canonical_arn,
        account: caller.account,
        user_id,
        session_name,
        access_key_id: url.access_key_id,
    })
}

fn user_info(id: &Identity, mapped: Mapped) -> UserInfo {
    let mut groups = mapped.groups;
    groups.push(AUTHENTICATED.to_string());
    let extra = BTreeMap::from([
        ("accessKeyId".to_string(), vec![id.access_key_id.clone()]),
        ("arn".to_string(), vec![id.arn.clone()]),
        ("canonicalArn".to_string(), vec![id.canonical_arn.clone()]),
        ("sessionName".to_string(), vec![id.session_name.clone()]),
    ]);
    UserInfo {
        username: mapped.username,
        uid: format!("aws-iam-authenticator:{}:{}", id.account, id.user_id),
        groups,
        extra,
        policies: mapped.policies,
    }
}
