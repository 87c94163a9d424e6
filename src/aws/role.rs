//! Role credentials: `role_arn` profiles (with `source_profile` or
//! `credential_source`) and `--role-arn`, assumed with STS AssumeRole here
//! rather than by the SDK's provider, for two reasons: the SDK cannot send
//! an MFA code (`mfa_serial`), and its result is not kept between runs.
//!
//! Each role session is cached privately beside the tokens (the token
//! cache's directory and writer: 0700 directory, 0600 files, atomic
//! replace), keyed without secrets: the role ARN, the session name as
//! configured, the source credentials' access key id, the MFA serial, the
//! external id, the duration and an STS endpoint override (not the region:
//! a session is valid everywhere, so `whoami` in another region fills the
//! cache `token` reads). A cached session is used
//! until [`ROLE_MARGIN`] before it expires, so a token miss does not call
//! AssumeRole (or ask for an MFA code) again; the token's expiry stays
//! capped by the session's (`token::expiration`). SSO profiles' role
//! credentials (GetRoleCredentials) are cached the same way
//! ([`sso_cache_key`]), so a token miss does not call the SSO portal either.

use crate::aws::credentials::{CredentialRequest, CredentialsFailure};
use crate::aws::mfa::{self, MfaPrompt};
use crate::aws::profile::Profiles;
use crate::cache::{CacheKey, TokenCache};
use crate::secret::Secret;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

/// A cached role session is used until this long before it expires: a
/// token signed with it then still lives at least 5 minutes (its expiry is
/// capped by the session's, so a shorter remainder would make kubectl rerun
/// the plugin every minute), while an MFA code is asked for again only in
/// the session's last 5 minutes.
pub const ROLE_MARGIN: Duration = Duration::from_secs(5 * 60);
/// Bumped when the cached format or the key's meaning changes.
const FORMAT_VERSION: u32 = 1;
/// Bound on the handshake that finds a rejected certificate's issuer.
const ISSUER_PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// Profiles that name each other as source deeper than this are a loop.
const MAX_CHAIN: usize = 5;

/// One AssumeRole to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    pub role_arn: String,
    /// `role_session_name`; None: one is generated per session.
    pub session_name: Option<String>,
    pub duration_seconds: Option<i32>,
    pub external_id: Option<String>,
    pub mfa_serial: Option<String>,
    /// The profile that names the role (for messages), if any.
    pub profile: Option<String>,
}

/// Where a role profile's source credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `source_profile = NAME` (another profile, resolved in turn).
    Profile(String),
    /// `source_profile` names the profile itself: its own static keys.
    OwnKeys,
    /// `credential_source = Environment | Ec2InstanceMetadata | EcsContainer`.
    CredentialSource(String),
}

/// A `role_arn` profile this module assumes (web identity profiles are
/// left to the SDK: they need no MFA and no source).
pub fn role_profile(profiles: &Profiles, name: &str) -> Option<(RoleSpec, Source)> {
    let p = profiles.get(name)?;
    let get = |k: &str| p.get(k).map(str::trim).filter(|v| !v.is_empty());
    let role_arn = get("role_arn")?;
    if get("web_identity_token_file").is_some() {
        return None;
    }
    let source = match (get("source_profile"), get("credential_source")) {
        (Some(s), _) if s == name => Source::OwnKeys,
        (Some(s), _) => Source::Profile(s.to_string()),
        (None, Some(c)) => Source::CredentialSource(c.to_string()),
        (None, None) => return None,
    };
    let spec = RoleSpec {
        role_arn: role_arn.to_string(),
        session_name: get("role_session_name").map(str::to_string),
        duration_seconds: get("duration_seconds").and_then(|d| d.parse().ok()),
        external_id: get("external_id").map(str::to_string),
        mfa_serial: get("mfa_serial").map(str::to_string),
        profile: Some(name.to_string()),
    };
    Some((spec, source))
}

