//! `kubectl-eksauth token`: the credential plugin.
//!
//! Wires the pieces in the order kubectl needs them: read the exec info,
//! pick profile and region, look in the cache (no network on a hit), else
//! resolve credentials, presign, cache, and print one ExecCredential. The
//! pieces themselves (protocol, presigning, cache, AWS resolution) live in
//! their own modules; this one owns only the order and the expiry rule.
//! In an interactive exec call with a missing or expired SSO session it runs
//! the SSO login first (see [`crate::aws::sso_login`]).

pub mod presign;

use crate::aws::credentials::{self, CredentialRequest};
use crate::aws::mfa::MfaPrompt;
use crate::aws::profile::{self, Profiles};
use crate::aws::sso_login;
use crate::aws::{Env, endpoint, tls};
use crate::cache::{CacheKey, Entry, SignedWith, TokenCache};
use crate::exec_credential;
use crate::secret::Secret;
use anyhow::{Context, Result};
use std::io::Write;
use std::time::SystemTime;
use time::OffsetDateTime;

use crate::domain::partition::partition;
use crate::domain::token::{MIN_REPORTED_LIFETIME, TOKEN_REPORTED_LIFETIME};

/// The token command's inputs (from the command line).
#[derive(Debug, Clone, Default)]
pub struct TokenArgs {
    pub cluster_name: String,
    pub cluster_id: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub no_cache: bool,
}

/// A usage problem of the token command (exit 1, with the fix).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "no AWS region for cluster {cluster:?}: pass --region (for example `--region us-west-2`), \
         set AWS_REGION, or add `region = us-west-2` to profile {profile:?} in ~/.aws/config"
    )]
    RegionMissing { cluster: String, profile: String },
}

/// The expirationTimestamp to report: 14 minutes after signing, or when
/// the credentials expire if that is sooner, never under 60 s from now.
pub fn expiration(
    signed_at: OffsetDateTime,
    creds_expiry: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> OffsetDateTime {
    let mut exp = signed_at + TOKEN_REPORTED_LIFETIME;
    if let Some(c) = creds_expiry {
        exp = exp.min(c);
    }
    exp.max(now + MIN_REPORTED_LIFETIME)
}

/// Environment variables that change which STS endpoint is signed for.
const ENDPOINT_VARS: [&str; 5] = [
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
];

/// What makes two token requests interchangeable, computed without any
/// network or SDK set-up so that a cache hit costs a stat and a read. Never
/// a secret: the access key id stands for environment credentials, the
/// profile name plus the config files' size and time for profile ones (an
/// edit of either file is a miss).
pub fn cache_key(
    args: &TokenArgs,
    region: &str,
    profile: &profile::ProfileChoice,
    env: &Env,
) -> CacheKey {
    let env_key = (!profile.from_flag)
        .then(|| env.get("AWS_ACCESS_KEY_ID"))
        .flatten();
    let mut key = CacheKey::default()
        .with("cluster", Some(&args.cluster_name))
        .with("cluster_id", args.cluster_id.as_deref())
        .with("region", Some(region))
        .with("partition", Some(partition(region)))
        .with("profile", Some(&profile.name))
        .with("role_arn", args.role_arn.as_deref())
        .with("env_access_key_id", env_key.as_deref())
        .with("web_identity_role", env.get("AWS_ROLE_ARN").as_deref());
    for var in ENDPOINT_VARS {
        key = key.with(var, env.get(var).as_deref());
    }
    // The files the SDK reads: under its home, which on Windows may differ
    // from the user's profile folder.
    let home = crate::platform::aws_home();
    let config = env
        .get("AWS_CONFIG_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".aws").join("config")));
    let creds = env
        .get("AWS_SHARED_CREDENTIALS_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".aws").join("credentials")));
    key.with("config_file", config.as_deref().map(file_stamp).as_deref())
        .with(
            "credentials_file",
            creds.as_deref().map(file_stamp).as_deref(),
        )
}

/// A file's path, size and modification time (or "absent").
fn file_stamp(path: &std::path::Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) => {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .unwrap_or_default();
            format!("{} {} {}", path.display(), m.len(), mtime.as_nanos())
        }
        Err(_) => format!("{} absent", path.display()),
    }
}

/// Runs the token command, writing the ExecCredential to `out`.
///
/// A cache hit for a region given by flag or environment (what kubeconfigs
/// written by `setup` do) is served before any async runtime, SDK or config
/// file is touched: this is the path that runs before every kubectl call.
pub fn run(args: &TokenArgs, env: &Env, out: &mut dyn Write) -> Result<()> {
    let info = exec_credential::read_exec_info(env.get("KUBERNETES_EXEC_INFO").as_deref())?;
    let choice = profile::choose_profile(args.profile.as_deref(), env);
    let cache = (!args.no_cache)
        .then(|| {
            TokenCache::default_dir(
                env.get("KUBECACHEDIR").as_deref(),
                crate::platform::home_dir().as_deref(),
            )
        })
        .flatten()
        .map(TokenCache::new);
    let secrets = EnvSecrets::of(&choice, env);
    if let (Some(c), Some(r)) = (
        &cache,
        profile::choose_region(args.region.as_deref(), env, None),
    ) && let Some(hit) = c.get(
        &cache_key(args, &r.region, &choice, env),
        secrets.signed_with(),
        OffsetDateTime::now_utc(),
        MIN_REPORTED_LIFETIME,
    ) {
        return emit(out, info.api_version, &hit.token, hit.expires_at());
    }
    let rt = crate::rt::runtime()?;
    let mfa = mfa_prompt(env.get("KUBERNETES_EXEC_INFO").is_some(), info.interactive);
    let get = || obtain(args, env, &choice, cache.as_ref(), &secrets, &mfa);
    let (token, exp) = match rt.block_on(get()) {
        Err(e) if needs_sso_login(&e) && can_prompt(info.interactive) => {
            // kubectl handed us the user's terminal: log in, then go on.
            let mut tell = std::io::stderr().lock();
            rt.block_on(sso_login::login(
                args.profile.as_deref(),
                env,
                sso_login::LoginOptions::default(),
                &mut tell,
            ))?;
            rt.block_on(get())?
        }
        r => r?,
    };
    emit(out, info.api_version, &token, exp)
}

/// Whether an MFA code may be asked for: when kubectl says the call is
/// interactive, or when a person runs the command by hand (no exec info);
/// the prompt itself then needs a terminal.
fn mfa_prompt(exec_info_given: bool, interactive: bool) -> MfaPrompt {
    if exec_info_given && !interactive {
        MfaPrompt::Never(
            "kubectl did not hand the terminal over (KUBERNETES_EXEC_INFO says interactive: \
             false: the exec entry's interactiveMode is Never, or kubectl itself has no terminal)",
        )
    } else {
        MfaPrompt::Terminal
    }
}

/// True when the failure is a missing or expired SSO session.
fn needs_sso_login(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<credentials::CredentialsFailure>(),
        Some(
            credentials::CredentialsFailure::SsoSessionMissing { .. }
                | credentials::CredentialsFailure::SsoSessionExpired { .. }
                | credentials::CredentialsFailure::SsoSessionRejected { .. }
        )
    )
}

