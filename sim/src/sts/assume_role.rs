//! STS AssumeRole: parameter validation with STS's messages, the trust check
//! (the caller must be one of the role's trusted principals) and issuing
//! session credentials that the directory remembers.

use time::{Duration, OffsetDateTime};

use super::auth::param;
use super::error::StsError;
use crate::arn::{self, Arn, PrincipalKind};
use crate::directory::{Caller, Directory, IssuedCredentials, RoleInfo};

/// AssumeRole's default DurationSeconds.
const DEFAULT_DURATION: i64 = 3600;

/// STS refuses sessions shorter than 15 minutes.
const MIN_DURATION: i64 = 900;

/// And longer than 12 hours (the largest MaxSessionDuration).
const MAX_DURATION: i64 = 43200;

/// Role chaining (a role session assuming a role) is capped at one hour.
const CHAINING_LIMIT: i64 = 3600;

/// Run AssumeRole for an authenticated caller.
pub fn run(
    directory: &Directory,
    caller: &Caller,
    params: &[(String, String)],
    now: OffsetDateTime,
) -> Result<IssuedCredentials, StsError> {
    let role_arn = required(params, "RoleArn", "roleArn")?;
    let session_name = required(params, "RoleSessionName", "roleSessionName")?;
    check_session_name(session_name)?;
    let duration = duration(params)?;
    let denied = || {
        StsError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            caller.arn
        ))
    };
    let role = find_role(directory, role_arn).ok_or_else(denied)?;
    if !trusts(role, caller) {
        return Err(denied());
    }
    if role.requires_mfa {
        check_mfa(directory, caller, params, denied)?;
    }
    let chained =
        arn::canonicalize(&caller.arn).is_ok_and(|(k, _)| k == PrincipalKind::AssumedRole);
    if chained && duration > CHAINING_LIMIT {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    if duration > i64::from(role.max_session_duration) {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    directory
        .issue_session(role, session_name, Duration::seconds(duration), now)
        .ok_or_else(StsError::internal)
}

/// A role whose trust policy requires MFA: without SerialNumber and
/// TokenCode the trust policy does not match (plain AccessDenied, as STS
/// says it); with them, the device must be the caller's and the code its.
fn check_mfa(
    directory: &Directory,
    caller: &Caller,
    params: &[(String, String)],
    denied: impl Fn() -> StsError,
) -> Result<(), StsError> {
    let (Some(serial), Some(code)) = (param(params, "SerialNumber"), param(params, "TokenCode"))
    else {
        return Err(denied());
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value '{code}' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*"
        )));
    }
    match directory.mfa_device(serial) {
        Some((user, want)) if user == caller.arn && want == code => Ok(()),
        _ => Err(StsError::access_denied(
            "MultiFactorAuthentication failed with invalid MFA one time pass code.",
        )),
    }
}

