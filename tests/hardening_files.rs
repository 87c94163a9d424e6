//! Regression tests for local files and data under bad input (issue 10,
//! part A), through the real binary: FIFOs and devices where files belong,
//! environment variables that are not UTF-8, the token cache's key, lock
//! and folder, and concurrent or hostile `setup` runs. Each test is named
//! after what broke.

mod common;
use common::{EXAMPLE_SECRET as SECRET, TOKEN_ARGS as TOKEN, *};
use std::path::Path;
use std::time::{Duration, Instant};

#[cfg(unix)]
fn mkfifo(p: &Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap();
    assert!(st.success());
}

/// A hang guard: these must end at once, not after a timeout.
const QUICK: Duration = Duration::from_secs(8);

#[cfg(unix)]
#[test]
fn why_kubeconfig_naming_a_fifo_or_dev_zero_is_refused_not_read() {
    // Was: a FIFO blocked forever; /dev/zero grew to 16 GB.
    let sb = Sandbox::new();
    let fifo = sb.path("fifo");
    mkfifo(&fifo);
    for (file, says) in [(fifo.to_str().unwrap(), "FIFO"), ("/dev/zero", "a device")] {
        let r = run_within(
            sb.eksauth(&["why", "--kubeconfig", file, "-o", "json", "--timeout", "3"]),
            QUICK,
        );
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        let v = r.json();
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "kubeconfig-invalid")
            .unwrap_or_else(|| panic!("{v}"));
        assert!(f["detail"].as_str().unwrap().contains(says), "{f}");
        let perms = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "kubeconfig-permissions");
        assert!(!perms, "a file that was not read has no mode to judge: {v}");
    }
}

