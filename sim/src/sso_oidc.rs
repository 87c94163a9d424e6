//! The simulated SSO OIDC service (IAM Identity Center's OAuth endpoints,
//! REST-JSON without SigV4, as in botocore's `sso-oidc` model):
//! RegisterClient (registrations expire), StartDeviceAuthorization, the
//! browser's `GET /authorize` (redirects to the client's loopback
//! `redirect_uri` with `code` and `state`), and CreateToken with the
//! device-code grant (authorization_pending, slow_down, expired_token,
//! access_denied as the fixture decides), the authorization_code grant (PKCE
//! S256 checked, a code used once) and the refresh_token grant (each refresh
//! token used once: it is rotated, a reused one is refused). Issued access
//! tokens are registered with the SSO portal, with the assignments of the
//! fixture's user.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use http::{Method, Request};
use hyper::body::Incoming;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::fixture::{self, DeviceOutcome};
use crate::http_util::{self, BoxFuture, Reply};
use crate::ids;
use crate::secret::Secret;
use crate::sigv4;
use crate::world::World;

/// The device-code grant type.
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// An authorization code is exchanged within minutes or not at all.
const CODE_LIFETIME: Duration = Duration::minutes(10);

/// The only redirect a public client on the user's machine may register: the
/// loopback callback (RFC 8252 7.3: any port is accepted at authorization).
const LOOPBACK_CALLBACK: (&str, &str) = ("127.0.0.1", "/oauth/callback");

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
    client_lifetime: Duration,
}

#[derive(Debug, Default)]
struct State {
    /// client id -> registration.
    clients: HashMap<String, Client>,
    /// device code -> its progress.
    devices: HashMap<String, Device>,
    /// authorization code -> what it was issued for (removed when used).
    codes: HashMap<String, AuthCode>,
    /// refresh tokens not yet used, with their client id.
    refresh_tokens: Vec<(Secret, String)>,
}

#[derive(Debug)]
struct Client {
    secret: Secret,
    expires: OffsetDateTime,
    /// Registered for the authorization-code grant (with a loopback redirect).
    auth_code: bool,
}

#[derive(Debug)]
struct AuthCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    expires: OffsetDateTime,
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
                client_lifetime: Duration::seconds(c.client_expires_in_seconds.into()),
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
    if parts.method == Method::GET && parts.uri.path() == "/authorize" {
        return world
            .sso_oidc
            .authorize(parts.uri.query().unwrap_or(""), world.clock.now())
            .unwrap_or_else(error_reply);
    }
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
        Err(e) => error_reply(e),
    }
}

fn error_reply(OidcError(status, kind, code, description): OidcError) -> Reply {
    Reply::new(
        status,
        "application/json",
        json!({"error": code, "error_description": description}).to_string(),
        format!("{kind}: {description}"),
    )
    .with_header("x-amzn-errortype", kind)
    .with_header("x-amzn-requestid", &ids::request_id())
}

fn invalid_request(what: impl Into<String>) -> OidcError {
    OidcError(
        400,
        "InvalidRequestException",
        "invalid_request",
        what.into(),
    )
}

fn invalid_grant(what: &str) -> OidcError {
    OidcError(400, "InvalidGrantException", "invalid_grant", what.into())
}

