//! `why` for the lock-outs of issue 12 that concern the token and the
//! credentials that sign it, through the real binary against the simulator:
//! `credentials-env-overrides-profile`, `kubeconfig-static-token` and
//! `token-too-large`, each with a healthy twin that gives no error.

mod common;
use common::{TOKEN_ARGS as TOKEN, *};

/// A session of role eks-admins (whose access entry grants cluster admin)
/// whose session token is `token`.
fn with_session(token: &str) -> impl Fn(String) -> String + '_ {
    move |t| {
        edit(
            &t,
            "  sessions:\n",
            &format!(
                "  sessions:\n    - access_key_id: ASIAEXAMPLELONG00001\n      \
                 secret_access_key: bG9uZ2xvbmdsb25nbG9uZ2xvbmdsb25nbG9uZ2xv\n      \
                 session_token: {token:?}\n      \
                 arn: arn:aws:sts::111122223333:assumed-role/eks-admins/tagged\n      \
                 expires_in_seconds: 3600\n"
            ),
        )
    }
}

/// A sandbox that signs with that session's keys.
fn session_sandbox(sim: &Sim, token: &str) -> Sandbox {
    let mut sb = Sandbox::eks(
        sim,
        (
            "ASIAEXAMPLELONG00001",
            "bG9uZ2xvbmdsb25nbG9uZ2xvbmdsb25nbG9uZ2xv",
        ),
    );
    sb.set("AWS_SESSION_TOKEN", token);
    sb
}

/// A session token as long as one with many session tags: 3,200
/// characters with the `+`, `/` and `=` STS puts in them.
fn long_session_token() -> String {
    format!("FwoGZXIvYXdzEXAMPLE/{}==", "tAg+sEsSiOn/".repeat(266))
}

#[test]
fn token_too_large() {
    let token = long_session_token();
    let sim = world(with_session(&token));
    let sb = session_sandbox(&sim, &token);
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "token-too-large", "error");
    assert_verdict(code, &r, "token-too-large", 1);
    let over = f["evidence"]["over"].as_u64().unwrap();
    let length = f["evidence"]["length"].as_u64().unwrap();
    assert_eq!(length - over, 4096, "{f}");
    assert_eq!(f["evidence"]["session_token_length"], token.len());
    assert!(
        f["title"]
            .as_str()
            .unwrap()
            .contains(&format!("{over} over")),
        "{f}"
    );
    // The simulated API server refused it for its size, before STS.
    assert!(r["findings"].to_string().contains("unauthorized"), "{r}");
    assert!(
        !r.to_string().contains("tAg+sEsSiOn"),
        "the session token leaked"
    );
}

#[test]
fn token_too_large_healthy_twin_with_a_short_session_token() {
    let token = "FwoGZXIvYXdzEXAMPLE/short+session+token==";
    let sim = world(with_session(token));
    let sb = session_sandbox(&sim, token);
    let (code, r) = why(&sb, &[]);
    assert_eq!(errors(&r), Vec::<String>::new(), "{r}");
    assert_verdict(code, &r, "ok", 0);
    assert_eq!(
        r["identity"]["principal_arn"],
        "arn:aws:iam::111122223333:role/eks-admins"
    );
}

// ---- credentials-env-overrides-profile ----

/// Rewrites the sandbox's kubeconfig so that its current context's user
/// runs our token command with `args` and `env`.
fn exec_entry(sim: &Sim, sb: &mut Sandbox, args: &[&str], env: &[(&str, &str)]) {
    sb.kubeconfig(&Kubeconfig::eks(sim, Exec::eksauth(args).env(env)));
}

/// Profile `ops` holds the admin's keys; `shell` keys are exported.
fn profile_sandbox(sim: &Sim, shell: (&str, &str)) -> Sandbox {
    let sb = Sandbox::eks(sim, shell);
    sb.credentials_profile("ops", ADMIN_KEY);
    sb
}

