//! The on-disk token cache: safe by construction.
//!
//! One file per key under `$KUBECACHEDIR/eksauth` (default
//! `~/.kube/cache/eksauth`): the file name is the SHA-256 of the key, the
//! key holds everything that changes the token and never a secret. What
//! can make a token bad without changing those inputs (a mistyped secret
//! key, a wrong session token) is covered by a salted hash of the secrets
//! kept in the entry: a fixed secret is a miss. A token whose X-Amz-Date
//! lies in the future or more than its lifetime in the past (the clock was
//! wrong when it was signed, or is now) is a miss too.
//!
//! The directory is created 0700 and files 0600 (see [`crate::fsio`]);
//! writes go to a random temporary file renamed over the old one, so a
//! reader never sees half a file; nothing is opened through a symlink or
//! read from a FIFO. A separate `.lock` file serialises the processes that
//! would otherwise all call AWS at once; a holder that fails leaves a
//! short-lived `.fail` note so its waiters share its failure instead of
//! each repeating it. A file that is corrupt, not ours, or readable by
//! others is a miss, and the next write replaces it. The token path and
//! the role-session cache (`aws::role`) use this module; it decides nothing
//! about when a token is fresh enough beyond the margin it is given.

use crate::domain::token::{AMZ_DATE, TOKEN_LIFETIME, decode_url};
use crate::fsio;
use crate::secret::Secret;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};
use time::OffsetDateTime;

/// Bumped when the file format or the key's meaning changes, so old files miss.
const FORMAT_VERSION: u32 = 2;
/// How long a process waits for another one that is fetching the same token
/// before it fetches its own: longer than a fetch can take (the SDK's
/// operation timeout is 15 s), shorter than kubectl's patience.
const LOCK_WAIT: Duration = Duration::from_secs(20);
/// Poll interval while the lock is held elsewhere.
const LOCK_POLL: Duration = Duration::from_millis(25);
/// A token signed further ahead than this is from a clock that was (or is)
/// wrong: SigV4 itself tolerates 5 minutes of skew.
const MAX_FUTURE: time::Duration = time::Duration::minutes(5);
/// Random bytes of salt per entry for the secrets' hash.
const SALT_LEN: usize = 16;

/// The inputs that change the token. Kept sorted so equal keys hash equally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheKey(pub BTreeMap<String, String>);

impl CacheKey {
    /// Adds a field (skipping empty values, which would only split the cache).
    pub fn with(mut self, name: &str, value: Option<&str>) -> Self {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.0.insert(name.to_string(), v.to_string());
        }
        self
    }

    fn file_stem(&self) -> String {
        let json = serde_json::to_string(&(FORMAT_VERSION, &self.0)).unwrap_or_default();
        hex::encode(Sha256::digest(json.as_bytes()))
    }
}

/// The secrets a token was signed with (the environment's secret key and
/// session token). Only a salted hash of them is ever stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignedWith<'a> {
    pub secret_key: Option<&'a Secret>,
    pub session_token: Option<&'a Secret>,
}

