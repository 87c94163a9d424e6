//! The report of `why`: the findings, the verdict, and its two renderings.
//!
//! The verdict is the code of the most fundamental error, picked by the
//! rank of each code's rule (what breaks first on kubectl's way to the
//! cluster, and the specific cause before the symptom: see
//! [`super::finding::Rule::rank`]); `ok` when no finding is an error. JSON
//! is the contract's shape (`eksauth.why/v1`); text is for people: the
//! answer on the first line, then its fix, then every check by area (the
//! "✓" line the checks emitted for it, then its findings), in lines under
//! 100 columns. Nothing here judges evidence, does I/O or sees a secret:
//! the report is built from findings and non-secret evidence.

use super::checks::{self, caller};
use super::evidence::{Evidence, Review};
use super::finding::{Area, Code, Finding, Severity};
use crate::redact::Redactor;
use serde::Serialize;

/// The schema of one report.
pub const SCHEMA: &str = "eksauth.why/v1";
/// The schema of `--all-contexts`.
pub const SCHEMA_ALL: &str = "eksauth.why-all/v1";

/// Text lines stay under 100 columns.
const WIDTH: usize = 99;

/// The cluster a report is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClusterSummary {
    pub name: Option<String>,
    pub region: Option<String>,
    pub server: Option<String>,
}

/// Who signed the token, per STS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentitySummary {
    pub arn: String,
    pub principal_arn: String,
    pub account: String,
    pub user_id: String,
}

/// One diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub context: Option<String>,
    pub cluster: ClusterSummary,
    pub identity: Option<IdentitySummary>,
    /// Every finding; those of severity `ok` (the "✓" lines) are text only.
    #[serde(serialize_with = "ser_findings")]
    pub findings: Vec<Finding>,
    pub verdict: String,
    /// The Kubernetes username the cluster gave (text only).
    #[serde(skip)]
    pub username: Option<String>,
}

impl Report {
    /// The report of `findings` (from [`checks::run_all`]) on `e`.
    pub fn from_evidence(e: &Evidence, findings: Vec<Finding>) -> Report {
        let verdict = verdict(&findings).map_or_else(|| "ok".to_string(), |c| c.name().to_string());
        let username = match e.server.as_ref().and_then(|s| s.review.as_ref()) {
            Some(Review::Authenticated { username, .. }) => Some(username.clone()),
            _ => None,
        };
        Report {
            schema: SCHEMA,
            context: e.kubeconfig.context.clone(),
            cluster: ClusterSummary {
                name: checks::cluster_name(e),
                region: checks::region(e),
                server: e
                    .kubeconfig
                    .server
                    .clone()
                    .or_else(|| e.server.as_ref().map(|s| s.server.clone())),
            },
            identity: caller(e).map(|c| IdentitySummary {
                arn: c.arn,
                principal_arn: c.principal,
                account: c.account,
                user_id: c.user_id,
            }),
            findings,
            verdict,
            username,
        }
    }

    /// Everything shown, with secrets removed and control characters
    /// escaped (see [`crate::redact`]); done once, before rendering, so a
    /// wrapped line cannot split a secret out of reach.
    pub fn redact(&mut self, r: &Redactor) {
        let line = |s: &mut String| *s = r.line(s);
        let opt = |s: &mut Option<String>| {
            if let Some(v) = s.as_mut() {
                *v = r.line(v);
            }
        };
        opt(&mut self.context);
        opt(&mut self.cluster.name);
        opt(&mut self.cluster.region);
        opt(&mut self.cluster.server);
        opt(&mut self.username);
        if let Some(id) = self.identity.as_mut() {
            for s in [
                &mut id.arn,
                &mut id.principal_arn,
                &mut id.account,
                &mut id.user_id,
            ] {
                line(s);
            }
        }
        for f in &mut self.findings {
            line(&mut f.title);
            f.detail = r.text(&f.detail);
            f.remedy = r.text(&f.remedy);
            redact_json(&mut f.evidence, r);
        }
    }

    /// The verdict's finding, when the verdict is an error.
    pub fn verdict_finding(&self) -> Option<&Finding> {
        self.findings
            .iter()
            .find(|f| f.severity == Severity::Error && f.code.name() == self.verdict)
    }

