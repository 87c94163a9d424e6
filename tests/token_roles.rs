//! Role credentials, MFA and CA bundles through the real binary against the
//! simulator: a role session is assumed once and cached beside the tokens
//! (the simulator's log counts the AssumeRole requests), an MFA code is
//! asked on the terminal (a pseudo-terminal plays the user) once per role
//! session and refused at once without one, and STS behind a TLS-inspecting
//! proxy (the simulator's `sts_tls`) works only with AWS_CA_BUNDLE or the
//! profile's `ca_bundle`, and `why` names it otherwise.

mod common;
use common::*;
use std::time::{Duration, Instant};

const MFA_SERIAL: &str = "arn:aws:iam::111122223333:mfa/admin";
const MFA_CODE: &str = "123456";

/// The example world plus a role whose trust policy requires MFA and the
/// admin's MFA device.
fn mfa_world() -> Sim {
    let role = "    - arn: arn:aws:iam::111122223333:role/mfa-admins\n      max_session_duration: 7200\n      \
        trusted_principals: [arn:aws:iam::111122223333:user/admin]\n      trust_policy:\n        \
        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            \
        Principal: {AWS: arn:aws:iam::111122223333:user/admin}\n            Action: sts:AssumeRole\n            \
        Condition: {Bool: {\"aws:MultiFactorAuthPresent\": \"true\"}}\n";
    let device = format!(
        "  mfa_devices:\n    - {{serial: {MFA_SERIAL}, user: arn:aws:iam::111122223333:user/admin, code: \"{MFA_CODE}\"}}\n"
    );
    let text = edit(
        &example(),
        "  sessions:\n",
        &format!("{role}{device}  sessions:\n"),
    );
    Sim::start(&text)
}

/// A sandbox whose STS is `sts_url`, with profiles `ops` (the admin's
/// keys), `admins` (role eks-admins from ops) and `guarded` (role
/// mfa-admins from ops, with MFA, two-hour sessions).
fn role_sandbox(sts_url: &str, extra_config: &str) -> Sandbox {
    let mut sb = Sandbox::new();
    sb.set("AWS_ENDPOINT_URL_STS", sts_url).private_cache();
    sb.write(
        ".aws/config",
        &format!(
            "[profile ops]\naws_access_key_id = {}\naws_secret_access_key = {}\n\
             [profile admins]\nrole_arn = arn:aws:iam::111122223333:role/eks-admins\nsource_profile = ops\n\
             [profile guarded]\nrole_arn = arn:aws:iam::111122223333:role/mfa-admins\nsource_profile = ops\n\
             mfa_serial = {MFA_SERIAL}\nduration_seconds = 7200\n{extra_config}",
            ADMIN_KEY.0, ADMIN_KEY.1
        ),
    );
    sb
}

/// Successful AssumeRole requests the simulator served so far.
fn assume_roles(sim: &Sim) -> usize {
    sim.log()
        .lines()
        .filter(|l| l.starts_with("eks-sim sts") && l.contains(" 200 AssumeRole "))
        .count()
}

/// Every request STS got (any action, any outcome).
fn sts_requests(sim: &Sim) -> usize {
    sim.log()
        .lines()
        .filter(|l| l.starts_with("eks-sim sts"))
        .count()
}

fn token_args<'a>(cluster: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["token", "--cluster-name", cluster, "--region", "us-west-2"];
    a.extend_from_slice(extra);
    a
}

fn key_id(token: &str) -> String {
    let cred = token_param(token, "X-Amz-Credential").expect("a credential");
    cred.split('/').next().unwrap().to_string()
}

