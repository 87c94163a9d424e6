//! The `aws-auth` ConfigMap, parsed as aws-iam-authenticator reads it.
//!
//! Its `data` holds YAML *strings*: `mapRoles` and `mapUsers` (lists of
//! `rolearn`/`userarn`, `username`, `groups`) and `mapAccounts` (account
//! ids). Keys are matched case-insensitively (the authenticator converts
//! YAML to JSON and Go's JSON decoder does so). An entry under the wrong key
//! for its section (`rolearn` under mapUsers) fails the authenticator's
//! validation and is kept here, flagged, so the checks can name it; an entry
//! without any ARN is a parse error. Lookup is literal and case-insensitive:
//! mapRoles first, then mapUsers; the last of repeated ARNs wins. What the
//! findings say about it is `checks/identity.rs`'s business.

use serde_json::Value;
use std::collections::BTreeMap;

/// A section of the ConfigMap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    MapRoles,
    MapUsers,
    MapAccounts,
}

impl Section {
    /// The data key, e.g. `mapRoles`.
    pub fn key(self) -> &'static str {
        match self {
            Section::MapRoles => "mapRoles",
            Section::MapUsers => "mapUsers",
            Section::MapAccounts => "mapAccounts",
        }
    }

    /// The ARN key its entries must use (`rolearn` / `userarn`).
    pub fn arn_key(self) -> &'static str {
        match self {
            Section::MapRoles => "rolearn",
            Section::MapUsers | Section::MapAccounts => "userarn",
        }
    }
}

/// One mapRoles or mapUsers entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub section: Section,
    /// Position in its section's list.
    pub index: usize,
    /// The key that held the ARN, lowercased (`rolearn` or `userarn`).
    pub arn_key: String,
    pub arn: String,
    pub username: Option<String>,
    pub groups: Vec<String>,
}

impl Entry {
    /// False when the ARN sits under the other section's key: the
    /// authenticator drops such an entry ("userarn must be supplied").
    pub fn key_fits_section(&self) -> bool {
        self.arn_key == self.section.arn_key()
    }

    /// `mapRoles[2]`, for messages.
    pub fn place(&self) -> String {
        format!("{}[{}]", self.section.key(), self.index)
    }
}

/// Something in the data that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The data key (`mapRoles`, ...).
    pub key: String,
    /// The entry, when one entry is at fault.
    pub index: Option<usize>,
    pub message: String,
}

/// The parsed ConfigMap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsAuth {
    /// mapRoles entries, then mapUsers entries, each in written order.
    pub entries: Vec<Entry>,
    /// mapAccounts.
    pub accounts: Vec<String>,
    pub errors: Vec<ParseError>,
}

impl AwsAuth {
    /// The entry that maps `principal` (a canonical ARN) as the
    /// authenticator finds it: literal, case-insensitive, mapRoles before
    /// mapUsers, the last repeated ARN of a section winning.
    pub fn lookup(&self, principal: &str) -> Option<&Entry> {
        [Section::MapRoles, Section::MapUsers]
            .into_iter()
            .find_map(|section| {
                self.entries
                    .iter()
                    .filter(|e| e.section == section && e.key_fits_section())
                    .rfind(|e| e.arn.eq_ignore_ascii_case(principal))
            })
    }

    /// True when mapAccounts lists `account`.
    pub fn maps_account(&self, account: &str) -> bool {
        self.accounts.iter().any(|a| a == account)
    }
}

/// Parses the ConfigMap's `data`.
pub fn parse(data: &BTreeMap<String, String>) -> AwsAuth {
    let mut out = AwsAuth::default();
    for section in [Section::MapRoles, Section::MapUsers] {
        if let Some(text) = data.get(section.key()) {
            parse_section(text, section, &mut out);
        }
    }
    if let Some(text) = data.get(Section::MapAccounts.key()) {
        let key = Section::MapAccounts.key();
        match parse_list(text) {
            Ok(items) => {
                for (i, item) in items.iter().enumerate() {
                    match scalar(item) {
                        Some(a) => out.accounts.push(a),
                        None => out.errors.push(err(key, Some(i), "not an account id")),
                    }
                }
            }
            Err(message) => out.errors.push(err(key, None, &message)),
        }
    }
    out
}

fn err(key: &str, index: Option<usize>, message: &str) -> ParseError {
    ParseError {
        key: key.to_string(),
        index,
        message: message.to_string(),
    }
}

/// A YAML list (empty text or `null`: an empty list); Err is one line.
fn parse_list(text: &str) -> Result<Vec<Value>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    match serde_saphyr::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(Value::Null) => Ok(Vec::new()),
        Ok(_) => Err("not a YAML list".to_string()),
        Err(e) => Err(first_line(&e.to_string())),
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("does not parse")
        .to_string()
}

fn parse_section(text: &str, section: Section, out: &mut AwsAuth) {
    let key = section.key();
    let items = match parse_list(text) {
        Ok(items) => items,
        Err(message) => {
            out.errors.push(err(key, None, &message));
            return;
        }
    };
    for (index, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            out.errors.push(err(key, Some(index), "not a mapping"));
            continue;
        };
        let fields: BTreeMap<String, &Value> = map
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        let arn_key = [section.arn_key(), "rolearn", "userarn"]
            .into_iter()
            .find(|k| fields.contains_key(*k));
        let Some(arn_key) = arn_key else {
            if !fields.contains_key("sso") {
                let m = format!("{} must be supplied", section.arn_key());
                out.errors.push(err(key, Some(index), &m));
            }
            continue;
        };
        let Some(arn) = fields.get(arn_key).and_then(|v| v.as_str()) else {
            out.errors
                .push(err(key, Some(index), &format!("{arn_key} is not a string")));
            continue;
        };
        let username = match fields.get("username") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                out.errors
                    .push(err(key, Some(index), "username is not a string"));
                continue;
            }
        };
        let groups = match fields.get("groups") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(gs)) if gs.iter().all(|g| scalar(g).is_some()) => {
                gs.iter().filter_map(scalar).collect()
            }
            Some(_) => {
                out.errors
                    .push(err(key, Some(index), "groups is not a list of strings"));
                continue;
            }
        };
        out.entries.push(Entry {
            section,
            index,
            arn_key: arn_key.to_string(),
            arn: arn.trim().to_string(),
            username,
            groups,
        });
    }
}

