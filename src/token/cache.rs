//! The on-disk token cache: safe by construction.
//!
//! One file per key under `$KUBECACHEDIR/eksauth` (default
//! `~/.kube/cache/eksauth`): the file name is the SHA-256 of the key, the
//! key holds everything that changes the token and never a secret. The
//! directory is 0700 and files 0600; writes go to a temporary file that is
//! renamed over the old one, so a reader never sees half a file; a separate
//! `.lock` file serialises the processes that would otherwise all call AWS
//! at once. A file that is corrupt, not ours, or readable by others is a
//! miss, and the next write replaces it. Only the token path uses this
//! module; it decides nothing about when a token is fresh enough beyond the
//! margin it is given.

use crate::secret::Secret;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Bumped when the file format or the key's meaning changes, so old files miss.
const FORMAT_VERSION: u32 = 1;
/// How long a process waits for another one that is fetching the same token
/// before it fetches its own: longer than a normal fetch, shorter than
/// kubectl's patience.
const LOCK_WAIT: Duration = Duration::from_secs(20);
/// Poll interval while the lock is held elsewhere.
const LOCK_POLL: Duration = Duration::from_millis(25);
/// A cache file larger than this is not ours (a token is under 4 KiB).
const MAX_FILE_BYTES: u64 = 64 * 1024;

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
}

impl Entry {
    /// A new entry.
    pub fn new(key: CacheKey, token: Secret, expiration: OffsetDateTime) -> Self {
        Entry {
            version: FORMAT_VERSION,
            key,
            token,
            expiration: expiration.unix_timestamp(),
        }
    }

    /// The expiration as a time.
    pub fn expires_at(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.expiration).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// The cache directory.
#[derive(Debug, Clone)]
pub struct TokenCache {
    dir: PathBuf,
}

/// Held while this process fetches a token; dropping it releases the lock.
#[derive(Debug)]
pub struct CacheLock {
    _file: Option<File>,
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

    /// The cached entry for `key` if it is ours, intact, and valid for more
    /// than `margin` after `now`. Every problem is a miss.
    pub fn get(&self, key: &CacheKey, now: OffsetDateTime, margin: Duration) -> Option<Entry> {
        let entry: Entry = serde_json::from_slice(&self.read_raw(key)?).ok()?;
        let fresh = entry.expires_at() - now > margin;
        (entry.version == FORMAT_VERSION && &entry.key == key && fresh).then_some(entry)
    }

    /// The bytes of `key`'s file if it is ours and private (any payload:
    /// the role-credential cache keeps its own format beside the tokens).
    pub fn read_raw(&self, key: &CacheKey) -> Option<Vec<u8>> {
        use std::io::Read;
        let file = File::open(self.path(key, "json")).ok()?;
        if !private_file(&file) {
            return None;
        }
        let mut buf = Vec::new();
        file.take(MAX_FILE_BYTES + 1).read_to_end(&mut buf).ok()?;
        (buf.len() as u64 <= MAX_FILE_BYTES).then_some(buf)
    }

    /// Takes the per-key lock, waiting up to [`LOCK_WAIT`]. If the lock
    /// cannot be had (read-only disk, a stuck process) the caller goes on
    /// without it: a duplicate fetch is better than no token.
    pub fn lock(&self, key: &CacheKey) -> CacheLock {
        self.lock_within(key, LOCK_WAIT)
    }