    /// `why`'s exit status: 1 when a finding is an error, else 0.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.findings.iter().any(|f| f.severity == Severity::Error))
    }

    /// Pretty JSON, as the contract shows it.
    pub fn render_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The one-line answer: the verdict's title, or what works.
    pub fn answer(&self) -> String {
        if let Some(f) = self.verdict_finding() {
            return f.title.clone();
        }
        if let Some(f) = self.findings.iter().find(|f| {
            f.severity == Severity::Ok
                && f.code.area() == Area::Authorization
                && f.title.starts_with("you may")
        }) {
            return format!("OK: {}", f.title);
        }
        let cluster = self.cluster.name.as_deref().unwrap_or("the cluster");
        match (&self.username, &self.identity) {
            (Some(user), Some(id)) => format!(
                "OK: {} can reach cluster {cluster} as {user}",
                short_principal(&id.principal_arn)
            ),
            (Some(user), None) => format!("OK: you can reach cluster {cluster} as {user}"),
            _ => format!(
                "OK: no problem found for context {}",
                self.context.as_deref().unwrap_or("(none)")
            ),
        }
    }

    /// Text for people; `color` adds ANSI colours to the marks.
    pub fn render_text(&self, color: bool) -> String {
        let paint = Paint(color);
        let mut out = Vec::new();
        let top = self.verdict_finding();
        let answer_color = if top.is_some() { RED } else { GREEN };
        for (i, line) in wrap(&self.answer(), "", "  ").into_iter().enumerate() {
            out.push(if i == 0 {
                paint.bold(answer_color, &line)
            } else {
                line
            });
        }
        if let Some(f) = top.filter(|f| !f.remedy.is_empty()) {
            out.push("Fix:".to_string());
            out.extend(remedy_lines(&f.remedy, "  "));
        }
        out.push(String::new());
        out.extend(self.about());
        for area in AREAS {
            let (passed, here): (Vec<&Finding>, Vec<&Finding>) = self
                .findings
                .iter()
                .filter(|f| f.code.area() == area)
                .partition(|f| f.severity == Severity::Ok);
            let clean = here.iter().all(|f| f.severity < Severity::Warning);
            if here.is_empty() && passed.is_empty() {
                continue;
            }
            out.push(String::new());
            out.push(area.title().to_string());
            // The area's "✓" line first, when nothing in it is wrong.
            if let (true, Some(f)) = (clean, passed.first()) {
                out.extend(wrap(
                    &f.title,
                    &format!("  {} ", paint.mark(Severity::Ok)),
                    "    ",
                ));
            }
            for f in here {
                out.extend(self.finding_lines(f, paint));
            }
        }
        out.join("\n")
    }

    /// `Context: X` and `Cluster: C in R, SERVER`.
    fn about(&self) -> Vec<String> {
        let mut out = wrap(
            &format!("Context: {}", self.context.as_deref().unwrap_or("(none)")),
            "",
            "  ",
        );
        let mut s = format!(
            "Cluster: {}",
            self.cluster.name.as_deref().unwrap_or("(unknown)")
        );
        if let Some(r) = &self.cluster.region {
            s.push_str(&format!(" in {r}"));
        }
        if let Some(server) = &self.cluster.server {
            s.push_str(&format!(", {server}"));
        }
        out.extend(wrap(&s, "", "  "));
        out
    }

    fn finding_lines(&self, f: &Finding, paint: Paint) -> Vec<String> {
        let title = if f.severity >= Severity::Warning {
            format!("{} [{}]", f.title, f.code.name())
        } else {
            f.title.clone()
        };
        let mut out = wrap(&title, &format!("  {} ", paint.mark(f.severity)), "    ");
        if !f.detail.is_empty() {
            for line in f.detail.lines() {
                out.extend(wrap(line, "      ", "      "));
            }
        }
        let top = self.verdict_finding();
        if top.is_some_and(|t| std::ptr::eq(t, f)) {
            out.push("      Fix: see the top of the report.".to_string());
        } else if top.is_some() && f.code.rule().symptom {
            out.push("      Fix: the cause is named above.".to_string());
        } else if !f.remedy.is_empty() {
            let lines: Vec<&str> = f.remedy.lines().collect();
            if lines.len() == 1 && lines[0].chars().count() + 11 <= WIDTH {
                out.push(format!("      Fix: {}", lines[0]));
            } else {
                out.push("      Fix:".to_string());
                out.extend(remedy_lines(&f.remedy, "        "));
            }
        }
        out
    }
}

