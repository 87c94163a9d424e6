//! Token inspection: what aws-iam-authenticator would say about a token
//! before it ever calls STS (field guide, section 2, rules 1-5).
//!
//! [`inspect`] decodes a bearer token into its non-secret parts (host,
//! access key id, signing region, X-Amz-Date, signed headers, whether a
//! session token rides along) and lists every rule it breaks, in the
//! authenticator's order: the first violation is what the authenticator
//! stops at. The signature and the session token are read past, never kept.
//! Time is passed in. Whether the host suits *this* cluster's partition is
//! the token check's business (it knows the cluster's region).

use base64::Engine;
use serde_json::json;
use time::OffsetDateTime;

// The token's fixed facts and the STS hosts are the domain's; these names
// stay for the checks that import them from here.
use crate::domain::partition::sts_host;
use crate::domain::token::{AMZ_DATE, RAW_URL};
use crate::domain::token::{
    CLUSTER_ID_HEADER as CLUSTER_HEADER, MAX_EXPIRES, MAX_TOKEN_BYTES, TOKEN_LIFETIME,
    TOKEN_PREFIX as PREFIX,
};

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

/// One rule of the authenticator, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    TooLong,
    Prefix,
    Base64,
    Url,
    Scheme,
    Host,
    Path,
    QueryMalformed,
    DuplicateKey,
    UnknownKey,
    MultipleValues,
    Action,
    ClusterHeaderUnsigned,
    Expires,
    DateMissing,
    DateInvalid,
    Expired,
}

impl Rule {
    /// A stable snake_case name (evidence JSON).
    pub fn name(self) -> &'static str {
        match self {
            Rule::TooLong => "too_long",
            Rule::Prefix => "prefix",
            Rule::Base64 => "base64",
            Rule::Url => "url",
            Rule::Scheme => "scheme",
            Rule::Host => "host",
            Rule::Path => "path",
            Rule::QueryMalformed => "query_malformed",
            Rule::DuplicateKey => "duplicate_key",
            Rule::UnknownKey => "unknown_key",
            Rule::MultipleValues => "multiple_values",
            Rule::Action => "action",
            Rule::ClusterHeaderUnsigned => "cluster_header_unsigned",
            Rule::Expires => "expires",
            Rule::DateMissing => "date_missing",
            Rule::DateInvalid => "date_invalid",
            Rule::Expired => "expired",
        }
    }
}

/// A broken rule and what the authenticator would log (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    pub message: String,
}

/// The decoded, non-secret parts of a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenParts {
    /// Lowercased, as Go's url.Parse gives it.
    pub scheme: String,
    /// `host[:port]` as written.
    pub host: String,
    pub path: String,
    /// The partition of the STS host, when it is one (`aws`, `aws-cn`, ...).
    pub host_partition: Option<&'static str>,
    /// The region the STS host stands for (`us-east-1` for the global one).
    pub host_region: Option<String>,
    /// The query keys in order (values are not kept).
    pub keys: Vec<String>,
    pub action: Option<String>,
    /// From X-Amz-Credential (`AKID/DATE/REGION/sts/aws4_request`).
    pub access_key_id: Option<String>,
    pub signing_region: Option<String>,
    /// X-Amz-Date as written, and parsed.
    pub date_raw: Option<String>,
    pub date: Option<OffsetDateTime>,
    /// X-Amz-Expires as written.
    pub expires_raw: Option<String>,
    /// X-Amz-SignedHeaders, split on `;`.
    pub signed_headers: Vec<String>,
    /// True when X-Amz-Security-Token is present (temporary credentials).
    pub has_security_token: bool,
    /// Its length in characters (the length only; the value is a secret).
    pub security_token_length: usize,
    /// About how many bytes of the token it takes: URL-encoded, then
    /// base64-encoded with its `&X-Amz-Security-Token=` key.
    pub security_token_share: usize,
}

impl TokenParts {
    /// When the authenticator stops accepting the token.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.date.map(|d| d + TOKEN_LIFETIME)
    }

    /// True when `x-k8s-aws-id` is signed.
    pub fn cluster_header_signed(&self) -> bool {
        self.signed_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(CLUSTER_HEADER))
    }
}

/// The result of [`inspect`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inspection {
    /// Bytes in the token.
    pub length: usize,
    /// None when the token did not decode to a URL.
    pub parts: Option<TokenParts>,
    /// Broken rules, in the authenticator's order (empty: structurally fine).
    pub violations: Vec<Violation>,
}

