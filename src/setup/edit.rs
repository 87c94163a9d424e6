//! Pure kubeconfig edits: add or update one cluster, user and context, and
//! make the context current. No I/O; the caller reads and writes the file.
//!
//! Only the keys named here are owned: a cluster's `server` and CA, a user's
//! `exec`, a context's `cluster` and `user`. Every other key of those
//! entries, and every other entry, is left as it was.

use super::yaml::Node;
use crate::exec_credential::V1;

/// What `kubectl krew` users are told when the plugin is missing.
pub const INSTALL_HINT: &str = "kubectl-eksauth authenticates to this Amazon EKS cluster. \
Install it with `kubectl krew install eksauth` (https://krew.sigs.k8s.io), or download \
kubectl-eksauth from its releases and put it on your PATH.";

/// The exec entry of a user that runs `kubectl-eksauth token`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenExec {
    pub cluster_name: String,
    pub cluster_id: Option<String>,
    pub region: Option<String>,
    pub role_arn: Option<String>,
    /// `--profile` in the args (setup's `--profile`, or a migrated
    /// `aws --profile P`).
    pub profile_arg: Option<String>,
    /// The `AWS_PROFILE` of the exec env this entry replaces: written as
    /// `--profile` (unless `profile_arg` names one), never as env, since
    /// environment keys beat `AWS_PROFILE` but not `--profile`.
    pub profile_env: Option<String>,
}

impl TokenExec {
    /// The `token` arguments.
    pub fn args(&self) -> Vec<String> {
        let mut a = vec![
            "token".to_string(),
            "--cluster-name".into(),
            self.cluster_name.clone(),
        ];
        let mut opt = |flag: &str, v: &Option<String>| {
            if let Some(v) = v {
                a.push(flag.to_string());
                a.push(v.clone());
            }
        };
        opt("--cluster-id", &self.cluster_id);
        opt("--region", &self.region);
        opt("--role-arn", &self.role_arn);
        opt(
            "--profile",
            &self.profile_arg.clone().or(self.profile_env.clone()),
        );
        a
    }

    /// Writes this exec entry into `exec` (a mapping), keeping keys it does
    /// not own (`provideClusterInfo`, newer fields) and the other env vars.
    pub fn write_into(&self, exec: &mut Node) {
        exec.set("apiVersion", Node::str(V1));
        exec.set("command", Node::str("kubectl-eksauth"));
        exec.set("args", Node::strings(&self.args()));
        let mut env: Vec<Node> = exec
            .get("env")
            .map(|e| e.items().to_vec())
            .unwrap_or_default();
        env.retain(|e| e.get("name").and_then(Node::as_str) != Some("AWS_PROFILE"));
        if env.is_empty() {
            exec.set("env", Node::Null);
        } else {
            exec.set("env", Node::Seq(env));
        }
        exec.set("interactiveMode", Node::str("IfAvailable"));
        exec.set("installHint", Node::str(INSTALL_HINT));
    }
}

/// Everything `setup --cluster-name` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupSpec {
    /// Cluster and user entry name (the cluster ARN, as the AWS CLI names them).
    pub entry_name: String,
    /// The context name (the ARN, or `--alias`).
    pub context_name: String,
    pub server: String,
    /// Base64 PEM, as DescribeCluster returns it.
    pub ca_data: String,
    pub exec: TokenExec,
}

/// The named entry of a kubeconfig list (`clusters`, `users`, `contexts`).
fn named<'a>(doc: &'a mut Node, list: &str, name: &str, inner: &str) -> &'a mut Node {
    let items = doc.seq_mut(list);
    let pos = items
        .iter()
        .position(|i| i.get("name").and_then(Node::as_str) == Some(name));
    let idx = match pos {
        Some(i) => i,
        None => {
            let mut e = Node::map();
            e.set("name", Node::str(name));
            e.set(inner, Node::map());
            items.push(e);
            items.len() - 1
        }
    };
    let entry = &mut items[idx];
    if !matches!(entry.get(inner), Some(Node::Map(_))) {
        entry.set(inner, Node::map());
    }
    entry.get_mut(inner).expect("set above")
}

/// Fills the top-level keys kubectl writes into a new file.
pub fn ensure_skeleton(doc: &mut Node) {
    if doc.get("apiVersion").is_none() {
        doc.set("apiVersion", Node::str("v1"));
    }
    if doc.get("kind").is_none() {
        doc.set("kind", Node::str("Config"));
    }
    for list in ["clusters", "contexts", "users"] {
        doc.seq_mut(list);
    }
}

