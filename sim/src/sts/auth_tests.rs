//! STS authentication against the authenticator's known-answer vector (field
//! guide section 1) and one case per STS error.

use super::*;
use crate::fixture::{AccessKey, Iam, KeyStatus, Session, User};
use time::Duration;
use time::macros::datetime;

/// aws-iam-authenticator's golden token: ASIAR2TG44V6AS3ZZE7C, no session
/// token, us-west-2, cluster test-cluster, 2023-04-28T00:00:00Z.
const VECTOR_QUERY: &str = "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
    &X-Amz-Credential=ASIAR2TG44V6AS3ZZE7C%2F20230428%2Fus-west-2%2Fsts%2Faws4_request\
    &X-Amz-Date=20230428T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
    &X-Amz-Signature=e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce";
const VECTOR_SECRET: &str = "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q";
const SIGNED_AT: OffsetDateTime = datetime!(2023-04-28 00:00:00 UTC);
const HOST: &str = "sts.us-west-2.amazonaws.com";

fn directory() -> Directory {
    let iam = Iam {
        oidc_providers: vec![],
        users: vec![User {
            arn: "arn:aws:iam::111122223333:user/vector".into(),
            user_id: Some("AIDAVECTOR".into()),
            access_keys: vec![AccessKey {
                id: "ASIAR2TG44V6AS3ZZE7C".into(),
                secret: VECTOR_SECRET.into(),
                status: KeyStatus::Active,
            }],
        }],
        roles: vec![],
        mfa_devices: vec![],
        sessions: vec![
            session("ASIASESSION000000001", 3600),
            session("ASIASESSIONEXPIRED01", -1),
        ],
    };
    Directory::from_fixture(&iam, SIGNED_AT)
}

fn session(id: &str, expires_in: i64) -> Session {
    Session {
        access_key_id: id.into(),
        secret_access_key: "c2Vzc2lvbnNlY3JldHNlc3Npb25zZWNyZXQwMDAw".into(),
        session_token: "tok+en/with=chars".into(),
        arn: "arn:aws:sts::111122223333:assumed-role/Dev/s".into(),
        expiration: None,
        expires_in_seconds: Some(expires_in),
    }
}

fn headers(cluster: &str) -> Vec<(String, String)> {
    vec![
        ("host".into(), HOST.into()),
        ("x-k8s-aws-id".into(), cluster.into()),
    ]
}

fn verify(
    query: &str,
    cluster: &str,
    region: Option<&str>,
    now: OffsetDateTime,
) -> Result<Authenticated, StsError> {
    let headers = headers(cluster);
    let req = StsRequest {
        method: "GET",
        raw_path: "/",
        raw_query: query,
        headers: &headers,
        body: b"",
    };
    authenticate(&req, region, now, &directory())
}

