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
        // `... | head`: the reader has what it wanted; not an error.
        Err(f) if broken_pipe(&f.error) => ExitCode::SUCCESS,
        Err(f) => {
            let shown =
                kubectl_eksauth::redact::Redactor::from_env().text(&format!("{:#}", f.error));
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
