//! The `why -o json` runner and what reads its report.

use super::*;
use serde_json::Value;

/// A finished `why -o json`.
#[derive(Debug)]
pub struct WhyRun {
    pub code: i32,
    pub report: Value,
    pub stdout: String,
    pub stderr: String,
}

/// `why -o json ARGS` in the sandbox, with `--timeout 20` unless ARGS name
/// a timeout, failing the test if it outlives `limit` or prints no JSON.
pub fn why_run(sb: &Sandbox, args: &[&str], limit: Duration) -> WhyRun {
    let mut all = vec!["why", "-o", "json"];
    if !args.contains(&"--timeout") {
        all.extend(["--timeout", "20"]);
    }
    all.extend_from_slice(args);
    let r = run_within(sb.eksauth(&all), limit);
    let report: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "why printed no JSON ({e}):\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        )
    });
    WhyRun {
        code: r.code,
        report,
        stdout: r.stdout,
        stderr: r.stderr,
    }
}

/// `why -o json ARGS` (see [`why_run`]) with the 60-second hang guard:
/// the exit code and the report.
pub fn why(sb: &Sandbox, args: &[&str]) -> (i32, Value) {
    let w = why_run(sb, args, Duration::from_secs(60));
    (w.code, w.report)
}

/// `why --service-account SA` as the admin user, in the example world
/// `edit` makes: the exit code and the report.
pub fn diagnose(edit: impl Fn(String) -> String, sa: &str) -> (i32, Value) {
    let sim = world(edit);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    why(&sb, &["--service-account", sa])
}

/// Asserts `code` is the verdict (an error, exit 1); returns its finding.
pub fn expect(report: &(i32, Value), code: &str) -> Value {
    let f = finding(&report.1, code, "error").clone();
    assert_verdict(report.0, &report.1, code, 1);
    f
}

/// The finding of `code`, asserting it is there with `severity`.
pub fn finding<'a>(report: &'a Value, code: &str, severity: &str) -> &'a Value {
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code);
    let f = f.unwrap_or_else(|| {
        panic!(
            "no finding {code} in\n{}",
            serde_json::to_string_pretty(report).unwrap()
        )
    });
    assert_eq!(f["severity"], severity, "{code}: {f}");
    f
}

/// Asserts the verdict and the exit status.
pub fn assert_verdict(code: i32, report: &Value, verdict: &str, exit: i32) {
    assert_eq!(report["schema"], "eksauth.why/v1");
    assert_eq!(
        report["verdict"],
        verdict,
        "{}",
        serde_json::to_string_pretty(report).unwrap()
    );
    assert_eq!(code, exit, "exit status");
}

/// The codes of the error findings.
pub fn errors(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// The codes of every finding.
pub fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// Whether the report has a finding of `code` (any severity).
pub fn has_finding(report: &Value, code: &str) -> bool {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == code)
}

/// The text of a finding's field.
pub fn text<'a>(f: &'a Value, field: &str) -> &'a str {
    f[field].as_str().unwrap_or_default()
}

/// The YAML between a remedy's `<<'EOF'` and `EOF` lines.
pub fn heredoc(remedy: &str) -> String {
    let start = remedy.find("<<'EOF'\n").expect("a heredoc in the remedy") + 8;
    let end = remedy[start..].find("\nEOF").unwrap() + start;
    remedy[start..end].to_string()
}

/// RBAC objects of a remedy as fixture list items under `cluster.rbac`.
pub fn as_fixture_rbac(yaml: &str) -> String {
    yaml.split("---\n")
        .map(|doc| {
            let mut lines = doc.lines();
            let mut out = format!("    - {}\n", lines.next().unwrap());
            for l in lines {
                out.push_str(&format!("      {l}\n"));
            }
            out
        })
        .collect()
}
