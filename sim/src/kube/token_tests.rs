//! One named case per authenticator rule (field guide section 2, rules 1-5).

use super::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2023-04-28 00:05:00 UTC);
const OWN: &str = "127.0.0.1:4566";

const GOOD_QUERY: &str = "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
    &X-Amz-Credential=ASIAR2TG44V6AS3ZZE7C%2F20230428%2Fus-west-2%2Fsts%2Faws4_request\
    &X-Amz-Date=20230428T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
    &X-Amz-Signature=e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce";

fn ctx(partition: Partition) -> TokenContext<'static> {
    TokenContext {
        partition,
        own_sts_authority: OWN,
    }
}

fn token(url: &str) -> String {
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(url))
}

fn with_query(host: &str, query: &str) -> String {
    token(&format!("https://{host}/?{query}"))
}

fn replace(from: &str, to: &str) -> String {
    with_query("sts.us-west-2.amazonaws.com", &GOOD_QUERY.replace(from, to))
}

fn run(tok: &str, partition: Partition, now: OffsetDateTime) -> Result<PresignedUrl, Rejection> {
    check(tok, &ctx(partition), now)
}

#[test]
#[rustfmt::skip]
fn accepted_tokens() {
    let good = |host: &str| with_query(host, GOOD_QUERY);
    let cases = [
        ("regional_host", good("sts.us-west-2.amazonaws.com"), Partition::Aws, Some("us-west-2")),
        ("legacy_global_host_is_us_east_1", good("sts.amazonaws.com"), Partition::Aws, Some("us-east-1")),
        ("fips_host", good("sts-fips.us-east-1.amazonaws.com"), Partition::Aws, Some("us-east-1")),
        ("dual_stack_host", good("sts.us-west-2.api.aws"), Partition::Aws, Some("us-west-2")),
        ("china_host", good("sts.cn-north-1.amazonaws.com.cn"), Partition::AwsCn, Some("cn-north-1")),
        ("govcloud_host", good("sts.us-gov-west-1.amazonaws.com"), Partition::AwsUsGov, Some("us-gov-west-1")),
        ("own_sts_endpoint_over_http", token(&format!("http://{OWN}/?{GOOD_QUERY}")), Partition::Aws, None),
        ("upper_case_scheme_like_go", token(&format!("HTTPS://sts.us-west-2.amazonaws.com/?{GOOD_QUERY}")), Partition::Aws, Some("us-west-2")),
    ];
    for (name, tok, partition, region) in cases {
        let got = run(&tok, partition, NOW).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(got.region.as_deref(), region, "{name}");
        assert_eq!(got.access_key_id, "ASIAR2TG44V6AS3ZZE7C", "{name}");
    }
}