/// A scalar as the authenticator would read it into a string (account ids
/// are often written unquoted, as numbers).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const ROLES: &str = "- rolearn: arn:aws:iam::111122223333:role/Dev\n  username: dev:{{SessionName}}\n  groups:\n    - system:masters\n- rolearn: arn:aws:iam::111122223333:role/NodeRole\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n";

    #[test]
    fn parses_roles_users_and_accounts() {
        let a = parse(&data(&[
            ("mapRoles", ROLES),
            (
                "mapUsers",
                "- userarn: arn:aws:iam::111122223333:user/bob\n  username: bob\n",
            ),
            ("mapAccounts", "- 111122223333\n- \"444455556666\"\n"),
        ]));
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        assert_eq!(a.entries.len(), 3);
        assert_eq!(a.entries[0].section, Section::MapRoles);
        assert_eq!(
            a.entries[0].username.as_deref(),
            Some("dev:{{SessionName}}")
        );
        assert_eq!(a.entries[0].groups, vec!["system:masters"]);
        assert_eq!(
            a.entries[1].groups,
            vec!["system:bootstrappers", "system:nodes"]
        );
        assert_eq!(a.entries[2].section, Section::MapUsers);
        assert_eq!(a.accounts, vec!["111122223333", "444455556666"]);
        assert!(a.maps_account("444455556666"));
    }

    #[test]
    fn lookup_is_literal_case_insensitive_roles_first() {
        let a = parse(&data(&[
            (
                "mapRoles",
                "- rolearn: arn:aws:iam::1:role/Dev\n  username: from-roles\n- rolearn: arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/X\n",
            ),
            (
                "mapUsers",
                "- userarn: arn:aws:iam::1:role/Dev\n  username: from-users\n",
            ),
        ]));
        assert_eq!(
            a.lookup("ARN:AWS:IAM::1:ROLE/DEV")
                .unwrap()
                .username
                .as_deref(),
            Some("from-roles")
        );
        assert!(
            a.lookup("arn:aws:iam::1:role/X").is_none(),
            "a path never matches"
        );
    }

    #[test]
    fn last_repeated_arn_wins() {
        let a = parse(&data(&[(
            "mapRoles",
            "- rolearn: arn:aws:iam::1:role/Dev\n  username: first\n- rolearn: arn:aws:iam::1:role/dev\n  username: second\n",
        )]));
        assert_eq!(
            a.lookup("arn:aws:iam::1:role/Dev")
                .unwrap()
                .username
                .as_deref(),
            Some("second")
        );
    }

    #[test]
    fn keys_are_case_insensitive() {
        let a = parse(&data(&[(
            "mapRoles",
            "- roleARN: arn:aws:iam::1:role/Dev\n  UserName: dev\n",
        )]));
        assert_eq!(
            a.lookup("arn:aws:iam::1:role/Dev")
                .unwrap()
                .username
                .as_deref(),
            Some("dev")
        );
    }

    #[test]
    fn an_arn_under_the_other_sections_key_is_kept_but_never_matches() {
        let a = parse(&data(&[(
            "mapUsers",
            "- rolearn: arn:aws:iam::1:role/Dev\n  username: dev\n",
        )]));
        assert!(a.errors.is_empty());
        assert!(!a.entries[0].key_fits_section());
        assert!(a.lookup("arn:aws:iam::1:role/Dev").is_none());
    }

    #[test]
    fn errors_name_the_key_and_entry() {
        let cases = [
            ("broken_yaml", "mapRoles", "- rolearn: [unclosed\n", None),
            (
                "not_a_list",
                "mapRoles",
                "rolearn: arn:aws:iam::1:role/Dev\n",
                None,
            ),
            (
                "entry_not_a_mapping",
                "mapRoles",
                "- just a string\n",
                Some(0),
            ),
            ("arn_missing", "mapRoles", "- username: dev\n", Some(0)),
            (
                "groups_not_a_list",
                "mapUsers",
                "- userarn: arn:aws:iam::1:user/b\n  groups: system:masters\n",
                Some(0),
            ),
            ("account_not_scalar", "mapAccounts", "- [1]\n", Some(0)),
            (
                "tab_indentation",
                "mapRoles",
                "- rolearn: a\n\tusername: b\n",
                None,
            ),
        ];
        for (name, key, text, index) in cases {
            let a = parse(&data(&[(key, text)]));
            assert_eq!(a.errors.len(), 1, "{name}: {:?}", a.errors);
            assert_eq!(a.errors[0].key, key, "{name}");
            assert_eq!(a.errors[0].index, index, "{name}");
            assert!(!a.errors[0].message.contains('\n'), "{name}: one line");
        }
    }

    #[test]
    fn empty_sections_are_fine() {
        let a = parse(&data(&[
            ("mapRoles", ""),
            ("mapUsers", "[]"),
            ("mapAccounts", "null"),
        ]));
        assert_eq!(a, AwsAuth::default());
    }
}