/// The credentials of profile `name`, assuming its role here when it is a
/// role profile, else from the SDK's profile provider.
pub async fn profile_credentials(
    req: &CredentialRequest<'_>,
    name: &str,
    depth: usize,
) -> Result<Credentials, CredentialsFailure> {
    let Some((spec, source)) = role_profile(req.profiles, name) else {
        return crate::aws::credentials::sdk_profile_credentials(req, name).await;
    };
    if depth >= MAX_CHAIN {
        return Err(CredentialsFailure::Other {
            from: format!(" for profile {name:?}"),
            detail: format!("source_profile chains deeper than {MAX_CHAIN} profiles (a loop?)"),
        });
    }
    let base = match &source {
        Source::OwnKeys => own_keys(req.profiles, name)?,
        Source::Profile(next) => Box::pin(profile_credentials(req, next, depth + 1)).await?,
        Source::CredentialSource(kind) => {
            crate::aws::credentials::credential_source(req, kind).await?
        }
    };
    assume_cached(req, &base, &spec).await
}

fn own_keys(profiles: &Profiles, name: &str) -> Result<Credentials, CredentialsFailure> {
    let p = profiles.get(name);
    let get = |k: &str| p.and_then(|p| p.get(k)).filter(|v| !v.is_empty());
    match (get("aws_access_key_id"), get("aws_secret_access_key")) {
        (Some(id), Some(secret)) => Ok(Credentials::new(
            id,
            secret,
            get("aws_session_token").map(str::to_string),
            None,
            "ProfileKeys",
        )),
        _ => Err(CredentialsFailure::Other {
            from: format!(" for profile {name:?}"),
            detail: "source_profile names the profile itself, which has no \
                     aws_access_key_id and aws_secret_access_key"
                .into(),
        }),
    }
}

/// The cache key of a role session: never a secret. `sts_override` is an
/// STS endpoint override (a stand-in such as a simulator issues other
/// sessions); the region is not in the key: a session from any regional STS
/// endpoint is valid everywhere.
pub fn cache_key(spec: &RoleSpec, source_key_id: &str, sts_override: Option<&str>) -> CacheKey {
    let duration = spec.duration_seconds.map(|d| d.to_string());
    CacheKey::default()
        .with("kind", Some("role-credentials"))
        .with("role_arn", Some(&spec.role_arn))
        .with(
            "session_name",
            Some(spec.session_name.as_deref().unwrap_or("(generated)")),
        )
        .with("source_access_key_id", Some(source_key_id))
        .with("mfa_serial", spec.mfa_serial.as_deref())
        .with("external_id", spec.external_id.as_deref())
        .with("duration_seconds", duration.as_deref())
        .with("sts_endpoint_override", sts_override)
}

/// A role session as cached.
#[derive(Debug, Serialize, Deserialize)]
struct Cached {
    version: u32,
    key: CacheKey,
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    /// Unix seconds.
    expiration: i64,
}

impl Cached {
    fn credentials(&self) -> Credentials {
        Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key.expose(),
            Some(self.session_token.expose().to_string()),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(self.expiration.max(0) as u64)),
            "RoleCache",
        )
    }
}

/// A cached session for `key` with more than [`ROLE_MARGIN`] left at `now`.
fn lookup(cache: &TokenCache, key: &CacheKey, now: SystemTime) -> Option<Credentials> {
    let c: Cached = serde_json::from_slice(&cache.read_raw(key)?).ok()?;
    let now = now.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs() as i64;
    let fresh = c.expiration - now > ROLE_MARGIN.as_secs() as i64;
    (c.version == FORMAT_VERSION && &c.key == key && fresh).then(|| c.credentials())
}

fn store(cache: &TokenCache, key: &CacheKey, creds: &Credentials) {
    let Some(exp) = creds.expiry() else { return };
    let Ok(exp) = exp.duration_since(SystemTime::UNIX_EPOCH) else {
        return;
    };
    let c = Cached {
        version: FORMAT_VERSION,
        key: key.clone(),
        access_key_id: creds.access_key_id().to_string(),
        secret_access_key: Secret::new(creds.secret_access_key()),
        session_token: Secret::new(creds.session_token().unwrap_or_default()),
        expiration: exp.as_secs() as i64,
    };
    // A cache that cannot be written costs an AssumeRole, not correctness.
    if let Ok(bytes) = serde_json::to_vec(&c) {
        let _ = cache.write_raw(key, &bytes);
    }
}

