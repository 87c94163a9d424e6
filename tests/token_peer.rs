//! The token is byte-for-byte the one `aws eks get-token` prints, checked
//! against the real AWS CLI (the pinned awscli of the test venv) with the
//! clock frozen by faketime so both sign in the same second.

mod common;
use common::*;

/// A frozen clock for both tools (faketime without `@` stops time).
const FROZEN: &str = "2026-01-01 00:00:00";

fn token_of(sb: &Sandbox, program: &std::path::Path, args: &[&str]) -> (String, serde_json::Value) {
    let mut c = sb.command(faketime());
    c.arg("-f").arg(FROZEN).arg(program).args(args);
    let r = run(c);
    r.ok();
    (r.token(), r.json())
}

fn compare(region: &str, session_token: Option<&str>) {
    let id = if session_token.is_some() {
        "ASIAEXAMPLEPEER00001"
    } else {
        "AKIAEXAMPLEPEER00001"
    };
    let mut sb = Sandbox::with_keys((id, EXAMPLE_SECRET));
    if let Some(t) = session_token {
        sb.set("AWS_SESSION_TOKEN", t);
    }
    let cli_args = [
        "eks",
        "get-token",
        "--cluster-name",
        "peer-demo",
        "--region",
        region,
        "--output",
        "json",
    ];
    let ours_args = [
        "token",
        "--no-cache",
        "--cluster-name",
        "peer-demo",
        "--region",
        region,
    ];
    let (theirs, their_doc) = token_of(&sb, &aws_cli(), &cli_args);
    let (ours, our_doc) = token_of(&sb, &bin(), &ours_args);
    assert_eq!(
        ours,
        theirs,
        "region {region}, session token {session_token:?}\nours:   {}\ntheirs: {}",
        token_url(&ours),
        token_url(&theirs)
    );
    assert_eq!(
        our_doc["status"]["expirationTimestamp"],
        their_doc["status"]["expirationTimestamp"]
    );
    assert_eq!(our_doc["apiVersion"], their_doc["apiVersion"]);
    assert_eq!(our_doc["kind"], their_doc["kind"]);
}

#[test]
fn same_token_as_aws_cli_us_west_2() {
    compare("us-west-2", None);
}

#[test]
fn same_token_as_aws_cli_us_east_1() {
    compare("us-east-1", None);
}

#[test]
fn same_token_as_aws_cli_cn_north_1() {
    compare("cn-north-1", None);
}

#[test]
fn same_token_as_aws_cli_us_gov_west_1() {
    compare("us-gov-west-1", None);
}

// Session tokens carry '/', '+' and '=' that both sides must quote alike.
const SESSION: &str = "IQoJb3JpZ2luX2VjEPeer//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+abc/def==";

#[test]
fn same_token_as_aws_cli_with_session_token_us_west_2() {
    compare("us-west-2", Some(SESSION));
}

#[test]
fn same_token_as_aws_cli_with_session_token_us_east_1() {
    compare("us-east-1", Some(SESSION));
}

#[test]
fn same_token_as_aws_cli_with_session_token_cn_north_1() {
    compare("cn-north-1", Some(SESSION));
}

#[test]
fn same_token_as_aws_cli_with_session_token_us_gov_west_1() {
    compare("us-gov-west-1", Some(SESSION));
}

#[test]
fn same_token_as_aws_cli_for_a_profile_with_static_keys_and_region() {
    let sb = Sandbox::new();
    sb.write(".aws/credentials", "[team]\naws_access_key_id = AKIAEXAMPLEPROFILE01\naws_secret_access_key = c2VjcmV0LWtleS1vZi10aGUtcHJvZmlsZQ\n");
    sb.write(".aws/config", "[profile team]\nregion = eu-west-1\n");
    let (theirs, _) = token_of(
        &sb,
        &aws_cli(),
        &[
            "eks",
            "get-token",
            "--cluster-name",
            "demo",
            "--profile",
            "team",
        ],
    );
    let (ours, _) = token_of(
        &sb,
        &bin(),
        &[
            "token",
            "--no-cache",
            "--cluster-name",
            "demo",
            "--profile",
            "team",
        ],
    );
    assert_eq!(ours, theirs);
    assert!(token_url(&ours).starts_with("https://sts.eu-west-1.amazonaws.com/"));
}
