//! The platform seam: everything that differs between Linux, macOS and
//! Windows, in one place, so the rest of the crate never asks which OS it
//! is on.
//!
//! - [`home_dir`] and [`aws_home`]: where `~` is for kubectl's files and
//!   for the AWS SDK's (they differ on Windows when `HOME` is set).
//! - [`look_path`]: finding an exec command the way the OS does
//!   (`PATHEXT` on Windows), checked in tests against `lookup_candidates`, the pure rule.
//! - [`open_browser`]: opening an address without a shell.
//! - [`ec2_hardware`]: whether this machine is an EC2 instance, for the
//!   instance-role credentials.
//!
//! The rules are pure functions of their inputs (an [`OsKind`], variable
//! values), so they are tested here with other platforms' inputs; the thin
//! functions that read the real machine only feed them.

mod browser;
mod ec2;
mod home;
mod lookup;

pub use browser::open_browser;
pub use ec2::{Hardware, ec2_hardware};
pub use home::{aws_home, home_dir};
pub use lookup::look_path;

/// The family of operating system a rule is evaluated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsKind {
    /// Linux and the other Unix systems but macOS.
    Unix,
    /// macOS: Unix for paths and lookup, its own for the browser.
    MacOs,
    /// Windows.
    Windows,
}

impl OsKind {
    /// The OS this binary was built for.
    pub fn current() -> Self {
        if cfg!(windows) {
            OsKind::Windows
        } else if cfg!(target_os = "macos") {
            OsKind::MacOs
        } else {
            OsKind::Unix
        }
    }
}
