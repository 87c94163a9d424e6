//! Resolving AWS credentials for a token: the standard chain, built so that
//! it cannot stall, with failures named in the user's terms.
//!
//! aws-config does the resolving (environment, profiles with SSO, assume-role
//! and `credential_process`, web identity, container, EC2). This module picks
//! the providers in the AWS CLI's order, keeps the EC2 metadata service out
//! of the chain unless this is an EC2 instance (so an unconfigured laptop
//! fails at once instead of waiting on 169.254.169.254), bounds every step
//! with a timeout, and turns the SDK's errors into [`CredentialsFailure`]s
//! that say what to run.

use crate::aws::Env;
use crate::aws::credential_process::BoundedProcess;
use crate::aws::mfa::MfaPrompt;
use crate::aws::profile::{ProfileChoice, Profiles};
use crate::aws::sso::{self, SsoSessionState};
use crate::aws::sso_refresh;
use crate::cache::TokenCache;
use crate::platform::Hardware;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;
use std::time::{Duration, SystemTime};
use time::OffsetDateTime;

/// The session name `aws eks get-token --role-arn` uses; CloudTrail and
/// aws-auth `{{SessionName}}` templates see it, so it must not differ.
pub const ROLE_SESSION_NAME: &str = "EKSGetTokenAuth";
/// Bound on resolving credentials end to end (SSO, AssumeRole, a
/// `credential_process` that hangs): kubectl itself gives up around here.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connecting to an AWS endpoint: long enough for a slow network, short
/// enough that a blackholed one is reported while the user still waits.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// One AWS call (SSO GetRoleCredentials, STS AssumeRole), retries included.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(15);
/// The metadata service answers in milliseconds on EC2; anything slower
/// means it is not there.
const IMDS_TIMEOUT: Duration = Duration::from_millis(800);
/// Connecting to the metadata service where the hardware cannot tell
/// (macOS, Windows): an instance accepts at once, and elsewhere the
/// address is unrouted, so a short wait keeps the whole probe sub-second.
const IMDS_PROBE_CONNECT_TIMEOUT: Duration = Duration::from_millis(250);

/// The SDK timeouts every AWS call of the token path uses.
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(OPERATION_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// Why no usable credentials came back. Each message is a paragraph that
/// ends with what to do.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsFailure {
    #[error(
        "the AWS profile {name:?} (from {origin}) is not defined in {files}; defined profiles: {available}. \
         Fix the name, or create it with `aws configure --profile {name}`"
    )]
    ProfileNotFound {
        name: String,
        origin: &'static str,
        files: String,
        available: String,
    },
    #[error(
        "profile {profile:?} uses IAM Identity Center (SSO) and there is no SSO session for it \
         (no cached login{where_}). Log in with `{command}` (or `kubectl eksauth login --profile \
         {profile}`), then retry"
    )]
    SsoSessionMissing {
        profile: String,
        where_: String,
        command: String,
    },
    #[error(
        "the IAM Identity Center (SSO) session of profile {profile:?} expired at {at}{why}. \
         Log in again with `kubectl eksauth login --profile {profile}` (or `{command}`), then retry"
    )]
    SsoSessionExpired {
        profile: String,
        at: String,
        /// Why it was not refreshed (empty, or "; " and the reason).
        why: String,
        command: String,
    },
    #[error(
        "the IAM Identity Center (SSO) session of profile {profile:?} has expired or was revoked: \
         the SSO portal refused its access token ({detail}). Log in again with \
         `kubectl eksauth login --profile {profile}` (or `{command}`), then retry"
    )]
    SsoSessionRejected {
        profile: String,
        detail: String,
        command: String,
    },
    #[error(
        "no AWS credentials found (profile {profile:?}). Tried: {tried}. \
         Configure credentials with `aws configure`, log in with `aws sso login --profile NAME`, \
         or point AWS_PROFILE at a profile that has them"
    )]
    NoCredentials { profile: String, tried: String },
    #[error(
        "could not assume role {role}: {detail}. The role's trust policy must allow the caller \
         sts:AssumeRole, and the caller needs sts:AssumeRole on the role; check the ARN \
         and `aws sts get-caller-identity`"
    )]
    AssumeRoleDenied { role: String, detail: String },
    #[error(
        "the AWS credentials{from} have expired{at}. Refresh them (`aws sso login`, rerun your \
         credential helper, or export new keys), then retry"
    )]
    Expired { from: String, at: String },
    #[error("could not get AWS credentials{from}: {detail}")]
    Other { from: String, detail: String },
    #[error(
        "getting AWS credentials took longer than {0:?}; check the network and the credential source of the profile"
    )]
    TimedOut(Duration),
    #[error(
        "profile {profile:?} assumes role {role} with MFA (mfa_serial {serial}), and the MFA code \
         cannot be asked for: {reason}. Run kubectl in a terminal with the exec entry's \
         interactiveMode IfAvailable (the default) or Always, or run `kubectl eksauth whoami \
         --profile {profile}` in a terminal once: the code is asked once per role session and \
         the role's credentials are cached until shortly before they expire"
    )]
    MfaRequired {
        profile: String,
        role: String,
        serial: String,
        reason: String,
    },
    #[error(
        "TLS to the AWS endpoint {endpoint} failed certificate verification: {detail}. Behind a \
         proxy that inspects TLS, set AWS_CA_BUNDLE (or ca_bundle in the profile) to the file \
         of the proxy's CA certificate, then retry"
    )]
    TlsUntrusted { endpoint: String, detail: String },
}

