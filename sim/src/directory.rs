//! The directory of IAM principals and credentials: users' access keys,
//! roles (with path, trust list, limits) and session credentials, both those
//! seeded by the fixture and those issued at run time by AssumeRole and the
//! SSO portal. STS authentication looks keys up here.

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

use crate::arn::Arn;
use crate::fixture::{self, Iam, KeyStatus};
use crate::ids;
use crate::secret::Secret;

/// Who a key belongs to, as GetCallerIdentity reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// `arn:aws:iam::A:user/x` or `arn:aws:sts::A:assumed-role/R/S`.
    pub arn: String,
    /// `AIDA...` for users, `AROA...:session` for assumed roles.
    pub user_id: String,
    /// Account id.
    pub account: String,
}

/// Everything STS needs to authenticate one access key.
#[derive(Clone, Debug)]
pub struct KeyRecord {
    /// The secret access key.
    pub secret: Secret,
    /// The session token, for session credentials.
    pub session_token: Option<Secret>,
    /// Expiry of session credentials.
    pub expiration: Option<OffsetDateTime>,
    /// False for a deactivated IAM key.
    pub active: bool,
    /// The identity behind the key.
    pub caller: Caller,
}

/// An IAM role.
#[derive(Clone, Debug)]
pub struct RoleInfo {
    /// Full ARN, with path.
    pub arn: String,
    /// Role name.
    pub name: String,
    /// Path, `/` or `/a/b/`.
    pub path: String,
    /// Account id.
    pub account: String,
    /// Partition id.
    pub partition: String,
    /// `AROA...`.
    pub role_id: String,
    /// Longest session AssumeRole may grant (seconds).
    pub max_session_duration: u32,
    /// Principals allowed to assume it.
    pub trusted_principals: Vec<String>,
    /// The trust policy document, when the fixture gives one.
    pub trust_policy: Option<serde_json::Value>,
    /// The trust policy allows AssumeRole only with MFA
    /// (`aws:MultiFactorAuthPresent` is `true` in a condition).
    pub requires_mfa: bool,
    /// `CreateDate`, when the fixture gives one.
    pub created: Option<OffsetDateTime>,
}

/// Credentials freshly issued to a caller.
#[derive(Clone, Debug)]
pub struct IssuedCredentials {
    /// `ASIA...`.
    pub access_key_id: String,
    /// Secret access key.
    pub secret: Secret,
    /// Session token.
    pub session_token: Secret,
    /// Expiry.
    pub expiration: OffsetDateTime,
    /// The assumed-role identity.
    pub caller: Caller,
}

/// The directory.
#[derive(Debug)]
pub struct Directory {
    user_keys: HashMap<String, KeyRecord>,
    roles: Vec<RoleInfo>,
    sessions: Mutex<HashMap<String, KeyRecord>>,
    /// MFA serial -> (owning user ARN, the code it shows).
    mfa_devices: HashMap<String, (String, String)>,
}

impl Directory {
    /// Build from a validated fixture; relative expiries count from `start`.
    pub fn from_fixture(iam: &Iam, start: OffsetDateTime) -> Directory {
        let roles: Vec<RoleInfo> = iam.roles.iter().filter_map(role_info).collect();
        let mut user_keys = HashMap::new();
        for user in &iam.users {
            let Some(arn) = Arn::parse(&user.arn) else {
                continue;
            };
            let caller = Caller {
                arn: user.arn.clone(),
                user_id: user
                    .user_id
                    .clone()
                    .unwrap_or_else(|| ids::derived_id("AIDA", &user.arn)),
                account: arn.account,
            };
            for key in &user.access_keys {
                user_keys.insert(
                    key.id.clone(),
                    KeyRecord {
                        secret: Secret::new(&key.secret),
                        session_token: None,
                        expiration: None,
                        active: key.status == KeyStatus::Active,
                        caller: caller.clone(),
                    },
                );
            }
        }
        let mut sessions = HashMap::new();
        for s in &iam.sessions {
            let Some(caller) = session_caller(&s.arn, &roles) else {
                continue;
            };
            sessions.insert(
                s.access_key_id.clone(),
                KeyRecord {
                    secret: Secret::new(&s.secret_access_key),
                    session_token: Some(Secret::new(&s.session_token)),
                    expiration: fixture::resolve_expiry(&s.expiration, s.expires_in_seconds, start),
                    active: true,
                    caller,
                },
            );
        }
        let mfa_devices = iam
            .mfa_devices
            .iter()
            .map(|d| (d.serial.clone(), (d.user.clone(), d.code.clone())))
            .collect();
        Directory {
            user_keys,
            roles,
            sessions: Mutex::new(sessions),
            mfa_devices,
        }
    }

