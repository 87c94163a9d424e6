//! The AWS CLI v2's IAM Identity Center caches, byte-compatible, so that
//! `aws sso login`, the SDKs and this plugin share one session.
//!
//! Two files live in `~/.aws/sso/cache`: the token, named by the SHA-1 of
//! the session name (or of the start URL for legacy profiles), and, for
//! `sso_session` profiles, the client registration, named by the SHA-1 of a
//! JSON document of tool, start URL, region, scopes and session name
//! (`BaseSSOTokenFetcher._registration_cache_key` in the AWS CLI v2). Both
//! are JSON with camelCase fields and timestamps as `YYYY-MM-DDTHH:MM:SSZ`.
//! Fields this plugin does not know are kept when it rewrites a file.
//!
//! This module also owns the per-session lock (a separate lock file beside
//! the token) that serialises logins and refreshes of one session across
//! processes. It never prints a token; secrets are [`Secret`]s from the
//! moment they are parsed.

use crate::secret::Secret;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// A cache file is a few hundred bytes; anything past this is not one.
const MAX_FILE_BYTES: u64 = 64 * 1024;
/// How often a waiting process retries a held lock.
const LOCK_POLL: Duration = Duration::from_millis(50);

/// The directory the AWS CLI and the SDKs keep SSO tokens in.
pub fn cache_dir(home: &Path) -> PathBuf {
    home.join(".aws").join("sso").join("cache")
}

/// The token file of `identifier` (session name, or start URL for legacy).
pub fn token_path(home: &Path, identifier: &str) -> PathBuf {
    cache_dir(home).join(format!("{}.json", sha1_hex(identifier.as_bytes())))
}

fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// The cached token, in the AWS CLI's field names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub access_token: Secret,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Whatever else another tool wrote (kept on rewrite).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl TokenFile {
    /// When the access token expires (None: unreadable time).
    pub fn expires(&self) -> Option<OffsetDateTime> {
        parse_time(&self.expires_at)
    }

    /// When the client registration expires.
    pub fn registration_expires(&self) -> Option<OffsetDateTime> {
        self.registration_expires_at.as_deref().and_then(parse_time)
    }
}

/// A cached client registration (`RegisterClient`'s answer).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationFile {
    pub client_id: String,
    pub client_secret: Secret,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl RegistrationFile {
    /// Usable for the authorization-code grant (the AWS CLI's test: a
    /// registration without `grantTypes` is a device-code one).
    pub fn is_for_auth_code(&self) -> bool {
        self.grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|t| t == "authorization_code"))
    }

    /// Still usable at `now`, with the AWS CLI's 15-minute margin.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        parse_time(&self.expires_at).is_some_and(|t| t - now >= REFRESH_WINDOW)
    }
}

/// The AWS CLI refreshes (and treats as expired) what has less than 15
/// minutes left (`SSOTokenProvider._REFRESH_WINDOW`).
pub const REFRESH_WINDOW: time::Duration = time::Duration::minutes(15);

