//! The one kubeconfig writer: a kubeconfig described as clusters, contexts
//! and users, written as YAML (every string quoted, so any name or value
//! is written as it is).

use super::*;

/// The exec entry of a user: the credential plugin kubectl runs.
#[derive(Clone, Debug)]
pub struct Exec {
    pub api_version: String,
    pub command: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub interactive_mode: Option<String>,
}

impl Exec {
    /// `command ARGS`, apiVersion v1, `interactiveMode: Never`, no env.
    pub fn new(command: impl AsRef<Path>, args: &[&str]) -> Self {
        Exec {
            api_version: V1.to_string(),
            command: command.as_ref().display().to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: vec![],
            interactive_mode: Some("Never".to_string()),
        }
    }

    /// The binary under test running `args`.
    pub fn eksauth(args: &[&str]) -> Self {
        Exec::new(bin(), args)
    }

    pub fn api_version(mut self, v: &str) -> Self {
        self.api_version = v.to_string();
        self
    }

    /// Variables kubectl sets for the plugin.
    pub fn env(mut self, env: &[(&str, &str)]) -> Self {
        self.env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self
    }

    /// `interactiveMode` (None: the field is left out).
    pub fn interactive_mode(mut self, mode: Option<&str>) -> Self {
        self.interactive_mode = mode.map(str::to_string);
        self
    }
}

/// How a user authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    Exec(Exec),
    /// Fields of the user given as they are (`token`, `username`, ...).
    Fields(Vec<(String, String)>),
}

impl Auth {
    /// A fixed bearer token.
    pub fn token(token: &str) -> Self {
        Auth::fields(&[("token", token)])
    }

