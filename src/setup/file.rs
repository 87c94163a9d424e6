//! The kubeconfig file itself: which one, reading it, showing a change as a
//! diff, and replacing it safely (0600, a backup of the previous version,
//! a temporary file renamed over the old one so no reader sees half a file).

use super::yaml::{self, Node};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Suffix of the backup of the previous version, beside the file.
pub const BACKUP_SUFFIX: &str = ".eksauth.bak";

/// The file to edit: `--kubeconfig`, else the first of `KUBECONFIG` (as
/// `aws eks update-kubeconfig` picks), else `~/.kube/config`.
pub fn choose(
    flag: Option<&Path>,
    kubeconfig_env: Option<&str>,
    home: Option<&Path>,
) -> Option<PathBuf> {
    if let Some(f) = flag {
        return Some(f.to_path_buf());
    }
    let sep = if cfg!(windows) { ';' } else { ':' };
    if let Some(first) = kubeconfig_env.and_then(|v| v.split(sep).find(|p| !p.is_empty())) {
        return Some(PathBuf::from(first));
    }
    home.map(|h| h.join(".kube").join("config"))
}

/// The document in `path` (an empty one when the file does not exist).
pub fn read(path: &Path) -> Result<(Node, bool)> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let doc = yaml::parse(&text)
                .with_context(|| format!("could not parse the kubeconfig {}", path.display()))?;
            Ok((doc, true))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((Node::map(), false)),
        Err(e) => {
            Err(e).with_context(|| format!("could not read the kubeconfig {}", path.display()))
        }
    }
}

/// A unified diff of two renderings of the document.
pub fn diff(path: &Path, before: &Node, after: &Node, existed: bool) -> Result<String> {
    let old = if existed {
        yaml::render(before)?
    } else {
        String::new()
    };
    let new = yaml::render(after)?;
    let name = path.display().to_string();
    Ok(similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string())
}

/// Writes `doc` to `path`: previous version copied to `path` + [`BACKUP_SUFFIX`]
/// (0600), new text to a 0600 temporary file in the same directory, synced,
/// then renamed over `path`. A symlinked kubeconfig has its target replaced.
pub fn write(path: &Path, doc: &Node) -> Result<Option<PathBuf>> {
    let text = yaml::render(doc)?;
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    create_private_dir(&dir)?;
    let backup = if target.exists() {
        let b = PathBuf::from(format!("{}{BACKUP_SUFFIX}", target.display()));
        let old = std::fs::read(&target)
            .with_context(|| format!("could not read {}", target.display()))?;
        write_private(&b, &old)?;
        Some(b)
    } else {
        None
    };
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let r = write_private(&tmp, text.as_bytes()).and_then(|()| {
        std::fs::rename(&tmp, &target)
            .with_context(|| format!("could not replace {}", target.display()))
    });
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r.map(|()| backup)
}

fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
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
        .with_context(|| format!("could not create {}", dir.display()))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).truncate(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("could not create {}", path.display()))?;
    #[cfg(unix)]
    {
        // An existing file keeps its mode on open; narrow it.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("could not write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_choice_flag_then_first_of_kubeconfig_then_home() {
        let h = Path::new("/h");
        // KUBECONFIG is a list in the OS's PATH form (`;` on Windows).
        let list = if cfg!(windows) { "/a;/b" } else { "/a:/b" };
        assert_eq!(
            choose(Some(Path::new("/f")), Some(list), Some(h)),
            Some("/f".into())
        );
        assert_eq!(choose(None, Some(list), Some(h)), Some("/a".into()));
        assert_eq!(choose(None, None, Some(h)), Some("/h/.kube/config".into()));
    }

    #[cfg(unix)]
    #[test]
    fn write_is_0600_and_keeps_the_previous_version() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("kube/config");
        assert_eq!(write(&p, &yaml::parse("a: 1").unwrap()).unwrap(), None);
        let b = write(&p, &yaml::parse("a: 2").unwrap()).unwrap().unwrap();
        assert_eq!(std::fs::read_to_string(&b).unwrap().trim(), "a: 1");
        assert_eq!(std::fs::read_to_string(&p).unwrap().trim(), "a: 2");
        for f in [&p, &b] {
            assert_eq!(
                std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
