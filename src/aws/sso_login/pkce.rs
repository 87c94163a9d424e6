//! The pieces of the authorization-code request with PKCE (RFC 7636, S256),
//! as the AWS CLI v2 sends it: a 64-character verifier from the unreserved
//! characters, its unpadded base64url SHA-256 challenge, a random `state`,
//! and the `/authorize` address on the SSO OIDC endpoint.

use crate::secret::Secret;
use anyhow::{Context, Result};
use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// RFC 7636 4.1: unreserved characters only.
const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
/// The AWS CLI's verifier length (RFC 7636 allows 43 to 128).
const VERIFIER_LEN: usize = 64;
/// Query values are escaped except for the unreserved characters.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A fresh code verifier (secret until sent to CreateToken).
pub fn verifier() -> Result<Secret> {
    let mut out = String::with_capacity(VERIFIER_LEN);
    // Rejection sampling keeps every character equally likely.
    let limit = (256 / UNRESERVED.len() * UNRESERVED.len()) as u8;
    while out.len() < VERIFIER_LEN {
        let mut buf = [0u8; 96];
        getrandom::fill(&mut buf).context("could not get random bytes for PKCE")?;
        for b in buf.into_iter().filter(|b| *b < limit) {
            if out.len() < VERIFIER_LEN {
                out.push(UNRESERVED[b as usize % UNRESERVED.len()] as char);
            }
        }
    }
    Ok(Secret::new(out))
}

/// RFC 7636 4.2, S256: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))), unpadded.
pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A random `state` in the AWS CLI's form (a version-4 UUID).
pub fn state() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).context("could not get random bytes for the login state")?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// What the authorize address is made of.
pub struct Authorize<'a> {
    pub base: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub scopes: &'a [String],
    pub challenge: &'a str,
}

/// `BASE/authorize?response_type=code&client_id=..&redirect_uri=..&state=..
/// &code_challenge_method=S256&scopes=..&code_challenge=..`.
pub fn authorize_url(a: &Authorize<'_>) -> String {
    let enc = |v: &str| utf8_percent_encode(v, QUERY).to_string();
    format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={}",
        a.base.trim_end_matches('/'),
        enc(a.client_id),
        enc(a.redirect_uri),
        enc(a.state),
        enc(&a.scopes.join(" ")),
        enc(a.challenge)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_challenge_of_rfc_7636_appendix_b() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_is_64_unreserved_characters_and_new_each_time() {
        let a = verifier().unwrap();
        let b = verifier().unwrap();
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|c| UNRESERVED.contains(&c)));
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn state_is_a_version_4_uuid() {
        let s = state().unwrap();
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
        assert_ne!(s, state().unwrap());
    }

    #[test]
    fn authorize_url_escapes_values_and_joins_scopes_with_spaces() {
        let u = authorize_url(&Authorize {
            base: "https://oidc.us-east-1.amazonaws.com/",
            client_id: "cid",
            redirect_uri: "http://127.0.0.1:5000/oauth/callback",
            state: "s-1",
            scopes: &["sso:account:access".into(), "codewhisperer:x".into()],
            challenge: "E9Mel_-",
        });
        assert_eq!(
            u,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=cid\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Foauth%2Fcallback&state=s-1\
             &code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Ax\
             &code_challenge=E9Mel_-"
        );
    }
}
