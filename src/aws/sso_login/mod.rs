//! The IAM Identity Center (SSO) login of `aws sso login`, sharing its
//! session with the AWS CLI and the SDKs: what the `login` command runs,
//! and what `token` runs first when kubectl hands it a terminal and the
//! session is missing or expired.
//!
//! Two flows, chosen by [`flow::choose`]: for `sso_session` profiles the
//! authorization code with PKCE (RegisterClient for that grant, the browser
//! on `/authorize`, the redirect caught on 127.0.0.1 by [`callback`], `state`
//! checked, CreateToken with the code and verifier); otherwise the device
//! authorization (StartDeviceAuthorization, then CreateToken polled at the
//! interval the service gives, RFC 8628: `authorization_pending` waits,
//! `slow_down` adds 5 s, `expired_token` and `access_denied` end it). The
//! client registration is reused from, and kept in, the AWS CLI v2's
//! registration cache; the token is written where the AWS CLI keeps it
//! ([`sso_cache`]), refresh token included. The whole login runs under the
//! session's lock: a second login of the same session waits and then uses
//! the first one's token. The poll loop is behind two small traits so its
//! rules are tested without a clock.

mod callback;
pub mod flow;
mod pkce;

use crate::aws::Env;
use crate::aws::profile::{self, Profiles};
use crate::aws::sso;
use crate::aws::sso_cache::{self, RegistrationFile, SessionLock, TokenFile};
use crate::secret::Secret;
use anyhow::{Context, Result, bail};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// RFC 8628 section 3.5: on `slow_down` the interval grows by 5 seconds.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// RFC 8628 section 3.2: the interval when the service names none.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// The scope the AWS CLI registers for account access when none is configured.
const DEFAULT_SCOPE: &str = "sso:account:access";
/// The AWS CLI gives the browser 10 minutes to come back.
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(600);
/// A second login of the same session waits this long for the first (its
/// browser or device-code wait, plus the calls around it).
const LOGIN_LOCK_WAIT: Duration = Duration::from_secs(660);
/// The grants the browser flow registers for, as the AWS CLI v2 does.
const AUTH_CODE_GRANTS: [&str; 2] = ["authorization_code", "refresh_token"];
/// The redirect the browser flow registers (any port is used at authorize).
const REGISTERED_REDIRECT: &str = "http://127.0.0.1/oauth/callback";

/// Where to log in, from the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoTarget {
    pub profile: String,
    pub session: Option<String>,
    pub start_url: String,
    pub region: String,
    /// The scopes to register: the configured ones, else the default for
    /// `sso_session` profiles.
    pub scopes: Vec<String>,
    /// `sso_registration_scopes` as configured (None when absent): part of
    /// the AWS CLI's registration cache key.
    pub configured_scopes: Option<Vec<String>>,
}

impl SsoTarget {
    /// The cache file's key: the session name, or the start URL (legacy).
    pub fn cache_identifier(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.start_url)
    }
}

/// Reads the SSO settings of `profile` (following `source_profile`).
pub fn target(profiles: &Profiles, profile: &str) -> Result<SsoTarget> {
    let Some(s) = sso::sso_profile(profiles, profile) else {
        bail!(
            "profile {profile:?} has no IAM Identity Center settings (sso_session or sso_start_url); \
             configure them with `aws configure sso --profile {profile}`"
        );
    };
    let p = profiles.get(&s.profile);
    let (region, scopes) = match &s.session {
        Some(name) => (
            profiles.sso_session_get(name, "sso_region"),
            profiles.sso_session_get(name, "sso_registration_scopes"),
        ),
        None => (
            p.and_then(|p| p.get("sso_region")).map(str::to_string),
            None,
        ),
    };
    let missing = |what: &str| {
        anyhow::anyhow!(
            "profile {profile:?} has no {what} for IAM Identity Center; add it to {} in ~/.aws/config",
            s.session
                .as_ref()
                .map(|n| format!("[sso-session {n}]"))
                .unwrap_or_else(|| format!("[profile {}]", s.profile))
        )
    };
    let configured_scopes: Option<Vec<String>> = scopes.map(|v| {
        v.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    });
    let scopes = configured_scopes.clone().unwrap_or_default();
    Ok(SsoTarget {
        configured_scopes,
        profile: profile.to_string(),
        start_url: s
            .start_url
            .clone()
            .ok_or_else(|| missing("sso_start_url"))?,
        region: region.ok_or_else(|| missing("sso_region"))?,
        scopes: if s.session.is_some() && scopes.is_empty() {
            vec![DEFAULT_SCOPE.to_string()]
        } else {
            scopes
        },
        session: s.session,
    })
}

