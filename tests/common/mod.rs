//! Shared helpers for the integration tests: run the real binary in a
//! sandboxed environment (own HOME, no inherited AWS or kube variables),
//! find the peers (the AWS CLI of the test venv, faketime, kubectl), and
//! start the local EKS simulator.
#![allow(dead_code)]

use base64::Engine;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubectl-eksauth"))
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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

/// A private HOME with nothing configured, and commands that see only it.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        let env = vec![
            ("HOME".to_string(), home.display().to_string()),
            (
                "PATH".to_string(),
                "/usr/local/bin:/usr/bin:/bin".to_string(),
            ),
            // Keep the AWS CLI from reading anything of the machine's.
            (
                "AWS_CONFIG_FILE".to_string(),
                home.join(".aws/config").display().to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_string(),
                home.join(".aws/credentials").display().to_string(),
            ),
            ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
        ];
        Sandbox { dir, env }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Sets (or replaces) a variable for every later command.
    pub fn set(&mut self, k: &str, v: impl AsRef<str>) -> &mut Self {
        self.env.retain(|(n, _)| n != k);
        self.env.push((k.to_string(), v.as_ref().to_string()));
        self
    }

    pub fn unset(&mut self, k: &str) -> &mut Self {
        self.env.retain(|(n, _)| n != k);
        self
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.home().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// A command for `program` with exactly this sandbox's environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// `kubectl-eksauth ARGS`.
    pub fn eksauth(&self, args: &[&str]) -> Command {
        let mut c = self.command(bin());
        c.args(args);
        c
    }
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

/// Writes an executable script.
pub fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A running simulator (killed on drop).
pub struct Sim {
    child: std::process::Child,
    pub dir: tempfile::TempDir,
    pub endpoints: serde_json::Value,
}

impl Sim {
    /// Starts `eks-sim` with `fixture` (YAML) and waits for its endpoints.
    pub fn start(fixture: &str) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        let fx = dir.path().join("fixture.yaml");
        std::fs::write(&fx, fixture).unwrap();
        let state = dir.path().join("state");
        let log = std::fs::File::create(dir.path().join("sim.log")).unwrap();
        let child = Command::new(sim_bin())
            .arg("--fixture")
            .arg(&fx)
            .arg("--state-dir")
            .arg(&state)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start eks-sim");
        let mut sim = Sim {
            child,
            dir,
            endpoints: serde_json::Value::Null,
        };
        let file = state.join("endpoints.json");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Some(status) = sim.child.try_wait().unwrap() {
                panic!("eks-sim exited with {status}: {}", sim.log());
            }
            if let Ok(text) = std::fs::read_to_string(&file) {
                if let Ok(v) = serde_json::from_str(&text) {
                    sim.endpoints = v;
                    return sim;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "eks-sim did not write {} in time: {}",
            file.display(),
            sim.log()
        );
    }

    /// An endpoint URL by name (`sts`, `sso`, `eks`, `iam`, `kube`, ...).
    pub fn url(&self, name: &str) -> String {
        self.endpoints[name]
            .as_str()
            .unwrap_or_else(|| panic!("no endpoint {name}"))
            .to_string()
    }

    /// The CA file of the simulated API server.
    pub fn ca_file(&self) -> String {
        self.endpoints["ca_file"].as_str().unwrap().to_string()
    }

    /// What the simulator logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sim.log")).unwrap_or_default()
    }

    /// A kubeconfig whose one user runs `command args` as exec plugin
    /// (apiVersion `api_version`), with `env` for the plugin.
    pub fn kubeconfig(
        &self,
        path: &Path,
        api_version: &str,
        command: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) {
        let args_yaml: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
        let env_yaml: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{{name: {k:?}, value: {v:?}}}"))
            .collect();
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: demo\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\n\
             contexts:\n- name: demo\n  context: {{cluster: demo, user: demo}}\ncurrent-context: demo\n\
             users:\n- name: demo\n  user:\n    exec:\n      apiVersion: {api_version}\n      command: {cmd:?}\n      args: [{args}]\n      env: [{env}]\n      interactiveMode: Never\n",
            server = self.url("kube"),
            ca = self.ca_file(),
            cmd = command.display().to_string(),
            args = args_yaml.join(", "),
            env = env_yaml.join(", "),
        );
        std::fs::write(path, text).unwrap();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