/// The role session from the cache (under its lock), else assumed (asking
/// for the MFA code when the role needs one) and cached.
pub async fn assume_cached(
    req: &CredentialRequest<'_>,
    base: &Credentials,
    spec: &RoleSpec,
) -> Result<Credentials, CredentialsFailure> {
    let endpoint = sts_endpoint(req);
    let sts_override = crate::aws::endpoint::sts_override(req.sdk);
    let key = cache_key(spec, base.access_key_id(), sts_override.as_deref());
    // While one process waits on the user for an MFA code, the others wait
    // for its session rather than ask again.
    let wait = match spec.mfa_serial {
        Some(_) => mfa::MFA_WAIT + crate::aws::credentials::RESOLVE_TIMEOUT,
        None => crate::aws::credentials::RESOLVE_TIMEOUT,
    };
    cached_within(req, &key, wait, || async {
        let code = match &spec.mfa_serial {
            Some(serial) => Some(mfa_code(req, spec, serial).await?),
            None => None,
        };
        assume(req, base, spec, code.as_deref(), &endpoint).await
    })
    .await
}

/// Credentials for `key` from the cache (under its lock: concurrent calls
/// fetch once), else from `fetch`, then cached.
pub async fn cached<F, Fut>(
    req: &CredentialRequest<'_>,
    key: &CacheKey,
    fetch: F,
) -> Result<Credentials, CredentialsFailure>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Credentials, CredentialsFailure>>,
{
    cached_within(req, key, crate::aws::credentials::RESOLVE_TIMEOUT, fetch).await
}

/// [`cached`], waiting up to `wait` for another process's fetch.
async fn cached_within<F, Fut>(
    req: &CredentialRequest<'_>,
    key: &CacheKey,
    wait: Duration,
    fetch: F,
) -> Result<Credentials, CredentialsFailure>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Credentials, CredentialsFailure>>,
{
    let _lock = match req.cache {
        Some(c) => Some(c.lock_within(key, wait).await),
        None => None,
    };
    if let Some(hit) = req.cache.and_then(|c| lookup(c, key, req.now)) {
        return Ok(hit);
    }
    let creds = fetch().await?;
    if let Some(c) = req.cache {
        store(c, key, &creds);
    }
    Ok(creds)
}

/// The cache key of an SSO profile's role credentials (what
/// GetRoleCredentials returns): the profile, account, role, SSO session or
/// start URL and portal endpoint; never the access token. None when `name`
/// is not itself an SSO role profile.
pub fn sso_cache_key(req: &CredentialRequest<'_>, name: &str) -> Option<CacheKey> {
    let p = req.profiles.get(name)?;
    let get = |k: &str| p.get(k).map(str::trim).filter(|v| !v.is_empty());
    let (account, role) = (get("sso_account_id")?, get("sso_role_name")?);
    let session = get("sso_session").or_else(|| get("sso_start_url"))?;
    let portal = req
        .env
        .get("AWS_ENDPOINT_URL_SSO")
        .or_else(|| req.env.get("AWS_ENDPOINT_URL"));
    Some(
        CacheKey::default()
            .with("kind", Some("sso-role-credentials"))
            .with("profile", Some(name))
            .with("sso_account_id", Some(account))
            .with("sso_role_name", Some(role))
            .with("sso_session", Some(session))
            .with("sso_endpoint", portal.as_deref()),
    )
}

async fn mfa_code(
    req: &CredentialRequest<'_>,
    spec: &RoleSpec,
    serial: &str,
) -> Result<String, CredentialsFailure> {
    let refuse = |reason: String| CredentialsFailure::MfaRequired {
        profile: spec.profile.clone().unwrap_or_default(),
        role: spec.role_arn.clone(),
        serial: serial.to_string(),
        reason,
    };
    match &req.mfa {
        MfaPrompt::Never(why) => Err(refuse(why.to_string())),
        MfaPrompt::Terminal => mfa::ask(serial).await.map_err(refuse),
    }
}

