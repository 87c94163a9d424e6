//! `kubectl-eksauth completion SHELL`: shell completion scripts, generated
//! by clap_complete from the same definitions as the help.

use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;

/// Writes the completion script for `shell` to `out` (generated in memory
/// first: clap_complete panics when its writer fails, as a closed pipe does).
pub fn run(shell: Shell, out: &mut dyn Write) -> std::io::Result<()> {
    let mut cmd = crate::cli::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "kubectl-eksauth", &mut script);
    out.write_all(&script)?;
    out.flush()
}
