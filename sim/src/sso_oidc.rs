//! The simulated SSO OIDC service (IAM Identity Center's OAuth endpoints,
//! REST-JSON without SigV4, as in botocore's `sso-oidc` model):
//! RegisterClient, StartDeviceAuthorization and CreateToken with the
//! device-code grant (authorization_pending, slow_down, expired_token,
//! access_denied as the fixture decides) and the refresh_token grant. Issued
//! access tokens are registered with the SSO portal, with the assignments of
//! the fixture's user.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use http::{Method, Request};
use hyper::body::Incoming;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::fixture::{self, DeviceOutcome};
use crate::http_util::{self, BoxFuture, Reply};
use crate::ids;
use crate::secret::Secret;
use crate::world::World;

/// The device-code grant type.
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Registered clients are valid for 90 days, as on AWS.
const CLIENT_LIFETIME: Duration = Duration::days(90);

/// The service: its configuration and the clients, device codes and refresh
/// tokens issued so far.
#[derive(Debug)]
pub struct SsoOidc {
    config: Config,
    state: Mutex<State>,
}

#[derive(Debug)]
struct Config {
    user_name: String,
    outcome: DeviceOutcome,
    pending_polls: u32,
    slow_down_polls: u32,
    interval: Duration,
    device_lifetime: Duration,
    token_lifetime: Duration,
    refresh_allowed: bool,
}

#[derive(Debug, Default)]
struct State {
    /// client id -> secret.
    clients: HashMap<String, Secret>,
    /// device code -> its progress.
    devices: HashMap<String, Device>,
    /// refresh tokens issued (values only).
    refresh_tokens: Vec<Secret>,
}

#[derive(Debug)]
struct Device {
    client_id: String,
    expires: OffsetDateTime,
    last_poll: Option<OffsetDateTime>,
    polls: u32,
    slowed: u32,
}

/// A CreateToken or registration failure: status, type, OAuth error code.
struct OidcError(u16, &'static str, &'static str, String);

impl SsoOidc {
    /// Build from a validated fixture.
    pub fn from_fixture(f: &fixture::Fixture) -> SsoOidc {
        let c = &f.sso_oidc;
        let user_name = c
            .user_name
            .clone()
            .or_else(|| f.sso.tokens.first().map(|t| t.user_name.clone()))
            .unwrap_or_else(|| "user@example.com".to_string());
        SsoOidc {
            config: Config {
                user_name,
                outcome: c.outcome,
                pending_polls: c.approve_after_polls,
                slow_down_polls: c.slow_down_polls,
                interval: Duration::seconds(c.interval_seconds.into()),
                device_lifetime: Duration::seconds(c.device_code_expires_in_seconds.into()),
                token_lifetime: Duration::seconds(c.access_token_expires_in_seconds.into()),
                refresh_allowed: c.refresh_allowed,
            },
            state: Mutex::new(State::default()),
        }
    }
}

/// The SSO OIDC request handler.
pub fn handler(world: Arc<World>, req: Request<Incoming>) -> BoxFuture<Reply> {
    Box::pin(handle(world, req))
}

async fn handle(world: Arc<World>, req: Request<Incoming>) -> Reply {
    let (parts, body) = req.into_parts();
    let body: Value = http_util::read_body(body)
        .await
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let now = world.clock.now();
    let oidc = &world.sso_oidc;
    let result = match (&parts.method, parts.uri.path()) {
        (&Method::POST, "/client/register") => oidc.register(&body, now),
        (&Method::POST, "/device_authorization") => oidc.start(&body, now, &world),
        (&Method::POST, "/token") => oidc.create_token(&body, now, &world),
        _ => Err(OidcError(
            404,
            "UnknownOperationException",
            "invalid_request",
            "Unknown operation".into(),
        )),
    };
    match result {
        Ok((v, reason)) => Reply::new(200, "application/json", v.to_string(), reason),
        Err(OidcError(status, kind, code, description)) => Reply::new(
            status,
            "application/json",
            json!({"error": code, "error_description": description}).to_string(),
            format!("{kind}: {description}"),
        )
        .with_header("x-amzn-errortype", kind)
        .with_header("x-amzn-requestid", &ids::request_id()),
    }
}

type Answer = Result<(Value, String), OidcError>;

fn field<'a>(body: &'a Value, name: &'static str) -> Result<&'a str, OidcError> {
    body[name]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            OidcError(
                400,
                "InvalidRequestException",
                "invalid_request",
                format!("{name} is required"),
            )
        })
}

fn random(prefix: &str) -> Result<String, OidcError> {
    ids::session_token()
        .map(|t| {
            let body = t
                .trim_start_matches("IQoJb3JpZ2luX2Vj")
                .replace(['+', '/', '='], "");
            format!("{prefix}{body}")
        })
        .ok_or_else(|| {
            OidcError(
                500,
                "InternalServerException",
                "server_error",
                "no randomness".into(),
            )
        })
}

impl SsoOidc {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, OidcError> {
        self.state.lock().map_err(|_| {
            OidcError(
                500,
                "InternalServerException",
                "server_error",
                "state poisoned".into(),
            )
        })
    }

