//! The one way this tool reads and writes local files.
//!
//! Reads are bounded in bytes and never block: a file is opened without
//! waiting (`O_NONBLOCK` on Unix, so a FIFO opens at once) and refused
//! unless it is a regular file, so a FIFO, `/dev/zero` or a directory named
//! as a kubeconfig is a clear error, not a hang or a 16 GB buffer. Stdin is
//! read on a helper thread and abandoned at a deadline.
//!
//! Writes of private files (kubeconfig, token cache) go through
//! [`write_private`]: a random temporary name created exclusively beside the
//! target (0600 from creation on Unix), synced, renamed over the target.
//! Folders are created 0700 from the start. On Windows the file inherits
//! the ACL of its folder (the user's profile), which is what protects it
//! there; the mode bits do not exist.
//!
//! Edits of a file another program may edit at the same time take an
//! [`EditLock`]: kubectl's convention of an exclusively created
//! `<file>.lock`, removed when done.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// A kubeconfig: kubectl reads files of 200k contexts (tens of MB), so the
/// bound is well above that and far below what would exhaust memory.
pub const KUBECONFIG_LIMIT: u64 = 64 << 20;
/// AWS config and credentials files, an exported aws-auth ConfigMap.
pub const CONFIG_LIMIT: u64 = 16 << 20;
/// Files the tool writes itself (a token cache entry, an SSO cache file):
/// a few KB each.
pub const SMALL_LIMIT: u64 = 1 << 20;
/// A bearer token given on stdin (EKS tokens are under 2 KB; service
/// account tokens under 4 KB).
pub const TOKEN_LIMIT: u64 = 64 << 10;

/// How long an edit waits for another process's `<file>.lock` to go away.
pub const EDIT_LOCK_WAIT: Duration = Duration::from_secs(10);
/// Poll interval while waiting for a lock.
const LOCK_POLL: Duration = Duration::from_millis(20);

/// Reads `path` whole, at most `limit` bytes, following symlinks.
pub fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let f = open_regular(path, true)?;
    read_bounded(f, limit, path)
}

/// Like [`read`], but a symlink at `path` is refused: for files this tool
/// owns, where a link can only have been planted.
pub fn read_own(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let f = open_regular(path, false)?;
    read_bounded(f, limit, path)
}

/// [`read`] as text: UTF-8 (a leading byte-order mark dropped), or UTF-16
/// with its byte-order mark, as Windows PowerShell writes files and as
/// kubectl reads them.
pub fn read_text(path: &Path, limit: u64) -> io::Result<String> {
    let bytes = read(path, limit)?;
    let not_text = || invalid(format!("{} is not UTF-8 or UTF-16 text", path.display()));
    let utf16 = |body: &[u8], unit: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = body
            .chunks(2)
            .map(|c| unit([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16(&units).map_err(|_| not_text())
    };
    match bytes.as_slice() {
        [0xFF, 0xFE, body @ ..] => utf16(body, u16::from_le_bytes),
        [0xFE, 0xFF, body @ ..] => utf16(body, u16::from_be_bytes),
        [0xEF, 0xBB, 0xBF, body @ ..] => String::from_utf8(body.to_vec()).map_err(|_| not_text()),
        body => String::from_utf8(body.to_vec()).map_err(|_| not_text()),
    }
}

/// For files a library reads itself (the AWS config files, which the SDK
/// opens): fails unless `path` is absent or a regular file within `limit`,
/// so the library never opens a FIFO or a device.
pub fn check_readable(path: &Path, limit: u64) -> io::Result<()> {
    let m = match std::fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        m => m?,
    };
    if !m.is_file() {
        let kind = kind_of(&m.file_type());
        return Err(invalid(format!(
            "{} is {kind}, not a regular file",
            path.display()
        )));
    }
    if m.len() > limit {
        return Err(invalid(format!(
            "{} is larger than {}, more than this tool reads",
            path.display(),
            human_size(limit)
        )));
    }
    Ok(())
}

/// Opens `path` for reading without blocking and checks it is a regular
/// file (after opening, so it cannot be swapped in between).
pub fn open_regular(path: &Path, follow: bool) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    nonblocking(&mut opts, follow);
    #[cfg(not(unix))]
    if !follow && std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(invalid(format!("{} is a symbolic link", path.display())));
    }
    let f = opts.open(path).map_err(|e| link_refused(e, path, follow))?;
    require_regular(&f, path)?;
    Ok(f)
}

