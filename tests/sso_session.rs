//! IAM Identity Center sessions through the real binary against the
//! simulator: the browser login (the test plays the browser: it follows the
//! address `login --no-browser` prints, through the simulator's /authorize
//! redirect, to the plugin's 127.0.0.1 callback), the AWS CLI of the venv
//! using and refreshing what `login` wrote, the silent refresh by `token`
//! (once for 32 concurrent calls), a refused refresh and a revoked token
//! named as an expired session by `token` and `why`, and two logins of one
//! session serialised by its lock.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn oidc(extra: &str) -> String {
    format!(
        "sso_oidc:\n  user_name: dev@example.com\n  approve_after_polls: 0\n  interval_seconds: 1\n{extra}"
    )
}

/// A sandbox for the simulator with the `dev` sso_session profile and a
/// display, so that `login` picks the browser flow.
fn session_sandbox(sim: &Sim) -> Sandbox {
    let mut sb = Sandbox::installed(sim);
    sb.set("DISPLAY", ":99");
    sso_profile(&sb, None);
    sb
}

/// GET `url` (plain HTTP on 127.0.0.1) without following redirects: the
/// status line and headers, lowercased names.
fn http_get(url: &str) -> (u16, Vec<(String, String)>) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = std::net::TcpStream::connect(authority).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    (status, headers)
}

/// Reads the child's stderr until a line holds `needle`; returns that line
/// and everything read so far, and keeps draining in the background.
fn wait_for_line(child: &mut Child, needle: &str) -> (String, std::sync::mpsc::Receiver<String>) {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let start = Instant::now();
    let mut seen = String::new();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.push_str(&line);
            seen.push('\n');
            if line.contains(needle) {
                return (line, rx);
            }
        }
    }
    panic!("no line with {needle:?} in:\n{seen}");
}

/// Waits for the child; its status code and the rest of its stderr.
fn finish(mut child: Child, rx: std::sync::mpsc::Receiver<String>) -> (i32, String) {
    let start = Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code().unwrap_or(-1);
        }
        assert!(start.elapsed() < Duration::from_secs(60), "login hangs");
        std::thread::sleep(Duration::from_millis(20));
    };
    std::thread::sleep(Duration::from_millis(50));
    (code, rx.try_iter().collect::<Vec<_>>().join("\n"))
}

