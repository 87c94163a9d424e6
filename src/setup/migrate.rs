//! Pure recognition of the exec entries `setup --migrate` rewrites:
//! `aws eks get-token` (as `aws eks update-kubeconfig` writes it, or by
//! hand in any order) and `aws-iam-authenticator token -i`. Each is turned
//! into the equivalent [`TokenExec`] or left alone with the reason, so that
//! an entry whose meaning cannot be kept is never rewritten.

use super::edit::TokenExec;
use super::yaml::Node;
use crate::domain::exec_entry::{Tool, exec_tool};
use crate::exec_credential::V1ALPHA1;

/// The region aws-iam-authenticator signs for when it is given none (its
/// global STS endpoint); any regional STS host of the partition is accepted.
pub const AUTHENTICATOR_DEFAULT_REGION: &str = crate::domain::partition::GLOBAL_STS_REGION;

/// What migrating one user entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Rewritten from `from` (a short description) to the new exec entry.
    Rewritten {
        user: String,
        from: String,
        to: TokenExec,
    },
    /// A recognised command whose arguments could not be kept; left as is.
    Skipped { user: String, why: String },
}

/// Which tool an exec command names, by its file name (the classifier
/// `why` uses too).
fn tool(command: &str) -> Option<&'static str> {
    match exec_tool(command) {
        Tool::Aws => Some("aws"),
        Tool::AwsIamAuthenticator => Some("aws-iam-authenticator"),
        Tool::KubectlEksauth => Some("kubectl-eksauth"),
        Tool::Kubectl | Tool::Other => None,
    }
}

/// Splits `--flag value` and `--flag=value` pairs; flags in `switches` take no value.
fn options(args: &[String], switches: &[&str]) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = vec![];
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if !a.starts_with('-') {
            return Err(format!("unexpected argument {a:?}"));
        }
        if let Some((k, v)) = a.split_once('=') {
            out.push((k.to_string(), Some(v.to_string())));
        } else if switches.contains(&a.as_str()) {
            out.push((a.clone(), None));
        } else {
            let v = it.next().ok_or_else(|| format!("{a} has no value"))?;
            out.push((a.clone(), Some(v.clone())));
        }
    }
    Ok(out)
}

/// `aws [global options] eks [options] get-token [options]`.
pub fn from_aws(args: &[String]) -> Result<Option<TokenExec>, String> {
    let Some(eks) = args.iter().position(|a| a == "eks") else {
        return Ok(None);
    };
    if args.get(eks + 1).map(String::as_str) != Some("get-token") {
        return Ok(None);
    }
    let rest: Vec<String> = args[..eks]
        .iter()
        .chain(&args[eks + 2..])
        .cloned()
        .collect();
    // Global switches that do not change the token.
    let switches = [
        "--debug",
        "--no-paginate",
        "--no-cli-pager",
        "--no-cli-auto-prompt",
    ];
    let mut t = TokenExec::default();
    for (k, v) in options(&rest, &switches)? {
        let v = v.unwrap_or_default();
        match k.as_str() {
            "--cluster-name" => t.cluster_name = v,
            "--cluster-id" => t.cluster_id = Some(v),
            "--region" => t.region = Some(v),
            // AWS CLI v1's update-kubeconfig writes the older `--role`.
            "--role-arn" | "--role" => t.role_arn = Some(v),
            "--profile" => t.profile_arg = Some(v),
            "--output" => {}
            s if switches.contains(&s) => {}
            other => {
                return Err(format!(
                    "aws option {other} has no kubectl-eksauth equivalent"
                ));
            }
        }
    }
    if t.cluster_name.is_empty() {
        return Err("aws eks get-token without --cluster-name".into());
    }
    Ok(Some(t))
}

/// `aws-iam-authenticator token -i CLUSTER [-r ROLE] [--region R]`.
pub fn from_authenticator(args: &[String]) -> Result<Option<TokenExec>, String> {
    if args.first().map(String::as_str) != Some("token") {
        return Ok(None);
    }
    let mut t = TokenExec::default();
    for (k, v) in options(&args[1..], &[])? {
        let v = v.unwrap_or_default();
        match k.as_str() {
            "-i" | "--cluster-id" => t.cluster_name = v,
            "-r" | "--role" => t.role_arn = Some(v),
            "--region" => t.region = Some(v),
            other => {
                return Err(format!(
                    "aws-iam-authenticator option {other} has no kubectl-eksauth equivalent"
                ));
            }
        }
    }
    if t.cluster_name.is_empty() {
        return Err("aws-iam-authenticator token without -i".into());
    }
    t.region
        .get_or_insert_with(|| AUTHENTICATOR_DEFAULT_REGION.to_string());
    Ok(Some(t))
}