#[cfg(unix)]
#[test]
fn why_aws_auth_file_and_stdin_token_from_dev_zero_are_bounded() {
    // Was: `--aws-auth-file /dev/zero` grew without end; `--token -` from
    // /dev/zero read forever.
    let sb = Sandbox::new();
    let r = run_within(
        sb.eksauth(&["why", "--aws-auth-file", "/dev/zero", "--timeout", "3"]),
        QUICK,
    );
    assert!(r.code == 1 || r.code == 2, "{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let mut c = sb.eksauth(&["why", "--token", "-", "--timeout", "3"]);
    c.stdin(std::fs::File::open("/dev/zero").unwrap());
    let r = run_within(c, QUICK);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("larger than 64 KiB"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn why_stdin_token_that_never_ends_stops_at_the_timeout() {
    // Was: `--timeout` did not stop a read of stdin.
    let sb = Sandbox::new();
    let fifo = sb.path("fifo");
    mkfifo(&fifo);
    // Keep a writer open so the read never sees the end.
    let _writer = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let mut c = sb.eksauth(&["why", "--token", "-", "--timeout", "1"]);
    c.stdin(std::fs::File::open(&fifo).unwrap());
    let start = Instant::now();
    let r = run_within(c, QUICK);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(r.stderr.contains("stdin"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_non_utf8_environment_variable_never_panics_nor_shows_its_value() {
    // Was: exit 134 with the value (a secret key) in the panic message.
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"wJalrXUtnFEMI\xffLEAKED");
    let sb = Sandbox::offline("AKIAEXAMPLE000000001");
    for (var, args) in [
        ("AWS_SECRET_ACCESS_KEY", &TOKEN[..]),
        ("AWS_PROFILE", &TOKEN[..]),
        ("AWS_PROFILE", &["cache", "list"][..]),
        ("AWS_SECRET_ACCESS_KEY", &["why", "--timeout", "2"][..]),
        ("UNRELATED_VAR", &["cache", "list"][..]),
    ] {
        let mut c = sb.eksauth(args);
        c.env(var, bad);
        let r = run_within(c, Duration::from_secs(20));
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(
            !all.contains("LEAKED") && !all.contains("panicked"),
            "{all}"
        );
        assert!(r.code != 134 && r.code >= 0, "{var} {args:?}: {all}");
        if var != "UNRELATED_VAR" {
            assert!(r.code == 1 || r.code == 2, "{var} {args:?}: {all}");
            assert!(all.contains(var), "names the variable: {all}");
        } else {
            assert_eq!(r.code, 0, "an unrelated variable is ignored: {all}");
        }
    }
}

fn cache_dir(sb: &Sandbox) -> std::path::PathBuf {
    sb.home().join(".kube/cache/eksauth")
}

fn files_with(dir: &Path, ext: &str) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    rd.flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect()
}

#[cfg(unix)]
#[test]
fn a_fifo_as_token_cache_or_lock_file_does_not_hang_token_or_cache_list() {
    // Was: `token` (and kubectl with it) and `cache list` hung.
    let sb = Sandbox::offline("AKIAEXAMPLE000000001");
    run(sb.eksauth(&TOKEN)).ok();
    for ext in ["json", "lock"] {
        for p in files_with(&cache_dir(&sb), ext) {
            std::fs::remove_file(&p).unwrap();
            mkfifo(&p);
        }
    }
    let r = run_within(sb.eksauth(&TOKEN), QUICK);
    r.ok();
    assert!(r.token().starts_with("k8s-aws-v1."));
    run_within(sb.eksauth(&["cache", "list"]), QUICK).ok();
}

#[test]
fn a_fixed_secret_key_is_a_cache_miss() {
    // Was: the token signed with the mistyped key came back for 14 minutes.
    let mut sb = Sandbox::offline("AKIAEXAMPLE000000001");
    sb.set(
        "AWS_SECRET_ACCESS_KEY",
        "mistyped-secret-key-000000000000000000000",
    );
    let bad = run(sb.eksauth(&TOKEN)).ok().token();
    assert_eq!(run(sb.eksauth(&TOKEN)).ok().token(), bad, "same key: a hit");
    sb.set("AWS_SECRET_ACCESS_KEY", SECRET);
    let fixed = run(sb.eksauth(&TOKEN)).ok().token();
    assert_ne!(fixed, bad, "the fixed key must sign a new token");
    sb.set("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLE");
    assert_ne!(
        run(sb.eksauth(&TOKEN)).ok().token(),
        fixed,
        "a session token too"
    );
    for p in files_with(&cache_dir(&sb), "json") {
        let text = std::fs::read_to_string(p).unwrap();
        assert!(!text.contains("mistyped") && !text.contains(SECRET) && !text.contains("FwoG"));
    }
}

#[test]
fn a_token_signed_while_the_clock_was_ahead_is_a_miss_once_it_is_right() {
    // Was: a token minted 2 h ahead was served for 134 minutes.
    let sb = Sandbox::offline("AKIAEXAMPLE000000001");
    let mut ahead = sb.command(faketime());
    ahead.arg("-f").arg("+2h").arg(bin()).args(TOKEN);
    let future = run(ahead).ok().token();
    let now = run(sb.eksauth(&TOKEN)).ok().token();
    assert_ne!(now, future, "the future token must not be served");
    let date = token_param(&now, "X-Amz-Date").unwrap();
    let today = time::OffsetDateTime::now_utc();
    assert!(
        date.starts_with(&format!(
            "{:04}{:02}{:02}",
            today.year(),
            today.month() as u8,
            today.day()
        )),
        "{date}"
    );
}

#[cfg(unix)]
#[test]
fn cache_clear_through_a_symlinked_folder_removes_only_tokens_and_chmods_nothing() {
    // Was: another folder's settings.json was deleted, and the folder
    // chmod'ed to 0700.
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::offline("AKIAEXAMPLE000000001");
    let shared = sb.path("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(shared.join("settings.json"), "{}").unwrap();
    std::fs::create_dir_all(sb.home().join(".kube/cache")).unwrap();
    std::os::unix::fs::symlink(&shared, cache_dir(&sb)).unwrap();
    run(sb.eksauth(&TOKEN)).ok();
    let mode = std::fs::metadata(&shared).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "the link's target keeps its mode");
    let r = run(sb.eksauth(&["cache", "clear"]));
    r.ok();
    assert!(r.stdout.contains("removed 1 cached token"), "{}", r.stdout);
    assert!(shared.join("settings.json").exists(), "not ours: kept");
}

#[test]
fn empty_cluster_name_is_refused() {
    let sb = Sandbox::offline("AKIAEXAMPLE000000001");
    for args in [
        &["token", "--cluster-name", "", "--region", "us-west-2"][..],
        &["setup", "--cluster-name", "", "--region", "us-west-2"][..],
    ] {
        let r = run(sb.eksauth(args));
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("--cluster-name"), "{}", r.stderr);
    }
}

fn role_fixture(faults: &str) -> String {
    fixture(&masters_aws_auth(), faults)
}

/// N concurrent `token --role-arn` calls with one cache.
fn concurrent_tokens(sb: &Sandbox, n: usize) -> Vec<Run> {
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admin");
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let mut args = TOKEN.to_vec();
            args.extend(["--role-arn", role.as_str()]);
            let c = sb.eksauth(&args);
            std::thread::spawn(move || run_within(c, Duration::from_secs(60)))
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn concurrent_token_calls_make_exactly_one_sts_request() {
    // The lock's test: without it every call assumes the role itself.
    let sim = Sim::start(&role_fixture(""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let runs = concurrent_tokens(&sb, 12);
    let mut tokens: Vec<String> = runs.iter().map(|r| r.ok().token()).collect();
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "one token shared by all");
    let assumes = sim.log().matches(" AssumeRole arn:").count();
    assert_eq!(assumes, 1, "{}", sim.log());
}

#[test]
fn when_sts_hangs_concurrent_token_calls_share_the_first_failure() {
    // Was: 16 calls failed one after another over 35 s.
    let sim = Sim::start(&role_fixture("faults:\n  hang: [sts]\n"));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let start = Instant::now();
    let runs = concurrent_tokens(&sb, 8);
    let took = start.elapsed();
    for r in &runs {
        r.failed();
    }
    let shared = runs
        .iter()
        .filter(|r| r.stderr.contains("the same failure as a concurrent"))
        .count();
    assert_eq!(shared, 7, "{:#?}", runs);
    // One STS timeout (15 s) and start-up, not one timeout after another.
    assert!(took < Duration::from_secs(25), "took {took:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_stopped_lock_holder_does_not_make_waiters_wait() {
    // Was: waiters on a lock whose holder was stopped (SIGSTOP) waited 20 s.
    let sim = Sim::start(&role_fixture("faults:\n  hang: [sts]\n"));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admin");
    let mut args = TOKEN.to_vec();
    args.extend(["--role-arn", role.as_str()]);
    let mut holder = sb
        .eksauth(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock_seen = Instant::now();
    while files_with(&cache_dir(&sb), "lock").is_empty() {
        assert!(
            lock_seen.elapsed() < QUICK,
            "the holder never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pid = holder.id().to_string();
    std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap();
    // The waiter goes on by itself at once (and then meets the hanging STS
    // for its own 15 s), instead of 20 s of waiting first.
    let start = Instant::now();
    let r = run_within(sb.eksauth(&args), Duration::from_secs(60));
    let took = start.elapsed();
    std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap();
    let _ = holder.kill();
    let _ = holder.wait();
    r.failed();
    assert!(!r.stderr.contains("the same failure"), "{}", r.stderr);
    // Waiting for the holder first would make it 20 s + 15 s.
    assert!(
        took < Duration::from_secs(28),
        "took {took:?}: {}",
        r.stderr
    );
}

const KC: &str = "apiVersion: v1\nkind: Config\n# the team's clusters\nclusters: []\n";

fn setup_alias(sb: &Sandbox, alias: &str) -> Run {
    run(sb.eksauth(&[
        "setup",
        "--cluster-name",
        "demo",
        "--region",
        "us-west-2",
        "--alias",
        alias,
    ]))
}

#[test]
fn eight_concurrent_setups_keep_every_context() {
    // Was: of 8 concurrent runs, 2 contexts survived.
    let sim = Sim::start(&role_fixture(""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    sb.write(".kube/config", KC);
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let c = sb.eksauth(&[
                "setup",
                "--cluster-name",
                "demo",
                "--region",
                "us-west-2",
                "--alias",
                &format!("ctx-{i}"),
            ]);
            std::thread::spawn(move || run_within(c, Duration::from_secs(60)))
        })
        .collect();
    for h in handles {
        h.join().unwrap().ok();
    }
    let kc = yaml_file(&sb.home().join(".kube/config"));
    let names: Vec<&str> = kc["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for i in 0..8 {
        assert!(names.contains(&format!("ctx-{i}").as_str()), "{names:?}");
    }
    assert!(!sb.home().join(".kube/config.lock").exists());
}

#[cfg(unix)]
#[test]
fn setup_writes_through_a_dangling_symlinked_kubeconfig() {
    // Was: the link was replaced by a regular file.
    let sim = Sim::start(&role_fixture(""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let link = sb.home().join(".kube/config");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("dotfiles/kubeconfig", &link).unwrap();
    setup_alias(&sb, "demo").ok();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let kc = yaml_file(&sb.home().join(".kube/dotfiles/kubeconfig"));
    assert_eq!(kc["current-context"], "demo");
}

#[cfg(unix)]
#[test]
fn setup_never_follows_a_planted_backup_symlink() {
    // Was: the previous kubeconfig was written into the link's target.
    let sim = Sim::start(&role_fixture(""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let kc = sb.write(".kube/config", KC);
    let victim = sb.path("victim");
    std::fs::write(&victim, "keep").unwrap();
    std::os::unix::fs::symlink(&victim, sb.home().join(".kube/config.eksauth.bak")).unwrap();
    setup_alias(&sb, "demo").ok();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert_eq!(yaml_file(&kc)["current-context"], "demo");
}

#[test]
fn setup_refuses_a_kubeconfig_that_is_a_list_or_a_scalar_or_broken() {
    // Was: silently replaced; parse errors quoted the neighbouring secret.
    let sim = Sim::start(&role_fixture(""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    for (text, says) in [
        ("- a\n- b\n", "a YAML list"),
        ("hello\n", "a single YAML value"),
        (
            "users:\n- name: a\n  user:\n    password: hunter2-SECRET\n    x: [open\n",
            "not valid YAML at line",
        ),
    ] {
        let kc = sb.write(".kube/config", text);
        let r = setup_alias(&sb, "demo");
        r.failed();
        assert!(r.stderr.contains(says), "{}", r.stderr);
        assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
        assert_eq!(std::fs::read_to_string(&kc).unwrap(), text, "untouched");
    }
}

#[test]
fn setup_writes_the_file_of_kubeconfig_that_holds_the_entry() {
    // Was: always the first file of KUBECONFIG.
    let sim = Sim::start(&role_fixture(""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let f1 = sb.write("f1", "apiVersion: v1\nkind: Config\nclusters: []\n");
    let f3 = sb.write(
        "f3",
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: demo\n  context: {cluster: x, user: y}\n",
    );
    sb.set("KUBECONFIG", format!("{}:{}", f1.display(), f3.display()));
    setup_alias(&sb, "demo").ok();
    assert_eq!(
        std::fs::read_to_string(&f1).unwrap(),
        "apiVersion: v1\nkind: Config\nclusters: []\n"
    );
    let kc = yaml_file(&f3);
    assert!(
        kc["users"][0]["user"]["exec"]["command"] == "kubectl-eksauth",
        "{kc}"
    );
    // With another current context in f1, kubectl reads it from there.
    std::fs::write(
        &f1,
        "apiVersion: v1\nkind: Config\ncurrent-context: other\n",
    )
    .unwrap();
    setup_alias(&sb, "demo").ok();
    assert_eq!(yaml_file(&f1)["current-context"], "demo");
    let r = kubectl_run(&sb, &["config", "current-context"]);
    assert_eq!(r.stdout.trim(), "demo", "{}", r.stderr);
}

#[test]
fn setup_migrate_rewrites_the_entry_in_the_second_file_of_kubeconfig() {
    // Was: "already up to date" and f3 untouched.
    let sb = Sandbox::new();
    let f1 = sb.write("f1", "apiVersion: v1\nkind: Config\nclusters: []\n");
    let f3 = sb.write(
        "f3",
        "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec:\n      \
         apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      \
         args: [--region, us-west-2, eks, get-token, --cluster-name, demo]\n",
    );
    let mut sb = sb;
    sb.set("KUBECONFIG", format!("{}:{}", f1.display(), f3.display()));
    let r = run(sb.eksauth(&["setup", "--migrate"]));
    r.ok();
    let exec = &yaml_file(&f3)["users"][0]["user"]["exec"];
    assert_eq!(exec["command"], "kubectl-eksauth", "{}", r.stdout);
}

#[test]
fn setup_keeps_an_unquoted_017_in_an_extension_as_017() {
    // Was: written back as 17.0.
    let sim = Sim::start(&role_fixture(""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let kc = sb.write(
        ".kube/config",
        "apiVersion: v1\nkind: Config\nextensions:\n- name: team\n  extension: {code: 017}\n",
    );
    setup_alias(&sb, "demo").ok();
    let text = std::fs::read_to_string(&kc).unwrap();
    assert!(text.contains("017") && !text.contains("17.0"), "{text}");
}

#[test]
fn setup_keeps_the_comments_of_what_it_did_not_change() {
    // Was: every comment dropped.
    let sim = Sim::start(&role_fixture(""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let kc = sb.write(
        ".kube/config",
        "# managed by hand\napiVersion: v1\nkind: Config\nclusters:\n# staging first\n\
         - name: staging # old one\n  cluster: {server: 'https://staging.example'}\n\
         users: []\ncontexts: []\npreferences: {} # none\n",
    );
    setup_alias(&sb, "demo").ok();
    let text = std::fs::read_to_string(&kc).unwrap();
    for kept in [
        "# managed by hand",
        "# staging first",
        "- name: staging # old one",
        "preferences: {} # none",
    ] {
        assert!(text.contains(kept), "{kept}:\n{text}");
    }
    assert_eq!(yaml_file(&kc)["current-context"], "demo");
}

#[cfg(unix)]
#[test]
fn a_fifo_as_aws_config_file_fails_the_token_at_once() {
    // Was: the SDK opened it and waited for a writer forever.
    let mut sb = Sandbox::offline("AKIAEXAMPLE000000001");
    let fifo = sb.path("config-fifo");
    mkfifo(&fifo);
    sb.set("AWS_CONFIG_FILE", fifo.to_str().unwrap());
    let r = run_within(sb.eksauth(&TOKEN), QUICK);
    r.failed();
    assert!(r.stderr.contains("FIFO"), "{}", r.stderr);
}