/// A login may prompt only when kubectl says the call is interactive and
/// stdin really is a terminal; otherwise the error (with its fix) stands.
fn can_prompt(interactive: bool) -> bool {
    use std::io::IsTerminal;
    interactive && std::io::stdin().is_terminal()
}

/// The environment's secret key and session token when they sign the
/// token (environment credentials, no `--profile`): the cache keeps a salted
/// hash of them, so fixing a mistyped key is a miss.
struct EnvSecrets {
    secret_key: Option<Secret>,
    session_token: Option<Secret>,
}

impl EnvSecrets {
    fn of(choice: &profile::ProfileChoice, env: &Env) -> Self {
        let used = !choice.from_flag && env.get("AWS_ACCESS_KEY_ID").is_some();
        let get = |k| used.then(|| env.get(k)).flatten().map(Secret::new);
        EnvSecrets {
            secret_key: get("AWS_SECRET_ACCESS_KEY"),
            session_token: get("AWS_SESSION_TOKEN"),
        }
    }

    fn signed_with(&self) -> SignedWith<'_> {
        SignedWith {
            secret_key: self.secret_key.as_ref(),
            session_token: self.session_token.as_ref(),
        }
    }
}

/// The token from the cache (under its lock) or fetched and cached. A
/// failure while others wait on the lock is left for them to share.
async fn obtain(
    args: &TokenArgs,
    env: &Env,
    choice: &profile::ProfileChoice,
    cache: Option<&TokenCache>,
    secrets: &EnvSecrets,
    mfa: &MfaPrompt,
) -> Result<(Secret, OffsetDateTime)> {
    let profiles = load_profiles(choice, env).await?;
    let region = profile::choose_region(args.region.as_deref(), env, profiles.get(&choice.name))
        .ok_or_else(|| TokenError::RegionMissing {
            cluster: args.cluster_name.clone(),
            profile: choice.name.clone(),
        })?
        .region;
    let key = cache_key(args, &region, choice, env);
    let Some(c) = cache else {
        return fetch(args, env, choice, &profiles, &region, (None, mfa)).await;
    };
    let lock = c.lock(&key).await;
    let now = OffsetDateTime::now_utc();
    if let Some(hit) = c.get(&key, secrets.signed_with(), now, MIN_REPORTED_LIFETIME) {
        return Ok((hit.token.clone(), hit.expires_at()));
    }
    if let Some(error) = lock.shared_failure() {
        anyhow::bail!("{error} (the same failure as a concurrent kubectl-eksauth token call)");
    }
    match fetch(args, env, choice, &profiles, &region, (cache, mfa)).await {
        Ok((token, exp)) => {
            // A cache that cannot be written costs speed, not correctness.
            let _ = c.put(&Entry::new(key, token.clone(), exp, secrets.signed_with()));
            Ok((token, exp))
        }
        Err(e) => {
            lock.record_failure(&format!("{e:#}"));
            Err(e)
        }
    }
}