    /// Like [`TokenCache::lock`], waiting up to `wait` (longer while another
    /// process may be waiting on the user, for an MFA code).
    pub fn lock_within(&self, key: &CacheKey, wait: Duration) -> CacheLock {
        let Ok(()) = self.ensure_dir() else {
            return CacheLock { _file: None };
        };
        let mut opts = OpenOptions::new();
        opts.create(true).truncate(false).write(true);
        set_private_mode(&mut opts);
        let Ok(file) = opts.open(self.path(key, "lock")) else {
            return CacheLock { _file: None };
        };
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return CacheLock { _file: Some(file) },
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(LOCK_POLL)
                }
                Err(_) => return CacheLock { _file: None },
            }
        }
    }

    /// Writes `entry` atomically (temporary file, fsync, rename) with mode 0600.
    pub fn put(&self, entry: &Entry) -> Result<()> {
        let json = serde_json::to_vec(entry).context("could not encode the cache entry")?;
        self.write_raw(&entry.key, &json)
    }

    /// Writes `bytes` as `key`'s file atomically (temporary file, fsync,
    /// rename), mode 0600 from creation.
    pub fn write_raw(&self, key: &CacheKey, bytes: &[u8]) -> Result<()> {
        self.ensure_dir()?;
        let path = self.path(key, "json");
        let tmp = self
            .dir
            .join(format!(".{}.{}.tmp", key.file_stem(), std::process::id()));
        let mut opts = OpenOptions::new();
        opts.create(true).truncate(true).write(true);
        set_private_mode(&mut opts);
        let write = || -> Result<()> {
            let mut f = opts
                .open(&tmp)
                .with_context(|| format!("could not create {}", tmp.display()))?;
            f.write_all(bytes)?;
            f.flush()?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("could not replace {}", path.display()))
        };
        let r = write();
        if r.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        r
    }

    /// Every readable entry (for `cache list`), tokens included; callers show
    /// only the key and expiry.
    pub fn entries(&self) -> Vec<Entry> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return vec![];
        };
        rd.flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| {
                let f = File::open(e.path()).ok()?;
                private_file(&f).then_some(())?;
                serde_json::from_reader(std::io::BufReader::new(f)).ok()
            })
            .collect()
    }

    /// Creates the directory 0700, or narrows an existing one of ours to 0700.
    fn ensure_dir(&self) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("could not create the token cache {}", self.dir.display()))?;
        restrict_dir(&self.dir)
    }
}

#[cfg(unix)]
fn set_private_mode(opts: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    opts.mode(0o600);
}
#[cfg(not(unix))]
fn set_private_mode(_opts: &mut OpenOptions) {}

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
    let m = std::fs::metadata(dir)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if m.uid() != me {
        anyhow::bail!("the token cache {} belongs to another user", dir.display());
    }
    if m.mode() & 0o077 != 0 {
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
    use time::macros::datetime;

    fn key(cluster: &str) -> CacheKey {
        CacheKey::default()
            .with("cluster", Some(cluster))
            .with("region", Some("us-west-2"))
    }

    const NOW: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);
    const MARGIN: Duration = Duration::from_secs(60);

    #[test]
    fn put_then_get_round_trips_until_the_margin() {
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        let e = Entry::new(
            key("demo"),
            Secret::new("k8s-aws-v1.x"),
            NOW + Duration::from_secs(14 * 60),
        );
        c.put(&e).unwrap();
        let got = c.get(&key("demo"), NOW, MARGIN).unwrap();
        assert_eq!(got.token.expose(), "k8s-aws-v1.x");
        assert!(
            c.get(&key("demo"), NOW + Duration::from_secs(13 * 60), MARGIN)
                .is_none(),
            "60 s or less left is a miss"
        );
        assert!(
            c.get(&key("other"), NOW, MARGIN).is_none(),
            "another key misses"
        );
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_0700_and_0600() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        c.put(&Entry::new(key("demo"), Secret::new("t"), NOW))
            .unwrap();
        let _l = c.lock(&key("demo"));
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
        let e = Entry::new(
            key("demo"),
            Secret::new("t"),
            NOW + Duration::from_secs(600),
        );
        c.put(&e).unwrap();
        let path = c.path(&key("demo"), "json");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(
            c.get(&key("demo"), NOW, MARGIN).is_none(),
            "group-readable is a miss"
        );
        c.put(&e).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(c.get(&key("demo"), NOW, MARGIN).is_some());
        std::fs::write(&path, "{\"version\":1,").unwrap();
        assert!(
            c.get(&key("demo"), NOW, MARGIN).is_none(),
            "corrupt is a miss"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_wide_open_directory_is_narrowed() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("eksauth");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        TokenCache::new(dir.clone())
            .put(&Entry::new(key("d"), Secret::new("t"), NOW))
            .unwrap();
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }

    #[test]
    fn a_held_lock_is_waited_for_only_as_long_as_asked() {
        let d = tempfile::tempdir().unwrap();
        let c = TokenCache::new(d.path().join("eksauth"));
        let held = c.lock(&key("demo"));
        assert!(held._file.is_some());
        let start = Instant::now();
        let second = c.lock_within(&key("demo"), Duration::from_millis(200));
        assert!(second._file.is_none(), "not had while held");
        assert!(start.elapsed() >= Duration::from_millis(200));
        drop(held);
        assert!(c.lock_within(&key("demo"), Duration::ZERO)._file.is_some());
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
