//! The kubeconfig, loaded the way kubectl loads it, and one context
//! resolved to its cluster and user.
//!
//! Files: `--kubeconfig`, else every file of `KUBECONFIG` (missing ones
//! skipped), else `~/.kube/config`; merged with kube-rs (the first file that
//! sets a value wins, as in client-go). Problems are returned as facts
//! ([`KubeconfigFacts`]), not errors, because `why` reports them.

use crate::domain::exec_entry::{ExecKind, exec_kind};
use crate::secret::Secret;
use kube::config::{ExecConfig, Kubeconfig};
use std::path::{Path, PathBuf};

/// One kubeconfig file of the load list.
#[derive(Debug, Clone, Default)]
pub struct KubeconfigFile {
    pub path: String,
    pub exists: bool,
    /// Unix permission bits, when known.
    pub mode: Option<u32>,
    /// Why it does not parse.
    pub parse_error: Option<String>,
}

/// The kubeconfig, merged like kubectl, and the chosen context.
#[derive(Debug, Clone, Default)]
pub struct KubeconfigFacts {
    /// Files in load order (`--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`).
    pub files: Vec<KubeconfigFile>,
    /// The context diagnosed (`--context` or current-context), if any.
    pub context: Option<String>,
    /// True when that context exists.
    pub context_found: bool,
    /// Names of all contexts (for messages).
    pub contexts: Vec<String>,
    /// A dangling reference: "context X names cluster Y, which is not defined".
    pub dangling: Option<String>,
    /// The cluster entry's name and server URL.
    pub cluster_entry: Option<String>,
    pub server: Option<String>,
    /// The CA bundle the kubeconfig trusts (PEM), from -data or the file.
    pub ca_pem: Option<Vec<u8>>,
    /// `insecure-skip-tls-verify`.
    pub insecure: bool,
    /// `proxy-url` of the cluster entry.
    pub proxy_url: Option<String>,
    /// The user entry's exec plugin, if it has one.
    pub exec: Option<ExecEntry>,
    /// The user authenticates another way (token, client cert, auth-provider).
    pub other_auth: Option<String>,
    /// The user's fixed bearer token (`token`, or the contents of
    /// `tokenFile`), which kubectl sends as it is.
    pub static_token: Option<Secret>,
    /// Where it is written: `token`, or `tokenFile PATH`.
    pub static_token_source: Option<String>,
    /// The EKS cluster name read from an ARN-shaped cluster or context name.
    pub arn_cluster_name: Option<String>,
    /// The region read from that ARN.
    pub arn_region: Option<String>,
    /// The context's `namespace` (kubectl's default for namespaced requests).
    pub namespace: Option<String>,
}

/// A user's exec entry and what its arguments say.
#[derive(Debug, Clone, Default)]
pub struct ExecEntry {
    pub api_version: Option<String>,
    pub command: String,
    pub args: Vec<String>,
    /// `env` of the entry (names and values; values may be secrets and are
    /// never printed by the checks except AWS_PROFILE/AWS_REGION).
    pub env: Vec<(String, String)>,
    pub install_hint: Option<String>,
    pub kind: ExecKind,
    /// `--cluster-name` / `-i` / `--cluster-id` as signed into the token.
    pub cluster_name: Option<String>,
    /// True when `--cluster-id` (Outposts) was given.
    pub cluster_id_given: bool,
    pub region: Option<String>,
    /// `--profile` or `AWS_PROFILE` in env.
    pub profile: Option<String>,
    /// `--role-arn` / `-r`.
    pub role_arn: Option<String>,
}

/// The load list: `--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`.
pub fn load_paths(
    flag: Option<&Path>,
    kubeconfig_var: Option<&str>,
    home: Option<&Path>,
) -> Vec<PathBuf> {
    if let Some(f) = flag {
        return vec![f.to_path_buf()];
    }
    if let Some(v) = kubeconfig_var.filter(|v| !v.is_empty()) {
        let paths: Vec<PathBuf> = std::env::split_paths(v)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !paths.is_empty() {
            return paths;
        }
    }
    home.map(|h| vec![h.join(".kube").join("config")])
        .unwrap_or_default()
}

/// The merged kubeconfig and what was seen of each file.
pub fn load(paths: &[PathBuf]) -> (Option<Kubeconfig>, Vec<KubeconfigFile>) {
    let mut merged: Option<Kubeconfig> = None;
    let mut files = vec![];
    for p in paths {
        let mut f = KubeconfigFile {
            path: p.display().to_string(),
            ..Default::default()
        };
        let Ok(meta) = std::fs::metadata(p) else {
            files.push(f);
            continue;
        };
        f.exists = true;
        // A FIFO or a device is reported as unreadable, not by its mode.
        f.mode = meta.is_file().then(|| mode_of(&meta)).flatten();
        match read_file(p) {
            Ok(k) => {
                merged = Some(match merged.take() {
                    None => k,
                    Some(m) => match m.clone().merge(k) {
                        Ok(x) => x,
                        Err(e) => {
                            f.parse_error = Some(e.to_string());
                            m
                        }
                    },
                });
            }
            Err(e) => f.parse_error = Some(e),
        }
        files.push(f);
    }
    (merged, files)
}

