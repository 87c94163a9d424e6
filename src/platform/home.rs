//! The home folder. Two rules, because the tools disagree on Windows:
//! kubectl's files (`~/.kube`) and ours live under the user's profile
//! folder (`std::env::home_dir`: `HOME` then the account's home on Unix,
//! `USERPROFILE` then the profile folder on Windows), while the AWS SDK
//! for Rust reads `~/.aws` under `HOME` first on every OS (then, on
//! Windows, `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`). Git Bash and
//! MSYS set `HOME` on Windows, so the two can differ there; each caller
//! takes the one whose files it means.

use super::OsKind;
use aws_runtime::fs_util::{self, Os};
use aws_types::os_shim_internal::Env as SdkEnv;
use std::path::PathBuf;

/// The variables the AWS SDK's home rule reads.
const AWS_HOME_VARS: [&str; 4] = ["HOME", "USERPROFILE", "HOMEDRIVE", "HOMEPATH"];

/// The user's home folder (kubeconfig, token cache), or None when the OS
/// knows of none.
pub fn home_dir() -> Option<PathBuf> {
    std::env::home_dir().filter(|h| !h.as_os_str().is_empty())
}

/// The home under which the AWS SDK reads `.aws/config`,
/// `.aws/credentials` and `.aws/sso/cache` in this process.
pub fn aws_home() -> Option<PathBuf> {
    aws_home_from(OsKind::current(), |k| std::env::var(k).ok())
}

/// The AWS SDK's home rule for `kind`, given the variables (`get` returns
/// a variable's value). The rule is the SDK's own (`aws-runtime`), so
/// what is stamped and checked here is what the SDK then reads.
pub fn aws_home_from(kind: OsKind, get: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let values: Vec<(&str, String)> = AWS_HOME_VARS
        .iter()
        .filter_map(|k| get(k).map(|v| (*k, v)))
        .collect();
    let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let os = match kind {
        OsKind::Windows => Os::Windows,
        OsKind::Unix | OsKind::MacOs => Os::Unix,
    };
    fs_util::home_dir(&SdkEnv::from_slice(&pairs), os)
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn windows_aws_home_is_userprofile_when_home_is_unset() {
        let got = aws_home_from(OsKind::Windows, vars(&[("USERPROFILE", r"C:\Users\alice")]));
        assert_eq!(got, Some(PathBuf::from(r"C:\Users\alice")));
    }

    #[test]
    fn windows_aws_home_prefers_home_as_git_bash_sets_it() {
        let got = aws_home_from(
            OsKind::Windows,
            vars(&[
                ("HOME", "/c/Users/alice"),
                ("USERPROFILE", r"C:\Users\alice"),
            ]),
        );
        assert_eq!(got, Some(PathBuf::from("/c/Users/alice")));
    }

    #[test]
    fn windows_aws_home_falls_back_to_homedrive_and_homepath() {
        let got = aws_home_from(
            OsKind::Windows,
            vars(&[("HOMEDRIVE", "D:"), ("HOMEPATH", r"\Users\bob")]),
        );
        assert_eq!(got, Some(PathBuf::from(r"D:\Users\bob")));
    }

    #[test]
    fn unix_and_macos_aws_home_is_home_only() {
        let windows_only = [("USERPROFILE", r"C:\Users\alice")];
        assert_eq!(aws_home_from(OsKind::Unix, vars(&windows_only)), None);
        assert_eq!(aws_home_from(OsKind::MacOs, vars(&windows_only)), None);
        let mac = [("HOME", "/Users/alice")];
        assert_eq!(
            aws_home_from(OsKind::MacOs, vars(&mac)),
            Some(PathBuf::from("/Users/alice"))
        );
    }
}
