//! Gathering evidence for `why`: all of its I/O, in the order kubectl and
//! EKS would meet each step, independent steps at once, every step bounded
//! by what is left of `--timeout`.
//!
//! Kubeconfig → token (the context's exec, or `--token`) → at once: STS
//! (the token's presigned URL, as the authenticator sends it) and the API
//! server (reach, then SelfSubjectReview with the token) → the EKS API
//! (DescribeCluster; the caller's access entry once STS has named the
//! caller) and aws-auth (file, admin context, or the caller's own access).
//! Nothing here judges: a failure is recorded as a fact for the checks.

use crate::aws::credentials::{self, CredentialRequest};
use crate::aws::profile::{ProfileChoice, Profiles};
use crate::aws::{Env, eks, sts_check};
use crate::kube::{exec, kubeconfig, probe};
use crate::secret::Secret;
use crate::why::evidence::*;
use aws_config::BehaviorVersion;
use aws_types::region::Region;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The least time a step is given even when the budget is nearly spent,
/// so that it can still fail with a reason instead of not running.
const MIN_STEP: Duration = Duration::from_millis(200);

/// What `why` was asked to look at.
#[derive(Debug, Clone, Default)]
pub struct WhyOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub token: Option<Secret>,
    pub admin_context: Option<String>,
    pub aws_auth_file: Option<PathBuf>,
    pub verb: Option<String>,
    pub resource: Option<String>,
    pub namespace: Option<String>,
    pub timeout: Duration,
}

/// A deadline that steps draw their timeouts from.
#[derive(Clone, Copy)]
struct Budget(Instant);

impl Budget {
    fn left(self) -> Duration {
        self.0
            .saturating_duration_since(Instant::now())
            .max(MIN_STEP)
    }
}

/// Gathers everything for one context.
pub async fn gather(opts: &WhyOptions, env: &Env) -> Evidence {
    let budget = Budget(Instant::now() + opts.timeout);
    let mut ev = Evidence {
        now: Some(OffsetDateTime::now_utc()),
        request: WhyRequest {
            context: opts.context.clone(),
            token_from_flag: opts.token.is_some(),
            verb: opts.verb.clone(),
            resource: opts.resource.clone(),
            namespace: opts.namespace.clone(),
        },
        ..Default::default()
    };
    let home = credentials::home_dir();
    let paths = kubeconfig::load_paths(
        opts.kubeconfig.as_deref(),
        env.get("KUBECONFIG").as_deref(),
        home.as_deref(),
    );
    let (merged, files) = kubeconfig::load(&paths);
    ev.kubeconfig = kubeconfig::resolve(merged.as_ref(), files, opts.context.as_deref());
    ev.aws_auth = read_aws_auth_file(opts);
    if !ev.kubeconfig.context_found || ev.kubeconfig.dangling.is_some() {
        return ev;
    }
    ev.token = match &opts.token {
        Some(t) => Some(t.clone()),
        None => run_exec(&mut ev, budget).await,
    };
    let Some(token) = ev.token.clone() else {
        return ev;
    };
    let cluster = this_cluster(&ev);
    let (sts, server) = tokio::join!(
        ask_sts(&ev, &token, cluster.as_deref(), env, budget),
        ask_server(&ev, &token, budget)
    );
    ev.sts = sts;
    ev.server = server;
    ev.eks = ask_eks(&ev, cluster.as_deref(), env, budget).await;
    if ev.aws_auth.source.is_none() {
        ev.aws_auth = read_aws_auth(&ev, merged.as_ref(), opts, &token, budget).await;
    }
    ev
}

/// The EKS cluster this context points at: named by the ARN-shaped
/// kubeconfig names, else by the exec entry.
fn this_cluster(ev: &Evidence) -> Option<String> {
    ev.kubeconfig.arn_cluster_name.clone().or_else(|| {
        ev.kubeconfig
            .exec
            .as_ref()
            .and_then(|e| e.cluster_name.clone())
    })
}

fn region_of(ev: &Evidence, env: &Env) -> Option<String> {
    let exec = ev.kubeconfig.exec.as_ref();
    exec.and_then(|e| e.region.clone())
        .or_else(|| ev.kubeconfig.arn_region.clone())
        .or_else(|| env.get("AWS_REGION"))
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
}

async fn run_exec(ev: &mut Evidence, budget: Budget) -> Option<Secret> {
    let entry = ev.kubeconfig.exec.clone()?;
    if entry.api_version.as_deref() == Some(crate::exec_credential::V1ALPHA1) {
        return None; // kubectl refuses it before running anything
    }
    let (facts, token) = exec::run(&entry, budget.left()).await;
    ev.exec = Some(facts);
    token
}

