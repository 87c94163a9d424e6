//! `kubectl-eksauth setup`: write a kubeconfig entry for an EKS cluster
//! (`--cluster-name`, like `aws eks update-kubeconfig`) or rewrite the
//! entries of other EKS token tools (`--migrate`).
//!
//! The edits are pure ([`edit`], [`migrate`]) over an order-preserving YAML
//! tree ([`yaml`]); this module owns the order of the steps and the one AWS
//! call (DescribeCluster); [`file`] owns reading and the safe write.

pub mod edit;
pub mod file;
pub mod migrate;
pub mod splice;
pub mod yaml;

use crate::aws::Env;
use crate::aws_session;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The setup command's inputs.
#[derive(Debug, Clone, Default)]
pub struct SetupArgs {
    pub cluster_name: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub alias: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    pub dry_run: bool,
    pub migrate: bool,
}

/// What DescribeCluster told us.
#[derive(Debug, Clone)]
pub struct ClusterInfo {
    pub arn: String,
    pub endpoint: String,
    pub ca_data: String,
}

/// Statuses in which a cluster has an endpoint worth writing down.
const USABLE_STATUSES: [&str; 2] = ["ACTIVE", "UPDATING"];

/// Runs `setup`; the report goes to `out`.
pub fn run(args: &SetupArgs, env: &Env, out: &mut dyn Write) -> Result<()> {
    let home = crate::platform::home_dir();
    let paths = file::candidates(
        args.kubeconfig.as_deref(),
        env.get("KUBECONFIG").as_deref(),
        home.as_deref(),
    );
    if paths.is_empty() {
        bail!("no kubeconfig path: pass --kubeconfig or set HOME");
    }
    if args.migrate {
        return migrate_files(&paths, args.dry_run, out);
    }
    let Some(name) = &args.cluster_name else {
        bail!("pass --cluster-name NAME (or --migrate to rewrite existing entries)");
    };
    let rt = crate::rt::runtime()?;
    let (info, region, profile) = rt.block_on(describe_cluster(args, name, env))?;
    let spec = edit::SetupSpec {
        entry_name: info.arn.clone(),
        context_name: args.alias.clone().unwrap_or_else(|| info.arn.clone()),
        server: info.endpoint,
        ca_data: info.ca_data,
        exec: edit::TokenExec {
            cluster_name: name.clone(),
            region: Some(region),
            role_arn: args.role_arn.clone(),
            profile_arg: profile,
            ..Default::default()
        },
    };
    // kubectl writes an entry into the file of KUBECONFIG that defines it.
    let path = file::where_to_write(&paths, "contexts", &[&spec.context_name])
        .context("no kubeconfig path: pass --kubeconfig or set HOME")?;
    edit_file(&path, args.dry_run, out, |doc| {
        edit::apply_setup(doc, &spec);
        vec![format!(
            "context {:?} for cluster {name}",
            spec.context_name
        )]
    })?;
    // kubectl takes current-context from the first file that sets it.
    match file::current_context_file(&paths) {
        Some(cc) if cc != path => edit_file(&cc, args.dry_run, out, |doc| {
            doc.set("current-context", yaml::Node::str(&spec.context_name));
            vec![format!("current context {:?}", spec.context_name)]
        }),
        _ => Ok(()),
    }
}

/// `--migrate`: every file of the load list that holds an entry to rewrite
/// is rewritten in place (kubectl's rule: an entry stays in its file).
fn migrate_files(paths: &[PathBuf], dry_run: bool, out: &mut dyn Write) -> Result<()> {
    let mut any = false;
    for p in paths.iter().filter(|p| p.exists()) {
        let (doc, _) = file::read(&file::write_target(p)?)?;
        if migrate::migrate(&mut doc.clone()).is_empty() {
            continue;
        }
        any = true;
        edit_file(p, dry_run, out, |doc| {
            migrate::migrate(doc).iter().map(describe).collect()
        })?;
    }
    if any {
        return Ok(());
    }
    let first = paths.iter().find(|p| p.exists()).unwrap_or(&paths[0]);
    edit_file(first, dry_run, out, |_| {
        vec!["no exec entry runs `aws eks get-token` or `aws-iam-authenticator token`".into()]
    })
}