/// The STS endpoint AssumeRole goes to (for the key and for messages).
fn sts_endpoint(req: &CredentialRequest<'_>) -> String {
    crate::aws::endpoint::sts_override(req.sdk)
        .unwrap_or_else(|| format!("https://sts.{}.amazonaws.com", req.region))
}

async fn assume(
    req: &CredentialRequest<'_>,
    base: &Credentials,
    spec: &RoleSpec,
    code: Option<&str>,
    endpoint: &str,
) -> Result<Credentials, CredentialsFailure> {
    let conf = aws_sdk_sts::config::Builder::from(req.sdk)
        .credentials_provider(SharedCredentialsProvider::new(base.clone()))
        .region(aws_types::region::Region::new(req.region.to_string()))
        .build();
    let client = aws_sdk_sts::Client::from_conf(conf);
    let session = spec.session_name.clone().unwrap_or_else(|| {
        let secs = req
            .now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        format!("eksauth-{secs}")
    });
    let op = client
        .assume_role()
        .role_arn(&spec.role_arn)
        .role_session_name(session)
        .set_duration_seconds(spec.duration_seconds)
        .set_external_id(spec.external_id.clone())
        .set_serial_number(code.and(spec.mfa_serial.clone()))
        .set_token_code(code.map(str::to_string));
    let out = match tokio::time::timeout(crate::aws::credentials::RESOLVE_TIMEOUT, op.send()).await
    {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(name_issuer(explain(spec, endpoint, &e)).await),
        Err(_) => {
            return Err(CredentialsFailure::TimedOut(
                crate::aws::credentials::RESOLVE_TIMEOUT,
            ));
        }
    };
    let c = out.credentials().ok_or_else(|| CredentialsFailure::Other {
        from: format!(" by assuming {}", spec.role_arn),
        detail: "STS answered without credentials".into(),
    })?;
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        SystemTime::try_from(*c.expiration()).ok(),
        "AssumeRole",
    ))
}

/// A TLS verification failure names who issued the certificate (one more
/// handshake, bounded; the SDK's error does not say).
pub async fn name_issuer(f: CredentialsFailure) -> CredentialsFailure {
    match f {
        CredentialsFailure::TlsUntrusted { endpoint, detail } => {
            let issuer = crate::aws::tls::probe_issuer(&endpoint, None, ISSUER_PROBE_TIMEOUT).await;
            let detail = match issuer {
                Some(i) => format!("{detail} (the certificate was issued by {i})"),
                None => detail,
            };
            CredentialsFailure::TlsUntrusted { endpoint, detail }
        }
        other => other,
    }
}

