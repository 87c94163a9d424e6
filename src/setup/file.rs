//! The kubeconfig file itself: which one, reading it, showing a change as a
//! diff, and replacing it safely: under kubectl's `<file>.lock`, through a
//! symlink to its target as kubectl writes, with a backup of the previous
//! version, via [`crate::fsio::write_private`] (a random temporary file,
//! 0600, renamed over the old one so no reader sees half a file), keeping
//! the text (comments included) of what did not change ([`splice`]).

use super::splice;
use super::yaml::{self, Node};
use crate::fsio;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Suffix of the backup of the previous version, beside the file.
pub const BACKUP_SUFFIX: &str = ".eksauth.bak";

/// How many links a kubeconfig path may go through (as the kernel's limit).
const MAX_LINKS: usize = 40;

/// The files kubectl loads: `--kubeconfig`, else every file of
/// `KUBECONFIG`, else `~/.kube/config`.
pub fn candidates(
    flag: Option<&Path>,
    kubeconfig_env: Option<&str>,
    home: Option<&Path>,
) -> Vec<PathBuf> {
    crate::kube::kubeconfig::load_paths(flag, kubeconfig_env, home)
}

/// The file kubectl writes an entry to: the first of `paths` that defines
/// `name` in `list` (clusters, users or contexts); for a new entry the
/// first file that exists, else the last one (client-go's rule).
pub fn where_to_write(paths: &[PathBuf], list: &str, names: &[&str]) -> Option<PathBuf> {
    let defines = |p: &PathBuf| {
        let Ok((doc, true)) = read(p) else {
            return false;
        };
        doc.get(list).is_some_and(|l| {
            l.items().iter().any(|i| {
                i.get("name")
                    .and_then(Node::as_str)
                    .is_some_and(|n| names.contains(&n))
            })
        })
    };
    paths
        .iter()
        .find(|p| defines(p))
        .or_else(|| paths.iter().find(|p| p.exists()))
        .or_else(|| paths.last())
        .cloned()
}

/// The first of `paths` that sets a current context: the one kubectl
/// reads it from, and so the one to change it in.
pub fn current_context_file(paths: &[PathBuf]) -> Option<PathBuf> {
    paths
        .iter()
        .find(|p| {
            read(p).is_ok_and(|(doc, _)| {
                doc.get("current-context")
                    .and_then(Node::as_str)
                    .is_some_and(|c| !c.is_empty())
            })
        })
        .cloned()
}

/// The file a write to `path` lands in: a symlink is followed to its
/// target, even a dangling one (kubectl writes through it; replacing the
/// link with a regular file would cut it).
pub fn write_target(path: &Path) -> Result<PathBuf> {
    let mut cur = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&cur)
                    .with_context(|| format!("could not read the link {}", cur.display()))?;
                cur = fsio::parent_of(&cur).join(to);
            }
            _ => return Ok(cur),
        }
    }
    bail!(
        "could not write {}: it goes through more than {MAX_LINKS} symbolic links",
        path.display()
    )
}

/// The document in `path` (an empty one when the file does not exist). A
/// file that is not YAML, or whose top level is a list or a scalar, is
/// refused, never replaced; the error names the place, never the text.
pub fn read(path: &Path) -> Result<(Node, bool)> {
    let text = match fsio::read_text(path, fsio::KUBECONFIG_LIMIT) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Node::map(), false)),
        Err(e) => bail!("could not read the kubeconfig {}: {e}", path.display()),
    };
    let doc = yaml::parse(&text).map_err(|e| {
        anyhow::anyhow!(
            "could not parse the kubeconfig {}",
            fsio::yaml_error(path, &e)
        )
    })?;
    let what = match &doc {
        Node::Map(_) => return Ok((doc, true)),
        Node::Seq(_) => "a YAML list",
        _ => "a single YAML value",
    };
    bail!(
        "could not use the kubeconfig {}: it holds {what}, not a mapping with clusters, users \
         and contexts; fix or move it, then rerun setup",
        path.display()
    )
}

/// The file's current text (None when it does not exist) and the text
/// `doc` is written as: the old text kept wherever nothing changed
/// ([`splice`]), else the whole tree printed.
fn texts(target: &Path, doc: &Node) -> Result<(Option<Vec<u8>>, String)> {
    let old = match fsio::read(target, fsio::KUBECONFIG_LIMIT) {
        Ok(old) => Some(old),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => bail!("could not read {}: {e}", target.display()),
    };
    let kept = old
        .as_deref()
        .and_then(|o| std::str::from_utf8(o).ok())
        .and_then(|o| splice::render(o, doc));
    let new = match kept {
        Some(t) => t,
        None => yaml::render(doc)?,
    };
    Ok((old, new))
}

