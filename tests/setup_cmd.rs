//! `setup --cluster-name` against the simulator, then the real kubectl
//! through the context it wrote, with nothing else done in between.

mod common;
use common::*;

const UNRELATED: &str = r#"apiVersion: v1
kind: Config
preferences:
  colors: true
  extensions:
  - name: pref-ext
    extension: {theme: dark}
clusters:
- name: other
  cluster:
    server: https://other.example:6443
    insecure-skip-tls-verify: true
    extensions:
    - name: cluster-ext
      extension: {a: "1"}
users:
- name: other-user
  user:
    token: not-a-real-token
- name: gke
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: gke-gcloud-auth-plugin, provideClusterInfo: true}
contexts:
- name: other
  context: {cluster: other, user: other-user, namespace: "007"}
current-context: other
extensions:
- name: top-ext
  extension: {list: [1, "2", true]}
x-future-field: {kept: yes}
"#;

fn setup(sb: &Sandbox, extra: &[&str]) -> Run {
    let mut args = vec!["setup", "--cluster-name", "demo", "--region", "us-west-2"];
    args.extend_from_slice(extra);
    run(sb.eksauth(&args))
}

/// Everything but the entries setup owns.
fn unowned(v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    let o = v.as_object_mut().unwrap();
    o.remove("current-context");
    for list in ["clusters", "users", "contexts"] {
        let items = o.get_mut(list).unwrap().as_array_mut().unwrap();
        items.retain(|i| {
            let ours =
                |s: &serde_json::Value| s.as_str().is_some_and(|s| s.starts_with("arn:aws:eks:"));
            !(ours(&i["name"]) || ours(&i["context"]["cluster"]))
        });
    }
    v
}

#[test]
fn setup_then_kubectl_reaches_the_cluster_with_no_other_step() {
    let sim = Sim::start(&fixture(&masters_aws_auth(), ""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let r = setup(&sb, &[]);
    r.ok();
    assert!(r.stdout.contains("wrote"), "{}", r.stdout);
    assert_eq!(kube_username(&sb, &sim), "alice");
    let kc = yaml_file(&sb.home().join(".kube/config"));
    let arn = format!("arn:aws:eks:us-west-2:{ACCOUNT}:cluster/demo");
    assert_eq!(kc["current-context"], arn.as_str());
    let exec = &kc["users"][0]["user"]["exec"];
    assert_eq!(exec["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(exec["command"], "kubectl-eksauth");
    assert_eq!(exec["interactiveMode"], "IfAvailable");
    assert!(
        exec["installHint"]
            .as_str()
            .unwrap()
            .contains("krew install eksauth")
    );
    assert_eq!(
        exec["args"],
        serde_json::json!(["token", "--cluster-name", "demo", "--region", "us-west-2"])
    );
}

#[test]
fn setup_keeps_unrelated_entries_extensions_and_preferences_and_backs_up() {
    let sim = Sim::start(&fixture(&masters_aws_auth(), ""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let kc = sb.write(".kube/config", UNRELATED);
    let before = yaml_file(&kc);
    setup(&sb, &["--alias", "demo"]).ok();
    let after = yaml_file(&kc);
    assert_eq!(
        unowned(&after),
        before_without_current(&before),
        "only setup's entries differ"
    );
    assert_eq!(after["current-context"], "demo");
    let backup = std::fs::read_to_string(format!("{}.eksauth.bak", kc.display())).unwrap();
    assert_eq!(
        backup, UNRELATED,
        "the previous version is kept byte for byte"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kc).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(kube_username(&sb, &sim), "alice");
    // The old context still works as before (kubectl can read the file).
    let other = kubectl_run(
        &sb,
        &[
            "config",
            "view",
            "--context",
            "other",
            "--minify",
            "-o",
            "json",
        ],
    );
    assert_eq!(other.code, 0, "{}", other.stderr);
    assert_eq!(other.json()["contexts"][0]["context"]["namespace"], "007");
}

fn before_without_current(v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    v.as_object_mut().unwrap().remove("current-context");
    v
}

#[test]
fn a_second_setup_changes_nothing() {
    let sim = Sim::start(&fixture(&masters_aws_auth(), ""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let kc = sb.write(".kube/config", UNRELATED);
    setup(&sb, &[]).ok();
    let first = std::fs::read(&kc).unwrap();
    let backup = format!("{}.eksauth.bak", kc.display());
    std::fs::remove_file(&backup).unwrap();
    let r = setup(&sb, &[]);
    r.ok();
    assert!(r.stdout.contains("already up to date"), "{}", r.stdout);
    assert_eq!(std::fs::read(&kc).unwrap(), first);
    assert!(
        !std::path::Path::new(&backup).exists(),
        "nothing written, no backup"
    );
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let sim = Sim::start(&fixture(&masters_aws_auth(), ""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let kc = sb.write(".kube/config", UNRELATED);
    let r = setup(&sb, &["--dry-run"]);
    r.ok();
    assert!(r.stdout.contains("+++ "), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("+- name: arn:aws:eks:us-west-2:111122223333:cluster/demo"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("-current-context: other"), "{}", r.stdout);
    assert_eq!(std::fs::read_to_string(&kc).unwrap(), UNRELATED);
    assert!(!std::path::Path::new(&format!("{}.eksauth.bak", kc.display())).exists());
}

#[test]
fn setup_with_profile_and_role_records_them_and_kubectl_assumes_the_role() {
    let sim = Sim::start(&fixture(&masters_aws_auth(), ""));
    let sb = Sandbox::installed(&sim);
    sb.credentials_profile("ops", ALICE);
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admin");
    setup(&sb, &["--profile", "ops", "--role-arn", &role]).ok();
    let kc = yaml_file(&sb.home().join(".kube/config"));
    let exec = &kc["users"][0]["user"]["exec"];
    assert!(exec["env"].is_null(), "the profile is an argument: {exec}");
    let args = exec["args"].as_array().unwrap();
    assert!(
        args.windows(2)
            .any(|w| w[0] == "--profile" && w[1] == "ops"),
        "{exec}"
    );
    assert!(
        exec["args"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(role))
    );
    assert_eq!(kube_username(&sb, &sim), "admin:EKSGetTokenAuth");
    // Keys the cluster does not know, exported in the shell: --profile wins
    // over them, so kubectl still gets in as the profile's identity.
    let mut sb = sb;
    sb.keys(OTHER_KEY);
    assert_eq!(kube_username(&sb, &sim), "admin:EKSGetTokenAuth");
}

#[test]
fn a_cluster_that_is_not_active_is_refused() {
    let sim = Sim::start(&fixture("  status: CREATING\n", ""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let r = setup(&sb, &[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("CREATING") && r.stderr.contains("ACTIVE"),
        "{}",
        r.stderr
    );
    assert!(!sb.home().join(".kube/config").exists());
}

#[test]
fn an_unknown_cluster_fails_with_the_service_message() {
    let sim = Sim::start(&fixture("", ""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let r = run(sb.eksauth(&["setup", "--cluster-name", "nope", "--region", "us-west-2"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("ResourceNotFoundException"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(ALICE.1));
}
