//! Silent refresh of an `sso_session` profile's access token, as the AWS
//! CLI v2 does it (`SSOTokenProvider._refresh_access_token`), but under the
//! session's lock so that concurrent `token` runs refresh once.
//!
//! When the cached access token has less than 15 minutes left and the cache
//! holds a refresh token and a live client registration, SSO OIDC
//! CreateToken (grant `refresh_token`) gets a new one, and the cache file is
//! rewritten in the AWS CLI's format (with the rotated refresh token). The
//! cache is read again after the lock is taken: a process that waited finds
//! the token its predecessor wrote and calls nothing. This runs before the
//! SDK's credential chain sees the profile, so the SDK (whose own refresh
//! neither locks nor starts before the last 5 minutes) finds a fresh token.

use crate::aws::sso_cache::{self, LockError, REFRESH_WINDOW, SessionLock, TokenFile};
use crate::secret::Secret;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;

/// How long a refresh waits for another process's refresh of the same
/// session: one CreateToken call, bounded well under this.
pub const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(30);

/// The session a profile uses: what the refresh needs.
#[derive(Debug, Clone)]
pub struct Session {
    pub name: String,
    pub start_url: String,
    pub region: String,
}

/// Why an expired token cannot be refreshed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotRefreshable {
    /// The cache holds no refresh token or client (a device-code login of
    /// an older tool, or a legacy profile).
    NoRefreshToken,
    /// The client registration the refresh token belongs to has expired.
    RegistrationExpired(String),
}

impl std::fmt::Display for NotRefreshable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotRefreshable::NoRefreshToken => {
                f.write_str("it cannot be refreshed: the cache holds no refresh token")
            }
            NotRefreshable::RegistrationExpired(at) => write!(
                f,
                "it cannot be refreshed: its client registration expired at {at}"
            ),
        }
    }
}

/// What the cached token calls for at `now` (pure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// 15 minutes or more left: use it.
    Fresh,
    /// Refresh it.
    Refresh,
    /// Under 15 minutes left and no way to refresh.
    Stuck(NotRefreshable),
}

/// The AWS CLI's rule: refresh under 15 minutes, with a refresh token, a
/// client and a registration that has not expired.
pub fn plan(t: &TokenFile, now: OffsetDateTime) -> Plan {
    if t.expires().is_some_and(|e| e - now >= REFRESH_WINDOW) {
        return Plan::Fresh;
    }
    if t.refresh_token.is_none() || t.client_id.is_none() || t.client_secret.is_none() {
        return Plan::Stuck(NotRefreshable::NoRefreshToken);
    }
    match t.registration_expires() {
        Some(r) if r > now => Plan::Refresh,
        _ => Plan::Stuck(NotRefreshable::RegistrationExpired(
            t.registration_expires_at.clone().unwrap_or_default(),
        )),
    }
}

/// How the refresh ended.
#[derive(Debug)]
pub enum Outcome {
    /// No cached token at all (never logged in).
    Missing,
    /// The token has 15 minutes or more (perhaps just refreshed by another).
    Fresh,
    /// Refreshed now.
    Refreshed,
    /// Not refreshed; `expired` when the old token is past its expiry.
    Failed {
        expired: bool,
        expires_at: String,
        why: String,
    },
}

/// Refreshes the session's token if it needs it and can be refreshed.
pub async fn ensure_fresh(home: &Path, s: &Session) -> Outcome {
    let path = sso_cache::token_path(home, &s.name);
    let Some(first) = read(&path) else {
        return Outcome::Missing;
    };
    if plan(&first, OffsetDateTime::now_utc()) == Plan::Fresh {
        return Outcome::Fresh;
    }
    let _lock = match SessionLock::acquire(&path, REFRESH_LOCK_WAIT) {
        Ok(l) => l,
        Err(e @ LockError::TimedOut(_)) | Err(e @ LockError::Io(_)) => {
            return failed(&first, e.to_string());
        }
    };
    // Another process may have refreshed while this one waited.
    let Some(token) = read(&path) else {
        return Outcome::Missing;
    };
    let now = OffsetDateTime::now_utc();
    match plan(&token, now) {
        Plan::Fresh => Outcome::Fresh,
        Plan::Stuck(why) => failed(&token, why.to_string()),
        Plan::Refresh => refresh(&path, s, token, now).await,
    }
}

fn read(path: &Path) -> Option<TokenFile> {
    sso_cache::read_json::<TokenFile>(path).ok().flatten()
}