/// Areas in report order.
const AREAS: [Area; 10] = [
    Area::Kubeconfig,
    Area::Credentials,
    Area::Token,
    Area::Sts,
    Area::Cluster,
    Area::Identity,
    Area::Authorization,
    Area::Network,
    Area::Irsa,
    Area::PodIdentity,
];

/// `role Dev`, `user bob`, or the ARN itself.
fn short_principal(arn: &str) -> String {
    use crate::domain::arn::{Arn, Kind};
    match Arn::parse(arn).as_ref().map(|a| (a.kind(), a.name())) {
        Some((Kind::Role, Some(name))) => format!("role {name}"),
        Some((Kind::User, Some(name))) => format!("user {name}"),
        _ => arn.to_string(),
    }
}

/// The code of the most fundamental error, if any: the error finding
/// whose rule ranks lowest, else the first error finding.
pub fn verdict(findings: &[Finding]) -> Option<Code> {
    let errors = || findings.iter().filter(|f| f.severity == Severity::Error);
    errors()
        .filter_map(|f| f.code.rule().rank.map(|r| (r, f.code)))
        .min_by_key(|(r, _)| *r)
        .map(|(_, c)| c)
        .or_else(|| errors().next().map(|f| f.code))
}

const RED: &str = "31";
const GREEN: &str = "32";
const YELLOW: &str = "33";
const DIM: &str = "2";

