//! `login` against the simulator's SSO OIDC device flow: the cache file it
//! writes is accepted by the AWS CLI of the venv and by `token`; pending,
//! expired and denied outcomes; and `token` logging in by itself when
//! kubectl runs it on a terminal (a pseudo-terminal from `script`).

mod common;
use common::*;

fn oidc(outcome: &str, polls: u32, expires: u32) -> String {
    format!(
        "sso_oidc:\n  user_name: dev@example.com\n  outcome: {outcome}\n  approve_after_polls: {polls}\n  interval_seconds: 1\n  device_code_expires_in_seconds: {expires}\n"
    )
}

fn login(sb: &Sandbox) -> Run {
    run(sb.eksauth(&["login", "--profile", "dev", "--no-browser"]))
}

#[test]
fn login_writes_the_sso_cache_that_the_aws_cli_and_token_accept() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("approve", 2, 600)));
    let sb = Sandbox::installed(&sim);
    sso_profile(&sb, None);
    let r = login(&sb);
    r.ok();
    assert_eq!(r.stdout, "", "nothing on stdout");
    assert!(
        r.stderr.contains("https://device.sso.") && r.stderr.contains("enter the code"),
        "{}",
        r.stderr
    );
    assert_eq!(
        sim.log().matches("AuthorizationPendingException").count(),
        2,
        "polled through authorization_pending:\n{}",
        sim.log()
    );
    let path = sb.home().join(sso_cache_rel("corp"));
    let cache: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
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
        assert!(cache[field].is_string(), "{field} missing: {cache}");
    }
    assert!(
        !r.stderr.contains(cache["accessToken"].as_str().unwrap()),
        "the token is never printed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let id = aws(&sb, &["sts", "get-caller-identity", "--profile", "dev"]);
    id.ok();
    assert!(
        id.json()["Arn"]
            .as_str()
            .unwrap()
            .ends_with("assumed-role/AWSReservedSSO_Admin_0123abcd/dev@example.com"),
        "{}",
        id.stdout
    );
    let t = run(sb.eksauth(&[
        "token",
        "--cluster-name",
        "demo",
        "--region",
        "us-west-2",
        "--profile",
        "dev",
        "--no-cache",
    ]));
    t.ok();
    let kc = Kubeconfig::demo(
        &sim,
        Exec::eksauth(&TOKEN_ARGS).env(&[("AWS_PROFILE", "dev")]),
    )
    .write(&sb.path("kc"));
    let k = kubectl_run(
        &sb,
        &[
            "--kubeconfig",
            kc.to_str().unwrap(),
            "auth",
            "whoami",
            "-o",
            "json",
        ],
    );
    assert_eq!(k.code, 0, "{}", k.stderr);
    assert_eq!(
        k.json()["status"]["userInfo"]["username"],
        "sso:dev-example.com"
    );
}

#[test]
fn a_denied_login_fails_with_the_retry_command_and_writes_nothing() {
    let sim = Sim::start(&fixture("", &oidc("deny", 0, 600)));
    let sb = Sandbox::installed(&sim);
    sso_profile(&sb, None);
    let r = login(&sb);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("denied") && r.stderr.contains("kubectl eksauth login --profile dev"),
        "{}",
        r.stderr
    );
    assert!(!sb.home().join(sso_cache_rel("corp")).exists());
}

#[test]
fn an_expired_device_code_ends_the_login() {
    let sim = Sim::start(&fixture("", &oidc("never", 0, 2)));
    let sb = Sandbox::installed(&sim);
    sso_profile(&sb, None);
    let r = run_within(
        sb.eksauth(&["login", "--profile", "dev", "--no-browser"]),
        std::time::Duration::from_secs(30),
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("expired"), "{}", r.stderr);
}

#[test]
fn a_profile_without_sso_settings_is_named() {
    let sb = Sandbox::new();
    sb.write(".aws/config", "[profile plain]\nregion = us-west-2\n");
    let r = run(sb.eksauth(&["login", "--profile", "plain"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no IAM Identity Center settings"),
        "{}",
        r.stderr
    );
}

/// kubectl on a terminal with `interactiveMode: IfAvailable` (what setup writes).
fn kubectl_kubeconfig(sim: &Sim, sb: &Sandbox) -> std::path::PathBuf {
    let exec = Exec::new("kubectl-eksauth", &TOKEN_ARGS)
        .env(&[("AWS_PROFILE", "dev")])
        .interactive_mode(Some("IfAvailable"));
    Kubeconfig::demo(sim, exec).write(&sb.path("kc"))
}

#[test]
fn token_logs_in_by_itself_when_kubectl_runs_it_on_a_terminal() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("approve", 1, 600)));
    let sb = Sandbox::installed(&sim);
    sso_profile(&sb, None);
    let kc = kubectl_kubeconfig(&sim, &sb);
    let inner = format!(
        "{} --kubeconfig {} auth whoami -o json",
        kubectl().display(),
        kc.display()
    );
    let mut c = sb.command("/usr/bin/script");
    c.args(["-qec", &inner, "/dev/null"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{r:?}\n{}", sim.log());
    assert!(
        r.stdout.contains("enter the code"),
        "the login talked on the terminal: {}",
        r.stdout
    );
    assert!(r.stdout.contains("sso:dev-example.com"), "{}", r.stdout);
    assert!(sb.home().join(sso_cache_rel("corp")).exists());
}

#[test]
fn without_a_terminal_a_missing_session_fails_fast_with_the_fix() {
    let sim = Sim::start(&fixture(&masters_sso(), &oidc("approve", 1, 600)));
    let sb = Sandbox::installed(&sim);
    sso_profile(&sb, None);
    let kc = kubectl_kubeconfig(&sim, &sb);
    let mut c = sb.command(kubectl());
    c.arg("--kubeconfig").arg(&kc).args(["get", "pods"]);
    let r = run_within(c, std::time::Duration::from_secs(30));
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("sso login --profile dev"), "{}", r.stderr);
    assert!(
        !sim.log().contains("RegisterClient"),
        "no login attempted:\n{}",
        sim.log()
    );
}

#[test]
fn slow_down_makes_login_poll_five_seconds_slower_and_still_succeed() {
    // RFC 8628 3.5: after slow_down the client adds 5 s to its interval for
    // good. The simulator asks once; the next poll must come no sooner.
    let oidc = format!("{}  slow_down_polls: 1\n", oidc("approve", 0, 600));
    let sim = Sim::start(&fixture(&masters_sso(), &oidc));
    let sb = Sandbox::installed(&sim);
    sso_profile(&sb, None);
    let start = std::time::Instant::now();
    login(&sb).ok();
    let waited = start.elapsed();
    assert_eq!(
        sim.log().matches("SlowDownException").count(),
        1,
        "asked to slow down once:\n{}",
        sim.log()
    );
    assert!(
        waited >= std::time::Duration::from_secs(6),
        "interval 1 s + 5 s after slow_down, waited {waited:?}"
    );
    assert!(
        sb.home().join(sso_cache_rel("corp")).exists(),
        "the session was cached"
    );
}