/// `kubectl-eksauth token ...` still on the removed v1alpha1 protocol.
fn from_ourselves(args: &[String]) -> Result<Option<TokenExec>, String> {
    let Some(first) = args.first().filter(|a| *a == "token" || *a == "get-token") else {
        return Ok(None);
    };
    let _ = first;
    let mut t = TokenExec::default();
    for (k, v) in options(&args[1..], &["--no-cache"])? {
        let v = v.unwrap_or_default();
        match k.as_str() {
            "--cluster-name" => t.cluster_name = v,
            "--cluster-id" => t.cluster_id = Some(v),
            "--region" => t.region = Some(v),
            "--role-arn" => t.role_arn = Some(v),
            "--profile" => t.profile_arg = Some(v),
            "--output" | "-o" | "--no-cache" => {}
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Some(t))
}

fn strings(n: Option<&Node>) -> Vec<String> {
    n.map(|n| {
        n.items()
            .iter()
            .map(|i| match i {
                Node::Str(s) => s.clone(),
                Node::Int(x) => x.to_string(),
                Node::UInt(x) => x.to_string(),
                Node::Bool(b) => b.to_string(),
                Node::Float(f) => f.to_string(),
                _ => String::new(),
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Rewrites every user in `doc` whose exec entry can be migrated; returns
/// what happened to each recognised one (other users are not mentioned).
pub fn migrate(doc: &mut Node) -> Vec<Outcome> {
    let mut outcomes = vec![];
    let Some(Node::Seq(users)) = doc.get_mut("users") else {
        return outcomes;
    };
    for u in users.iter_mut() {
        let name = u
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let Some(exec) = u.get_mut("user").and_then(|x| x.get_mut("exec")) else {
            continue;
        };
        let command = exec.get("command").and_then(Node::as_str).unwrap_or("");
        let args = strings(exec.get("args"));
        let (from, parsed) = match tool(command) {
            Some("aws") => ("aws eks get-token", from_aws(&args)),
            Some("aws-iam-authenticator") => {
                ("aws-iam-authenticator token", from_authenticator(&args))
            }
            Some(_) => {
                // Our own entries only need the removed protocol version fixed.
                if exec.get("apiVersion").and_then(Node::as_str) != Some(V1ALPHA1) {
                    continue;
                }
                ("kubectl-eksauth on v1alpha1", from_ourselves(&args))
            }
            None => continue,
        };
        let mut t = match parsed {
            Ok(Some(t)) => t,
            Ok(None) => continue,
            Err(why) => {
                outcomes.push(Outcome::Skipped { user: name, why });
                continue;
            }
        };
        t.profile_env = exec
            .get("env")
            .map(|e| e.items())
            .unwrap_or_default()
            .iter()
            .find(|e| e.get("name").and_then(Node::as_str) == Some("AWS_PROFILE"))
            .and_then(|e| e.get("value").and_then(Node::as_str))
            .map(str::to_string);
        t.write_into(exec);
        outcomes.push(Outcome::Rewritten {
            user: name,
            from: from.to_string(),
            to: t,
        });
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn aws_get_token_in_any_order_with_region_before_or_after_eks() {
        let want = TokenExec {
            cluster_name: "demo".into(),
            region: Some("us-west-2".into()),
            role_arn: Some("arn:aws:iam::1:role/r".into()),
            ..Default::default()
        };
        for args in [
            "--region us-west-2 eks get-token --cluster-name demo --role-arn arn:aws:iam::1:role/r --output json",
            "eks get-token --output json --role-arn arn:aws:iam::1:role/r --cluster-name demo --region us-west-2",
            "eks get-token --cluster-name=demo --region=us-west-2 --role-arn=arn:aws:iam::1:role/r",
        ] {
            assert_eq!(from_aws(&v(args)), Ok(Some(want.clone())), "{args}");
        }
    }

    #[test]
    fn aws_cluster_id_and_profile_argument_are_kept() {
        let t = from_aws(&v(
            "--profile p eks get-token --cluster-name n --cluster-id id",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(t.cluster_id.as_deref(), Some("id"));
        assert_eq!(t.profile_arg.as_deref(), Some("p"));
    }

    #[test]
    fn aws_commands_other_than_get_token_are_not_touched() {
        assert_eq!(from_aws(&v("sts get-caller-identity")), Ok(None));
        assert_eq!(from_aws(&v("eks describe-cluster --name x")), Ok(None));
    }

    #[test]
    fn unknown_options_are_refused_rather_than_dropped() {
        assert!(from_aws(&v("eks get-token --cluster-name n --endpoint-url http://x")).is_err());
        assert!(from_authenticator(&v("token -i n --external-id e")).is_err());
    }

    #[test]
    fn authenticator_token_i_with_role_and_default_region() {
        let t = from_authenticator(&v("token -i demo -r arn:aws:iam::1:role/r"))
            .unwrap()
            .unwrap();
        assert_eq!(t.cluster_name, "demo");
        assert_eq!(t.role_arn.as_deref(), Some("arn:aws:iam::1:role/r"));
        assert_eq!(t.region.as_deref(), Some(AUTHENTICATOR_DEFAULT_REGION));
    }

    #[test]
    fn migrate_rewrites_only_recognised_users_and_moves_aws_profile_into_the_args() {
        let mut doc = super::super::yaml::parse(
            "users:\n- name: a\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [--region, us-west-2, eks, get-token, --cluster-name, demo, --output, json]\n      env: [{name: AWS_PROFILE, value: dev}]\n\
             - name: b\n  user: {token: abc}\n\
             - name: c\n  user:\n    exec: {command: gke-gcloud-auth-plugin}\n",
        )
        .unwrap();
        let before_b = doc.get("users").unwrap().items()[1].clone();
        let out = migrate(&mut doc);
        assert_eq!(out.len(), 1, "{out:?}");
        let users = doc.get("users").unwrap().items();
        let exec = &users[0]["user"]["exec"];
        assert_eq!(exec.get("command"), Some(&Node::str("kubectl-eksauth")));
        let args: Vec<_> = exec["args"]
            .items()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert!(
            args.windows(2).any(|w| w == ["--profile", "dev"]),
            "{args:?}"
        );
        assert_eq!(
            exec.get("env"),
            Some(&Node::Null),
            "AWS_PROFILE left the env"
        );
        assert_eq!(users[1], before_b);
        assert_eq!(
            users[2]["user"]["exec"]["command"],
            Node::str("gke-gcloud-auth-plugin")
        );
        let mut again = doc.clone();
        assert!(
            migrate(&mut again).is_empty(),
            "a migrated file has nothing left to migrate"
        );
    }
}
