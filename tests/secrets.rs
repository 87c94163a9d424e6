//! No secret ever reaches stdout or stderr: every error path of `token` is
//! run with known secret values in the environment and the AWS files, and
//! the output is searched for them.

mod common;
use common::*;

const SECRET_KEY: &str = "SECRETKEYzzzzQ1w2e3r4t5y6u7i8o9p0zzzz";
const SESSION_TOKEN: &str = "SESSIONTOKENzzzzA1s2d3f4g5h6j7k8zzzz";
const SSO_ACCESS: &str = "SSOACCESSTOKENzzzzZ1x2c3v4b5n6m7zzzz";
const SSO_REFRESH: &str = "SSOREFRESHTOKENzzzzP0o9i8u7y6zzzz";
const PROFILE_SECRET: &str = "PROFILESECRETzzzzL1k2j3h4g5f6zzzz";
const ALL: [&str; 5] = [
    SECRET_KEY,
    SESSION_TOKEN,
    SSO_ACCESS,
    SSO_REFRESH,
    PROFILE_SECRET,
];

fn assert_clean(what: &str, r: &Run) {
    for s in ALL {
        assert!(
            !r.stdout.contains(s),
            "{what}: stdout shows a secret\n{}",
            r.stdout
        );
        assert!(
            !r.stderr.contains(s),
            "{what}: stderr shows a secret\n{}",
            r.stderr
        );
    }
}

fn loaded_sandbox() -> Sandbox {
    let mut sb = Sandbox::with_keys(("ASIASECRETTEST000001", SECRET_KEY));
    sb.set("AWS_SESSION_TOKEN", SESSION_TOKEN);
    sb.write(
        ".aws/credentials",
        &format!("[static]\naws_access_key_id = AKIASTATIC0000000001\naws_secret_access_key = {PROFILE_SECRET}\n"),
    );
    let bad_process = sb.home().join("bad-process.sh");
    script(
        &bad_process,
        &format!(
            r#"echo '{{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"{SECRET_KEY}","SessionToken":"{SESSION_TOKEN}"'"#
        ),
    );
    let expired_process = sb.home().join("expired-process.sh");
    script(
        &expired_process,
        &format!(
            r#"echo '{{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"{SECRET_KEY}","SessionToken":"{SESSION_TOKEN}","Expiration":"2020-01-01T00:00:00Z"}}'"#
        ),
    );
    let failing_process = sb.home().join("failing-process.sh");
    script(&failing_process, "echo 'helper failed' >&2; exit 3");
    sb.write(
        ".aws/config",
        &format!(
            "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = us-west-2\n\
             [sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n\
             [profile bad]\nregion = us-west-2\ncredential_process = {}\n\
             [profile expired]\nregion = us-west-2\ncredential_process = {}\n\
             [profile failing]\nregion = us-west-2\ncredential_process = {}\n\
             [profile static]\nregion = us-west-2\n",
            bad_process.display(),
            expired_process.display(),
            failing_process.display()
        ),
    );
    sb.write(
        &sso_cache_rel("corp"),
        &format!(
            r#"{{"startUrl":"https://d-1.awsapps.com/start","region":"us-east-1","accessToken":"{SSO_ACCESS}","expiresAt":"2020-01-01T00:00:00Z","refreshToken":"{SSO_REFRESH}","clientId":"c","clientSecret":"{SSO_REFRESH}","registrationExpiresAt":"2020-01-01T00:00:00Z"}}"#
        ),
    );
    sb
}