impl SignedWith<'_> {
    /// SHA-256 over a per-entry random salt and the length-prefixed secrets:
    /// equal secrets give equal hashes for one salt, and the hash reveals
    /// nothing a brute force of a 40-character secret key could use.
    fn digest(&self, salt: &[u8]) -> String {
        let mut h = Sha256::new();
        h.update(b"kubectl-eksauth token cache v2\0");
        h.update(salt);
        for s in [self.secret_key, self.session_token] {
            let v = s.map(Secret::expose).unwrap_or_default();
            h.update((v.len() as u64).to_be_bytes());
            h.update(v.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// One cached token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    version: u32,
    /// What the token is for (also what `cache list` shows).
    pub key: CacheKey,
    /// The bearer token.
    pub token: Secret,
    /// The expirationTimestamp that was printed with it (Unix seconds).
    pub expiration: i64,
    /// Hex salt of [`Entry::secrets`].
    #[serde(default)]
    salt: String,
    /// [`SignedWith::digest`] of the secrets the token was signed with.
    #[serde(default)]
    secrets: String,
}

impl Entry {
    /// A new entry for a token signed with `signed_with`.
    pub fn new(
        key: CacheKey,
        token: Secret,
        expiration: OffsetDateTime,
        signed_with: SignedWith,
    ) -> Self {
        let mut salt = [0u8; SALT_LEN];
        // Without randomness the salt is zeros: the hash still changes
        // with the secrets, which is what makes a fixed key a miss.
        let _ = getrandom::fill(&mut salt);
        Entry {
            version: FORMAT_VERSION,
            key,
            token,
            expiration: expiration.unix_timestamp(),
            secrets: signed_with.digest(&salt),
            salt: hex::encode(salt),
        }
    }

    /// The expiration as a time.
    pub fn expires_at(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.expiration).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// True when the token was signed with these secrets.
    fn signed_with(&self, s: SignedWith) -> bool {
        hex::decode(&self.salt).is_ok_and(|salt| s.digest(&salt) == self.secrets)
    }
}

/// X-Amz-Date of a `k8s-aws-v1.` token (None when it has none).
fn signed_at(token: &str) -> Option<OffsetDateTime> {
    let url = decode_url(token)?;
    let raw = url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("X-Amz-Date="))?;
    time::PrimitiveDateTime::parse(raw, AMZ_DATE)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// True when X-Amz-Date is plausible against `now`: not in the future
/// beyond skew, not older than EKS accepts ([`TOKEN_LIFETIME`]).
fn date_plausible(token: &str, now: OffsetDateTime) -> bool {
    signed_at(token).is_some_and(|at| at - now <= MAX_FUTURE && now - at <= TOKEN_LIFETIME)
}

/// The cache directory.
#[derive(Debug, Clone)]
pub struct TokenCache {
    dir: PathBuf,
}

/// Held while this process fetches a token; dropping it releases the lock.
#[derive(Debug)]
pub struct CacheLock {
    file: Option<File>,
    fail: PathBuf,
    /// When this process started waiting, if another held the lock.
    waited_since: Option<SystemTime>,
}

/// What a lock holder that failed leaves for its waiters.
#[derive(Debug, Serialize, Deserialize)]
struct FailNote {
    /// Unix time of the failure, in milliseconds.
    at_ms: u128,
    /// The error as printed (errors never hold secrets).
    error: String,
}

/// How long a failure note answers for the waiters that were queued behind
/// it: a new call after that tries again.
const FAIL_NOTE_LIFE: Duration = Duration::from_secs(30);

impl CacheLock {
    /// The failure of the holder this process waited for, if it failed
    /// while this process waited.
    pub fn shared_failure(&self) -> Option<String> {
        let since = self.waited_since?;
        let bytes = fsio::read_own(&self.fail, fsio::SMALL_LIMIT).ok()?;
        let note: FailNote = serde_json::from_slice(&bytes).ok()?;
        let since_ms = since
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()?
            .as_millis();
        let now_ms = unix_ms(SystemTime::now());
        (note.at_ms >= since_ms && now_ms.saturating_sub(note.at_ms) < FAIL_NOTE_LIFE.as_millis())
            .then_some(note.error)
    }

    /// Records this holder's failure for the processes waiting on it.
    pub fn record_failure(&self, error: &str) {
        if self.file.is_none() {
            return;
        }
        let note = FailNote {
            at_ms: unix_ms(SystemTime::now()),
            error: error.to_string(),
        };
        if let Ok(json) = serde_json::to_vec(&note) {
            let _ = fsio::write_private(&self.fail, &json);
        }
    }
}

fn unix_ms(t: SystemTime) -> u128 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

impl TokenCache {
    /// `$KUBECACHEDIR/eksauth`, else `~/.kube/cache/eksauth`.
    pub fn default_dir(kubecachedir: Option<&str>, home: Option<&Path>) -> Option<PathBuf> {
        match kubecachedir.filter(|d| !d.is_empty()) {
            Some(d) => Some(Path::new(d).join("eksauth")),
            None => home.map(|h| h.join(".kube").join("cache").join("eksauth")),
        }
    }

    /// A cache in `dir` (created on first write).
    pub fn new(dir: PathBuf) -> Self {
        TokenCache { dir }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &CacheKey, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", key.file_stem()))
    }

    /// The cached entry for `key` if it is ours, intact, signed with these
    /// secrets at a plausible time, and valid for more than `margin` after
    /// `now`. Every problem is a miss.
    pub fn get(
        &self,
        key: &CacheKey,
        signed_with: SignedWith,
        now: OffsetDateTime,
        margin: Duration,
    ) -> Option<Entry> {
        let entry = read_entry(&self.path(key, "json"))?;
        let fresh = entry.expires_at() - now > margin;
        let ok = entry.version == FORMAT_VERSION
            && &entry.key == key
            && fresh
            && entry.signed_with(signed_with)
            && date_plausible(entry.token.expose(), now);
        ok.then_some(entry)
    }

    /// The bytes of `key`'s file if it is ours and private (any payload:
    /// the role-credential cache keeps its own format beside the tokens).
    pub fn read_raw(&self, key: &CacheKey) -> Option<Vec<u8>> {
        let path = self.path(key, "json");
        let file = fsio::open_regular(&path, false).ok()?;
        if !private_file(&file) {
            return None;
        }
        fsio::read_bounded(file, fsio::SMALL_LIMIT, &path).ok()
    }

    /// Takes the per-key lock, waiting up to [`LOCK_WAIT`] without blocking
    /// the runtime. If the lock cannot be had (read-only disk, a stuck or
    /// stopped holder) the caller goes on without it: a duplicate fetch is
    /// better than no token.
    pub async fn lock(&self, key: &CacheKey) -> CacheLock {
        self.lock_within(key, LOCK_WAIT).await
    }

    /// Like [`TokenCache::lock`], waiting up to `wait` (longer while another
    /// process may be waiting on the user, for an MFA code).
    pub async fn lock_within(&self, key: &CacheKey, wait: Duration) -> CacheLock {
        let mut lock = CacheLock {
            file: None,
            fail: self.path(key, "fail"),
            waited_since: None,
        };
        if self.ensure_dir().is_err() {
            return lock;
        }
        let Ok(mut file) = fsio::open_lock_file(&self.path(key, "lock")) else {
            return lock;
        };
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    note_holder(&mut file);
                    lock.file = Some(file);
                    return lock;
                }
                Err(std::fs::TryLockError::WouldBlock)
                    if start.elapsed() < wait && !holder_stopped(&mut file) =>
                {
                    lock.waited_since.get_or_insert_with(SystemTime::now);
                    tokio::time::sleep(LOCK_POLL).await;
                }
                Err(_) => return lock,
            }
        }
    }

    /// Writes `entry` atomically and privately (see [`fsio::write_private`]).
    pub fn put(&self, entry: &Entry) -> Result<()> {
        let json = serde_json::to_vec(entry)?;
        self.write_raw(&entry.key, &json)
    }

    /// Writes `bytes` as `key`'s file atomically (temporary file, fsync,
    /// rename), mode 0600 from creation.
    pub fn write_raw(&self, key: &CacheKey, bytes: &[u8]) -> Result<()> {
        self.ensure_dir()?;
        let path = self.path(key, "json");
        fsio::write_private(&path, bytes)
            .map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))
    }

    /// Every readable entry (for `cache list`), tokens included; callers show
    /// only the key and expiry.
    pub fn entries(&self) -> Vec<Entry> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return vec![];
        };
        rd.flatten()
            .filter(|e| is_cache_file(&e.file_name().to_string_lossy()))
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| read_entry(&e.path()))
            .collect()
    }

    /// Removes every file of the cache (only names this module gives its
    /// files, only regular files, never through a link); returns how many
    /// tokens were removed.
    pub fn clear(&self) -> Result<usize> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        let mut removed = 0;
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = is_cache_file(&name) || is_temp_file(&name);
            if ours && e.file_type().is_ok_and(|t| t.is_file()) {
                let p = e.path();
                std::fs::remove_file(&p)
                    .map_err(|err| anyhow::anyhow!("could not remove {}: {err}", p.display()))?;
                removed += usize::from(name.ends_with(".json"));
            }
        }
        Ok(removed)
    }

    /// Creates the directory 0700, or narrows an existing one of ours to
    /// 0700. A symlinked directory is used as it is: its target is the
    /// user's choice, and is never chmod'ed.
    fn ensure_dir(&self) -> Result<()> {
        fsio::create_private_dir(&self.dir).map_err(|e| {
            anyhow::anyhow!(
                "could not create the token cache {}: {e}",
                self.dir.display()
            )
        })?;
        restrict_dir(&self.dir)
    }
}