/// Presign like the AWS CLI, with the simulator's own arithmetic (used only
/// for cases the vector cannot cover: session tokens).
fn presign(akid: &str, secret: &str, token: Option<&str>, date: OffsetDateTime) -> String {
    let amz = timefmt::amz_date(date);
    let day = timefmt::scope_date(date);
    let mut params: Vec<(String, String)> = [
        ("Action", "GetCallerIdentity"),
        ("Version", "2011-06-15"),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        (
            "X-Amz-Credential",
            &format!("{akid}/{day}/us-west-2/sts/aws4_request"),
        ),
        ("X-Amz-Date", &amz),
        ("X-Amz-Expires", "60"),
        ("X-Amz-SignedHeaders", "host;x-k8s-aws-id"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if let Some(t) = token {
        params.push(("X-Amz-Security-Token".into(), t.into()));
    }
    let hdrs = headers("test-cluster");
    let canonical = sigv4::canonical_request(&CanonicalInput {
        method: "GET",
        raw_path: "/",
        params: &params,
        headers: &hdrs,
        signed_headers: &["host".to_string(), "x-k8s-aws-id".to_string()],
        payload_hash: &sigv4::sha256_hex(b""),
    });
    let to_sign = sigv4::string_to_sign(
        &amz,
        &format!("{day}/us-west-2/sts/aws4_request"),
        &canonical,
    );
    let sig = sigv4::signature(
        &sigv4::signing_key(secret, &day, "us-west-2", "sts"),
        &to_sign,
    );
    params.push(("X-Amz-Signature".into(), sig));
    params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                sigv4::uri_encode(k, false),
                sigv4::uri_encode(v, false)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn flip_last_signature_byte(query: &str) -> String {
    let mut q = query.to_string();
    let last = q.pop().unwrap_or('0');
    q.push(if last == '0' { '1' } else { '0' });
    q
}

#[test]
fn known_answer_vector_is_accepted_at_its_time() {
    let authed = verify(VECTOR_QUERY, "test-cluster", Some("us-west-2"), SIGNED_AT)
        .expect("vector verifies");
    assert_eq!(authed.caller.arn, "arn:aws:iam::111122223333:user/vector");
    assert_eq!(authed.access_key_id, "ASIAR2TG44V6AS3ZZE7C");
}

#[test]
#[rustfmt::skip]
fn sts_error_cases() {
    const SESSION: &str = "ASIASESSION000000001";
    const SECRET: &str = "c2Vzc2lvbnNlY3JldHNlc3Npb25zZWNyZXQwMDAw";
    const TOKEN: &str = "tok+en/with=chars";
    let flipped = flip_last_signature_byte(VECTOR_QUERY);
    let unknown_key = VECTOR_QUERY.replace("ASIAR2TG44V6AS3ZZE7C", "ASIAUNKNOWN000000000");
    let ok_session = presign(SESSION, SECRET, Some(TOKEN), SIGNED_AT);
    let no_token = presign(SESSION, SECRET, None, SIGNED_AT);
    let wrong_token = presign(SESSION, SECRET, Some("other"), SIGNED_AT);
    let expired = presign("ASIASESSIONEXPIRED01", SECRET, Some(TOKEN), SIGNED_AT);
    let unsigned = "Action=GetCallerIdentity&Version=2011-06-15";
    let late = SIGNED_AT + Duration::minutes(15) + Duration::seconds(1);
    let early = SIGNED_AT - Duration::minutes(15) - Duration::seconds(1);
    let west = Some("us-west-2");
    // (name, query, cluster header, endpoint region, now, expected error code)
    type Case<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, OffsetDateTime, Result<(), &'a str>);
    let cases: [Case; 11] = [
        ("session_with_its_token_accepted", &ok_session, "test-cluster", west, SIGNED_AT, Ok(())),
        ("one_flipped_byte_is_signature_mismatch", &flipped, "test-cluster", west, SIGNED_AT, Err("SignatureDoesNotMatch")),
        ("other_cluster_name_is_signature_mismatch", VECTOR_QUERY, "other-cluster", west, SIGNED_AT, Err("SignatureDoesNotMatch")),
        ("unknown_key_is_invalid_client_token", &unknown_key, "test-cluster", west, SIGNED_AT, Err("InvalidClientTokenId")),
        ("session_key_without_token_is_invalid", &no_token, "test-cluster", west, SIGNED_AT, Err("InvalidClientTokenId")),
        ("session_key_with_other_token_is_invalid", &wrong_token, "test-cluster", west, SIGNED_AT, Err("InvalidClientTokenId")),
        ("expired_session_is_expired_token", &expired, "test-cluster", west, SIGNED_AT, Err("ExpiredToken")),
        ("signature_expired_after_15_minutes", VECTOR_QUERY, "test-cluster", west, late, Err("SignatureDoesNotMatch")),
        ("signature_not_yet_current_15_minutes_early", VECTOR_QUERY, "test-cluster", west, early, Err("SignatureDoesNotMatch")),
        ("scope_region_differs_from_endpoint", VECTOR_QUERY, "test-cluster", Some("us-east-1"), SIGNED_AT, Err("SignatureDoesNotMatch")),
        ("no_signature_at_all", unsigned, "test-cluster", west, SIGNED_AT, Err("MissingAuthenticationToken")),
    ];
    for (name, query, cluster, region, now, want) in cases {
        let got = verify(query, cluster, region, now).map(|_| ()).map_err(|e| e.code);
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn clock_errors_carry_sts_messages() {
    let late = SIGNED_AT + Duration::minutes(16);
    let err = verify(VECTOR_QUERY, "test-cluster", Some("us-west-2"), late).unwrap_err();
    assert_eq!(
        err.message,
        "Signature expired: 20230428T000000Z is now earlier than 20230428T000100Z (20230428T001600Z - 15 min.)"
    );
    let early = SIGNED_AT - Duration::minutes(16);
    let err = verify(VECTOR_QUERY, "test-cluster", Some("us-west-2"), early).unwrap_err();
    assert!(
        err.message
            .starts_with("Signature not yet current: 20230428T000000Z is still later than"),
        "{}",
        err.message
    );
}