/// ANSI colours, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn mark(self, s: Severity) -> String {
        let (mark, color) = match s {
            Severity::Ok => ("✓", GREEN),
            Severity::Info => ("·", DIM),
            Severity::Warning => ("!", YELLOW),
            Severity::Error => ("✗", RED),
        };
        if self.0 {
            format!("\x1b[{color}m{mark}\x1b[0m")
        } else {
            mark.to_string()
        }
    }

    fn bold(self, color: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[1;{color}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Visible width: ANSI sequences take no column.
fn width(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// Word-wraps `text` after `first` (the first line's lead) and `rest`.
fn wrap(text: &str, first: &str, rest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    let room = WIDTH.saturating_sub(width(rest)).max(20);
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut pieces = split_long(word, room);
        let last = pieces.pop().unwrap_or_default();
        for piece in pieces {
            // a word too long for any line: its pieces, one per line
            if !empty {
                out.push(std::mem::replace(&mut line, rest.to_string()));
            }
            line.push_str(&piece);
            empty = false;
        }
        if !empty && width(&line) + 1 + width(&last) > WIDTH {
            out.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(&last);
        empty = false;
    }
    out.push(line);
    out
}

/// A word longer than `room` (a long ARN) cut after a `/` (or anywhere)
/// so that it fits; shorter words unchanged.
fn split_long(word: &str, room: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = word;
    while rest.chars().count() > room {
        let cut: String = rest.chars().take(room).collect();
        let at = cut.rfind('/').map_or(cut.len(), |i| i + 1);
        out.push(rest[..at].to_string());
        rest = &rest[at..];
    }
    out.push(rest.to_string());
    out
}

/// First words of lines that are commands to paste (wrapped with `\`).
const COMMANDS: [&str; 12] = [
    "aws",
    "kubectl",
    "eksctl",
    "sudo",
    "chmod",
    "nslookup",
    "unset",
    "pip",
    "brew",
    "w32tm",
    "kubectl-eksauth",
    "aws-iam-authenticator",
];

/// A remedy's lines, indented: commands broken before options with a
/// trailing `\`, YAML and JSON kept as they are, prose word-wrapped.
fn remedy_lines(remedy: &str, indent: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in remedy.lines() {
        let first = line.split(' ').next().unwrap_or("");
        let command = COMMANDS.contains(&first) || (first.contains('=') && line.contains(" --"));
        let verbatim = line.starts_with(['-', ' ', '{', '(']);
        if width(line) + indent.len() <= WIDTH || verbatim {
            out.push(format!("{indent}{line}"));
        } else if command {
            out.extend(break_command(line, indent));
        } else {
            out.extend(wrap(line, indent, indent));
        }
    }
    out
}

/// Breaks a long command before its `--options`, continuing with `\`.
fn break_command(line: &str, indent: &str) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    for word in line.split(' ') {
        match chunks.last_mut() {
            Some(last) if !word.starts_with("--") => {
                last.push(' ');
                last.push_str(word);
            }
            _ => chunks.push(word.to_string()),
        }
    }
    let cont = format!("{indent}    ");
    let mut out = Vec::new();
    let mut line = format!("{indent}{}", chunks[0]);
    for chunk in &chunks[1..] {
        if width(&line) + 1 + chunk.len() + 2 > WIDTH {
            out.push(format!("{line} \\"));
            line = format!("{cont}{chunk}");
        } else {
            line.push(' ');
            line.push_str(chunk);
        }
    }
    out.push(line);
    out
}

/// The findings JSON shows: all but the "✓" lines (severity `ok`).
fn ser_findings<S: serde::Serializer>(findings: &[Finding], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(findings.iter().filter(|f| f.severity != Severity::Ok))
}

/// Every string of a JSON value, redacted.
fn redact_json(v: &mut serde_json::Value, r: &Redactor) {
    match v {
        serde_json::Value::String(s) => *s = r.text(s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| redact_json(x, r)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| redact_json(x, r)),
        _ => {}
    }
}

/// `--all-contexts`: one report per EKS context.
#[derive(Debug, Clone, Serialize)]
pub struct AllReport {
    pub schema: &'static str,
    pub reports: Vec<Report>,
}

impl AllReport {
    /// Wraps the reports.
    pub fn new(reports: Vec<Report>) -> AllReport {
        AllReport {
            schema: SCHEMA_ALL,
            reports,
        }
    }

    /// 1 when any report has an error, else 0.
    pub fn exit_code(&self) -> u8 {
        self.reports
            .iter()
            .map(Report::exit_code)
            .max()
            .unwrap_or(0)
    }

    /// Pretty JSON.
    pub fn render_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// One line per context: `MARK CONTEXT: VERDICT: ANSWER`, cut to fit.
    pub fn render_text(&self, color: bool) -> String {
        let paint = Paint(color);
        let mut out = Vec::new();
        for r in &self.reports {
            let ctx = r.context.as_deref().unwrap_or("(none)");
            let answer = r.answer();
            let answer = answer.strip_prefix("OK: ").unwrap_or(&answer);
            let mut line = format!("{ctx}: {}: {answer}", r.verdict);
            if line.chars().count() > WIDTH - 2 {
                line = line.chars().take(WIDTH - 3).collect::<String>() + "…";
            }
            let sev = if r.exit_code() == 1 {
                Severity::Error
            } else {
                Severity::Ok
            };
            out.push(format!("{} {line}", paint.mark(sev)));
        }
        out.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::verdict;
    use super::*;
    use crate::why::checks::fixtures::*;
    use crate::why::checks::run_all;
    use crate::why::evidence::{ExecOutcome, Review};

    fn report(e: &Evidence) -> Report {
        Report::from_evidence(e, run_all(e))
    }

    #[test]
    fn every_error_code_has_a_priority() {
        for c in Code::ALL {
            assert!(
                c.rule().rank.is_some() || c.severity() != Severity::Error,
                "{} has no verdict rank",
                c.name()
            );
        }
    }

    #[test]
    fn json_has_the_contracts_shape() {
        let r = report(&healthy());
        let json = r.render_json();
        let at = |key: &str| {
            json.find(&format!("\n  \"{key}\": "))
                .unwrap_or_else(|| panic!("no {key}"))
        };
        let keys = [
            "schema", "context", "cluster", "identity", "findings", "verdict",
        ];
        assert!(
            keys.windows(2).all(|w| at(w[0]) < at(w[1])),
            "the contract's key order:\n{json}"
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v.as_object().unwrap().len(), keys.len());
        assert_eq!(v["schema"], "eksauth.why/v1");
        assert_eq!(v["context"], CONTEXT);
        assert_eq!(
            v["cluster"],
            serde_json::json!({"name": "demo", "region": "us-west-2", "server": SERVER})
        );
        assert_eq!(
            v["identity"],
            serde_json::json!({"arn": "arn:aws:sts::111122223333:assumed-role/Dev/alice",
                "principal_arn": DEV_ROLE, "account": "111122223333", "user_id": "AROAEXAMPLEID:alice"})
        );
        assert_eq!(v["verdict"], "ok");
        let f = &v["findings"][0];
        let fkeys = ["code", "severity", "title", "detail", "remedy", "evidence"];
        assert_eq!(f.as_object().unwrap().len(), fkeys.len());
        let first = &json[json.find("\"findings\"").unwrap()..];
        let pos = |key: &str| first.find(&format!("\"{key}\": ")).unwrap();
        assert!(
            fkeys.windows(2).all(|w| pos(w[0]) < pos(w[1])),
            "finding key order"
        );
        assert!(f["evidence"].is_object());
        assert_eq!(r.exit_code(), 0);
    }

    #[test]
    fn json_leaves_out_the_passed_lines() {
        let r = report(&healthy());
        assert!(r.findings.iter().any(|f| f.severity == Severity::Ok));
        for json in [
            r.render_json(),
            AllReport::new(vec![r.clone()]).render_json(),
        ] {
            assert!(!json.contains("\"severity\": \"ok\""), "{json}");
        }
    }

    #[test]
    fn identity_is_null_when_unknown() {
        let mut e = healthy();
        e.sts = None;
        let v: serde_json::Value = serde_json::from_str(&report(&e).render_json()).unwrap();
        assert!(v["identity"].is_null());
    }

    #[test]
    fn exit_code_follows_errors() {
        let mut e = healthy();
        e.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        assert_eq!(report(&e).exit_code(), 1);
        e.server.as_mut().unwrap().review = Some(authenticated());
        e.kubeconfig.files[0].mode = Some(0o640); // a warning only
        assert_eq!(report(&e).exit_code(), 0);
    }

    #[test]
    fn verdict_prefers_the_cause_to_the_symptom() {
        let cases: &[(&str, &[Code], &str)] = &[
            ("nothing", &[], "ok"),
            (
                "mapping_before_401",
                &[Code::Unauthorized, Code::AwsAuthRoleHasPath],
                "aws-auth-role-has-path",
            ),
            (
                "cluster_name_before_signature",
                &[Code::StsSignatureMismatch, Code::TokenClusterMismatch],
                "token-cluster-mismatch",
            ),
            (
                "clock_before_expiry",
                &[Code::TokenExpired, Code::ClockSkew],
                "clock-skew",
            ),
            (
                "stale_endpoint_before_dns",
                &[Code::EndpointDnsFailed, Code::ClusterEndpointMismatch],
                "cluster-endpoint-mismatch",
            ),
            (
                "sso_before_everything_after",
                &[Code::Unauthorized, Code::SsoSessionExpired],
                "sso-session-expired",
            ),
            (
                "specific_before_not_mapped",
                &[Code::PrincipalNotMapped, Code::AwsAuthInvalid],
                "aws-auth-invalid",
            ),
        ];
        for (name, codes, want) in cases {
            let findings: Vec<Finding> = codes
                .iter()
                .map(|c| Finding::new(*c, "t").severity(Severity::Error))
                .collect();
            assert_eq!(
                verdict(&findings).map_or("ok", |c| c.name()),
                *want,
                "{name}"
            );
        }
        let warn = [Finding::new(Code::ClockSkew, "t").severity(Severity::Warning)];
        assert_eq!(verdict(&warn), None, "warnings are never the verdict");
    }

    #[test]
    fn no_output_carries_a_secret() {
        let mut bad = healthy();
        bad.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        bad.exec = Some(exec_outcome(ExecOutcome::Failed {
            exit_code: Some(1),
            stderr: "weird failure".into(),
        }));
        let mut expired = healthy();
        expired.now = Some(NOW + time::Duration::hours(1));
        expired.server.as_mut().unwrap().server_date = expired.now;
        let mut flag = healthy();
        flag.request.token_from_flag = true;
        flag.token = Some(crate::secret::Secret::new(token_for(
            &good_url().replace("Action=GetCallerIdentity", "Action=Nope"),
        )));
        for (name, e) in [
            ("healthy", healthy()),
            ("failed", bad),
            ("expired", expired),
            ("bad token", flag),
        ] {
            let r = report(&e);
            let token = e.token.as_ref().unwrap().expose().to_string();
            for out in [
                r.render_json(),
                r.render_text(false),
                r.render_text(true),
                AllReport::new(vec![r.clone()]).render_json(),
            ] {
                for secret in [token.as_str(), SECRET_SESSION, SIGNATURE, SECRET_KEY] {
                    assert!(!out.contains(secret), "{name}: a secret leaked:\n{out}");
                }
            }
        }
    }

    #[test]
    fn text_lines_stay_under_100_columns() {
        let mut e = rejected_config_map();
        e.aws_auth.data = Some(aws_auth(&format!(
            "{NODES_ONLY}- rolearn: {SSO_ROLE_WITH_PATH}\n  username: sso-admin:{{{{SessionName}}}}\n  groups:\n    - system:masters\n"
        )));
        sso_caller(&mut e);
        for out in [
            report(&e).render_text(false),
            report(&healthy()).render_text(false),
        ] {
            for line in out.lines() {
                assert!(width(line) < 100, "too long ({}): {line}", width(line));
            }
        }
    }

    #[test]
    fn text_snapshot_healthy() {
        let got = report(&healthy()).render_text(false) + "\n";
        let want = "\
OK: role Dev can reach cluster demo as arn:aws:sts::111122223333:assumed-role/Dev/alice

Context: arn:aws:eks:us-west-2:111122223333:cluster/demo
Cluster: demo in us-west-2, https://ABCDEF0123456789.gr7.us-west-2.eks.amazonaws.com

Kubeconfig and exec
  ✓ context arn:aws:eks:us-west-2:111122223333:cluster/demo runs `aws`

AWS credentials
  ✓ the exec command signed a token

Token
  ✓ well-formed, signed at 2026-01-01T00:00:00Z for sts.us-west-2.amazonaws.com

STS
  ✓ STS verifies the token's signature

Cluster (EKS API)
  ✓ cluster demo is ACTIVE, authentication mode API_AND_CONFIG_MAP

Identity and mapping
  · You are arn:aws:sts::111122223333:assumed-role/Dev/alice
      Account 111122223333, user id AROAEXAMPLEID:alice. A mapping must name the principal
      arn:aws:iam::111122223333:role/Dev. Mapped by its access entry (policies:
      AmazonEKSClusterAdminPolicy; groups: none).
  · The cluster knows you as arn:aws:sts::111122223333:assumed-role/Dev/alice
      Groups: system:authenticated.

Network
  ✓ the API server answers at https://ABCDEF0123456789.gr7.us-west-2.eks.amazonaws.com
";
        assert_eq!(got, want, "\n{got}");
    }

    #[test]
    fn text_snapshot_sso_role_mapped_with_its_path() {
        let mut e = rejected_config_map();
        e.aws_auth.data = Some(aws_auth(&format!(
            "{NODES_ONLY}- rolearn: {SSO_ROLE_WITH_PATH}\n  username: sso-admin:{{{{SessionName}}}}\n  groups:\n    - system:masters\n"
        )));
        sso_caller(&mut e);
        let got = report(&e).render_text(false) + "\n";
        let want = "\
aws-auth mapRoles[1] maps a role with its IAM path, which never matches
Fix:
  In kube-system/aws-auth (mapRoles), replace mapRoles[1] with:
  - rolearn: arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd
    username: sso-admin:{{SessionName}}
    groups:
      - system:masters
  or let eksctl write it (then delete the old entry):
  eksctl create iamidentitymapping --cluster demo --region us-west-2 \\
      --arn arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd \\
      --username 'sso-admin:{{SessionName}}' --group system:masters --no-duplicate-arns

Context: arn:aws:eks:us-west-2:111122223333:cluster/demo
Cluster: demo in us-west-2, https://ABCDEF0123456789.gr7.us-west-2.eks.amazonaws.com

Kubeconfig and exec
  ✓ context arn:aws:eks:us-west-2:111122223333:cluster/demo runs `aws`

AWS credentials
  ✓ the exec command signed a token

Token
  ✓ well-formed, signed at 2026-01-01T00:00:00Z for sts.us-west-2.amazonaws.com

STS
  ✓ STS verifies the token's signature

Cluster (EKS API)
  ✓ cluster demo is ACTIVE, authentication mode CONFIG_MAP

Identity and mapping
  · You are arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/alice@example.com
      Account 111122223333, user id AROAEXAMPLESSO:alice@example.com. A mapping must name the
      principal arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd. This is an IAM
      Identity Center (SSO) role: its IAM ARN carries the path /aws-reserved/sso.amazonaws.com/...,
      which must NOT appear in aws-auth.
  ✗ aws-auth mapRoles[1] maps a role with its IAM path, which never matches
    [aws-auth-role-has-path]
      arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/
      AWSReservedSSO_Admin_0123abcd carries the path /aws-reserved/sso.amazonaws.com/us-east-2/;
      the ARN the cluster compares comes from STS, which has no path:
      arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd.
      Fix: see the top of the report.
  ✗ The API server answered 401 Unauthorized to the token [unauthorized]
      The authenticator never says why; the other findings name the cause when one was found.
      Fix: the cause is named above.

Network
  ✓ the API server answers at https://ABCDEF0123456789.gr7.us-west-2.eks.amazonaws.com
";
        assert_eq!(got, want, "\n{got}");
    }

    #[test]
    fn text_snapshot_sso_session_expired() {
        let mut e = broken_after_kubeconfig();
        e.exec = Some(exec_outcome(ExecOutcome::Failed {
            exit_code: Some(255),
            stderr:
                "\nError when retrieving token from sso: Token has expired and refresh failed\n"
                    .into(),
        }));
        let got = report(&e).render_text(false) + "\n";
        let want = "\
The IAM Identity Center (SSO) session of profile dev has expired
Fix:
  Log in again, then retry:
  aws sso login --profile dev

Context: arn:aws:eks:us-west-2:111122223333:cluster/demo
Cluster: demo in us-west-2, https://ABCDEF0123456789.gr7.us-west-2.eks.amazonaws.com

Kubeconfig and exec
  ✓ context arn:aws:eks:us-west-2:111122223333:cluster/demo runs `aws`

AWS credentials
  ✗ The IAM Identity Center (SSO) session of profile dev has expired [sso-session-expired]
      Error when retrieving token from sso: Token has expired and refresh failed
      Fix: see the top of the report.
";
        assert_eq!(got, want, "\n{got}");
    }

    #[test]
    fn all_contexts_summary_is_one_line_each() {
        let mut bad = healthy();
        bad.kubeconfig.context = Some("arn:aws:eks:us-west-2:111122223333:cluster/other".into());
        bad.server.as_mut().unwrap().review = Some(Review::Unauthorized);
        let all = AllReport::new(vec![report(&healthy()), report(&bad)]);
        let text = all.render_text(false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].starts_with(
                "✓ arn:aws:eks:us-west-2:111122223333:cluster/demo: ok: role Dev can reach"
            ),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with(
                "✗ arn:aws:eks:us-west-2:111122223333:cluster/other: unauthorized: The API server"
            ),
            "{}",
            lines[1]
        );
        assert!(lines.iter().all(|l| l.chars().count() < 100));
        assert_eq!(all.exit_code(), 1);
        let v: serde_json::Value = serde_json::from_str(&all.render_json()).unwrap();
        assert_eq!(v["schema"], "eksauth.why-all/v1");
        assert_eq!(v["reports"].as_array().unwrap().len(), 2);
    }
}
