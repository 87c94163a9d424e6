//! No secret ever reaches stdout or stderr: every error path of `token` is
//! run with known secret values in the environment and the AWS files, and
//! the output is searched for them.

mod common;
use common::*;

const SECRET_KEY: &str = "SECRETKEYzzzzQ1w2e3r4t5y6u7i8o9p0zzzz";
const SESSION_TOKEN: &str = "SESSIONTOKENzzzzA1s2d3f4g5h6j7k8zzzz";
const SSO_ACCESS: &str = "SSOACCESSTOKENzzzzZ1x2c3v4b5n6m7zzzz";
const SSO_REFRESH: &str = "SSOREFRESHTOKENzzzzP0o9i8u7y6zzzz";
const PROFILE_SECRET: &str = "PROFILESECRETzzzzL1k2j3h4g5f6zzzz";
const ALL: [&str; 5] = [
    SECRET_KEY,
    SESSION_TOKEN,
    SSO_ACCESS,
    SSO_REFRESH,
    PROFILE_SECRET,
];

fn assert_clean(what: &str, r: &Run) {
    for s in ALL {
        assert!(
            !r.stdout.contains(s),
            "{what}: stdout shows a secret\n{}",
            r.stdout
        );
        assert!(
            !r.stderr.contains(s),
            "{what}: stderr shows a secret\n{}",
            r.stderr
        );
    }
}

fn loaded_sandbox() -> Sandbox {
    let mut sb = Sandbox::new();
    sb.set("AWS_ACCESS_KEY_ID", "ASIASECRETTEST000001")
        .set("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .set("AWS_SESSION_TOKEN", SESSION_TOKEN);
    sb.write(
        ".aws/credentials",
        &format!("[static]\naws_access_key_id = AKIASTATIC0000000001\naws_secret_access_key = {PROFILE_SECRET}\n"),
    );
    let bad_process = sb.home().join("bad-process.sh");
    script(
        &bad_process,
        &format!(
            r#"echo '{{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"{SECRET_KEY}","SessionToken":"{SESSION_TOKEN}"'"#
        ),
    );
    let expired_process = sb.home().join("expired-process.sh");
    script(
        &expired_process,
        &format!(
            r#"echo '{{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"{SECRET_KEY}","SessionToken":"{SESSION_TOKEN}","Expiration":"2020-01-01T00:00:00Z"}}'"#
        ),
    );
    let failing_process = sb.home().join("failing-process.sh");
    script(&failing_process, "echo 'helper failed' >&2; exit 3");
    sb.write(
        ".aws/config",
        &format!(
            "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = us-west-2\n\
             [sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n\
             [profile bad]\nregion = us-west-2\ncredential_process = {}\n\
             [profile expired]\nregion = us-west-2\ncredential_process = {}\n\
             [profile failing]\nregion = us-west-2\ncredential_process = {}\n\
             [profile static]\nregion = us-west-2\n",
            bad_process.display(),
            expired_process.display(),
            failing_process.display()
        ),
    );
    use sha1::{Digest, Sha1};
    sb.write(
        &format!(".aws/sso/cache/{}.json", hex::encode(Sha1::digest(b"corp"))),
        &format!(
            r#"{{"startUrl":"https://d-1.awsapps.com/start","region":"us-east-1","accessToken":"{SSO_ACCESS}","expiresAt":"2020-01-01T00:00:00Z","refreshToken":"{SSO_REFRESH}","clientId":"c","clientSecret":"{SSO_REFRESH}","registrationExpiresAt":"2020-01-01T00:00:00Z"}}"#
        ),
    );
    sb
}

#[test]
fn no_error_path_of_token_shows_a_secret() {
    let base = ["token", "--cluster-name", "demo", "--region", "us-west-2"];
    let with = |extra: &[&'static str]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let mut sb = loaded_sandbox();
    let cases: Vec<(&str, Vec<&str>, Option<(&str, &str)>)> = vec![
        (
            "v1alpha1",
            with(&[]),
            Some((
                "KUBERNETES_EXEC_INFO",
                r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#,
            )),
        ),
        (
            "bad exec info",
            with(&[]),
            Some(("KUBERNETES_EXEC_INFO", "{oops")),
        ),
        ("missing profile", with(&["--profile", "nope"]), None),
        ("sso expired", with(&["--profile", "corp"]), None),
        (
            "malformed credential_process",
            with(&["--profile", "bad"]),
            None,
        ),
        (
            "expired credential_process",
            with(&["--profile", "expired"]),
            None,
        ),
        (
            "failing credential_process",
            with(&["--profile", "failing"]),
            None,
        ),
        (
            "missing region",
            vec!["token", "--cluster-name", "demo", "--profile", "static"],
            Some(("AWS_CONFIG_FILE", "/nonexistent")),
        ),
        ("unknown flag", with(&["--bogus"]), None),
        ("success", with(&["--no-cache"]), None),
        (
            "success with profile",
            with(&["--no-cache", "--profile", "static"]),
            None,
        ),
    ];
    for (what, args, var) in cases {
        let saved = sb.env.clone();
        if let Some((k, v)) = var {
            sb.set(k, v);
        }
        let r = run(sb.eksauth(&args));
        if !what.starts_with("success") {
            assert_ne!(r.code, 0, "{what} should fail: {}", r.stdout);
            assert!(!r.stderr.trim().is_empty(), "{what} explains itself");
        }
        assert_clean(what, &r);
        sb.env = saved;
    }
}
