//! Which STS endpoint a token is presigned for.
//!
//! The SDK's own STS endpoint rules decide (regional host; `amazonaws.com.cn`
//! for `cn-*`; GovCloud; FIPS and dual-stack when configured), so the host is
//! the one the AWS CLI and the authenticator agree on. An endpoint override
//! (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, or the profile's
//! `endpoint_url`/`services` settings) wins, as it does for the AWS CLI.

use anyhow::{Result, anyhow};
use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
use aws_types::SdkConfig;
use aws_types::service_config::ServiceConfigKey;

/// The endpoint override the SDK would use for STS, if any.
pub fn sts_override(sdk: &SdkConfig) -> Option<String> {
    service_override(sdk, "STS")
}

/// The endpoint override the SDK would use for `service_id` (`STS`, `EKS`,
/// ...: `AWS_ENDPOINT_URL_<ID>`, the profile's `services`), else the
/// general one, if any.
pub fn service_override(sdk: &SdkConfig, service_id: &str) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    sdk.service_config()
        .and_then(|c| c.load_config(key))
        .or_else(|| sdk.endpoint_url().map(str::to_string))
}

/// Resolves the STS endpoint URL for `region` (no trailing slash).
pub async fn sts_endpoint(
    region: &str,
    override_url: Option<&str>,
    use_fips: bool,
    use_dual_stack: bool,
) -> Result<String> {
    let params = Params::builder()
        .region(region)
        .use_fips(use_fips)
        .use_dual_stack(use_dual_stack)
        .use_global_endpoint(false)
        .set_endpoint(override_url.map(str::to_string))
        .build()
        .map_err(|e| anyhow!("could not resolve the STS endpoint for region {region:?}: {e}"))?;
    let endpoint = DefaultResolver::new()
        .resolve_endpoint(&params)
        .await
        .map_err(|e| anyhow!("could not resolve the STS endpoint for region {region:?}: {e}"))?;
    Ok(endpoint.url().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn regional_hosts_per_partition() {
        let cases = [
            ("us-west-2", "https://sts.us-west-2.amazonaws.com"),
            ("us-east-1", "https://sts.us-east-1.amazonaws.com"),
            ("cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn"),
            ("us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com"),
        ];
        for (region, want) in cases {
            assert_eq!(
                sts_endpoint(region, None, false, false).await.unwrap(),
                want,
                "{region}"
            );
        }
    }

    #[tokio::test]
    async fn override_wins_and_fips_changes_the_host() {
        assert_eq!(
            sts_endpoint("us-west-2", Some("http://127.0.0.1:9000/"), false, false)
                .await
                .unwrap(),
            "http://127.0.0.1:9000"
        );
        assert_eq!(
            sts_endpoint("us-west-2", None, true, false).await.unwrap(),
            "https://sts-fips.us-west-2.amazonaws.com"
        );
    }
}
