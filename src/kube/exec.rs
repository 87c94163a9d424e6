//! Running a kubeconfig user's exec credential plugin exactly as kubectl
//! does: the process environment plus the entry's `env`, and
//! `KUBERNETES_EXEC_INFO` naming the entry's apiVersion, non-interactive,
//! bounded by a timeout. The answer is kept as facts for `why`; the token
//! goes straight into a [`Secret`].

use crate::child::Ended;
use crate::kube::kubeconfig::ExecEntry;
use crate::secret::Secret;
use std::time::Duration;

/// How running the exec command went.
#[derive(Debug, Clone)]
pub enum ExecOutcome {
    /// It printed an ExecCredential with a token.
    Token {
        /// Its expirationTimestamp, as printed.
        expiration: Option<String>,
    },
    /// The command is not on PATH (or not executable).
    NotFound,
    /// It exited non-zero (stderr kept, trimmed; the runner drops lines
    /// that look like secrets).
    Failed {
        exit_code: Option<i32>,
        stderr: String,
    },
    /// It exited 0 but stdout was not a usable ExecCredential.
    BadOutput { reason: String },
    /// It ran past the timeout and was killed.
    TimedOut { seconds: u64 },
}

/// The exec step.
#[derive(Debug, Clone)]
pub struct ExecFacts {
    pub outcome: ExecOutcome,
}

/// How many trailing lines of the plugin's stderr are kept: enough for the
/// AWS CLI's and our own one-paragraph errors, not a whole trace.
const STDERR_LINES: usize = 12;
/// An ExecCredential is a few KiB (a token, or a client certificate and
/// key); more than this is not one.
const STDOUT_CAP: usize = 1 << 20;
/// The stderr kept, before its last lines are taken.
const STDERR_CAP: usize = 16 << 10;

/// Runs the entry; returns the facts and, on success, the token.
pub async fn run(entry: &ExecEntry, timeout: Duration) -> (ExecFacts, Option<Secret>) {
    let path_var = std::env::var_os("PATH");
    let cwd = std::env::current_dir().unwrap_or_default();
    let Some(program) = crate::platform::look_path(&entry.command, path_var.as_deref(), &cwd)
    else {
        return (
            ExecFacts {
                outcome: ExecOutcome::NotFound,
            },
            None,
        );
    };
    let api_version = entry
        .api_version
        .clone()
        .unwrap_or_else(|| crate::exec_credential::V1BETA1.to_string());
    let info = serde_json::json!({"kind": "ExecCredential", "apiVersion": api_version, "spec": {"interactive": false}});
    let mut cmd = tokio::process::Command::new(&program);
    cmd.args(&entry.args)
        .envs(entry.env.iter().map(|(k, v)| (k, v)))
        .env("KUBERNETES_EXEC_INFO", info.to_string());
    let limits = crate::child::Limits {
        timeout,
        stdout_cap: STDOUT_CAP,
        stderr_cap: STDERR_CAP,
    };
    let out = crate::child::run(cmd, limits).await;
    let stderr = || stderr_tail(&String::from_utf8_lossy(&out.stderr), entry);
    let outcome = match &out.ended {
        Ended::Exited(s) if s.success() => {
            let (outcome, token) = parse_credential(&out.stdout);
            return (ExecFacts { outcome }, token);
        }
        Ended::Exited(s) => ExecOutcome::Failed {
            exit_code: s.code(),
            stderr: stderr(),
        },
        Ended::TimedOut => ExecOutcome::TimedOut {
            seconds: timeout.as_secs(),
        },
        Ended::TooMuchOutput => ExecOutcome::BadOutput {
            reason: format!(
                "it printed more than {} KiB; it was stopped",
                STDOUT_CAP / 1024
            ),
        },
        Ended::Failed(e) => ExecOutcome::Failed {
            exit_code: None,
            stderr: format!("could not run it: {e}"),
        },
    };
    (ExecFacts { outcome }, None)
}

/// Reads an ExecCredential from the plugin's stdout.
pub fn parse_credential(stdout: &[u8]) -> (ExecOutcome, Option<Secret>) {
    let bad = |reason: &str| {
        (
            ExecOutcome::BadOutput {
                reason: reason.to_string(),
            },
            None,
        )
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(stdout) else {
        return bad("stdout is not an ExecCredential JSON document");
    };
    if v["kind"] != "ExecCredential" {
        return bad("stdout is JSON but not of kind ExecCredential");
    }
    let Some(token) = v["status"]["token"].as_str().filter(|t| !t.is_empty()) else {
        return bad("the ExecCredential has no status.token");
    };
    let outcome = ExecOutcome::Token {
        expiration: v["status"]["expirationTimestamp"]
            .as_str()
            .map(str::to_string),
    };
    (outcome, Some(Secret::new(token)))
}

/// The last lines of stderr, with every secret removed (by pattern, and
/// by value: the process environment's and the entry's `env`) and control
/// characters escaped.
fn stderr_tail(stderr: &str, entry: &ExecEntry) -> String {
    let mut r = crate::redact::Redactor::from_env();
    r.add_named(entry.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let lines: Vec<String> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| r.line(l))
        .collect();
    lines[lines.len().saturating_sub(STDERR_LINES)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_good_credential_and_refuses_others() {
        let good = br#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"k8s-aws-v1.x","expirationTimestamp":"2026-01-01T00:14:00Z"}}"#;
        let (o, t) = parse_credential(good);
        assert!(matches!(o, ExecOutcome::Token { .. }));
        assert_eq!(t.unwrap().expose(), "k8s-aws-v1.x");
        for bad in [
            &b"nope"[..],
            br#"{"kind":"Other"}"#,
            br#"{"kind":"ExecCredential","status":{}}"#,
        ] {
            assert!(matches!(
                parse_credential(bad).0,
                ExecOutcome::BadOutput { .. }
            ));
        }
    }

    #[test]
    fn stderr_keeps_the_tail_and_redacts_secrets() {
        let entry = ExecEntry {
            env: vec![("AWS_SECRET_ACCESS_KEY".into(), "verysecretvalue".into())],
            ..Default::default()
        };
        let s = stderr_tail(
            "a\nkey is verysecretvalue\nb\ntoken k8s-aws-v1.abc\nc\n",
            &entry,
        );
        assert_eq!(s, "a\nkey is (redacted)\nb\ntoken k8s-aws-v1.(redacted)\nc");
    }
}