/// What a token needs credentials for.
pub struct CredentialRequest<'a> {
    pub profile: &'a ProfileChoice,
    pub profiles: &'a Profiles,
    pub region: &'a str,
    pub role_arn: Option<&'a str>,
    pub sdk: &'a SdkConfig,
    pub env: &'a Env,
    pub now: SystemTime,
    /// Where role sessions are cached (the token cache); None: not cached.
    pub cache: Option<&'a TokenCache>,
    /// Whether an MFA code may be asked for on the terminal.
    pub mfa: MfaPrompt,
}

/// Fails early, without any network, when the named profile does not exist.
pub fn check_profile_exists(
    p: &ProfileChoice,
    profiles: &Profiles,
    env: &Env,
) -> Result<(), CredentialsFailure> {
    if !p.explicit || profiles.get(&p.name).is_some() {
        return Ok(());
    }
    // AWS_PROFILE naming a missing profile is harmless when static keys in
    // the environment win anyway (the SDK's and the CLI's order).
    if !p.from_flag && env_has_keys(env) {
        return Ok(());
    }
    let names = profiles.names();
    Err(CredentialsFailure::ProfileNotFound {
        name: p.name.clone(),
        origin: if p.from_flag {
            "--profile"
        } else {
            "AWS_PROFILE"
        },
        files: config_files(env),
        available: if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        },
    })
}

fn env_has_keys(env: &Env) -> bool {
    env.get("AWS_ACCESS_KEY_ID").is_some() && env.get("AWS_SECRET_ACCESS_KEY").is_some()
}

fn config_files(env: &Env) -> String {
    let config = env
        .get("AWS_CONFIG_FILE")
        .unwrap_or_else(|| "~/.aws/config".into());
    let creds = env
        .get("AWS_SHARED_CREDENTIALS_FILE")
        .unwrap_or_else(|| "~/.aws/credentials".into());
    format!("{config} or {creds}")
}

/// Whether the EC2 metadata service may be asked (with which connect
/// timeout), and if not, why. It is asked last, after every other source.
pub fn imds_allowed(env: &Env, hardware: Hardware) -> Result<Duration, &'static str> {
    if env
        .get("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Err("disabled by AWS_EC2_METADATA_DISABLED");
    }
    if env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT").is_some() {
        return Ok(IMDS_TIMEOUT);
    }
    match hardware {
        Hardware::Ec2 => Ok(IMDS_TIMEOUT),
        Hardware::Unknown => Ok(IMDS_PROBE_CONNECT_TIMEOUT),
        Hardware::NotEc2 => Err("skipped: this is not an EC2 instance"),
    }
}

/// The providers' configuration: region, timeouts, and the SDK
/// configuration's HTTP client (which trusts the CA bundle, if any).
fn provider_config(req: &CredentialRequest<'_>) -> ProviderConfig {
    let conf = ProviderConfig::without_region()
        .with_region(Some(Region::new(req.region.to_string())))
        .with_timeout_config(timeouts());
    match req.sdk.http_client() {
        Some(http) => conf.with_http_client(http),
        None => conf,
    }
}

