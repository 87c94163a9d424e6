//! The SigV4 arithmetic of the simulator's STS: canonical request, string to
//! sign, signing-key derivation, signature, plus the query decoding and URI
//! encoding they need. Pure functions, no I/O.
//!
//! Written by hand with `hmac` + `sha2` ON PURPOSE, not with `aws-sigv4`: this
//! verifier is the independent referee for tokens produced both by the AWS CLI
//! (botocore) and by kubectl-eksauth (aws-sigv4). Checking our signer with the
//! signer's own library would prove nothing.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The only algorithm STS accepts.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The terminator of every SigV4 credential scope.
pub const TERMINATOR: &str = "aws4_request";

/// What goes into a canonical request. Parameter pairs are decoded; header
/// names are lowercase.
pub struct CanonicalInput<'a> {
    /// HTTP method, e.g. `GET`.
    pub method: &'a str,
    /// The request path as received (still percent-encoded).
    pub raw_path: &'a str,
    /// Decoded query parameters, without `X-Amz-Signature`.
    pub params: &'a [(String, String)],
    /// All request headers (lowercase names) in arrival order.
    pub headers: &'a [(String, String)],
    /// The signed header names, as the client listed them.
    pub signed_headers: &'a [String],
    /// Hex SHA-256 of the payload.
    pub payload_hash: &'a str,
}

/// Build the canonical request of SigV4 (non-S3 rules).
pub fn canonical_request(input: &CanonicalInput<'_>) -> String {
    let mut out = String::new();
    out.push_str(input.method);
    out.push('\n');
    out.push_str(&canonical_uri(input.raw_path));
    out.push('\n');
    out.push_str(&canonical_query(input.params));
    out.push('\n');
    for name in input.signed_headers {
        out.push_str(name);
        out.push(':');
        out.push_str(&canonical_header_value(input.headers, name));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&input.signed_headers.join(";"));
    out.push('\n');
    out.push_str(input.payload_hash);
    out
}

/// `AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of canonical request>`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Derive the signing key: HMAC chain over date, region, service, terminator.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, TERMINATOR.as_bytes())
}

/// Hex signature of a string to sign.
pub fn signature(key: &[u8], string_to_sign: &str) -> String {
    hex::encode(hmac(key, string_to_sign.as_bytes()))
}

/// Hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Compare without leaking where the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Percent-encode with SigV4's rule: everything but `A-Z a-z 0-9 - _ . ~`
/// (and `/` when `keep_slash`) becomes `%XX` with upper-case hex.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let unreserved = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        if unreserved || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decode an `application/x-www-form-urlencoded` string (query or form body)
/// into pairs, in order. `+` is a space. None when an escape is malformed or a
/// `;` appears (Go's url.ParseQuery, used by the authenticator, refuses both).
pub fn decode_query(raw: &str) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for piece in raw.split('&').filter(|p| !p.is_empty()) {
        if piece.contains(';') {
            return None;
        }
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        pairs.push((decode_component(k)?, decode_component(v)?));
    }
    Some(pairs)
}

/// Percent-decode one component (`+` means space); None on a bad escape or
/// invalid UTF-8.
pub fn decode_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex_digit(*bytes.get(i + 1)?)?;
                let lo = hex_digit(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Non-S3 services encode the (already encoded) path once more; an empty
/// path is `/`.
fn canonical_uri(raw_path: &str) -> String {
    if raw_path.is_empty() {
        "/".to_string()
    } else {
        uri_encode(raw_path, true)
    }
}

fn canonical_query(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// All values of a header joined by `,`, each trimmed with inner runs of
/// spaces collapsed. A signed header that is absent contributes "".
fn canonical_header_value(headers: &[(String, String)], name: &str) -> String {
    headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published example key derivation (SigV4 documentation, "derive a
    /// signing key"): secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
    /// 20120215, us-east-1, iam.
    #[test]
    fn signing_key_matches_aws_documentation_example() {
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn empty_payload_hash() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn uri_encode_cases() {
        let cases = [
            ("unreserved_kept", "AZaz09-_.~", false, "AZaz09-_.~"),
            ("slash_encoded_in_query", "a/b", false, "a%2Fb"),
            ("slash_kept_in_path", "/a/b", true, "/a/b"),
            ("space_and_plus", "a b+c", false, "a%20b%2Bc"),
            ("equals", "x=", false, "x%3D"),
        ];
        for (name, input, keep, want) in cases {
            assert_eq!(uri_encode(input, keep), want, "{name}");
        }
    }

    #[test]
    fn decode_query_cases() {
        let ok = decode_query("a=1&b=x%2Fy&c=&d+e=f+g").unwrap();
        let want = [("a", "1"), ("b", "x/y"), ("c", ""), ("d e", "f g")];
        assert_eq!(ok.len(), want.len());
        for ((k, v), (wk, wv)) in ok.iter().zip(want) {
            assert_eq!((k.as_str(), v.as_str()), (wk, wv));
        }
        for (name, bad) in [
            ("bad_escape", "a=%zz"),
            ("short_escape", "a=%4"),
            ("semicolon", "a=1;b=2"),
        ] {
            assert_eq!(decode_query(bad), None, "{name}");
        }
    }

    #[test]
    fn canonical_header_values_are_trimmed_and_joined() {
        let headers = vec![
            ("x-a".to_string(), "  one   two ".to_string()),
            ("x-a".to_string(), "three".to_string()),
        ];
        assert_eq!(canonical_header_value(&headers, "x-a"), "one two,three");
        assert_eq!(canonical_header_value(&headers, "x-b"), "");
    }
}