/// `login --no-browser` with the test as the browser: the printed
/// authorize address, its redirect (with `state` replaced by
/// `forged_state` when given) followed to the callback.
fn browser_login(sb: &Sandbox, forged_state: Option<&str>) -> (i32, String) {
    let mut child = sb
        .eksauth(&["login", "--profile", "dev", "--no-browser"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (line, rx) = wait_for_line(&mut child, "/authorize?");
    let (status, headers) = http_get(line.trim());
    assert_eq!(status, 302, "authorize redirects: {headers:?}");
    let mut location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    if let Some(forged) = forged_state {
        let at = location.find("&state=").unwrap();
        location = format!("{}&state={forged}", &location[..at]);
    }
    let (cb_status, _) = http_get(&location);
    assert_eq!(cb_status, 200, "the callback page");
    finish(child, rx)
}

fn token_cache(sb: &Sandbox) -> std::path::PathBuf {
    sb.home().join(sso_cache_rel("corp"))
}

fn read_json(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Moves the cached access token's expiry into the past (the server still
/// knows the token; only the client believes it expired).
fn expire_cached_token(sb: &Sandbox) {
    let p = token_cache(sb);
    let mut v = read_json(&p);
    v["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&p, v.to_string()).unwrap();
}

/// The AWS CLI v2's registration cache file, its name computed by the
/// venv's Python exactly as `_registration_cache_key` does.
fn registration_cache(sb: &Sandbox) -> std::path::PathBuf {
    let py = aws_cli().parent().unwrap().join("python");
    let out = std::process::Command::new(py)
        .args([
            "-c",
            "import json,hashlib;print(hashlib.sha1(json.dumps({'tool':'botocore','startUrl':'https://d-123.awsapps.com/start','region':'us-east-1','scopes':['sso:account:access'],'session_name':'corp'},sort_keys=True).encode()).hexdigest())",
        ])
        .output()
        .unwrap();
    let key = String::from_utf8(out.stdout).unwrap();
    sb.home()
        .join(".aws/sso/cache")
        .join(format!("{}.json", key.trim()))
}

fn token_cmd(sb: &Sandbox) -> std::process::Command {
    sb.eksauth(&[
        "token",
        "--cluster-name",
        "demo",
        "--region",
        "us-west-2",
        "--profile",
        "dev",
        "--no-cache",
    ])
}

#[test]
fn browser_login_writes_the_caches_the_aws_cli_uses_and_refreshes_with() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("")));
    let sb = session_sandbox(&sim);
    let (code, stderr) = browser_login(&sb, None);
    assert_eq!(code, 0, "{stderr}\n{}", sim.log());
    let log = sim.log();
    for step in [
        "RegisterClient kubectl-eksauth-corp (authorization_code)",
        "Authorize: approved",
        "CreateToken (authorization_code)",
    ] {
        assert_eq!(log.matches(step).count(), 1, "{step}:\n{log}");
    }
    let token = read_json(&token_cache(&sb));
    for field in [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ] {
        assert!(token[field].is_string(), "{field} missing: {token}");
    }
    let reg = read_json(&registration_cache(&sb));
    assert_eq!(reg["clientId"], token["clientId"], "{reg}");
    assert_eq!(
        reg["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert!(!stderr.contains(token["accessToken"].as_str().unwrap()));
    // The AWS CLI uses the token, then refreshes it with the registration.
    aws(&sb, &["sts", "get-caller-identity", "--profile", "dev"]).ok();
    expire_cached_token(&sb);
    let id = aws(&sb, &["sts", "get-caller-identity", "--profile", "dev"]);
    id.ok();
    assert!(
        id.stdout
            .contains("AWSReservedSSO_Admin_0123abcd/dev@example.com")
    );
    assert_eq!(sim.log().matches("CreateToken (refresh_token)").count(), 1);
    let refreshed = read_json(&token_cache(&sb));
    assert_ne!(refreshed["refreshToken"], token["refreshToken"], "rotated");
    // ...and `token` uses what the AWS CLI wrote back, with no refresh.
    run(token_cmd(&sb)).ok();
    assert_eq!(sim.log().matches("CreateToken (refresh_token)").count(), 1);
    // A second login reuses the cached registration.
    let (code, stderr) = browser_login(&sb, None);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        sim.log().matches("RegisterClient").count(),
        1,
        "{}",
        sim.log()
    );
}

#[test]
fn a_browser_answer_with_another_state_is_refused_and_nothing_is_saved() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("")));
    let sb = session_sandbox(&sim);
    let (code, stderr) = browser_login(&sb, Some("forged-state"));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("another state"), "{stderr}");
    assert!(!token_cache(&sb).exists());
    assert!(!sim.log().contains("CreateToken"), "{}", sim.log());
}

#[test]
fn the_flow_is_said_and_follows_the_surroundings() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("")));
    let mut sb = session_sandbox(&sim);
    sb.set("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22");
    let r = run(sb.eksauth(&["login", "--profile", "dev", "--no-browser"]));
    r.ok();
    assert!(
        r.stderr
            .contains("Logging in with the device code: this is an SSH session"),
        "{}",
        r.stderr
    );
    assert!(sim.log().contains("StartDeviceAuthorization"));
}

/// A device-code login (approved at once), then the cached token made to
/// look expired.
fn logged_in_then_expired(sim: &Sim) -> Sandbox {
    let sb = session_sandbox(sim);
    run(sb.eksauth(&[
        "login",
        "--profile",
        "dev",
        "--use-device-code",
        "--no-browser",
    ]))
    .ok();
    expire_cached_token(&sb);
    sb
}

