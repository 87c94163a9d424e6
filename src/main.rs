//! Entry point: parse, run, report, exit.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match kubectl_eksauth::cli::Cli::try_parse() {
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
    match kubectl_eksauth::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("kubectl-eksauth: error: {:#}", f.error);
            ExitCode::from(f.exit)
        }
    }
}