#[test]
fn a_role_profile_is_assumed_once_for_two_token_misses_and_cached_privately() {
    let sim = Sim::start(&example());
    let sb = role_sandbox(&sim.url("sts"), "");
    let first = run(sb.eksauth(&token_args("demo", &["--profile", "admins"])));
    first.ok();
    // Another cluster: a token cache miss, the same role session.
    let second = run(sb.eksauth(&token_args("other", &["--profile", "admins"])));
    second.ok();
    assert_eq!(assume_roles(&sim), 1, "one AssumeRole:\n{}", sim.log());
    let (a, b) = (key_id(&first.token()), key_id(&second.token()));
    assert!(a.starts_with("ASIA"), "signed by the role session: {a}");
    assert_eq!(a, b, "both tokens signed by the cached session");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = sb.path("kcache/eksauth");
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            assert_eq!(mode(&e.path()), 0o600, "{:?}", e.path());
            let name = e.file_name().to_string_lossy().to_string();
            assert!(!name.contains("ASIA") && !name.contains("AKIA"), "{name}");
        }
    }
}

#[test]
fn role_arn_flag_is_assumed_once_for_two_token_misses() {
    let sim = Sim::start(&example());
    let sb = role_sandbox(&sim.url("sts"), "");
    let role = "arn:aws:iam::111122223333:role/eks-admins";
    for cluster in ["demo", "other"] {
        run(sb.eksauth(&token_args(
            cluster,
            &["--profile", "ops", "--role-arn", role],
        )))
        .ok();
    }
    assert_eq!(assume_roles(&sim), 1, "{}", sim.log());
    // --no-cache bypasses the role cache as well.
    run(sb.eksauth(&token_args(
        "demo",
        &["--profile", "ops", "--role-arn", role, "--no-cache"],
    )))
    .ok();
    assert_eq!(assume_roles(&sim), 2, "{}", sim.log());
}

#[test]
fn assume_role_refused_is_one_paragraph_without_a_debug_dump() {
    let sim = Sim::start(&example());
    let sb = role_sandbox(
        &sim.url("sts"),
        "[profile nope]\nrole_arn = arn:aws:iam::111122223333:role/app-s3-reader\nsource_profile = ops\n",
    );
    let r = run(sb.eksauth(&token_args("demo", &["--profile", "nope"])));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let msg = r
        .stderr
        .trim()
        .trim_start_matches("kubectl-eksauth: error: ");
    assert!(
        msg.starts_with("could not assume role arn:aws:iam::111122223333:role/app-s3-reader"),
        "{msg}"
    );
    assert!(
        msg.contains("not authorized to perform: sts:AssumeRole"),
        "{msg}"
    );
    for dump in ["Error {", "Some(", "ErrorMetadata", "extras"] {
        assert!(!msg.contains(dump), "no Debug dump ({dump}): {msg}");
    }
    assert_eq!(msg.lines().count(), 1, "one paragraph: {msg}");
    assert!(!msg.contains(ADMIN_KEY.1));
}

const EXEC_INFO_INTERACTIVE: &str = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":true}}"#;
const EXEC_INFO_BATCH: &str = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#;

/// Runs `argv` on a fresh pseudo-terminal (its controlling terminal),
/// stdout to a file; types `answer` when the MFA prompt shows. Returns the
/// terminal's text, stdout, and the exit status.
const PTY_RUN: &str = r#"
import os, pty, select, sys, time
out, answer, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    o = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(o, 1)
    os.execv(argv[0], argv)
seen, answered, deadline = b"", False, time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if not r:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    seen += data
    if not answered and answer != "-" and seen.rstrip().endswith(b":") and b"MFA code for" in seen:
        open(out + ".prompted", "w").close()
        time.sleep(float(os.environ.get("PTY_ANSWER_DELAY", "0")))
        os.write(fd, (answer + "\n").encode())
        answered = True
_, status = os.waitpid(pid, 0)
sys.stderr.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;

/// `program args` on a pseudo-terminal; (terminal text, stdout, status).
fn on_terminal(sb: &Sandbox, answer: &str, argv: &[String]) -> (String, String, i32) {
    let helper = sb.path("pty_run.py");
    std::fs::write(&helper, PTY_RUN).unwrap();
    let out = sb.path("pty_stdout");
    let mut c = sb.command("python3");
    c.arg(&helper).arg(&out).arg(answer).args(argv);
    let r = run_within(c, Duration::from_secs(90));
    let stdout = std::fs::read_to_string(&out).unwrap_or_default();
    (r.stderr, stdout, r.code)
}