/// A granted token.
#[derive(Debug, Clone)]
pub struct Grant {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_in: Duration,
}

/// One CreateToken answer, as the poll loop sees it.
#[derive(Debug)]
pub enum Poll {
    Granted(Grant),
    Pending,
    SlowDown,
    Expired,
    Denied,
    Failed(String),
}

/// Why a login ended without a token. Each says what to do.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoginError {
    #[error(
        "the login request was denied in the browser (AccessDeniedException); run `{0}` again and approve it"
    )]
    Denied(String),
    #[error(
        "the login code expired before it was approved (ExpiredTokenException); run `{0}` again and approve it in time"
    )]
    Expired(String),
    #[error("IAM Identity Center refused the login: {1}; run `{0}` again")]
    Failed(String, String),
}

/// Asks for the token once (CreateToken with the device code).
pub trait TokenPoller {
    fn poll(&self) -> impl Future<Output = Poll>;
}

/// Waits (real: tokio; tests: records).
pub trait Sleeper {
    fn sleep(&self, d: Duration) -> impl Future<Output = ()>;
}

/// The poll loop: first ask at once, then after each interval, until a
/// token, a refusal, or `expires_in` has been waited out.
pub async fn poll_for_token(
    poller: &impl TokenPoller,
    sleeper: &impl Sleeper,
    mut interval: Duration,
    expires_in: Duration,
    retry_command: &str,
) -> Result<Grant, LoginError> {
    let mut waited = Duration::ZERO;
    loop {
        match poller.poll().await {
            Poll::Granted(g) => return Ok(g),
            Poll::Pending => {}
            Poll::SlowDown => interval += SLOW_DOWN_STEP,
            Poll::Expired => return Err(LoginError::Expired(retry_command.into())),
            Poll::Denied => return Err(LoginError::Denied(retry_command.into())),
            Poll::Failed(why) => return Err(LoginError::Failed(retry_command.into(), why)),
        }
        if waited >= expires_in {
            return Err(LoginError::Expired(retry_command.into()));
        }
        sleeper.sleep(interval).await;
        waited += interval;
    }
}

struct SdkPoller<'a> {
    client: &'a aws_sdk_ssooidc::Client,
    client_id: &'a str,
    client_secret: &'a Secret,
    device_code: &'a str,
}

impl TokenPoller for SdkPoller<'_> {
    async fn poll(&self) -> Poll {
        let call = self
            .client
            .create_token()
            .client_id(self.client_id)
            .client_secret(self.client_secret.expose())
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(self.device_code)
            .send();
        match tokio::time::timeout(crate::aws_session::CALL_TIMEOUT, call).await {
            Err(_) => Poll::Failed("CreateToken did not answer in time".into()),
            Ok(Ok(out)) => match out.access_token() {
                Some(a) => Poll::Granted(Grant {
                    access_token: Secret::new(a),
                    refresh_token: out.refresh_token().map(Secret::new),
                    expires_in: Duration::from_secs(out.expires_in().max(0) as u64),
                }),
                None => Poll::Failed("CreateToken returned no access token".into()),
            },
            Ok(Err(e)) => match e.code() {
                Some("AuthorizationPendingException") => Poll::Pending,
                Some("SlowDownException") => Poll::SlowDown,
                Some("ExpiredTokenException") => Poll::Expired,
                Some("AccessDeniedException") => Poll::Denied,
                Some(code) => Poll::Failed(format!("{code}: {}", e.message().unwrap_or(""))),
                None => Poll::Failed(crate::aws_session::causes(&e)),
            },
        }
    }
}

struct TokioSleeper;

impl Sleeper for TokioSleeper {
    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await
    }
}

/// How `login` was asked to behave.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginOptions {
    /// `--no-browser`: print the address, open nothing.
    pub no_browser: bool,
    /// `--use-device-code`.
    pub use_device_code: bool,
}