#[test]
fn token_refreshes_an_expired_sso_token_silently_and_writes_it_back() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("")));
    let sb = logged_in_then_expired(&sim);
    let before = read_json(&token_cache(&sb));
    let t = run(token_cmd(&sb));
    t.ok();
    assert_eq!(t.stderr, "", "silent");
    assert_eq!(sim.log().matches("CreateToken (refresh_token)").count(), 1);
    let after = read_json(&token_cache(&sb));
    assert_ne!(after["accessToken"], before["accessToken"]);
    assert_ne!(after["refreshToken"], before["refreshToken"]);
    assert_eq!(after["clientId"], before["clientId"]);
    let exp = time::OffsetDateTime::parse(
        after["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(exp > time::OffsetDateTime::now_utc() + time::Duration::hours(1));
    // The AWS CLI accepts the written-back token without refreshing.
    aws(&sb, &["sts", "get-caller-identity", "--profile", "dev"]).ok();
    assert_eq!(sim.log().matches("CreateToken (refresh_token)").count(), 1);
}

#[test]
fn thirty_two_concurrent_token_calls_refresh_the_session_once() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("")));
    let sb = logged_in_then_expired(&sim);
    // --no-cache: no token-cache lock; only the SSO session lock serialises.
    let children: Vec<Child> = (0..32)
        .map(|_| {
            token_cmd(&sb)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out: Run = c.wait_with_output().unwrap().into();
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    assert_eq!(
        sim.log().matches("CreateToken (refresh_token)").count(),
        1,
        "{}",
        sim.log()
    );
}

/// `why -o json` for a kubeconfig whose exec entry uses profile `dev`.
fn why_codes(sim: &Sim, sb: &Sandbox) -> (Vec<String>, serde_json::Value) {
    let kc = Kubeconfig::demo(
        sim,
        Exec::eksauth(&TOKEN_ARGS).env(&[("AWS_PROFILE", "dev")]),
    )
    .write(&sb.path("why-kc"));
    let (_, v) = why(sb, &["--kubeconfig", kc.to_str().unwrap()]);
    (errors(&v), v)
}

/// The `sso_refresh` evidence of why's sso-session-expired finding.
fn refresh_evidence(report: &serde_json::Value) -> String {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "sso-session-expired")
        .and_then(|f| f["evidence"]["sso_refresh"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_refused_refresh_is_an_expired_session_for_token_and_why() {
    let sim = Sim::start(&fixture(
        &masters_sso(),
        &oidc("  refresh_allowed: false\n"),
    ));
    let sb = logged_in_then_expired(&sim);
    let t = run(token_cmd(&sb));
    assert_eq!(t.code, 1, "{t:?}");
    assert!(
        t.stderr.contains("session of profile \"dev\" expired")
            && t.stderr
                .contains("the refresh was refused (InvalidGrantException")
            && t.stderr.contains("kubectl eksauth login --profile dev"),
        "{}",
        t.stderr
    );
    let (codes, report) = why_codes(&sim, &sb);
    assert!(
        codes.contains(&"sso-session-expired".to_string()),
        "{report}"
    );
    assert!(!codes.contains(&"exec-failed".to_string()), "{report}");
    assert_eq!(
        refresh_evidence(&report),
        "refused",
        "why says which: {report}"
    );
}

#[test]
fn an_expired_token_without_a_refresh_token_says_it_cannot_be_refreshed() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("")));
    let sb = session_sandbox(&sim);
    // What an older AWS CLI's device login leaves: no refresh token.
    sb.sso_token("SSO-ACCESS-TOKEN-VALID-0001", "2020-01-01T00:00:00Z");
    let t = run(token_cmd(&sb));
    assert_eq!(t.code, 1);
    assert!(
        t.stderr
            .contains("cannot be refreshed: the cache holds no refresh token"),
        "{}",
        t.stderr
    );
    assert!(
        !sim.log().contains("CreateToken"),
        "nothing to refresh with"
    );
    let (codes, report) = why_codes(&sim, &sb);
    assert!(
        codes.contains(&"sso-session-expired".to_string()),
        "{report}"
    );
    assert_eq!(
        refresh_evidence(&report),
        "impossible",
        "why says which: {report}"
    );
}

#[test]
fn a_revoked_sso_token_names_the_session_and_the_login_not_the_raw_exception() {
    let fx = fixture(&masters_sso(), &oidc("")).replace(
        "      user_name: dev@example.com\n",
        "      user_name: dev@example.com\n      revoked: true\n",
    );
    let sim = Sim::start(&fx);
    let sb = session_sandbox(&sim);
    sso_profile(&sb, Some("SSO-ACCESS-TOKEN-VALID-0001"));
    let t = run(token_cmd(&sb));
    assert_eq!(t.code, 1);
    assert!(
        t.stderr.contains("has expired or was revoked")
            && t.stderr.contains("kubectl eksauth login --profile dev"),
        "{}",
        t.stderr
    );
    assert!(sim.log().contains("UnauthorizedException"), "{}", sim.log());
    let (codes, report) = why_codes(&sim, &sb);
    assert!(
        codes.contains(&"sso-session-expired".to_string()),
        "{report}"
    );
    assert!(!codes.contains(&"exec-failed".to_string()), "{report}");
}