    fn register(&self, body: &Value, now: OffsetDateTime) -> Answer {
        let name = field(body, "clientName")?;
        field(body, "clientType")?;
        let client_id = random("")?[..22].to_string();
        let secret = random("eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.")?;
        let answer = json!({"clientId": client_id, "clientSecret": secret,
            "clientIdIssuedAt": now.unix_timestamp(),
            "clientSecretExpiresAt": (now + CLIENT_LIFETIME).unix_timestamp()});
        self.lock()?
            .clients
            .insert(client_id.clone(), Secret::new(secret));
        Ok((answer, format!("RegisterClient {name}")))
    }

    fn check_client(&self, state: &State, body: &Value) -> Result<String, OidcError> {
        let id = field(body, "clientId")?;
        let secret = field(body, "clientSecret")?;
        match state.clients.get(id) {
            Some(s) if s.matches(secret) => Ok(id.to_string()),
            _ => Err(OidcError(
                401,
                "InvalidClientException",
                "invalid_client",
                "Invalid client".into(),
            )),
        }
    }

    fn start(&self, body: &Value, now: OffsetDateTime, world: &World) -> Answer {
        field(body, "startUrl")?;
        let mut state = self.lock()?;
        let client_id = self.check_client(&state, body)?;
        let device_code = random("")?;
        let user_code = random("")?.to_ascii_uppercase();
        let user_code = format!("{}-{}", &user_code[..4], &user_code[4..8]);
        let uri = format!("https://device.sso.{}.amazonaws.com/", world.cluster.region);
        let answer = json!({"deviceCode": device_code, "userCode": user_code,
            "verificationUri": uri, "verificationUriComplete": format!("{uri}?user_code={user_code}"),
            "expiresIn": self.config.device_lifetime.whole_seconds(),
            "interval": self.config.interval.whole_seconds()});
        let device = Device {
            client_id,
            expires: now + self.config.device_lifetime,
            last_poll: None,
            polls: 0,
            slowed: 0,
        };
        state.devices.insert(device_code, device);
        Ok((answer, format!("StartDeviceAuthorization {user_code}")))
    }

    fn create_token(&self, body: &Value, now: OffsetDateTime, world: &World) -> Answer {
        let mut state = self.lock()?;
        let client_id = self.check_client(&state, body)?;
        match field(body, "grantType")? {
            DEVICE_GRANT => {
                let code = field(body, "deviceCode")?;
                self.poll(&mut state, code, &client_id, now)?;
                state.devices.remove(code);
                self.issue(&mut state, now, world, "device_code")
            }
            "refresh_token" => {
                let presented = field(body, "refreshToken")?;
                let known = state.refresh_tokens.iter().any(|t| t.matches(presented));
                if !(known && self.config.refresh_allowed) {
                    return Err(OidcError(
                        400,
                        "InvalidGrantException",
                        "invalid_grant",
                        "Invalid refresh token provided".into(),
                    ));
                }
                self.issue(&mut state, now, world, "refresh_token")
            }
            _ => Err(OidcError(
                400,
                "UnsupportedGrantTypeException",
                "unsupported_grant_type",
                "Unsupported grant type".into(),
            )),
        }
    }

    /// One poll with a device code: Ok when the user has approved.
    fn poll(
        &self,
        state: &mut State,
        code: &str,
        client_id: &str,
        now: OffsetDateTime,
    ) -> Result<(), OidcError> {
        let err = |status, kind, code: &'static str, d: &str| {
            Err(OidcError(status, kind, code, d.to_string()))
        };
        let Some(device) = state
            .devices
            .get_mut(code)
            .filter(|d| d.client_id == client_id)
        else {
            return err(
                400,
                "InvalidGrantException",
                "invalid_grant",
                "Invalid device code provided",
            );
        };
        if now >= device.expires {
            return err(
                400,
                "ExpiredTokenException",
                "expired_token",
                "Device code has expired",
            );
        }
        let too_fast = device
            .last_poll
            .is_some_and(|t| now - t < self.config.interval);
        device.last_poll = Some(now);
        let asked_to_slow = device.slowed < self.config.slow_down_polls;
        if asked_to_slow {
            device.slowed += 1;
        }
        if too_fast || asked_to_slow {
            return err(
                400,
                "SlowDownException",
                "slow_down",
                "Client is polling too fast",
            );
        }
        device.polls += 1;
        let decided = device.polls > self.config.pending_polls;
        match (self.config.outcome, decided) {
            (DeviceOutcome::Approve, true) => Ok(()),
            (DeviceOutcome::Deny, true) => err(
                400,
                "AccessDeniedException",
                "access_denied",
                "The user denied the authorization request",
            ),
            _ => err(
                400,
                "AuthorizationPendingException",
                "authorization_pending",
                "Authorization is still pending",
            ),
        }
    }

    fn issue(&self, state: &mut State, now: OffsetDateTime, world: &World, grant: &str) -> Answer {
        let access = Secret::new(random("aoa")?);
        let refresh = Secret::new(random("aor")?);
        let expiration = now + self.config.token_lifetime;
        world.sso.issue(&access, &self.config.user_name, expiration);
        let answer = json!({"accessToken": access.expose(), "tokenType": "Bearer",
            "expiresIn": self.config.token_lifetime.whole_seconds(), "refreshToken": refresh.expose()});
        state.refresh_tokens.push(refresh);
        Ok((
            answer,
            format!("CreateToken ({grant}) for {}", self.config.user_name),
        ))
    }
}