/// What the registration file name is the SHA-1 of: Python's
/// `json.dumps(args, sort_keys=True)` of tool, startUrl, region, scopes and
/// session_name, with its default separators and ASCII escaping.
pub fn registration_key_document(
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session: Option<&str>,
) -> String {
    let scopes = match scopes {
        Some(s) => format!(
            "[{}]",
            s.iter().map(|x| py_str(x)).collect::<Vec<_>>().join(", ")
        ),
        None => "null".into(),
    };
    let session = session.map(py_str).unwrap_or_else(|| "null".into());
    format!(
        "{{\"region\": {}, \"scopes\": {scopes}, \"session_name\": {session}, \"startUrl\": {}, \"tool\": \"botocore\"}}",
        py_str(region),
        py_str(start_url)
    )
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii`).
fn py_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The registration file for these settings.
pub fn registration_path(
    home: &Path,
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session: Option<&str>,
) -> PathBuf {
    let doc = registration_key_document(start_url, region, scopes, session);
    cache_dir(home).join(format!("{}.json", sha1_hex(doc.as_bytes())))
}

/// The AWS CLI's timestamp form: `2026-01-01T00:00:00Z`.
pub fn format_time(t: OffsetDateTime) -> String {
    crate::exec_credential::format_timestamp(t)
}

/// Reads `2026-01-01T00:00:00Z`, `...UTC` (older CLIs) and RFC 3339 offsets.
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    let normalized = s
        .strip_suffix("UTC")
        .map(|p| format!("{p}Z"))
        .unwrap_or_else(|| s.to_string());
    OffsetDateTime::parse(&normalized, &Rfc3339).ok()
}

/// Reads a cache file: None when absent; an error when unreadable or not
/// the format (the caller says which file).
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("could not read {}", path.display()))?;
    if text.len() as u64 > MAX_FILE_BYTES {
        anyhow::bail!(
            "could not read {}: larger than {MAX_FILE_BYTES} bytes",
            path.display()
        );
    }
    serde_json::from_str(&text)
        .map(Some)
        .with_context(|| format!("could not parse {}", path.display()))
}

/// Writes `value` as JSON to `path` through the one private writer
/// ([`crate::fsio::write_private`]: 0600 from creation, synced, renamed), so
/// a reader (or an interrupted write) never sees half a file.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_vec(value).context("could not encode the SSO cache")?;
    crate::fsio::write_private(path, &text)
        .with_context(|| format!("could not write {}", path.display()))
}

fn private_options() -> OpenOptions {
    let mut opts = OpenOptions::new();
    opts.create(true).truncate(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .with_context(|| format!("could not create {}", dir.display()))
}

/// The lock of one SSO session: held while logging in or refreshing it.
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
    /// Another process held it when this one asked.
    pub waited: bool,
}

/// Why the session lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another login or refresh of this SSO session held its lock for over {0:?}")]
    TimedOut(Duration),
    #[error("could not lock the SSO session: {0}")]
    Io(#[from] std::io::Error),
}

impl SessionLock {
    /// Takes the lock of the session whose token lives at `token_path`
    /// (`<token file>.eksauth-lock` beside it), waiting up to `wait`.
    pub fn acquire(token_path: &Path, wait: Duration) -> Result<SessionLock, LockError> {
        if let Some(dir) = token_path.parent() {
            create_private_dir(dir).map_err(|e| LockError::Io(std::io::Error::other(e)))?;
        }
        let mut name = token_path.as_os_str().to_owned();
        name.push(".eksauth-lock");
        let mut opts = private_options();
        opts.truncate(false);
        let file = opts.open(PathBuf::from(name))?;
        let start = Instant::now();
        let mut waited = false;
        loop {
            match file.try_lock() {
                Ok(()) => {
                    return Ok(SessionLock {
                        _file: file,
                        waited,
                    });
                }
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                    waited = true;
                    std::thread::sleep(LOCK_POLL)
                }
                Err(std::fs::TryLockError::WouldBlock) => return Err(LockError::TimedOut(wait)),
                Err(std::fs::TryLockError::Error(e)) => return Err(LockError::Io(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn registration_key_is_the_sha1_of_pythons_sorted_json() {
        // Python: json.dumps({"tool": "botocore", "startUrl": u, "region": r,
        // "scopes": s, "session_name": n}, sort_keys=True)
        let scopes = vec!["sso:account:access".to_string()];
        let doc = registration_key_document(
            "https://d-123.awsapps.com/start",
            "us-east-1",
            Some(&scopes),
            Some("corp"),
        );
        assert_eq!(
            doc,
            r#"{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "corp", "startUrl": "https://d-123.awsapps.com/start", "tool": "botocore"}"#
        );
        assert_eq!(
            registration_key_document("u", "r", None, Some("é\"")),
            r#"{"region": "r", "scopes": null, "session_name": "\u00e9\"", "startUrl": "u", "tool": "botocore"}"#
        );
    }

    #[test]
    fn token_file_round_trips_with_unknown_fields_kept() {
        let text = r#"{"startUrl":"https://d-1.awsapps.com/start","region":"us-east-1","accessToken":"AT","expiresAt":"2026-06-01T12:00:00Z","clientId":"cid","clientSecret":"CS","registrationExpiresAt":"2026-09-01T00:00:00Z","refreshToken":"RT","futureField":{"a":1}}"#;
        let t: TokenFile = serde_json::from_str(text).unwrap();
        assert_eq!(t.expires(), Some(datetime!(2026-06-01 12:00:00 UTC)));
        assert_eq!(t.refresh_token.as_ref().unwrap().expose(), "RT");
        let again: Value = serde_json::to_value(&t).unwrap();
        assert_eq!(again, serde_json::from_str::<Value>(text).unwrap());
        assert!(!format!("{t:?}").contains("AT\""), "Debug hides the token");
    }

    #[test]
    fn registration_file_round_trips_and_knows_its_grant() {
        let text = r#"{"clientId":"c","clientSecret":"s","expiresAt":"2026-09-01T00:00:00Z","scopes":["sso:account:access"],"grantTypes":["authorization_code","refresh_token"]}"#;
        let r: RegistrationFile = serde_json::from_str(text).unwrap();
        assert!(r.is_for_auth_code());
        assert!(r.is_live(datetime!(2026-08-31 23:00:00 UTC)));
        assert!(
            !r.is_live(datetime!(2026-08-31 23:50:00 UTC)),
            "15 min margin"
        );
        let again: Value = serde_json::to_value(&r).unwrap();
        assert_eq!(again, serde_json::from_str::<Value>(text).unwrap());
        let device: RegistrationFile = serde_json::from_str(
            r#"{"clientId":"c","clientSecret":"s","expiresAt":"2026-09-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(!device.is_for_auth_code());
    }

    #[test]
    fn times_in_every_form_the_cli_wrote() {
        for s in [
            "2026-06-01T12:00:00Z",
            "2026-06-01T12:00:00UTC",
            "2026-06-01T12:00:00+00:00",
        ] {
            assert_eq!(
                parse_time(s),
                Some(datetime!(2026-06-01 12:00:00 UTC)),
                "{s}"
            );
        }
        assert_eq!(
            format_time(datetime!(2026-06-01 12:00:00 UTC)),
            "2026-06-01T12:00:00Z"
        );
    }

    #[test]
    fn writes_are_private_and_whole() {
        let d = tempfile::tempdir().unwrap();
        let p = token_path(d.path(), "corp");
        write_json(&p, &serde_json::json!({"a": 1})).unwrap();
        assert_eq!(read_json::<Value>(&p).unwrap().unwrap()["a"], 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
            .collect();
        assert!(leftovers.is_empty());
        assert!(
            read_json::<Value>(&d.path().join("absent"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_held_session_lock_makes_the_second_wait_then_give_up() {
        let d = tempfile::tempdir().unwrap();
        let p = token_path(d.path(), "corp");
        let first = SessionLock::acquire(&p, Duration::ZERO).unwrap();
        assert!(!first.waited);
        let second = SessionLock::acquire(&p, Duration::from_millis(120));
        assert!(matches!(second, Err(LockError::TimedOut(_))));
        drop(first);
        assert!(SessionLock::acquire(&p, Duration::ZERO).is_ok());
    }
}