fn build_chain(
    req: &CredentialRequest<'_>,
    imds: &Result<Duration, &'static str>,
) -> CredentialsProviderChain {
    let conf = provider_config(req);
    let profile = match own_credential_process(req) {
        Some(command) => SharedCredentialsProvider::new(BoundedProcess::new(command)),
        None => SharedCredentialsProvider::new(
            ProfileFileCredentialsProvider::builder()
                .configure(&conf)
                .profile_name(req.profile.name.clone())
                .build(),
        ),
    };
    if req.profile.from_flag {
        // `--profile` beats environment keys, as in the AWS CLI.
        return CredentialsProviderChain::first_try("Profile", profile);
    }
    let mut chain = CredentialsProviderChain::first_try(
        "Environment",
        EnvironmentVariableCredentialsProvider::new(),
    )
    .or_else("Profile", profile)
    .or_else(
        "WebIdentityToken",
        WebIdentityTokenCredentialsProvider::builder()
            .configure(&conf)
            .build(),
    )
    .or_else(
        "EcsContainer",
        aws_config::ecs::EcsCredentialsProvider::builder()
            .configure(&conf)
            .build(),
    );
    if let Ok(connect_timeout) = imds {
        let client = aws_config::imds::Client::builder()
            .configure(&conf)
            .connect_timeout(*connect_timeout)
            .read_timeout(IMDS_TIMEOUT)
            .max_attempts(1)
            .build();
        let provider = aws_config::imds::credentials::ImdsCredentialsProvider::builder()
            .configure(&conf)
            .imds_client(client)
            .build();
        chain = chain.or_else("Ec2InstanceMetadata", provider);
    }
    chain
}

/// The profile's own `credential_process`, when that is where its
/// credentials come from (no role, keys, SSO or web identity beside it):
/// run by [`BoundedProcess`], which stops a process that hangs or prints
/// without end, with its children.
fn own_credential_process<'a>(req: &CredentialRequest<'a>) -> Option<&'a str> {
    let p = req.profiles.get(&req.profile.name)?;
    let others = [
        "role_arn",
        "aws_access_key_id",
        "sso_session",
        "sso_start_url",
        "web_identity_token_file",
        "credential_source",
    ];
    if others.iter().any(|k| p.get(k).is_some()) {
        return None;
    }
    p.get("credential_process").filter(|c| !c.trim().is_empty())
}

/// Resolves credentials (assuming `role_arn` first when given). The chain
/// is bounded by [`RESOLVE_TIMEOUT`]; a role profile's steps are each
/// bounded, and the MFA prompt by [`crate::aws::mfa::MFA_WAIT`].
pub async fn resolve(req: &CredentialRequest<'_>) -> Result<Credentials, CredentialsFailure> {
    check_profile_exists(req.profile, req.profiles, req.env)?;
    refresh_sso_session(req).await?;
    let sso_key = uses_profile(req)
        .then(|| crate::aws::role::sso_cache_key(req, &req.profile.name))
        .flatten();
    let base = if uses_role_profile(req) {
        crate::aws::role::profile_credentials(req, &req.profile.name, 0).await?
    } else if let Some(key) = sso_key {
        crate::aws::role::cached(req, &key, || resolve_chain_bounded(req)).await?
    } else {
        resolve_chain_bounded(req).await?
    };
    check_not_expired(
        &base,
        req.now,
        &format!(" of profile {:?}", req.profile.name),
    )?;
    let Some(role) = req.role_arn else {
        return Ok(base);
    };
    let spec = crate::aws::role::RoleSpec {
        role_arn: role.to_string(),
        session_name: Some(ROLE_SESSION_NAME.to_string()),
        duration_seconds: None,
        external_id: None,
        mfa_serial: None,
        profile: Some(req.profile.name.clone()),
    };
    let creds = crate::aws::role::assume_cached(req, &base, &spec).await?;
    check_not_expired(&creds, req.now, " of the assumed role")?;
    Ok(creds)
}

/// Refreshes the access token of an `sso_session` profile the chain will
/// use (see [`sso_refresh`]); an expired one that could not be refreshed is
/// an expired session, named with the reason.
async fn refresh_sso_session(req: &CredentialRequest<'_>) -> Result<(), CredentialsFailure> {
    if !req.profile.from_flag && env_has_keys(req.env) {
        return Ok(());
    }
    let (Some(home), Some(session)) = (crate::platform::home_dir(), sso_session_of(req)) else {
        return Ok(());
    };
    match sso_refresh::ensure_fresh(&home, &session).await {
        sso_refresh::Outcome::Failed {
            expired: true,
            expires_at,
            why,
        } => Err(CredentialsFailure::SsoSessionExpired {
            profile: req.profile.name.clone(),
            at: expires_at,
            why: format!("; {why}"),
            command: crate::domain::sso::login_command(&req.profile.name),
        }),
        _ => Ok(()),
    }
}