impl Inspection {
    /// The first violation of a rule, if any.
    pub fn violation(&self, rule: Rule) -> Option<&Violation> {
        self.violations.iter().find(|v| v.rule == rule)
    }

    /// The non-secret parts as a JSON object (for finding evidence).
    pub fn to_json(&self) -> serde_json::Value {
        let rfc = |t: OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        let mut v = json!({
            "length": self.length,
            "violations": self.violations.iter().map(|v| v.rule.name()).collect::<Vec<_>>(),
        });
        if let Some(p) = &self.parts {
            v["host"] = json!(p.host);
            v["scheme"] = json!(p.scheme);
            v["path"] = json!(p.path);
            v["access_key_id"] = json!(p.access_key_id);
            v["signing_region"] = json!(p.signing_region);
            v["date"] = json!(p.date.map(rfc).or_else(|| p.date_raw.clone()));
            v["expires_at"] = json!(p.expires_at().map(rfc));
            v["signed_headers"] = json!(p.signed_headers);
            v["session_token_present"] = json!(p.has_security_token);
            v["session_token_length"] = json!(p.security_token_length);
        }
        v
    }
}

/// Inspects `token` as the authenticator would at time `now`.
pub fn inspect(token: &str, now: OffsetDateTime) -> Inspection {
    let mut out = Inspection {
        length: token.len(),
        ..Default::default()
    };
    let mut fail = |rule: Rule, message: String| out.violations.push(Violation { rule, message });
    if token.len() > MAX_TOKEN_BYTES {
        fail(
            Rule::TooLong,
            format!(
                "token is too large ({} bytes; at most {MAX_TOKEN_BYTES})",
                token.len()
            ),
        );
    }
    let Some(body) = token.strip_prefix(PREFIX) else {
        fail(
            Rule::Prefix,
            format!("token is missing expected {PREFIX:?} prefix"),
        );
        return out;
    };
    let url = match decode_body(body) {
        Ok(url) => url,
        Err(why) => {
            fail(Rule::Base64, why);
            return out;
        }
    };
    let Some((scheme, host, path, query)) = split_url(&url) else {
        fail(Rule::Url, "the decoded token is not a URL".into());
        return out;
    };
    let mut parts = TokenParts {
        scheme,
        host,
        path,
        ..Default::default()
    };
    if parts.scheme != "https" {
        fail(
            Rule::Scheme,
            format!("unexpected scheme {:?} in pre-signed URL", parts.scheme),
        );
    }
    match sts_host(&parts.host) {
        Some((partition, region)) => {
            parts.host_partition = Some(partition);
            parts.host_region = Some(region);
        }
        None => fail(
            Rule::Host,
            format!("unexpected hostname {:?} in pre-signed URL", parts.host),
        ),
    }
    if parts.path != "/" {
        fail(
            Rule::Path,
            format!("unexpected path {:?} in pre-signed URL", parts.path),
        );
    }
    match parse_query(&query) {
        Some(pairs) => {
            for (rule, message) in query_rules(&pairs, &mut parts, now) {
                fail(rule, message);
            }
        }
        None => fail(Rule::QueryMalformed, "malformed query parameter".into()),
    }
    out.parts = Some(parts);
    out
}

/// base64url without padding, like Go's RawURLEncoding (which skips CR/LF).
fn decode_body(body: &str) -> Result<String, String> {
    let cleaned: String = body.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let why = if cleaned.contains('=') {
        "the token is padded with '='; EKS wants base64url without padding"
    } else if cleaned.contains(['+', '/']) {
        "the token uses the standard base64 alphabet ('+', '/'); EKS wants base64url ('-', '_')"
    } else if cleaned.contains(char::is_whitespace) {
        "the token contains whitespace"
    } else {
        "illegal base64 data"
    };
    let bytes = RAW_URL
        .decode(cleaned.as_bytes())
        .map_err(|_| why.to_string())?;
    String::from_utf8(bytes).map_err(|_| "the decoded token is not UTF-8 text".to_string())
}

/// Splits `scheme://[userinfo@]host/path?query#fragment` like Go's url.Parse
/// (scheme lowercased, userinfo and fragment dropped).
fn split_url(url: &str) -> Option<(String, String, String, String)> {
    if url.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return None;
    }
    let (scheme, rest) = url.split_once(':')?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok {
        return None;
    }
    let rest = rest.split('#').next().unwrap_or("");
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match before_query.strip_prefix("//") {
        Some(hier) => match hier.find('/') {
            Some(i) => (&hier[..i], &hier[i..]),
            None => (hier, ""),
        },
        None => ("", before_query),
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let path = unescape(path, false)?;
    Some((
        scheme.to_ascii_lowercase(),
        host.to_string(),
        path,
        query.to_string(),
    ))
}

