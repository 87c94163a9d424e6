//! `kubectl-eksauth login`: the IAM Identity Center (SSO) device
//! authorization login, sharing its session with the AWS CLI and the SDKs.
//!
//! RegisterClient, StartDeviceAuthorization, then CreateToken polled at the
//! interval the service gives (RFC 8628: `authorization_pending` waits,
//! `slow_down` adds 5 s, `expired_token` and `access_denied` end it). The
//! result is written where the AWS CLI keeps it,
//! `~/.aws/sso/cache/<sha1 of session name or start URL>.json`, with the
//! fields the AWS CLI and the Rust SDK read, refresh token included. The poll
//! loop is behind two small traits so its rules are tested without a clock.

use crate::aws::Env;
use crate::aws::profile::{self, Profiles};
use crate::aws::sso;
use crate::secret::Secret;
use anyhow::{Context, Result, bail};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::Serialize;
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

/// Where to log in, from the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoTarget {
    pub profile: String,
    pub session: Option<String>,
    pub start_url: String,
    pub region: String,
    pub scopes: Vec<String>,
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
    let scopes: Vec<String> = scopes
        .map(|v| {
            v.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Ok(SsoTarget {
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

/// The cache file, in the AWS CLI's field names.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CacheFile<'a> {
    start_url: &'a str,
    region: &'a str,
    access_token: &'a Secret,
    expires_at: String,
    client_id: &'a str,
    client_secret: &'a Secret,
    registration_expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a Secret>,
}

/// The AWS CLI's timestamp form: `2026-01-01T00:00:00Z`.
fn timestamp(t: OffsetDateTime) -> String {
    crate::exec_credential::format_timestamp(t)
}

/// Writes the cache file 0600 (temporary file, then rename); returns its path.
fn write_cache(home: &Path, t: &SsoTarget, c: &CacheFile<'_>) -> Result<PathBuf> {
    let path = sso::cache_path(home, t.cache_identifier());
    let dir = path.parent().expect("cache path has a directory");
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let tmp = dir.join(format!(".eksauth.{}.tmp", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).truncate(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let r = (|| -> Result<()> {
        let mut f = opts.open(&tmp)?;
        serde_json::to_writer(&mut f, c)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    })();
    if let Err(e) = r {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("could not write the SSO cache {}", path.display()));
    }
    Ok(path)
}

/// The command that reruns this login.
pub fn login_command(profile: &str) -> String {
    if profile == "default" {
        "kubectl eksauth login".into()
    } else {
        format!("kubectl eksauth login --profile {profile}")
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

/// Opens `url` in a browser when this session has one; never waits for it.
fn open_browser(url: &str, env: &Env) -> bool {
    let cmd: Option<(String, Vec<String>)> = if let Some(b) = env.get("BROWSER") {
        Some((b, vec![url.into()]))
    } else if cfg!(target_os = "macos") {
        Some(("open".into(), vec![url.into()]))
    } else if cfg!(windows) {
        Some((
            "cmd".into(),
            vec!["/c".into(), "start".into(), String::new(), url.into()],
        ))
    } else if env.get("DISPLAY").is_some() || env.get("WAYLAND_DISPLAY").is_some() {
        Some(("xdg-open".into(), vec![url.into()]))
    } else {
        None
    };
    let Some((program, args)) = cmd else {
        return false;
    };
    std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

/// Logs in for `profile` (None: AWS_PROFILE, else default), talking to the
/// user on `tell`. Returns the cache file written.
pub async fn login(
    profile_flag: Option<&str>,
    env: &Env,
    no_browser: bool,
    tell: &mut dyn Write,
) -> Result<PathBuf> {
    let choice = profile::choose_profile(profile_flag, env);
    let profiles = Profiles::load(&choice.name).await?;
    let t = target(&profiles, &choice.name)?;
    let home = crate::aws::credentials::home_dir()
        .context("HOME is not set; the SSO cache lives under it")?;
    // The base configuration: timeouts, and the CA bundle (AWS_CA_BUNDLE / ca_bundle).
    let ca = crate::aws::tls::load(env, profiles.get(&choice.name))?;
    let sdk = crate::aws::sdk_base(&t.region, &choice, ca.as_ref()).await?;
    let client = aws_sdk_ssooidc::Client::new(&sdk);
    let now = OffsetDateTime::now_utc();
    let reg = crate::aws_session::bounded(
        "register a client with IAM Identity Center (SSO OIDC RegisterClient)",
        client
            .register_client()
            .client_name(format!("kubectl-eksauth-{}", now.unix_timestamp()))
            .client_type("public")
            .set_scopes((!t.scopes.is_empty()).then(|| t.scopes.clone()))
            .send(),
    )
    .await?;
    let client_id = reg.client_id().unwrap_or_default().to_string();
    let client_secret = Secret::new(reg.client_secret().unwrap_or_default());
    let dev = crate::aws_session::bounded(
        "start the device authorization (SSO OIDC StartDeviceAuthorization)",
        client
            .start_device_authorization()
            .client_id(&client_id)
            .client_secret(client_secret.expose())
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
    if !no_browser && open_browser(complete, env) {
        writeln!(tell, "(a browser was opened at that address)")?;
    }
    writeln!(tell, "Waiting for the approval...")?;
    let interval = match dev.interval() {
        i if i > 0 => Duration::from_secs(i as u64),
        _ => DEFAULT_INTERVAL,
    };
    let expires_in = Duration::from_secs(dev.expires_in().max(1) as u64);
    let poller = SdkPoller {
        client: &client,
        client_id: &client_id,
        client_secret: &client_secret,
        device_code: dev.device_code().unwrap_or_default(),
    };
    let grant = poll_for_token(
        &poller,
        &TokioSleeper,
        interval,
        expires_in,
        &login_command(&t.profile),
    )
    .await?;
    let now = OffsetDateTime::now_utc();
    let expires_at = now + grant.expires_in;
    let reg_expires = OffsetDateTime::from_unix_timestamp(reg.client_secret_expires_at())
        .unwrap_or(now + time::Duration::days(90));
    let path = write_cache(
        &home,
        &t,
        &CacheFile {
            start_url: &t.start_url,
            region: &t.region,
            access_token: &grant.access_token,
            expires_at: timestamp(expires_at),
            client_id: &client_id,
            client_secret: &client_secret,
            registration_expires_at: timestamp(reg_expires),
            refresh_token: grant.refresh_token.as_ref(),
        },
    )?;
    writeln!(
        tell,
        "Logged in; the session is valid until {} (shared with the AWS CLI in {})",
        timestamp(expires_at),
        path.display()
    )?;
    Ok(path)
}

/// Runs `login`: messages on stderr, nothing on stdout.
pub fn run(profile: Option<&str>, no_browser: bool, env: &Env) -> Result<()> {
    let rt = crate::runtime()?;
    let mut err = std::io::stderr().lock();
    rt.block_on(login(profile, env, no_browser, &mut err))
        .map(|_| ())
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
    fn polling_stops_once_the_code_lifetime_is_waited_out() {
        let p = Script(RefCell::new((0..10).map(|_| Poll::Pending).collect()));
        let r = Recorder::default();
        let e = block(poll_for_token(&p, &r, S(5), S(12), "x")).unwrap_err();
        assert_eq!(e, LoginError::Expired("x".into()));
        assert_eq!(r.0.borrow().len(), 3, "waited 15 s >= 12 s, then gave up");
    }
}
