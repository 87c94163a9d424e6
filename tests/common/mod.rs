//! The one harness of the integration tests (every `tests/*.rs` starts with
//! `mod common; use common::*;`):
//!
//! - `sandbox.rs`: [`Sandbox`], a private HOME whose commands see only the
//!   variables it sets, its AWS files (profiles, `credential_process`, SSO
//!   sessions), and the peers run in it (`aws`, `kubectl`);
//! - `sim.rs`: [`Sim`], the local EKS simulator, and its fixtures (the
//!   example world and the small one built from parts), with their keys;
//! - `kubeconfig.rs`: [`Kubeconfig`], the one kubeconfig writer;
//! - `why.rs`: the `why -o json` runner and what reads its report.
//!
//! This file: the repository, the binary and the peers, running a command
//! to completion, and reading a token.
#![allow(dead_code, unused_imports)]

mod kubeconfig;
mod sandbox;
mod sim;
mod why;

pub use kubeconfig::*;
pub use sandbox::*;
pub use sim::*;
pub use why::*;

use base64::Engine;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubectl-eksauth"))
}

/// The repository root (canonical: links resolved).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap()
}

/// Every file under `dir` (recursively) whose name ends in one of `exts`.
pub fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, exts, out);
        } else if exts.iter().any(|x| p.to_string_lossy().ends_with(x)) {
            out.push(p);
        }
    }
}

/// The text of the repository's file `rel`.
pub fn repo_file(rel: &str) -> String {
    let p = repo().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("could not read {}: {e}", p.display()))
}

fn peer(var: &str, default: PathBuf, what: &str) -> PathBuf {
    let p = std::env::var_os(var).map(PathBuf::from).unwrap_or(default);
    assert!(
        p.exists(),
        "{what} not found at {} (set {var}); run the test command `bash tests/run.sh`, which installs it",
        p.display()
    );
    p
}

/// `aws` from the test venv (tests/run.sh installs a pinned awscli there).
pub fn aws_cli() -> PathBuf {
    peer(
        "EKSAUTH_TEST_AWS",
        repo().join(".venv/bin/aws"),
        "the AWS CLI",
    )
}

/// `faketime` from Debian's package.
pub fn faketime() -> PathBuf {
    peer(
        "EKSAUTH_TEST_FAKETIME",
        PathBuf::from("/usr/bin/faketime"),
        "faketime",
    )
}

/// The real kubectl.
pub fn kubectl() -> PathBuf {
    peer(
        "EKSAUTH_TEST_KUBECTL",
        PathBuf::from("/usr/bin/kubectl"),
        "kubectl",
    )
}

/// The simulator binary, built beside the test binaries by `cargo test --workspace`.
pub fn sim_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let p = dir.join(format!("eks-sim{}", std::env::consts::EXE_SUFFIX));
    assert!(
        p.exists(),
        "eks-sim not built at {}: run `cargo test --workspace`",
        p.display()
    );
    p
}

/// The outcome of a finished command, as text.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn failed(&self) -> &Self {
        assert_ne!(
            self.code, 0,
            "expected failure\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// The token of an ExecCredential on stdout.
    pub fn token(&self) -> String {
        self.json()["status"]["token"]
            .as_str()
            .expect("no status.token")
            .to_string()
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Runs a command to completion, failing the test if it outlives `limit`
/// (a guard against hangs, not a speed measurement).
pub fn run_within(mut c: Command, limit: Duration) -> Run {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap().into();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out: Run = child.wait_with_output().unwrap().into();
            panic!(
                "command still running after {limit:?}\nstderr: {}",
                out.stderr
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs with a generous hang guard.
pub fn run(c: Command) -> Run {
    run_within(c, Duration::from_secs(60))
}

/// The presigned URL inside a token.
pub fn token_url(token: &str) -> String {
    let b64 = token.strip_prefix("k8s-aws-v1.").expect("token prefix");
    String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(b64)
            .expect("base64url"),
    )
    .unwrap()
}

/// One query parameter of a token's URL (still percent-encoded).
pub fn token_param(token: &str, name: &str) -> Option<String> {
    let url = token_url(token);
    let query = url.split_once('?')?.1.to_string();
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
}

/// A token made of `url` as a presigned URL would be (no signing).
pub fn token_of_url(url: &str) -> String {
    format!(
        "k8s-aws-v1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    )
}

/// Writes an executable script.
pub fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Now plus `hours`, whole seconds, as RFC 3339 (an expiry in the future).
pub fn hours_from_now(hours: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(hours))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Now minus `minutes` as faketime takes an absolute time
/// (`YYYY-MM-DD hh:mm:ss`).
pub fn faketime_minutes_ago(minutes: i64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::minutes(minutes))
        .format(&time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap()
}
