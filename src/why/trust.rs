//! IAM trust policy evaluation for IAM roles for service accounts: does a
//! role's trust policy let the cluster's OIDC provider assume it with
//! `sts:AssumeRoleWithWebIdentity` for this service account's token?
//!
//! Evaluated as IAM does for that call: an explicit Deny wins; else some
//! Allow statement must match the principal (`Federated` = the provider
//! ARN, or `*`), the action (`Action`/`NotAction`, with `*` and `?`) and
//! every condition (operators AND-ed, keys AND-ed, values OR-ed; keys
//! compared case-insensitively; `StringEquals`, `StringLike` with `*` and
//! `?`, their `Not` and `IgnoreCase` forms, `...IfExists`, `Null`,
//! `ForAnyValue:`/`ForAllValues:` on the single-valued `sub` and `aud`).
//! When nothing allows, the closest Allow statement says what is wrong.
//! Pure: a JSON document in, an [`Evaluation`] out.

use crate::domain::wildcard;
use serde_json::{Value, json};

/// The action a pod's SDK calls.
pub const WEB_IDENTITY_ACTION: &str = "sts:AssumeRoleWithWebIdentity";

/// What the token of a service account presents to STS.
#[derive(Debug, Clone)]
pub struct WebIdentity<'a> {
    /// `arn:aws:iam::A:oidc-provider/oidc.eks.R.amazonaws.com/id/ID`.
    pub provider_arn: &'a str,
    /// The issuer without `https://` (the condition keys' prefix).
    pub issuer: &'a str,
    /// `system:serviceaccount:NS:NAME`.
    pub sub: &'a str,
    /// `sts.amazonaws.com`.
    pub aud: &'a str,
}

/// What keeps a statement from applying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    Principal,
    Action,
    Subject,
    Audience,
}

/// The outcome of evaluating a trust policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// True when an Allow statement matches and no Deny does.
    pub allowed: bool,
    /// Indexes of the Deny statements that match, each with what it keys on.
    pub denied_by: Vec<(usize, Problem)>,
    /// When no Allow matches: the closest Allow statement's index (if any)
    /// and what fails in it.
    pub closest: Option<usize>,
    pub problems: Vec<Problem>,
}

/// All the problems, Allow and Deny alike, sorted and once each.
impl Evaluation {
    pub fn all_problems(&self) -> Vec<Problem> {
        let mut out: Vec<Problem> = self.problems.clone();
        out.extend(self.denied_by.iter().map(|(_, p)| *p));
        out.sort();
        out.dedup();
        out
    }
}

fn statements(doc: &Value) -> Vec<&Value> {
    match &doc["Statement"] {
        Value::Array(a) => a.iter().collect(),
        v @ Value::Object(_) => vec![v],
        _ => vec![],
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Null => vec![],
        other => vec![other.to_string()],
    }
}

fn principal_matches(st: &Value, who: &WebIdentity<'_>) -> bool {
    match &st["Principal"] {
        Value::String(s) => s == "*",
        Value::Object(o) => o.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("Federated") && strings(v).iter().any(|p| p == who.provider_arn)
        }),
        _ => false,
    }
}

fn action_matches(st: &Value) -> bool {
    let hit = |v: &Value| {
        strings(v)
            .iter()
            .any(|a| wildcard::iam_like_ignore_case(a, WEB_IDENTITY_ACTION))
    };
    if !st["Action"].is_null() {
        hit(&st["Action"])
    } else if !st["NotAction"].is_null() {
        !hit(&st["NotAction"])
    } else {
        false
    }
}

/// The problem a condition key stands for.
fn key_problem(key: &str) -> Problem {
    if key.to_ascii_lowercase().ends_with(":aud") {
        Problem::Audience
    } else {
        Problem::Subject
    }
}

/// The token's value for a condition key, if it has one.
fn context_value<'a>(key: &str, who: &WebIdentity<'a>) -> Option<&'a str> {
    let k = key.to_ascii_lowercase();
    let issuer = who.issuer.to_ascii_lowercase();
    if k == format!("{issuer}:sub") {
        Some(who.sub)
    } else if k == format!("{issuer}:aud") {
        Some(who.aud)
    } else {
        None
    }
}