/// The flow inputs of this machine and environment.
fn flow_inputs(t: &SsoTarget, opts: LoginOptions, env: &Env) -> flow::Inputs {
    flow::Inputs {
        use_device_code: opts.use_device_code,
        legacy: t.session.is_none(),
        ssh: env.get("SSH_CONNECTION").is_some() || env.get("SSH_TTY").is_some(),
        linux: cfg!(target_os = "linux"),
        display: env.get("DISPLAY").is_some() || env.get("WAYLAND_DISPLAY").is_some(),
        container: in_container(env),
    }
}

/// Docker and Podman leave a marker file; Kubernetes sets its service host.
fn in_container(env: &Env) -> bool {
    env.get("KUBERNETES_SERVICE_HOST").is_some()
        || (cfg!(target_os = "linux")
            && (Path::new("/.dockerenv").exists() || Path::new("/run/.containerenv").exists()))
}

/// A client registration in use.
struct Registration {
    client_id: String,
    client_secret: Secret,
    expires_at: String,
}

/// Logs in for `profile` (None: AWS_PROFILE, else default), talking to the
/// user on `tell`. Returns the token cache file written (or found).
pub async fn login(
    profile_flag: Option<&str>,
    env: &Env,
    opts: LoginOptions,
    tell: &mut dyn Write,
) -> Result<PathBuf> {
    let choice = profile::choose_profile(profile_flag, env);
    let profiles = Profiles::load(&choice.name).await?;
    let t = target(&profiles, &choice.name)?;
    let home =
        crate::platform::home_dir().context("HOME is not set; the SSO cache lives under it")?;
    let (chosen, why) = flow::choose(flow_inputs(&t, opts, env));
    let token_path = sso_cache::token_path(&home, t.cache_identifier());
    let started = OffsetDateTime::now_utc();
    let lock =
        SessionLock::acquire(&token_path, LOGIN_LOCK_WAIT).context("could not start the login")?;
    if lock.waited
        && let Some(until) = fresh_token_since(&token_path, started)
    {
        writeln!(
            tell,
            "Another login of this IAM Identity Center session finished while this one waited; \
             using its session (valid until {})",
            sso_cache::format_time(until)
        )?;
        return Ok(token_path);
    }
    let client = crate::aws::sso_refresh::oidc_client(&t.region).await;
    let flow_name = match chosen {
        flow::Flow::Browser => "the browser (authorization code with PKCE)",
        flow::Flow::DeviceCode => "the device code",
    };
    writeln!(tell, "Logging in with {flow_name}: {why}.")?;
    let (reg, grant) = match chosen {
        flow::Flow::Browser => browser_flow(&client, &t, &home, opts, env, tell).await?,
        flow::Flow::DeviceCode => device_flow(&client, &t, &home, opts, env, tell).await?,
    };
    let expires_at = OffsetDateTime::now_utc() + grant.expires_in;
    write_token(&token_path, &t, &reg, &grant, expires_at)?;
    writeln!(
        tell,
        "Logged in; the session is valid until {} (shared with the AWS CLI in {})",
        sso_cache::format_time(expires_at),
        token_path.display()
    )?;
    drop(lock);
    Ok(token_path)
}

/// The expiry of a cached token written after `since` with 15 minutes or
/// more left: what a login that waited for another one can use.
fn fresh_token_since(path: &Path, since: OffsetDateTime) -> Option<OffsetDateTime> {
    let modified: OffsetDateTime = std::fs::metadata(path).ok()?.modified().ok()?.into();
    let token = sso_cache::read_json::<TokenFile>(path).ok().flatten()?;
    let until = token.expires()?;
    (modified >= since - time::Duration::seconds(1)
        && until - OffsetDateTime::now_utc() >= sso_cache::REFRESH_WINDOW)
        .then_some(until)
}

/// Writes the token file in the AWS CLI's format (atomic, 0600).
fn write_token(
    path: &Path,
    t: &SsoTarget,
    reg: &Registration,
    grant: &Grant,
    expires_at: OffsetDateTime,
) -> Result<()> {
    let file = TokenFile {
        start_url: Some(t.start_url.clone()),
        region: Some(t.region.clone()),
        access_token: grant.access_token.clone(),
        expires_at: sso_cache::format_time(expires_at),
        client_id: Some(reg.client_id.clone()),
        client_secret: Some(reg.client_secret.clone()),
        registration_expires_at: Some(reg.expires_at.clone()),
        refresh_token: grant.refresh_token.clone(),
        other: Default::default(),
    };
    sso_cache::write_json(path, &file).context("could not save the SSO session")
}

