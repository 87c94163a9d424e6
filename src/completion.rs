//! `kubectl-eksauth completion SHELL`: shell completion scripts, generated
//! by clap_complete from the same definitions as the help.

use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;

/// Writes the completion script for `shell` to `out`.
pub fn run(shell: Shell, out: &mut dyn Write) {
    let mut cmd = crate::cli::Cli::command();
    clap_complete::generate(shell, &mut cmd, "kubectl-eksauth", out);
}
