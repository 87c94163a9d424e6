//! The token command's rules, through the real binary with a pinned
//! environment: the exec protocol, region and profile choice, SSO session
//! state, failing fast without credentials, expiry capping, and the cache.

mod common;
use common::{EXAMPLE_SECRET as SECRET, *};
use std::time::Duration;

fn token_args() -> Vec<&'static str> {
    vec!["token", "--cluster-name", "demo"]
}

#[test]
fn api_version_echoes_kubernetes_exec_info() {
    let mut sb = Sandbox::offline("AKIAEXAMPLE000000001");
    let cases = [
        (
            Some(
                r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#,
            ),
            "client.authentication.k8s.io/v1",
        ),
        (
            Some(
                r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}"#,
            ),
            "client.authentication.k8s.io/v1beta1",
        ),
        (None, "client.authentication.k8s.io/v1beta1"),
    ];
    for (info, want) in cases {
        match info {
            Some(i) => sb.set("KUBERNETES_EXEC_INFO", i),
            None => sb.unset("KUBERNETES_EXEC_INFO"),
        };
        let r = run(sb.eksauth(&token_args()));
        r.ok();
        assert_eq!(r.json()["apiVersion"], want, "exec info {info:?}");
        assert_eq!(
            r.stdout.lines().count(),
            1,
            "stdout is the ExecCredential only: {}",
            r.stdout
        );
    }
}

#[test]
fn v1alpha1_is_refused_with_the_migrate_command() {
    let mut sb = Sandbox::offline("AKIAEXAMPLE000000001");
    sb.set(
        "KUBERNETES_EXEC_INFO",
        r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1","spec":{}}"#,
    );
    let r = run(sb.eksauth(&token_args()));
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("kubectl eksauth setup --migrate"),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.trim().lines().count(),
        1,
        "one paragraph: {}",
        r.stderr
    );
}

#[test]
fn get_token_alias_and_output_json_are_accepted() {
    let sb = Sandbox::offline("AKIAEXAMPLE000000001");
    let r = run(sb.eksauth(&["get-token", "--cluster-name", "demo", "--output", "json"]));
    r.ok();
    assert!(r.token().starts_with("k8s-aws-v1."));
}

#[test]
fn missing_region_says_how_to_set_it() {
    let mut sb = Sandbox::offline("AKIAEXAMPLE000000001");
    sb.unset("AWS_REGION");
    let r = run(sb.eksauth(&token_args()));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no AWS region")
            && r.stderr.contains("--region")
            && r.stderr.contains("AWS_REGION"),
        "{}",
        r.stderr
    );
}

#[test]
fn region_comes_from_flag_env_or_profile() {
    let mut sb = Sandbox::offline("AKIAEXAMPLE000000001");
    sb.unset("AWS_REGION");
    sb.write(".aws/config", "[default]\nregion = eu-central-1\n");
    let host = |r: &Run| token_url(&r.token()).split('/').nth(2).unwrap().to_string();
    let from_profile = run(sb.eksauth(&["token", "--no-cache", "--cluster-name", "demo"]));
    assert_eq!(host(from_profile.ok()), "sts.eu-central-1.amazonaws.com");
    sb.set("AWS_DEFAULT_REGION", "ap-southeast-2");
    let from_env = run(sb.eksauth(&["token", "--no-cache", "--cluster-name", "demo"]));
    assert_eq!(host(from_env.ok()), "sts.ap-southeast-2.amazonaws.com");
    let from_flag = run(sb.eksauth(&[
        "token",
        "--no-cache",
        "--cluster-name",
        "demo",
        "--region",
        "cn-northwest-1",
    ]));
    assert_eq!(host(from_flag.ok()), "sts.cn-northwest-1.amazonaws.com.cn");
}