/// One kubeconfig file, read as kubectl reads it (every document merged,
/// relative certificate paths taken from the file's folder), bounded and
/// never blocking. The error never quotes the file.
pub fn read_file(path: &Path) -> Result<Kubeconfig, String> {
    let text = crate::fsio::read_text(path, crate::fsio::KUBECONFIG_LIMIT)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let docs: Vec<Kubeconfig> =
        serde_saphyr::from_multiple(&text).map_err(|e| crate::fsio::yaml_error(path, &e))?;
    let mut merged = Kubeconfig::default();
    for mut doc in docs {
        absolute_paths(&mut doc, &crate::fsio::parent_of(path));
        merged = merged
            .merge(doc)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(merged)
}

/// File references relative to the kubeconfig's folder, as client-go
/// resolves them.
fn absolute_paths(k: &mut Kubeconfig, dir: &Path) {
    let fix = |p: &mut Option<String>| {
        if let Some(v) = p.as_ref().filter(|v| Path::new(v).is_relative()) {
            *p = Some(dir.join(v).to_string_lossy().into_owned());
        }
    };
    for c in k.clusters.iter_mut().filter_map(|c| c.cluster.as_mut()) {
        fix(&mut c.certificate_authority);
    }
    for a in k.auth_infos.iter_mut().filter_map(|a| a.auth_info.as_mut()) {
        fix(&mut a.client_certificate);
        fix(&mut a.client_key);
        fix(&mut a.token_file);
    }
}

#[cfg(unix)]
fn mode_of(m: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(m.permissions().mode() & 0o777)
}
#[cfg(not(unix))]
fn mode_of(_m: &std::fs::Metadata) -> Option<u32> {
    None
}

/// Resolves `context` (or the current context) into facts.
pub fn resolve(
    config: Option<&Kubeconfig>,
    files: Vec<KubeconfigFile>,
    context: Option<&str>,
) -> KubeconfigFacts {
    let mut facts = KubeconfigFacts {
        files,
        ..Default::default()
    };
    let Some(cfg) = config else { return facts };
    facts.contexts = cfg.contexts.iter().map(|c| c.name.clone()).collect();
    let name = context
        .map(str::to_string)
        .or_else(|| cfg.current_context.clone().filter(|c| !c.is_empty()));
    facts.context = name.clone();
    let Some(name) = name else { return facts };
    let Some(ctx) = cfg
        .contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.as_ref())
    else {
        return facts;
    };
    facts.context_found = true;
    facts.namespace = ctx.namespace.clone().filter(|n| !n.is_empty());
    read_arn(&mut facts, &name);
    read_arn(&mut facts, &ctx.cluster);
    match cfg
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.as_ref())
    {
        Some(cluster) => {
            facts.cluster_entry = Some(ctx.cluster.clone());
            facts.server = cluster.server.clone();
            facts.insecure = cluster.insecure_skip_tls_verify.unwrap_or(false);
            facts.proxy_url = cluster.proxy_url.clone();
            facts.ca_pem = ca_pem(
                cluster.certificate_authority_data.as_deref(),
                cluster.certificate_authority.as_deref(),
            );
        }
        None => {
            facts.dangling = Some(format!(
                "context {name:?} names cluster {:?}, which is not defined",
                ctx.cluster
            ))
        }
    }
    let user = ctx.user.clone().unwrap_or_default();
    match cfg.auth_infos.iter().find(|u| u.name == user) {
        Some(u) => {
            let info = u.auth_info.clone().unwrap_or_default();
            if let Some(exec) = &info.exec {
                facts.exec = Some(exec_entry(exec));
            } else if info.token.is_some() || info.token_file.is_some() {
                facts.other_auth = Some("a static bearer token".into());
                static_token(&mut facts, &info);
            } else if info.client_certificate.is_some() || info.client_certificate_data.is_some() {
                facts.other_auth = Some("a client certificate".into());
            } else if let Some(p) = &info.auth_provider {
                facts.other_auth = Some(format!("the {} auth-provider", p.name));
            } else {
                facts.other_auth = Some("no credentials at all".into());
            }
        }
        None if facts.dangling.is_none() => {
            facts.dangling = Some(format!(
                "context {name:?} names user {user:?}, which is not defined"
            ))
        }
        None => {}
    }
    facts
}

