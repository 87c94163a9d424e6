//! From a verified AWS identity to a Kubernetes user, as EKS does it:
//! the implicit cluster-creator admin (mode CONFIG_MAP), access entries
//! (modes API, API_AND_CONFIG_MAP; compared with the entry's role path
//! stripped), then the aws-auth ConfigMap (modes CONFIG_MAP,
//! API_AND_CONFIG_MAP; an entry made for an earlier principal of the same
//! ARN, whose unique ID differs, does not match), then the aws-auth
//! ConfigMap (modes CONFIG_MAP,
//! API_AND_CONFIG_MAP): mapRoles/mapUsers compared case-insensitively and
//! literally with the canonical ARN (so a mapped path never matches), then
//! mapAccounts. Username and group templates are rendered last.

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

use super::ClusterState;
use crate::arn;
use crate::fixture::AccessScope;
use crate::kube::access_policy::Policy;

/// A verified caller, as the authenticator's Identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The STS ARN.
    pub arn: String,
    /// Canonical ARN (assumed-role -> IAM role without path).
    pub canonical_arn: String,
    /// Account id.
    pub account: String,
    /// `AIDA...` / `AROA...` (session part removed).
    pub user_id: String,
    /// Session name ("" for users).
    pub session_name: String,
    /// Access key id that signed the token.
    pub access_key_id: String,
}

/// One mapRoles/mapUsers entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The ARN as written.
    pub arn: String,
    /// Username template.
    pub username: String,
    /// Group templates.
    pub groups: Vec<String>,
}

/// The aws-auth ConfigMap as the authenticator loads it: the entries that
/// parsed and validated, plus the errors (the rest is dropped, as it does).
#[derive(Clone, Debug, Default)]
pub struct AwsAuth {
    /// mapRoles entries (last one wins for a repeated ARN).
    pub roles: Vec<Mapping>,
    /// mapUsers entries.
    pub users: Vec<Mapping>,
    /// mapAccounts.
    pub accounts: Vec<String>,
    /// What did not parse.
    pub errors: Vec<String>,
}

/// How the identity was mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MappedBy {
    /// The implicit cluster-creator admin.
    Creator,
    /// An access entry (index in the cluster's list).
    AccessEntry(usize),
    /// aws-auth mapRoles.
    MapRoles,
    /// aws-auth mapUsers.
    MapUsers,
    /// aws-auth mapAccounts.
    MapAccounts,
}

/// A mapped Kubernetes user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapped {
    /// Username.
    pub username: String,
    /// Groups (without system:authenticated).
    pub groups: Vec<String>,
    /// Access policies of the access entry, if mapped by one.
    pub policies: Vec<(Policy, AccessScope)>,
    /// Which source mapped it.
    pub by: MappedBy,
}

/// Parse the ConfigMap data.
pub fn parse_aws_auth(data: Option<&BTreeMap<String, String>>) -> AwsAuth {
    let mut out = AwsAuth::default();
    let Some(data) = data else { return out };
    if let Some(text) = data.get("mapRoles") {
        out.roles = parse_section(text, "rolearn", "mapRoles", &mut out.errors);
    }
    if let Some(text) = data.get("mapUsers") {
        out.users = parse_section(text, "userarn", "mapUsers", &mut out.errors);
    }
    if let Some(text) = data.get("mapAccounts") {
        match serde_yaml_ng::from_str::<Value>(text) {
            Ok(Value::Sequence(items)) => out.accounts = items.iter().filter_map(scalar).collect(),
            Ok(Value::Null) => {}
            Ok(_) => out.errors.push("mapAccounts: not a list".into()),
            Err(e) => out.errors.push(format!("mapAccounts: {e}")),
        }
    }
    out
}

fn parse_section(
    text: &str,
    arn_key: &str,
    section: &str,
    errors: &mut Vec<String>,
) -> Vec<Mapping> {
    let items = match serde_yaml_ng::from_str::<Value>(text) {
        Ok(Value::Sequence(items)) => items,
        Ok(Value::Null) => return Vec::new(),
        Ok(_) => {
            errors.push(format!("{section}: not a list"));
            return Vec::new();
        }
        Err(e) => {
            errors.push(format!("{section}: {e}"));
            return Vec::new();
        }
    };
    let mut out: Vec<Mapping> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(m) = parse_entry(item, arn_key, section, i, errors) else {
            continue;
        };
        // The authenticator keys entries by lowercase ARN: the last one wins.
        out.retain(|e| !e.arn.eq_ignore_ascii_case(&m.arn));
        out.push(m);
    }
    out
}

