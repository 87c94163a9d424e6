//! The fixed facts of an EKS bearer token: a presigned STS
//! GetCallerIdentity URL, base64url-encoded behind a prefix, signed with
//! the cluster's name in a header. What signs it and what inspects it both
//! read these. Pure.

/// Every EKS token starts with this; the authenticator rejects anything else.
pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";

/// The signed header that binds a token to one cluster (name, or ID on Outposts).
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";

/// The authenticator refuses tokens over 4 KiB.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// A presigned GetCallerIdentity URL is accepted for 15 minutes after
/// X-Amz-Date, whatever X-Amz-Expires says; nobody can make it longer.
pub const TOKEN_LIFETIME: time::Duration = time::Duration::minutes(15);

/// The authenticator accepts X-Amz-Expires in 0..=900 (and then ignores it).
pub const MAX_EXPIRES: i64 = 900;

/// The X-Amz-Expires a token is signed with: sent for compatibility only
/// (STS ignores it, the token lives [`TOKEN_LIFETIME`]).
pub const PRESIGN_EXPIRES: std::time::Duration = std::time::Duration::from_secs(60);

/// The cushion `aws eks get-token` and the authenticator use: tokens live 15
/// minutes on the server, clients are told 14 so they refresh in time.
pub const TOKEN_REPORTED_LIFETIME: std::time::Duration = std::time::Duration::from_secs(14 * 60);

/// The least lifetime ever reported: kube-rs reruns the plugin when under
/// 60 s remain, so anything shorter would rerun it on every request.
pub const MIN_REPORTED_LIFETIME: std::time::Duration = std::time::Duration::from_secs(60);

/// The STS request a token stands for (the query before the signing
/// parameters).
pub const BASE_QUERY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// SigV4's X-Amz-Date layout, e.g. `20260101T000000Z`.
pub const AMZ_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

/// Go's `base64.RawURLEncoding`, which the authenticator decodes tokens
/// with: URL alphabet, no padding, lenient about trailing bits.
pub const RAW_URL: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// The presigned URL inside a token, when it decodes at all; lenient
/// (padding and line breaks are dropped), for reading where a token points
/// and when it was signed. Whether the authenticator would accept the
/// encoding is `why`'s token inspection to say.
pub fn decode_url(token: &str) -> Option<String> {
    use base64::Engine;
    let body = token.strip_prefix(TOKEN_PREFIX)?;
    let cleaned: String = body
        .trim_end_matches('=')
        .chars()
        .filter(|c| *c != '\r' && *c != '\n')
        .collect();
    String::from_utf8(RAW_URL.decode(cleaned).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_url_reads_any_token_that_decodes() {
        use base64::Engine;
        let url = "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity";
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url);
        let padded = base64::engine::general_purpose::URL_SAFE.encode(url);
        assert!(padded.ends_with('='), "{padded}");
        for body in [
            raw.clone(),
            padded,
            format!("{}\r\n{}", &raw[..8], &raw[8..]),
        ] {
            assert_eq!(
                decode_url(&format!("{TOKEN_PREFIX}{body}")).as_deref(),
                Some(url)
            );
        }
        assert_eq!(decode_url(&raw), None, "no prefix");
        assert_eq!(decode_url("k8s-aws-v1.!!!"), None);
        let not_text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xff, 0xfe]);
        assert_eq!(decode_url(&format!("{TOKEN_PREFIX}{not_text}")), None);
    }

    #[test]
    fn lifetimes_agree() {
        assert_eq!(TOKEN_LIFETIME.whole_seconds(), MAX_EXPIRES);
        assert!(TOKEN_REPORTED_LIFETIME.as_secs() < TOKEN_LIFETIME.whole_seconds() as u64);
        assert!(MIN_REPORTED_LIFETIME < TOKEN_REPORTED_LIFETIME);
        assert!(PRESIGN_EXPIRES.as_secs() as i64 <= MAX_EXPIRES);
    }

    #[test]
    fn amz_date_reads_sigv4_dates() {
        let t = time::PrimitiveDateTime::parse("20260101T001500Z", AMZ_DATE).unwrap();
        assert_eq!(t.assume_utc().unix_timestamp(), 1_767_226_500);
    }
}
