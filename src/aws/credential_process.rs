//! A profile's `credential_process`, run within bounds: the command line
//! through the shell (as the AWS CLI and SDKs run it), its output capped,
//! and the process killed with its process group when it runs over
//! [`PROCESS_TIMEOUT`]. aws-config's own provider waits for ever, reads
//! without a cap and leaves the process running when given up on.
//!
//! The answer is the documented JSON (`Version` 1, `AccessKeyId`,
//! `SecretAccessKey`, optional `SessionToken` and `Expiration`). Neither
//! its output nor its stderr is ever quoted unredacted: both may hold the
//! very secrets it hands over.

use crate::child::{Ended, Limits};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials};
use std::time::{Duration, SystemTime};

/// How long the process may run. kubectl has no timeout for its exec
/// plugin, so without one a hanging helper hangs kubectl; the whole
/// credential resolution is bounded by
/// [`crate::aws::credentials::RESOLVE_TIMEOUT`] (30 s), and the process
/// gets most of it so that it is the process that is named and killed,
/// not a bare "took longer than 30 s".
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(25);
/// The answer is a few hundred bytes (a session token up to a few KiB).
const STDOUT_CAP: usize = 64 << 10;
/// The stderr kept for the error message (its end).
const STDERR_CAP: usize = 4 << 10;

/// Runs `command` for credentials.
#[derive(Debug, Clone)]
pub struct BoundedProcess {
    command: String,
    timeout: Duration,
}

impl BoundedProcess {
    /// The provider for a profile's `credential_process` value.
    pub fn new(command: &str) -> Self {
        BoundedProcess {
            command: command.to_string(),
            timeout: PROCESS_TIMEOUT,
        }
    }

    /// With another time bound (tests).
    #[cfg(test)]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn credentials(&self) -> provider::Result {
        let limits = Limits {
            timeout: self.timeout,
            stdout_cap: STDOUT_CAP,
            stderr_cap: STDERR_CAP,
        };
        let out = crate::child::run(shell(&self.command), limits).await;
        let failed = |why: String| Err(CredentialsError::provider_error(why));
        match out.ended {
            Ended::Exited(s) if s.success() => parse(&out.stdout),
            Ended::Exited(s) => {
                let stderr = crate::redact::Redactor::from_env()
                    .text(String::from_utf8_lossy(&out.stderr).trim());
                failed(format!("credential_process exited with {s}: {stderr}"))
            }
            Ended::TimedOut => failed(format!(
                "credential_process ran over {} s and was stopped (with its child processes); \
                 it is probably waiting for input it cannot get",
                self.timeout.as_secs()
            )),
            Ended::TooMuchOutput => failed(format!(
                "credential_process printed more than {} KiB; it was stopped",
                STDOUT_CAP >> 10
            )),
            Ended::Failed(e) => failed(format!("could not run credential_process: {e}")),
        }
    }
}

impl ProvideCredentials for BoundedProcess {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.credentials())
    }
}

/// `sh -c COMMAND` (`cmd.exe /C` on Windows), as the SDKs run it.
fn shell(command: &str) -> tokio::process::Command {
    #[cfg(windows)]
    {
        let mut c = tokio::process::Command::new("cmd.exe");
        c.arg("/C").arg(command);
        c
    }
    #[cfg(not(windows))]
    {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c").arg(command);
        c
    }
}

/// The process's JSON answer; errors never quote it.
fn parse(stdout: &[u8]) -> provider::Result {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Answer {
        version: Option<i64>,
        access_key_id: Option<String>,
        secret_access_key: Option<crate::secret::Secret>,
        session_token: Option<crate::secret::Secret>,
        expiration: Option<String>,
    }
    let bad = |why: &str| {
        Err(CredentialsError::provider_error(format!(
            "credential_process {why}"
        )))
    };
    let Ok(a) = serde_json::from_slice::<Answer>(stdout) else {
        return bad(
            "printed something that is not its JSON answer (output not shown: it may hold secrets)",
        );
    };
    if a.version != Some(1) {
        return bad("answered without \"Version\": 1");
    }
    let (Some(id), Some(secret)) = (a.access_key_id, a.secret_access_key) else {
        return bad("answered without AccessKeyId and SecretAccessKey");
    };
    let expiry = match a.expiration.as_deref() {
        None => None,
        Some(t) => {
            match time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
                Ok(t) => Some(SystemTime::from(t)),
                Err(_) => return bad("answered with an Expiration that is not an RFC 3339 time"),
            }
        }
    };
    Ok(Credentials::new(
        id,
        secret.expose(),
        a.session_token.map(|t| t.expose().to_string()),
        expiry,
        "CredentialProcess",
    ))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_good_answer_gives_credentials() {
        let p = BoundedProcess::new(
            r#"echo '{"Version":1,"AccessKeyId":"AKIAX","SecretAccessKey":"s3cr3tvalue","SessionToken":"tok","Expiration":"2099-01-01T00:00:00Z"}'"#,
        );
        let c = p.provide_credentials().await.unwrap();
        assert_eq!(c.access_key_id(), "AKIAX");
        assert_eq!(c.secret_access_key(), "s3cr3tvalue");
        assert_eq!(c.session_token(), Some("tok"));
        assert!(c.expiry().is_some());
    }

    #[tokio::test]
    async fn a_bad_answer_is_refused_without_quoting_it() {
        for out in [
            r#"{"Version":1,"AccessKeyId":"AKIAX","SecretAccessKey":"s3cr3tvalue""#,
            r#"{"Version":2,"AccessKeyId":"AKIAX","SecretAccessKey":"s3cr3tvalue"}"#,
        ] {
            let p = BoundedProcess::new(&format!("printf '%s' '{out}'"));
            let e = p.provide_credentials().await.unwrap_err();
            let msg = format!(
                "{}",
                aws_smithy_types::error::display::DisplayErrorContext(&e)
            );
            assert!(!msg.contains("s3cr3tvalue"), "{msg}");
            assert!(msg.contains("credential_process"), "{msg}");
        }
    }

    #[tokio::test]
    async fn a_hanging_process_is_stopped_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let pid = dir.path().join("pid");
        let p = BoundedProcess::new(&format!("sleep 300 & echo $! > {}; wait", pid.display()))
            .with_timeout(Duration::from_millis(500));
        let started = std::time::Instant::now();
        let e = p.provide_credentials().await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        let msg = format!(
            "{}",
            aws_smithy_types::error::display::DisplayErrorContext(&e)
        );
        assert!(msg.contains("was stopped"), "{msg}");
        std::thread::sleep(Duration::from_millis(200));
        let pid = std::fs::read_to_string(&pid).unwrap();
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z "),
            "left running: {stat}"
        );
    }

    #[tokio::test]
    async fn an_endless_printer_is_stopped() {
        let e = BoundedProcess::new("yes")
            .provide_credentials()
            .await
            .unwrap_err();
        let msg = format!(
            "{}",
            aws_smithy_types::error::display::DisplayErrorContext(&e)
        );
        assert!(msg.contains("more than"), "{msg}");
    }
}