#[test]
fn unknown_profile_is_named_not_reported_as_no_credentials() {
    let mut sb = Sandbox::new();
    sb.write(
        ".aws/config",
        "[profile dev]\nregion = us-west-2\n[profile prod]\nregion = us-east-1\n",
    );
    for (how, args) in [("flag", vec!["--profile", "staging"]), ("env", vec![])] {
        if how == "env" {
            sb.set("AWS_PROFILE", "staging");
        }
        let mut a = vec!["token", "--cluster-name", "demo", "--region", "us-west-2"];
        a.extend(args);
        let r = run(sb.eksauth(&a));
        assert_eq!(r.code, 1, "{how}");
        assert!(
            r.stderr.contains("\"staging\"") && r.stderr.contains("not defined"),
            "{how}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("dev, prod"),
            "lists the profiles that exist: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("no AWS credentials"), "{}", r.stderr);
    }
}

fn sso_config(sb: &Sandbox, legacy: bool) {
    let cfg = if legacy {
        "[profile corp]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = us-west-2\n"
    } else {
        "[profile corp]\nsso_session = corp-sso\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = us-west-2\n\
         [sso-session corp-sso]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    };
    sb.write(".aws/config", cfg);
}

#[test]
fn sso_session_missing_names_the_login_command() {
    for legacy in [false, true] {
        let sb = Sandbox::new();
        sso_config(&sb, legacy);
        let r = run(sb.eksauth(&["token", "--cluster-name", "demo", "--profile", "corp"]));
        assert_eq!(r.code, 1);
        assert!(
            r.stderr.contains("no SSO session"),
            "legacy={legacy}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("`aws sso login --profile corp`"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn sso_session_expired_says_when_and_how_to_log_in() {
    for (legacy, id) in [
        (false, "corp-sso"),
        (true, "https://d-123.awsapps.com/start"),
    ] {
        let sb = Sandbox::new();
        sso_config(&sb, legacy);
        sb.write(
            &sso_cache_rel(id),
            r#"{"startUrl":"https://d-123.awsapps.com/start","region":"us-east-1","accessToken":"SSO-ACCESS-TOKEN-SECRET","expiresAt":"2024-01-01T00:00:00Z"}"#,
        );
        let r = run(sb.eksauth(&["token", "--cluster-name", "demo", "--profile", "corp"]));
        assert_eq!(r.code, 1);
        assert!(
            r.stderr.contains("expired at 2024-01-01T00:00:00Z"),
            "legacy={legacy}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("`aws sso login --profile corp`"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("SSO-ACCESS-TOKEN-SECRET"));
    }
}

#[test]
fn no_credentials_fails_at_once_and_names_what_it_tried() {
    let mut sb = Sandbox::new();
    sb.unset("AWS_EC2_METADATA_DISABLED")
        .set("AWS_REGION", "us-west-2");
    let r = run_within(sb.eksauth(&token_args()), Duration::from_secs(5));
    assert_eq!(r.code, 1);
    for tried in [
        "environment variables",
        "profile \"default\"",
        "web identity",
        "container credentials",
        "EC2 instance metadata",
    ] {
        assert!(r.stderr.contains(tried), "names {tried}: {}", r.stderr);
    }
    assert!(
        r.stderr
            .contains("EC2 instance metadata (skipped: this is not an EC2 instance)"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_silent_metadata_service_does_not_stall_the_token() {
    // A listener that accepts and never answers, standing in for a
    // blackholed 169.254.169.254 that the environment points at.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = vec![];
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let mut sb = Sandbox::new();
    sb.unset("AWS_EC2_METADATA_DISABLED")
        .set("AWS_REGION", "us-west-2")
        .set(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        );
    let r = run_within(sb.eksauth(&token_args()), Duration::from_secs(8));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("EC2 instance metadata (no answer)"),
        "it was asked, and given up on: {}",
        r.stderr
    );
}

fn credential_process_sandbox(expires_in: i64) -> (Sandbox, String) {
    let sb = Sandbox::new();
    let exp = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap()
        + time::Duration::seconds(expires_in);
    let exp_s = exp
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    sb.credential_process(
        "proc",
        "creds.sh",
        &format!(
            r#"echo '{{"Version":1,"AccessKeyId":"ASIAPROCESS000000001","SecretAccessKey":"{SECRET}","SessionToken":"PROCESS-SESSION-TOKEN","Expiration":"{exp_s}"}}'"#
        ),
    );
    (sb, exp_s)
}

#[test]
fn expiration_is_capped_by_credentials_that_expire_sooner() {
    let (sb, exp) = credential_process_sandbox(5 * 60);
    let r = run(sb.eksauth(&[
        "token",
        "--no-cache",
        "--cluster-name",
        "demo",
        "--profile",
        "proc",
    ]));
    r.ok();
    assert_eq!(r.json()["status"]["expirationTimestamp"], exp.as_str());
}

#[test]
fn expiration_is_never_under_a_minute_ahead() {
    let (sb, _) = credential_process_sandbox(20);
    let before = time::OffsetDateTime::now_utc();
    let r = run(sb.eksauth(&[
        "token",
        "--no-cache",
        "--cluster-name",
        "demo",
        "--profile",
        "proc",
    ]));
    r.ok();
    let got = time::OffsetDateTime::parse(
        r.json()["status"]["expirationTimestamp"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(
        got - before >= time::Duration::seconds(59),
        "expiry {got} is under 60 s after {before}"
    );
}

#[test]
fn expiration_is_14_minutes_for_long_lived_keys() {
    let sb = Sandbox::offline("AKIAEXAMPLE000000001");
    let r = run(sb.eksauth(&["token", "--no-cache", "--cluster-name", "demo"]));
    r.ok();
    let date = token_param(&r.token(), "X-Amz-Date").unwrap();
    let signed = time::PrimitiveDateTime::parse(
        &date,
        time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .unwrap()
    .assume_utc();
    let exp = time::OffsetDateTime::parse(
        r.json()["status"]["expirationTimestamp"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(exp - signed, time::Duration::minutes(14));
}

#[test]
fn cache_hit_returns_the_same_token_and_no_cache_a_new_one() {
    let mut sb = Sandbox::offline("AKIAEXAMPLE000000001");
    sb.private_cache();
    let first = run(sb.eksauth(&token_args())).ok().token();
    std::thread::sleep(Duration::from_millis(1100)); // a new signing second
    let second = run(sb.eksauth(&token_args())).ok().token();
    assert_eq!(first, second, "served from the cache");
    let fresh = run(sb.eksauth(&["token", "--no-cache", "--cluster-name", "demo"]))
        .ok()
        .token();
    assert_ne!(first, fresh, "--no-cache signs anew");
    let other_cluster = run(sb.eksauth(&["token", "--cluster-name", "other"]))
        .ok()
        .token();
    assert_ne!(first, other_cluster);
}

#[test]
fn cache_key_isolates_profiles_and_access_keys() {
    let mut sb = Sandbox::new();
    sb.private_cache().set("AWS_REGION", "us-west-2");
    sb.write(
        ".aws/credentials",
        &format!("[a]\naws_access_key_id = AKIAPROFILEA00000001\naws_secret_access_key = {SECRET}\n[b]\naws_access_key_id = AKIAPROFILEB00000001\naws_secret_access_key = {SECRET}\n"),
    );
    let cred_of = |sb: &Sandbox| {
        let r = run(sb.eksauth(&token_args()));
        token_param(&r.ok().token(), "X-Amz-Credential").unwrap()
    };
    sb.set("AWS_PROFILE", "a");
    assert!(cred_of(&sb).starts_with("AKIAPROFILEA"));
    sb.set("AWS_PROFILE", "b");
    assert!(
        cred_of(&sb).starts_with("AKIAPROFILEB"),
        "switching AWS_PROFILE gives another token"
    );
    sb.unset("AWS_PROFILE")
        .set("AWS_ACCESS_KEY_ID", "AKIAENVONE0000000001")
        .set("AWS_SECRET_ACCESS_KEY", SECRET);
    assert!(cred_of(&sb).starts_with("AKIAENVONE"));
    sb.set("AWS_ACCESS_KEY_ID", "AKIAENVTWO0000000001");
    assert!(
        cred_of(&sb).starts_with("AKIAENVTWO"),
        "switching the access key gives another token"
    );
}

#[cfg(unix)]
#[test]
fn cache_files_are_private_and_hold_no_secret_key() {
    use std::os::unix::fs::PermissionsExt;
    let mut sb = Sandbox::offline("AKIAEXAMPLE000000001");
    sb.set("AWS_SESSION_TOKEN", "SESSION-TOKEN-VALUE");
    sb.private_cache();
    let cache = sb.path("kcache");
    run(sb.eksauth(&token_args())).ok();
    let dir = cache.join("eksauth");
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let mut files = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        files += 1;
        assert_eq!(
            e.metadata().unwrap().permissions().mode() & 0o777,
            0o600,
            "{:?}",
            e.path()
        );
        let text = std::fs::read_to_string(e.path()).unwrap();
        assert!(!text.contains(SECRET), "no secret key in {:?}", e.path());
        assert!(
            !text.contains("SESSION-TOKEN-VALUE") || text.contains("k8s-aws-v1."),
            "session token only inside the token"
        );
    }
    assert!(files >= 2, "a token file and a separate lock file");
}

#[cfg(unix)]
#[test]
fn group_readable_cache_file_is_ignored_and_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let mut sb = Sandbox::offline("AKIAEXAMPLE000000001");
    sb.private_cache();
    let cache = sb.path("kcache");
    let first = run(sb.eksauth(&token_args())).ok().token();
    let json = std::fs::read_dir(cache.join("eksauth"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    std::fs::set_permissions(&json, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let second = run(sb.eksauth(&token_args())).ok().token();
    assert_ne!(first, second, "a group-readable file is not trusted");
    assert_eq!(
        std::fs::metadata(&json).unwrap().permissions().mode() & 0o777,
        0o600,
        "and is rewritten private"
    );
    std::fs::write(&json, "{ torn").unwrap();
    std::fs::set_permissions(&json, std::fs::Permissions::from_mode(0o600)).unwrap();
    let third = run(sb.eksauth(&token_args())).ok().token();
    assert!(third.starts_with("k8s-aws-v1."), "a corrupt file is a miss");
}

#[test]
fn thirty_two_concurrent_calls_all_get_valid_credentials() {
    let mut sb = Sandbox::offline("AKIAEXAMPLE000000001");
    sb.private_cache();
    let cache = sb.path("kcache");
    let children: Vec<_> = (0..32)
        .map(|_| {
            let mut c = sb.eksauth(&token_args());
            c.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut tokens = std::collections::HashSet::new();
    for child in children {
        let r: Run = child.wait_with_output().unwrap().into();
        r.ok();
        assert_eq!(r.json()["kind"], "ExecCredential");
        tokens.insert(r.token());
    }
    assert_eq!(tokens.len(), 1, "the lock makes them share one token");
    for e in std::fs::read_dir(cache.join("eksauth")).unwrap().flatten() {
        let p = e.path();
        assert!(
            !p.to_string_lossy().ends_with(".tmp"),
            "no temporary file left: {p:?}"
        );
        if p.extension().is_some_and(|x| x == "json") {
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .expect("cache file is whole");
            assert!(v["token"].as_str().unwrap().starts_with("k8s-aws-v1."));
        }
    }
}

#[test]
fn editing_the_credentials_file_or_the_sts_endpoint_is_a_cache_miss() {
    let mut sb = Sandbox::new();
    sb.private_cache()
        .set("AWS_REGION", "us-west-2")
        .set("AWS_PROFILE", "p");
    let write_key = |id: &str| {
        sb.write(
            ".aws/credentials",
            &format!("[p]\naws_access_key_id = {id}\naws_secret_access_key = {SECRET}\n"),
        )
    };
    write_key("AKIAFIRSTKEY00000001");
    let first = run(sb.eksauth(&token_args())).ok().token();
    write_key("AKIASECONDKEY0000001");
    let second = run(sb.eksauth(&token_args())).ok().token();
    assert!(
        token_param(&second, "X-Amz-Credential")
            .unwrap()
            .starts_with("AKIASECONDKEY"),
        "a rotated key is used at once"
    );
    sb.set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9");
    let third = run(sb.eksauth(&token_args())).ok().token();
    assert!(
        token_url(&third).starts_with("http://127.0.0.1:9/?Action=GetCallerIdentity"),
        "{}",
        token_url(&third)
    );
    assert_ne!(first, second);
}
