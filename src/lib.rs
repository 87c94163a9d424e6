//! kubectl-eksauth: Amazon EKS authentication for kubectl.
//!
//! `token` is the exec credential plugin; the modules below are its parts.
//! `main.rs` parses arguments and calls [`run`]; nothing here exits.

pub mod aws;
pub mod cli;
pub mod exec_credential;
pub mod kube;
pub mod secret;
pub mod token;
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
            let env = aws::Env::real();
            let mut stdout = std::io::stdout().lock();
            token::run(&args, &env, &mut stdout)
                .map(|()| 0)
                .map_err(|error| Failure { error, exit: 1 })
        }
        Command::Why(w) => why::run::run(w).map_err(|error| Failure {
            error,
            exit: why::run::EXIT_USAGE,
        }),
    }
}

/// A single-threaded runtime: the commands wait on a few requests at a time,
/// and a thread pool would only cost start-up time.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("could not start the async runtime: {e}"))
}