#[test]
fn mfa_is_asked_once_on_the_terminal_for_two_token_misses_an_hour_apart() {
    let sim = mfa_world();
    let mut sb = role_sandbox(&sim.url("sts"), "");
    sb.set("KUBERNETES_EXEC_INFO", EXEC_INFO_INTERACTIVE);
    let argv = |prefix: &[String]| {
        let mut v: Vec<String> = prefix.to_vec();
        v.push(bin().display().to_string());
        v.extend(
            token_args("demo", &["--profile", "guarded"])
                .iter()
                .map(|s| s.to_string()),
        );
        v
    };
    let (tty, stdout, code) = on_terminal(&sb, MFA_CODE, &argv(&[]));
    assert_eq!(code, 0, "terminal:\n{tty}\nsim:\n{}", sim.log());
    assert!(
        tty.contains(&format!("MFA code for {MFA_SERIAL}:")),
        "asked on the terminal: {tty}"
    );
    let first: serde_json::Value =
        serde_json::from_str(&stdout).expect("stdout is the ExecCredential only");
    assert_eq!(assume_roles(&sim), 1, "{}", sim.log());

    // An hour later: the token has expired (a miss), the two-hour role
    // session has not: no prompt, no AssumeRole.
    let later = [
        faketime().display().to_string(),
        "-f".to_string(),
        "+1h".to_string(),
    ];
    let (tty2, stdout2, code2) = on_terminal(&sb, MFA_CODE, &argv(&later));
    assert_eq!(code2, 0, "terminal:\n{tty2}");
    assert!(!tty2.contains("MFA code"), "asked again: {tty2}");
    let second: serde_json::Value = serde_json::from_str(&stdout2).unwrap();
    let tok = |v: &serde_json::Value| v["status"]["token"].as_str().unwrap().to_string();
    assert_ne!(tok(&first), tok(&second), "a new token (a cache miss)");
    assert_eq!(
        key_id(&tok(&first)),
        key_id(&tok(&second)),
        "the same role session"
    );
    assert_eq!(assume_roles(&sim), 1, "{}", sim.log());
}

#[test]
fn a_wrong_mfa_code_is_refused_by_sts_and_said_in_one_paragraph() {
    let sim = mfa_world();
    let mut sb = role_sandbox(&sim.url("sts"), "");
    sb.set("KUBERNETES_EXEC_INFO", EXEC_INFO_INTERACTIVE);
    let mut argv = vec![bin().display().to_string()];
    argv.extend(
        token_args("demo", &["--profile", "guarded"])
            .iter()
            .map(|s| s.to_string()),
    );
    let (tty, stdout, code) = on_terminal(&sb, "000000", &argv);
    assert_eq!(code, 1, "{tty}");
    assert!(stdout.is_empty(), "nothing on stdout: {stdout}");
    assert!(tty.contains("MultiFactorAuthentication failed"), "{tty}");
    assert_eq!(assume_roles(&sim), 0);
}

#[test]
fn without_a_terminal_mfa_is_refused_at_once_and_why_says_mfa_required() {
    let sim = mfa_world();
    let mut sb = role_sandbox(&sim.url("sts"), "");
    sb.set("KUBERNETES_EXEC_INFO", EXEC_INFO_BATCH);
    let start = Instant::now();
    let r = run_within(
        sb.eksauth(&token_args("demo", &["--profile", "guarded"])),
        Duration::from_secs(20),
    );
    assert!(start.elapsed() < Duration::from_secs(10), "at once");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let msg = r.stderr.trim();
    assert!(
        msg.contains("mfa_serial") && msg.contains(MFA_SERIAL) && msg.contains("interactive"),
        "{msg}"
    );
    assert!(
        msg.contains("kubectl eksauth whoami --profile guarded"),
        "says what to do: {msg}"
    );
    assert_eq!(msg.lines().count(), 1, "one paragraph: {msg}");
    assert_eq!(sts_requests(&sim), 0, "STS never asked:\n{}", sim.log());

    // why runs the exec entry without a terminal, as kubectl would.
    let mut wsb = Sandbox::eks(&sim, ADMIN_KEY);
    wsb.unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY")
        .set("AWS_PROFILE", "guarded");
    wsb.write(
        ".aws/config",
        &std::fs::read_to_string(sb.home().join(".aws/config")).unwrap(),
    );
    let (code, report) = why(&wsb, &[]);
    let f = finding(&report, "mfa-required", "error");
    assert_eq!(report["verdict"], "mfa-required", "{report}");
    assert_ne!(code, 0);
    assert!(
        text(f, "remedy").contains("whoami --profile guarded"),
        "{f}"
    );
}

