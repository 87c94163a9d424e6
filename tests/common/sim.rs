//! The local EKS simulator and its fixtures: the bundled example world
//! (edited per test) and a small world built from parts, with the keys
//! their users sign with.

use super::*;

/// A running simulator (killed on drop).
pub struct Sim {
    child: std::process::Child,
    pub dir: tempfile::TempDir,
    pub endpoints: serde_json::Value,
}

impl Sim {
    /// Starts `eks-sim` with `fixture` (YAML) and waits for its endpoints.
    pub fn start(fixture: &str) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        let fx = dir.path().join("fixture.yaml");
        std::fs::write(&fx, fixture).unwrap();
        let state = dir.path().join("state");
        let log = std::fs::File::create(dir.path().join("sim.log")).unwrap();
        let child = Command::new(sim_bin())
            .arg("--fixture")
            .arg(&fx)
            .arg("--state-dir")
            .arg(&state)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start eks-sim");
        let mut sim = Sim {
            child,
            dir,
            endpoints: serde_json::Value::Null,
        };
        let file = state.join("endpoints.json");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Some(status) = sim.child.try_wait().unwrap() {
                panic!("eks-sim exited with {status}: {}", sim.log());
            }
            if let Ok(text) = std::fs::read_to_string(&file)
                && let Ok(v) = serde_json::from_str(&text)
            {
                sim.endpoints = v;
                return sim;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "eks-sim did not write {} in time: {}",
            file.display(),
            sim.log()
        );
    }

    /// An endpoint URL by name (`sts`, `sso`, `eks`, `iam`, `kube`, ...).
    pub fn url(&self, name: &str) -> String {
        self.endpoints[name]
            .as_str()
            .unwrap_or_else(|| panic!("no endpoint {name}"))
            .to_string()
    }

    /// The CA file of the simulated API server.
    pub fn ca_file(&self) -> String {
        self.endpoints["ca_file"].as_str().unwrap().to_string()
    }

    /// What the simulator logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sim.log")).unwrap_or_default()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- the example world (sim/fixtures/example.yaml) ----

pub const ACCOUNT: &str = "111122223333";
pub const CLUSTER_ARN: &str = "arn:aws:eks:us-west-2:111122223333:cluster/demo";
/// user/admin of the example world (system:masters through aws-auth).
pub const ADMIN_KEY: (&str, &str) = (
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
);
/// user/intruder of the example world (mapped nowhere).
pub const INTRUDER_KEY: (&str, &str) = (
    "AKIAINTRUDER0EXAMPLE",
    "8bQ2Vd1ZqkT0rR9xYh3JmN5pLw7sUc4eEXAMPLEK",
);
/// user/dev of the example world (group dev-team).
pub const DEV_KEY: (&str, &str) = (
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
);
pub const V1: &str = "client.authentication.k8s.io/v1";
pub const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";
pub const TOKEN_ARGS: [&str; 5] = ["token", "--cluster-name", "demo", "--region", "us-west-2"];

/// The example fixture's text.
pub fn example() -> String {
    std::fs::read_to_string(repo().join("sim/fixtures/example.yaml")).unwrap()
}

/// `text` with `from` replaced by `to`, asserting `from` is there.
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the fixture has no {from:?}");
    text.replacen(from, to, 1)
}

/// The example world of the simulator, with `edit` applied to its text.
pub fn world(edit: impl Fn(String) -> String) -> Sim {
    Sim::start(&edit(example()))
}

/// The intruder may call the EKS and IAM APIs.
pub fn intruder_may_call_aws(t: String) -> String {
    edit(
        &t,
        "principal_arn: arn:aws:iam::111122223333:user/intruder   # every EKS and IAM action",
        "principal_arn: arn:aws:iam::111122223333:user/nobody",
    )
}

/// Adds an access entry for the intruder with `body` (YAML lines of the
/// entry after its principal, indented by six spaces).
pub fn intruder_entry(t: String, body: &str) -> String {
    edit(
        &intruder_may_call_aws(t),
        "  access_entries:\n",
        &format!(
            "  access_entries:\n    - principal_arn: arn:aws:iam::111122223333:user/intruder\n{body}"
        ),
    )
}

/// A token for cluster `cluster` signed by the example world's admin
/// (never cached), now or, under faketime, at `at`.
pub fn admin_token(sim: &Sim, cluster: &str, at: Option<&str>) -> String {
    let mut sb = Sandbox::for_sim(sim);
    sb.keys(ADMIN_KEY);
    let mut c = match at {
        Some(t) => {
            let mut c = sb.command(faketime());
            c.arg("-f").arg(t).arg(bin());
            c
        }
        None => sb.command(bin()),
    };
    c.args([
        "token",
        "--no-cache",
        "--cluster-name",
        cluster,
        "--region",
        "us-west-2",
    ]);
    run(c).ok().token()
}

// ---- a small world built from parts ----

/// user/alice of [`fixture`], who may assume role/eks-admin.
pub const ALICE: (&str, &str) = (
    "AKIAALICE00000000001",
    "alice-secret-key-0000000000000000000000",
);
/// Keys no simulator knows: a token they sign is refused.
pub const OTHER_KEY: (&str, &str) = (
    "AKIAOTHER00000000001",
    "b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcm90aGVy",
);
pub const SSO_ROLE_WITH_PATH: &str = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_Admin_0123abcd";

/// A fixture: alice (IAM user), the role eks-admin she may assume, an SSO
/// role with its path, then `cluster_extra` appended under `cluster:` and
/// `top_extra` at the top level.
pub fn fixture(cluster_extra: &str, top_extra: &str) -> String {
    format!(
        r#"
iam:
  users:
    - arn: arn:aws:iam::{ACCOUNT}:user/alice
      access_keys: [{{id: {id}, secret: {secret}}}]
  roles:
    - arn: arn:aws:iam::{ACCOUNT}:role/eks-admin
      trusted_principals: [arn:aws:iam::{ACCOUNT}:user/alice]
    - arn: {SSO_ROLE_WITH_PATH}
sso:
  tokens:
    - access_token: SSO-ACCESS-TOKEN-VALID-0001
      user_name: dev@example.com
      assignments: [{{account_id: "{ACCOUNT}", role_name: Admin}}]
cluster:
  name: demo
  region: us-west-2
  account_id: "{ACCOUNT}"
  authentication_mode: API_AND_CONFIG_MAP
{cluster_extra}
{top_extra}
"#,
        id = ALICE.0,
        secret = ALICE.1
    )
}

/// aws-auth data that maps alice and eks-admin to system:masters.
pub fn masters_aws_auth() -> String {
    format!(
        r#"  aws_auth:
    mapUsers: |
      - userarn: arn:aws:iam::{ACCOUNT}:user/alice
        username: alice
        groups: [system:masters]
    mapRoles: |
      - rolearn: arn:aws:iam::{ACCOUNT}:role/eks-admin
        username: "admin:{{{{SessionName}}}}"
        groups: [system:masters]
"#
    )
}

/// aws-auth data that maps the SSO role Admin (without its path) to
/// system:masters as `sso:{{SessionName}}`.
pub fn masters_sso() -> String {
    format!(
        "  aws_auth:\n    mapRoles: |\n      - rolearn: arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_Admin_0123abcd\n        username: \"sso:{{{{SessionName}}}}\"\n        groups: [system:masters]\n"
    )
}

/// Alice's keys in the environment.
pub fn as_alice(sb: &mut Sandbox) -> &mut Sandbox {
    sb.keys(ALICE)
}
