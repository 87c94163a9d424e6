//! The simulator's EKS, IAM, SSO OIDC and Kubernetes-object endpoints and
//! its faults, proven against the real peers: the AWS CLI must parse every
//! answer (describe-cluster, list-access-entries, get-role, OIDC providers,
//! the device flow), and `kubectl auth can-i` must agree with what the
//! simulated API server then does to the real request (allowed, RBAC
//! denial, access policy scoped to another namespace).

mod common;
use common::*;

/// A sandbox whose AWS CLI signs with `key`, in us-west-2, never follows
/// URL parameters and never retries.
fn aws_sandbox(key: (&str, &str)) -> Sandbox {
    let mut sb = Sandbox::with_keys(key);
    sb.write(".aws/config", "[default]\ncli_follow_urlparam = false\n");
    sb.set("AWS_DEFAULT_REGION", "us-west-2")
        .set("AWS_MAX_ATTEMPTS", "1")
        .set("AWS_RETRY_MODE", "standard");
    sb
}

#[test]
fn aws_cli_parses_the_eks_api() {
    let sim = Sim::start(&example());
    let sb = aws_sandbox(ADMIN_KEY);
    let eks = sim.url("eks");
    let r = aws(
        &sb,
        &[
            "eks",
            "describe-cluster",
            "--name",
            "demo",
            "--endpoint-url",
            &eks,
        ],
    );
    let c = &r.ok().json()["cluster"];
    assert_eq!(c["endpoint"], sim.url("kube").as_str());
    assert_eq!(c["status"], "ACTIVE");
    assert_eq!(
        c["accessConfig"]["authenticationMode"],
        "API_AND_CONFIG_MAP"
    );
    assert_eq!(
        c["identity"]["oidc"]["issuer"],
        "https://oidc.eks.us-west-2.amazonaws.com/id/5E1D2C3B4A5968778695A4B3C2D1E0F1"
    );
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD
        .decode(c["certificateAuthority"]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        ca,
        std::fs::read(sim.ca_file()).unwrap(),
        "CA data is ca.pem"
    );

    let r = aws(&sb, &["eks", "list-clusters", "--endpoint-url", &eks]);
    assert_eq!(r.ok().json()["clusters"], serde_json::json!(["demo"]));
    let r = aws(
        &sb,
        &[
            "eks",
            "list-access-entries",
            "--cluster-name",
            "demo",
            "--endpoint-url",
            &eks,
        ],
    );
    assert_eq!(r.ok().json()["accessEntries"].as_array().unwrap().len(), 3);
    let sso_ro = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_ReadOnly_fedcba9876543210";
    let r = aws(
        &sb,
        &[
            "eks",
            "list-associated-access-policies",
            "--cluster-name",
            "demo",
            "--principal-arn",
            sso_ro,
            "--endpoint-url",
            &eks,
        ],
    );
    let p = &r.ok().json()["associatedAccessPolicies"][0];
    assert_eq!(
        p["policyArn"],
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    );
    assert_eq!(
        p["accessScope"],
        serde_json::json!({"type": "namespace", "namespaces": ["dev"]})
    );
    let r = aws(
        &sb,
        &[
            "eks",
            "describe-access-entry",
            "--cluster-name",
            "demo",
            "--principal-arn",
            "arn:aws:iam::111122223333:user/dev",
            "--endpoint-url",
            &eks,
        ],
    );
    assert_eq!(
        r.ok().json()["accessEntry"]["kubernetesGroups"],
        serde_json::json!(["dev-team"])
    );

    let cases: [(&str, Sandbox, &[&str], &str); 5] = [
        (
            "other_name_not_found",
            aws_sandbox(ADMIN_KEY),
            &["--name", "other"],
            "(ResourceNotFoundException)",
        ),
        (
            "denied_by_fixture",
            aws_sandbox(INTRUDER_KEY),
            &["--name", "demo"],
            "(AccessDeniedException)",
        ),
        (
            "unknown_key",
            aws_sandbox(("AKIAUNKNOWNKEY000000", "x")),
            &["--name", "demo"],
            "(UnrecognizedClientException)",
        ),
        (
            "wrong_secret",
            aws_sandbox((ADMIN_KEY.0, "wrong")),
            &["--name", "demo"],
            "(InvalidSignatureException)",
        ),
        (
            "other_region_not_found",
            {
                let mut s = aws_sandbox(ADMIN_KEY);
                s.set("AWS_DEFAULT_REGION", "eu-west-1");
                s
            },
            &["--name", "demo"],
            "(ResourceNotFoundException)",
        ),
    ];
    for (name, sb, args, want) in cases {
        let mut full = vec!["eks", "describe-cluster", "--endpoint-url", &eks];
        full.extend_from_slice(args);
        let r = aws(&sb, &full);
        assert!(r.code != 0 && r.stderr.contains(want), "{name}: {r:?}");
    }
}