/// RFC 7636 4.6: BASE64URL(SHA256(ASCII(code_verifier))), unpadded.
fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A loopback callback `http://127.0.0.1[:port]/oauth/callback`.
fn is_loopback_callback(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.split(':').next().unwrap_or("");
    let port_ok = authority
        .split_once(':')
        .is_none_or(|(_, p)| p.parse::<u16>().is_ok());
    host == LOOPBACK_CALLBACK.0 && path == LOOPBACK_CALLBACK.1 && port_ok
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
        let auth_code = self.check_auth_code_registration(body)?;
        let client_id = random("")?[..22].to_string();
        let secret = random("eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.")?;
        let expires = now + self.config.client_lifetime;
        let answer = json!({"clientId": client_id, "clientSecret": secret,
            "clientIdIssuedAt": now.unix_timestamp(),
            "clientSecretExpiresAt": expires.unix_timestamp()});
        let client = Client {
            secret: Secret::new(secret),
            expires,
            auth_code,
        };
        self.lock()?.clients.insert(client_id.clone(), client);
        let kind = if auth_code {
            "authorization_code"
        } else {
            "device_code"
        };
        Ok((answer, format!("RegisterClient {name} ({kind})")))
    }

    /// A registration for the authorization-code grant must name its
    /// loopback redirect and the issuer (the start URL), as AWS requires.
    fn check_auth_code_registration(&self, body: &Value) -> Result<bool, OidcError> {
        let grants: Vec<&str> = body["grantTypes"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !grants.contains(&"authorization_code") {
            return Ok(false);
        }
        field(body, "issuerUrl")?;
        let uris: Vec<&str> = body["redirectUris"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if uris.is_empty() || !uris.iter().all(|u| is_loopback_callback(u)) {
            return Err(invalid_request(
                "redirectUris must be http://127.0.0.1/oauth/callback",
            ));
        }
        Ok(true)
    }

    fn check_client(
        &self,
        state: &State,
        body: &Value,
        now: OffsetDateTime,
    ) -> Result<String, OidcError> {
        let id = field(body, "clientId")?;
        let secret = field(body, "clientSecret")?;
        let invalid = |d: &str| {
            OidcError(
                401,
                "InvalidClientException",
                "invalid_client",
                d.to_string(),
            )
        };
        match state.clients.get(id) {
            Some(c) if c.secret.matches(secret) && now < c.expires => Ok(id.to_string()),
            Some(c) if c.secret.matches(secret) => Err(invalid("Client registration has expired")),
            _ => Err(invalid("Invalid client")),
        }
    }

    /// The browser at `GET /authorize`: the user is signed in and approves
    /// (or denies, per the fixture's outcome); the answer redirects to the
    /// client's loopback callback with `code` (or `error`) and `state`.
    fn authorize(&self, query: &str, now: OffsetDateTime) -> Result<Reply, OidcError> {
        let params = sigv4::decode_query(query).ok_or_else(|| invalid_request("bad query"))?;
        let get = |name: &'static str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| invalid_request(format!("{name} is required")))
        };
        if get("response_type")? != "code" || get("code_challenge_method")? != "S256" {
            return Err(invalid_request(
                "response_type=code and code_challenge_method=S256 are required",
            ));
        }
        let (client_id, redirect_uri) = (get("client_id")?, get("redirect_uri")?);
        let (state_param, challenge) = (get("state")?, get("code_challenge")?);
        get("scopes")?;
        let mut state = self.lock()?;
        match state.clients.get(client_id) {
            Some(c) if c.auth_code && now < c.expires => {}
            _ => return Err(invalid_request("unknown, expired or device-only client")),
        }
        if !is_loopback_callback(redirect_uri) {
            return Err(invalid_request(
                "redirect_uri is not the registered callback",
            ));
        }
        let sep = if redirect_uri.contains('?') { '&' } else { '?' };
        let st = sigv4::uri_encode(state_param, false);
        if self.config.outcome != DeviceOutcome::Approve {
            let to = format!("{redirect_uri}{sep}error=access_denied&state={st}");
            return Ok(redirect(&to, "Authorize: denied by the user"));
        }
        let code = random("")?;
        let issued = AuthCode {
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            challenge: challenge.to_string(),
            expires: now + CODE_LIFETIME,
        };
        state.codes.insert(code.clone(), issued);
        let to = format!("{redirect_uri}{sep}code={code}&state={st}");
        Ok(redirect(&to, "Authorize: approved, code issued"))
    }

    fn start(&self, body: &Value, now: OffsetDateTime, world: &World) -> Answer {
        field(body, "startUrl")?;
        let mut state = self.lock()?;
        let client_id = self.check_client(&state, body, now)?;
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
        let client_id = self.check_client(&state, body, now)?;
        match field(body, "grantType")? {
            DEVICE_GRANT => {
                let code = field(body, "deviceCode")?;
                self.poll(&mut state, code, &client_id, now)?;
                state.devices.remove(code);
                self.issue(&mut state, &client_id, now, world, "device_code")
            }
            "authorization_code" => {
                redeem_code(&mut state, body, &client_id, now)?;
                self.issue(&mut state, &client_id, now, world, "authorization_code")
            }
            "refresh_token" => {
                let presented = field(body, "refreshToken")?;
                // Rotation: a refresh token works once, for its own client.
                let found = state
                    .refresh_tokens
                    .iter()
                    .position(|(t, c)| t.matches(presented) && *c == client_id);
                let Some(i) = found.filter(|_| self.config.refresh_allowed) else {
                    return Err(invalid_grant("Invalid refresh token provided"));
                };
                state.refresh_tokens.remove(i);
                self.issue(&mut state, &client_id, now, world, "refresh_token")
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

    fn issue(
        &self,
        state: &mut State,
        client_id: &str,
        now: OffsetDateTime,
        world: &World,
        grant: &str,
    ) -> Answer {
        let access = Secret::new(random("aoa")?);
        let refresh = Secret::new(random("aor")?);
        let expiration = now + self.config.token_lifetime;
        world.sso.issue(&access, &self.config.user_name, expiration);
        let answer = json!({"accessToken": access.expose(), "tokenType": "Bearer",
            "expiresIn": self.config.token_lifetime.whole_seconds(), "refreshToken": refresh.expose()});
        state.refresh_tokens.push((refresh, client_id.to_string()));
        Ok((
            answer,
            format!("CreateToken ({grant}) for {}", self.config.user_name),
        ))
    }
}

/// A 302 to `to` (the browser follows it to the client's callback).
fn redirect(to: &str, reason: &str) -> Reply {
    Reply::new(302, "text/plain", "", reason).with_header("location", to)
}

/// CreateToken with an authorization code: the code is used once, by the
/// client it was issued to, with the same redirect URI and the verifier
/// whose S256 is the challenge given at /authorize.
fn redeem_code(
    state: &mut State,
    body: &Value,
    client_id: &str,
    now: OffsetDateTime,
) -> Result<(), OidcError> {
    let code = field(body, "code")?;
    let verifier = field(body, "codeVerifier")?;
    let redirect_uri = field(body, "redirectUri")?;
    let Some(issued) = state.codes.remove(code) else {
        return Err(invalid_grant("Invalid or already used authorization code"));
    };
    if issued.client_id != client_id || issued.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "The code was issued to another client or redirect URI",
        ));
    }
    if now >= issued.expires {
        return Err(invalid_grant("The authorization code has expired"));
    }
    if s256(verifier) != issued.challenge {
        return Err(invalid_grant(
            "Code verifier does not match the code challenge",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn only_the_loopback_callback_is_a_redirect() {
        for (uri, ok) in [
            ("http://127.0.0.1/oauth/callback", true),
            ("http://127.0.0.1:53211/oauth/callback", true),
            ("https://127.0.0.1/oauth/callback", false),
            ("http://evil.example/oauth/callback", false),
            ("http://127.0.0.1:1/other", false),
            ("http://127.0.0.1:x/oauth/callback", false),
        ] {
            assert_eq!(is_loopback_callback(uri), ok, "{uri}");
        }
    }
}