/// Opens (creating 0600 if absent) a lock file this tool owns: never
/// through a symlink, never blocking on a FIFO, only a regular file.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    nonblocking(&mut opts, false);
    private_mode(&mut opts);
    let f = opts.open(path).map_err(|e| link_refused(e, path, false))?;
    require_regular(&f, path)?;
    Ok(f)
}

/// Reads stdin whole, at most `limit` bytes, giving up after `timeout`.
pub fn read_stdin(limit: u64, timeout: Duration) -> io::Result<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = read_bounded(io::stdin().lock(), limit, Path::new("stdin"));
        let _ = tx.send(r);
    });
    // A reader still blocked at the deadline is left behind: the process
    // exits with the error, and the thread with it.
    rx.recv_timeout(timeout).unwrap_or_else(|_| {
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("nothing ended stdin within {} s", timeout.as_secs_f64()),
        ))
    })
}

/// Reads `r` to its end, at most `limit` bytes (`path` names it in errors).
pub fn read_bounded(r: impl Read, limit: u64, path: &Path) -> io::Result<Vec<u8>> {
    let mut buf = vec![];
    r.take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(invalid(format!(
            "{} is larger than {}, more than this tool reads",
            path.display(),
            human_size(limit)
        )));
    }
    Ok(buf)
}

fn human_size(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{} KiB", n >> 10)
    }
}

fn require_regular(f: &File, path: &Path) -> io::Result<()> {
    let ft = f.metadata()?.file_type();
    if ft.is_file() {
        return Ok(());
    }
    Err(invalid(format!(
        "{} is {}, not a regular file",
        path.display(),
        kind_of(&ft)
    )))
}

