//! The client-go exec credential protocol, with no I/O.
//!
//! kubectl describes the call in `KUBERNETES_EXEC_INFO`; the plugin answers
//! with an `ExecCredential` of the same apiVersion on stdout. This module
//! parses the former (the caller passes the variable's value, it never reads
//! the environment) and renders the latter. Which token to put in it is the
//! `token` module's business.

use crate::secret::Secret;
use serde::Deserialize;
use time::OffsetDateTime;

/// apiVersion strings of the protocol.
pub const V1: &str = "client.authentication.k8s.io/v1";
/// The version the AWS CLI answers when kubectl sends no exec info.
pub const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";
/// Removed from Kubernetes in 1.24; kubeconfigs that still name it fail.
pub const V1ALPHA1: &str = "client.authentication.k8s.io/v1alpha1";

/// What kubectl told us about this call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecInfo {
    /// The apiVersion to answer with (v1 or v1beta1).
    pub api_version: &'static str,
    /// True when kubectl says the user can answer prompts on stdin.
    pub interactive: bool,
}

/// Why the exec info could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExecInfoError {
    #[error(
        "the kubeconfig asks for apiVersion {V1ALPHA1}, which Kubernetes removed in 1.24; \
         run `kubectl eksauth setup --migrate` to rewrite the exec entry to {V1}"
    )]
    Deprecated,
    #[error(
        "KUBERNETES_EXEC_INFO names apiVersion {0:?}, which this plugin does not speak (it answers {V1} and {V1BETA1})"
    )]
    Unsupported(String),
    #[error("KUBERNETES_EXEC_INFO is not valid JSON: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct RawInfo {
    #[serde(rename = "apiVersion", default)]
    api_version: Option<String>,
    #[serde(default)]
    spec: RawSpec,
}

#[derive(Deserialize, Default)]
struct RawSpec {
    #[serde(default)]
    interactive: bool,
}

/// Parses the value of `KUBERNETES_EXEC_INFO` (None when it is not set).
pub fn read_exec_info(raw: Option<&str>) -> Result<ExecInfo, ExecInfoError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(ExecInfo {
            api_version: V1BETA1,
            interactive: false,
        });
    };
    let info: RawInfo =
        serde_json::from_str(raw).map_err(|e| ExecInfoError::Malformed(e.to_string()))?;
    let api_version = match info.api_version.as_deref() {
        Some(V1) => V1,
        Some(V1BETA1) | None => V1BETA1,
        Some(V1ALPHA1) => return Err(ExecInfoError::Deprecated),
        Some(other) => return Err(ExecInfoError::Unsupported(other.to_string())),
    };
    Ok(ExecInfo {
        api_version,
        interactive: info.spec.interactive,
    })
}

/// Formats a time the way the AWS CLI and client-go write it: `2026-01-01T00:14:00Z`.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Renders the ExecCredential document kubectl reads from stdout.
pub fn render(api_version: &str, token: &Secret, expiration: OffsetDateTime) -> String {
    let doc = serde_json::json!({
        "kind": "ExecCredential",
        "apiVersion": api_version,
        "spec": {},
        "status": {
            "expirationTimestamp": format_timestamp(expiration),
            "token": token.expose(),
        }
    });
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn no_exec_info_answers_v1beta1_like_the_aws_cli() {
        assert_eq!(read_exec_info(None).unwrap().api_version, V1BETA1);
        assert_eq!(read_exec_info(Some("")).unwrap().api_version, V1BETA1);
    }

    #[test]
    fn api_version_is_echoed() {
        let cases = [
            (
                r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#,
                V1,
            ),
            (
                r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{}}"#,
                V1BETA1,
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(
                read_exec_info(Some(raw)).unwrap().api_version,
                want,
                "{raw}"
            );
        }
    }

    #[test]
    fn interactive_flag_is_read() {
        let raw = r#"{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}"#;
        assert!(read_exec_info(Some(raw)).unwrap().interactive);
    }

    #[test]
    fn v1alpha1_is_refused_with_the_fix() {
        let raw = r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1","spec":{}}"#;
        let err = read_exec_info(Some(raw)).unwrap_err();
        assert_eq!(err, ExecInfoError::Deprecated);
        assert!(err.to_string().contains("kubectl eksauth setup --migrate"));
    }

    #[test]
    fn unknown_version_and_bad_json_are_errors() {
        assert!(matches!(
            read_exec_info(Some(r#"{"apiVersion":"client.authentication.k8s.io/v2"}"#)),
            Err(ExecInfoError::Unsupported(_))
        ));
        assert!(matches!(
            read_exec_info(Some("{not json")),
            Err(ExecInfoError::Malformed(_))
        ));
    }

    #[test]
    fn render_matches_the_aws_cli_shape() {
        let out = render(
            V1BETA1,
            &Secret::new("k8s-aws-v1.abc"),
            datetime!(2026-01-01 00:14:00 UTC),
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["kind"], "ExecCredential");
        assert_eq!(v["apiVersion"], V1BETA1);
        assert_eq!(v["spec"], serde_json::json!({}));
        assert_eq!(v["status"]["expirationTimestamp"], "2026-01-01T00:14:00Z");
        assert_eq!(v["status"]["token"], "k8s-aws-v1.abc");
    }
}