fn required<'a>(
    params: &'a [(String, String)],
    name: &str,
    member: &str,
) -> Result<&'a str, StsError> {
    param(params, name).ok_or_else(|| {
        StsError::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// RoleSessionName: 2..=64 characters of `[\w+=,.@-]`.
fn check_session_name(name: &str) -> Result<(), StsError> {
    let violation = |constraint: &str| {
        StsError::validation(format!(
            "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: {constraint}"
        ))
    };
    if name.len() < 2 {
        return Err(violation(
            "Member must have length greater than or equal to 2",
        ));
    }
    if name.len() > 64 {
        return Err(violation(
            "Member must have length less than or equal to 64",
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if !name.chars().all(allowed) {
        return Err(violation(
            "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        ));
    }
    Ok(())
}

fn duration(params: &[(String, String)]) -> Result<i64, StsError> {
    let Some(raw) = param(params, "DurationSeconds") else {
        return Ok(DEFAULT_DURATION);
    };
    let value: i64 = raw.parse().map_err(|_| {
        StsError::validation(format!(
            "Value ({raw}) for parameter DurationSeconds is invalid. Expecting an integer."
        ))
    })?;
    let violation = |constraint: &str| {
        StsError::validation(format!(
            "1 validation error detected: Value '{value}' at 'durationSeconds' failed to satisfy constraint: {constraint}"
        ))
    };
    if value < MIN_DURATION {
        return Err(violation(
            "Member must have value greater than or equal to 900",
        ));
    }
    if value > MAX_DURATION {
        return Err(violation(
            "Member must have value less than or equal to 43200",
        ));
    }
    Ok(value)
}

/// The role named by RoleArn. A path in the ARN must be the role's path.
fn find_role<'a>(directory: &'a Directory, role_arn: &str) -> Option<&'a RoleInfo> {
    let parsed = Arn::parse(role_arn)?;
    let (path, name) = parsed.role_path_and_name()?;
    let role = directory.role(&parsed.account, &name)?;
    (path == "/" || path == role.path).then_some(role)
}

/// Whether the role's trust list admits the caller: `*`, the caller's
/// canonical ARN (a trusted role ARN may carry a path), its session ARN, or
/// the root of its account.
fn trusts(role: &RoleInfo, caller: &Caller) -> bool {
    let Ok((_, canonical)) = arn::canonicalize(&caller.arn) else {
        return false;
    };
    role.trusted_principals.iter().any(|p| {
        p == "*"
            || *p == caller.arn
            || arn::strip_role_path(p) == canonical
            || Arn::parse(p).is_some_and(|a| {
                a.service == "iam" && a.resource == "root" && a.account == caller.account
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{AccessKey, Iam, KeyStatus, MfaDevice, Role, User};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);
    const DEV: &str = "arn:aws:iam::111122223333:role/team/Dev";
    const MFA_ROLE: &str = "arn:aws:iam::111122223333:role/Guarded";
    const ALICE_MFA: &str = "arn:aws:iam::111122223333:mfa/alice";

    fn directory() -> Directory {
        let iam = Iam {
            oidc_providers: vec![],
            users: vec![User {
                arn: "arn:aws:iam::111122223333:user/alice".into(),
                user_id: None,
                access_keys: vec![AccessKey {
                    id: "AKIAALICE00000000001".into(),
                    secret: "s".into(),
                    status: KeyStatus::Active,
                }],
            }],
            roles: vec![
                Role {
                    arn: DEV.into(),
                    role_id: None,
                    max_session_duration: 7200,
                    trusted_principals: vec!["arn:aws:iam::111122223333:user/alice".into()],
                    trust_policy: None,
                    created_at: None,
                },
                Role {
                    arn: MFA_ROLE.into(),
                    role_id: None,
                    max_session_duration: 7200,
                    trusted_principals: vec!["arn:aws:iam::111122223333:root".into()],
                    trust_policy: Some(serde_json::json!({
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]
                    })),
                    created_at: None,
                },
            ],
            sessions: vec![],
            mfa_devices: vec![
                MfaDevice {
                    serial: ALICE_MFA.into(),
                    user: "arn:aws:iam::111122223333:user/alice".into(),
                    code: "123456".into(),
                },
                MfaDevice {
                    serial: "arn:aws:iam::111122223333:mfa/bob".into(),
                    user: "arn:aws:iam::111122223333:user/bob".into(),
                    code: "654321".into(),
                },
            ],
        };
        Directory::from_fixture(&iam, NOW)
    }

    fn caller(name: &str) -> Caller {
        Caller {
            arn: format!("arn:aws:iam::111122223333:user/{name}"),
            user_id: "AIDA".into(),
            account: "111122223333".into(),
        }
    }

    fn params(role: &str, session: &str, duration: Option<&str>) -> Vec<(String, String)> {
        let mut p = vec![
            ("RoleArn".to_string(), role.to_string()),
            ("RoleSessionName".to_string(), session.to_string()),
        ];
        if let Some(d) = duration {
            p.push(("DurationSeconds".to_string(), d.to_string()));
        }
        p
    }

    #[test]
    #[rustfmt::skip]
    fn assume_role_cases() {
        let dir = directory();
        let (alice, bob) = (caller("alice"), caller("bob"));
        type Case<'a> = (&'a str, &'a Caller, Vec<(String, String)>, Result<(), &'a str>);
        let cases: [Case; 8] = [
            ("trusted_user_gets_credentials", &alice, params(DEV, "s1", None), Ok(())),
            ("arn_without_path_also_names_the_role", &alice, params("arn:aws:iam::111122223333:role/Dev", "s1", None), Ok(())),
            ("untrusted_user_denied", &bob, params(DEV, "s1", None), Err("AccessDenied")),
            ("unknown_role_denied", &alice, params("arn:aws:iam::111122223333:role/Nope", "s1", None), Err("AccessDenied")),
            ("wrong_path_denied", &alice, params("arn:aws:iam::111122223333:role/other/Dev", "s1", None), Err("AccessDenied")),
            ("short_session_name_invalid", &alice, params(DEV, "s", None), Err("ValidationError")),
            ("duration_over_role_max_invalid", &alice, params(DEV, "s1", Some("7201")), Err("ValidationError")),
            ("duration_under_900_invalid", &alice, params(DEV, "s1", Some("899")), Err("ValidationError")),
        ];
        for (name, caller, p, want) in cases {
            let got = run(&dir, caller, &p, NOW).map(|_| ()).map_err(|e| e.code);
            assert_eq!(got, want, "{name}");
        }
    }

    fn with_mfa(serial: &str, code: &str) -> Vec<(String, String)> {
        let mut p = params(MFA_ROLE, "s1", None);
        p.push(("SerialNumber".into(), serial.into()));
        p.push(("TokenCode".into(), code.into()));
        p
    }

    #[test]
    #[rustfmt::skip]
    fn a_role_that_requires_mfa_checks_serial_and_code() {
        let dir = directory();
        let alice = caller("alice");
        type Case<'a> = (&'a str, Vec<(String, String)>, Result<(), &'a str>);
        let cases: [Case; 6] = [
            ("right_serial_and_code", with_mfa(ALICE_MFA, "123456"), Ok(())),
            ("no_mfa_at_all_denied", params(MFA_ROLE, "s1", None), Err("AccessDenied")),
            ("wrong_code_denied", with_mfa(ALICE_MFA, "123457"), Err("AccessDenied")),
            ("someone_elses_device_denied", with_mfa("arn:aws:iam::111122223333:mfa/bob", "654321"), Err("AccessDenied")),
            ("unknown_device_denied", with_mfa("arn:aws:iam::111122223333:mfa/nope", "123456"), Err("AccessDenied")),
            ("code_not_six_digits_invalid", with_mfa(ALICE_MFA, "12a456"), Err("ValidationError")),
        ];
        for (name, p, want) in cases {
            let got = run(&dir, &alice, &p, NOW).map(|_| ()).map_err(|e| e.code);
            assert_eq!(got, want, "{name}");
        }
        let plain = run(&dir, &alice, &with_mfa(ALICE_MFA, "000000"), NOW).unwrap_err();
        assert!(plain.message.contains("MultiFactorAuthentication failed"), "{}", plain.message);
    }

    #[test]
    fn issued_session_is_an_assumed_role_without_path() {
        let dir = directory();
        let issued = run(&dir, &caller("alice"), &params(DEV, "s1", None), NOW).unwrap();
        assert_eq!(
            issued.caller.arn,
            "arn:aws:sts::111122223333:assumed-role/Dev/s1"
        );
        assert_eq!(issued.expiration, NOW + Duration::hours(1));
        assert!(issued.access_key_id.starts_with("ASIA"));
        assert!(dir.lookup(&issued.access_key_id).is_some(), "remembered");
        let denied = run(
            &dir,
            &caller("alice"),
            &params("arn:aws:iam::111122223333:role/Nope", "s1", None),
            NOW,
        );
        assert_eq!(
            denied.unwrap_err().message,
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: \
             sts:AssumeRole on resource: arn:aws:iam::111122223333:role/Nope"
        );
    }
}
