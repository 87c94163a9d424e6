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
use crate::aws::profile::{ProfileChoice, Profiles};
use crate::aws::sso::{self, SsoSessionState};
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;
use std::path::PathBuf;
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
        "the IAM Identity Center (SSO) session of profile {profile:?} expired at {at}. \
         Log in again with `{command}` (or `kubectl eksauth login --profile {profile}`), then retry"
    )]
    SsoSessionExpired {
        profile: String,
        at: String,
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

/// Whether the EC2 metadata service may be asked, and if not, why.
pub fn imds_allowed(
    env: &Env,
    dmi_vendor: Option<&str>,
    dmi_asset_tag: Option<&str>,
) -> Result<(), &'static str> {
    if env
        .get("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Err("disabled by AWS_EC2_METADATA_DISABLED");
    }
    if env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT").is_some() {
        return Ok(());
    }
    let vendor = dmi_vendor.unwrap_or("").trim();
    let asset = dmi_asset_tag.unwrap_or("").trim();
    if vendor.contains("Amazon EC2") || asset.starts_with("i-") {
        Ok(())
    } else {
        Err("skipped: this is not an EC2 instance")
    }
}

fn read_dmi(name: &str) -> Option<String> {
    std::fs::read_to_string(format!("/sys/devices/virtual/dmi/id/{name}")).ok()
}

fn build_chain(
    req: &CredentialRequest<'_>,
    imds: &Result<(), &'static str>,
) -> CredentialsProviderChain {
    let conf = ProviderConfig::without_region()
        .with_region(Some(Region::new(req.region.to_string())))
        .with_timeout_config(timeouts());
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
    if imds.is_ok() {
        let client = aws_config::imds::Client::builder()
            .configure(&conf)
            .connect_timeout(IMDS_TIMEOUT)
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
    let imds = imds_allowed(
        req.env,
        read_dmi("sys_vendor").as_deref(),
        read_dmi("board_asset_tag").as_deref(),
    );
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
    imds: &Result<(), &'static str>,
    e: CredentialsError,
) -> CredentialsFailure {
    let home = home_dir();
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
                    command,
                };
            }
            SsoSessionState::Valid(_) => {}
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
                Ok(()) => "EC2 instance metadata (no answer)".into(),
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

/// `$HOME`, where the AWS CLI keeps `~/.aws/sso/cache`.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imds_only_on_ec2_and_never_when_disabled() {
        let none = Env::from_pairs(&[]);
        let cases: [(&str, &Env, Option<&str>, Option<&str>, bool); 5] = [
            ("laptop", &none, Some("LENOVO"), None, false),
            ("no dmi at all", &none, None, None, false),
            ("xen ec2", &none, Some("Amazon EC2"), None, true),
            (
                "nitro asset tag",
                &none,
                Some("Amazon"),
                Some("i-0123456789abcdef0"),
                true,
            ),
            (
                "explicit endpoint",
                &Env::from_pairs(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1")]),
                None,
                None,
                true,
            ),
        ];
        for (name, env, vendor, tag, want) in cases {
            assert_eq!(imds_allowed(env, vendor, tag).is_ok(), want, "{name}");
        }
        let disabled = Env::from_pairs(&[("AWS_EC2_METADATA_DISABLED", "TRUE")]);
        assert!(imds_allowed(&disabled, Some("Amazon EC2"), None).is_err());
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
