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
use crate::aws::profile::{ProfileChoice, Profiles};
use crate::aws::sso::{self, SsoSessionState};
use crate::aws::sso_refresh;
use crate::platform::Hardware;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
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

fn build_chain(
    req: &CredentialRequest<'_>,
    imds: &Result<Duration, &'static str>,
) -> CredentialsProviderChain {
    let conf = ProviderConfig::without_region()
        .with_region(Some(Region::new(req.region.to_string())))
        .with_timeout_config(timeouts());
    let profile = ProfileFileCredentialsProvider::builder()
        .configure(&conf)
        .profile_name(req.profile.name.clone())
        .build();
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

/// Resolves credentials (assuming `role_arn` first when given), bounded by
/// [`RESOLVE_TIMEOUT`].
pub async fn resolve(req: &CredentialRequest<'_>) -> Result<Credentials, CredentialsFailure> {
    check_profile_exists(req.profile, req.profiles, req.env)?;
    match tokio::time::timeout(RESOLVE_TIMEOUT, resolve_unbounded(req)).await {
        Ok(r) => r,
        Err(_) => Err(CredentialsFailure::TimedOut(RESOLVE_TIMEOUT)),
    }
}

async fn resolve_unbounded(req: &CredentialRequest<'_>) -> Result<Credentials, CredentialsFailure> {
    let imds = imds_allowed(req.env, crate::platform::ec2_hardware());
    refresh_sso_session(req).await?;
    let chain = build_chain(req, &imds);
    let base = match chain.provide_credentials().await {
        Ok(c) => c,
        Err(e) => return Err(explain(req, &imds, e)),
    };
    check_not_expired(
        &base,
        req.now,
        &format!(" of profile {:?}", req.profile.name),
    )?;
    let Some(role) = req.role_arn else {
        return Ok(base);
    };
    let assume = AssumeRoleProvider::builder(role)
        .session_name(ROLE_SESSION_NAME)
        .region(Region::new(req.region.to_string()))
        .configure(req.sdk)
        .build_from_provider(aws_credential_types::provider::SharedCredentialsProvider::new(base))
        .await;
    let creds = assume
        .provide_credentials()
        .await
        .map_err(|e| explain_assume(role, e))?;
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
    let (Some(home), Some(session)) = (home_dir(), sso_session_of(req)) else {
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
            command: sso::login_command(&req.profile.name),
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

fn explain_assume(role: &str, e: CredentialsError) -> CredentialsFailure {
    let detail = DisplayErrorContext(&e).to_string();
    if detail.contains("ExpiredToken") {
        return CredentialsFailure::Expired {
            from: " used to assume the role".into(),
            at: String::new(),
        };
    }
    if detail.contains("AccessDenied") || detail.contains("not authorized") {
        return CredentialsFailure::AssumeRoleDenied {
            role: role.to_string(),
            detail: sdk_message(&detail),
        };
    }
    CredentialsFailure::Other {
        from: format!(" by assuming {role}"),
        detail: causes(&e),
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
        } else if let Some(last) = parts.last_mut() {
            if msg.len() > last.len() && msg.contains(last.as_str()) {
                *last = msg;
            }
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// The SDK's error chain is long; the service's own message is what helps.
fn sdk_message(detail: &str) -> String {
    match detail.find("message: Some(\"") {
        Some(i) => {
            let rest = &detail[i + 15..];
            rest.split('"').next().unwrap_or(rest).to_string()
        }
        None => detail.to_string(),
    }
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
        let command = sso::login_command(&req.profile.name);
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
                let detail = DisplayErrorContext(&e).to_string();
                if detail.contains("UnauthorizedException") {
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
    if detail.contains("ExpiredToken") || detail.contains("expired") {
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

/// The user's home folder (moved to the platform seam; kept here so the
/// callers of `credentials::home_dir` keep compiling).
pub use crate::platform::home_dir;

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
    fn sdk_message_keeps_the_service_words() {
        let d = r#"service error: unhandled error (AccessDenied): Error { code: Some("AccessDenied"), message: Some("User: arn:aws:iam::1:user/a is not authorized"), ... }"#;
        assert_eq!(
            sdk_message(d),
            "User: arn:aws:iam::1:user/a is not authorized"
        );
        assert_eq!(sdk_message("plain"), "plain");
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
}
