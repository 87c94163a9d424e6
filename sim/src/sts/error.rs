//! STS errors: code, message and HTTP status exactly as STS answers them, so
//! that clients (botocore, the Rust SDK, the authenticator) react to the
//! simulator as they react to AWS.

use time::{Duration, OffsetDateTime};

use crate::timefmt;

/// How far a request's signing time may be from the server's clock.
pub const SIGNATURE_WINDOW: Duration = Duration::minutes(15);

/// An error response of STS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsError {
    /// HTTP status.
    pub status: u16,
    /// `Error/Code`.
    pub code: &'static str,
    /// `Error/Message`.
    pub message: String,
    /// `Error/Type`: `Sender` (the client's fault) or `Receiver`.
    pub sender: bool,
}

impl StsError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        StsError {
            status,
            code,
            message: message.into(),
            sender: status < 500,
        }
    }

    /// Any other error (for the services that share STS's Query protocol).
    pub fn other(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(status, code, message)
    }

    /// Too many requests (a fault the fixture injects).
    pub fn throttling() -> Self {
        Self::new(400, "Throttling", "Rate exceeded")
    }

    /// The recomputed signature differs.
    pub fn signature_mismatch() -> Self {
        Self::new(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        )
    }

    /// SignatureDoesNotMatch with a specific message (scope problems, clock).
    pub fn signature_problem(message: impl Into<String>) -> Self {
        Self::new(403, "SignatureDoesNotMatch", message)
    }

    /// Unknown or inactive access key, or a session token that does not
    /// belong to the key.
    pub fn invalid_client_token() -> Self {
        Self::new(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
    }

    /// Session credentials past their expiry.
    pub fn expired_token() -> Self {
        Self::new(
            403,
            "ExpiredToken",
            "The security token included in the request is expired",
        )
    }

    /// Signed more than 15 minutes before the server's now.
    pub fn signature_expired(amz_date: &str, now: OffsetDateTime) -> Self {
        let limit = timefmt::amz_date(now - SIGNATURE_WINDOW);
        let now = timefmt::amz_date(now);
        Self::signature_problem(format!(
            "Signature expired: {amz_date} is now earlier than {limit} ({now} - 15 min.)"
        ))
    }

    /// Signed more than 15 minutes after the server's now.
    pub fn signature_not_yet_current(amz_date: &str, now: OffsetDateTime) -> Self {
        let limit = timefmt::amz_date(now + SIGNATURE_WINDOW);
        let now = timefmt::amz_date(now);
        Self::signature_problem(format!(
            "Signature not yet current: {amz_date} is still later than {limit} ({now} + 15 min.)"
        ))
    }

    /// The signature information is incomplete or malformed.
    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(400, "IncompleteSignature", message)
    }

    /// No signature at all.
    pub fn missing_authentication() -> Self {
        Self::new(
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        )
    }

    /// Not allowed (AssumeRole trust).
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(403, "AccessDenied", message)
    }

    /// A parameter fails its constraints.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationError", message)
    }

    /// No Action parameter.
    pub fn missing_action() -> Self {
        Self::new(400, "MissingAction", "Missing Action")
    }

    /// An Action STS (or the simulator) does not have.
    pub fn invalid_action(action: &str) -> Self {
        Self::new(
            400,
            "InvalidAction",
            format!("Could not find operation {action} for version 2011-06-15"),
        )
    }

    /// The query string does not decode.
    pub fn malformed_query() -> Self {
        Self::new(400, "MalformedQueryString", "The query string is malformed")
    }

    /// Something failed inside the simulator.
    pub fn internal() -> Self {
        Self::new(
            500,
            "InternalFailure",
            "The request processing has failed because of an unknown error.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn clock_messages_have_sts_wording() {
        let now = datetime!(2023-04-28 00:30:00 UTC);
        let e = StsError::signature_expired("20230428T000000Z", now);
        assert_eq!(e.status, 403);
        assert_eq!(e.code, "SignatureDoesNotMatch");
        assert_eq!(
            e.message,
            "Signature expired: 20230428T000000Z is now earlier than 20230428T001500Z (20230428T003000Z - 15 min.)"
        );
        let e = StsError::signature_not_yet_current("20230428T010000Z", now);
        assert_eq!(
            e.message,
            "Signature not yet current: 20230428T010000Z is still later than 20230428T004500Z (20230428T003000Z + 15 min.)"
        );
    }
}
