//! Server-side printing: the `Table` (meta.k8s.io/v1) kubectl asks for with
//! `Accept: ...;as=Table`, with the columns `kubectl get` shows for each
//! stored kind, and each row's object as PartialObjectMetadata (kubectl
//! reads the namespace column of `-A` from it).

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::objects::{Kind, meta};

/// A Table of `items` of `kind` at `now`.
pub fn table(kind: &Kind, items: &[&Value], now: OffsetDateTime) -> Value {
    let columns: Vec<Value> = headers(kind)
        .iter()
        .map(|(name, format)| {
            json!({"name": name, "type": "string", "format": format, "description": "", "priority": 0})
        })
        .collect();
    let rows: Vec<Value> = items
        .iter()
        .map(|v| {
            let object = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                "metadata": v["metadata"]});
            json!({"cells": cells(kind, v, now), "object": object})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1",
           "metadata": {"resourceVersion": "1"}, "columnDefinitions": columns, "rows": rows})
}

fn headers(kind: &Kind) -> &'static [(&'static str, &'static str)] {
    match kind.resource {
        "pods" => &[
            ("Name", "name"),
            ("Ready", ""),
            ("Status", ""),
            ("Restarts", ""),
            ("Age", ""),
        ],
        "serviceaccounts" => &[("Name", "name"), ("Secrets", ""), ("Age", "")],
        "configmaps" => &[("Name", "name"), ("Data", ""), ("Age", "")],
        "secrets" => &[("Name", "name"), ("Type", ""), ("Data", ""), ("Age", "")],
        "namespaces" => &[("Name", "name"), ("Status", ""), ("Age", "")],
        "rolebindings" | "clusterrolebindings" => &[("Name", "name"), ("Role", ""), ("Age", "")],
        _ => &[("Name", "name"), ("Created At", "date")],
    }
}

fn cells(kind: &Kind, v: &Value, now: OffsetDateTime) -> Vec<Value> {
    let name = json!(meta(v, "name"));
    let created = meta(v, "creationTimestamp");
    let age = json!(
        crate::timefmt::parse_rfc3339(&created)
            .map_or("<unknown>".to_string(), |t| human_age(now - t))
    );
    let count = |field: &str| json!(v[field].as_object().map_or(0, |m| m.len()));
    match kind.resource {
        "pods" => {
            let containers = v["spec"]["containers"].as_array().map_or(1, Vec::len);
            let phase = v["status"]["phase"].as_str().unwrap_or("Running");
            let ready = if phase == "Running" { containers } else { 0 };
            vec![
                name,
                json!(format!("{ready}/{containers}")),
                json!(phase),
                json!(0),
                age,
            ]
        }
        "serviceaccounts" => vec![
            name,
            json!(v["secrets"].as_array().map_or(0, Vec::len)),
            age,
        ],
        "configmaps" => vec![name, count("data"), age],
        "secrets" => vec![
            name,
            json!(v["type"].as_str().unwrap_or("Opaque")),
            count("data"),
            age,
        ],
        "namespaces" => vec![
            name,
            json!(v["status"]["phase"].as_str().unwrap_or("Active")),
            age,
        ],
        "rolebindings" | "clusterrolebindings" => {
            let role = format!(
                "{}/{}",
                v["roleRef"]["kind"].as_str().unwrap_or(""),
                v["roleRef"]["name"].as_str().unwrap_or("")
            );
            vec![name, json!(role), age]
        }
        _ => vec![name, json!(created)],
    }
}

/// kubectl's short human duration: `45s`, `3m12s`, `25m`, `5h3m`, `20h`,
/// `3d4h`, `12d`, `2y`.
pub fn human_age(d: time::Duration) -> String {
    let s = d.whole_seconds().max(0);
    let (m, h, days) = (s / 60, s / 3600, s / 86_400);
    match s {
        _ if s < 120 => format!("{s}s"),
        _ if m < 10 => format!("{m}m{}s", s % 60),
        _ if h < 3 => format!("{m}m"),
        _ if h < 8 => format!("{h}h{}m", m % 60),
        _ if h < 48 => format!("{h}h"),
        _ if days < 8 => format!("{days}d{}h", h % 24),
        _ if days < 730 => format!("{days}d"),
        _ => format!("{}y", days / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_age_cases() {
        let cases = [
            ("seconds", 45, "45s"),
            ("minutes_and_seconds", 192, "3m12s"),
            ("minutes", 1500, "25m"),
            ("hours_and_minutes", 5 * 3600 + 180, "5h3m"),
            ("hours", 20 * 3600, "20h"),
            ("days_and_hours", 3 * 86_400 + 4 * 3600, "3d4h"),
            ("days", 12 * 86_400, "12d"),
        ];
        for (name, secs, want) in cases {
            assert_eq!(human_age(time::Duration::seconds(secs)), want, "{name}");
        }
    }
}
