//! An AWS session for the commands that call AWS APIs (`setup`, `whoami`):
//! profile and region picked as the AWS CLI does, credentials resolved by
//! the same bounded chain as `token` (so failures read the same), and an SDK
//! configuration whose every call is bounded by timeouts. Endpoint overrides
//! (`AWS_ENDPOINT_URL_EKS`, `_IAM`, `_STS`) are the SDK's.

use crate::aws::Env;
use crate::aws::credentials::{self, CredentialRequest};
use crate::aws::mfa::MfaPrompt;
use crate::aws::profile::{self, ProfileChoice, Profiles};
use crate::cache::TokenCache;
use anyhow::Result;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::SdkConfig;
use std::future::Future;
use std::time::{Duration, SystemTime};

/// Bound on one AWS API call made by a command, retries included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// A ready-to-use session.
pub struct Session {
    pub sdk: SdkConfig,
    pub profile: ProfileChoice,
    pub region: String,
}

/// Why no region could be chosen.
#[derive(Debug, thiserror::Error)]
#[error(
    "no AWS region: pass --region (for example `--region us-west-2`), set AWS_REGION, \
     or add `region = us-west-2` to profile {0:?} in ~/.aws/config"
)]
pub struct NoRegion(pub String);

/// Opens a session; `fallback_region` is used when nothing names one.
pub async fn open(
    profile_flag: Option<&str>,
    region_flag: Option<&str>,
    env: &Env,
    fallback_region: Option<&str>,
) -> Result<Session> {
    let ask = MfaPrompt::Terminal;
    open_with(profile_flag, region_flag, env, fallback_region, None, ask).await
}

/// Like [`open`], assuming `role_arn` first when given (as an exec entry's
/// `--role-arn` does). It never asks for an MFA code (`why` must not wait
/// on the user): a role session cached by `token` is used, else the
/// failure is `mfa-required`.
pub async fn open_as(
    profile_flag: Option<&str>,
    region_flag: Option<&str>,
    env: &Env,
    fallback_region: Option<&str>,
    role_arn: Option<&str>,
) -> Result<Session> {
    let never = MfaPrompt::Never("kubectl eksauth why never waits for input");
    open_with(
        profile_flag,
        region_flag,
        env,
        fallback_region,
        role_arn,
        never,
    )
    .await
}

async fn open_with(
    profile_flag: Option<&str>,
    region_flag: Option<&str>,
    env: &Env,
    fallback_region: Option<&str>,
    role_arn: Option<&str>,
    mfa: MfaPrompt,
) -> Result<Session> {
    let choice = profile::choose_profile(profile_flag, env);
    let profiles = Profiles::load(&choice.name).await?;
    credentials::check_profile_exists(&choice, &profiles, env)?;
    let region = profile::choose_region(region_flag, env, profiles.get(&choice.name))
        .map(|r| r.region)
        .or_else(|| fallback_region.map(str::to_string))
        .ok_or_else(|| NoRegion(choice.name.clone()))?;
    let ca = crate::aws::tls::load(env, profiles.get(&choice.name))?;
    let base = crate::aws::sdk_base(&region, &choice, ca.as_ref()).await?;
    let cache = TokenCache::default_dir(
        env.get("KUBECACHEDIR").as_deref(),
        crate::platform::home_dir().as_deref(),
    )
    .map(TokenCache::new);
    let creds = credentials::resolve(&CredentialRequest {
        profile: &choice,
        profiles: &profiles,
        region: &region,
        role_arn,
        sdk: &base,
        env,
        now: SystemTime::now(),
        cache: cache.as_ref(),
        mfa,
    })
    .await?;
    let sdk = base
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .build();
    Ok(Session {
        sdk,
        profile: choice,
        region,
    })
}

/// Runs one AWS call bounded by [`CALL_TIMEOUT`]; `what` names it in errors.
pub async fn bounded<T, E, F>(what: &str, f: F) -> Result<T>
where
    F: Future<Output = Result<T, E>>,
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    match tokio::time::timeout(CALL_TIMEOUT, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(match (e.code(), e.message()) {
            (Some(code), Some(msg)) => anyhow::anyhow!("could not {what}: {code}: {msg}"),
            (Some(code), None) => anyhow::anyhow!("could not {what}: {code}"),
            _ => anyhow::anyhow!("could not {what}: {}", causes(&e)),
        }),
        Err(_) => Err(anyhow::anyhow!(
            "could not {what}: no answer within {}s; check the network and the endpoint",
            CALL_TIMEOUT.as_secs()
        )),
    }
}

/// An error's causes, outermost first, each said once.
pub fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    crate::aws::error_causes(e)
}