/// One operator on one key.
fn condition_holds(op: &str, key: &str, values: &[String], who: &WebIdentity<'_>) -> bool {
    let op = op
        .strip_prefix("ForAnyValue:")
        .or_else(|| op.strip_prefix("ForAllValues:"))
        .unwrap_or(op);
    let (op, if_exists) = match op.strip_suffix("IfExists") {
        Some(o) => (o, true),
        None => (op, false),
    };
    let actual = context_value(key, who);
    if op == "Null" {
        let want_missing = values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return actual.is_none() == want_missing;
    }
    let Some(actual) = actual else {
        return if_exists || op.starts_with("StringNot");
    };
    let any = |f: &dyn Fn(&str) -> bool| values.iter().any(|v| f(v));
    match op {
        "StringEquals" => any(&|v| v == actual),
        "StringNotEquals" => !any(&|v| v == actual),
        "StringEqualsIgnoreCase" => any(&|v| v.eq_ignore_ascii_case(actual)),
        "StringNotEqualsIgnoreCase" => !any(&|v| v.eq_ignore_ascii_case(actual)),
        "StringLike" => any(&|v| wildcard::iam_like(v, actual)),
        "StringNotLike" => !any(&|v| wildcard::iam_like(v, actual)),
        _ => false, // an operator that cannot apply to these string keys
    }
}