/// The user's fixed token, as kubectl reads it: `token`, else the
/// contents of `tokenFile` (bounded, trimmed); unreadable means none.
fn static_token(facts: &mut KubeconfigFacts, info: &kube::config::AuthInfo) {
    use secrecy::ExposeSecret;
    if let Some(t) = &info.token {
        facts.static_token = Some(Secret::new(t.expose_secret().trim()));
        facts.static_token_source = Some("token".into());
    } else if let Some(f) = &info.token_file {
        let text = crate::fsio::read_text(Path::new(f), crate::fsio::TOKEN_LIMIT).ok();
        facts.static_token = text.map(|t| Secret::new(t.trim()));
        facts.static_token_source = Some(format!("tokenFile {f}"));
    }
}

/// `arn:aws:eks:REGION:ACCOUNT:cluster/NAME`, as `aws eks update-kubeconfig` names things.
fn read_arn(facts: &mut KubeconfigFacts, name: &str) {
    if let Some((region, cluster)) = crate::domain::arn::eks_cluster(name) {
        facts.arn_cluster_name.get_or_insert(cluster);
        facts.arn_region.get_or_insert(region);
    }
}

fn ca_pem(data: Option<&str>, file: Option<&str>) -> Option<Vec<u8>> {
    use base64::Engine;
    if let Some(d) = data.filter(|d| !d.trim().is_empty()) {
        return base64::engine::general_purpose::STANDARD
            .decode(d.trim())
            .ok();
    }
    file.and_then(|f| crate::fsio::read(Path::new(f), crate::fsio::CONFIG_LIMIT).ok())
}

