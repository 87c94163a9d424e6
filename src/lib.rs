//! kubectl-eksauth: Amazon EKS authentication for kubectl.
//!
//! `token` is the exec credential plugin; the modules below are its parts.
//! `main.rs` parses arguments and calls [`run`]; nothing here exits.

pub mod aws;
pub mod aws_session;
pub mod cache;
pub mod cache_cmd;
pub mod child;
pub mod cli;
pub mod completion;
pub mod domain;
pub mod exec_credential;
pub mod fsio;
pub mod kube;
pub mod login;
pub mod platform;
pub mod redact;
pub mod rt;
pub mod secret;
pub mod setup;
pub mod token;
pub mod whoami;
pub mod why;

use anyhow::Result;
use cli::{Cli, Command};

/// A command that failed: the error to print and the exit status.
#[derive(Debug)]
pub struct Failure {
    pub error: anyhow::Error,
    pub exit: u8,
}

/// Runs one parsed command line; returns the exit status, or the failure
/// for the caller to print.
pub fn run(cli: Cli) -> Result<u8, Failure> {
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
