//! The structural token rules of aws-iam-authenticator, in its order (field
//! guide section 2, rules 1-5): size, prefix, base64url without padding, URL,
//! scheme, STS host of the cluster's partition, path, query keys, Action,
//! signed `x-k8s-aws-id`, X-Amz-Expires, X-Amz-Date, 15-minute lifetime.
//! Pure: the caller passes `now`. The STS check (rule 6) is `sts::auth`.
//!
//! One deliberate deviation from EKS: the simulator's own STS endpoint
//! (`http://127.0.0.1:PORT`, what `AWS_ENDPOINT_URL_STS` points at) is
//! accepted as an STS host although its scheme is http.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use time::{Duration, OffsetDateTime};

use crate::partition::Partition;
use crate::timefmt;

/// Every EKS token starts with this.
pub const PREFIX: &str = "k8s-aws-v1.";

/// The authenticator refuses tokens over 4 KiB.
const MAX_TOKEN_BYTES: usize = 4096;

/// A presigned GetCallerIdentity URL is valid 15 minutes after X-Amz-Date,
/// whatever X-Amz-Expires says.
pub const TOKEN_LIFETIME: Duration = Duration::minutes(15);

/// The authenticator accepts X-Amz-Expires in 0..=900 (and ignores it).
const MAX_EXPIRES: i64 = 900;

/// The query keys the authenticator allows (compared lowercase).
const ALLOWED_KEYS: [&str; 9] = [
    "action",
    "version",
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-signedheaders",
];

/// Go's base64.RawURLEncoding: URL alphabet, no padding, lenient trailing bits.
const RAW_URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// What the token check needs to know about the cluster and the simulator.
pub struct TokenContext<'a> {
    /// The cluster's partition.
    pub partition: Partition,
    /// `127.0.0.1:PORT` of the simulator's STS.
    pub own_sts_authority: &'a str,
}

/// A token that passed the structural rules.
#[derive(Debug, PartialEq, Eq)]
pub struct PresignedUrl {
    /// `host[:port]` as in the URL.
    pub authority: String,
    /// Path as in the URL.
    pub raw_path: String,
    /// Query as in the URL.
    pub raw_query: String,
    /// The region the STS host stands for (None: the simulator's own STS).
    pub region: Option<String>,
    /// The access key id from X-Amz-Credential.
    pub access_key_id: String,
    /// X-Amz-Date.
    pub date: OffsetDateTime,
}

/// Why a token was refused, one variant per rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Over 4096 bytes.
    TooLarge,
    /// No `k8s-aws-v1.` prefix.
    MissingPrefix,
    /// Not base64url without padding.
    Base64,
    /// Not a URL.
    Url(String),
    /// Scheme other than https.
    Scheme(String),
    /// Not an STS host of the cluster's partition.
    Host(String),
    /// Path other than `/`.
    Path,
    /// Query does not decode.
    MalformedQuery,
    /// Two keys equal but for case.
    DuplicateKey(String),
    /// A key outside the allowed list.
    KeyNotAllowed(String),
    /// A key given twice.
    MultipleValues,
    /// Action is not GetCallerIdentity.
    Action,
    /// `x-k8s-aws-id` not in X-Amz-SignedHeaders.
    ClusterHeaderUnsigned,
    /// X-Amz-Expires missing, not an integer or outside 0..=900.
    Expires(i64),
    /// No X-Amz-Date.
    DateMissing,
    /// X-Amz-Date does not parse.
    DateFormat(String),
    /// X-Amz-Date is more than 15 minutes old.
    Expired(OffsetDateTime),
}

impl Rejection {
    /// The authenticator's message for this rejection (what its log says).
    pub fn message(&self) -> String {
        let fmt = |m: String| format!("input token was not properly formatted: {m}");
        match self {
            Rejection::TooLarge => fmt("token is too large".into()),
            Rejection::MissingPrefix => fmt(format!("token is missing expected {PREFIX:?} prefix")),
            Rejection::Base64 => fmt("illegal base64 data".into()),
            Rejection::Url(e) => fmt(e.clone()),
            Rejection::Scheme(s) => fmt(format!("unexpected scheme {s:?} in pre-signed URL")),
            Rejection::Host(h) => fmt(format!("unexpected hostname {h:?} in pre-signed URL")),
            Rejection::Path => fmt("unexpected path in pre-signed URL".into()),
            Rejection::MalformedQuery => fmt("malformed query parameter".into()),
            Rejection::DuplicateKey(k) => fmt(format!("duplicate query parameter found: {k:?}")),
            Rejection::KeyNotAllowed(k) => fmt(format!("non-whitelisted query parameter {k:?}")),
            Rejection::MultipleValues => {
                fmt("query parameter with multiple values not supported".into())
            }
            Rejection::Action => fmt("unexpected action parameter in pre-signed URL".into()),
            Rejection::ClusterHeaderUnsigned => {
                fmt("client did not sign the x-k8s-aws-id header in the pre-signed URL".into())
            }
            Rejection::Expires(n) => fmt(format!(
                "invalid X-Amz-Expires parameter in pre-signed URL: {n}"
            )),
            Rejection::DateMissing => {
                fmt("X-Amz-Date parameter must be present in pre-signed URL".into())
            }
            Rejection::DateFormat(d) => fmt(format!(
                "error parsing X-Amz-Date parameter {d} into format 20060102T150405Z"
            )),
            Rejection::Expired(d) => fmt(format!(
                "X-Amz-Date parameter is expired (15 minute expiration) {}",
                timefmt::iso8601(*d)
            )),
        }
    }
}