    /// The user's fields as they are.
    pub fn fields(fields: &[(&str, &str)]) -> Self {
        Auth::Fields(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

impl From<Exec> for Auth {
    fn from(e: Exec) -> Self {
        Auth::Exec(e)
    }
}

#[derive(Clone, Debug)]
pub struct Cluster {
    pub name: String,
    pub server: String,
    pub ca: Option<String>,
    pub proxy_url: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Context {
    pub name: String,
    pub cluster: String,
    pub user: String,
}

#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
    pub auth: Auth,
}

/// A kubeconfig; the edits (`server`, `ca`, `proxy_url`) apply to its
/// first cluster.
#[derive(Clone, Debug, Default)]
pub struct Kubeconfig {
    pub clusters: Vec<Cluster>,
    pub contexts: Vec<Context>,
    pub users: Vec<User>,
    pub current: Option<String>,
}

impl Kubeconfig {
    pub fn new() -> Self {
        Self::default()
    }

    /// One cluster, context and user, each named `demo`, for the
    /// simulator's API server (as current context).
    pub fn demo(sim: &Sim, exec: Exec) -> Self {
        Kubeconfig::new()
            .cluster("demo", &sim.url("kube"), Some(&sim.ca_file()))
            .context("demo", "demo", "demo")
            .user("demo", exec)
            .current("demo")
    }

    /// As `aws eks update-kubeconfig` writes it for the simulated cluster
    /// (cluster, context and user named by the cluster's ARN, current) and
    /// an `admin` context whose user runs our token command with the
    /// example world's admin keys.
    pub fn eks(sim: &Sim, auth: impl Into<Auth>) -> Self {
        Kubeconfig::eks_named(sim, CLUSTER_ARN, auth)
    }

    /// The same with `arn` as the names.
    pub fn eks_named(sim: &Sim, arn: &str, auth: impl Into<Auth>) -> Self {
        let admin = Exec::eksauth(&TOKEN_ARGS).env(&[
            ("AWS_ACCESS_KEY_ID", ADMIN_KEY.0),
            ("AWS_SECRET_ACCESS_KEY", ADMIN_KEY.1),
        ]);
        Kubeconfig::new()
            .cluster(arn, &sim.url("kube"), Some(&sim.ca_file()))
            .context(arn, arn, arn)
            .context("admin", arn, "admin")
            .current(arn)
            .user(arn, auth)
            .user("admin", admin)
    }

    pub fn cluster(mut self, name: &str, server: &str, ca: Option<&str>) -> Self {
        self.clusters.push(Cluster {
            name: name.to_string(),
            server: server.to_string(),
            ca: ca.map(str::to_string),
            proxy_url: None,
        });
        self
    }

    pub fn context(mut self, name: &str, cluster: &str, user: &str) -> Self {
        self.contexts.push(Context {
            name: name.to_string(),
            cluster: cluster.to_string(),
            user: user.to_string(),
        });
        self
    }

    pub fn user(mut self, name: &str, auth: impl Into<Auth>) -> Self {
        self.users.push(User {
            name: name.to_string(),
            auth: auth.into(),
        });
        self
    }

    pub fn current(mut self, name: &str) -> Self {
        self.current = Some(name.to_string());
        self
    }

    /// The first cluster's server.
    pub fn server(mut self, url: &str) -> Self {
        self.clusters[0].server = url.to_string();
        self
    }

    /// The first cluster's CA file.
    pub fn ca(mut self, file: Option<&str>) -> Self {
        self.clusters[0].ca = file.map(str::to_string);
        self
    }

    /// The first cluster's `proxy-url`.
    pub fn proxy_url(mut self, url: &str) -> Self {
        self.clusters[0].proxy_url = Some(url.to_string());
        self
    }

    /// The YAML text.
    pub fn text(&self) -> String {
        let mut t = String::from("apiVersion: v1\nkind: Config\n");
        t += &list_key("clusters", self.clusters.is_empty());
        for c in &self.clusters {
            t += &format!(
                "- name: {}\n  cluster:\n    server: {}\n",
                q(&c.name),
                q(&c.server)
            );
            if let Some(ca) = &c.ca {
                t += &format!("    certificate-authority: {}\n", q(ca));
            }
            if let Some(p) = &c.proxy_url {
                t += &format!("    proxy-url: {}\n", q(p));
            }
        }
        t += &list_key("contexts", self.contexts.is_empty());
        for c in &self.contexts {
            t += &format!(
                "- name: {}\n  context: {{cluster: {}, user: {}}}\n",
                q(&c.name),
                q(&c.cluster),
                q(&c.user)
            );
        }
        if let Some(c) = &self.current {
            t += &format!("current-context: {}\n", q(c));
        }
        t += &list_key("users", self.users.is_empty());
        for u in &self.users {
            t += &format!("- name: {}\n  user:\n", q(&u.name));
            match &u.auth {
                Auth::Exec(e) => {
                    let args: Vec<String> = e.args.iter().map(|a| q(a)).collect();
                    t += &format!(
                        "    exec:\n      apiVersion: {}\n      command: {}\n      args: [{}]\n",
                        q(&e.api_version),
                        q(&e.command),
                        args.join(", ")
                    );
                    if !e.env.is_empty() {
                        let env: Vec<String> = e
                            .env
                            .iter()
                            .map(|(k, v)| format!("{{name: {}, value: {}}}", q(k), q(v)))
                            .collect();
                        t += &format!("      env: [{}]\n", env.join(", "));
                    }
                    if let Some(m) = &e.interactive_mode {
                        t += &format!("      interactiveMode: {}\n", q(m));
                    }
                }
                Auth::Fields(fields) => {
                    for (k, v) in fields {
                        t += &format!("    {k}: {}\n", q(v));
                    }
                }
            }
        }
        t
    }

    /// Writes the text at `path` (owner-only, as kubectl writes it).
    pub fn write(&self, path: &Path) -> PathBuf {
        write_private(path, &self.text());
        path.to_path_buf()
    }
}

/// `NAME:` opening a list, or `NAME: []` for an empty one.
fn list_key(name: &str, empty: bool) -> String {
    if empty {
        format!("{name}: []\n")
    } else {
        format!("{name}:\n")
    }
}

/// A YAML double-quoted scalar (JSON's quoting is YAML's).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}
