//! Finding an exec command as the OS does when kubectl runs it.
//!
//! [`look_path`] is the real lookup (the `which` crate: `PATHEXT` on
//! Windows, the execute bit on Unix, a command with a separator taken as a
//! path relative to the working directory). [`lookup_candidates`] (tests only) is
//! the rule written out as a pure function of its inputs, in the order Go's
//! `exec.LookPath` (what kubectl uses) tries the files: it pins, with
//! Windows and macOS shapes on any machine, what the lookup must do, and a
//! test checks `which` against it on the machine at hand. (`which` also
//! accepts a bare name without extension on Windows, which Go never runs;
//! no real command is installed that way.) Candidates are strings, not
//! `Path`s, because a Windows path cannot be built with another OS's `Path`.

#[cfg(test)]
use super::OsKind;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The extensions Windows runs when `PATHEXT` is unset (Go's default too).
#[cfg(test)]
const DEFAULT_PATHEXT: &str = ".COM;.EXE;.BAT;.CMD";

/// Finds `command` on `path` (a PATH value) as the OS would, relative to
/// `cwd` when it names a path; None when there is no such executable.
pub fn look_path(command: &str, path: Option<&OsStr>, cwd: &Path) -> Option<PathBuf> {
    if command.is_empty() {
        return None;
    }
    which::which_in(command, path, cwd).ok()
}

/// The files the OS of `kind` tries for `command`, in order, given the
/// values of PATH and (Windows) PATHEXT. A command with a separator is a
/// path and PATH is not searched. Relative PATH entries (an empty one is
/// the current directory) are skipped: kubectl's Go refuses what they find.
/// On Windows a name is tried with each extension of PATHEXT, after the
/// name as given when it already has an extension (Go's rule, which lets
/// `aws.cmd` and `foo.bat.exe` both resolve).
#[cfg(test)]
pub fn lookup_candidates(
    command: &str,
    path: &str,
    pathext: Option<&str>,
    kind: OsKind,
) -> Vec<String> {
    match kind {
        OsKind::Windows => windows_candidates(command, path, pathext),
        OsKind::Unix | OsKind::MacOs => unix_candidates(command, path),
    }
}

#[cfg(test)]
fn unix_candidates(command: &str, path: &str) -> Vec<String> {
    if command.contains('/') {
        return vec![command.to_string()];
    }
    path.split(':')
        .filter(|dir| dir.starts_with('/'))
        .map(|dir| format!("{}/{command}", dir.trim_end_matches('/')))
        .collect()
}

#[cfg(test)]
fn windows_candidates(command: &str, path: &str, pathext: Option<&str>) -> Vec<String> {
    let exts = windows_extensions(pathext);
    let expand = |file: String| -> Vec<String> {
        let with_exts = exts.iter().map(|e| format!("{file}{e}"));
        if has_extension(&file) {
            std::iter::once(file.clone()).chain(with_exts).collect()
        } else {
            with_exts.collect()
        }
    };
    if command.contains(['\\', '/', ':']) {
        return expand(command.to_string());
    }
    path.split(';')
        .map(|dir| dir.trim_matches('"'))
        .filter(|dir| windows_absolute(dir))
        .flat_map(|dir| expand(format!("{}\\{command}", dir.trim_end_matches(['\\', '/']))))
        .collect()
}

/// Whether a Windows PATH entry is absolute (`C:\dir`, `\\server\share`).
#[cfg(test)]
fn windows_absolute(dir: &str) -> bool {
    let b = dir.as_bytes();
    dir.starts_with(r"\\") || (b.len() >= 3 && b[1] == b':' && matches!(b[2], b'\\' | b'/'))
}

/// PATHEXT's extensions, lowercased, each with its dot; the default when
/// unset or empty.
#[cfg(test)]
fn windows_extensions(pathext: Option<&str>) -> Vec<String> {
    let exts: Vec<String> = pathext
        .unwrap_or("")
        .split(';')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e != ".")
        .map(|e| {
            if e.starts_with('.') {
                e
            } else {
                format!(".{e}")
            }
        })
        .collect();
    if exts.is_empty() {
        return windows_extensions(Some(DEFAULT_PATHEXT));
    }
    exts
}

