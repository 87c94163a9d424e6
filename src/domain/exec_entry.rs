//! Which tool a kubeconfig exec entry's command runs, by its file name: the
//! one classifier `why` and `setup --migrate` share. A Windows command may
//! be written with `\` and carry the extension Windows runs it by (`.exe`,
//! `.cmd`, `.bat`, any case, as the name itself), so `C:\Tools\aws.cmd` is
//! the AWS CLI and `kubectl-eksauth.exe` is this plugin. Pure: the name is
//! read, never looked up.

/// The tool a command names. Its arguments decide the rest (`aws` runs an
/// EKS token only as `aws eks get-token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// The AWS CLI, `aws`.
    Aws,
    /// `aws-iam-authenticator`.
    AwsIamAuthenticator,
    /// This plugin, `kubectl-eksauth`.
    KubectlEksauth,
    /// `kubectl` (running the plugin as `kubectl eksauth`).
    Kubectl,
    /// Anything else.
    Other,
}

/// Which tool an exec entry runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecKind {
    /// `aws eks get-token`.
    AwsCli,
    /// `aws-iam-authenticator token`.
    Authenticator,
    /// `kubectl-eksauth token` (or `kubectl eksauth token`).
    EksAuth,
    /// Anything else (not an EKS token).
    #[default]
    Other,
}

/// What an exec entry with `command` and `args` runs: an EKS token only
/// when the tool is one that makes them and the arguments ask for one.
pub fn exec_kind(command: &str, args: &[String]) -> ExecKind {
    let has = |a: &str| args.iter().any(|x| x == a);
    match exec_tool(command) {
        Tool::Aws if has("get-token") => ExecKind::AwsCli,
        Tool::AwsIamAuthenticator => ExecKind::Authenticator,
        Tool::KubectlEksauth if has("token") || has("get-token") => ExecKind::EksAuth,
        Tool::Kubectl if has("eksauth") => ExecKind::EksAuth,
        _ => ExecKind::Other,
    }
}

/// The extensions Windows runs a command by, stripped before matching.
const RUNNABLE_EXTENSIONS: [&str; 3] = [".exe", ".cmd", ".bat"];

/// The tool `command` (a bare name or a path of any OS) runs.
pub fn exec_tool(command: &str) -> Tool {
    let base = command.rsplit(['/', '\\']).next().unwrap_or(command);
    let stem = RUNNABLE_EXTENSIONS
        .iter()
        .find_map(|ext| strip_suffix_ignore_case(base, ext))
        .unwrap_or(base);
    // Windows names ignore case; no Unix tool differs from these by case.
    match stem.to_ascii_lowercase().as_str() {
        "aws" => Tool::Aws,
        "aws-iam-authenticator" => Tool::AwsIamAuthenticator,
        "kubectl-eksauth" => Tool::KubectlEksauth,
        "kubectl" => Tool::Kubectl,
        _ => Tool::Other,
    }
}

fn strip_suffix_ignore_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    (s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(suffix)).then(|| &s[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_are_named_by_file_name_on_every_os() {
        let cases = [
            ("aws", Tool::Aws),
            ("/usr/local/bin/aws", Tool::Aws),
            ("/opt/homebrew/bin/aws", Tool::Aws),
            (r"C:\Program Files\Amazon\AWSCLIV2\aws.exe", Tool::Aws),
            (r"C:\Users\me\scoop\shims\aws.cmd", Tool::Aws),
            ("AWS.EXE", Tool::Aws),
            ("aws-iam-authenticator", Tool::AwsIamAuthenticator),
            (
                r"C:\bin\aws-iam-authenticator.exe",
                Tool::AwsIamAuthenticator,
            ),
            ("kubectl-eksauth", Tool::KubectlEksauth),
            ("kubectl-eksauth.exe", Tool::KubectlEksauth),
            ("C:/krew/bin/kubectl-eksauth.bat", Tool::KubectlEksauth),
            ("kubectl.exe", Tool::Kubectl),
            ("kubelogin", Tool::Other),
            ("aws.sh", Tool::Other),
            ("awscli.exe", Tool::Other),
            ("", Tool::Other),
            ("é.exe", Tool::Other),
        ];
        for (command, want) in cases {
            assert_eq!(exec_tool(command), want, "{command}");
        }
    }

    #[test]
    fn windows_paths_and_extensions() {
        let cases = [
            (r"C:\tools\aws.exe", Tool::Aws),
            (r"C:\tools\aws.CMD", Tool::Aws),
            (r"\\server\share\bin\Aws.Bat", Tool::Aws),
            (r"C:\tools/mixed\kubectl-eksauth.EXE", Tool::KubectlEksauth),
            (r".\aws-iam-authenticator.exe", Tool::AwsIamAuthenticator),
            (r"C:\Program Files\Kubernetes\kubectl.exe", Tool::Kubectl),
            (r"C:\tools\aws.exe.exe", Tool::Other),
            (r"C:\tools\aws.ps1", Tool::Other),
            (r"C:\tools\", Tool::Other),
            (r"C:\aws\", Tool::Other),
            (".exe", Tool::Other),
        ];
        for (command, want) in cases {
            assert_eq!(exec_tool(command), want, "{command}");
        }
    }

    #[test]
    fn unix_paths_are_not_read_as_extensions() {
        let cases = [
            ("./aws", Tool::Aws),
            ("../bin/kubectl-eksauth", Tool::KubectlEksauth),
            ("/usr/bin/aws/", Tool::Other),
            ("/opt/aws.exe/kubectl", Tool::Kubectl),
            (
                "/home/me/.local/bin/aws-iam-authenticator",
                Tool::AwsIamAuthenticator,
            ),
        ];
        for (command, want) in cases {
            assert_eq!(exec_tool(command), want, "{command}");
        }
    }
}
