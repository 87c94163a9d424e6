//! Authentication of STS requests, shared by the STS HTTP server and the
//! Kubernetes API server's in-process token check: extract the SigV4
//! information (presigned query or Authorization header), check scope and
//! clock, look the key up, check the session token and expiry, then recompute
//! the signature with `sigv4` and compare.

use time::OffsetDateTime;

use super::error::{SIGNATURE_WINDOW, StsError};
use crate::directory::{Caller, Directory, KeyRecord};
use crate::sigv4::{self, CanonicalInput};
use crate::timefmt;

/// A request as STS receives it.
pub struct StsRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path as received (percent-encoded).
    pub raw_path: &'a str,
    /// Query string as received, without `?`.
    pub raw_query: &'a str,
    /// Headers, lowercase names, in arrival order.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// A successfully authenticated request.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// Who signed it.
    pub caller: Caller,
    /// With which access key.
    pub access_key_id: String,
    /// The region of the credential scope.
    pub region: String,
}

/// The SigV4 information of a request, wherever it was carried.
struct SigParts {
    access_key_id: String,
    scope_date: String,
    scope_region: String,
    scope_service: String,
    scope_terminator: String,
    signed_headers: Vec<String>,
    signature: String,
    amz_date: String,
    date: OffsetDateTime,
    security_token: Option<String>,
    presigned: bool,
}

/// Authenticate `req` at `now`. `endpoint_region` is the region the STS host
/// stands for (None for the simulator's own endpoint, which takes any).
pub fn authenticate(
    req: &StsRequest<'_>,
    endpoint_region: Option<&str>,
    now: OffsetDateTime,
    directory: &Directory,
) -> Result<Authenticated, StsError> {
    authenticate_for("sts", req, endpoint_region, now, directory)
}

/// Authenticate a request signed for `service` (the credential scope's
/// service: `sts`, `eks`, `iam`), with the same rules and STS's error codes;
/// other services translate the codes into their own.
pub fn authenticate_for(
    service: &str,
    req: &StsRequest<'_>,
    endpoint_region: Option<&str>,
    now: OffsetDateTime,
    directory: &Directory,
) -> Result<Authenticated, StsError> {
    let query = sigv4::decode_query(req.raw_query).ok_or_else(StsError::malformed_query)?;
    let sig = match header(req.headers, "authorization") {
        Some(value) => from_authorization_header(value, req.headers)?,
        None if param(&query, "X-Amz-Algorithm").is_some() => from_presigned_query(&query)?,
        None => return Err(StsError::missing_authentication()),
    };
    check_scope(&sig, service, endpoint_region)?;
    check_clock(&sig, now)?;
    let record = directory
        .lookup(&sig.access_key_id)
        .filter(|r| r.active)
        .ok_or_else(StsError::invalid_client_token)?;
    check_session(&record, sig.security_token.as_deref(), now)?;
    check_signature(req, &query, &sig, &record)?;
    Ok(Authenticated {
        caller: record.caller,
        access_key_id: sig.access_key_id,
        region: sig.scope_region,
    })
}

/// The query-string parameters a presigned request must carry.
const PRESIGN_PARAMS_MESSAGE: &str = "AWS query-string parameters must include 'X-Amz-Algorithm', \
    'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. \
    Re-examine the query-string parameters.";

fn from_presigned_query(query: &[(String, String)]) -> Result<SigParts, StsError> {
    let get = |name| {
        param(query, name).ok_or_else(|| StsError::incomplete_signature(PRESIGN_PARAMS_MESSAGE))
    };
    let algorithm = get("X-Amz-Algorithm")?;
    if algorithm != sigv4::ALGORITHM {
        return Err(StsError::incomplete_signature(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'"
        )));
    }
    let (credential, signed, signature, amz_date) = (
        get("X-Amz-Credential")?,
        get("X-Amz-SignedHeaders")?,
        get("X-Amz-Signature")?,
        get("X-Amz-Date")?,
    );
    build_parts(
        credential,
        signed,
        signature,
        amz_date,
        param(query, "X-Amz-Security-Token").map(str::to_string),
        true,
    )
}