/// Whether the file name has an extension (a dot after the last separator).
#[cfg(test)]
fn has_extension(file: &str) -> bool {
    match file.rfind('.') {
        Some(dot) => file.rfind([':', '\\', '/']).is_none_or(|sep| sep < dot),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIN_PATH: &str = r"C:\Tools;C:\bin";
    const WIN_EXT: Option<&str> = Some(".COM;.EXE;.BAT;.CMD");

    #[test]
    fn windows_tries_every_pathext_extension_in_each_path_directory() {
        assert_eq!(
            lookup_candidates("aws", WIN_PATH, WIN_EXT, OsKind::Windows),
            [
                r"C:\Tools\aws.com",
                r"C:\Tools\aws.exe",
                r"C:\Tools\aws.bat",
                r"C:\Tools\aws.cmd",
                r"C:\bin\aws.com",
                r"C:\bin\aws.exe",
                r"C:\bin\aws.bat",
                r"C:\bin\aws.cmd",
            ]
        );
    }

    #[test]
    fn windows_command_with_a_runnable_extension_is_tried_as_is() {
        assert_eq!(
            lookup_candidates("aws.CMD", r"C:\bin", Some(".EXE"), OsKind::Windows),
            [r"C:\bin\aws.CMD", r"C:\bin\aws.CMD.exe"]
        );
    }

    #[test]
    fn windows_command_with_a_backslash_is_a_path_not_searched() {
        let got = lookup_candidates(
            r"C:\Program Files\Amazon\AWSCLIV2\aws",
            WIN_PATH,
            WIN_EXT,
            OsKind::Windows,
        );
        assert_eq!(got[1], r"C:\Program Files\Amazon\AWSCLIV2\aws.exe");
        assert_eq!(got.len(), 4);
        assert_eq!(
            lookup_candidates(
                r"bin\kubectl-eksauth.exe",
                WIN_PATH,
                Some("EXE"),
                OsKind::Windows
            ),
            [r"bin\kubectl-eksauth.exe", r"bin\kubectl-eksauth.exe.exe"]
        );
    }

    #[test]
    fn windows_unset_pathext_uses_the_default_and_relative_entries_are_skipped() {
        let got = lookup_candidates(
            "aws",
            r#""C:\My Tools\";;.\bin;\\srv\tools"#,
            None,
            OsKind::Windows,
        );
        assert_eq!(got.len(), 8);
        assert_eq!(got[..2], [r"C:\My Tools\aws.com", r"C:\My Tools\aws.exe"]);
        assert_eq!(got[7], r"\\srv\tools\aws.cmd");
    }

    #[test]
    fn windows_a_dot_in_a_directory_name_is_not_an_extension() {
        assert_eq!(
            lookup_candidates(r"C:\tools.d\aws", "", Some(".EXE"), OsKind::Windows),
            [r"C:\tools.d\aws.exe"]
        );
    }

    #[test]
    fn macos_searches_path_in_order_and_ignores_pathext() {
        assert_eq!(
            lookup_candidates(
                "aws",
                "/opt/homebrew/bin:/usr/local/bin:/usr/bin",
                WIN_EXT,
                OsKind::MacOs
            ),
            [
                "/opt/homebrew/bin/aws",
                "/usr/local/bin/aws",
                "/usr/bin/aws"
            ]
        );
    }

    #[test]
    fn unix_relative_path_entries_are_skipped_and_slash_means_a_path() {
        assert_eq!(
            lookup_candidates("aws", "/usr/bin::bin:/bin/", None, OsKind::Unix),
            ["/usr/bin/aws", "/bin/aws"]
        );
        assert_eq!(
            lookup_candidates("./bin/aws", "/usr/bin", None, OsKind::Unix),
            ["./bin/aws"]
        );
    }

    /// Makes `dir/name` a file, executable on Unix.
    fn executable(dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        p
    }

    #[test]
    fn look_path_finds_the_first_candidate_of_this_os_that_exists() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let name = if cfg!(windows) { "tool.exe" } else { "tool" };
        executable(b.path(), name);
        let path = std::env::join_paths([a.path(), b.path()]).unwrap();
        let found = look_path("tool", Some(&path), a.path()).expect("found");
        let pathext = std::env::var("PATHEXT").ok();
        let first = lookup_candidates(
            "tool",
            path.to_str().unwrap(),
            pathext.as_deref(),
            OsKind::current(),
        )
        .into_iter()
        .find(|c| Path::new(c).is_file())
        .unwrap();
        assert_eq!(found, PathBuf::from(first));
        assert_eq!(look_path("absent-tool", Some(&path), a.path()), None);
        assert_eq!(look_path("", Some(&path), a.path()), None);
    }

    #[test]
    fn look_path_takes_a_command_with_a_separator_as_a_path_from_cwd() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("bin")).unwrap();
        let name = if cfg!(windows) { "tool.exe" } else { "tool" };
        let p = executable(&d.path().join("bin"), name);
        let rel = Path::new("bin").join(name);
        let found = look_path(rel.to_str().unwrap(), None, d.path()).expect("found");
        assert_eq!(found.canonicalize().unwrap(), p.canonicalize().unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn look_path_skips_a_file_without_the_execute_bit() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("tool");
        std::fs::write(&p, "x").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            look_path("tool", Some(d.path().as_os_str()), d.path()),
            None
        );
    }
}