/// The cached registration for `t` and this grant, or a new one (cached).
async fn registration(
    client: &aws_sdk_ssooidc::Client,
    t: &SsoTarget,
    home: &Path,
    auth_code: bool,
) -> Result<Registration> {
    let path = sso_cache::registration_path(
        home,
        &t.start_url,
        &t.region,
        t.configured_scopes.as_deref(),
        t.session.as_deref(),
    );
    let now = OffsetDateTime::now_utc();
    if let Ok(Some(r)) = sso_cache::read_json::<RegistrationFile>(&path)
        && r.is_live(now)
        && r.is_for_auth_code() == auth_code
    {
        return Ok(Registration {
            client_id: r.client_id,
            client_secret: r.client_secret,
            expires_at: r.expires_at,
        });
    }
    let file = register(client, t, auth_code).await?;
    // A registration that cannot be cached only costs a new one next time.
    let _ = sso_cache::write_json(&path, &file);
    Ok(Registration {
        client_id: file.client_id,
        client_secret: file.client_secret,
        expires_at: file.expires_at,
    })
}

/// RegisterClient, for the browser flow's grants or the device flow.
async fn register(
    client: &aws_sdk_ssooidc::Client,
    t: &SsoTarget,
    auth_code: bool,
) -> Result<RegistrationFile> {
    let name = match &t.session {
        Some(s) => format!("kubectl-eksauth-{s}"),
        None => format!(
            "kubectl-eksauth-{}",
            OffsetDateTime::now_utc().unix_timestamp()
        ),
    };
    let mut req = client
        .register_client()
        .client_name(name)
        .client_type("public");
    let scopes = if auth_code && t.scopes.is_empty() {
        vec![DEFAULT_SCOPE.to_string()]
    } else {
        t.scopes.clone()
    };
    req = req.set_scopes((!scopes.is_empty()).then(|| scopes.clone()));
    if auth_code {
        for g in AUTH_CODE_GRANTS {
            req = req.grant_types(g);
        }
        req = req
            .redirect_uris(REGISTERED_REDIRECT)
            .issuer_url(&t.start_url);
    }
    let reg = crate::aws_session::bounded(
        "register a client with IAM Identity Center (SSO OIDC RegisterClient)",
        req.send(),
    )
    .await?;
    let now = OffsetDateTime::now_utc();
    let expires = OffsetDateTime::from_unix_timestamp(reg.client_secret_expires_at())
        .unwrap_or(now + time::Duration::days(90));
    Ok(RegistrationFile {
        client_id: reg.client_id().unwrap_or_default().to_string(),
        client_secret: Secret::new(reg.client_secret().unwrap_or_default()),
        expires_at: sso_cache::format_time(expires),
        scopes: (auth_code || !scopes.is_empty()).then_some(scopes),
        grant_types: auth_code.then(|| AUTH_CODE_GRANTS.map(String::from).to_vec()),
        other: Default::default(),
    })
}

/// The base of the SSO OIDC endpoint, for the unmodelled `/authorize`:
/// `AWS_ENDPOINT_URL_SSO_OIDC`, else `AWS_ENDPOINT_URL`, else the region's.
fn oidc_base(region: &str, env: &Env) -> String {
    let ignore = env
        .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let configured = (!ignore)
        .then(|| {
            env.get("AWS_ENDPOINT_URL_SSO_OIDC")
                .or_else(|| env.get("AWS_ENDPOINT_URL"))
        })
        .flatten();
    configured.unwrap_or_else(|| {
        let suffix = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!("https://oidc.{region}.{suffix}")
    })
}

