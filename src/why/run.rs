//! `kubectl eksauth why`: wires options to gathering, checks and rendering,
//! and picks the exit status (0 no error, 1 an error found, 2 `why` itself
//! could not run).

use crate::aws::Env;
use crate::cli::WhyCmd;
use crate::redact::Redactor;
use crate::secret::Secret;
use crate::why::gather::{self, WhyOptions};
use crate::why::report::{AllReport, Report};
use crate::why::{checks, evidence::ExecKind};
use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Exit status when `why` itself could not run.
pub const EXIT_USAGE: u8 = 2;

/// How many contexts `--all-contexts` diagnoses at a time: enough to hide
/// the network's latency, few enough that 400 contexts stay within a
/// modest amount of memory and open connections.
const CONTEXTS_AT_ONCE: usize = 12;

/// Runs `why`; returns the exit status.
pub fn run(cmd: WhyCmd) -> Result<u8> {
    let mut opts = options(&cmd)?;
    let env = Env::real();
    env.require_unicode(&crate::rt::TEXT_VARS)?;
    let loaded = std::sync::Arc::new(gather::load(&opts, &env));
    opts.shared.loaded = Some(loaded.clone());
    let merged = loaded.0.as_ref();
    check_admin_context(opts.admin_context.as_deref(), merged)?;
    let mut redactor = Redactor::from_env();
    if let Some(k) = merged {
        redactor.add_kubeconfig(k);
    }
    if let Some(t) = &opts.token {
        redactor.add(t.expose());
    }
    let rt = crate::rt::runtime()?;
    let color =
        cmd.output == "text" && std::io::stdout().is_terminal() && env.get("NO_COLOR").is_none();
    let (text, code) = if cmd.all_contexts {
        let all = rt.block_on(all_contexts(&opts, &env, merged, &redactor));
        let text = match cmd.output.as_str() {
            "json" => all.render_json(),
            _ => all.render_text(color),
        };
        (text, all.exit_code())
    } else {
        let report = rt.block_on(diagnose(&opts, &env, &redactor));
        let text = match cmd.output.as_str() {
            "json" => report.render_json(),
            _ => report.render_text(color),
        };
        (text, report.exit_code())
    };
    // A lookup still running on a blocking thread (a DNS answer that takes
    // longer than --timeout) must not keep the process alive.
    rt.shutdown_background();
    match writeln!(std::io::stdout().lock(), "{text}") {
        Ok(()) => Ok(code),
        // `why | head`: the reader has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e).context("could not write the report"),
    }
}

/// One context: gathered, checked, and redacted (with the token it got).
async fn diagnose(opts: &WhyOptions, env: &Env, redactor: &Redactor) -> Report {
    let ev = gather::gather(opts, env).await;
    let mut report = Report::from_evidence(&ev, checks::run_all(&ev));
    let mut r = redactor.clone();
    if let Some(t) = &ev.token {
        r.add(t.expose());
    }
    report.redact(&r);
    report
}

/// `--admin-context` must name a context of the kubeconfig.
fn check_admin_context(
    admin: Option<&str>,
    merged: Option<&kube::config::Kubeconfig>,
) -> Result<()> {
    let Some(admin) = admin else {
        return Ok(());
    };
    let names: Vec<&str> = merged
        .map(|k| k.contexts.iter().map(|c| c.name.as_str()).collect())
        .unwrap_or_default();
    if names.contains(&admin) {
        return Ok(());
    }
    let r = Redactor::new();
    let known = match names.len() {
        0 => "it has no context".to_string(),
        n if n <= 10 => format!("it has {}", r.line(&names.join(", "))),
        n => format!("it has {n} others"),
    };
    bail!(
        "could not use --admin-context {}: the kubeconfig has no context of that name ({known})",
        r.line(admin)
    )
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
        shared: Default::default(),
    })
}

/// Every context whose user runs an EKS token command, a bounded number at
/// a time, in the kubeconfig's order. No EKS context at all (a missing,
/// empty or broken kubeconfig included): the current context's report,
/// which says what is wrong, instead of an empty list.
async fn all_contexts(
    opts: &WhyOptions,
    env: &Env,
    merged: Option<&kube::config::Kubeconfig>,
    redactor: &Redactor,
) -> AllReport {
    use futures_util::StreamExt;
    let eks: Vec<String> = merged
        .map(|k| {
            k.contexts
                .iter()
                .map(|c| c.name.clone())
                .filter(|n| is_eks(k, n))
                .collect()
        })
        .unwrap_or_default();
    if eks.is_empty() {
        return AllReport::new(vec![diagnose(opts, env, redactor).await]);
    }
    let runs = eks.into_iter().map(|name| {
        let mut o = opts.clone();
        o.context = Some(name);
        async move { diagnose(&o, env, redactor).await }
    });
    let reports = futures_util::stream::iter(runs)
        .buffered(CONTEXTS_AT_ONCE)
        .collect()
        .await;
    AllReport::new(reports)
}

/// Whether context `name`'s user runs an EKS token command.
fn is_eks(k: &kube::config::Kubeconfig, name: &str) -> bool {
    let f = crate::kube::kubeconfig::resolve(Some(k), Vec::new(), Some(name));
    f.exec.is_some_and(|e| e.kind != ExecKind::Other)
}
