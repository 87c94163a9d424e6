//! Entry point of `eks-sim`: parse the command line, run the simulator and
//! turn the outcome into an exit status (2 for a bad fixture, 1 for any other
//! failure). Everything else lives in `app`.

mod access;
mod app;
mod arn;
mod cli;
mod clock;
mod directory;
mod eks;
mod endpoints;
mod faults;
mod fixture;
mod http_util;
mod iam;
mod ids;
mod kube;
mod partition;
mod secret;
mod sigv4;
mod sso;
mod sso_oidc;
mod sts;
mod timefmt;
mod tls;
mod world;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match app::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(app::RunError::Fixture(err)) => {
            eprintln!("eks-sim: error: bad fixture: {err:#}");
            ExitCode::from(2)
        }
        Err(app::RunError::Other(err)) => {
            eprintln!("eks-sim: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