/// A unified diff of the file `target` (shown as `path`) and what writing
/// `doc` would make of it.
pub fn diff(path: &Path, target: &Path, doc: &Node) -> Result<String> {
    let (old, new) = texts(target, doc)?;
    let old = String::from_utf8_lossy(old.as_deref().unwrap_or_default()).into_owned();
    let name = path.display().to_string();
    Ok(similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string())
}

/// Writes `doc` to `target` (a [`write_target`], under the caller's lock):
/// the previous version copied to `target` + [`BACKUP_SUFFIX`], then the
/// new text, both with [`fsio::write_private`] (a planted link at the
/// backup's name is replaced, never followed).
pub fn write(target: &Path, doc: &Node) -> Result<Option<PathBuf>> {
    let (old, text) = texts(target, doc)?;
    let backup = match old {
        Some(old) => {
            let b = PathBuf::from(format!("{}{BACKUP_SUFFIX}", target.display()));
            fsio::write_private(&b, &old)
                .with_context(|| format!("could not write the backup {}", b.display()))?;
            Some(b)
        }
        None => None,
    };
    fsio::write_private(target, text.as_bytes())
        .with_context(|| format!("could not write {}", target.display()))?;
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_candidates_flag_then_kubeconfig_then_home() {
        let h = Path::new("/h");
        // KUBECONFIG is a list in the OS's PATH form (`;` on Windows).
        let list = if cfg!(windows) { "/a;/b" } else { "/a:/b" };
        assert_eq!(
            candidates(Some(Path::new("/f")), Some(list), Some(h)),
            vec![PathBuf::from("/f")]
        );
        assert_eq!(
            candidates(None, Some(list), Some(h)),
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
        assert_eq!(
            candidates(None, None, Some(h)),
            vec![PathBuf::from("/h/.kube/config")]
        );
    }

    #[test]
    fn an_entry_is_written_where_it_lives_a_new_one_to_the_first_existing_file() {
        let d = tempfile::tempdir().unwrap();
        let (f1, f2, f3) = (
            d.path().join("f1"),
            d.path().join("f2"),
            d.path().join("f3"),
        );
        std::fs::write(&f2, "clusters:\n- name: other\n").unwrap();
        std::fs::write(&f3, "clusters:\n- name: demo\n").unwrap();
        let all = vec![f1.clone(), f2.clone(), f3.clone()];
        assert_eq!(
            where_to_write(&all, "clusters", &["demo"]),
            Some(f3.clone())
        );
        assert_eq!(where_to_write(&all, "clusters", &["new"]), Some(f2));
        let none = vec![f1, d.path().join("f4")];
        assert_eq!(
            where_to_write(&none, "clusters", &["new"]),
            Some(d.path().join("f4"))
        );
    }

    #[test]
    fn the_current_context_lives_in_the_first_file_that_sets_it() {
        let d = tempfile::tempdir().unwrap();
        let (f1, f2) = (d.path().join("f1"), d.path().join("f2"));
        std::fs::write(&f1, "clusters: []\n").unwrap();
        std::fs::write(&f2, "current-context: a\n").unwrap();
        let all = vec![f1.clone(), f2.clone()];
        assert_eq!(current_context_file(&all), Some(f2.clone()));
        std::fs::write(&f1, "current-context: b\n").unwrap();
        assert_eq!(current_context_file(&all), Some(f1));
    }

    #[test]
    fn a_list_or_scalar_kubeconfig_is_refused_and_errors_never_quote_the_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        for (text, says) in [
            ("- a\n- b\n", "a YAML list"),
            ("just text\n", "a single YAML value"),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = read(&p).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
        std::fs::write(&p, "users:\n- name: a\n  password: hunter2\n  x: [open\n").unwrap();
        let e = format!("{:#}", read(&p).unwrap_err());
        assert!(e.contains("not valid YAML at line"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn write_is_0600_keeps_the_previous_version_and_never_follows_a_planted_backup_link() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("kube/config");
        assert_eq!(write(&p, &yaml::parse("a: 1").unwrap()).unwrap(), None);
        let victim = d.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let bak = d.path().join(format!("kube/config{BACKUP_SUFFIX}"));
        std::os::unix::fs::symlink(&victim, &bak).unwrap();
        let b = write(&p, &yaml::parse("a: 2").unwrap()).unwrap().unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(&b).unwrap().trim(), "a: 1");
        assert_eq!(std::fs::read_to_string(&p).unwrap().trim(), "a: 2");
        for f in [&p, &b] {
            assert_eq!(
                std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symlinked_kubeconfig_is_written_through_not_replaced() {
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("config");
        std::os::unix::fs::symlink("real/config", &link).unwrap();
        let target = write_target(&link).unwrap();
        assert_eq!(target, d.path().join("real/config"));
        write(&target, &yaml::parse("a: 1").unwrap()).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&link).unwrap().trim(), "a: 1");
    }
}