/// The problems of a statement's conditions (empty: they all hold).
fn condition_problems(st: &Value, who: &WebIdentity<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Value::Object(ops) = &st["Condition"] {
        for (op, keys) in ops {
            if let Value::Object(keys) = keys {
                for (key, values) in keys {
                    if !condition_holds(op, key, &strings(values), who) {
                        out.push(key_problem(key));
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What a Deny statement keys on: its conditions, else the action.
fn deny_problem(st: &Value) -> Problem {
    let keys: Vec<String> = match &st["Condition"] {
        Value::Object(ops) => ops
            .values()
            .filter_map(Value::as_object)
            .flat_map(|k| k.keys().cloned())
            .collect(),
        _ => vec![],
    };
    keys.iter()
        .map(|k| key_problem(k))
        .min()
        .unwrap_or(Problem::Action)
}

/// Evaluates `doc` (a trust policy) for the web identity `who`.
pub fn evaluate(doc: &Value, who: &WebIdentity<'_>) -> Evaluation {
    let mut denied_by = Vec::new();
    let mut allowed = false;
    let mut closest: Option<(usize, Vec<Problem>)> = None;
    for (i, st) in statements(doc).into_iter().enumerate() {
        let mut problems = condition_problems(st, who);
        if !action_matches(st) {
            problems.insert(0, Problem::Action);
        }
        if !principal_matches(st, who) {
            problems.insert(0, Problem::Principal);
        }
        let deny = st["Effect"]
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case("Deny"));
        if deny {
            if problems.is_empty() {
                denied_by.push((i, deny_problem(st)));
            }
        } else if problems.is_empty() {
            allowed = true;
        } else if closest
            .as_ref()
            .is_none_or(|(_, p)| problems.len() < p.len())
        {
            closest = Some((i, problems));
        }
    }
    let (closest, problems) = match (allowed, closest) {
        (true, _) => (None, vec![]),
        (false, Some((i, p))) => (Some(i), p),
        (false, None) => (None, vec![Problem::Action]),
    };
    Evaluation {
        allowed: allowed && denied_by.is_empty(),
        denied_by,
        closest,
        problems,
    }
}

/// The statement that lets `who` in.
pub fn canonical_statement(who: &WebIdentity<'_>) -> Value {
    json!({
        "Effect": "Allow",
        "Principal": {"Federated": who.provider_arn},
        "Action": WEB_IDENTITY_ACTION,
        "Condition": {"StringEquals": {
            format!("{}:sub", who.issuer): who.sub,
            format!("{}:aud", who.issuer): who.aud,
        }}
    })
}

/// The trust policy corrected: the Deny statements that match removed,
/// and, when no Allow matches, the statement that lets `who` in added
/// (other statements, for other service accounts, are kept).
pub fn corrected(doc: &Value, who: &WebIdentity<'_>) -> Value {
    let ev = evaluate(doc, who);
    let mut kept: Vec<Value> = statements(doc)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !ev.denied_by.iter().any(|(d, _)| d == i))
        .map(|(_, s)| s.clone())
        .collect();
    if !ev.problems.is_empty() {
        kept.push(canonical_statement(who));
    }
    let version = doc["Version"].as_str().unwrap_or("2012-10-17");
    json!({"Version": version, "Statement": kept})
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "oidc.eks.us-west-2.amazonaws.com/id/5E1D";
    const PROVIDER: &str =
        "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/5E1D";

    fn who(sub: &'static str) -> WebIdentity<'static> {
        WebIdentity {
            provider_arn: PROVIDER,
            issuer: ISSUER,
            sub,
            aud: "sts.amazonaws.com",
        }
    }

    fn allow(op: &str, sub: Value, aud: Option<&str>) -> Value {
        let mut keys = json!({format!("{ISSUER}:sub"): sub});
        if let Some(a) = aud {
            keys[format!("{ISSUER}:aud")] = json!(a);
        }
        json!({"Effect": "Allow", "Principal": {"Federated": PROVIDER},
               "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {op: keys}})
    }

    fn doc(statements: Vec<Value>) -> Value {
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    #[test]
    fn trust_policy_cases() {
        use Problem::*;
        let sa = "system:serviceaccount:dev:app";
        let deny_sub = json!({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {format!("{ISSUER}:sub"): "system:serviceaccount:dev:*"}}});
        let cases: Vec<(&str, Value, bool, Vec<Problem>)> = vec![
            (
                "string_equals_allows",
                doc(vec![allow(
                    "StringEquals",
                    json!(sa),
                    Some("sts.amazonaws.com"),
                )]),
                true,
                vec![],
            ),
            (
                "string_equals_other_sa",
                doc(vec![allow(
                    "StringEquals",
                    json!("system:serviceaccount:dev:other"),
                    None,
                )]),
                false,
                vec![Subject],
            ),
            (
                "string_equals_is_not_a_pattern",
                doc(vec![allow(
                    "StringEquals",
                    json!("system:serviceaccount:dev:*"),
                    None,
                )]),
                false,
                vec![Subject],
            ),
            (
                "string_like_star",
                doc(vec![allow(
                    "StringLike",
                    json!("system:serviceaccount:dev:*"),
                    None,
                )]),
                true,
                vec![],
            ),
            (
                "string_like_question",
                doc(vec![allow(
                    "StringLike",
                    json!("system:serviceaccount:dev:a?p"),
                    None,
                )]),
                true,
                vec![],
            ),
            (
                "string_like_question_is_one_char",
                doc(vec![allow(
                    "StringLike",
                    json!("system:serviceaccount:dev:a?"),
                    None,
                )]),
                false,
                vec![Subject],
            ),
            (
                "values_are_ored",
                doc(vec![allow(
                    "StringEquals",
                    json!(["system:serviceaccount:x:y", sa]),
                    None,
                )]),
                true,
                vec![],
            ),
            (
                "wrong_audience",
                doc(vec![allow(
                    "StringEquals",
                    json!(sa),
                    Some("sts.amazonaws.com.cn"),
                )]),
                false,
                vec![Audience],
            ),
            (
                "second_statement_allows",
                doc(vec![
                    allow("StringEquals", json!("system:serviceaccount:a:b"), None),
                    allow("StringEquals", json!(sa), None),
                ]),
                true,
                vec![],
            ),
            (
                "deny_wins",
                doc(vec![
                    allow("StringEquals", json!(sa), None),
                    deny_sub.clone(),
                ]),
                false,
                vec![Subject],
            ),
            (
                "condition_key_of_another_issuer",
                doc(vec![
                    json!({"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"oidc.eks.us-west-2.amazonaws.com/id/OLD:sub": sa}}}),
                ]),
                false,
                vec![Subject],
            ),
            (
                "other_provider",
                doc(vec![
                    json!({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/OLD"},
                "Action": "sts:AssumeRoleWithWebIdentity"}),
                ]),
                false,
                vec![Principal],
            ),
            (
                "assume_role_action",
                doc(vec![
                    json!({"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRole"}),
                ]),
                false,
                vec![Action],
            ),
            (
                "action_wildcard",
                doc(vec![
                    json!({"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWith*"}),
                ]),
                true,
                vec![],
            ),
            (
                "keys_case_insensitive",
                doc(vec![
                    json!({"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {format!("{}:SUB", ISSUER.to_uppercase()): sa}}}),
                ]),
                true,
                vec![],
            ),
            (
                "string_not_equals",
                doc(vec![
                    json!({"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringNotEquals": {format!("{ISSUER}:sub"): sa}}}),
                ]),
                false,
                vec![Subject],
            ),
            ("empty_policy", doc(vec![]), false, vec![Action]),
        ];
        for (name, d, want, problems) in cases {
            let ev = evaluate(&d, &who(sa));
            assert_eq!(ev.allowed, want, "{name}: {ev:?}");
            assert_eq!(ev.all_problems(), problems, "{name}");
            let fixed = corrected(&d, &who(sa));
            assert!(
                evaluate(&fixed, &who(sa)).allowed,
                "{name}: the correction lets it in"
            );
        }
    }

    #[test]
    fn correction_keeps_other_service_accounts() {
        let other = allow("StringEquals", json!("system:serviceaccount:a:b"), None);
        let fixed = corrected(
            &doc(vec![other.clone()]),
            &who("system:serviceaccount:dev:app"),
        );
        let sts = fixed["Statement"].as_array().unwrap();
        assert_eq!(sts.len(), 2);
        assert_eq!(sts[0], other);
    }
}