#[test]
fn a_second_login_of_the_session_waits_and_uses_the_first_ones_token() {
    // The first login waits 3 polls (1 s apart) for the approval.
    let sim = Sim::start(&fixture(
        &masters_sso(),
        &oidc("").replace("approve_after_polls: 0", "approve_after_polls: 3"),
    ));
    let sb = session_sandbox(&sim);
    let args = [
        "login",
        "--profile",
        "dev",
        "--use-device-code",
        "--no-browser",
    ];
    let mut first = sb.eksauth(&args).stderr(Stdio::piped()).spawn().unwrap();
    let (_, rx1) = wait_for_line(&mut first, "Waiting for the approval");
    let mut second = sb.eksauth(&args).stderr(Stdio::piped()).spawn().unwrap();
    let (code1, _) = finish(first, rx1);
    assert_eq!(code1, 0);
    let (line, rx2) = wait_for_line(&mut second, "Another login");
    let (code2, rest) = finish(second, rx2);
    assert_eq!(code2, 0, "{line}\n{rest}");
    assert_eq!(
        sim.log().matches("StartDeviceAuthorization").count(),
        1,
        "one device authorization for both:\n{}",
        sim.log()
    );
}

#[test]
fn two_kubectl_calls_on_terminals_open_one_browser_between_them() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("")));
    let mut sb = session_sandbox(&sim);
    // The "browser": notes each address it is opened on, then follows it
    // (authorize, then the redirect to the plugin's 127.0.0.1 callback).
    let opened = sb.path("opened.log");
    let browser = sb.path("browser.sh");
    script(
        &browser,
        &format!(
            "echo \"$1\" >> {}\nsleep 1\nexec /usr/bin/curl -s -o /dev/null -L \"$1\"",
            opened.display()
        ),
    );
    sb.set("BROWSER", browser.display().to_string());
    let mut args = TOKEN_ARGS.to_vec();
    args.push("--no-cache");
    let exec = Exec::new("kubectl-eksauth", &args)
        .env(&[("AWS_PROFILE", "dev")])
        .interactive_mode(Some("IfAvailable"));
    let kc = Kubeconfig::demo(&sim, exec).write(&sb.path("kc"));
    let inner = format!(
        "{} --kubeconfig {} auth whoami -o json",
        kubectl().display(),
        kc.display()
    );
    let on_terminal = || {
        let mut c = sb.command("/usr/bin/script");
        c.args(["-qec", &inner, "/dev/null"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (on_terminal(), on_terminal());
    for c in [a, b] {
        let out: Run = c.wait_with_output().unwrap().into();
        assert_eq!(out.code, 0, "{out:?}\n{}", sim.log());
        assert!(out.stdout.contains("sso:dev-example.com"), "{}", out.stdout);
    }
    let lines = std::fs::read_to_string(&opened).unwrap();
    assert_eq!(lines.lines().count(), 1, "one browser: {lines}");
    assert_eq!(
        sim.log()
            .matches("CreateToken (authorization_code)")
            .count(),
        1,
        "{}",
        sim.log()
    );
}

#[test]
fn an_interrupted_login_leaves_no_token_and_no_partial_file() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("")));
    let sb = session_sandbox(&sim);
    let mut child = sb
        .eksauth(&["login", "--profile", "dev", "--no-browser"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_, rx) = wait_for_line(&mut child, "Waiting for the browser");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (code, _) = finish(child, rx);
    assert_ne!(code, 0);
    assert!(!token_cache(&sb).exists());
    let dir = sb.home().join(".aws/sso/cache");
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains("tmp"), "a partial file was left: {name}");
    }
}

#[test]
fn a_registration_near_its_end_is_replaced_and_an_expired_one_cannot_refresh() {
    // Registrations live 10 minutes: under the AWS CLI's 15-minute margin,
    // so a second login registers again instead of reusing it.
    let sim = Sim::start(&fixture(
        &masters_sso(),
        &oidc("  client_expires_in_seconds: 600\n"),
    ));
    let sb = session_sandbox(&sim);
    let device = [
        "login",
        "--profile",
        "dev",
        "--use-device-code",
        "--no-browser",
    ];
    run(sb.eksauth(&device)).ok();
    run(sb.eksauth(&device)).ok();
    assert_eq!(
        sim.log().matches("RegisterClient").count(),
        2,
        "{}",
        sim.log()
    );
    // A token whose registration has expired cannot be refreshed.
    let p = token_cache(&sb);
    let mut v = read_json(&p);
    v["expiresAt"] = "2020-01-01T00:00:00Z".into();
    v["registrationExpiresAt"] = "2020-01-02T00:00:00Z".into();
    std::fs::write(&p, v.to_string()).unwrap();
    let t = run(token_cmd(&sb));
    assert_eq!(t.code, 1);
    assert!(
        t.stderr.contains(
            "cannot be refreshed: its client registration expired at 2020-01-02T00:00:00Z"
        ),
        "{}",
        t.stderr
    );
    assert!(!sim.log().contains("CreateToken (refresh_token)"));
}