/// Go's url.ParseQuery: `&`-separated, `+` is a space, `%XX` must be valid,
/// `;` is an error. None when the query is malformed.
fn parse_query(query: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        if piece.contains(';') {
            return None;
        }
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        out.push((unescape(k, true)?, unescape(v, true)?));
    }
    Some(out)
}

/// Percent-decoding that refuses a bad escape, as Go's does.
fn unescape(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
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

/// Rules 3-5 over the decoded query; fills `parts` with what it reads.
fn query_rules(
    pairs: &[(String, String)],
    parts: &mut TokenParts,
    now: OffsetDateTime,
) -> Vec<(Rule, String)> {
    let mut out = key_rules(pairs);
    read_parts(pairs, parts);
    out.extend(value_rules(parts, now));
    out
}

/// Rule 3: no case-insensitive duplicates, only allowed keys, one value each.
fn key_rules(pairs: &[(String, String)]) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    let mut distinct: Vec<&str> = Vec::new();
    for (k, _) in pairs {
        if !distinct.contains(&k.as_str()) {
            distinct.push(k);
        }
    }
    for (i, key) in distinct.iter().enumerate() {
        if let Some(other) = distinct[..i].iter().find(|k| k.eq_ignore_ascii_case(key)) {
            let m = format!("duplicate query parameter found: {other:?} and {key:?}");
            out.push((Rule::DuplicateKey, m));
        }
    }
    for key in &distinct {
        if !ALLOWED_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
            out.push((
                Rule::UnknownKey,
                format!("non-whitelisted query parameter {key:?}"),
            ));
        }
    }
    for key in &distinct {
        let n = pairs.iter().filter(|(k, _)| k == key).count();
        if n > 1 {
            out.push((
                Rule::MultipleValues,
                format!("query parameter {key:?} given {n} times"),
            ));
        }
    }
    out
}