fn failed(t: &TokenFile, why: String) -> Outcome {
    Outcome::Failed {
        expired: t.expires().is_none_or(|e| e <= OffsetDateTime::now_utc()),
        expires_at: t.expires_at.clone(),
        why,
    }
}

async fn refresh(path: &Path, s: &Session, mut token: TokenFile, now: OffsetDateTime) -> Outcome {
    let client = oidc_client(&s.region).await;
    let (Some(id), Some(secret), Some(refresh)) = (
        token.client_id.clone(),
        token.client_secret.clone(),
        token.refresh_token.clone(),
    ) else {
        return failed(&token, NotRefreshable::NoRefreshToken.to_string());
    };
    let call = client
        .create_token()
        .grant_type("refresh_token")
        .client_id(id)
        .client_secret(secret.expose())
        .refresh_token(refresh.expose())
        .send();
    let out = match tokio::time::timeout(crate::aws_session::CALL_TIMEOUT, call).await {
        Err(_) => {
            return failed(
                &token,
                "the refresh (SSO OIDC CreateToken) timed out".into(),
            );
        }
        Ok(Err(e)) => {
            let why = match e.code() {
                Some(code) => format!(
                    "the refresh was refused ({code}: {})",
                    e.message().unwrap_or("")
                ),
                None => format!("the refresh failed: {}", crate::aws_session::causes(&e)),
            };
            return failed(&token, why);
        }
        Ok(Ok(out)) => out,
    };
    let Some(access) = out.access_token() else {
        return failed(&token, "the refresh returned no access token".into());
    };
    let expires = now + time::Duration::seconds(out.expires_in().into());
    token.access_token = Secret::new(access);
    token.expires_at = sso_cache::format_time(expires);
    if let Some(rotated) = out.refresh_token() {
        token.refresh_token = Some(Secret::new(rotated));
    }
    token.start_url = Some(s.start_url.clone());
    token.region = Some(s.region.clone());
    match sso_cache::write_json(path, &token) {
        Ok(()) => Outcome::Refreshed,
        Err(e) => failed(
            &token,
            format!("the refreshed token could not be saved: {e:#}"),
        ),
    }
}

/// An SSO OIDC client for `region` (unsigned; endpoint overrides such as
/// `AWS_ENDPOINT_URL_SSO_OIDC` apply), with the token path's timeouts.
pub async fn oidc_client(region: &str) -> aws_sdk_ssooidc::Client {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new(region.to_string()))
        .timeout_config(crate::aws::credentials::timeouts())
        .no_credentials()
        .load()
        .await;
    aws_sdk_ssooidc::Client::new(&sdk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

    fn token(expires: &str, refresh: bool, reg: Option<&str>) -> TokenFile {
        let mut v = serde_json::json!({"accessToken": "a", "expiresAt": expires});
        if refresh {
            v["refreshToken"] = "r".into();
            v["clientId"] = "c".into();
            v["clientSecret"] = "s".into();
        }
        if let Some(r) = reg {
            v["registrationExpiresAt"] = r.into();
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn refresh_plan_follows_the_aws_cli() {
        let reg = Some("2026-08-01T00:00:00Z");
        let cases = [
            (
                "an_hour_left_is_fresh",
                token("2026-06-01T13:00:00Z", true, reg),
                Plan::Fresh,
            ),
            (
                "ten_minutes_left_is_refreshed",
                token("2026-06-01T12:10:00Z", true, reg),
                Plan::Refresh,
            ),
            (
                "expired_is_refreshed",
                token("2026-06-01T11:00:00Z", true, reg),
                Plan::Refresh,
            ),
            (
                "no_refresh_token_is_stuck",
                token("2026-06-01T11:00:00Z", false, reg),
                Plan::Stuck(NotRefreshable::NoRefreshToken),
            ),
            (
                "expired_registration_is_stuck",
                token("2026-06-01T11:00:00Z", true, Some("2026-06-01T11:30:00Z")),
                Plan::Stuck(NotRefreshable::RegistrationExpired(
                    "2026-06-01T11:30:00Z".into(),
                )),
            ),
            (
                "missing_registration_expiry_is_stuck",
                token("2026-06-01T11:00:00Z", true, None),
                Plan::Stuck(NotRefreshable::RegistrationExpired(String::new())),
            ),
        ];
        for (name, t, want) in cases {
            assert_eq!(plan(&t, NOW), want, "{name}");
        }
    }
}
