//! Running a kubeconfig user's exec credential plugin exactly as kubectl
//! does: the process environment plus the entry's `env`, and
//! `KUBERNETES_EXEC_INFO` naming the entry's apiVersion, non-interactive,
//! bounded by a timeout. The answer is kept as facts for `why`; the token
//! goes straight into a [`Secret`].

use crate::secret::Secret;
use crate::why::evidence::{ExecEntry, ExecFacts, ExecOutcome};
use std::process::Stdio;
use std::time::Duration;

/// How many trailing lines of the plugin's stderr are kept: enough for the
/// AWS CLI's and our own one-paragraph errors, not a whole trace.
const STDERR_LINES: usize = 12;

/// Runs the entry; returns the facts and, on success, the token.
pub async fn run(entry: &ExecEntry, timeout: Duration) -> (ExecFacts, Option<Secret>) {
    let path_var = std::env::var_os("PATH");
    let cwd = std::env::current_dir().unwrap_or_default();
    let Some(program) = crate::platform::look_path(&entry.command, path_var.as_deref(), &cwd)
    else {
        return (
            ExecFacts {
                resolved: None,
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
        .env("KUBERNETES_EXEC_INFO", info.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let resolved = Some(program.display().to_string());
    let output = match cmd.spawn() {
        Ok(child) => tokio::time::timeout(timeout, child.wait_with_output()).await,
        Err(e) => {
            let outcome = ExecOutcome::Failed {
                exit_code: None,
                stderr: format!("could not start: {e}"),
            };
            return (ExecFacts { resolved, outcome }, None);
        }
    };
    let out = match output {
        Err(_) => {
            return (
                ExecFacts {
                    resolved,
                    outcome: ExecOutcome::TimedOut {
                        seconds: timeout.as_secs(),
                    },
                },
                None,
            );
        }
        Ok(Err(e)) => {
            let outcome = ExecOutcome::Failed {
                exit_code: None,
                stderr: format!("could not run: {e}"),
            };
            return (ExecFacts { resolved, outcome }, None);
        }
        Ok(Ok(o)) => o,
    };
    if !out.status.success() {
        let stderr = tail_without_secrets(&String::from_utf8_lossy(&out.stderr), entry);
        return (
            ExecFacts {
                resolved,
                outcome: ExecOutcome::Failed {
                    exit_code: out.status.code(),
                    stderr,
                },
            },
            None,
        );
    }
    let (outcome, token) = parse_credential(&out.stdout);
    (ExecFacts { resolved, outcome }, token)
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
        api_version: v["apiVersion"].as_str().map(str::to_string),
        expiration: v["status"]["expirationTimestamp"]
            .as_str()
            .map(str::to_string),
    };
    (outcome, Some(Secret::new(token)))
}

/// The last lines of stderr, minus any line that carries a token or one of
/// the secret values the entry passes in its env.
fn tail_without_secrets(stderr: &str, entry: &ExecEntry) -> String {
    let secrets: Vec<&str> = entry
        .env
        .iter()
        .filter(|(k, v)| {
            k.contains("SECRET") || k.contains("TOKEN") || k.contains("PASSWORD") && !v.is_empty()
        })
        .map(|(_, v)| v.as_str())
        .filter(|v| v.len() >= 8)
        .collect();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| !l.contains("k8s-aws-v1.") && !secrets.iter().any(|s| l.contains(s)))
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
    fn stderr_keeps_the_tail_and_drops_secret_lines() {
        let entry = ExecEntry {
            env: vec![("AWS_SECRET_ACCESS_KEY".into(), "verysecretvalue".into())],
            ..Default::default()
        };
        let s = tail_without_secrets(
            "a\nkey is verysecretvalue\nb\ntoken k8s-aws-v1.abc\nc\n",
            &entry,
        );
        assert_eq!(s, "a\nb\nc");
    }
}
