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

/// `why` against the simulator's example world: the helpers of
/// `tests/why_auth.rs`, shared by the authorization and IRSA tests.
pub mod why_sim {
    use super::*;
    use serde_json::Value;

    pub const ACCOUNT: &str = "111122223333";
    pub const CLUSTER_ARN: &str = "arn:aws:eks:us-west-2:111122223333:cluster/demo";
    pub const ADMIN_KEY: (&str, &str) = (
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    );
    pub const INTRUDER_KEY: (&str, &str) = (
        "AKIAINTRUDER0EXAMPLE",
        "8bQ2Vd1ZqkT0rR9xYh3JmN5pLw7sUc4eEXAMPLEK",
    );
    pub const DEV_KEY: (&str, &str) = (
        "AKIAI44QH8DHBEXAMPLE",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    );
    pub const V1: &str = "client.authentication.k8s.io/v1";
    pub const TOKEN_ARGS: [&str; 5] = ["token", "--cluster-name", "demo", "--region", "us-west-2"];

    /// The example fixture's text.
    pub fn example() -> String {
        std::fs::read_to_string(repo().join("sim/fixtures/example.yaml")).unwrap()
    }

    /// `text` with `from` replaced by `to`, asserting `from` is there.
    pub fn edit(text: &str, from: &str, to: &str) -> String {
        assert!(text.contains(from), "the fixture has no {from:?}");
        text.replacen(from, to, 1)
    }

    /// The example world of the simulator, with `edit` applied to its text.
    pub fn world(edit: impl Fn(String) -> String) -> Sim {
        Sim::start(&edit(example()))
    }

    /// The intruder may call the EKS and IAM APIs.
    pub fn intruder_may_call_aws(t: String) -> String {
        edit(
            &t,
            "principal_arn: arn:aws:iam::111122223333:user/intruder   # every EKS and IAM action",
            "principal_arn: arn:aws:iam::111122223333:user/nobody",
        )
    }

    /// Adds an access entry for the intruder with `body` (YAML lines of the
    /// entry after its principal, indented by six spaces).
    pub fn intruder_entry(t: String, body: &str) -> String {
        edit(
            &intruder_may_call_aws(t),
            "  access_entries:\n",
            &format!(
                "  access_entries:\n    - principal_arn: arn:aws:iam::111122223333:user/intruder\n{body}"
            ),
        )
    }

    /// A kubeconfig whose current context's user runs our token command
    /// with `key`-less env (the sandbox's), plus an `admin` context.
    pub fn kubeconfig(sim: &Sim, sb: &Sandbox) -> PathBuf {
        let path = sb.path("kubeconfig");
        let args: Vec<String> = TOKEN_ARGS.iter().map(|a| format!("{a:?}")).collect();
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {CLUSTER_ARN}\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\n\
             contexts:\n- name: {CLUSTER_ARN}\n  context: {{cluster: {CLUSTER_ARN:?}, user: {CLUSTER_ARN:?}}}\n\
             - name: admin\n  context: {{cluster: {CLUSTER_ARN:?}, user: admin}}\ncurrent-context: {CLUSTER_ARN}\n\
             users:\n- name: {CLUSTER_ARN}\n  user:\n    exec:\n      apiVersion: {V1}\n      interactiveMode: Never\n      command: {cmd:?}\n      args: [{args}]\n\
             - name: admin\n  user:\n    exec:\n      apiVersion: {V1}\n      interactiveMode: Never\n      command: {cmd:?}\n      args: [{args}]\n      env: [{{name: AWS_ACCESS_KEY_ID, value: {ak}}}, {{name: AWS_SECRET_ACCESS_KEY, value: {sk}}}]\n",
            ak = ADMIN_KEY.0,
            sk = ADMIN_KEY.1,
            server = sim.url("kube"),
            ca = sim.ca_file(),
            cmd = bin().display().to_string(),
            args = args.join(", "),
        );
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }

    /// A sandbox whose AWS endpoints are the simulator's, with `key` in
    /// the environment, and its kubeconfig.
    pub fn sandbox(sim: &Sim, key: (&str, &str)) -> Sandbox {
        let mut sb = Sandbox::new();
        let cache = sb.path("kcache").display().to_string();
        sb.set("AWS_ENDPOINT_URL_STS", sim.url("sts"))
            .set("AWS_ENDPOINT_URL_EKS", sim.url("eks"))
            .set("AWS_ENDPOINT_URL_IAM", sim.url("iam"))
            .set("AWS_ENDPOINT_URL_SSO", sim.url("sso"))
            .set("KUBECACHEDIR", cache)
            .set("AWS_ACCESS_KEY_ID", key.0)
            .set("AWS_SECRET_ACCESS_KEY", key.1);
        let kc = kubeconfig(sim, &sb);
        sb.set("KUBECONFIG", kc.display().to_string());
        sb
    }

    /// Runs `why -o json ARGS`; the exit code and report.
    pub fn why(sb: &Sandbox, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["why", "-o", "json", "--timeout", "20"];
        args.extend_from_slice(extra);
        let r = run(sb.eksauth(&args));
        let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
            panic!(
                "why printed no JSON ({e}):\nstdout: {}\nstderr: {}",
                r.stdout, r.stderr
            )
        });
        (r.code, v)
    }

    /// The finding of `code`, asserting it is there with `severity`.
    pub fn finding<'a>(report: &'a Value, code: &str, severity: &str) -> &'a Value {
        let f = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code);
        let f = f.unwrap_or_else(|| {
            panic!(
                "no finding {code} in\n{}",
                serde_json::to_string_pretty(report).unwrap()
            )
        });
        assert_eq!(f["severity"], severity, "{code}: {f}");
        f
    }

    /// Asserts the verdict and the exit status.
    pub fn assert_verdict(code: i32, report: &Value, verdict: &str, exit: i32) {
        assert_eq!(report["schema"], "eksauth.why/v1");
        assert_eq!(
            report["verdict"],
            verdict,
            "{}",
            serde_json::to_string_pretty(report).unwrap()
        );
        assert_eq!(code, exit, "exit status");
    }

    /// The codes of the error findings.
    pub fn errors(report: &Value) -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    }

    /// The text of a finding's field.
    pub fn text<'a>(f: &'a Value, field: &str) -> &'a str {
        f[field].as_str().unwrap_or_default()
    }
}
