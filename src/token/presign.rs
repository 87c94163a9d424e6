//! The EKS token: a presigned STS `GetCallerIdentity` URL, pure.
//!
//! Signing is aws-sigv4's job; this module only says what to sign (the GET,
//! the `x-k8s-aws-id` header, the empty body) and lays the URL out in the
//! order the AWS CLI prints it, so that the token is byte-for-byte the one
//! `aws eks get-token` gives for the same credentials and second. Where the
//! credentials come from and which endpoint to use is decided elsewhere.

use crate::secret::Secret;
use anyhow::{Context, Result};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::time::SystemTime;

use crate::domain::token::{BASE_QUERY, PRESIGN_EXPIRES};
use crate::domain::token::{CLUSTER_ID_HEADER, TOKEN_PREFIX};

/// What RFC 3986 leaves unreserved; botocore quotes everything else, and so
/// must we for the same bytes.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Everything that goes into one token.
#[derive(Debug)]
pub struct PresignInput<'a> {
    /// Credentials to sign with.
    pub credentials: &'a Credentials,
    /// The SigV4 signing region (the STS endpoint's region).
    pub region: &'a str,
    /// The STS endpoint, e.g. `https://sts.us-west-2.amazonaws.com`.
    pub endpoint: &'a str,
    /// The cluster name (or the Outposts cluster ID).
    pub cluster_id: &'a str,
    /// The signing time.
    pub time: SystemTime,
}

/// Builds the bearer token for `input`.
pub fn presign_token(input: &PresignInput<'_>) -> Result<Secret> {
    let base = format!("{}/?{BASE_QUERY}", input.endpoint.trim_end_matches('/'));
    let identity = Identity::from(input.credentials.clone());
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(PRESIGN_EXPIRES);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(input.region)
        .name("sts")
        .time(input.time)
        .settings(settings)
        .build()
        .context("could not set up request signing")?
        .into();
    let request = SignableRequest::new(
        "GET",
        base.as_str(),
        std::iter::once((CLUSTER_ID_HEADER, input.cluster_id)),
        SignableBody::Bytes(&[]),
    )
    .context("could not sign the STS request: the endpoint URL is not valid")?;
    let (instructions, _signature) = sign(request, &params)
        .context("could not sign the STS request")?
        .into_parts();
    let url = lay_out_url(&base, instructions.params());
    Ok(Secret::new(format!(
        "{TOKEN_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(url)
    )))
}

/// Appends the signing parameters in the AWS CLI's order: the X-Amz-*
/// parameters as signed, with the session token before the signature.
fn lay_out_url(base: &str, params: &[(&str, std::borrow::Cow<'static, str>)]) -> String {
    let mut ordered: Vec<&(&str, std::borrow::Cow<'static, str>)> = params.iter().collect();
    let rank = |name: &str| match name {
        "X-Amz-Security-Token" => 1,
        "X-Amz-Signature" => 2,
        _ => 0,
    };
    ordered.sort_by_key(|(name, _)| rank(name)); // stable: keeps the rest in signing order
    let mut url = base.to_string();
    for (name, value) in ordered {
        url.push('&');
        url.push_str(name);
        url.push('=');
        url.extend(utf8_percent_encode(value, QUERY_VALUE));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(rfc3339: &str) -> SystemTime {
        let t =
            time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
                .unwrap();
        SystemTime::UNIX_EPOCH + Duration::from_secs(t.unix_timestamp() as u64)
    }

    fn keys(id: &str, secret: &str, token: Option<String>) -> Credentials {
        Credentials::new(id, secret, token, None, "test")
    }

    fn decode(token: &Secret) -> String {
        let b64 = token.expose().strip_prefix(TOKEN_PREFIX).unwrap();
        String::from_utf8(URL_SAFE_NO_PAD.decode(b64).unwrap()).unwrap()
    }

    #[test]
    fn known_answer_vector_from_aws_iam_authenticator() {
        let creds = keys(
            "ASIAR2TG44V6AS3ZZE7C",
            "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q",
            None,
        );
        let token = presign_token(&PresignInput {
            credentials: &creds,
            region: "us-west-2",
            endpoint: "https://sts.us-west-2.amazonaws.com",
            cluster_id: "test-cluster",
            time: at("2023-04-28T00:00:00Z"),
        })
        .unwrap();
        let url = decode(&token);
        assert_eq!(
            url,
            "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15\
             &X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=ASIAR2TG44V6AS3ZZE7C%2F20230428%2Fus-west-2%2Fsts%2Faws4_request\
             &X-Amz-Date=20230428T000000Z&X-Amz-Expires=60\
             &X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
             &X-Amz-Signature=e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce"
        );
    }

    #[test]
    fn session_token_sits_before_the_signature_and_is_quoted() {
        let creds = keys("ASIAEXAMPLE", "secret", Some("tok/en+=".into()));
        let token = presign_token(&PresignInput {
            credentials: &creds,
            region: "us-east-1",
            endpoint: "https://sts.us-east-1.amazonaws.com/",
            cluster_id: "demo",
            time: at("2026-01-01T00:00:00Z"),
        })
        .unwrap();
        let url = decode(&token);
        let tail = url
            .split("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&")
            .nth(1)
            .unwrap();
        assert!(
            tail.starts_with("X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-Signature="),
            "{url}"
        );
        assert!(
            url.starts_with("https://sts.us-east-1.amazonaws.com/?Action="),
            "{url}"
        );
    }

    #[test]
    fn token_is_base64url_without_padding() {
        let creds = keys("AKIDEXAMPLE", "secret", None);
        for cluster in ["a", "ab", "abc", "some-long-cluster-name"] {
            let token = presign_token(&PresignInput {
                credentials: &creds,
                region: "cn-north-1",
                endpoint: "https://sts.cn-north-1.amazonaws.com.cn",
                cluster_id: cluster,
                time: at("2026-01-01T00:00:00Z"),
            })
            .unwrap();
            let body = token.expose().strip_prefix(TOKEN_PREFIX).unwrap();
            assert!(
                !body.contains('=') && !body.contains('+') && !body.contains('/'),
                "{body}"
            );
        }
    }

    #[test]
    fn another_cluster_name_gives_another_signature() {
        let creds = keys("AKIDEXAMPLE", "secret", None);
        let sign_for = |cluster| {
            decode(
                &presign_token(&PresignInput {
                    credentials: &creds,
                    region: "us-west-2",
                    endpoint: "https://sts.us-west-2.amazonaws.com",
                    cluster_id: cluster,
                    time: at("2026-01-01T00:00:00Z"),
                })
                .unwrap(),
            )
        };
        assert_ne!(sign_for("demo"), sign_for("other"));
    }
}