/// Fills the non-secret parts from the query (keys compared lowercase).
fn read_parts(pairs: &[(String, String)], parts: &mut TokenParts) {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    parts.keys = pairs.iter().map(|(k, _)| k.clone()).collect();
    parts.action = get("action").map(str::to_string);
    parts.has_security_token = get("x-amz-security-token").is_some();
    let session = get("x-amz-security-token").unwrap_or_default();
    parts.security_token_length = session.chars().count();
    parts.security_token_share = session_share(session);
    if let Some(cred) = get("x-amz-credential") {
        let mut scope = cred.split('/');
        parts.access_key_id = scope.next().filter(|s| !s.is_empty()).map(str::to_string);
        parts.signing_region = scope.nth(1).map(str::to_string);
    }
    parts.signed_headers = get("x-amz-signedheaders")
        .map(|h| {
            h.split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    parts.expires_raw = get("x-amz-expires").map(str::to_string);
    parts.date_raw = get("x-amz-date").map(str::to_string);
    parts.date = parts
        .date_raw
        .as_deref()
        .and_then(|d| time::PrimitiveDateTime::parse(d, AMZ_DATE).ok())
        .map(|d| d.assume_utc());
}

/// About how many token bytes a session token takes: each byte outside
/// SigV4's unreserved set is percent-encoded (3 bytes), the key is added,
/// and base64 makes 4 bytes of every 3.
fn session_share(session: &str) -> usize {
    if session.is_empty() {
        return 0;
    }
    let encoded: usize = session
        .bytes()
        .map(
            |b| match b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                true => 1,
                false => 3,
            },
        )
        .sum();
    (encoded + "&X-Amz-Security-Token=".len()).div_ceil(3) * 4
}

/// Rules 4 and 5: Action, the signed cluster header, X-Amz-Expires,
/// X-Amz-Date and the 15-minute lifetime.
fn value_rules(parts: &TokenParts, now: OffsetDateTime) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    if parts.action.as_deref() != Some("GetCallerIdentity") {
        let action = parts.action.as_deref().unwrap_or("");
        out.push((
            Rule::Action,
            format!("unexpected action parameter {action:?} in pre-signed URL"),
        ));
    }
    if !parts.cluster_header_signed() {
        let signed = parts.signed_headers.join(";");
        out.push((
            Rule::ClusterHeaderUnsigned,
            format!("client did not sign the {CLUSTER_HEADER} header in the pre-signed URL (signed: {signed})"),
        ));
    }
    let raw_expires = parts.expires_raw.as_deref().unwrap_or("");
    if !raw_expires
        .parse::<i64>()
        .is_ok_and(|n| (0..=MAX_EXPIRES).contains(&n))
    {
        out.push((
            Rule::Expires,
            format!("invalid X-Amz-Expires parameter in pre-signed URL: {raw_expires:?} (an integer in 0..=900)"),
        ));
    }
    let missing = "X-Amz-Date parameter must be present in pre-signed URL";
    match (parts.date_raw.as_deref(), parts.date) {
        (None | Some(""), _) => out.push((Rule::DateMissing, missing.into())),
        (Some(raw), None) => out.push((
            Rule::DateInvalid,
            format!("error parsing X-Amz-Date parameter {raw} into format 20060102T150405Z"),
        )),
        (Some(raw), Some(date)) if now > date + TOKEN_LIFETIME => {
            let minutes = (now - date).whole_minutes();
            out.push((
                Rule::Expired,
                format!("X-Amz-Date parameter is expired (15 minute expiration) {raw}: signed {minutes} minutes ago"),
            ));
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-01 00:05:00 UTC);
    const SIG: &str = "e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce";
    const SESSION: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";

    fn good_url() -> String {
        format!(
            "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15\
             &X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=ASIAR2TG44V6AS3ZZE7C%2F20260101%2Fus-west-2%2Fsts%2Faws4_request\
             &X-Amz-Date=20260101T000000Z&X-Amz-Expires=60\
             &X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
             &X-Amz-Security-Token={SESSION}&X-Amz-Signature={SIG}"
        )
    }

    fn tok(url: &str) -> String {
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(url))
    }

    fn first_rule(token: &str, now: OffsetDateTime) -> Option<Rule> {
        inspect(token, now).violations.first().map(|v| v.rule)
    }

    #[test]
    fn a_good_token_decodes_to_its_non_secret_parts() {
        let i = inspect(&tok(&good_url()), NOW);
        assert!(i.violations.is_empty(), "{:?}", i.violations);
        let p = i.parts.unwrap();
        assert_eq!(p.host, "sts.us-west-2.amazonaws.com");
        assert_eq!(p.scheme, "https");
        assert_eq!(p.path, "/");
        assert_eq!(p.access_key_id.as_deref(), Some("ASIAR2TG44V6AS3ZZE7C"));
        assert_eq!(p.signing_region.as_deref(), Some("us-west-2"));
        assert_eq!(p.date, Some(datetime!(2026-01-01 00:00:00 UTC)));
        assert_eq!(p.expires_at(), Some(datetime!(2026-01-01 00:15:00 UTC)));
        assert_eq!(p.signed_headers, vec!["host", "x-k8s-aws-id"]);
        assert!(p.has_security_token);
        assert_eq!(p.host_partition, Some("aws"));
        let shown = format!("{:?}", inspect(&tok(&good_url()), NOW));
        assert!(!shown.contains(SIG) && !shown.contains(SESSION), "{shown}");
        let json = inspect(&tok(&good_url()), NOW).to_json().to_string();
        assert!(!json.contains(SIG) && !json.contains(SESSION), "{json}");
    }

    #[test]
    fn one_case_per_rule() {
        let good = good_url();
        let with = |from: &str, to: &str| tok(&good.replace(from, to));
        let cases: Vec<(&str, String, OffsetDateTime, Option<Rule>)> = vec![
            ("token_good", tok(&good), NOW, None),
            (
                "token_longer_than_4096_bytes",
                format!("{}{}", tok(&good), "A".repeat(4096)),
                NOW,
                Some(Rule::TooLong),
            ),
            (
                "token_without_prefix",
                URL_SAFE_NO_PAD.encode(&good),
                NOW,
                Some(Rule::Prefix),
            ),
            (
                "token_with_v2_prefix",
                format!("k8s-aws-v2.{}", URL_SAFE_NO_PAD.encode(&good)),
                NOW,
                Some(Rule::Prefix),
            ),
            (
                "token_with_base64_padding",
                format!("{PREFIX}YWI="),
                NOW,
                Some(Rule::Base64),
            ),
            (
                "token_with_standard_alphabet",
                format!("{PREFIX}ab+/cd"),
                NOW,
                Some(Rule::Base64),
            ),
            (
                "token_not_a_url",
                tok("no scheme here"),
                NOW,
                Some(Rule::Url),
            ),
            (
                "token_http_scheme",
                with("https://", "http://"),
                NOW,
                Some(Rule::Scheme),
            ),
            (
                "token_foreign_host",
                with("sts.us-west-2.amazonaws.com", "sts.example.com"),
                NOW,
                Some(Rule::Host),
            ),
            (
                "token_host_with_port",
                with(
                    "sts.us-west-2.amazonaws.com",
                    "sts.us-west-2.amazonaws.com:443",
                ),
                NOW,
                Some(Rule::Host),
            ),
            (
                "token_china_host_wrong_domain",
                with(
                    "sts.us-west-2.amazonaws.com",
                    "sts.cn-north-1.amazonaws.com",
                ),
                NOW,
                Some(Rule::Host),
            ),
            (
                "token_path_not_root",
                with(".com/?", ".com/x?"),
                NOW,
                Some(Rule::Path),
            ),
            (
                "token_query_bad_escape",
                with("%2F20260101", "%ZZ20260101"),
                NOW,
                Some(Rule::QueryMalformed),
            ),
            (
                "token_query_semicolon",
                with("Version=2011-06-15", "Version=2011-06-15;a=b"),
                NOW,
                Some(Rule::QueryMalformed),
            ),
            (
                "token_duplicate_key_other_case",
                with("&Version=", "&action=GetCallerIdentity&Version="),
                NOW,
                Some(Rule::DuplicateKey),
            ),
            (
                "token_unknown_key",
                with("&Version=", "&Foo=1&Version="),
                NOW,
                Some(Rule::UnknownKey),
            ),
            (
                "token_key_given_twice",
                with("&Version=", "&Action=GetCallerIdentity&Version="),
                NOW,
                Some(Rule::MultipleValues),
            ),
            (
                "token_other_action",
                with("Action=GetCallerIdentity", "Action=AssumeRole"),
                NOW,
                Some(Rule::Action),
            ),
            (
                "token_cluster_header_unsigned",
                with("host%3Bx-k8s-aws-id", "host"),
                NOW,
                Some(Rule::ClusterHeaderUnsigned),
            ),
            (
                "token_expires_over_900",
                with("X-Amz-Expires=60", "X-Amz-Expires=901"),
                NOW,
                Some(Rule::Expires),
            ),
            (
                "token_expires_negative",
                with("X-Amz-Expires=60", "X-Amz-Expires=-1"),
                NOW,
                Some(Rule::Expires),
            ),
            (
                "token_expires_not_a_number",
                with("X-Amz-Expires=60", "X-Amz-Expires=1m"),
                NOW,
                Some(Rule::Expires),
            ),
            (
                "token_expires_missing",
                with("&X-Amz-Expires=60", ""),
                NOW,
                Some(Rule::Expires),
            ),
            (
                "token_expires_900_accepted",
                with("X-Amz-Expires=60", "X-Amz-Expires=900"),
                NOW,
                None,
            ),
            (
                "token_date_missing",
                with("&X-Amz-Date=20260101T000000Z", ""),
                NOW,
                Some(Rule::DateMissing),
            ),
            (
                "token_date_unparseable",
                with("X-Amz-Date=20260101T000000Z", "X-Amz-Date=2026-01-01"),
                NOW,
                Some(Rule::DateInvalid),
            ),
            (
                "token_expired_after_15_minutes",
                tok(&good),
                datetime!(2026-01-01 00:15:01 UTC),
                Some(Rule::Expired),
            ),
            (
                "token_valid_at_exactly_15_minutes",
                tok(&good),
                datetime!(2026-01-01 00:15:00 UTC),
                None,
            ),
            (
                "token_dated_in_the_future_is_not_a_rule",
                tok(&good),
                datetime!(2025-12-31 23:00:00 UTC),
                None,
            ),
        ];
        for (name, token, now, want) in cases {
            assert_eq!(
                first_rule(&token, now),
                want,
                "{name}: {:?}",
                inspect(&token, now).violations
            );
        }
    }

    #[test]
    fn every_violation_is_listed_in_order() {
        let url = good_url()
            .replace("https://", "http://")
            .replace("host%3Bx-k8s-aws-id", "host");
        let rules: Vec<Rule> = inspect(&tok(&url), datetime!(2026-01-02 00:00:00 UTC))
            .violations
            .iter()
            .map(|v| v.rule)
            .collect();
        assert_eq!(
            rules,
            vec![Rule::Scheme, Rule::ClusterHeaderUnsigned, Rule::Expired]
        );
    }
}