    /// The record of an access key, user or session.
    pub fn lookup(&self, access_key_id: &str) -> Option<KeyRecord> {
        if let Some(rec) = self.user_keys.get(access_key_id) {
            return Some(rec.clone());
        }
        self.sessions.lock().ok()?.get(access_key_id).cloned()
    }

    /// The role of `account` named `name` (IAM role names are unique per
    /// account, case-insensitively).
    pub fn role(&self, account: &str, name: &str) -> Option<&RoleInfo> {
        self.roles
            .iter()
            .find(|r| r.account == account && r.name.eq_ignore_ascii_case(name))
    }

    /// The MFA device `serial`: its owner's ARN and its code.
    pub fn mfa_device(&self, serial: &str) -> Option<(&str, &str)> {
        self.mfa_devices
            .get(serial)
            .map(|(user, code)| (user.as_str(), code.as_str()))
    }

    /// Issue session credentials for `role`; None if the OS has no randomness.
    pub fn issue_session(
        &self,
        role: &RoleInfo,
        session_name: &str,
        duration: Duration,
        now: OffsetDateTime,
    ) -> Option<IssuedCredentials> {
        let issued = IssuedCredentials {
            access_key_id: ids::access_key_id("ASIA")?,
            secret: Secret::new(ids::secret_access_key()?),
            session_token: Secret::new(ids::session_token()?),
            expiration: now + duration,
            caller: Caller {
                arn: format!(
                    "arn:{}:sts::{}:assumed-role/{}/{session_name}",
                    role.partition, role.account, role.name
                ),
                user_id: format!("{}:{session_name}", role.role_id),
                account: role.account.clone(),
            },
        };
        let record = KeyRecord {
            secret: issued.secret.clone(),
            session_token: Some(issued.session_token.clone()),
            expiration: Some(issued.expiration),
            active: true,
            caller: issued.caller.clone(),
        };
        self.sessions
            .lock()
            .ok()?
            .insert(issued.access_key_id.clone(), record);
        Some(issued)
    }
}

fn role_info(role: &fixture::Role) -> Option<RoleInfo> {
    let arn = Arn::parse(&role.arn)?;
    let (path, name) = arn.role_path_and_name()?;
    Some(RoleInfo {
        role_id: role
            .role_id
            .clone()
            .unwrap_or_else(|| ids::derived_id("AROA", &role.arn)),
        arn: role.arn.clone(),
        name,
        path,
        account: arn.account,
        partition: arn.partition,
        max_session_duration: role.max_session_duration,
        trusted_principals: role.trusted_principals.clone(),
        trust_policy: role.trust_policy.clone(),
        created: role
            .created_at
            .as_deref()
            .and_then(crate::timefmt::parse_rfc3339),
        requires_mfa: role.trust_policy.as_ref().is_some_and(requires_mfa),
    })
}

/// Whether a trust policy's conditions demand `aws:MultiFactorAuthPresent`
/// be true (under `Bool` or `BoolIfExists`, as IAM's examples write it).
fn requires_mfa(doc: &serde_json::Value) -> bool {
    let statements = match &doc["Statement"] {
        serde_json::Value::Array(v) => v.clone(),
        other => vec![other.clone()],
    };
    statements.iter().any(|st| {
        ["Bool", "BoolIfExists"].iter().any(|op| {
            st["Condition"][op]
                .as_object()
                .and_then(|m| {
                    m.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("aws:MultiFactorAuthPresent"))
                })
                .is_some_and(|(_, v)| v == "true" || v == true || v[0] == "true")
        })
    })
}

/// The caller of a seeded session: its role id comes from the fixture's role
/// of that name when there is one.
fn session_caller(sts_arn: &str, roles: &[RoleInfo]) -> Option<Caller> {
    let arn = Arn::parse(sts_arn)?;
    let rest = arn.resource.strip_prefix("assumed-role/")?;
    let (role_name, session) = rest.rsplit_once('/')?;
    let role_id = roles
        .iter()
        .find(|r| r.account == arn.account && r.name.eq_ignore_ascii_case(role_name))
        .map(|r| r.role_id.clone())
        .unwrap_or_else(|| {
            let role_arn = format!(
                "arn:{}:iam::{}:role/{role_name}",
                arn.partition, arn.account
            );
            ids::derived_id("AROA", &role_arn)
        });
    Some(Caller {
        arn: sts_arn.to_string(),
        user_id: format!("{role_id}:{session}"),
        account: arn.account,
    })
}
