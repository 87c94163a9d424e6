//! The IAM calls `why --service-account` makes with the diagnosed
//! identity's credentials: GetRole (the role's trust policy), and the OIDC
//! identity provider of the cluster's issuer (ListOpenIDConnectProviders,
//! GetOpenIDConnectProvider). SDK errors become [`EksCall`] variants
//! (denied, not found, failed), as for the EKS API, because each is a
//! different fact for the checks. Nothing here judges.

use crate::aws::EksCall;
use aws_sdk_iam::Client;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use time::OffsetDateTime;

/// An IAM role, from GetRole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleInfo {
    pub arn: String,
    /// The trust policy document, URL-decoded (JSON).
    pub trust_policy: Option<String>,
    /// `CreateDate`.
    pub created: Option<OffsetDateTime>,
}

/// An IAM OIDC identity provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OidcProviderInfo {
    pub arn: String,
    /// Without `https://`, as IAM reports it.
    pub url: String,
    pub client_ids: Vec<String>,
}

fn classify<T, E, R>(e: &SdkError<E, R>) -> EksCall<T>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + 'static,
{
    let (code, msg) = match e.as_service_error() {
        Some(s) => (
            s.code().unwrap_or_default().to_string(),
            s.message().unwrap_or_default().to_string(),
        ),
        None => (String::new(), crate::aws::error_causes(e)),
    };
    match code.as_str() {
        "AccessDenied" | "AccessDeniedException" => EksCall::Denied(msg),
        "NoSuchEntity" => EksCall::NotFound(msg),
        "" => EksCall::Failed(msg),
        c => EksCall::Failed(format!("{c}: {msg}")),
    }
}

// ARN helpers are the domain's; these paths stay for the checks that use them.

/// GetRole, with the trust policy URL-decoded (IAM returns it encoded).
pub async fn get_role(client: &Client, name: &str) -> EksCall<RoleInfo> {
    match client.get_role().role_name(name).send().await {
        Ok(out) => match out.role {
            Some(r) => EksCall::Ok(RoleInfo {
                arn: r.arn.clone(),
                trust_policy: r.assume_role_policy_document.as_deref().map(|d| {
                    percent_encoding::percent_decode_str(d)
                        .decode_utf8_lossy()
                        .into_owned()
                }),
                created: OffsetDateTime::from_unix_timestamp(r.create_date.secs()).ok(),
            }),
            None => EksCall::Failed("GetRole returned no role".into()),
        },
        Err(e) => classify(&e),
    }
}

/// The IAM OIDC provider for `issuer`, if the caller's account has one.
pub async fn oidc_provider(client: &Client, issuer: &str) -> EksCall<Option<OidcProviderInfo>> {
    let want = format!(
        ":oidc-provider/{}",
        crate::domain::arn::issuer_host_path(issuer)
    );
    let list = match client.list_open_id_connect_providers().send().await {
        Ok(o) => o,
        Err(e) => return classify(&e),
    };
    let Some(arn) = list
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn.clone())
        .find(|a| a.ends_with(&want))
    else {
        return EksCall::Ok(None);
    };
    match client
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
    {
        Ok(o) => EksCall::Ok(Some(OidcProviderInfo {
            arn,
            url: o.url.unwrap_or_default(),
            client_ids: o.client_id_list.unwrap_or_default(),
        })),
        Err(e) => classify(&e),
    }
}
