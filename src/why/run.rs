//! `kubectl eksauth why`: wires options to gathering, checks and rendering,
//! and picks the exit status (0 no error, 1 an error found, 2 `why` itself
//! could not run).

use crate::aws::Env;
use crate::cli::WhyCmd;
use crate::secret::Secret;
use crate::why::gather::{self, WhyOptions};
use crate::why::report::{AllReport, Report};
use crate::why::{checks, evidence::ExecKind};
use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Exit status when `why` itself could not run.
pub const EXIT_USAGE: u8 = 2;

/// Runs `why`; returns the exit status.
pub fn run(cmd: WhyCmd) -> Result<u8> {
    let opts = options(&cmd)?;
    let env = Env::real();
    env.require_unicode(&crate::TEXT_VARS)?;
    let rt = crate::runtime()?;
    let color =
        cmd.output == "text" && std::io::stdout().is_terminal() && env.get("NO_COLOR").is_none();
    let mut out = std::io::stdout().lock();
    if cmd.all_contexts {
        let all = rt.block_on(all_contexts(&opts, &env));
        let text = if cmd.output == "json" {
            all.render_json()
        } else {
            all.render_text(color)
        };
        writeln!(out, "{text}").context("could not write the report")?;
        return Ok(all.exit_code());
    }
    let ev = rt.block_on(gather::gather(&opts, &env));
    let report = Report::from_evidence(&ev, checks::run_all(&ev));
    let text = if cmd.output == "json" {
        report.render_json()
    } else {
        report.render_text(color)
    };
    writeln!(out, "{text}").context("could not write the report")?;
    Ok(report.exit_code())
}

fn options(cmd: &WhyCmd) -> Result<WhyOptions> {
    if !(cmd.timeout > 0.0 && cmd.timeout <= 3600.0) {
        bail!(
            "--timeout must be a number of seconds between 0 and 3600, not {}",
            cmd.timeout
        );
    }
    if cmd.action.len() == 1 {
        bail!("give both VERB and RESOURCE (for example `why list secrets -n dev`), or neither");
    }
    let token = match cmd.token.as_deref() {
        None => None,
        Some("-") => {
            let bytes = crate::fsio::read_stdin(
                crate::fsio::TOKEN_LIMIT,
                Duration::from_secs_f64(cmd.timeout),
            )
            .context("could not read the token from stdin")?;
            let s = String::from_utf8(bytes).map_err(|_| {
                anyhow::anyhow!("could not read the token from stdin: it is not text")
            })?;
            Some(Secret::new(s.trim().to_string()))
        }
        Some(t) => Some(Secret::new(t.trim().to_string())),
    };
    Ok(WhyOptions {
        kubeconfig: cmd.kubeconfig.clone(),
        context: cmd.context.clone(),
        token,
        admin_context: cmd.admin_context.clone(),
        aws_auth_file: cmd.aws_auth_file.clone(),
        verb: cmd.action.first().cloned(),
        resource: cmd.action.get(1).cloned(),
        namespace: cmd.namespace.clone(),
        service_account: cmd.service_account.clone(),
        timeout: Duration::from_secs_f64(cmd.timeout),
    })
}

/// Every context whose user runs an EKS token command, diagnosed at once.
async fn all_contexts(opts: &WhyOptions, env: &Env) -> AllReport {
    let home = crate::aws::credentials::home_dir();
    let paths = crate::kube::kubeconfig::load_paths(
        opts.kubeconfig.as_deref(),
        env.get("KUBECONFIG").as_deref(),
        home.as_deref(),
    );
    let (merged, files) = crate::kube::kubeconfig::load(&paths);
    let names: Vec<String> = merged
        .as_ref()
        .map(|k| k.contexts.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    let eks: Vec<String> = names
        .into_iter()
        .filter(|n| {
            let f = crate::kube::kubeconfig::resolve(merged.as_ref(), files.clone(), Some(n));
            f.exec.is_some_and(|e| e.kind != ExecKind::Other)
        })
        .collect();
    let runs = eks.iter().map(|name| {
        let mut o = opts.clone();
        o.context = Some(name.clone());
        async move {
            let ev = gather::gather(&o, env).await;
            Report::from_evidence(&ev, checks::run_all(&ev))
        }
    });
    AllReport::new(futures_util::future::join_all(runs).await)
}
