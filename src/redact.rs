//! One redaction for everything shown from outside: an exec plugin's
//! stderr, STS's and the API server's messages, parser excerpts, context
//! names. Secrets are removed by pattern (presigned-URL signatures and
//! session tokens, `k8s-aws-v1.` tokens, bearer tokens, `*SECRET*`,
//! `*TOKEN*`, `*PASSWORD*` values, long base64 blobs such as session
//! tokens) and by value (the environment's secret-looking variables, the
//! kubeconfig's tokens and passwords, tokens seen during the run); control
//! characters and terminal escapes are printed escaped.

use crate::domain::token::TOKEN_PREFIX;
use regex::Regex;
use std::sync::LazyLock;

/// What a removed secret is replaced with.
pub const REDACTED: &str = "(redacted)";

/// Values shorter than this are not redacted by value: "1", "true" or a
/// region would otherwise vanish from every message.
const MIN_VALUE_LEN: usize = 6;

/// `NAME=value` / `name: value` / `"name":"value"` pairs whose name says
/// secret, token or password (names without dashes, so finding codes such
/// as `token-expired:` are not taken for one).
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(["']?[a-z0-9_]*(?:secret|token|password|passwd)[a-z0-9_]*["']?\s*[:=]\s*["']?)([^\s"',&;:][^\s"',&;]{5,})"#,
    )
    .expect("valid regex")
});

/// Presigned-URL parameters that grant access.
static URL_PARAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(X-Amz-Signature|X-Amz-Security-Token)(=|%3D)([^&\s\x22']+)")
        .expect("valid regex")
});

/// An EKS token (the presigned URL, base64url-encoded).
static EKS_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"{}[A-Za-z0-9_\-=]+", regex::escape(TOKEN_PREFIX))).expect("valid regex")
});

/// `Authorization: Bearer X`, `bearer X`.
static BEARER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(bearer\s+)([A-Za-z0-9._~+/=\-]{8,})").expect("valid regex"));

/// A long base64 run: session tokens (hundreds of characters), JWTs.
/// A path is not one: see [`looks_like_path`].
static BLOB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/_\-]{100,}={0,2}").expect("valid regex"));

/// A run with a `/` every few characters is a path, not base64 (where a
/// `/` comes once in 64 characters on average; the run of slashes at the
/// start of a session token counts once).
fn looks_like_path(run: &str) -> bool {
    let segments = run.split('/').filter(|s| !s.is_empty()).count();
    run.starts_with('/') || segments * 24 > run.len()
}

/// Whether a variable's name says its value is secret.
pub fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    ["SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL"]
        .iter()
        .any(|w| n.contains(w))
}

/// A redaction: the patterns plus the secret values known to this run.
#[derive(Clone, Default)]
pub struct Redactor {
    values: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} values)", self.values.len())
    }
}

impl Redactor {
    /// The patterns only.
    pub fn new() -> Self {
        Redactor::default()
    }

    /// The patterns, plus the values of the process environment's
    /// secret-looking variables (read as bytes: a value that is not UTF-8
    /// is matched by its lossy form, which is what would be shown).
    pub fn from_env() -> Self {
        let mut r = Redactor::new();
        for (k, v) in std::env::vars_os() {
            if secret_name(&k.to_string_lossy()) {
                r.add(&v.to_string_lossy());
            }
        }
        r
    }

    /// Adds a secret value (too short ones are ignored).
    pub fn add(&mut self, value: &str) {
        let v = value.trim();
        if v.chars().count() >= MIN_VALUE_LEN && !self.values.iter().any(|x| x == v) {
            self.values.push(v.to_string());
            // Longest first, so a value that contains another goes whole.
            self.values.sort_by_key(|x| std::cmp::Reverse(x.len()));
        }
    }

    /// Adds the values of `(name, value)` pairs whose name says secret.
    pub fn add_named<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (k, v) in pairs {
            if secret_name(k) {
                self.add(v);
            }
        }
    }

    /// Adds the kubeconfig's secrets: users' tokens, passwords and client
    /// keys, auth-provider secrets, and exec `env` values with secret names.
    pub fn add_kubeconfig(&mut self, k: &kube::config::Kubeconfig) {
        use secrecy::ExposeSecret;
        for a in k.auth_infos.iter().filter_map(|a| a.auth_info.as_ref()) {
            for v in [&a.token, &a.password, &a.client_key_data]
                .into_iter()
                .flatten()
            {
                self.add(v.expose_secret());
            }
            if let Some(p) = &a.auth_provider {
                self.add_named(p.config.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            }
            let env = a.exec.as_ref().and_then(|e| e.env.as_ref());
            for pair in env.into_iter().flatten() {
                if let (Some(n), Some(v)) = (pair.get("name"), pair.get("value")) {
                    self.add_named([(n.as_str(), v.as_str())]);
                }
            }
        }
    }

    /// Text from outside, safe to show on one line: secrets removed,
    /// control characters (newlines included) escaped.
    pub fn line(&self, text: &str) -> String {
        escape_controls(&self.secrets_out(text), false)
    }

    /// Text from outside, safe to show; newlines kept.
    pub fn text(&self, text: &str) -> String {
        escape_controls(&self.secrets_out(text), true)
    }

    /// Only the secrets removed (nothing escaped).
    pub fn secrets_out(&self, text: &str) -> String {
        let mut s = text.to_string();
        for v in &self.values {
            if s.contains(v.as_str()) {
                s = s.replace(v.as_str(), REDACTED);
            }
        }
        let s = EKS_TOKEN.replace_all(&s, format!("{TOKEN_PREFIX}{REDACTED}"));
        let s = URL_PARAM.replace_all(&s, format!("${{1}}${{2}}{REDACTED}"));
        let s = BEARER.replace_all(&s, format!("${{1}}{REDACTED}"));
        let s = KEY_VALUE.replace_all(&s, |c: &regex::Captures| {
            if c[2].starts_with(REDACTED) || c[2].starts_with(TOKEN_PREFIX) {
                c[0].to_string()
            } else {
                format!("{}{REDACTED}", &c[1])
            }
        });
        BLOB.replace_all(&s, |c: &regex::Captures| match looks_like_path(&c[0]) {
            true => c[0].to_string(),
            false => REDACTED.to_string(),
        })
        .into_owned()
    }
}