async fn ask_sts(
    ev: &Evidence,
    token: &Secret,
    cluster: Option<&str>,
    env: &Env,
    budget: Budget,
) -> Option<StsFacts> {
    let url = decode_url(token.expose())?;
    let cluster = cluster?.to_string();
    let override_base = env
        .get("AWS_ENDPOINT_URL_STS")
        .or_else(|| env.get("AWS_ENDPOINT_URL"));
    let (target, shown, endpoint_override) = sts_check::target(&url, override_base.as_deref());
    let (answer, server_date) = sts_check::ask(&target, &cluster, budget.left()).await;
    let exec_cluster = ev
        .kubeconfig
        .exec
        .as_ref()
        .and_then(|e| e.cluster_name.clone());
    let mismatch =
        matches!(&answer, StsAnswer::Error { code, .. } if code == "SignatureDoesNotMatch");
    let answer_with_exec_cluster = match exec_cluster {
        Some(other) if mismatch && other != cluster => {
            let (a, _) = sts_check::ask(&target, &other, budget.left()).await;
            Some((other, a))
        }
        _ => None,
    };
    Some(StsFacts {
        endpoint: shown,
        endpoint_override,
        cluster_header: cluster,
        answer,
        answer_with_exec_cluster,
        server_date,
    })
}

/// The presigned URL inside a token, if it decodes at all (the checks
/// report why it does not).
fn decode_url(token: &str) -> Option<String> {
    use base64::Engine;
    let b64 = token.strip_prefix(crate::token::presign::TOKEN_PREFIX)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64.trim_end_matches('='))
        .ok()?;
    String::from_utf8(bytes).ok()
}

async fn ask_server(ev: &Evidence, token: &Secret, budget: Budget) -> Option<ServerFacts> {
    let k = &ev.kubeconfig;
    let server = k.server.clone()?;
    let proxy = k
        .proxy_url
        .clone()
        .or_else(|| std::env::var("HTTPS_PROXY").ok())
        .or_else(|| std::env::var("https_proxy").ok());
    let reach = if proxy.is_some() {
        Reach::Ok
    } else {
        probe::reach(&server, k.ca_pem.as_deref(), k.insecure, budget.left()).await
    };
    let mut facts = ServerFacts {
        server: server.clone(),
        reach: reach.clone(),
        proxy,
        review: None,
        server_date: None,
    };
    if reach != Reach::Ok {
        return Some(facts);
    }
    match probe::client(
        &server,
        k.ca_pem.as_deref(),
        k.insecure,
        Some(token),
        budget.left(),
    ) {
        Ok(client) => {
            let (review, date) = probe::self_review(&client, budget.left()).await;
            facts.review = Some(review);
            facts.server_date = date;
        }
        Err(e) => facts.review = Some(Review::Failed(format!("{e:#}"))),
    }
    Some(facts)
}

/// AWS credentials as the exec entry would get them (its profile, region
/// and role), for the EKS API calls.
async fn sdk_config(
    ev: &Evidence,
    region: &str,
    env: &Env,
    budget: Budget,
) -> Result<aws_types::SdkConfig, String> {
    let exec = ev.kubeconfig.exec.clone().unwrap_or_default();
    let choice = match exec.profile.clone() {
        Some(p) => ProfileChoice {
            name: p,
            explicit: true,
            from_flag: true,
        },
        None => crate::aws::profile::choose_profile(None, env),
    };
    let profiles = Profiles::load(&choice.name)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .timeout_config(credentials::timeouts())
        .no_credentials();
    if choice.explicit {
        loader = loader.profile_name(&choice.name);
    }
    let base = loader.load().await;
    let req = CredentialRequest {
        profile: &choice,
        profiles: &profiles,
        region,
        role_arn: exec.role_arn.as_deref(),
        sdk: &base,
        env,
        now: std::time::SystemTime::now(),
    };
    let creds = tokio::time::timeout(budget.left(), credentials::resolve(&req))
        .await
        .map_err(|_| "resolving credentials timed out".to_string())?
        .map_err(|e| e.to_string())?;
    Ok(base
        .into_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
        .build())
}

