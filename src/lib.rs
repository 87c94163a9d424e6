//! kubectl-eksauth: Amazon EKS authentication for kubectl.
//!
//! `token` is the exec credential plugin; the modules below are its parts.
//! `main.rs` parses arguments and calls [`run`]; nothing here exits.

pub mod aws;
pub mod aws_session;
pub mod cache_cmd;
pub mod cli;
pub mod completion;
pub mod exec_credential;
pub mod login;
pub mod secret;
pub mod setup;
pub mod token;
pub mod whoami;

use anyhow::Result;
use cli::{Cli, Command};

/// Runs one parsed command line; the caller prints the error and exits.
pub fn run(cli: Cli) -> Result<()> {
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
        }
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
            setup::run(&args, &aws::Env::real(), &mut std::io::stdout().lock())
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
            whoami::run(&args, &aws::Env::real(), &mut std::io::stdout().lock())
        }
        Command::Login(l) => login::run(l.profile.as_deref(), l.no_browser, &aws::Env::real()),
        Command::Cache(cli::CacheCmd::List) => {
            cache_cmd::list(&aws::Env::real(), &mut std::io::stdout().lock())
        }
        Command::Cache(cli::CacheCmd::Clear) => {
            cache_cmd::clear(&aws::Env::real(), &mut std::io::stdout().lock())
        }
        Command::Completion(c) => {
            completion::run(c.shell, &mut std::io::stdout().lock());
            Ok(())
        }
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