async fn load_profiles(choice: &profile::ProfileChoice, env: &Env) -> Result<Profiles> {
    let profiles = Profiles::load(&choice.name).await?;
    credentials::check_profile_exists(choice, &profiles, env)?;
    Ok(profiles)
}

/// The miss path: SDK configuration, STS endpoint, credentials, signature.
async fn fetch(
    args: &TokenArgs,
    env: &Env,
    choice: &profile::ProfileChoice,
    profiles: &Profiles,
    region: &str,
    (cache, mfa): (Option<&TokenCache>, &MfaPrompt),
) -> Result<(Secret, OffsetDateTime)> {
    let ca = tls::load(env, profiles.get(&choice.name))?;
    let sdk = crate::aws::sdk_base(region, choice, ca.as_ref()).await?;
    let override_url = endpoint::sts_override(&sdk);
    let sts = endpoint::sts_endpoint(
        region,
        override_url.as_deref(),
        sdk.use_fips().unwrap_or(false),
        sdk.use_dual_stack().unwrap_or(false),
    )
    .await?;
    let req = CredentialRequest {
        profile: choice,
        profiles,
        region,
        role_arn: args.role_arn.as_deref(),
        sdk: &sdk,
        env,
        now: SystemTime::now(),
        cache,
        mfa: mfa.clone(),
    };
    let creds = credentials::resolve(&req).await?;
    let signed_at = SystemTime::now();
    let token = presign::presign_token(&presign::PresignInput {
        credentials: &creds,
        region,
        endpoint: &sts,
        cluster_id: args.cluster_id.as_deref().unwrap_or(&args.cluster_name),
        time: signed_at,
    })?;
    let signed = OffsetDateTime::from(signed_at)
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::from(signed_at));
    let exp = expiration(
        signed,
        creds.expiry().map(OffsetDateTime::from),
        OffsetDateTime::now_utc(),
    );
    Ok((token, exp))
}

fn emit(out: &mut dyn Write, api_version: &str, token: &Secret, exp: OffsetDateTime) -> Result<()> {
    writeln!(out, "{}", exec_credential::render(api_version, token, exp))
        .context("could not write the ExecCredential")?;
    out.flush().context("could not write the ExecCredential")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

    #[test]
    fn expiration_is_14_minutes_after_signing() {
        assert_eq!(expiration(T0, None, T0), datetime!(2026-01-01 00:14:00 UTC));
    }

    #[test]
    fn expiration_is_capped_by_credentials_expiring_sooner() {
        let creds = datetime!(2026-01-01 00:05:00 UTC);
        assert_eq!(expiration(T0, Some(creds), T0), creds);
        let later = datetime!(2026-01-01 02:00:00 UTC);
        assert_eq!(
            expiration(T0, Some(later), T0),
            datetime!(2026-01-01 00:14:00 UTC)
        );
    }

    #[test]
    fn expiration_is_never_under_60_seconds_ahead() {
        let creds = datetime!(2026-01-01 00:00:20 UTC);
        assert_eq!(
            expiration(T0, Some(creds), T0),
            datetime!(2026-01-01 00:01:00 UTC)
        );
    }

    #[test]
    fn mfa_is_asked_only_when_kubectl_allows_or_a_person_runs_it() {
        assert_eq!(
            mfa_prompt(true, true),
            MfaPrompt::Terminal,
            "interactive exec"
        );
        assert_eq!(mfa_prompt(false, false), MfaPrompt::Terminal, "run by hand");
        assert!(
            matches!(mfa_prompt(true, false), MfaPrompt::Never(why) if why.contains("interactive: false")),
            "kubectl said no"
        );
    }

    #[test]
    fn cache_key_separates_profiles_and_access_keys_and_ignores_secrets() {
        let args = TokenArgs {
            cluster_name: "demo".into(),
            ..Default::default()
        };
        let prof = |n: &str| profile::ProfileChoice {
            name: n.into(),
            explicit: true,
            from_flag: false,
        };
        let env_a = Env::from_pairs(&[
            ("AWS_ACCESS_KEY_ID", "AKIAA"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET-A"),
        ]);
        let env_b = Env::from_pairs(&[
            ("AWS_ACCESS_KEY_ID", "AKIAB"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET-A"),
        ]);
        let k = |p: &str, e: &Env| cache_key(&args, "us-west-2", &prof(p), e);
        assert_ne!(k("a", &env_a), k("b", &env_a), "profiles differ");
        assert_ne!(k("a", &env_a), k("a", &env_b), "access keys differ");
        assert_eq!(k("a", &env_a), k("a", &env_a));
        let json = serde_json::to_string(&k("a", &env_a)).unwrap();
        assert!(!json.contains("SECRET"), "{json}");
    }
}