#[test]
#[rustfmt::skip]
fn one_rejection_per_rule() {
    use Partition::{Aws, AwsCn};
    use Rejection::*;
    let good = |host: &str| with_query(host, GOOD_QUERY);
    let url = |u: &str| token(u);
    let host = |h: &str| Host(h.to_string());
    let long = format!("{PREFIX}{}", "A".repeat(4096));
    let padded = format!("{}==", good("sts.us-west-2.amazonaws.com"));
    let cases: Vec<(&str, String, Partition, Rejection)> = vec![
        ("token_over_4096_bytes", long, Aws, TooLarge),
        ("token_without_prefix", "k8s-aws-v2.abc".into(), Aws, MissingPrefix),
        ("token_base64_with_padding", padded, Aws, Base64),
        ("token_standard_base64_alphabet", format!("{PREFIX}ab+/"), Aws, Base64),
        ("url_without_scheme", url(":ab:cd.af:/asda"), Aws, Url("missing protocol scheme".into())),
        ("scheme_http", url(&format!("http://sts.us-west-2.amazonaws.com/?{GOOD_QUERY}")), Aws, Scheme("http".into())),
        ("host_not_sts", good("google.com"), Aws, host("google.com")),
        ("host_with_port", good("sts.us-west-2.amazonaws.com:443"), Aws, host("sts.us-west-2.amazonaws.com:443")),
        ("host_of_other_partition", good("sts.cn-north-1.amazonaws.com.cn"), Aws, host("sts.cn-north-1.amazonaws.com.cn")),
        ("global_host_outside_aws_partition", good("sts.amazonaws.com"), AwsCn, host("sts.amazonaws.com")),
        ("lookalike_domain", good("sts.us-west-2.amazonaws.com.evil.example"), Aws, host("sts.us-west-2.amazonaws.com.evil.example")),
        ("path_not_root", url(&format!("https://sts.us-west-2.amazonaws.com/abc?{GOOD_QUERY}")), Aws, Path),
        ("path_empty", url(&format!("https://sts.us-west-2.amazonaws.com?{GOOD_QUERY}")), Aws, Path),
        ("query_bad_escape", replace("Version=2011-06-15", "Version=%zz"), Aws, MalformedQuery),
        ("query_duplicate_key_differing_case", replace("Version=2011-06-15", "Version=2011-06-15&version=x"), Aws, DuplicateKey("version".into())),
        ("query_key_not_allowed", replace("Version=2011-06-15", "Version=2011-06-15&NoInWhiteList=abc"), Aws, KeyNotAllowed("NoInWhiteList".into())),
        ("query_key_given_twice", replace("Version=2011-06-15", "Version=2011-06-15&Version=2011-06-15"), Aws, MultipleValues),
        ("action_not_get_caller_identity", replace("Action=GetCallerIdentity", "Action=AssumeRole"), Aws, Action),
        ("cluster_header_unsigned", replace("host%3Bx-k8s-aws-id", "host"), Aws, ClusterHeaderUnsigned),
        ("expires_over_900", replace("X-Amz-Expires=60", "X-Amz-Expires=901"), Aws, Expires(901)),
        ("expires_negative", replace("X-Amz-Expires=60", "X-Amz-Expires=-1"), Aws, Expires(-1)),
        ("expires_not_integer", replace("X-Amz-Expires=60", "X-Amz-Expires=abc"), Aws, Expires(0)),
        ("date_missing", replace("X-Amz-Date=20230428T000000Z", "X-Amz-Date="), Aws, DateMissing),
        ("date_unparseable", replace("X-Amz-Date=20230428T000000Z", "X-Amz-Date=xxxxxxx"), Aws, DateFormat("xxxxxxx".into())),
    ];
    for (name, tok, partition, want) in cases {
        assert_eq!(run(&tok, partition, NOW), Err(want), "{name}");
    }
}

#[test]
fn token_expired_after_15_minutes() {
    let tok = with_query("sts.us-west-2.amazonaws.com", GOOD_QUERY);
    let signed = datetime!(2023-04-28 00:00:00 UTC);
    let cases = [
        (
            "at_15_minutes_still_valid",
            signed + Duration::minutes(15),
            true,
        ),
        (
            "one_second_later_expired",
            signed + Duration::minutes(15) + Duration::seconds(1),
            false,
        ),
        (
            "no_check_of_future_dates",
            signed - Duration::hours(1),
            true,
        ),
    ];
    for (name, now, ok) in cases {
        let got = run(&tok, Partition::Aws, now);
        assert_eq!(got.is_ok(), ok, "{name}: {got:?}");
        if !ok {
            assert_eq!(got, Err(Rejection::Expired(signed)), "{name}");
        }
    }
}

#[test]
fn messages_use_the_authenticators_wording() {
    assert_eq!(
        Rejection::Expired(datetime!(2023-04-28 00:00:00 UTC)).message(),
        "input token was not properly formatted: X-Amz-Date parameter is expired (15 minute expiration) 2023-04-28T00:00:00Z"
    );
    assert_eq!(
        Rejection::ClusterHeaderUnsigned.message(),
        "input token was not properly formatted: client did not sign the x-k8s-aws-id header in the pre-signed URL"
    );
}
