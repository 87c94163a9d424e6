//! `whoami` for an IAM user, an assumed role and an SSO role: the mapping
//! it prints, applied to the simulator's aws-auth or access entries, lets
//! the real kubectl in where it was refused before.

mod common;
use common::*;

/// kubectl get pods through the plugin with `profile` (None: environment keys).
fn get_pods(sim: &Sim, sb: &Sandbox, profile: Option<&str>) -> Run {
    let kc = sb.path("kc");
    let env: Vec<(&str, &str)> = profile
        .map(|p| vec![("AWS_PROFILE", p)])
        .unwrap_or_default();
    Kubeconfig::demo(sim, Exec::eksauth(&TOKEN_ARGS).env(&env)).write(&kc);
    let mut c = sb.command(kubectl());
    c.arg("--kubeconfig")
        .arg(&kc)
        .args(["get", "pods", "-n", "default"]);
    run(c)
}

fn whoami(sb: &Sandbox, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "whoami",
        "--cluster-name",
        "demo",
        "--region",
        "us-west-2",
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    let r = run(sb.eksauth(&args));
    r.ok();
    r.json()
}

/// `aws_auth` fixture data with the printed entry under `section`.
fn aws_auth_with(section: &str, entry: &str) -> String {
    let body: String = entry.lines().map(|l| format!("      {l}\n")).collect();
    format!("  aws_auth:\n    {section}: |\n{body}")
}

/// The value after `flag` in a printed command line.
fn flag_value<'a>(line: &'a str, flag: &str) -> &'a str {
    let words: Vec<&str> = line.split_whitespace().collect();
    let i = words
        .iter()
        .position(|w| *w == flag)
        .unwrap_or_else(|| panic!("{flag} in {line}"));
    words[i + 1]
}

#[test]
fn an_iam_user_mapped_as_printed_in_aws_auth_gets_in() {
    let sim = Sim::start(&fixture("", ""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    assert_ne!(get_pods(&sim, &sb, None).code, 0, "unmapped at first");
    let w = whoami(&sb, &["--group", "system:masters"]);
    assert_eq!(
        w["principal"]["principal_arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/alice")
    );
    assert_eq!(w["mappings"]["aws_auth_section"], "mapUsers");
    let eksctl = w["mappings"]["eksctl"].as_str().unwrap();
    assert!(
        eksctl.contains("--no-duplicate-arns") && eksctl.contains("--group system:masters"),
        "{eksctl}"
    );
    let entry = w["mappings"]["aws_auth_entry"].as_str().unwrap();
    let sim = Sim::start(&fixture(&aws_auth_with("mapUsers", entry), ""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let r = get_pods(&sim, &sb, None);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, sim.log());
}

fn role_profile(sb: &Sandbox) {
    sb.credentials_profile("ops", ALICE);
    sb.write(
        ".aws/config",
        &format!("[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/eks-admin\nsource_profile = ops\nregion = us-west-2\n"),
    );
}

#[test]
fn an_assumed_role_with_the_printed_access_entry_gets_in() {
    let sim = Sim::start(&fixture("", ""));
    let sb = Sandbox::installed(&sim);
    role_profile(&sb);
    assert_ne!(
        get_pods(&sim, &sb, Some("admin")).code,
        0,
        "no entry at first"
    );
    let w = whoami(&sb, &["--profile", "admin"]);
    assert_eq!(w["principal"]["kind"], "assumed-role");
    assert_eq!(
        w["principal"]["principal_arn"],
        format!("arn:aws:iam::{ACCOUNT}:role/eks-admin")
    );
    assert_eq!(w["iam_path"], "/");
    let lines: Vec<&str> = w["mappings"]["access_entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        lines[0].starts_with("aws eks create-access-entry"),
        "{lines:?}"
    );
    let principal = flag_value(lines[0], "--principal-arn");
    let policy = flag_value(lines[1], "--policy-arn")
        .rsplit('/')
        .next()
        .unwrap();
    assert_eq!(flag_value(lines[1], "--access-scope"), "type=cluster");
    let entries = format!(
        "  access_entries:\n    - principal_arn: {principal}\n      type: STANDARD\n      access_policies:\n        - policy: {policy}\n          scope: {{type: cluster}}\n"
    );
    let sim = Sim::start(&fixture(&entries, ""));
    let sb = Sandbox::installed(&sim);
    role_profile(&sb);
    let r = get_pods(&sim, &sb, Some("admin"));
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, sim.log());
}

#[test]
fn an_sso_role_is_mapped_without_its_path_and_then_gets_in() {
    let sim = Sim::start(&fixture("", ""));
    let sb = Sandbox::installed(&sim);
    sso_profile(&sb, Some("SSO-ACCESS-TOKEN-VALID-0001"));
    assert_ne!(get_pods(&sim, &sb, Some("dev")).code, 0);
    let w = whoami(&sb, &["--profile", "dev", "--group", "system:masters"]);
    assert_eq!(
        w["principal"]["principal_arn"],
        format!("arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_Admin_0123abcd")
    );
    assert_eq!(w["iam_path"], "/aws-reserved/sso.amazonaws.com/us-east-2/");
    assert_eq!(w["iam_arn"], SSO_ROLE_WITH_PATH);
    assert_eq!(w["sso"], true);
    let entry = w["mappings"]["aws_auth_entry"].as_str().unwrap();
    assert!(!entry.contains("aws-reserved"), "{entry}");
    let sim = Sim::start(&fixture(&aws_auth_with("mapRoles", entry), ""));
    let sb = Sandbox::installed(&sim);
    sso_profile(&sb, Some("SSO-ACCESS-TOKEN-VALID-0001"));
    let r = get_pods(&sim, &sb, Some("dev"));
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, sim.log());
    let text = run(sb.eksauth(&["whoami", "--profile", "dev"]));
    text.ok();
    assert!(
        text.stdout.contains(
            "map this ARN:  arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("IAM path:      /aws-reserved/sso.amazonaws.com/us-east-2/"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("SSO-ACCESS-TOKEN") && !text.stderr.contains("SSO-ACCESS-TOKEN"));
}

#[test]
fn without_get_role_the_path_is_unknown_and_whoami_still_answers() {
    let denied = format!(
        "access_denied:\n  - principal_arn: arn:aws:iam::{ACCOUNT}:role/eks-admin\n    actions: [iam:GetRole]\n"
    );
    let sim = Sim::start(&fixture("", &denied));
    let sb = Sandbox::installed(&sim);
    role_profile(&sb);
    let w = whoami(&sb, &["--profile", "admin"]);
    assert_eq!(w["iam_path"], serde_json::Value::Null);
    assert!(
        w["iam_path_note"]
            .as_str()
            .unwrap()
            .contains("AccessDenied"),
        "{w}"
    );
    assert_eq!(
        w["principal"]["principal_arn"],
        format!("arn:aws:iam::{ACCOUNT}:role/eks-admin")
    );
}
