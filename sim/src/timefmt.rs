//! Time formats spoken by the simulated services: SigV4's basic ISO 8601
//! (`20230428T000000Z`), ISO 8601 / RFC 3339 with seconds (`2023-04-28T00:00:00Z`,
//! STS and Kubernetes), and the HTTP date of the `Date` header.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// SigV4's X-Amz-Date format; the authenticator parses Go's "20060102T150405Z".
const AMZ_DATE: &[FormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// The date part of a SigV4 credential scope.
const SCOPE_DATE: &[FormatItem<'static>] = format_description!("[year][month][day]");

/// ISO 8601 in UTC with whole seconds, as STS and Kubernetes print times.
const ISO8601: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Parse `20230428T000000Z`; None for anything else.
pub fn parse_amz_date(s: &str) -> Option<OffsetDateTime> {
    if s.len() != 16 {
        return None;
    }
    PrimitiveDateTime::parse(s, AMZ_DATE)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// Format as `20230428T000000Z`.
pub fn amz_date(t: OffsetDateTime) -> String {
    utc(t).format(AMZ_DATE).unwrap_or_default()
}

/// Format as `20230428` (credential scope date).
pub fn scope_date(t: OffsetDateTime) -> String {
    utc(t).format(SCOPE_DATE).unwrap_or_default()
}

/// Format as `2023-04-28T00:00:00Z`.
pub fn iso8601(t: OffsetDateTime) -> String {
    utc(t).format(ISO8601).unwrap_or_default()
}

/// Parse an RFC 3339 timestamp (fixture values such as `2030-01-01T00:00:00Z`).
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// Format as an HTTP date (IMF-fixdate): `Fri, 28 Apr 2023 00:00:00 GMT`.
pub fn http_date(t: OffsetDateTime) -> String {
    httpdate::fmt_http_date(t.into())
}

/// Parse an HTTP date, for requests signed with `Date`.
pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    httpdate::parse_http_date(s).ok().map(OffsetDateTime::from)
}

fn utc(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_round_trip() {
        let t = datetime!(2023-04-28 00:00:00 UTC);
        let cases = [
            ("amz_date", amz_date(t), "20230428T000000Z"),
            ("scope_date", scope_date(t), "20230428"),
            ("iso8601", iso8601(t), "2023-04-28T00:00:00Z"),
            ("http_date", http_date(t), "Fri, 28 Apr 2023 00:00:00 GMT"),
        ];
        for (name, got, want) in cases {
            assert_eq!(got, want, "{name}");
        }
        assert_eq!(parse_amz_date("20230428T000000Z"), Some(t));
        assert_eq!(parse_http_date("Fri, 28 Apr 2023 00:00:00 GMT"), Some(t));
    }

    #[test]
    fn amz_date_rejects_other_shapes() {
        for bad in [
            "2023-04-28T00:00:00Z",
            "20230428T000000",
            "20231328T000000Z",
            "",
            "xxxxxxx",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }
}
