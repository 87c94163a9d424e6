//! IAM's XML response documents (namespace
//! `https://iam.amazonaws.com/doc/2010-05-08/`), shaped after botocore's
//! `iam` model: policy documents URL-encoded as IAM returns them (botocore
//! decodes them), lists as `<member>` elements.

use serde_json::json;
use time::OffsetDateTime;

use super::OidcProvider;
use crate::directory::RoleInfo;
use crate::sigv4::uri_encode;
use crate::sts::error::StsError;
use crate::sts::render::esc;
use crate::timefmt;

const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// Roles and providers are reported as created a week before the start.
const AGE: time::Duration = time::Duration::days(7);

fn wrap(action: &str, result: &str, request_id: &str) -> String {
    format!(
        "<{action}Response xmlns=\"{XMLNS}\">\n  <{action}Result>\n{result}  </{action}Result>\n  \
         <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n"
    )
}

fn members(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("<member>{}</member>", esc(i)))
        .collect()
}

/// The trust policy: the fixture's document, else one Allow statement for
/// `trusted_principals`.
pub fn trust_policy(role: &RoleInfo) -> String {
    if let Some(doc) = &role.trust_policy {
        return doc.to_string();
    }
    let principal = if role.trusted_principals.iter().any(|p| p == "*") {
        json!("*")
    } else {
        json!(role.trusted_principals)
    };
    let statements = if role.trusted_principals.is_empty() {
        json!([])
    } else {
        json!([{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}])
    };
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// GetRoleResponse.
pub fn get_role(role: &RoleInfo, started: OffsetDateTime, request_id: &str) -> String {
    let result = format!(
        "    <Role>\n      <Path>{}</Path>\n      <AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument>\n      \
         <MaxSessionDuration>{}</MaxSessionDuration>\n      <RoleId>{}</RoleId>\n      <RoleName>{}</RoleName>\n      \
         <Arn>{}</Arn>\n      <CreateDate>{}</CreateDate>\n      <RoleLastUsed/>\n    </Role>\n",
        esc(&role.path),
        uri_encode(&trust_policy(role), false),
        role.max_session_duration,
        esc(&role.role_id),
        esc(&role.name),
        esc(&role.arn),
        timefmt::iso8601(role.created.unwrap_or(started - AGE)),
    );
    wrap("GetRole", &result, request_id)
}

/// ListOpenIDConnectProvidersResponse.
pub fn list_providers(providers: &[&OidcProvider], request_id: &str) -> String {
    let entries: String = providers
        .iter()
        .map(|p| {
            format!(
                "      <member>\n        <Arn>{}</Arn>\n      </member>\n",
                esc(&p.arn)
            )
        })
        .collect();
    let result =
        format!("    <OpenIDConnectProviderList>\n{entries}    </OpenIDConnectProviderList>\n");
    wrap("ListOpenIDConnectProviders", &result, request_id)
}

/// GetOpenIDConnectProviderResponse.
pub fn get_provider(p: &OidcProvider, started: OffsetDateTime, request_id: &str) -> String {
    let result = format!(
        "    <ThumbprintList>{}</ThumbprintList>\n    <CreateDate>{}</CreateDate>\n    \
         <ClientIDList>{}</ClientIDList>\n    <Url>{}</Url>\n    <Tags/>\n",
        members(&p.thumbprints),
        timefmt::iso8601(started - AGE),
        members(&p.client_ids),
        esc(&p.url)
    );
    wrap("GetOpenIDConnectProvider", &result, request_id)
}

/// ErrorResponse.
pub fn error(err: &StsError, request_id: &str) -> String {
    let kind = if err.sender { "Sender" } else { "Receiver" };
    format!(
        "<ErrorResponse xmlns=\"{XMLNS}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    \
         <Message>{}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
        err.code,
        esc(&err.message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(trusted: &[&str]) -> RoleInfo {
        RoleInfo {
            arn: "arn:aws:iam::111122223333:role/team/app".into(),
            name: "app".into(),
            path: "/team/".into(),
            account: "111122223333".into(),
            partition: "aws".into(),
            role_id: "AROAEXAMPLE".into(),
            max_session_duration: 3600,
            trusted_principals: trusted.iter().map(|s| s.to_string()).collect(),
            trust_policy: None,
            requires_mfa: false,
            created: None,
        }
    }

    #[test]
    fn get_role_encodes_the_trust_policy() {
        let xml = get_role(
            &role(&["arn:aws:iam::111122223333:user/admin"]),
            OffsetDateTime::UNIX_EPOCH,
            "r",
        );
        assert!(xml.contains("<Path>/team/</Path>"));
        assert!(xml.contains("<AssumeRolePolicyDocument>%7B%22"), "{xml}");
        assert!(!xml.contains("{\""), "the document is URL-encoded");
    }

    #[test]
    fn synthesized_trust_policy_cases() {
        let cases = [
            (
                "listed_principals",
                vec!["arn:aws:iam::1:user/a"],
                "\"AWS\":[\"arn:aws:iam::1:user/a\"]",
            ),
            ("anyone", vec!["*"], "\"AWS\":\"*\""),
            ("nobody", vec![], "\"Statement\":[]"),
        ];
        for (name, trusted, want) in cases {
            let doc = trust_policy(&role(&trusted));
            assert!(doc.contains(want), "{name}: {doc}");
        }
    }
}