/// Reads, changes and writes one kubeconfig under kubectl's `<file>.lock`
/// (a dry run reads only), so concurrent runs of setup or kubectl never
/// lose each other's entries.
fn edit_file(
    path: &Path,
    dry_run: bool,
    out: &mut dyn Write,
    change: impl FnOnce(&mut yaml::Node) -> Vec<String>,
) -> Result<()> {
    let target = file::write_target(path)?;
    let _lock = match dry_run {
        true => None,
        false => Some(crate::fsio::EditLock::acquire(
            path,
            crate::fsio::EDIT_LOCK_WAIT,
        )?),
    };
    let (before, existed) = file::read(&target)?;
    let mut after = before.clone();
    let report = change(&mut after);
    let change = Change {
        path,
        target: &target,
        before: &before,
        after: &after,
        existed,
    };
    finish(out, &change, dry_run, &report)
}

fn describe(o: &migrate::Outcome) -> String {
    match o {
        migrate::Outcome::Rewritten { user, from, to } => {
            let profile = to
                .profile_env
                .as_ref()
                .map(|p| format!(" (env AWS_PROFILE={p} moved into the args)"))
                .unwrap_or_default();
            format!(
                "user {user:?}: {from} -> kubectl-eksauth {}{profile}",
                to.args().join(" ")
            )
        }
        migrate::Outcome::Skipped { user, why } => format!("user {user:?} left unchanged: {why}"),
    }
}

/// One file's change: the path as named, the file written, both versions.
struct Change<'a> {
    path: &'a Path,
    target: &'a Path,
    before: &'a yaml::Node,
    after: &'a yaml::Node,
    existed: bool,
}

fn finish(out: &mut dyn Write, c: &Change, dry_run: bool, report: &[String]) -> Result<()> {
    let shown = c.path.display();
    if c.existed && c.before == c.after {
        for r in report {
            writeln!(out, "{r}")?;
        }
        writeln!(out, "{shown} is already up to date; nothing written")?;
        return Ok(());
    }
    if dry_run {
        write!(out, "{}", file::diff(c.path, c.target, c.after)?)?;
        for r in report {
            writeln!(out, "# {r}")?;
        }
        writeln!(out, "# dry run: {shown} not written")?;
        return Ok(());
    }
    let backup = file::write(c.target, c.after)?;
    for r in report {
        writeln!(out, "{r}")?;
    }
    match backup {
        Some(b) => writeln!(out, "updated {shown} (previous version in {})", b.display())?,
        None => writeln!(out, "wrote {shown}")?,
    }
    Ok(())
}

/// DescribeCluster with the caller's credentials; returns the cluster, the
/// region used and the profile to record (when one was named).
async fn describe_cluster(
    args: &SetupArgs,
    name: &str,
    env: &Env,
) -> Result<(ClusterInfo, String, Option<String>)> {
    let s = aws_session::open(args.profile.as_deref(), args.region.as_deref(), env, None).await?;
    let eks = aws_sdk_eks::Client::new(&s.sdk);
    let out = aws_session::bounded(
        &format!("describe cluster {name} in {}", s.region),
        eks.describe_cluster().name(name).send(),
    )
    .await?;
    let c = out
        .cluster()
        .with_context(|| format!("DescribeCluster returned no cluster for {name}"))?;
    let status = c
        .status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    if !USABLE_STATUSES.contains(&status.as_str()) {
        bail!(
            "cluster {name} in {} is {status}, not ACTIVE or UPDATING; wait until \
             `aws eks describe-cluster --name {name}` says ACTIVE, then rerun setup",
            s.region
        );
    }
    let info = ClusterInfo {
        arn: c.arn().unwrap_or_default().to_string(),
        endpoint: c.endpoint().unwrap_or_default().to_string(),
        ca_data: c
            .certificate_authority()
            .and_then(|ca| ca.data())
            .unwrap_or_default()
            .to_string(),
    };
    if info.arn.is_empty() || info.endpoint.is_empty() || info.ca_data.is_empty() {
        bail!("DescribeCluster for {name} returned no ARN, endpoint or certificate authority");
    }
    let profile = s.profile.explicit.then(|| s.profile.name.clone());
    Ok((info, s.region, profile))
}