#[cfg(unix)]
fn kind_of(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    match ft {
        t if t.is_dir() => "a directory",
        t if t.is_fifo() => "a FIFO (named pipe)",
        t if t.is_char_device() || t.is_block_device() => "a device",
        t if t.is_socket() => "a socket",
        _ => "a special file",
    }
}
#[cfg(not(unix))]
fn kind_of(ft: &std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// `O_NOFOLLOW` fails with ELOOP on a symlink; say what it means.
fn link_refused(e: io::Error, path: &Path, follow: bool) -> io::Error {
    #[cfg(unix)]
    if !follow && e.raw_os_error() == Some(libc::ELOOP) {
        return invalid(format!(
            "{} is a symbolic link, which this tool does not follow for its own files",
            path.display()
        ));
    }
    let _ = (path, follow);
    e
}

#[cfg(unix)]
fn nonblocking(opts: &mut OpenOptions, follow: bool) {
    use std::os::unix::fs::OpenOptionsExt;
    let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
    opts.custom_flags(libc::O_NONBLOCK | nofollow);
}
#[cfg(not(unix))]
fn nonblocking(_opts: &mut OpenOptions, _follow: bool) {}

#[cfg(unix)]
fn private_mode(opts: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    opts.mode(0o600);
}
#[cfg(not(unix))]
fn private_mode(_opts: &mut OpenOptions) {}

/// Creates `dir` and its missing parents 0700 (from creation, never
/// narrowed afterwards). An existing folder is left as it is.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Replaces `path` with `bytes`, atomically and privately: a randomly named
/// temporary file created exclusively in the same folder (0600 from
/// creation on Unix, so a planted file or link there is never reused),
/// written, synced and renamed over `path`. `path` itself is replaced, not
/// followed: callers that edit through a link resolve it first.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_of(path);
    create_private_dir(&dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The folder holding `path` (`.` for a bare file name).
pub fn parent_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// A YAML error as one line that never quotes the file (a neighbouring
/// line may hold a secret) nor the parser's hints: `FILE: not valid YAML
/// at line L, column C: KIND`.
pub fn yaml_error(path: &Path, e: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error as E;
    let e = e.without_snippet();
    let kind = match e {
        E::Eof { .. } => "the document ends too early".to_string(),
        E::Unexpected { expected, .. } => format!("expected {expected}"),
        E::DuplicateMappingKey { .. } => "a key appears twice in one mapping".into(),
        E::MultipleDocuments { .. } => "more than one document".into(),
        E::Message { .. } | E::ExternalMessage { .. } => "a syntax error".into(),
        _ => "a value of the wrong kind".into(),
    };
    let at = e
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
        .unwrap_or_default();
    format!("{}: not valid YAML{at}: {kind}", path.display())
}

/// Held while this process edits a file other programs (kubectl) edit too:
/// `<file>.lock`, created exclusively, removed on drop.
#[derive(Debug)]
pub struct EditLock {
    path: PathBuf,
}

impl EditLock {
    /// Takes `<file>.lock`, waiting up to `wait` for another holder. The
    /// lock is advisory, as kubectl's: it protects against kubectl and
    /// this tool, which both honour it.
    pub fn acquire(file: &Path, wait: Duration) -> anyhow::Result<EditLock> {
        let path = PathBuf::from(format!("{}.lock", file.display()));
        create_private_dir(&parent_of(&path)).map_err(|e| {
            anyhow::anyhow!("could not create the folder of {}: {e}", file.display())
        })?;
        let start = Instant::now();
        loop {
            let mut opts = OpenOptions::new();
            opts.write(true).create_new(true);
            private_mode(&mut opts);
            match opts.open(&path) {
                Ok(_) => return Ok(EditLock { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if start.elapsed() >= wait {
                        anyhow::bail!(stale_message(file, &path));
                    }
                    std::thread::sleep(LOCK_POLL);
                }
                Err(e) => anyhow::bail!("could not lock {}: {e}", file.display()),
            }
        }
    }
}

/// kubectl has no stale-lock recovery either: it refuses and leaves the
/// decision to the user. Say how old the lock is so the user can tell.
fn stale_message(file: &Path, lock: &Path) -> String {
    let age = std::fs::symlink_metadata(lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .map(|d| format!(" (created {} s ago)", d.as_secs()))
        .unwrap_or_default();
    format!(
        "could not lock {}: {}{age} is held by another kubectl or kubectl-eksauth; \
         if neither is running, remove {} and retry",
        file.display(),
        lock.display(),
        lock.display()
    )
}

impl Drop for EditLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_with_its_size() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big");
        std::fs::write(&p, vec![b'a'; 2048]).unwrap();
        assert_eq!(read(&p, 2048).unwrap().len(), 2048);
        let e = read(&p, 1024).unwrap_err().to_string();
        assert!(e.contains("larger than 1 KiB"), "{e}");
    }

    #[test]
    fn text_is_utf8_or_utf16_with_its_byte_order_mark() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a: é".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        std::fs::write(&p, le).unwrap();
        assert_eq!(read_text(&p, 100).unwrap(), "a: é");
        std::fs::write(&p, b"\xEF\xBB\xBFa: 1").unwrap();
        assert_eq!(read_text(&p, 100).unwrap(), "a: 1");
        std::fs::write(&p, b"a: \xff").unwrap();
        let e = read_text(&p, 100).unwrap_err().to_string();
        assert!(e.contains("not UTF-8"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_device_is_refused_at_once() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path and a mode.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read(&fifo, 1024).unwrap_err().to_string();
        assert!(e.contains("a FIFO (named pipe), not a regular file"), "{e}");
        let e = read(Path::new("/dev/zero"), 1024).unwrap_err().to_string();
        assert!(e.contains("a device"), "{e}");
        let e = open_lock_file(&fifo).unwrap_err().to_string();
        assert!(e.contains("FIFO"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn own_files_are_never_read_through_a_symlink() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("target");
        std::fs::write(&target, "x").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(read(&link, 10).is_ok());
        let e = read_own(&link, 10).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        assert!(open_lock_file(&link).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn private_write_is_0600_in_a_0700_folder_and_replaces_a_planted_link() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("new/dir/file");
        write_private(&p, b"one").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(&d.path().join("new")), 0o700);
        assert_eq!(mode(&d.path().join("new/dir")), 0o700);
        let victim = d.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let link = d.path().join("new/dir/link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        write_private(&link, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "two");
    }

    #[test]
    fn yaml_errors_name_the_place_never_the_text() {
        let text = "users:\n- name: a\n  password: hunter2-SECRET\n  x: [unclosed\n";
        let e = serde_saphyr::from_str::<serde_json::Value>(text).unwrap_err();
        let shown = yaml_error(Path::new("/k/config"), &e);
        assert!(
            shown.starts_with("/k/config: not valid YAML at line "),
            "{shown}"
        );
        assert!(
            !shown.contains("SECRET") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert!(!shown.contains('\n'), "{shown}");
    }

    #[test]
    fn an_edit_lock_excludes_a_second_holder_until_dropped() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("config");
        let held = EditLock::acquire(&f, Duration::ZERO).unwrap();
        let e = EditLock::acquire(&f, Duration::from_millis(50)).unwrap_err();
        assert!(e.to_string().contains("config.lock"), "{e}");
        drop(held);
        assert!(!d.path().join("config.lock").exists());
        EditLock::acquire(&f, Duration::ZERO).unwrap();
    }
}