#[test]
fn aws_cli_parses_the_iam_api() {
    let sim = Sim::start(&example());
    let sb = aws_sandbox(ADMIN_KEY);
    let iam = sim.url("iam");
    let r = aws(
        &sb,
        &[
            "iam",
            "get-role",
            "--role-name",
            "app-s3-reader",
            "--endpoint-url",
            &iam,
        ],
    );
    let role = &r.ok().json()["Role"];
    assert_eq!(role["Path"], "/");
    assert_eq!(role["MaxSessionDuration"], 3600);
    let statement = &role["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(
        statement["Action"], "sts:AssumeRoleWithWebIdentity",
        "botocore decoded the URL-encoded document"
    );
    let r = aws(
        &sb,
        &[
            "iam",
            "get-role",
            "--role-name",
            "AWSReservedSSO_ReadOnly_fedcba9876543210",
            "--endpoint-url",
            &iam,
        ],
    );
    assert_eq!(
        r.ok().json()["Role"]["Path"],
        "/aws-reserved/sso.amazonaws.com/us-east-2/"
    );

    let r = aws(
        &sb,
        &[
            "iam",
            "list-open-id-connect-providers",
            "--endpoint-url",
            &iam,
        ],
    );
    let arn = r.ok().json()["OpenIDConnectProviderList"][0]["Arn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(arn.ends_with(
        ":oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/5E1D2C3B4A5968778695A4B3C2D1E0F1"
    ));
    let r = aws(
        &sb,
        &[
            "iam",
            "get-open-id-connect-provider",
            "--open-id-connect-provider-arn",
            &arn,
            "--endpoint-url",
            &iam,
        ],
    );
    let p = r.ok().json();
    assert_eq!(
        p["Url"],
        "oidc.eks.us-west-2.amazonaws.com/id/5E1D2C3B4A5968778695A4B3C2D1E0F1"
    );
    assert_eq!(p["ClientIDList"], serde_json::json!(["sts.amazonaws.com"]));

    let cases = [
        (
            "missing_role",
            aws_sandbox(ADMIN_KEY),
            "nope",
            "(NoSuchEntity)",
        ),
        (
            "denied_by_fixture",
            aws_sandbox(INTRUDER_KEY),
            "eks-admins",
            "(AccessDenied)",
        ),
        (
            "unknown_key",
            aws_sandbox(("AKIAUNKNOWNKEY000000", "x")),
            "eks-admins",
            "(InvalidClientTokenId)",
        ),
    ];
    for (name, sb, role, want) in cases {
        let r = aws(
            &sb,
            &[
                "iam",
                "get-role",
                "--role-name",
                role,
                "--endpoint-url",
                &iam,
            ],
        );
        assert!(r.code != 0 && r.stderr.contains(want), "{name}: {r:?}");
    }
}

/// A world for authorization: dev-team bound to view in dev (RBAC), and a
/// user whose only permission is AmazonEKSViewPolicy scoped to dev.
const AUTHZ_FIXTURE: &str = r#"
iam:
  users:
    - arn: arn:aws:iam::111122223333:user/dev
      access_keys: [{id: AKIAI44QH8DHBEXAMPLE, secret: je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY}]
    - arn: arn:aws:iam::111122223333:user/scoped
      access_keys: [{id: AKIASCOPED0000EXAMPL, secret: c2NvcGVkc2NvcGVkc2NvcGVkc2NvcGVkc2NvcGVk}]
cluster:
  name: demo
  region: us-west-2
  account_id: "111122223333"
  authentication_mode: API
  access_entries:
    - principal_arn: arn:aws:iam::111122223333:user/dev
      username: dev
      kubernetes_groups: [dev-team]
    - principal_arn: arn:aws:iam::111122223333:user/scoped
      username: scoped
      access_policies:
        - policy: AmazonEKSViewPolicy
          scope: {type: namespace, namespaces: [dev]}
  rbac:
    - kind: RoleBinding
      metadata: {name: dev-team-view, namespace: dev}
      subjects: [{kind: Group, name: dev-team, apiGroup: rbac.authorization.k8s.io}]
      roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
"#;

