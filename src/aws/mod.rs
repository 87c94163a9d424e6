//! Everything that talks to AWS or reads its configuration: profiles and
//! regions, the credential chain, SSO session state, the STS endpoint.

pub mod credential_process;
pub mod credentials;
pub mod eks;
pub mod endpoint;
pub mod iam;
pub mod mfa;
pub mod profile;
pub mod role;
pub mod sso;
pub mod sso_cache;
pub mod sso_login;
pub mod sso_refresh;
pub mod sts_check;
pub mod tls;

use std::collections::HashMap;
use std::ffi::OsString;

/// An EKS API call's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EksCall<T> {
    Ok(T),
    /// AccessDeniedException (message).
    Denied(String),
    /// ResourceNotFoundException (message).
    NotFound(String),
    /// Anything else (message).
    Failed(String),
}

/// The SDK configuration every AWS call starts from: the region and
/// profile chosen the AWS CLI's way, the token path's timeouts, an HTTPS
/// client that also trusts the CA bundle (`AWS_CA_BUNDLE` or the profile's
/// `ca_bundle`, see [`tls`]) and no credentials yet (the caller resolves
/// them with [`credentials::resolve`]).
pub async fn sdk_base(
    region: &str,
    choice: &profile::ProfileChoice,
    ca: Option<&tls::CaBundle>,
) -> Result<aws_types::SdkConfig, tls::CaBundleError> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new(region.to_string()))
        .timeout_config(credentials::timeouts())
        .no_credentials();
    if choice.explicit {
        loader = loader.profile_name(&choice.name);
    }
    if let Some(bundle) = ca {
        loader = loader.http_client(tls::sdk_http_client(bundle)?);
    }
    Ok(loader.load().await)
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

/// The AWS error code of the first service error in `e`'s causes
/// (`ExpiredToken`, `UnauthorizedException`, ...): for the errors that
/// reach us wrapped, as a credential provider's around the SDK's. The
/// operations are those aws-config calls while resolving credentials.
/// None when no cause is one of them, or it has no code (a connection, a
/// timeout, TLS).
pub fn service_code(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
    use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    use aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityError as WebIdentityError;
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    fn code<E: ProvideErrorMetadata + std::error::Error + 'static>(
        e: &(dyn std::error::Error + 'static),
    ) -> Option<Option<String>> {
        e.downcast_ref::<E>().map(|e| e.code().map(str::to_string))
    }
    let mut cur = Some(e);
    while let Some(err) = cur {
        let found = code::<GetRoleCredentialsError>(err)
            .or_else(|| code::<AssumeRoleError>(err))
            .or_else(|| code::<WebIdentityError>(err))
            .or_else(|| code::<CreateTokenError>(err));
        if let Some(c) = found {
            return c;
        }
        cur = err.source();
    }
    None
}

/// A snapshot of the environment variables the AWS side reads. Code that
/// decides things takes an `Env` instead of calling `std::env`, so tests pass
/// values instead of mutating the process environment. It holds secrets
/// (`AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), so its `Debug` shows
/// variable names only.
#[derive(Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    /// Names (shown lossily) of variables whose value is not UTF-8: they
    /// read as unset, and [`Env::require_unicode`] names them.
    not_unicode: Vec<String>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.vars.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Env").field("names", &names).finish()
    }
}

impl Env {
    /// The process environment. A variable that is not UTF-8 never panics
    /// and its value is never kept or shown, only its name.
    pub fn real() -> Self {
        Self::from_os(std::env::vars_os())
    }

    /// An environment from raw pairs (what [`Env::real`] reads).
    pub fn from_os(pairs: impl Iterator<Item = (OsString, OsString)>) -> Self {
        let mut env = Env::default();
        for (k, v) in pairs {
            match (k.into_string(), v.into_string()) {
                (Ok(k), Ok(v)) => {
                    env.vars.insert(k, v);
                }
                (k, _) => env.not_unicode.push(match k {
                    Ok(k) => k,
                    Err(k) => k.to_string_lossy().into_owned(),
                }),
            }
        }
        env.not_unicode.sort();
        env
    }

    /// Fails, naming the variable, when one whose name starts with one of
    /// `prefixes` is not UTF-8: reading it as unset would silently pick
    /// another profile, region or key.
    pub fn require_unicode(&self, prefixes: &[&str]) -> anyhow::Result<()> {
        match self
            .not_unicode
            .iter()
            .find(|n| prefixes.iter().any(|p| n.starts_with(p)))
        {
            Some(n) => anyhow::bail!(
                "could not read the environment: the value of {n} is not valid UTF-8 text; \
                 set it again (for example `export {n}=...`) or unset it"
            ),
            None => Ok(()),
        }
    }

    /// A fixed environment (tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Env {
            vars: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            not_unicode: vec![],
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

    #[cfg(unix)]
    #[test]
    fn a_non_utf8_value_is_unset_and_named_never_shown() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(b"wJalr\xffSECRET".to_vec());
        let env = Env::from_os(
            [
                ("AWS_SECRET_ACCESS_KEY".into(), bad),
                ("AWS_REGION".into(), "us-west-2".into()),
            ]
            .into_iter(),
        );
        assert_eq!(env.get("AWS_SECRET_ACCESS_KEY"), None);
        assert_eq!(env.get("AWS_REGION").as_deref(), Some("us-west-2"));
        let e = env.require_unicode(&["AWS_"]).unwrap_err().to_string();
        assert!(e.contains("AWS_SECRET_ACCESS_KEY"), "{e}");
        assert!(!e.contains("wJalr"), "the value is never shown: {e}");
        assert!(env.require_unicode(&["KUBE"]).is_ok());
    }
}
