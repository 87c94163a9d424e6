//! Everything that talks to AWS or reads its configuration: profiles and
//! regions, the credential chain, SSO session state, the STS endpoint.

pub mod credential_process;
pub mod credentials;
pub mod eks;
pub mod endpoint;
pub mod iam;
pub mod profile;
pub mod sso;
pub mod sts_check;

use std::collections::HashMap;

/// The SDK configuration every AWS call starts from: the region and
/// profile chosen the AWS CLI's way, the token path's timeouts, and no
/// credentials yet (the caller resolves them with [`credentials::resolve`]).
pub async fn sdk_base(region: &str, choice: &profile::ProfileChoice) -> aws_types::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new(region.to_string()))
        .timeout_config(credentials::timeouts())
        .no_credentials();
    if choice.explicit {
        loader = loader.profile_name(&choice.name);
    }
    loader.load().await
}

/// An error and its causes on one line, each said once.
pub fn error_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![];
    let mut cur = Some(e);
    while let Some(err) = cur {
        let msg = err.to_string();
        if !msg.is_empty() && !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// A snapshot of the environment variables the AWS side reads. Code that
/// decides things takes an `Env` instead of calling `std::env`, so tests pass
/// values instead of mutating the process environment. It holds secrets
/// (`AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), so its `Debug` shows
/// variable names only.
#[derive(Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.vars.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Env").field("names", &names).finish()
    }
}

impl Env {
    /// The process environment.
    pub fn real() -> Self {
        Env {
            vars: std::env::vars().collect(),
        }
    }

    /// A fixed environment (tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Env {
            vars: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// A variable's value; set-but-empty counts as unset, as in the AWS CLI.
    pub fn get(&self, key: &str) -> Option<String> {
        self.vars.get(key).filter(|v| !v.is_empty()).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_debug_shows_names_never_values() {
        let env = Env::from_pairs(&[
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"),
            ("AWS_REGION", "us-west-2"),
        ]);
        let shown = format!("{env:?}");
        assert!(
            shown.contains("AWS_SECRET_ACCESS_KEY") && !shown.contains("wJalrXUtnFEMI"),
            "{shown}"
        );
        assert_eq!(env.get("AWS_REGION").as_deref(), Some("us-west-2"));
        assert_eq!(
            Env::from_pairs(&[("AWS_PROFILE", "")]).get("AWS_PROFILE"),
            None,
            "empty is unset"
        );
    }
}
