//! kubectl-eksauth: Amazon EKS authentication for kubectl.
//!
//! Entry point: parse, run, report, exit. The modules below are private to
//! this binary; their layers (domain, infrastructure, commands) and the
//! one direction of their arrows are drawn in the README ("Development")
//! and kept by `tests/architecture.rs`.

mod aws;
mod aws_session;
mod cache;
mod cache_cmd;
mod child;
mod cli;
mod completion;
mod domain;
mod exec_credential;
mod fsio;
mod kube;
mod login;
mod platform;
mod redact;
mod rt;
mod secret;
mod setup;
mod token;
mod whoami;
mod why;

use anyhow::Result;
use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and version are successes; for usage errors `why` uses 2,
            // the other commands 1 (the contract's exit statuses).
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ if std::env::args_os().nth(1).is_some_and(|a| a == "why") => ExitCode::from(2),
                _ => ExitCode::from(1),
            };
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        // `... | head`: the reader has what it wanted; not an error.
        Err(f) if broken_pipe(&f.error) => ExitCode::SUCCESS,
        Err(f) => {
            let shown = redact::Redactor::from_env().text(&format!("{:#}", f.error));
            eprintln!("kubectl-eksauth: error: {shown}");
            ExitCode::from(f.exit)
        }
    }
}

/// Whether writing to stdout failed because its reader went away.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A command that failed: the error to print and the exit status.
#[derive(Debug)]
struct Failure {
    error: anyhow::Error,
    exit: u8,
}

/// Runs one parsed command line; returns the exit status, or the failure
/// for the caller to print.
fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Token(t) => {
            let args = token::TokenArgs {
                cluster_name: t.cluster_name,
                cluster_id: t.cluster_id,
                region: t.region,
                profile: t.profile,
                role_arn: t.role_arn,
                no_cache: t.no_cache,
            };
            let env = env()?;
            let mut stdout = std::io::stdout().lock();
            status(token::run(&args, &env, &mut stdout))
        }
        Command::Why(w) => why::run::run(w).map_err(|error| Failure {
            error,
            exit: why::run::EXIT_USAGE,
        }),
        Command::Setup(s) => {
            let args = setup::SetupArgs {
                cluster_name: s.cluster_name,
                region: s.region,
                profile: s.profile,
                role_arn: s.role_arn,
                alias: s.alias,
                kubeconfig: s.kubeconfig,
                dry_run: s.dry_run,
                migrate: s.migrate,
            };
            status(setup::run(&args, &env()?, &mut std::io::stdout().lock()))
        }
        Command::Whoami(w) => {
            let args = whoami::WhoamiArgs {
                profile: w.profile,
                region: w.region,
                json: w.output == cli::OutputFormat::Json,
                cluster_name: w.cluster_name,
                groups: w.groups,
                access_policy: w.access_policy,
            };
            status(whoami::run(&args, &env()?, &mut std::io::stdout().lock()))
        }
        Command::Login(l) => status(login::run(
            l.profile.as_deref(),
            login::LoginOptions {
                no_browser: l.no_browser,
                use_device_code: l.use_device_code,
            },
            &env()?,
        )),
        Command::Cache(cli::CacheCmd::List) => {
            status(cache_cmd::list(&env()?, &mut std::io::stdout().lock()))
        }
        Command::Cache(cli::CacheCmd::Clear) => {
            status(cache_cmd::clear(&env()?, &mut std::io::stdout().lock()))
        }
        Command::Completion(c) => status(
            completion::run(c.shell, &mut std::io::stdout().lock()).map_err(|e| {
                anyhow::Error::new(e).context("could not write the completion script")
            }),
        ),
    }
}

/// The process environment ([`rt::env`]), refused with exit status 1.
fn env() -> Result<aws::Env, Failure> {
    rt::env().map_err(|error| Failure { error, exit: 1 })
}

/// Exit status 1 with the error for the commands other than `why`.
fn status(r: Result<()>) -> Result<u8, Failure> {
    r.map(|()| 0).map_err(|error| Failure { error, exit: 1 })
}
