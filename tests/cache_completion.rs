//! `cache list|clear` through the binary (never a token in the output) and
//! `completion` for every shell.

mod common;
use common::*;

#[test]
fn cache_list_shows_cluster_identity_and_expiry_never_the_token() {
    let sb = Sandbox::with_keys(ALICE);
    let t = run(sb.eksauth(&["token", "--cluster-name", "demo", "--region", "us-west-2"]));
    t.ok();
    let token = t.token();
    let r = run(sb.eksauth(&["cache", "list"]));
    r.ok();
    assert!(
        r.stdout.contains("demo") && r.stdout.contains("us-west-2"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("key AKIAALICE00000000001"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("left)"), "{}", r.stdout);
    let secret_part = &token["k8s-aws-v1.".len()..];
    assert!(!r.stdout.contains(secret_part) && !r.stdout.contains("alice-secret"));
}

#[test]
fn cache_clear_empties_the_cache_and_the_next_token_is_fresh() {
    let sb = Sandbox::with_keys(ALICE);
    run(sb.eksauth(&["token", "--cluster-name", "demo", "--region", "us-west-2"])).ok();
    let r = run(sb.eksauth(&["cache", "clear"]));
    r.ok();
    assert!(r.stdout.contains("removed 1 cached token"), "{}", r.stdout);
    let dir = sb.home().join(".kube/cache/eksauth");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no file left");
    assert!(
        run(sb.eksauth(&["cache", "list"]))
            .stdout
            .contains("no cached tokens")
    );
}

#[test]
fn completion_scripts_for_every_shell_name_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = run(Sandbox::new().eksauth(&["completion", shell]));
        r.ok();
        for word in ["setup", "whoami", "login", "completion", "kubectl-eksauth"] {
            assert!(r.stdout.contains(word), "{shell}: {word} missing");
        }
    }
    let sb = Sandbox::new();
    let bash = run(sb.eksauth(&["completion", "bash"])).stdout;
    let f = sb.path("c.bash");
    std::fs::write(&f, bash).unwrap();
    let mut c = sb.command("/bin/bash");
    c.arg("-n").arg(&f);
    run(c).ok();
}

#[test]
fn an_unknown_shell_is_a_usage_error_with_status_1() {
    let r = run(Sandbox::new().eksauth(&["completion", "tcsh"]));
    assert_eq!(r.code, 1);
}