/// A sandbox with a kubeconfig whose exec runs `aws eks get-token` with `key`.
fn kube_sandbox(sim: &Sim, key: (&str, &str)) -> Sandbox {
    let mut sb = Sandbox::new();
    let env = [
        ("AWS_ACCESS_KEY_ID", key.0),
        ("AWS_SECRET_ACCESS_KEY", key.1),
        ("AWS_DEFAULT_REGION", "us-west-2"),
        ("AWS_ENDPOINT_URL_STS", &sim.url("sts")),
    ];
    let exec = Exec::new(aws_cli(), &["eks", "get-token", "--cluster-name", "demo"])
        .api_version(V1BETA1)
        .env(&env);
    sb.kubeconfig(&Kubeconfig::demo(sim, exec));
    sb
}

#[test]
fn kubectl_can_i_agrees_with_the_authorizer() {
    let sim = Sim::start(AUTHZ_FIXTURE);
    let scoped = (
        "AKIASCOPED0000EXAMPL",
        "c2NvcGVkc2NvcGVkc2NvcGVkc2NvcGVkc2NvcGVk",
    );
    let cases = [
        ("rbac_allows", DEV_KEY, "pods", "dev", true),
        ("rbac_denies_secrets", DEV_KEY, "secrets", "dev", false),
        (
            "rbac_denies_other_namespace",
            DEV_KEY,
            "pods",
            "default",
            false,
        ),
        ("policy_allows_in_scope", scoped, "pods", "dev", true),
        (
            "policy_scoped_to_other_namespace",
            scoped,
            "pods",
            "default",
            false,
        ),
    ];
    for (name, key, resource, ns, want) in cases {
        let sb = kube_sandbox(&sim, key);
        let r = kubectl_run(&sb, &["auth", "can-i", "list", resource, "-n", ns]);
        assert_eq!(
            r.stdout.trim(),
            if want { "yes" } else { "no" },
            "{name}: {r:?}"
        );
        assert_eq!(r.code == 0, want, "{name}: exit status");
        let real = kubectl_run(&sb, &["get", resource, "-n", ns]);
        assert_eq!(
            real.code == 0,
            want,
            "{name}: the real request agrees: {real:?}"
        );
        if !want {
            assert!(
                real.stderr.contains("Error from server (Forbidden)"),
                "{name}: {real:?}"
            );
        }
    }
}

#[test]
fn kubectl_reads_the_clusters_objects() {
    let sim = Sim::start(&example());
    let sb = kube_sandbox(&sim, ADMIN_KEY);
    let r = kubectl_run(
        &sb,
        &["get", "cm", "aws-auth", "-n", "kube-system", "-o", "yaml"],
    );
    assert!(
        r.ok()
            .stdout
            .contains("userarn: arn:aws:iam::111122223333:user/admin"),
        "{r:?}"
    );
    let r = kubectl_run(&sb, &["get", "sa,pods,rolebindings", "-A"]);
    for want in [
        "serviceaccount/app",
        "pod/app-7c9f",
        "pod/app-legacy",
        "rolebinding.rbac.authorization.k8s.io/dev-team-view",
    ] {
        assert!(r.ok().stdout.contains(want), "{want}: {r:?}");
    }
    let r = kubectl_run(
        &sb,
        &[
            "get",
            "sa",
            "app",
            "-n",
            "dev",
            "-o",
            "jsonpath={.metadata.annotations.eks\\.amazonaws\\.com/role-arn}",
        ],
    );
    assert_eq!(
        r.ok().stdout,
        "arn:aws:iam::111122223333:role/app-s3-reader"
    );
    let r = kubectl_run(
        &sb,
        &[
            "get",
            "pods",
            "-n",
            "dev",
            "--field-selector",
            "spec.serviceAccountName=app",
            "-o",
            "name",
        ],
    );
    assert_eq!(r.ok().stdout.lines().count(), 2, "{r:?}");
    let r = kubectl_run(&sb, &["get", "pod", "missing", "-n", "dev"]);
    assert!(
        r.failed().stderr.contains("pods \"missing\" not found"),
        "{r:?}"
    );
    let dev = kube_sandbox(&sim, DEV_KEY);
    let r = kubectl_run(&dev, &["get", "cm", "aws-auth", "-n", "kube-system"]);
    assert!(
        r.failed().stderr.contains("Forbidden"),
        "RBAC guards objects: {r:?}"
    );
}