#[test]
fn credentials_env_overrides_profile_is_an_error_when_the_keys_are_refused() {
    let sim = world(|t| t);
    let mut sb = profile_sandbox(&sim, INTRUDER_KEY);
    exec_entry(&sim, &mut sb, &TOKEN, &[("AWS_PROFILE", "ops")]);
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "credentials-env-overrides-profile", "error");
    assert_verdict(code, &r, "credentials-env-overrides-profile", 1);
    let detail = f["detail"].as_str().unwrap();
    assert!(
        detail.contains("user/intruder") && detail.contains(INTRUDER_KEY.0),
        "{f}"
    );
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains("kubectl eksauth setup --cluster-name demo --region us-west-2 --profile ops"),
        "{f}"
    );
    assert!(
        !r.to_string().contains(INTRUDER_KEY.1),
        "a secret key leaked"
    );
}

#[test]
fn credentials_env_overrides_an_inherited_aws_profile() {
    let sim = world(|t| t);
    let mut sb = profile_sandbox(&sim, INTRUDER_KEY);
    sb.set("AWS_PROFILE", "ops");
    exec_entry(&sim, &mut sb, &TOKEN, &[]);
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "credentials-env-overrides-profile", "error");
    assert!(f["detail"].as_str().unwrap().contains("inherited"), "{f}");
    assert_verdict(code, &r, "credentials-env-overrides-profile", 1);
}

#[test]
fn credentials_env_overrides_profile_is_a_warning_when_the_keys_are_let_in() {
    let sim = world(|t| t);
    let mut sb = profile_sandbox(&sim, DEV_KEY);
    exec_entry(&sim, &mut sb, &TOKEN, &[("AWS_PROFILE", "ops")]);
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "credentials-env-overrides-profile", "warning");
    assert!(f["detail"].as_str().unwrap().contains("user/dev"), "{f}");
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_verdict(code, &r, "ok", 0);
}

#[test]
fn credentials_env_overrides_profile_healthy_twin_with_profile_in_the_args() {
    let sim = world(|t| t);
    let mut sb = profile_sandbox(&sim, INTRUDER_KEY);
    let mut args = TOKEN.to_vec();
    args.extend(["--profile", "ops"]);
    exec_entry(&sim, &mut sb, &args, &[]);
    let (code, r) = why(&sb, &[]);
    assert_eq!(errors(&r), Vec::<String>::new(), "{r}");
    assert_verdict(code, &r, "ok", 0);
    assert!(!r.to_string().contains("credentials-env-overrides-profile"));
    assert_eq!(
        r["identity"]["principal_arn"],
        "arn:aws:iam::111122223333:user/admin"
    );
}

// ---- kubeconfig-static-token ----

/// The sandbox's kubeconfig with `token` fixed in the current user entry,
/// as `aws eks get-token` output pasted there (or Terraform) leaves it.
fn static_token_sandbox(sim: &Sim, token: &str) -> Sandbox {
    let mut sb = Sandbox::eks(sim, INTRUDER_KEY);
    sb.kubeconfig(&Kubeconfig::eks(sim, Auth::token(token)));
    sb
}

#[test]
fn kubeconfig_static_token_is_an_error_once_expired() {
    let sim = world(|t| t);
    let token = admin_token(&sim, "demo", Some(&faketime_minutes_ago(20)));
    let sb = static_token_sandbox(&sim, &token);
    let (code, r) = why(&sb, &[]);
    let f = finding(&r, "kubeconfig-static-token", "error");
    assert_verdict(code, &r, "kubeconfig-static-token", 1);
    // The token checks ran on it as on an exec token.
    finding(&r, "token-expired", "error");
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains("kubectl eksauth setup --cluster-name demo --region us-west-2"),
        "{f}"
    );
    assert!(!r.to_string().contains(&token), "the token leaked");
}

#[test]
fn kubeconfig_static_token_healthy_twin_a_fresh_token_is_only_a_warning() {
    let sim = world(|t| t);
    let token = admin_token(&sim, "demo", None);
    let sb = static_token_sandbox(&sim, &token);
    let (code, r) = why(&sb, &[]);
    finding(&r, "kubeconfig-static-token", "warning");
    assert_eq!(errors(&r), Vec::<String>::new(), "{r}");
    assert_verdict(code, &r, "ok", 0);
    // Signed by the admin although the shell holds the intruder's keys:
    // the fixed token is what kubectl sends.
    assert_eq!(
        r["identity"]["principal_arn"],
        "arn:aws:iam::111122223333:user/admin"
    );
    assert!(!r.to_string().contains("exec-not-eks"));
}