/// `<64 hex>.json|lock|fail`: the names the cache gives its files.
fn is_cache_file(name: &str) -> bool {
    let Some((stem, ext)) = name.split_once('.') else {
        return false;
    };
    stem.len() == 64
        && stem.bytes().all(|b| b.is_ascii_hexdigit())
        && ["json", "lock", "fail"].contains(&ext)
}

/// `.<64 hex>.<ext>.<random>.tmp`: a temporary file of [`fsio::write_private`].
fn is_temp_file(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.strip_suffix(".tmp"))
        .and_then(|n| n.rsplit_once('.'))
        .is_some_and(|(file, _random)| is_cache_file(file))
}

/// An entry file: ours, private, regular, bounded, never through a link.
fn read_entry(path: &Path) -> Option<Entry> {
    let file = fsio::open_regular(path, false).ok()?;
    if !private_file(&file) {
        return None;
    }
    let bytes = fsio::read_bounded(file, fsio::SMALL_LIMIT, path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes this process's id into the lock file, so waiters can tell a
/// stopped holder.
fn note_holder(file: &mut File) {
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = write!(file, "{}", std::process::id());
}

/// True when the holder written in the lock file is stopped (SIGSTOP, ^Z):
/// it will not go on by itself, so waiting for it only delays kubectl.
#[cfg(target_os = "linux")]
fn holder_stopped(file: &mut File) -> bool {
    use std::io::Read;
    let mut pid = String::new();
    let _ = file.rewind();
    if file.take(32).read_to_string(&mut pid).is_err() {
        return false;
    }
    let Ok(pid) = pid.trim().parse::<u32>() else {
        return false;
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The state follows the parenthesised command name.
    stat.rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next())
        .is_some_and(|state| state == 'T' || state == 't')
}
#[cfg(not(target_os = "linux"))]
fn holder_stopped(_file: &mut File) -> bool {
    false
}

/// True when the file belongs to this user and nobody else can read it.
#[cfg(unix)]
fn private_file(f: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = f.metadata() else { return false };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    m.is_file() && m.uid() == me && m.mode() & 0o077 == 0
}
#[cfg(not(unix))]
fn private_file(f: &File) -> bool {
    f.metadata().map(|m| m.is_file()).unwrap_or(false)
}

#[cfg(unix)]
fn restrict_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let link = std::fs::symlink_metadata(dir)?;
    let m = std::fs::metadata(dir)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if m.uid() != me {
        anyhow::bail!("the token cache {} belongs to another user", dir.display());
    }
    if !link.file_type().is_symlink() && m.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}
#[cfg(not(unix))]
fn restrict_dir(_dir: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use time::macros::datetime;

    fn key(cluster: &str) -> CacheKey {
        CacheKey::default()
            .with("cluster", Some(cluster))
            .with("region", Some("us-west-2"))
    }

    const NOW: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);
    const MARGIN: Duration = Duration::from_secs(60);

    /// A token whose X-Amz-Date is `at`.
    fn token_at(at: &str) -> Secret {
        let url = format!(
            "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Date={at}&X-Amz-Expires=60"
        );
        Secret::new(format!(
            "k8s-aws-v1.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
        ))
    }

    fn entry(k: CacheKey, with: SignedWith) -> Entry {
        Entry::new(
            k,
            token_at("20260101T000000Z"),
            NOW + Duration::from_secs(14 * 60),
            with,
        )
    }

    fn runtime() -> tokio::runtime::Runtime {
        crate::rt::runtime().unwrap()
    }

    #[test]
    fn put_then_get_round_trips_until_the_margin() {
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        c.put(&entry(key("demo"), SignedWith::default())).unwrap();
        let none = SignedWith::default();
        let got = c.get(&key("demo"), none, NOW, MARGIN).unwrap();
        assert!(got.token.expose().starts_with("k8s-aws-v1."));
        assert!(
            c.get(
                &key("demo"),
                none,
                NOW + Duration::from_secs(13 * 60),
                MARGIN
            )
            .is_none(),
            "60 s or less left is a miss"
        );
        assert!(
            c.get(&key("other"), none, NOW, MARGIN).is_none(),
            "another key misses"
        );
    }

    #[test]
    fn a_fixed_secret_key_or_session_token_is_a_miss() {
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        let (typo, fixed, session) = (
            Secret::new("wJalrXUtnFEMI-typo"),
            Secret::new("wJalrXUtnFEMI"),
            Secret::new("FwoGZXIvYXdz"),
        );
        let with = |k, t| SignedWith {
            secret_key: Some(k),
            session_token: t,
        };
        c.put(&entry(key("demo"), with(&typo, None))).unwrap();
        assert!(
            c.get(&key("demo"), with(&typo, None), NOW, MARGIN)
                .is_some()
        );
        assert!(
            c.get(&key("demo"), with(&fixed, None), NOW, MARGIN)
                .is_none()
        );
        assert!(
            c.get(&key("demo"), with(&typo, Some(&session)), NOW, MARGIN)
                .is_none()
        );
        let text = std::fs::read_to_string(c.path(&key("demo"), "json")).unwrap();
        assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
    }

    #[test]
    fn a_token_signed_in_the_future_or_too_long_ago_is_a_miss() {
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        let none = SignedWith::default();
        let exp = NOW + Duration::from_secs(3 * 3600);
        for (at, hit) in [
            ("20260101T000000Z", true),
            ("20260101T000400Z", true),
            ("20260101T020000Z", false),
            ("20251231T234400Z", false),
        ] {
            c.put(&Entry::new(key("d"), token_at(at), exp, none))
                .unwrap();
            assert_eq!(c.get(&key("d"), none, NOW, MARGIN).is_some(), hit, "{at}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_0700_and_0600() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        c.put(&entry(key("demo"), SignedWith::default())).unwrap();
        let _l = runtime().block_on(c.lock(&key("demo")));
        assert_eq!(
            std::fs::metadata(c.dir()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        for e in std::fs::read_dir(c.dir()).unwrap().flatten() {
            assert_eq!(
                e.metadata().unwrap().permissions().mode() & 0o777,
                0o600,
                "{:?}",
                e.path()
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn group_readable_or_corrupt_file_is_a_miss_and_is_rewritten() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        let none = SignedWith::default();
        let e = entry(key("demo"), none);
        c.put(&e).unwrap();
        let path = c.path(&key("demo"), "json");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(
            c.get(&key("demo"), none, NOW, MARGIN).is_none(),
            "group-readable is a miss"
        );
        c.put(&e).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(c.get(&key("demo"), none, NOW, MARGIN).is_some());
        std::fs::write(&path, "{\"version\":1,").unwrap();
        assert!(
            c.get(&key("demo"), none, NOW, MARGIN).is_none(),
            "corrupt is a miss"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_link_or_fifo_as_cache_file_is_a_miss_never_followed() {
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        let none = SignedWith::default();
        c.put(&entry(key("a"), none)).unwrap();
        let path = c.path(&key("b"), "json");
        std::os::unix::fs::symlink(c.path(&key("a"), "json"), &path).unwrap();
        assert!(
            c.get(&key("b"), none, NOW, MARGIN).is_none(),
            "a link is a miss"
        );
        let victim = d.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        c.put(&entry(key("b"), none)).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        let fifo = c.path(&key("c"), "lock");
        let cs = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path and a mode.
        assert_eq!(unsafe { libc::mkfifo(cs.as_ptr(), 0o600) }, 0);
        let l = runtime().block_on(c.lock(&key("c")));
        assert!(l.file.is_none(), "a FIFO lock is skipped, not waited on");
    }

    #[cfg(unix)]
    #[test]
    fn a_wide_open_directory_is_narrowed_but_a_linked_one_is_left_alone() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("eksauth");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        TokenCache::new(dir.clone())
            .put(&entry(key("d"), SignedWith::default()))
            .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let target = d.path().join("shared");
        std::fs::create_dir(&target).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
        let link = d.path().join("linked");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        TokenCache::new(link)
            .put(&entry(key("d"), SignedWith::default()))
            .unwrap();
        assert_eq!(mode(&target), 0o755, "a link's target is not chmod'ed");
    }

    #[test]
    fn clear_removes_only_the_cache_files() {
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        c.put(&entry(key("d"), SignedWith::default())).unwrap();
        drop(runtime().block_on(c.lock(&key("d"))));
        std::fs::write(c.dir().join("settings.json"), "{}").unwrap();
        std::fs::write(c.dir().join("notes.lock"), "").unwrap();
        assert_eq!(c.clear().unwrap(), 1);
        let left: Vec<String> = std::fs::read_dir(c.dir())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(left.contains(&"settings.json".to_string()));
    }

    #[test]
    fn a_waiter_shares_the_failure_of_the_holder_it_waited_for() {
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        let rt = runtime();
        let holder = rt.block_on(c.lock(&key("d")));
        assert_eq!(
            holder.shared_failure(),
            None,
            "the holder waited for nobody"
        );
        let c2 = c.clone();
        let waiter = std::thread::spawn(move || {
            let l = runtime().block_on(c2.lock(&key("d")));
            l.shared_failure()
        });
        std::thread::sleep(Duration::from_millis(200));
        holder.record_failure("could not assume role: timed out");
        drop(holder);
        assert_eq!(
            waiter.join().unwrap().as_deref(),
            Some("could not assume role: timed out")
        );
        let later = rt.block_on(c.lock(&key("d")));
        assert_eq!(later.shared_failure(), None, "a later call tries again");
    }

    #[test]
    fn a_held_lock_is_waited_for_only_as_long_as_asked() {
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        let rt = runtime();
        let held = rt.block_on(c.lock(&key("demo")));
        assert!(held.file.is_some());
        let start = Instant::now();
        let second = rt.block_on(c.lock_within(&key("demo"), Duration::from_millis(200)));
        assert!(second.file.is_none(), "not had while held");
        assert!(start.elapsed() >= Duration::from_millis(200));
        drop(held);
        assert!(
            rt.block_on(c.lock_within(&key("demo"), Duration::ZERO))
                .file
                .is_some()
        );
    }

    #[test]
    fn key_never_depends_on_insertion_order() {
        let a = CacheKey::default()
            .with("a", Some("1"))
            .with("b", Some("2"));
        let b = CacheKey::default()
            .with("b", Some("2"))
            .with("a", Some("1"));
        assert_eq!(a.file_stem(), b.file_stem());
        assert_ne!(
            a.file_stem(),
            CacheKey::default().with("a", Some("1")).file_stem()
        );
    }

    #[test]
    fn default_dir_prefers_kubecachedir() {
        assert_eq!(
            TokenCache::default_dir(Some("/c"), Some(Path::new("/h"))),
            Some(PathBuf::from("/c/eksauth"))
        );
        assert_eq!(
            TokenCache::default_dir(None, Some(Path::new("/h"))),
            Some(PathBuf::from("/h/.kube/cache/eksauth"))
        );
        assert_eq!(TokenCache::default_dir(None, None), None);
    }
}