/// AssumeRole's failure in one paragraph: the service's code and message,
/// or the transport's causes; never the SDK's Debug dump.
fn explain<E>(spec: &RoleSpec, endpoint: &str, e: &E) -> CredentialsFailure
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    let role = spec.role_arn.clone();
    match (e.code(), e.message()) {
        (Some("AccessDenied"), Some(m)) if m.contains("MultiFactorAuthentication") => {
            CredentialsFailure::AssumeRoleDenied {
                role,
                detail: format!("{m} (the MFA code was wrong or already used; try the next one)"),
            }
        }
        (Some("AccessDenied"), m) => CredentialsFailure::AssumeRoleDenied {
            role,
            detail: m.unwrap_or("AccessDenied").to_string(),
        },
        (Some("ExpiredToken"), _) => CredentialsFailure::Expired {
            from: " used to assume the role".into(),
            at: String::new(),
        },
        (Some(code), m) => CredentialsFailure::Other {
            from: format!(" by assuming {role}"),
            detail: format!("STS answered {code}: {}", m.unwrap_or("")),
        },
        (None, _) => {
            let detail = crate::aws::error_causes(e);
            if crate::aws::tls::is_verification_failure(&detail) {
                return CredentialsFailure::TlsUntrusted {
                    endpoint: endpoint.to_string(),
                    detail,
                };
            }
            CredentialsFailure::Other {
                from: format!(" by assuming {role}"),
                detail,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profiles(text: &str) -> Profiles {
        use aws_runtime::env_config::file::EnvConfigFiles;
        use aws_types::os_shim_internal::{Env as SdkEnv, Fs};
        let fs = Fs::from_slice(&[("/c", text)]);
        let env = SdkEnv::from_slice(&[("AWS_CONFIG_FILE", "/c"), ("HOME", "/nonexistent")]);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let set = rt
            .block_on(aws_config::profile::load(
                &fs,
                &env,
                &EnvConfigFiles::default(),
                None,
            ))
            .unwrap();
        Profiles::from_set(set)
    }

    const CONFIG: &str = "[profile mfa]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\n\
        mfa_serial = arn:aws:iam::1:mfa/me\nduration_seconds = 7200\n\
        [profile self]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = self\n\
        aws_access_key_id = AKIA1\naws_secret_access_key = s\n\
        [profile ec2]\nrole_arn = arn:aws:iam::1:role/R\ncredential_source = Ec2InstanceMetadata\n\
        [profile wi]\nrole_arn = arn:aws:iam::1:role/R\nweb_identity_token_file = /t\n\
        [profile base]\naws_access_key_id = AKIA2\naws_secret_access_key = s\n";

    #[test]
    fn role_profiles_are_read_with_their_source_and_mfa() {
        let p = profiles(CONFIG);
        let (spec, source) = role_profile(&p, "mfa").unwrap();
        assert_eq!(source, Source::Profile("base".into()));
        assert_eq!(spec.mfa_serial.as_deref(), Some("arn:aws:iam::1:mfa/me"));
        assert_eq!(spec.duration_seconds, Some(7200));
        assert_eq!(role_profile(&p, "self").unwrap().1, Source::OwnKeys);
        assert_eq!(
            role_profile(&p, "ec2").unwrap().1,
            Source::CredentialSource("Ec2InstanceMetadata".into())
        );
        assert!(role_profile(&p, "wi").is_none(), "web identity: the SDK's");
        assert!(role_profile(&p, "base").is_none(), "no role");
        assert_eq!(own_keys(&p, "self").unwrap().access_key_id(), "AKIA1");
    }

    #[test]
    fn the_cache_key_separates_what_changes_the_session_and_holds_no_secret() {
        let p = profiles(CONFIG);
        let (spec, _) = role_profile(&p, "mfa").unwrap();
        let k = cache_key(&spec, "AKIA2", None);
        let other_source = cache_key(&spec, "AKIA3", None);
        let no_mfa = RoleSpec {
            mfa_serial: None,
            ..spec.clone()
        };
        assert_ne!(k, other_source);
        assert_ne!(k, cache_key(&no_mfa, "AKIA2", None));
        assert_ne!(k, cache_key(&spec, "AKIA2", Some("http://127.0.0.1:1")));
        let json = serde_json::to_string(&k).unwrap();
        assert!(json.contains("arn:aws:iam::1:mfa/me") && !json.contains("\"s\""));
    }

    #[test]
    fn a_cached_session_is_used_until_the_margin() {
        let d = tempfile::tempdir().unwrap();
        let cache = TokenCache::new(d.path().join("eksauth"));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let key = CacheKey::default().with("role_arn", Some("arn:aws:iam::1:role/R"));
        let creds = Credentials::new(
            "ASIA1",
            "secret",
            Some("session".into()),
            Some(now + Duration::from_secs(3600)),
            "t",
        );
        store(&cache, &key, &creds);
        let hit = lookup(&cache, &key, now).expect("fresh");
        assert_eq!(
            (
                hit.access_key_id(),
                hit.secret_access_key(),
                hit.session_token()
            ),
            ("ASIA1", "secret", Some("session"))
        );
        assert_eq!(hit.expiry(), creds.expiry());
        let late = now + Duration::from_secs(3600) - ROLE_MARGIN;
        assert!(lookup(&cache, &key, late).is_none(), "inside the margin");
        let other = CacheKey::default().with("role_arn", Some("arn:aws:iam::1:role/S"));
        assert!(lookup(&cache, &other, now).is_none());
    }
}