/// The `sso_session` behind the request's profile, when it has one.
fn sso_session_of(req: &CredentialRequest<'_>) -> Option<sso_refresh::Session> {
    let s = sso::sso_profile(req.profiles, &req.profile.name)?;
    let name = s.session?;
    Some(sso_refresh::Session {
        region: req.profiles.sso_session_get(&name, "sso_region")?,
        start_url: s.start_url?,
        name,
    })
}

/// True when the chain would use the chosen profile: environment keys win
/// over a profile named by `AWS_PROFILE`, not over `--profile`.
fn uses_profile(req: &CredentialRequest<'_>) -> bool {
    req.profile.from_flag || !env_has_keys(req.env)
}

/// True when the chosen profile is a `role_arn` profile the chain would use.
fn uses_role_profile(req: &CredentialRequest<'_>) -> bool {
    uses_profile(req) && crate::aws::role::role_profile(req.profiles, &req.profile.name).is_some()
}

async fn resolve_chain_bounded(
    req: &CredentialRequest<'_>,
) -> Result<Credentials, CredentialsFailure> {
    match tokio::time::timeout(RESOLVE_TIMEOUT, resolve_chain(req)).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(f)) => Err(crate::aws::role::name_issuer(f).await),
        Err(_) => Err(CredentialsFailure::TimedOut(RESOLVE_TIMEOUT)),
    }
}

async fn resolve_chain(req: &CredentialRequest<'_>) -> Result<Credentials, CredentialsFailure> {
    let imds = imds_allowed(req.env, crate::platform::ec2_hardware());
    let chain = build_chain(req, &imds);
    chain
        .provide_credentials()
        .await
        .map_err(|e| explain(req, &imds, e))
}

/// Profile `name`'s credentials as the SDK resolves them (static keys, SSO,
/// `credential_process`), bounded by [`RESOLVE_TIMEOUT`].
pub async fn sdk_profile_credentials(
    req: &CredentialRequest<'_>,
    name: &str,
) -> Result<Credentials, CredentialsFailure> {
    let provider = ProfileFileCredentialsProvider::builder()
        .configure(&provider_config(req))
        .profile_name(name)
        .build();
    let imds = Err("not used by a source profile");
    let fetch = || async {
        match tokio::time::timeout(RESOLVE_TIMEOUT, provider.provide_credentials()).await {
            Ok(r) => r.map_err(|e| explain(req, &imds, e)),
            Err(_) => Err(CredentialsFailure::TimedOut(RESOLVE_TIMEOUT)),
        }
    };
    match crate::aws::role::sso_cache_key(req, name) {
        Some(key) => crate::aws::role::cached(req, &key, fetch).await,
        None => fetch().await,
    }
}

/// A role profile's `credential_source`, bounded by [`RESOLVE_TIMEOUT`].
pub async fn credential_source(
    req: &CredentialRequest<'_>,
    kind: &str,
) -> Result<Credentials, CredentialsFailure> {
    let conf = provider_config(req);
    let imds = Err("not used");
    let provider: aws_credential_types::provider::SharedCredentialsProvider = match kind {
        "Environment" => aws_credential_types::provider::SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ),
        "EcsContainer" => aws_credential_types::provider::SharedCredentialsProvider::new(
            aws_config::ecs::EcsCredentialsProvider::builder()
                .configure(&conf)
                .build(),
        ),
        "Ec2InstanceMetadata" => aws_credential_types::provider::SharedCredentialsProvider::new(
            aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                .configure(&conf)
                .build(),
        ),
        other => {
            return Err(CredentialsFailure::Other {
                from: format!(" for profile {:?}", req.profile.name),
                detail: format!(
                    "credential_source {other:?} is not one of Environment, Ec2InstanceMetadata, EcsContainer"
                ),
            });
        }
    };
    match tokio::time::timeout(RESOLVE_TIMEOUT, provider.provide_credentials()).await {
        Ok(r) => r.map_err(|e| explain(req, &imds, e)),
        Err(_) => Err(CredentialsFailure::TimedOut(RESOLVE_TIMEOUT)),
    }
}

