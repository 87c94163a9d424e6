//! The sandbox: a private HOME with nothing configured, commands that see
//! only the variables it sets, its AWS files, and the peers run in it.

use super::*;

/// The AWS documentation's example secret key.
pub const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

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

    /// A sandbox that signs offline: key `id` with [`EXAMPLE_SECRET`] and
    /// AWS_REGION us-west-2 (`token` calls no service with them).
    pub fn offline(id: &str) -> Self {
        let mut sb = Sandbox::with_keys((id, EXAMPLE_SECRET));
        sb.set("AWS_REGION", "us-west-2");
        sb
    }

    /// A sandbox with `key` (access key id, secret) in the environment.
    pub fn with_keys(key: (&str, &str)) -> Self {
        let mut sb = Sandbox::new();
        sb.keys(key);
        sb
    }

    /// A sandbox whose STS, EKS, IAM and SSO are the simulator's, with its
    /// own token cache (`kcache`) and no credentials.
    pub fn for_sim(sim: &Sim) -> Self {
        let mut sb = Sandbox::new();
        sb.endpoints(sim, &["sts", "eks", "iam", "sso"])
            .private_cache();
        sb
    }

    /// `for_sim` with `key` in the environment and the kubeconfig
    /// [`Kubeconfig::eks`] of our token command (as KUBECONFIG): the
    /// sandbox of the `why` tests.
    pub fn eks(sim: &Sim, key: (&str, &str)) -> Self {
        let mut sb = Sandbox::for_sim(sim);
        sb.keys(key);
        sb.kubeconfig(&Kubeconfig::eks(sim, Exec::eksauth(&TOKEN_ARGS)));
        sb
    }

    /// A sandbox whose AWS calls (SSO OIDC too, never retried) go to
    /// `sim`, with kubectl-eksauth and the AWS CLI on PATH (as after
    /// `kubectl krew install`) and KUBECONFIG at `~/.kube/config`.
    pub fn installed(sim: &Sim) -> Self {
        let mut sb = Sandbox::new();
        let path = format!(
            "{}:{}:/usr/local/bin:/usr/bin:/bin",
            bin().parent().unwrap().display(),
            aws_cli().parent().unwrap().display()
        );
        let kc = sb.home().join(".kube/config").display().to_string();
        sb.set("PATH", path)
            .endpoints(sim, &["eks", "iam", "sts", "sso", "sso_oidc"])
            .set("AWS_MAX_ATTEMPTS", "1")
            .set("KUBECONFIG", kc);
        sb
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

    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    pub fn keys(&mut self, key: (&str, &str)) -> &mut Self {
        self.set("AWS_ACCESS_KEY_ID", key.0)
            .set("AWS_SECRET_ACCESS_KEY", key.1)
    }

    /// `AWS_ENDPOINT_URL_<NAME>` for each of the simulator's endpoints
    /// `names` (`sts`, `sso_oidc`, ...).
    pub fn endpoints(&mut self, sim: &Sim, names: &[&str]) -> &mut Self {
        for name in names {
            let var = format!("AWS_ENDPOINT_URL_{}", name.to_uppercase());
            self.set(&var, sim.url(name));
        }
        self
    }

    /// The sandbox's own token cache folder, `kcache` (KUBECACHEDIR).
    pub fn private_cache(&mut self) -> &mut Self {
        let cache = self.path("kcache").display().to_string();
        self.set("KUBECACHEDIR", cache)
    }

    /// Writes `text` at `rel` under HOME.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.home().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Writes `kc` as the sandbox's kubeconfig (`kubeconfig` beside HOME)
    /// and points KUBECONFIG at it.
    pub fn kubeconfig(&mut self, kc: &Kubeconfig) -> PathBuf {
        self.kubeconfig_text(&kc.text())
    }

    /// The same with a kubeconfig's text as it is (a broken one, say).
    pub fn kubeconfig_text(&mut self, text: &str) -> PathBuf {
        let p = self.path("kubeconfig");
        write_private(&p, text);
        self.set("KUBECONFIG", p.display().to_string());
        p
    }

    /// `~/.aws/credentials` with one profile `name` holding `key`.
    pub fn credentials_profile(&self, name: &str, key: (&str, &str)) -> PathBuf {
        self.write(
            ".aws/credentials",
            &format!(
                "[{name}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                key.0, key.1
            ),
        )
    }

    /// `~/.aws/config` with one profile `name` in us-west-2 whose
    /// `credential_process` is the script `body` (written as
    /// `~/<script_name>`); the script's path.
    pub fn credential_process(&self, name: &str, script_name: &str, body: &str) -> PathBuf {
        let process = self.home().join(script_name);
        script(&process, body);
        self.write(
            ".aws/config",
            &format!(
                "[profile {name}]\nregion = us-west-2\ncredential_process = {}\n",
                process.display()
            ),
        );
        process
    }

    /// The cached access token of SSO session `corp`
    /// (https://d-123.awsapps.com/start, us-east-1), expiring at
    /// `expires_at` (RFC 3339), as `aws sso login` leaves it.
    pub fn sso_token(&self, token: &str, expires_at: &str) -> PathBuf {
        self.write(
            &sso_cache_rel("corp"),
            &format!(
                r#"{{"startUrl":"https://d-123.awsapps.com/start","region":"us-east-1","accessToken":"{token}","expiresAt":"{expires_at}"}}"#
            ),
        )
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

/// Writes `text` at `path`, readable by the owner only (as kubectl and
/// `setup` write a kubeconfig).
pub fn write_private(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// `[profile NAME]` signing in through SSO session `corp` (account
/// 111122223333, permission set `role`) with `profile_lines` appended,
/// then `[sso-session corp]` (https://d-123.awsapps.com/start, us-east-1)
/// with `session_lines` appended: an `~/.aws/config`.
pub fn sso_config(name: &str, role: &str, profile_lines: &str, session_lines: &str) -> String {
    format!(
        "[profile {name}]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = {role}\n{profile_lines}\
         [sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\n{session_lines}"
    )
}

/// The SSO profile `dev` (session `corp`, permission set Admin, region
/// us-west-2) and, when `token` is given, a cached SSO session valid for 8
/// hours.
pub fn sso_profile(sb: &Sandbox, token: Option<&str>) {
    sb.write(
        ".aws/config",
        &sso_config(
            "dev",
            "Admin",
            "region = us-west-2\n",
            "sso_registration_scopes = sso:account:access\n",
        ),
    );
    if let Some(t) = token {
        sb.sso_token(t, &hours_from_now(8));
    }
}

/// `.aws/sso/cache/<sha1>.json` relative to HOME: the cache file of SSO
/// session (or legacy start URL) `id`.
pub fn sso_cache_rel(id: &str) -> String {
    use sha1::{Digest, Sha1};
    format!(
        ".aws/sso/cache/{}.json",
        hex::encode(Sha1::digest(id.as_bytes()))
    )
}

/// `kubectl ARGS` with the sandbox's environment (KUBECONFIG included).
pub fn kubectl_run(sb: &Sandbox, args: &[&str]) -> Run {
    let mut c = sb.command(kubectl());
    c.args(args);
    run(c)
}

/// The username the cluster sees through the current context.
pub fn kube_username(sb: &Sandbox, sim: &Sim) -> String {
    let r = kubectl_run(sb, &["auth", "whoami", "-o", "json"]);
    assert_eq!(r.code, 0, "kubectl: {}\nsim log:\n{}", r.stderr, sim.log());
    r.json()["status"]["userInfo"]["username"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `kubectl auth can-i VERB RESOURCE -n NS` as the sandbox's identity:
/// whether it said yes, and its stderr.
pub fn can_i(sb: &Sandbox, verb: &str, resource: &str, ns: &str) -> (bool, String) {
    let r = kubectl_run(sb, &["auth", "can-i", verb, resource, "-n", ns]);
    match r.stdout.trim() {
        "yes" => (true, r.stderr),
        "no" => (false, r.stderr),
        other => panic!("kubectl auth can-i said {other:?}; stderr: {}", r.stderr),
    }
}

/// The AWS CLI of the venv with the sandbox's environment.
pub fn aws(sb: &Sandbox, args: &[&str]) -> Run {
    let mut c = sb.command(aws_cli());
    c.args(args);
    run(c)
}

/// A YAML file as a JSON value (for comparing what must not change).
pub fn yaml_file(p: &Path) -> serde_json::Value {
    serde_saphyr::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}