fn from_authorization_header(
    value: &str,
    headers: &[(String, String)],
) -> Result<SigParts, StsError> {
    let rest = value
        .strip_prefix(sigv4::ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or_else(|| {
            let algorithm = value.split_whitespace().next().unwrap_or("");
            StsError::incomplete_signature(format!("Unsupported AWS 'algorithm': '{algorithm}'"))
        })?;
    let mut fields = std::collections::HashMap::new();
    for piece in rest.split(',') {
        if let Some((k, v)) = piece.trim().split_once('=') {
            fields.insert(k.trim(), v.trim());
        }
    }
    let mut missing = String::new();
    for name in ["Credential", "Signature", "SignedHeaders"] {
        if !fields.contains_key(name) {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    let date = header(headers, "x-amz-date")
        .map(str::to_string)
        .or_else(|| {
            header(headers, "date")
                .and_then(timefmt::parse_http_date)
                .map(timefmt::amz_date)
        });
    if date.is_none() {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    let (Some(cred), Some(sig), Some(signed), Some(date)) = (
        fields.get("Credential"),
        fields.get("Signature"),
        fields.get("SignedHeaders"),
        date,
    ) else {
        return Err(StsError::incomplete_signature(
            missing.trim_end().to_string(),
        ));
    };
    let token = header(headers, "x-amz-security-token").map(str::to_string);
    build_parts(cred, signed, sig, &date, token, false)
}

fn build_parts(
    credential: &str,
    signed_headers: &str,
    signature: &str,
    amz_date: &str,
    security_token: Option<String>,
    presigned: bool,
) -> Result<SigParts, StsError> {
    let pieces: Vec<&str> = credential.split('/').collect();
    let [akid, date, region, service, terminator] = pieces[..] else {
        return Err(StsError::incomplete_signature(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        )));
    };
    let signed: Vec<String> = signed_headers
        .split(';')
        .map(str::to_ascii_lowercase)
        .collect();
    if !signed.iter().any(|h| h == "host") {
        return Err(StsError::incomplete_signature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let parsed_date = timefmt::parse_amz_date(amz_date).ok_or_else(|| {
        StsError::incomplete_signature(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        )
    })?;
    Ok(SigParts {
        access_key_id: akid.to_string(),
        scope_date: date.to_string(),
        scope_region: region.to_string(),
        scope_service: service.to_string(),
        scope_terminator: terminator.to_string(),
        signed_headers: signed,
        signature: signature.to_string(),
        amz_date: amz_date.to_string(),
        date: parsed_date,
        security_token,
        presigned,
    })
}

fn check_scope(
    sig: &SigParts,
    service: &str,
    endpoint_region: Option<&str>,
) -> Result<(), StsError> {
    if sig.scope_service != service {
        return Err(StsError::signature_problem(format!(
            "Credential should be scoped to correct service: '{service}'. "
        )));
    }
    if sig.scope_terminator != sigv4::TERMINATOR {
        return Err(StsError::signature_problem(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
            sig.scope_terminator
        )));
    }
    let day = timefmt::scope_date(sig.date);
    if sig.scope_date != day {
        return Err(StsError::signature_problem(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{day}', from '{}'.",
            sig.scope_date, sig.amz_date
        )));
    }
    match endpoint_region {
        Some(region) if region != sig.scope_region => Err(StsError::signature_problem(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            sig.scope_region
        ))),
        _ => Ok(()),
    }
}

fn check_clock(sig: &SigParts, now: OffsetDateTime) -> Result<(), StsError> {
    if sig.date < now - SIGNATURE_WINDOW {
        return Err(StsError::signature_expired(&sig.amz_date, now));
    }
    if sig.date > now + SIGNATURE_WINDOW {
        return Err(StsError::signature_not_yet_current(&sig.amz_date, now));
    }
    Ok(())
}

fn check_session(
    record: &KeyRecord,
    presented: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), StsError> {
    match (&record.session_token, presented) {
        (None, None) => {}
        (Some(expected), Some(p)) if expected.matches(p) => {}
        _ => return Err(StsError::invalid_client_token()),
    }
    if record.expiration.is_some_and(|exp| now >= exp) {
        return Err(StsError::expired_token());
    }
    Ok(())
}

fn check_signature(
    req: &StsRequest<'_>,
    query: &[(String, String)],
    sig: &SigParts,
    record: &KeyRecord,
) -> Result<(), StsError> {
    let params: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !(sig.presigned && k == "X-Amz-Signature"))
        .cloned()
        .collect();
    let payload_hash = sigv4::sha256_hex(req.body);
    let canonical = sigv4::canonical_request(&CanonicalInput {
        method: req.method,
        raw_path: req.raw_path,
        params: &params,
        headers: req.headers,
        signed_headers: &sig.signed_headers,
        payload_hash: &payload_hash,
    });
    let scope = format!(
        "{}/{}/{}/{}",
        sig.scope_date, sig.scope_region, sig.scope_service, sig.scope_terminator
    );
    let to_sign = sigv4::string_to_sign(&sig.amz_date, &scope, &canonical);
    let key = sigv4::signing_key(
        record.secret.expose(),
        &sig.scope_date,
        &sig.scope_region,
        &sig.scope_service,
    );
    let expected = sigv4::signature(&key, &to_sign);
    if sigv4::constant_time_eq(expected.as_bytes(), sig.signature.as_bytes()) {
        Ok(())
    } else {
        Err(StsError::signature_mismatch())
    }
}

/// First value of a header (lowercase name).
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// First value of a parameter (exact name).
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
