//! `setup --migrate` on kubeconfigs written by the real `aws eks
//! update-kubeconfig` (the AWS CLI of the test venv, against the simulator)
//! and on aws-iam-authenticator entries: after it, the real kubectl gets the
//! same identity through the rewritten entries.

mod common;
use common::*;

fn migrate(sb: &Sandbox, extra: &[&str]) -> Run {
    let mut args = vec!["setup", "--migrate"];
    args.extend_from_slice(extra);
    run(sb.eksauth(&args))
}

fn exec_of_first_user(sb: &Sandbox) -> serde_json::Value {
    yaml_file(&sb.home().join(".kube/config"))["users"][0]["user"]["exec"].clone()
}

#[test]
fn migrated_aws_cli_entries_keep_the_identity_with_and_without_role_and_profile() {
    let sim = Sim::start(&fixture(&masters_aws_auth(), ""));
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admin");
    let cases: [(&str, Vec<&str>, bool); 3] = [
        ("environment keys", vec![], false),
        ("--role-arn", vec!["--role-arn", role.as_str()], false),
        ("--profile", vec!["--profile", "ops"], true),
    ];
    for (name, extra, profile) in cases {
        let mut sb = Sandbox::installed(&sim);
        if profile {
            sb.credentials_profile("ops", ALICE);
        } else {
            as_alice(&mut sb);
        }
        let mut args = vec![
            "eks",
            "update-kubeconfig",
            "--name",
            "demo",
            "--region",
            "us-west-2",
        ];
        args.extend_from_slice(&extra);
        aws(&sb, &args).ok();
        let old = exec_of_first_user(&sb);
        assert_eq!(
            old["command"], "aws",
            "{name}: the AWS CLI wrote its own entry"
        );
        let before = kube_username(&sb, &sim);
        if profile {
            // The AWS CLI's entry names the profile by env AWS_PROFILE,
            // which keys exported in the shell beat (aws-cli issue 7794).
            sb.keys(OTHER_KEY);
            let r = kubectl_run(&sb, &["auth", "whoami", "-o", "json"]);
            assert_ne!(r.code, 0, "{name}: the exported keys signed: {}", r.stdout);
            sb.unset("AWS_ACCESS_KEY_ID").unset("AWS_SECRET_ACCESS_KEY");
        }
        let r = migrate(&sb, &[]);
        r.ok();
        assert!(
            r.stdout
                .contains("aws eks get-token -> kubectl-eksauth token"),
            "{name}: {}",
            r.stdout
        );
        let new = exec_of_first_user(&sb);
        assert_eq!(new["command"], "kubectl-eksauth", "{name}");
        if profile {
            assert_eq!(old["env"][0]["name"], "AWS_PROFILE", "{name}: {old}");
            assert!(
                new["env"].is_null(),
                "{name}: AWS_PROFILE left the env: {new}"
            );
            let args = new["args"].as_array().unwrap();
            assert!(
                args.windows(2)
                    .any(|w| w[0] == "--profile" && w[1] == "ops"),
                "{name}: AWS_PROFILE moved into --profile: {new}"
            );
        } else {
            assert_eq!(new["env"], old["env"], "{name}: env kept");
        }
        assert_eq!(
            kube_username(&sb, &sim),
            before,
            "{name}: same identity after migrating"
        );
        if profile {
            // Other keys exported in the shell: --profile still wins.
            sb.keys(OTHER_KEY);
            assert_eq!(kube_username(&sb, &sim), before, "{name}: keys exported");
            sb.unset("AWS_ACCESS_KEY_ID").unset("AWS_SECRET_ACCESS_KEY");
        }
        let again = migrate(&sb, &[]);
        assert!(
            again.stdout.contains("already up to date"),
            "{name}: {}",
            again.stdout
        );
    }
}

#[test]
fn migrate_dry_run_on_update_kubeconfig_output_shows_the_diff_and_writes_nothing() {
    let sim = Sim::start(&fixture(&masters_aws_auth(), ""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    aws(
        &sb,
        &[
            "eks",
            "update-kubeconfig",
            "--name",
            "demo",
            "--region",
            "us-west-2",
        ],
    )
    .ok();
    let kc = sb.home().join(".kube/config");
    let before = std::fs::read(&kc).unwrap();
    let r = migrate(&sb, &["--dry-run"]);
    r.ok();
    assert!(
        r.stdout.contains("-      command: aws") || r.stdout.contains("-    command: aws"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("kubectl-eksauth"), "{}", r.stdout);
    assert!(r.stdout.contains("not written"), "{}", r.stdout);
    assert_eq!(std::fs::read(&kc).unwrap(), before);
}

#[test]
fn aws_iam_authenticator_entries_are_migrated_and_other_users_left_alone() {
    let sim = Sim::start(&fixture(&masters_aws_auth(), ""));
    let mut sb = Sandbox::installed(&sim);
    as_alice(&mut sb);
    let role = format!("arn:aws:iam::{ACCOUNT}:role/eks-admin");
    let authenticator = |command: &str, api_version: &str, args: &[&str]| {
        Exec::new(command, args)
            .api_version(api_version)
            .interactive_mode(None)
    };
    let kc = Kubeconfig::new()
        .cluster("demo", &sim.url("kube"), Some(&sim.ca_file()))
        .user(
            "auth",
            authenticator("aws-iam-authenticator", V1BETA1, &["token", "-i", "demo"]),
        )
        .user(
            "auth-role",
            authenticator(
                "/usr/local/bin/aws-iam-authenticator",
                "client.authentication.k8s.io/v1alpha1",
                &["token", "-i", "demo", "-r", &role],
            ),
        )
        .user("gke", authenticator("gke-gcloud-auth-plugin", V1BETA1, &[]))
        .context("plain", "demo", "auth")
        .context("role", "demo", "auth-role")
        .current("plain")
        .write(&sb.home().join(".kube/config"));
    let gke_before = yaml_file(&kc)["users"][2].clone();
    let r = migrate(&sb, &[]);
    r.ok();
    assert_eq!(
        r.stdout.matches("aws-iam-authenticator token ->").count(),
        2,
        "{}",
        r.stdout
    );
    let after = yaml_file(&kc);
    assert_eq!(after["users"][2], gke_before, "other users untouched");
    assert_eq!(
        after["users"][1]["user"]["exec"]["apiVersion"],
        "client.authentication.k8s.io/v1"
    );
    assert_eq!(kube_username(&sb, &sim), "alice");
    let r = kubectl_run(&sb, &["--context", "role", "auth", "whoami", "-o", "json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, sim.log());
    assert_eq!(
        r.json()["status"]["userInfo"]["username"],
        "admin:EKSGetTokenAuth"
    );
}

#[test]
fn an_entry_whose_arguments_cannot_be_kept_is_reported_and_left_alone() {
    let sb = Sandbox::new();
    let kc = sb.write(
        ".kube/config",
        "users:\n- name: odd\n  user:\n    exec:\n      command: aws\n      args: [eks, get-token, --cluster-name, demo, --endpoint-url, https://x]\n",
    );
    let before = std::fs::read(&kc).unwrap();
    let r = run(sb.eksauth(&["setup", "--migrate", "--kubeconfig", kc.to_str().unwrap()]));
    r.ok();
    assert!(
        r.stdout.contains("left unchanged") && r.stdout.contains("--endpoint-url"),
        "{}",
        r.stdout
    );
    assert_eq!(std::fs::read(&kc).unwrap(), before);
}