#[test]
fn faults_are_seen_as_clients_see_them() {
    let fixture = example().replace(
        "clock_offset_seconds: 0",
        "clock_offset_seconds: 0\nfaults: {cluster_endpoint: wrong_ca, sts_throttle_requests: 1}",
    );
    let sim = Sim::start(&fixture);
    let sb = aws_sandbox(ADMIN_KEY);
    let r = aws(
        &sb,
        &[
            "sts",
            "get-caller-identity",
            "--endpoint-url",
            &sim.url("sts"),
        ],
    );
    assert!(
        r.stderr.contains("(Throttling)"),
        "first STS call throttled: {r:?}"
    );
    aws(
        &sb,
        &[
            "sts",
            "get-caller-identity",
            "--endpoint-url",
            &sim.url("sts"),
        ],
    )
    .ok();
    let r = aws(
        &sb,
        &[
            "eks",
            "describe-cluster",
            "--name",
            "demo",
            "--endpoint-url",
            &sim.url("eks"),
        ],
    );
    assert_eq!(
        r.ok().json()["cluster"]["endpoint"],
        sim.url("kube_wrong_ca").as_str()
    );

    let kb = kube_sandbox(&sim, ADMIN_KEY);
    let cases = [
        ("wrong_ca", sim.url("kube_wrong_ca"), "x509"),
        (
            "closed_port",
            sim.url("closed").replace("http:", "https:"),
            "connection refused",
        ),
        (
            "hang",
            sim.url("hang").replace("http:", "https:"),
            "timeout",
        ),
    ];
    for (name, server, want) in cases {
        let r = kubectl_run(
            &kb,
            &[
                "get",
                "pods",
                "--server",
                &server,
                "--request-timeout",
                "2s",
            ],
        );
        assert!(
            r.code != 0 && r.stderr.to_lowercase().contains(want),
            "{name}: {r:?}"
        );
    }
}

#[test]
fn aws_cli_runs_the_sso_device_flow() {
    // A polling interval long enough that two AWS CLI calls in a row fall
    // inside it even on a loaded machine (each costs ~1 s of Python start).
    let sim = Sim::start(&interval(&example(), 5));
    let sb = aws_sandbox(ADMIN_KEY);
    let oidc = sim.url("sso_oidc");
    let call = |args: &[&str]| {
        let mut full = vec!["sso-oidc"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["--endpoint-url", &oidc, "--no-sign-request"]);
        aws(&sb, &full)
    };
    let reg = call(&[
        "register-client",
        "--client-name",
        "t",
        "--client-type",
        "public",
    ])
    .ok()
    .json();
    let (id, secret) = (
        reg["clientId"].as_str().unwrap(),
        reg["clientSecret"].as_str().unwrap(),
    );
    let dev = call(&[
        "start-device-authorization",
        "--client-id",
        id,
        "--client-secret",
        secret,
        "--start-url",
        "https://d-1234.awsapps.com/start",
    ])
    .ok()
    .json();
    let code = dev["deviceCode"].as_str().unwrap();
    let token = || {
        call(&[
            "create-token",
            "--client-id",
            id,
            "--client-secret",
            secret,
            "--grant-type",
            "urn:ietf:params:oauth:grant-type:device_code",
            "--device-code",
            code,
        ])
    };
    assert!(token().stderr.contains("(AuthorizationPendingException)"));
    assert!(token().stderr.contains("(SlowDownException)"));
    std::thread::sleep(std::time::Duration::from_millis(5100));
    let t = token().ok().json();
    let access = t["accessToken"].as_str().unwrap();
    let r = aws(
        &sb,
        &[
            "sso",
            "get-role-credentials",
            "--role-name",
            "ReadOnly",
            "--account-id",
            "111122223333",
            "--access-token",
            access,
            "--endpoint-url",
            &sim.url("sso"),
            "--no-sign-request",
        ],
    );
    assert!(
        r.ok().json()["roleCredentials"]["accessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIA")
    );
    let refresh = t["refreshToken"].as_str().unwrap();
    call(&[
        "create-token",
        "--client-id",
        id,
        "--client-secret",
        secret,
        "--grant-type",
        "refresh_token",
        "--refresh-token",
        refresh,
    ])
    .ok();
    assert!(
        !sim.log().contains(access),
        "the access token is never logged"
    );
}

/// The example world with the SSO OIDC polling interval set to `seconds`.
fn interval(fixture: &str, seconds: u32) -> String {
    let re = fixture.lines().map(|l| {
        if l.trim_start().starts_with("interval_seconds:") {
            let indent = &l[..l.len() - l.trim_start().len()];
            format!("{indent}interval_seconds: {seconds}")
        } else {
            l.to_string()
        }
    });
    re.collect::<Vec<_>>().join("\n")
}
