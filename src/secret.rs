//! `Secret`: a string that never prints itself.
//!
//! Tokens, secret keys, session tokens and SSO access tokens live in this
//! wrapper from the moment they are read, so that a `{:?}` or `{}` anywhere
//! (a log line, an error chain, a panic message) shows `(redacted)` instead.
//! The only way to the value is [`Secret::expose`], which is easy to grep for.

use std::fmt;

/// A secret string whose `Debug` and `Display` print `(redacted)`.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value that must never be printed.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself; call only where it leaves the program on purpose
    /// (the ExecCredential on stdout, the 0600 cache file, a signer).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG");
        assert_eq!(format!("{s:?}"), "(redacted)");
        assert_eq!(format!("{s}"), "(redacted)");
        assert_eq!(format!("{:?}", Some(&s)), "Some((redacted))");
        assert_eq!(s.expose(), "wJalrXUtnFEMI/K7MDENG");
    }
}