/// Apply rules 1-5 to a bearer token.
pub fn check(
    token: &str,
    ctx: &TokenContext<'_>,
    now: OffsetDateTime,
) -> Result<PresignedUrl, Rejection> {
    let url = decode(token)?;
    let parts = split_url(&url)?;
    let own = parts.authority == ctx.own_sts_authority;
    if parts.scheme != "https" && !(own && parts.scheme == "http") {
        return Err(Rejection::Scheme(parts.scheme));
    }
    let region = if own {
        None
    } else {
        Some(sts_host_region(&parts.authority, ctx)?)
    };
    if crate::sigv4::decode_component(&parts.raw_path).as_deref() != Some("/") {
        return Err(Rejection::Path);
    }
    let (access_key_id, date) = check_query(&parts.raw_query, now)?;
    Ok(PresignedUrl {
        authority: parts.authority,
        raw_path: parts.raw_path,
        raw_query: parts.raw_query,
        region,
        access_key_id,
        date,
    })
}

fn decode(token: &str) -> Result<String, Rejection> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Rejection::TooLarge);
    }
    let body = token.strip_prefix(PREFIX).ok_or(Rejection::MissingPrefix)?;
    let bytes = RAW_URL.decode(body).map_err(|_| Rejection::Base64)?;
    String::from_utf8(bytes).map_err(|_| Rejection::Url("invalid UTF-8 in URL".into()))
}

struct UrlParts {
    scheme: String,
    authority: String,
    raw_path: String,
    raw_query: String,
}

/// Split `scheme://[userinfo@]authority/path?query#fragment` like Go's
/// url.Parse: the scheme is lowercased, userinfo and fragment dropped.
fn split_url(url: &str) -> Result<UrlParts, Rejection> {
    if url.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err(Rejection::Url("invalid control character in URL".into()));
    }
    let (scheme, rest) = url
        .split_once(':')
        .ok_or_else(|| Rejection::Url("missing protocol scheme".into()))?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok {
        return Err(Rejection::Url("missing protocol scheme".into()));
    }
    let rest = rest.split('#').next().unwrap_or("");
    let (before_query, raw_query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, raw_path) = match before_query.strip_prefix("//") {
        Some(hier) => match hier.find('/') {
            Some(i) => (&hier[..i], &hier[i..]),
            None => (hier, ""),
        },
        None => ("", before_query),
    };
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    Ok(UrlParts {
        scheme: scheme.to_ascii_lowercase(),
        authority: authority.to_string(),
        raw_path: raw_path.to_string(),
        raw_query: raw_query.to_string(),
    })
}

/// The region an STS host stands for, if it is an STS host of the cluster's
/// partition: `sts.amazonaws.com` (aws only, us-east-1), or
/// `sts[-fips].<region>.<domain>` with the partition's regular or dual-stack
/// domain and a region of that partition. A port makes any host invalid.
fn sts_host_region(host: &str, ctx: &TokenContext<'_>) -> Result<String, Rejection> {
    let reject = || Rejection::Host(host.to_string());
    if host == "sts.amazonaws.com" {
        return if ctx.partition == Partition::Aws {
            Ok("us-east-1".into())
        } else {
            Err(reject())
        };
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 4 || !matches!(labels[0], "sts" | "sts-fips") {
        return Err(reject());
    }
    let region = labels[1];
    let region_ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    let domain = labels[2..].join(".");
    let domain_ok = domain == ctx.partition.domain()
        || Some(domain.as_str()) == ctx.partition.dual_stack_domain();
    let partition_ok = Partition::of_region(region) == ctx.partition;
    if region_ok && domain_ok && partition_ok {
        Ok(region.to_string())
    } else {
        Err(reject())
    }
}

/// Rules 3-5 on the query; returns the access key id and X-Amz-Date.
fn check_query(
    raw_query: &str,
    now: OffsetDateTime,
) -> Result<(String, OffsetDateTime), Rejection> {
    let pairs = crate::sigv4::decode_query(raw_query).ok_or(Rejection::MalformedQuery)?;
    let mut distinct: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    for (i, key) in distinct.iter().enumerate() {
        if distinct[..i].iter().any(|k| k.eq_ignore_ascii_case(key)) {
            return Err(Rejection::DuplicateKey(key.to_string()));
        }
        if !ALLOWED_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
            return Err(Rejection::KeyNotAllowed(key.to_string()));
        }
    }
    if distinct.len() != pairs.len() {
        return Err(Rejection::MultipleValues);
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if get("action") != Some("GetCallerIdentity") {
        return Err(Rejection::Action);
    }
    if !get("x-amz-signedheaders")
        .unwrap_or("")
        .split(';')
        .any(|h| h.eq_ignore_ascii_case("x-k8s-aws-id"))
    {
        return Err(Rejection::ClusterHeaderUnsigned);
    }
    let expires = get("x-amz-expires").and_then(|e| e.parse::<i64>().ok());
    match expires {
        Some(n) if (0..=MAX_EXPIRES).contains(&n) => {}
        other => return Err(Rejection::Expires(other.unwrap_or(0))),
    }
    let date = get("x-amz-date")
        .filter(|d| !d.is_empty())
        .ok_or(Rejection::DateMissing)?;
    let access_key_id = get("x-amz-credential")
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("")
        .to_string();
    let date =
        timefmt::parse_amz_date(date).ok_or_else(|| Rejection::DateFormat(date.to_string()))?;
    if now > date + TOKEN_LIFETIME {
        return Err(Rejection::Expired(date));
    }
    Ok((access_key_id, date))
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