/// Control characters, terminal escapes and invisible direction marks
/// written as `\x1b` / `\u{202e}`; newlines kept when `keep_newlines`.
pub fn escape_controls(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\t' => out.push(' '),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() || invisible(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Zero-width and bidirectional formatting characters, which can make a
/// terminal show something else than what is there.
fn invisible(c: char) -> bool {
    matches!(c as u32, 0x200b..=0x200f | 0x202a..=0x202e | 0x2066..=0x2069 | 0xfeff)
}

/// `http://user:pass@proxy:3128` becomes `http://proxy:3128`.
pub fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").map_or(("", url), |(s, r)| (s, r));
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, None), |(a, p)| (a, Some(p)));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let mut out = if scheme.is_empty() {
        host.to_string()
    } else {
        format!("{scheme}://{host}")
    };
    if let Some(p) = path {
        out.push('/');
        out.push_str(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    #[test]
    fn presigned_url_parts_go() {
        let r = Redactor::new();
        let url = format!(
            "GET https://sts.amazonaws.com/?X-Amz-Credential=AKIAX%2F20260101&X-Amz-Security-Token=IQoJb3Jp&X-Amz-Signature={SIG} failed"
        );
        let s = r.line(&url);
        assert!(!s.contains(SIG) && !s.contains("IQoJb3Jp"), "{s}");
        assert!(s.contains("X-Amz-Signature=(redacted)"), "{s}");
        assert!(s.contains("X-Amz-Credential=AKIAX"), "{s}");
    }

    #[test]
    fn tokens_bearers_and_named_values_go() {
        let r = Redactor::new();
        for (input, secret) in [
            ("token k8s-aws-v1.aHR0cHM6Ly9zdHM", "aHR0cHM6Ly9zdHM"),
            ("Authorization: Bearer eyJhbGciOiJIUzI1", "eyJhbGciOiJIUzI1"),
            ("DB_PASSWORD=hunter2hunter2 next", "hunter2hunter2"),
            ("aws_secret_access_key = wJalrXUtnFEMI", "wJalrXUtnFEMI"),
            (r#"{"SessionToken":"FwoGZXIvYXdzEJr"}"#, "FwoGZXIvYXdzEJr"),
            ("  password: s3cr3tpass", "s3cr3tpass"),
            (r#""accessToken": "aoaAAAAAGAbc""#, "aoaAAAAAGAbc"),
        ] {
            let s = r.line(input);
            assert!(!s.contains(secret), "{input} -> {s}");
            assert!(s.contains(REDACTED), "{input} -> {s}");
        }
        let long = "A".repeat(300);
        assert_eq!(r.line(&long), REDACTED);
        let session = format!(
            "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLXdlc3QtMiJHMEUCIQD{}",
            "aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0zaB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0z+/".repeat(6)
        );
        assert_eq!(r.line(&session), REDACTED);
        let path = format!("/home/u/{}/config", "very_long_directory_name_x/".repeat(6));
        assert_eq!(r.line(&path), path);
    }

    #[test]
    fn prose_and_codes_stay() {
        let r = Redactor::new();
        for s in [
            "see token-expired: the token is old",
            "the token has expired",
            "AWS_SESSION_TOKEN is set",
            "region us-west-2",
            "aws_config::web_identity_token::WebIdentityTokenCredentialsProvider::builder()",
        ] {
            assert_eq!(r.line(s), s);
        }
    }

    #[test]
    fn known_values_go_wherever_they_appear() {
        let mut r = Redactor::new();
        r.add("plainvalue42");
        r.add("1");
        r.add_named([("MY_API_TOKEN", "abcdefgh12"), ("AWS_REGION", "us-west-2")]);
        let s = r.line("x plainvalue42 y abcdefgh12 z 1 us-west-2");
        assert_eq!(s, "x (redacted) y (redacted) z 1 us-west-2");
    }

    #[test]
    fn controls_are_escaped() {
        let r = Redactor::new();
        assert_eq!(r.line("a\u{1b}[31mb\0c\nd"), "a\\x1b[31mb\\x00c\\x0ad");
        assert_eq!(r.text("a\nb\u{7}"), "a\nb\\x07");
        assert_eq!(r.line("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn env_values_are_collected_by_name() {
        assert!(secret_name("AWS_SECRET_ACCESS_KEY"));
        assert!(secret_name("aws_session_token"));
        assert!(secret_name("GITHUB_TOKEN"));
        assert!(secret_name("PGPASSWORD"));
        assert!(!secret_name("AWS_ACCESS_KEY_ID"));
        assert!(!secret_name("AWS_REGION"));
    }
}
