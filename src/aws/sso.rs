//! IAM Identity Center (SSO) session state, as the AWS CLI caches it.
//!
//! The SDK reads and refreshes the SSO token itself; this module only looks
//! at the cache when something failed, to say *why* in the user's terms
//! ("never logged in", "session expired at ...") and name the command that
//! fixes it. It never keeps the access token: only whether the file exists,
//! when it expires, and whether it can be refreshed.

use crate::aws::profile::Profiles;
use serde::Deserialize;
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// How deep a `source_profile` chain is followed looking for an SSO profile.
const MAX_SOURCE_DEPTH: usize = 8;

/// The SSO configuration a profile (or its source profile) uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoProfile {
    /// The profile that carries the SSO settings.
    pub profile: String,
    /// `sso_session` name, for the newer configuration style.
    pub session: Option<String>,
    /// The start URL (from the session section or the legacy key).
    pub start_url: Option<String>,
}

impl SsoProfile {
    /// What the cache file name is the SHA-1 of: the session name, or the
    /// start URL for legacy profiles.
    pub fn cache_identifier(&self) -> Option<&str> {
        self.session.as_deref().or(self.start_url.as_deref())
    }
}

/// Finds the SSO settings behind `profile`, following `source_profile`.
pub fn sso_profile(profiles: &Profiles, profile: &str) -> Option<SsoProfile> {
    let mut name = profile.to_string();
    for _ in 0..MAX_SOURCE_DEPTH {
        let p = profiles.get(&name)?;
        if let Some(session) = p.get("sso_session") {
            return Some(SsoProfile {
                profile: name.clone(),
                session: Some(session.to_string()),
                start_url: profiles.sso_session_get(session, "sso_start_url"),
            });
        }
        if let Some(url) = p.get("sso_start_url") {
            return Some(SsoProfile {
                profile: name.clone(),
                session: None,
                start_url: Some(url.into()),
            });
        }
        let next = p.get("source_profile")?;
        if next == name {
            return None;
        }
        name = next.to_string();
    }
    None
}

/// What the SSO token cache says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoSessionState {
    /// No cached token: the user never logged in (or logged out).
    Missing,
    /// The cached token expired at this time.
    Expired(OffsetDateTime),
    /// A cached token that is still valid until this time.
    Valid(OffsetDateTime),
}

#[derive(Deserialize)]
struct CacheFile {
    #[serde(rename = "expiresAt")]
    expires_at: String,
}

/// `~/.aws/sso/cache/<sha1 of identifier>.json`, where the AWS CLI and the SDKs keep it.
pub fn cache_path(home: &Path, identifier: &str) -> PathBuf {
    let digest = hex::encode(Sha1::digest(identifier.as_bytes()));
    home.join(".aws")
        .join("sso")
        .join("cache")
        .join(format!("{digest}.json"))
}

/// Reads the state of the cached session for `sso` at time `now`.
pub fn session_state(home: &Path, sso: &SsoProfile, now: OffsetDateTime) -> SsoSessionState {
    let Some(id) = sso.cache_identifier() else {
        return SsoSessionState::Missing;
    };
    // Bounded read; unreadable or not the format counts as no session.
    let Ok(Some(file)) = crate::aws::sso_cache::read_json::<CacheFile>(&cache_path(home, id))
    else {
        return SsoSessionState::Missing;
    };
    match crate::aws::sso_cache::parse_time(&file.expires_at) {
        Some(t) if t > now => SsoSessionState::Valid(t),
        Some(t) => SsoSessionState::Expired(t),
        None => SsoSessionState::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn sso(session: Option<&str>, url: Option<&str>) -> SsoProfile {
        SsoProfile {
            profile: "dev".into(),
            session: session.map(Into::into),
            start_url: url.map(Into::into),
        }
    }

    #[test]
    fn cache_file_is_named_by_the_sha1_of_the_session_name_or_start_url() {
        // The AWS CLI's documented example: sha1("my-sso") names the file.
        let p = cache_path(Path::new("/h"), "my-sso");
        assert_eq!(
            p,
            Path::new("/h/.aws/sso/cache")
                .join(format!("{}.json", hex::encode(Sha1::digest(b"my-sso"))))
        );
        assert_eq!(
            sso(Some("s"), Some("https://x")).cache_identifier(),
            Some("s")
        );
        assert_eq!(
            sso(None, Some("https://x")).cache_identifier(),
            Some("https://x")
        );
    }

    #[test]
    fn session_state_missing_expired_valid() {
        let home = tempfile::tempdir().unwrap();
        let s = sso(Some("corp"), Some("https://d-1.awsapps.com/start"));
        let now = datetime!(2026-06-01 12:00:00 UTC);
        assert_eq!(
            session_state(home.path(), &s, now),
            SsoSessionState::Missing
        );
        let path = cache_path(home.path(), "corp");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            r#"{"accessToken":"x","expiresAt":"2026-06-01T11:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            session_state(home.path(), &s, now),
            SsoSessionState::Expired(datetime!(2026-06-01 11:00:00 UTC))
        );
        std::fs::write(
            &path,
            r#"{"accessToken":"x","expiresAt":"2026-06-01T13:00:00UTC"}"#,
        )
        .unwrap();
        assert_eq!(
            session_state(home.path(), &s, now),
            SsoSessionState::Valid(datetime!(2026-06-01 13:00:00 UTC))
        );
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(
            session_state(home.path(), &s, now),
            SsoSessionState::Missing
        );
    }
}