/// A sandbox whose STS is the simulator's TLS endpoint behind a CA nobody
/// trusts by default.
fn tls_sandbox(sim: &Sim, extra_config: &str) -> Sandbox {
    role_sandbox(&sim.url("sts_tls"), extra_config)
}

fn aws_ca(sim: &Sim) -> String {
    sim.endpoints["aws_ca_file"].as_str().unwrap().to_string()
}

#[test]
fn a_ca_bundle_makes_sts_behind_a_tls_proxy_work() {
    let sim = Sim::start(&example());
    let role = "arn:aws:iam::111122223333:role/eks-admins";
    let args = token_args(
        "demo",
        &["--profile", "ops", "--role-arn", role, "--no-cache"],
    );

    let sb = tls_sandbox(&sim, "");
    let r = run(sb.eksauth(&args));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("failed certificate verification") && r.stderr.contains("AWS_CA_BUNDLE"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&sim.url("sts_tls")),
        "names the endpoint: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("issued by CN=eks-sim TLS inspection CA"),
        "names the issuer: {}",
        r.stderr
    );

    let mut with_env = tls_sandbox(&sim, "");
    with_env.set("AWS_CA_BUNDLE", aws_ca(&sim));
    let ok = run(with_env.eksauth(&args));
    ok.ok();
    assert!(key_id(&ok.token()).starts_with("ASIA"));

    let in_profile = tls_sandbox(&sim, "");
    let config = std::fs::read_to_string(in_profile.home().join(".aws/config")).unwrap();
    let config = config.replace(
        "[profile ops]\n",
        &format!("[profile ops]\nca_bundle = {}\n", aws_ca(&sim)),
    );
    in_profile.write(".aws/config", &config);
    run(in_profile.eksauth(&args)).ok();
    assert_eq!(assume_roles(&sim), 2, "{}", sim.log());

    let mut bad = tls_sandbox(&sim, "");
    bad.set(
        "AWS_CA_BUNDLE",
        bad.path("missing.pem").display().to_string(),
    );
    let r = run(bad.eksauth(&args));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("error: could not use the CA bundle")
            && r.stderr.contains("AWS_CA_BUNDLE"),
        "{}",
        r.stderr
    );
}

#[test]
fn why_names_aws_tls_untrusted_with_the_issuer_and_not_with_the_bundle() {
    let sim = Sim::start(&example());
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    sb.set("AWS_ENDPOINT_URL_STS", sim.url("sts_tls"));
    let (_, report) = why(&sb, &[]);
    let f = finding(&report, "aws-tls-untrusted", "error");
    assert!(
        text(f, "title").contains(&sim.url("sts_tls")),
        "names the endpoint: {f}"
    );
    assert!(
        text(f, "title").contains("eks-sim TLS inspection CA"),
        "names the issuer: {f}"
    );
    assert!(text(f, "remedy").contains("AWS_CA_BUNDLE"), "{f}");
    assert_eq!(f["evidence"]["variable"], "AWS_CA_BUNDLE");

    sb.set("AWS_CA_BUNDLE", aws_ca(&sim));
    let (_, report) = why(&sb, &[]);
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"aws-tls-untrusted"), "{codes:?}");
    // (The cluster itself then refuses the token: it was signed for the
    // proxy's host, not the STS host the cluster calls.)
    assert!(
        codes.contains(&"identity"),
        "STS answered through the proxy: {codes:?}"
    );
}

