//! Everything that talks to AWS or reads its configuration: profiles and
//! regions, the credential chain, SSO session state, the STS endpoint.

pub mod credentials;
pub mod endpoint;
pub mod profile;
pub mod sso;

use std::collections::HashMap;

/// A snapshot of the environment variables the AWS side reads. Code that
/// decides things takes an `Env` instead of calling `std::env`, so tests pass
/// values instead of mutating the process environment.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
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