fn check_not_expired(
    c: &Credentials,
    now: SystemTime,
    what: &str,
) -> Result<(), CredentialsFailure> {
    match c.expiry() {
        Some(exp) if exp <= now => Err(CredentialsFailure::Expired {
            from: what.to_string(),
            at: format!(
                " at {}",
                crate::exec_credential::format_timestamp(OffsetDateTime::from(exp))
            ),
        }),
        _ => Ok(()),
    }
}

/// Whether the credentials were refused as expired: by the service's code
/// when an AWS call failed (STS `ExpiredToken` and `RequestExpired`, the
/// `ExpiredTokenException` of web identity and SSO OIDC); aws-config's own
/// errors have no code and say it in their text ("the SSO token has
/// expired").
fn refused_as_expired(e: &CredentialsError) -> bool {
    match crate::aws::service_code(e) {
        Some(code) => code.starts_with("ExpiredToken") || code == "RequestExpired",
        None => causes(e).contains("expired"),
    }
}

/// The causes of an SDK error, outermost first, each said once, without the
/// Debug dump that `DisplayErrorContext` appends.
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![];
    let mut cur = Some(e);
    while let Some(err) = cur {
        let msg = err.to_string();
        if !msg.is_empty()
            && !parts
                .iter()
                .any(|p| p.contains(&msg) || msg.contains(p.as_str()))
        {
            parts.push(msg);
        } else if let Some(last) = parts.last_mut()
            && msg.len() > last.len()
            && msg.contains(last.as_str())
        {
            *last = msg;
        }
        cur = err.source();
    }
    parts.join(": ")
}

fn explain(
    req: &CredentialRequest<'_>,
    imds: &Result<Duration, &'static str>,
    e: CredentialsError,
) -> CredentialsFailure {
    let home = crate::platform::aws_home();
    if let (Some(home), Some(s)) = (
        home.as_ref(),
        sso::sso_profile(req.profiles, &req.profile.name),
    ) {
        let command = crate::domain::sso::login_command(&req.profile.name);
        match sso::session_state(home, &s, OffsetDateTime::from(req.now)) {
            SsoSessionState::Missing => {
                return CredentialsFailure::SsoSessionMissing {
                    profile: req.profile.name.clone(),
                    where_: String::new(),
                    command,
                };
            }
            SsoSessionState::Expired(at) => {
                return CredentialsFailure::SsoSessionExpired {
                    profile: req.profile.name.clone(),
                    at: crate::exec_credential::format_timestamp(at),
                    why: match s.session {
                        None => "; a legacy profile (sso_start_url without sso_session) cannot be refreshed".into(),
                        Some(_) => String::new(),
                    },
                    command,
                };
            }
            SsoSessionState::Valid(_) => {
                if crate::aws::service_code(&e).as_deref() == Some("UnauthorizedException") {
                    return CredentialsFailure::SsoSessionRejected {
                        profile: req.profile.name.clone(),
                        detail: "UnauthorizedException from GetRoleCredentials".into(),
                        command,
                    };
                }
            }
        }
    }
    let detail = DisplayErrorContext(&e).to_string();
    if matches!(e, CredentialsError::CredentialsNotLoaded(_)) {
        let mut tried = vec![
            "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)".to_string(),
            format!(
                "profile {:?} in {}",
                req.profile.name,
                config_files(req.env)
            ),
        ];
        if !req.profile.from_flag {
            tried.push("web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)".into());
            tried.push(
                "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI)".into(),
            );
            tried.push(match imds {
                Ok(_) => "EC2 instance metadata (no answer)".into(),
                Err(why) => format!("EC2 instance metadata ({why})"),
            });
        }
        return CredentialsFailure::NoCredentials {
            profile: req.profile.name.clone(),
            tried: tried.join("; "),
        };
    }
    if crate::aws::tls::is_verification_failure(&detail) {
        return CredentialsFailure::TlsUntrusted {
            endpoint: sso_portal(req)
                .unwrap_or_else(|| format!("used by profile {:?}", req.profile.name)),
            detail: causes(&e),
        };
    }
    if refused_as_expired(&e) {
        return CredentialsFailure::Expired {
            from: format!(" of profile {:?}", req.profile.name),
            at: String::new(),
        };
    }
    CredentialsFailure::Other {
        from: format!(" for profile {:?}", req.profile.name),
        detail: causes(&e),
    }
}