/// Applies `spec`: cluster, user and context added or updated, context current.
pub fn apply_setup(doc: &mut Node, spec: &SetupSpec) {
    ensure_skeleton(doc);
    let cluster = named(doc, "clusters", &spec.entry_name, "cluster");
    cluster.set("server", Node::str(&spec.server));
    // client-go refuses a cluster with both a CA file and CA data.
    cluster.remove("certificate-authority");
    cluster.set("certificate-authority-data", Node::str(&spec.ca_data));
    let user = named(doc, "users", &spec.entry_name, "user");
    let mut exec = user.get("exec").cloned().unwrap_or_else(Node::map);
    if !matches!(exec, Node::Map(_)) {
        exec = Node::map();
    }
    spec.exec.write_into(&mut exec);
    user.set("exec", exec);
    let ctx = named(doc, "contexts", &spec.context_name, "context");
    ctx.set("cluster", Node::str(&spec.entry_name));
    ctx.set("user", Node::str(&spec.entry_name));
    doc.set("current-context", Node::str(&spec.context_name));
}

#[cfg(test)]
mod tests {
    use super::super::yaml::{parse, render};
    use super::*;

    fn spec() -> SetupSpec {
        SetupSpec {
            entry_name: "arn:aws:eks:us-west-2:1:cluster/demo".into(),
            context_name: "arn:aws:eks:us-west-2:1:cluster/demo".into(),
            server: "https://x".into(),
            ca_data: "Q0E=".into(),
            exec: TokenExec {
                cluster_name: "demo".into(),
                region: Some("us-west-2".into()),
                profile_arg: Some("dev".into()),
                ..Default::default()
            },
        }
    }

    #[test]
    fn setup_on_an_empty_file_writes_cluster_user_context_and_current() {
        let mut doc = parse("").unwrap();
        apply_setup(&mut doc, &spec());
        let text = render(&doc).unwrap();
        for want in [
            "current-context: arn:aws:eks:us-west-2:1:cluster/demo",
            "certificate-authority-data: Q0E=",
            "command: kubectl-eksauth",
            "interactiveMode: IfAvailable",
            "- --profile\n",
            "client.authentication.k8s.io/v1",
        ] {
            assert!(text.contains(want), "{want} missing from\n{text}");
        }
        assert!(
            !text.contains("AWS_PROFILE"),
            "the profile is an argument:\n{text}"
        );
    }

    #[test]
    fn setup_keeps_unowned_keys_of_the_entries_it_updates() {
        let mut doc = parse(
            "clusters:\n- name: arn:aws:eks:us-west-2:1:cluster/demo\n  cluster:\n    server: https://old\n    certificate-authority: /ca.pem\n    proxy-url: http://proxy:3128\n    extensions: [{name: e, extension: {k: v}}]\n\
             users:\n- name: arn:aws:eks:us-west-2:1:cluster/demo\n  user:\n    exec:\n      command: aws\n      provideClusterInfo: true\n      env: [{name: HTTPS_PROXY, value: p}]\n\
             contexts:\n- name: arn:aws:eks:us-west-2:1:cluster/demo\n  context: {cluster: x, user: y, namespace: dev}\n",
        )
        .unwrap();
        apply_setup(&mut doc, &spec());
        let c = &doc.get("clusters").unwrap().items()[0]["cluster"];
        assert_eq!(c.get("proxy-url"), Some(&Node::str("http://proxy:3128")));
        assert!(c.get("extensions").is_some());
        assert!(
            c.get("certificate-authority").is_none(),
            "CA file replaced by data"
        );
        let exec = &doc.get("users").unwrap().items()[0]["user"]["exec"];
        assert_eq!(exec.get("provideClusterInfo"), Some(&Node::Bool(true)));
        assert_eq!(
            exec.get("env").unwrap().items().len(),
            1,
            "HTTPS_PROXY kept, and no AWS_PROFILE added"
        );
        let ctx = &doc.get("contexts").unwrap().items()[0]["context"];
        assert_eq!(ctx.get("namespace"), Some(&Node::str("dev")));
        assert_eq!(
            doc.get("clusters").unwrap().items().len(),
            1,
            "updated, not added"
        );
    }

    #[test]
    fn setup_twice_is_the_same_as_once() {
        let mut once = parse("").unwrap();
        apply_setup(&mut once, &spec());
        let mut twice = once.clone();
        apply_setup(&mut twice, &spec());
        assert_eq!(once, twice);
    }
}
