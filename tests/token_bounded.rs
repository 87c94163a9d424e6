//! `token` with a `credential_process` that misbehaves, through the real
//! binary: one that hangs (leaving a child of its own) must not hang
//! kubectl; the command ends with an error naming it, and neither the
//! process nor its child is left running. One that prints without end is
//! stopped at a small cap.

mod common;
use common::*;
use std::time::{Duration, Instant};

fn sandbox_with_process(body: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.credential_process("p", "process.sh", body);
    sb
}

fn token(sb: &Sandbox) -> (Run, Duration) {
    let started = Instant::now();
    let r = run_within(
        sb.eksauth(&[
            "token",
            "--cluster-name",
            "demo",
            "--region",
            "us-west-2",
            "--profile",
            "p",
            "--no-cache",
        ]),
        Duration::from_secs(60),
    );
    (r, started.elapsed())
}

#[test]
fn a_hanging_credential_process_ends_token_with_an_error_and_is_killed_with_its_child() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("child.pid");
    let sb = sandbox_with_process(&format!(
        "sleep 600 & echo $! > {}\nwait",
        pidfile.display()
    ));
    let (r, took) = token(&sb);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(took < Duration::from_secs(35), "took {took:?}");
    assert!(
        r.stderr.contains("credential_process ran over"),
        "{}",
        r.stderr
    );
    std::thread::sleep(Duration::from_millis(300));
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    assert!(
        stat.is_empty() || stat.contains(") Z "),
        "the credential_process's child still runs: {stat}"
    );
}

#[test]
fn a_credential_process_that_prints_without_end_is_stopped() {
    let sb = sandbox_with_process("exec yes");
    let (r, took) = token(&sb);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(r.stderr.contains("printed more than"), "{}", r.stderr);
}