/// One entry; keys are matched case-insensitively (Go's encoding/json does).
fn parse_entry(
    item: &Value,
    arn_key: &str,
    section: &str,
    i: usize,
    errors: &mut Vec<String>,
) -> Option<Mapping> {
    let Value::Mapping(map) = item else {
        errors.push(format!("{section}[{i}]: not a mapping"));
        return None;
    };
    let mut m = Mapping {
        arn: String::new(),
        username: String::new(),
        groups: Vec::new(),
    };
    for (k, v) in map {
        let Some(key) = k.as_str().map(str::to_ascii_lowercase) else {
            continue;
        };
        match (key.as_str(), v) {
            (k, Value::String(s)) if k == arn_key => m.arn = s.clone(),
            ("username", Value::String(s)) => m.username = s.clone(),
            ("groups", Value::Sequence(gs)) => m.groups = gs.iter().filter_map(scalar).collect(),
            (k, _) if k == arn_key || k == "username" || k == "groups" => {
                errors.push(format!("{section}[{i}]: {k} has the wrong type"));
            }
            _ => {}
        }
    }
    if m.arn.is_empty() {
        errors.push(format!("{section}[{i}]: {arn_key} must be supplied"));
        return None;
    }
    Some(m)
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Map an identity on the cluster; Err says why not (for the log).
pub fn map_identity(id: &Identity, cluster: &ClusterState) -> Result<Mapped, String> {
    let (username, groups, policies, by) = find_mapping(id, cluster)?;
    let username = render(&username, id)?;
    let groups = groups
        .iter()
        .map(|g| render(g, id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Mapped {
        username,
        groups,
        policies,
        by,
    })
}

type Found = (String, Vec<String>, Vec<(Policy, AccessScope)>, MappedBy);

fn find_mapping(id: &Identity, cluster: &ClusterState) -> Result<Found, String> {
    let canonical = &id.canonical_arn;
    let mode = cluster.mode;
    if !mode.uses_access_entries()
        && let Some(creator) = &cluster.creator_arn
        && arn::strip_role_path(creator).eq_ignore_ascii_case(canonical)
    {
        return Ok((
            "kubernetes-admin".into(),
            vec!["system:masters".into()],
            vec![],
            MappedBy::Creator,
        ));
    }
    if mode.uses_access_entries() {
        for (i, entry) in cluster.access_entries.iter().enumerate() {
            let same_principal = entry
                .principal_id
                .as_ref()
                .is_none_or(|pid| pid == &id.user_id);
            if arn::strip_role_path(&entry.principal_arn).eq_ignore_ascii_case(canonical)
                && same_principal
            {
                let username = entry
                    .username
                    .clone()
                    .unwrap_or_else(|| default_entry_username(&entry.principal_arn));
                let policies = entry
                    .access_policies
                    .iter()
                    .filter_map(|a| Some((Policy::parse(&a.policy)?, a.scope.clone())))
                    .collect();
                return Ok((
                    username,
                    entry.kubernetes_groups.clone(),
                    policies,
                    MappedBy::AccessEntry(i),
                ));
            }
        }
    }
    if mode.uses_config_map() {
        let auth = &cluster.aws_auth;
        let found = |list: &[Mapping]| {
            list.iter()
                .find(|m| m.arn.eq_ignore_ascii_case(canonical))
                .cloned()
        };
        if let Some(m) = found(&auth.roles) {
            return Ok((m.username, m.groups, vec![], MappedBy::MapRoles));
        }
        if let Some(m) = found(&auth.users) {
            return Ok((m.username, m.groups, vec![], MappedBy::MapUsers));
        }
        if auth.accounts.contains(&id.account) {
            return Ok((canonical.clone(), vec![], vec![], MappedBy::MapAccounts));
        }
    }
    Err(format!("identity {canonical} is not mapped"))
}

/// EKS's default username of an access entry: the user ARN, or for a role
/// its session ARN with `{{SessionName}}`.
pub fn default_entry_username(principal_arn: &str) -> String {
    match arn::Arn::parse(principal_arn) {
        Some(a) => match a.role_path_and_name() {
            Some((_, name)) => format!(
                "arn:{}:sts::{}:assumed-role/{name}/{{{{SessionName}}}}",
                a.partition, a.account
            ),
            None => principal_arn.to_string(),
        },
        None => principal_arn.to_string(),
    }
}

/// Render `{{AccountID}}`, `{{SessionName}}` (`@` -> `-`), `{{SessionNameRaw}}`
/// and `{{AccessKeyID}}`. `{{EC2PrivateDNSName}}` needs EC2 and fails here.
pub fn render(template: &str, id: &Identity) -> Result<String, String> {
    if template.contains("{{EC2PrivateDNSName}}") {
        return Err(format!(
            "error rendering template {template:?}: EC2PrivateDNSName is not simulated"
        ));
    }
    Ok(template
        .replace("{{AccountID}}", &id.account)
        .replace("{{SessionNameRaw}}", &id.session_name)
        .replace("{{SessionName}}", &id.session_name.replace('@', "-"))
        .replace("{{AccessKeyID}}", &id.access_key_id))
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