#[test]
fn no_error_path_of_token_shows_a_secret() {
    let base = ["token", "--cluster-name", "demo", "--region", "us-west-2"];
    let with = |extra: &[&'static str]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let mut sb = loaded_sandbox();
    let cases: Vec<(&str, Vec<&str>, Option<(&str, &str)>)> = vec![
        (
            "v1alpha1",
            with(&[]),
            Some((
                "KUBERNETES_EXEC_INFO",
                r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#,
            )),
        ),
        (
            "bad exec info",
            with(&[]),
            Some(("KUBERNETES_EXEC_INFO", "{oops")),
        ),
        ("missing profile", with(&["--profile", "nope"]), None),
        ("sso expired", with(&["--profile", "corp"]), None),
        (
            "malformed credential_process",
            with(&["--profile", "bad"]),
            None,
        ),
        (
            "expired credential_process",
            with(&["--profile", "expired"]),
            None,
        ),
        (
            "failing credential_process",
            with(&["--profile", "failing"]),
            None,
        ),
        (
            "missing region",
            vec!["token", "--cluster-name", "demo", "--profile", "static"],
            Some(("AWS_CONFIG_FILE", "/nonexistent")),
        ),
        ("unknown flag", with(&["--bogus"]), None),
        ("success", with(&["--no-cache"]), None),
        (
            "success with profile",
            with(&["--no-cache", "--profile", "static"]),
            None,
        ),
    ];
    for (what, args, var) in cases {
        let saved = sb.env.clone();
        if let Some((k, v)) = var {
            sb.set(k, v);
        }
        let r = run(sb.eksauth(&args));
        if !what.starts_with("success") {
            assert_ne!(r.code, 0, "{what} should fail: {}", r.stdout);
            assert!(!r.stderr.trim().is_empty(), "{what} explains itself");
        }
        assert_clean(what, &r);
        sb.env = saved;
    }
}

/// Secrets `why` could meet, each a distinct value to search for.
const GITHUB_TOKEN: &str = "ghp_GITHUBTOKENzzzzR4t5y6u7i8o9zz";
const DB_PASSWORD: &str = "DBPASSWORDzzzzQ9w8e7r6t5y4zz";
const KUBE_TOKEN: &str = "KUBECONFIGTOKENzzzzM1n2b3v4c5x6zz";
const KUBE_PASSWORD: &str = "KUBECONFIGPASSWORDzzzzH7g6f5d4zz";
const SIGNATURE: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const URL_SESSION: &str = "URLSESSIONTOKENzzzzW2e3r4t5y6zz";
const BEARER: &str = "BEARERTOKENzzzzK9j8h7g6f5d4zz";

/// Every secret a `why` run below knows of, the admin's secret key included.
fn why_secrets() -> Vec<String> {
    let mut v: Vec<String> = [
        GITHUB_TOKEN,
        DB_PASSWORD,
        KUBE_TOKEN,
        KUBE_PASSWORD,
        SIGNATURE,
        URL_SESSION,
        BEARER,
        SESSION_TOKEN,
        ADMIN_KEY.1,
    ]
    .map(str::to_string)
    .to_vec();
    v.push(format!(
        "k8s-aws-v1.{}",
        &"aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8"[..20]
    ));
    v
}

/// Outside text that carries every secret: what a plugin prints on
/// stderr, or a server puts in its message.
fn leaky_text() -> String {
    format!(
        "GET https://sts.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Security-Token={URL_SESSION}&X-Amz-Signature={SIGNATURE} \
         token k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8 Authorization: Bearer {BEARER} \
         DB_PASSWORD={DB_PASSWORD} session {SESSION_TOKEN} gh {GITHUB_TOKEN} \
         kube {KUBE_TOKEN} {KUBE_PASSWORD} admin {}",
        ADMIN_KEY.1
    )
}

/// A server on 127.0.0.1 answering every request with `status` and `body`.
fn leaky_server(status: &'static str, body: String) -> String {
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let body = body.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut line = String::new();
                while r.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    line.clear();
                }
                let mut s = s;
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    url
}

/// A sandbox with `kc` plus a user holding a static token and a password
/// (another context's) as its kubeconfig.
fn why_sandbox(sim: &Sim, kc: Kubeconfig) -> Sandbox {
    let mut sb = Sandbox::eks(sim, ADMIN_KEY);
    sb.set("GITHUB_TOKEN", GITHUB_TOKEN)
        .set("MY_DB_PASSWORD", DB_PASSWORD)
        .set("AWS_SESSION_TOKEN", SESSION_TOKEN);
    let static_user = Auth::fields(&[
        ("token", KUBE_TOKEN),
        ("username", "u"),
        ("password", KUBE_PASSWORD),
    ]);
    sb.kubeconfig(&kc.user("static", static_user));
    sb
}

fn assert_why_clean(what: &str, sb: &Sandbox) {
    for format in ["json", "text"] {
        let r = run(sb.eksauth(&["why", "-o", format, "--timeout", "8"]));
        assert!(
            !r.stdout.trim().is_empty(),
            "{what}: no report\n{}",
            r.stderr
        );
        for s in why_secrets() {
            assert!(
                !r.stdout.contains(&s) && !r.stderr.contains(&s),
                "{what} ({format}) shows {s}\n{}\n{}",
                r.stdout,
                r.stderr
            );
        }
    }
}

#[test]
fn why_shows_no_secret_of_a_failing_exec_plugins_stderr() {
    let sim = world(|t| t);
    let plugin_dir = tempfile::tempdir().unwrap();
    let plugin = plugin_dir.path().join("leaky-plugin.sh");
    script(
        &plugin,
        &format!("cat >&2 <<'END'\n{}\nEND\nexit 1", leaky_text()),
    );
    let sb = why_sandbox(&sim, Kubeconfig::eks(&sim, Exec::new(&plugin, &TOKEN_ARGS)));
    let r = run(sb.eksauth(&["why", "-o", "json"]));
    assert!(r.stdout.contains("exec-failed"), "{}", r.stdout);
    assert!(
        r.stdout.contains("(redacted)"),
        "the stderr is shown, redacted: {}",
        r.stdout
    );
    assert_why_clean("exec stderr", &sb);
}

#[test]
fn why_shows_no_secret_of_sts_or_api_server_messages() {
    let sim = world(|t| t);
    let message = leaky_text();
    let sts = leaky_server(
        "403 Forbidden",
        serde_json::json!({"Error": {"Code": "SignatureDoesNotMatch", "Message": message, "Type": "Sender"}})
            .to_string(),
    );
    let kube = leaky_server(
        "500 Internal Server Error",
        serde_json::json!({"kind": "Status", "message": message}).to_string(),
    );
    let kc = Kubeconfig::eks(&sim, Exec::eksauth(&TOKEN_ARGS)).server(&kube);
    let mut sb = why_sandbox(&sim, kc);
    sb.set("AWS_ENDPOINT_URL_STS", &sts);
    let r = run(sb.eksauth(&["why", "-o", "json", "--timeout", "8"]));
    assert!(r.stdout.contains("endpoint-bad-answer"), "{}", r.stdout);
    assert!(r.stdout.contains("sts-signature-mismatch"), "{}", r.stdout);
    assert_why_clean("server messages", &sb);
}