/// The SSO portal an SSO profile's credentials come from (the override,
/// else the `sso_region`'s portal), for messages.
fn sso_portal(req: &CredentialRequest<'_>) -> Option<String> {
    let s = sso::sso_profile(req.profiles, &req.profile.name)?;
    if let Some(o) = req
        .env
        .get("AWS_ENDPOINT_URL_SSO")
        .or_else(|| req.env.get("AWS_ENDPOINT_URL"))
    {
        return Some(o);
    }
    let region = match &s.session {
        Some(session) => req.profiles.sso_session_get(session, "sso_region"),
        None => req
            .profiles
            .get(&s.profile)
            .and_then(|p| p.get("sso_region"))
            .map(str::to_string),
    }?;
    Some(format!("https://portal.sso.{region}.amazonaws.com"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imds_only_on_ec2_or_probed_briefly_where_the_hardware_cannot_tell() {
        let none = Env::from_pairs(&[]);
        let endpoint =
            Env::from_pairs(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1")]);
        let cases: [(&str, &Env, Hardware, Option<Duration>); 4] = [
            ("linux laptop", &none, Hardware::NotEc2, None),
            ("linux ec2", &none, Hardware::Ec2, Some(IMDS_TIMEOUT)),
            (
                "macos or windows",
                &none,
                Hardware::Unknown,
                Some(IMDS_PROBE_CONNECT_TIMEOUT),
            ),
            (
                "explicit endpoint",
                &endpoint,
                Hardware::NotEc2,
                Some(IMDS_TIMEOUT),
            ),
        ];
        for (name, env, hw, want) in cases {
            assert_eq!(imds_allowed(env, hw).ok(), want, "{name}");
        }
        assert!(IMDS_PROBE_CONNECT_TIMEOUT < Duration::from_millis(500));
        let disabled = Env::from_pairs(&[("AWS_EC2_METADATA_DISABLED", "TRUE")]);
        for hw in [Hardware::Ec2, Hardware::Unknown] {
            assert!(imds_allowed(&disabled, hw).is_err());
        }
    }

    #[test]
    fn expired_credentials_are_refused_locally() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let old = Credentials::new(
            "ASIA1",
            "s",
            Some("t".into()),
            Some(now - Duration::from_secs(1)),
            "test",
        );
        assert!(matches!(
            check_not_expired(&old, now, ""),
            Err(CredentialsFailure::Expired { .. })
        ));
        let fresh = Credentials::new(
            "ASIA1",
            "s",
            None,
            Some(now + Duration::from_secs(600)),
            "test",
        );
        assert!(check_not_expired(&fresh, now, "").is_ok());
    }

    fn service_error<E: std::error::Error + Send + Sync + 'static>(err: E) -> CredentialsError {
        use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
        use aws_smithy_runtime_api::client::result::SdkError;
        let raw = HttpResponse::new(
            403.try_into().unwrap(),
            aws_smithy_types::body::SdkBody::empty(),
        );
        CredentialsError::provider_error(SdkError::service_error(err, raw))
    }

    fn meta(code: &str, message: &str) -> aws_smithy_types::error::ErrorMetadata {
        aws_smithy_types::error::ErrorMetadata::builder()
            .code(code)
            .message(message)
            .build()
    }

    #[test]
    fn sdk_errors_are_told_apart_by_their_code_through_the_provider_error() {
        use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
        use aws_sdk_sts::operation::assume_role::AssumeRoleError;
        let sso = service_error(GetRoleCredentialsError::generic(meta(
            "UnauthorizedException",
            "Session token not found or invalid",
        )));
        assert_eq!(
            crate::aws::service_code(&sso).as_deref(),
            Some("UnauthorizedException")
        );
        assert!(!refused_as_expired(&sso));
        let sts = service_error(AssumeRoleError::generic(meta(
            "ExpiredToken",
            "The security token included in the request is expired",
        )));
        assert_eq!(
            crate::aws::service_code(&sts).as_deref(),
            Some("ExpiredToken")
        );
        assert!(refused_as_expired(&sts));
    }

    #[test]
    fn errors_without_a_code_are_told_by_their_text() {
        let sso_token =
            CredentialsError::provider_error("the SSO token has expired and cannot be refreshed");
        assert_eq!(crate::aws::service_code(&sso_token), None);
        assert!(refused_as_expired(&sso_token));
        let refused = CredentialsError::provider_error("connection refused");
        assert!(!refused_as_expired(&refused));
    }
}
