//! `why` for the lock-outs of issue 12 that concern the token and the
//! credentials that sign it, through the real binary against the simulator:
//! `credentials-env-overrides-profile`, `kubeconfig-static-token` and
//! `token-too-large`, each with a healthy twin that gives no error.

mod common;
use common::why_sim::{
    ADMIN_KEY, DEV_KEY, assert_verdict, edit, errors, finding, sandbox, why, world,
};
use common::*;

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
    let mut sb = sandbox(
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
