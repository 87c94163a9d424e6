//! STS response bodies in both encodings STS speaks: XML by default, JSON
//! when the client sends `Accept: application/json` (as aws-iam-authenticator
//! does). Shapes follow the STS API reference.

use serde_json::json;

use super::error::StsError;
use crate::directory::{Caller, IssuedCredentials};
use crate::timefmt;

/// Namespace of every STS XML document.
const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// GetCallerIdentityResponse.
pub fn caller_identity(caller: &Caller, request_id: &str, as_json: bool) -> String {
    if as_json {
        return json!({"GetCallerIdentityResponse": {
            "GetCallerIdentityResult": {"Account": caller.account, "Arn": caller.arn, "UserId": caller.user_id},
            "ResponseMetadata": {"RequestId": request_id}
        }})
        .to_string();
    }
    format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\">\n  <GetCallerIdentityResult>\n    \
         <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  \
         </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  \
         </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        esc(&caller.arn),
        esc(&caller.user_id),
        esc(&caller.account)
    )
}

/// AssumeRoleResponse.
pub fn assume_role(issued: &IssuedCredentials, request_id: &str, as_json: bool) -> String {
    let expiration = timefmt::iso8601(issued.expiration);
    if as_json {
        return json!({"AssumeRoleResponse": {
            "AssumeRoleResult": {
                "AssumedRoleUser": {"Arn": issued.caller.arn, "AssumedRoleId": issued.caller.user_id},
                "Credentials": {
                    "AccessKeyId": issued.access_key_id,
                    "Expiration": issued.expiration.unix_timestamp(),
                    "SecretAccessKey": issued.secret.expose(),
                    "SessionToken": issued.session_token.expose()
                },
                "PackedPolicySize": null,
                "SourceIdentity": null
            },
            "ResponseMetadata": {"RequestId": request_id}
        }})
        .to_string();
    }
    format!(
        "<AssumeRoleResponse xmlns=\"{XMLNS}\">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n      \
         <AssumedRoleId>{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n    \
         <Credentials>\n      <AccessKeyId>{}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      \
         <SessionToken>{}</SessionToken>\n      <Expiration>{expiration}</Expiration>\n    </Credentials>\n  \
         </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  \
         </ResponseMetadata>\n</AssumeRoleResponse>\n",
        esc(&issued.caller.user_id),
        esc(&issued.caller.arn),
        esc(&issued.access_key_id),
        esc(issued.secret.expose()),
        esc(issued.session_token.expose()),
    )
}

/// ErrorResponse.
pub fn error(err: &StsError, request_id: &str, as_json: bool) -> String {
    let kind = if err.sender { "Sender" } else { "Receiver" };
    if as_json {
        return json!({"Error": {"Code": err.code, "Message": err.message, "Type": kind}, "RequestId": request_id})
            .to_string();
    }
    format!(
        "<ErrorResponse xmlns=\"{XMLNS}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    \
         <Message>{}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
        err.code,
        esc(&err.message)
    )
}

/// Escape text for an XML element.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_caller_identity_has_the_authenticators_shape() {
        let caller = Caller {
            arn: "arn:aws:iam::1:user/a".into(),
            user_id: "AIDA".into(),
            account: "1".into(),
        };
        let v: serde_json::Value =
            serde_json::from_str(&caller_identity(&caller, "r", true)).unwrap();
        assert_eq!(
            v["GetCallerIdentityResponse"]["GetCallerIdentityResult"]["Arn"],
            "arn:aws:iam::1:user/a"
        );
        assert_eq!(
            v["GetCallerIdentityResponse"]["ResponseMetadata"]["RequestId"],
            "r"
        );
    }

    #[test]
    fn xml_error_escapes_message() {
        let e = StsError::access_denied("a <b> & c");
        let xml = error(&e, "r", false);
        assert!(xml.contains("<Code>AccessDenied</Code>"));
        assert!(xml.contains("a &lt;b&gt; &amp; c"));
        assert!(xml.contains("<Type>Sender</Type>"));
    }
}
