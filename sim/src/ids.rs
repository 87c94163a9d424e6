//! Identifiers and random credential material: IAM-style unique ids derived
//! deterministically from ARNs (so a fixture gives the same ids every run),
//! random access keys, secrets and session tokens, and request ids.

use base64::Engine;
use sha2::{Digest, Sha256};

/// IAM ids and access keys use upper-case letters and the digits 2-7.
const ID_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// IAM unique ids and access key ids are 4 prefix letters + 16/17 chars;
/// unique ids (AIDA.../AROA...) are 21 characters long.
const UNIQUE_ID_BODY: usize = 17;

/// Access key ids are 20 characters: 4 prefix + 16.
const ACCESS_KEY_BODY: usize = 16;

/// Secret access keys are 40 characters.
const SECRET_LEN: usize = 40;

/// Real session tokens run to several hundred characters of base64; 240
/// random bytes give 320, enough to exercise URL encoding of `+ / =`.
const SESSION_TOKEN_BYTES: usize = 240;

/// A stable unique id such as `AIDA...` or `AROA...` derived from a seed.
pub fn derived_id(prefix: &str, seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let body: String = digest
        .iter()
        .take(UNIQUE_ID_BODY)
        .map(|b| ID_ALPHABET[(*b as usize) % 32] as char)
        .collect();
    format!("{prefix}{body}")
}

/// A fresh access key id with this prefix (`ASIA` for sessions).
pub fn access_key_id(prefix: &str) -> Option<String> {
    let bytes = random_bytes(ACCESS_KEY_BODY)?;
    let body: String = bytes
        .iter()
        .map(|b| ID_ALPHABET[(*b as usize) % 32] as char)
        .collect();
    Some(format!("{prefix}{body}"))
}

/// A fresh 40-character secret access key (standard base64 alphabet, so it
/// contains `+` and `/` like real ones).
pub fn secret_access_key() -> Option<String> {
    let bytes = random_bytes(30)?;
    let s = base64::engine::general_purpose::STANDARD.encode(bytes);
    Some(s[..SECRET_LEN].to_string())
}

/// A fresh opaque session token.
pub fn session_token() -> Option<String> {
    let bytes = random_bytes(SESSION_TOKEN_BYTES)?;
    Some(format!(
        "IQoJb3JpZ2luX2Vj{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// A request id in UUID form, as AWS services print them.
pub fn request_id() -> String {
    let b = random_bytes(16).unwrap_or_else(|| vec![0; 16]);
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn random_bytes(n: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).ok()?;
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = derived_id("AROA", "arn:aws:iam::1:role/x");
        assert_eq!(id.len(), 21);
        assert_eq!(id, derived_id("AROA", "arn:aws:iam::1:role/x"), "stable");
        assert_eq!(access_key_id("ASIA").unwrap().len(), 20);
        assert_eq!(secret_access_key().unwrap().len(), 40);
        assert_eq!(request_id().len(), 36);
    }
}