/// The browser flow: authorize in the browser, catch the redirect, check
/// `state`, exchange the code with the verifier.
async fn browser_flow(
    client: &aws_sdk_ssooidc::Client,
    t: &SsoTarget,
    home: &Path,
    opts: LoginOptions,
    env: &Env,
    tell: &mut dyn Write,
) -> Result<(Registration, Grant)> {
    let reg = registration(client, t, home, true).await?;
    let listener = callback::Listener::bind().await?;
    let redirect_uri = listener.redirect_uri();
    let verifier = pkce::verifier()?;
    let state = pkce::state()?;
    let scopes = if t.scopes.is_empty() {
        vec![DEFAULT_SCOPE.to_string()]
    } else {
        t.scopes.clone()
    };
    let url = pkce::authorize_url(&pkce::Authorize {
        base: &oidc_base(&t.region, env),
        client_id: &reg.client_id,
        redirect_uri: &redirect_uri,
        state: &state,
        scopes: &scopes,
        challenge: &pkce::challenge(verifier.expose()),
    });
    if !opts.no_browser && crate::platform::open_browser(&url, env) {
        writeln!(
            tell,
            "A browser was opened; if it did not show the page, open\n  {url}"
        )?;
    } else {
        writeln!(
            tell,
            "Open this address in a browser on this machine:\n  {url}"
        )?;
    }
    writeln!(tell, "Waiting for the browser (up to 10 minutes)...")?;
    let retry = crate::domain::sso::eksauth_login_command(&t.profile);
    let (code, back) = match listener.wait(BROWSER_TIMEOUT).await {
        Ok(callback::Answer::Code { code, state }) => (code, state),
        Ok(callback::Answer::Error { error, .. }) if error == "access_denied" => {
            return Err(LoginError::Denied(retry).into());
        }
        Ok(callback::Answer::Error { error, .. }) => {
            return Err(LoginError::Failed(retry, error).into());
        }
        Err(e) => bail!("could not log in: {e:#}; run `{retry}` again"),
    };
    if back != state {
        bail!(
            "could not log in: the browser's answer carries another state than this login sent, \
             so it is not the answer to this login (an old tab, or a page that is not IAM \
             Identity Center); nothing was saved. Run `{retry}` again"
        );
    }
    let grant = exchange_code(client, &reg, &redirect_uri, &verifier, &code, &retry).await?;
    Ok((reg, grant))
}

/// CreateToken with the authorization code and the PKCE verifier.
async fn exchange_code(
    client: &aws_sdk_ssooidc::Client,
    reg: &Registration,
    redirect_uri: &str,
    verifier: &Secret,
    code: &str,
    retry: &str,
) -> Result<Grant> {
    let call = client
        .create_token()
        .grant_type("authorization_code")
        .client_id(&reg.client_id)
        .client_secret(reg.client_secret.expose())
        .redirect_uri(redirect_uri)
        .code_verifier(verifier.expose())
        .code(code)
        .send();
    let out = match tokio::time::timeout(crate::aws_session::CALL_TIMEOUT, call).await {
        Err(_) => {
            bail!("could not log in: CreateToken did not answer in time; run `{retry}` again")
        }
        Ok(Err(e)) => {
            let why = match e.code() {
                Some(c) => format!("{c}: {}", e.message().unwrap_or("")),
                None => crate::aws_session::causes(&e),
            };
            return Err(LoginError::Failed(retry.into(), why).into());
        }
        Ok(Ok(out)) => out,
    };
    let access = out
        .access_token()
        .context("could not log in: CreateToken returned no access token")?;
    Ok(Grant {
        access_token: Secret::new(access),
        refresh_token: out.refresh_token().map(Secret::new),
        expires_in: Duration::from_secs(out.expires_in().max(0) as u64),
    })
}