/// Reads an exec entry: which tool, and what its arguments and env say.
pub fn exec_entry(exec: &ExecConfig) -> ExecEntry {
    let command = exec.command.clone().unwrap_or_default();
    let args = exec.args.clone().unwrap_or_default();
    let env: Vec<(String, String)> = exec
        .env
        .iter()
        .flatten()
        .filter_map(|m| {
            Some((
                m.get("name")?.clone(),
                m.get("value").cloned().unwrap_or_default(),
            ))
        })
        .collect();
    let kind = exec_kind(&command, &args);
    let flag = |names: &[&str]| -> Option<String> {
        args.iter().enumerate().find_map(|(i, a)| {
            names.iter().find_map(|n| {
                if a == n {
                    args.get(i + 1).cloned()
                } else {
                    a.strip_prefix(&format!("{n}=")).map(str::to_string)
                }
            })
        })
    };
    let cluster_id = flag(&["--cluster-id"]);
    let env_get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    ExecEntry {
        api_version: exec.api_version.clone(),
        command,
        kind,
        cluster_name: cluster_id
            .clone()
            .or_else(|| flag(&["--cluster-name", "-i", "--cluster-id"])),
        cluster_id_given: cluster_id.is_some(),
        region: flag(&["--region"])
            .or_else(|| env_get("AWS_REGION"))
            .or_else(|| env_get("AWS_DEFAULT_REGION")),
        profile: flag(&["--profile"]).or_else(|| env_get("AWS_PROFILE")),
        role_arn: flag(&["--role-arn", "-r", "--role"]),
        install_hint: exec.install_hint.clone(),
        args,
        env,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(yaml: &str) -> Kubeconfig {
        Kubeconfig::from_yaml(yaml).unwrap()
    }

    const UPDATE_KUBECONFIG: &str = r#"
apiVersion: v1
kind: Config
clusters:
- name: arn:aws:eks:us-west-2:111122223333:cluster/demo
  cluster: {server: "https://ABC.gr7.us-west-2.eks.amazonaws.com", certificate-authority-data: "LS0tLQ=="}
contexts:
- name: arn:aws:eks:us-west-2:111122223333:cluster/demo
  context: {cluster: "arn:aws:eks:us-west-2:111122223333:cluster/demo", user: "arn:aws:eks:us-west-2:111122223333:cluster/demo"}
current-context: arn:aws:eks:us-west-2:111122223333:cluster/demo
users:
- name: arn:aws:eks:us-west-2:111122223333:cluster/demo
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, us-west-2, eks, get-token, --cluster-name, demo, --output, json]
      env: [{name: AWS_PROFILE, value: dev}]
"#;

    #[test]
    fn update_kubeconfig_entry_is_read() {
        let c = cfg(UPDATE_KUBECONFIG);
        let f = resolve(Some(&c), vec![], None);
        assert!(f.context_found);
        assert_eq!(f.arn_cluster_name.as_deref(), Some("demo"));
        assert_eq!(f.arn_region.as_deref(), Some("us-west-2"));
        assert_eq!(
            f.server.as_deref(),
            Some("https://ABC.gr7.us-west-2.eks.amazonaws.com")
        );
        assert_eq!(f.ca_pem.as_deref(), Some(&b"----"[..]));
        let e = f.exec.unwrap();
        assert_eq!(e.kind, ExecKind::AwsCli);
        assert_eq!(e.cluster_name.as_deref(), Some("demo"));
        assert_eq!(e.region.as_deref(), Some("us-west-2"));
        assert_eq!(e.profile.as_deref(), Some("dev"));
    }

    #[test]
    fn exec_kinds_and_flags() {
        let entry = |cmd: &str, args: &[&str]| {
            exec_entry(&ExecConfig {
                command: Some(cmd.into()),
                args: Some(args.iter().map(|s| s.to_string()).collect()),
                ..Default::default()
            })
        };
        let a = entry(
            "aws-iam-authenticator",
            &["token", "-i", "demo", "-r", "arn:aws:iam::1:role/x"],
        );
        assert_eq!(
            (a.kind, a.cluster_name.as_deref(), a.role_arn.as_deref()),
            (
                ExecKind::Authenticator,
                Some("demo"),
                Some("arn:aws:iam::1:role/x")
            )
        );
        let k = entry(
            "/usr/local/bin/kubectl-eksauth",
            &["token", "--cluster-name=demo", "--cluster-id", "1234"],
        );
        assert_eq!(
            (k.kind, k.cluster_name.as_deref(), k.cluster_id_given),
            (ExecKind::EksAuth, Some("1234"), true)
        );
        assert_eq!(entry("kubelogin", &["get-token"]).kind, ExecKind::Other);
    }

    #[test]
    fn windows_commands_are_classified_without_their_extension() {
        let entry = |cmd: &str, args: &[&str]| {
            exec_entry(&ExecConfig {
                command: Some(cmd.into()),
                args: Some(args.iter().map(|s| s.to_string()).collect()),
                ..Default::default()
            })
            .kind
        };
        let get_token = ["eks", "get-token", "--cluster-name", "demo"];
        let cases = [
            (
                r"C:\Program Files\Amazon\AWSCLIV2\aws.exe",
                &get_token[..],
                ExecKind::AwsCli,
            ),
            ("aws.cmd", &get_token[..], ExecKind::AwsCli),
            (
                "kubectl-eksauth.exe",
                &["token", "--cluster-name", "demo"][..],
                ExecKind::EksAuth,
            ),
            (
                r"C:\bin\aws-iam-authenticator.exe",
                &["token", "-i", "demo"][..],
                ExecKind::Authenticator,
            ),
            ("kubectl.exe", &["eksauth", "token"][..], ExecKind::EksAuth),
        ];
        for (cmd, args, want) in cases {
            assert_eq!(entry(cmd, args), want, "{cmd}");
        }
    }

    #[test]
    fn missing_and_dangling_contexts() {
        let c = cfg(UPDATE_KUBECONFIG);
        let f = resolve(Some(&c), vec![], Some("nope"));
        assert!(!f.context_found);
        assert_eq!(f.contexts.len(), 1);
        let dangling = cfg(
            "contexts:\n- name: x\n  context: {cluster: gone, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: t}\n",
        );
        let f = resolve(Some(&dangling), vec![], None);
        assert!(f.dangling.unwrap().contains("cluster \"gone\""));
    }

    #[test]
    fn a_fixed_token_is_read_from_token_or_token_file() {
        let text = |user: &str| {
            format!(
                "clusters:\n- name: c\n  cluster: {{server: https://x}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\nusers:\n- name: u\n  user: {user}\n"
            )
        };
        let f = resolve(Some(&cfg(&text("{token: k8s-aws-v1.abc}"))), vec![], None);
        assert_eq!(f.static_token.unwrap().expose(), "k8s-aws-v1.abc");
        assert_eq!(f.static_token_source.as_deref(), Some("token"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "k8s-aws-v1.def\n").unwrap();
        let user = format!("{{tokenFile: {:?}}}", file.display().to_string());
        let f = resolve(Some(&cfg(&text(&user))), vec![], None);
        assert_eq!(f.static_token.unwrap().expose(), "k8s-aws-v1.def");
        let f = resolve(
            Some(&cfg(&text("{tokenFile: /nonexistent/token}"))),
            vec![],
            None,
        );
        assert!(f.static_token.is_none(), "unreadable: no token");
        assert!(f.other_auth.is_some());
    }

    #[test]
    fn load_order_flag_then_env_then_home() {
        let home = Path::new("/h");
        // KUBECONFIG is a list in the OS's PATH form (`;` on Windows).
        let sep = if cfg!(windows) { ";" } else { ":" };
        assert_eq!(
            load_paths(
                Some(Path::new("/k")),
                Some(&format!("/a{sep}/b")),
                Some(home)
            ),
            vec![PathBuf::from("/k")]
        );
        assert_eq!(
            load_paths(None, Some(&format!("/a{sep}{sep}/b")), Some(home)),
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
        assert_eq!(
            load_paths(None, None, Some(home)),
            vec![PathBuf::from("/h/.kube/config")]
        );
    }
}