async fn ask_eks(
    ev: &Evidence,
    cluster: Option<&str>,
    env: &Env,
    budget: Budget,
) -> Option<EksFacts> {
    let cluster = cluster?.to_string();
    let region = region_of(ev, env)?;
    let mut facts = EksFacts {
        cluster_name: cluster.clone(),
        region: region.clone(),
        describe: EksCall::Failed(String::new()),
        access_entry: None,
        server_date: None,
    };
    let sdk = match sdk_config(ev, &region, env, budget).await {
        Ok(s) => s,
        Err(e) => {
            facts.describe = EksCall::Failed(format!("no AWS credentials for the EKS API: {e}"));
            return Some(facts);
        }
    };
    let client = aws_sdk_eks::Client::new(&sdk);
    facts.describe = tokio::time::timeout(budget.left(), eks::describe(&client, &cluster))
        .await
        .unwrap_or_else(|_| EksCall::Failed("DescribeCluster timed out".into()));
    let mode = match &facts.describe {
        EksCall::Ok(c) => c.authentication_mode.clone(),
        _ => None,
    };
    let principal = match ev.sts.as_ref().map(|s| &s.answer) {
        Some(StsAnswer::Caller { arn, .. }) => {
            crate::why::arn::canonicalize(arn).map(|c| crate::why::arn::strip_path(&c))
        }
        _ => None,
    };
    if let (Some(p), Some(m)) = (principal, mode) {
        if m != "CONFIG_MAP" {
            facts.access_entry = Some(
                tokio::time::timeout(budget.left(), eks::access_entry(&client, &cluster, &p))
                    .await
                    .unwrap_or_else(|_| EksCall::Failed("listing access entries timed out".into())),
            );
        }
    }
    Some(facts)
}

fn read_aws_auth_file(opts: &WhyOptions) -> AwsAuthFacts {
    let Some(path) = &opts.aws_auth_file else {
        return AwsAuthFacts::default();
    };
    let source = Some(format!("--aws-auth-file {}", path.display()));
    match std::fs::read_to_string(path) {
        Ok(text) => match configmap_data(&text) {
            Ok(data) => AwsAuthFacts {
                source,
                data: Some(data),
                ..Default::default()
            },
            Err(e) => AwsAuthFacts {
                source,
                unreadable: Some(e),
                ..Default::default()
            },
        },
        Err(e) => AwsAuthFacts {
            source,
            unreadable: Some(format!("could not read {}: {e}", path.display())),
            ..Default::default()
        },
    }
}

/// The `data` of an exported ConfigMap (YAML or JSON; JSON is YAML).
pub fn configmap_data(text: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    #[derive(serde::Deserialize)]
    struct Cm {
        #[serde(default)]
        data: std::collections::BTreeMap<String, String>,
    }
    serde_saphyr::from_str::<Cm>(text)
        .map(|c| c.data)
        .map_err(|e| format!("not a ConfigMap: {e}"))
}

async fn read_aws_auth(
    ev: &Evidence,
    merged: Option<&kube::config::Kubeconfig>,
    opts: &WhyOptions,
    token: &Secret,
    budget: Budget,
) -> AwsAuthFacts {
    let (client, source) = if let Some(admin) = &opts.admin_context {
        let options = kube::config::KubeConfigOptions {
            context: Some(admin.clone()),
            ..Default::default()
        };
        let Some(cfg) = merged.cloned() else {
            return AwsAuthFacts::default();
        };
        let client = match kube::Config::from_custom_kubeconfig(cfg, &options).await {
            Ok(mut c) => {
                c.connect_timeout = Some(budget.left());
                c.read_timeout = Some(budget.left());
                kube::Client::try_from(c).map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        (client, format!("admin context {admin}"))
    } else {
        let authenticated = matches!(
            ev.server.as_ref().and_then(|s| s.review.as_ref()),
            Some(Review::Authenticated { .. })
        );
        if !authenticated {
            let why = "the diagnosed identity is not let in, and neither --admin-context nor --aws-auth-file was given";
            return AwsAuthFacts {
                unreadable: Some(why.into()),
                ..Default::default()
            };
        }
        let k = &ev.kubeconfig;
        let server = k.server.clone().unwrap_or_default();
        (
            probe::client(
                &server,
                k.ca_pem.as_deref(),
                k.insecure,
                Some(token),
                budget.left(),
            )
            .map_err(|e| format!("{e:#}")),
            "the diagnosed identity".to_string(),
        )
    };
    let source = Some(source);
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            return AwsAuthFacts {
                source,
                unreadable: Some(e),
                ..Default::default()
            };
        }
    };
    let api: kube::Api<k8s_openapi::api::core::v1::ConfigMap> =
        kube::Api::namespaced(client, "kube-system");
    match tokio::time::timeout(budget.left(), api.get_opt("aws-auth")).await {
        Ok(Ok(Some(cm))) => AwsAuthFacts {
            source,
            data: Some(cm.data.unwrap_or_default()),
            ..Default::default()
        },
        Ok(Ok(None)) => AwsAuthFacts {
            source,
            absent: true,
            ..Default::default()
        },
        Ok(Err(kube::Error::Api(s))) => {
            let why = format!(
                "the API server answered {} {}: {}",
                s.code, s.reason, s.message
            );
            AwsAuthFacts {
                source,
                unreadable: Some(why),
                ..Default::default()
            }
        }
        Ok(Err(e)) => AwsAuthFacts {
            source,
            unreadable: Some(crate::aws::error_causes(&e)),
            ..Default::default()
        },
        Err(_) => AwsAuthFacts {
            source,
            unreadable: Some("reading it timed out".into()),
            ..Default::default()
        },
    }
}