/// The device flow: a code the user enters in any browser, polled for.
async fn device_flow(
    client: &aws_sdk_ssooidc::Client,
    t: &SsoTarget,
    home: &Path,
    opts: LoginOptions,
    env: &Env,
    tell: &mut dyn Write,
) -> Result<(Registration, Grant)> {
    let reg = registration(client, t, home, false).await?;
    let dev = crate::aws_session::bounded(
        "start the device authorization (SSO OIDC StartDeviceAuthorization)",
        client
            .start_device_authorization()
            .client_id(&reg.client_id)
            .client_secret(reg.client_secret.expose())
            .start_url(&t.start_url)
            .send(),
    )
    .await?;
    let uri = dev.verification_uri().unwrap_or_default();
    let code = dev.user_code().unwrap_or_default();
    let complete = dev.verification_uri_complete().unwrap_or(uri);
    writeln!(
        tell,
        "To log in to IAM Identity Center for profile {:?}, open\n  {uri}\nand enter the code {code}, or open\n  {complete}",
        t.profile
    )?;
    if !opts.no_browser && crate::platform::open_browser(complete, env) {
        writeln!(tell, "(a browser was opened at that address)")?;
    }
    writeln!(tell, "Waiting for the approval...")?;
    let interval = match dev.interval() {
        i if i > 0 => Duration::from_secs(i as u64),
        _ => DEFAULT_INTERVAL,
    };
    let expires_in = Duration::from_secs(dev.expires_in().max(1) as u64);
    let poller = SdkPoller {
        client,
        client_id: &reg.client_id,
        client_secret: &reg.client_secret,
        device_code: dev.device_code().unwrap_or_default(),
    };
    let grant = poll_for_token(
        &poller,
        &TokioSleeper,
        interval,
        expires_in,
        &crate::domain::sso::eksauth_login_command(&t.profile),
    )
    .await?;
    Ok((reg, grant))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Script(RefCell<Vec<Poll>>);
    impl TokenPoller for Script {
        async fn poll(&self) -> Poll {
            self.0.borrow_mut().remove(0)
        }
    }
    #[derive(Default)]
    struct Recorder(RefCell<Vec<Duration>>);
    impl Sleeper for Recorder {
        async fn sleep(&self, d: Duration) {
            self.0.borrow_mut().push(d)
        }
    }
    fn grant() -> Poll {
        Poll::Granted(Grant {
            access_token: Secret::new("a"),
            refresh_token: None,
            expires_in: Duration::from_secs(60),
        })
    }
    fn block<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }
    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn authorization_pending_waits_one_interval_each_time() {
        let p = Script(RefCell::new(vec![Poll::Pending, Poll::Pending, grant()]));
        let r = Recorder::default();
        assert!(block(poll_for_token(&p, &r, S(2), S(600), "x")).is_ok());
        assert_eq!(*r.0.borrow(), vec![S(2), S(2)]);
    }

    #[test]
    fn slow_down_adds_five_seconds_to_the_interval_for_good() {
        let p = Script(RefCell::new(vec![Poll::SlowDown, Poll::Pending, grant()]));
        let r = Recorder::default();
        assert!(block(poll_for_token(&p, &r, S(1), S(600), "x")).is_ok());
        assert_eq!(*r.0.borrow(), vec![S(6), S(6)]);
    }

    #[test]
    fn expired_token_and_access_denied_end_the_login_with_the_retry_command() {
        let p = Script(RefCell::new(vec![Poll::Pending, Poll::Expired]));
        let e = block(poll_for_token(
            &p,
            &Recorder::default(),
            S(1),
            S(600),
            "kubectl eksauth login",
        ))
        .unwrap_err();
        assert_eq!(e, LoginError::Expired("kubectl eksauth login".into()));
        assert!(e.to_string().contains("run `kubectl eksauth login` again"));
        let p = Script(RefCell::new(vec![Poll::Denied]));
        let e = block(poll_for_token(&p, &Recorder::default(), S(1), S(600), "x")).unwrap_err();
        assert_eq!(e, LoginError::Denied("x".into()));
    }

    #[test]
    fn authorize_base_is_the_configured_sso_oidc_endpoint_else_the_regions() {
        let none = Env::from_pairs(&[]);
        assert_eq!(
            oidc_base("us-east-1", &none),
            "https://oidc.us-east-1.amazonaws.com"
        );
        assert_eq!(
            oidc_base("cn-north-1", &none),
            "https://oidc.cn-north-1.amazonaws.com.cn"
        );
        let both = Env::from_pairs(&[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:2"),
        ]);
        assert_eq!(oidc_base("us-east-1", &both), "http://127.0.0.1:2");
        let global = Env::from_pairs(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:1")]);
        assert_eq!(oidc_base("us-east-1", &global), "http://127.0.0.1:1");
        let ignored = Env::from_pairs(&[
            ("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:2"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        assert_eq!(
            oidc_base("us-east-1", &ignored),
            "https://oidc.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn polling_stops_once_the_code_lifetime_is_waited_out() {
        let p = Script(RefCell::new((0..10).map(|_| Poll::Pending).collect()));
        let r = Recorder::default();
        let e = block(poll_for_token(&p, &r, S(5), S(12), "x")).unwrap_err();
        assert_eq!(e, LoginError::Expired("x".into()));
        assert_eq!(r.0.borrow().len(), 3, "waited 15 s >= 12 s, then gave up");
    }
}