#[test]
fn sso_role_credentials_are_fetched_once_for_two_token_misses() {
    let sim = Sim::start(&example());
    let mut sb = Sandbox::new();
    sb.endpoints(&sim, &["sso", "sts"]).private_cache();
    sb.write(
        ".aws/config",
        &sso_config("dev", "AdministratorAccess", "", ""),
    );
    sb.sso_token("sso-token-alice", &hours_from_now(8));
    let portal_calls = || {
        sim.log()
            .lines()
            .filter(|l| l.starts_with("eks-sim sso ") && l.contains("/federation/credentials"))
            .count()
    };
    let first = run(sb.eksauth(&token_args("demo", &["--profile", "dev"])));
    first.ok();
    let second = run(sb.eksauth(&token_args("other", &["--profile", "dev"])));
    second.ok();
    assert_eq!(portal_calls(), 1, "{}", sim.log());
    assert_eq!(key_id(&first.token()), key_id(&second.token()));
    let files: Vec<String> = std::fs::read_dir(sb.path("kcache/eksauth"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert!(
        files.iter().all(|f| !f.contains("sso-token-alice")),
        "the SSO access token is never cached by us"
    );
}

/// A kubeconfig whose user runs `token --profile guarded` with `mode`.
fn guarded_kubeconfig(sim: &Sim, sb: &Sandbox, mode: &str) -> String {
    let exec =
        Exec::eksauth(&token_args("demo", &["--profile", "guarded"])).interactive_mode(Some(mode));
    Kubeconfig::new()
        .cluster("demo", &sim.url("kube"), Some(&sim.ca_file()))
        .context("demo", "demo", "guarded")
        .current("demo")
        .user("guarded", exec)
        .write(&sb.path(&format!("kubeconfig-{mode}")))
        .display()
        .to_string()
}

#[test]
fn real_kubectl_lets_the_plugin_ask_for_mfa_only_when_its_interactive_mode_allows() {
    let sim = mfa_world();
    let sb = role_sandbox(&sim.url("sts"), "");
    let kubectl_argv = |kc: &str| {
        vec![
            kubectl().display().to_string(),
            "--kubeconfig".to_string(),
            kc.to_string(),
            "get".to_string(),
            "namespaces".to_string(),
        ]
    };
    // interactiveMode Never: kubectl says interactive false; refused at once.
    let never = guarded_kubeconfig(&sim, &sb, "Never");
    let (tty, _, code) = on_terminal(&sb, MFA_CODE, &kubectl_argv(&never));
    assert_ne!(code, 0);
    assert!(!tty.contains("MFA code for"), "not asked: {tty}");
    assert!(
        tty.contains("cannot be asked for"),
        "kubectl shows the plugin's paragraph: {tty}"
    );
    assert_eq!(sts_requests(&sim), 0, "{}", sim.log());

    // IfAvailable on a terminal: asked, one AssumeRole (the cluster's answer
    // to this role does not matter here); a later call that may not ask is
    // served from the caches.
    let ask = guarded_kubeconfig(&sim, &sb, "IfAvailable");
    let (tty, _, _) = on_terminal(&sb, MFA_CODE, &kubectl_argv(&ask));
    assert!(
        tty.contains(&format!("MFA code for {MFA_SERIAL}:")),
        "{tty}"
    );
    assert_eq!(assume_roles(&sim), 1, "{}", sim.log());
    let (tty, _, _) = on_terminal(&sb, MFA_CODE, &kubectl_argv(&never));
    assert!(
        !tty.contains("MFA code for") && !tty.contains("cannot be asked"),
        "{tty}"
    );
    assert_eq!(assume_roles(&sim), 1, "{}", sim.log());
}

#[test]
fn the_ca_bundle_reaches_the_sdk_providers_too_sso_behind_a_tls_proxy() {
    let sim = Sim::start(&example());
    let mut sb = Sandbox::new();
    sb.set("AWS_ENDPOINT_URL_SSO", sim.url("sso_tls"));
    sb.write(
        ".aws/config",
        &sso_config("dev", "AdministratorAccess", "", ""),
    );
    sb.sso_token("sso-token-alice", &hours_from_now(8));
    let args = token_args("demo", &["--profile", "dev", "--no-cache"]);
    let r = run(sb.eksauth(&args));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("failed certificate verification") && r.stderr.contains("AWS_CA_BUNDLE"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&sim.url("sso_tls"))
            && r.stderr.contains("issued by CN=eks-sim TLS inspection CA"),
        "names the portal and the issuer: {}",
        r.stderr
    );
    sb.set("AWS_CA_BUNDLE", aws_ca(&sim));
    let ok = run(sb.eksauth(&args));
    ok.ok();
    assert!(key_id(&ok.token()).starts_with("ASIA"));
}

#[test]
fn whoami_on_a_terminal_fills_the_cache_a_non_interactive_token_then_uses() {
    let sim = mfa_world();
    let mut sb = role_sandbox(&sim.url("sts"), "");
    let whoami = vec![
        bin().display().to_string(),
        "whoami".to_string(),
        "--profile".to_string(),
        "guarded".to_string(),
    ];
    let (tty, _, _) = on_terminal(&sb, MFA_CODE, &whoami);
    assert!(
        tty.contains(&format!("MFA code for {MFA_SERIAL}:")),
        "{tty}"
    );
    assert_eq!(assume_roles(&sim), 1, "{}", sim.log());
    // What the mfa-required paragraph promises: kubectl's non-interactive
    // call in another region now gets a token from the cached session.
    sb.set("KUBERNETES_EXEC_INFO", EXEC_INFO_BATCH);
    let r = run(sb.eksauth(&token_args("demo", &["--profile", "guarded"])));
    r.ok();
    assert_eq!(assume_roles(&sim), 1, "{}", sim.log());
}

#[test]
fn why_names_aws_tls_untrusted_for_the_eks_api_behind_a_tls_proxy() {
    let sim = Sim::start(&example());
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    // The proxy's certificate is what fails, before any EKS request: the
    // simulator's TLS listener stands in for EKS behind such a proxy.
    sb.set("AWS_ENDPOINT_URL_EKS", sim.url("sts_tls"));
    let (_, report) = why(&sb, &[]);
    let f = finding(&report, "aws-tls-untrusted", "error");
    assert!(text(f, "title").contains(&sim.url("sts_tls")), "{f}");
    assert!(
        text(f, "title").contains("eks-sim TLS inspection CA"),
        "{f}"
    );
    assert_eq!(f["evidence"]["variable"], "AWS_CA_BUNDLE");
}

#[test]
fn a_second_call_waits_for_the_session_another_call_is_asking_the_code_for() {
    let sim = mfa_world();
    let mut sb = role_sandbox(&sim.url("sts"), "");
    sb.set("KUBERNETES_EXEC_INFO", EXEC_INFO_INTERACTIVE)
        .set("PTY_ANSWER_DELAY", "2");
    let helper = sb.path("pty_run.py");
    std::fs::write(&helper, PTY_RUN).unwrap();
    let out = sb.path("pty_stdout");
    let mut first = sb.command("python3");
    first.arg(&helper).arg(&out).arg(MFA_CODE).arg(bin());
    first.args(token_args("demo", &["--profile", "guarded"]));
    first.stderr(std::process::Stdio::null());
    let mut first = first.spawn().unwrap();
    // Once the first call is asking (and holds the role session's lock), a
    // call that may not ask (another cluster: another token) waits for it.
    let prompted = sb.path("pty_stdout.prompted");
    let start = Instant::now();
    while !prompted.exists() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(prompted.exists(), "the first call asked");
    sb.set("KUBERNETES_EXEC_INFO", EXEC_INFO_BATCH);
    let second = run_within(
        sb.eksauth(&token_args("other", &["--profile", "guarded"])),
        Duration::from_secs(60),
    );
    assert_eq!(
        second.code, 0,
        "waited, then used the session: {}",
        second.stderr
    );
    assert!(first.wait().unwrap().success());
    assert_eq!(assume_roles(&sim), 1, "{}", sim.log());
}
