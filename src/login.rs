//! `kubectl-eksauth login`: the IAM Identity Center (SSO) login of
//! `aws sso login`, sharing its session with the AWS CLI and the SDKs. The
//! flows themselves (browser with PKCE, device code), the registration and
//! the token files are [`crate::aws::sso_login`]'s; this command only runs
//! one login and talks to the user on stderr.

use crate::aws::Env;
use crate::aws::sso_login;
use anyhow::Result;

pub use crate::aws::sso_login::LoginOptions;

/// Runs `login`: messages on stderr, nothing on stdout.
pub fn run(profile: Option<&str>, opts: LoginOptions, env: &Env) -> Result<()> {
    let rt = crate::rt::runtime()?;
    let mut err = std::io::stderr().lock();
    rt.block_on(sso_login::login(profile, env, opts, &mut err))
        .map(|_| ())
}
