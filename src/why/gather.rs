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

use crate::aws::{Env, eks, iam, sts_check};
use crate::kube::{exec, kubeconfig, objects, probe};
use crate::secret::Secret;
use crate::why::evidence::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

mod pod_identity;

/// The least time a step is given when the budget is spent: enough to fail
/// with a reason ("timed out") instead of not running, short enough that
/// the whole run still ends within `--timeout`.
const MIN_STEP: Duration = Duration::from_millis(10);
/// Kept back from `--timeout` for starting, rendering and exiting, so the
/// command as a whole ends within it.
const RESERVE: Duration = Duration::from_millis(300);

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
    /// `--service-account NAMESPACE/NAME`.
    pub service_account: Option<String>,
    pub timeout: Duration,
    /// What is shared between contexts (`--all-contexts`): the kubeconfig
    /// loaded once, AWS sessions opened once per profile, region and role.
    pub shared: Shared,
}

/// The kubeconfig as loaded: merged, and what was seen of each file.
pub type Loaded = (Option<kube::config::Kubeconfig>, Vec<KubeconfigFile>);

/// An AWS session's key: the exec entry's profile, region and role.
type SdkKey = (Option<String>, String, Option<String>);

/// State shared by the contexts of one run.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    /// The kubeconfig, when already loaded.
    pub loaded: Option<Arc<Loaded>>,
    sdk: Arc<tokio::sync::Mutex<HashMap<SdkKey, Result<aws_types::SdkConfig, String>>>>,
}

/// Loads the kubeconfig `why` looks at (`--kubeconfig`, else `KUBECONFIG`,
/// else `~/.kube/config`).
pub fn load(opts: &WhyOptions, env: &Env) -> Loaded {
    let home = crate::platform::home_dir();
    let paths = kubeconfig::load_paths(
        opts.kubeconfig.as_deref(),
        env.get("KUBECONFIG").as_deref(),
        home.as_deref(),
    );
    kubeconfig::load(&paths)
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
    let budget = Budget(Instant::now() + opts.timeout.saturating_sub(RESERVE).max(RESERVE));
    let mut ev = Evidence {
        now: Some(OffsetDateTime::now_utc()),
        request: WhyRequest {
            token_from_flag: opts.token.is_some(),
            verb: opts.verb.clone(),
            resource: opts.resource.clone(),
            namespace: opts.namespace.clone(),
        },
        ..Default::default()
    };
    let loaded = match &opts.shared.loaded {
        Some(l) => l.clone(),
        None => Arc::new(load(opts, env)),
    };
    let merged = loaded.0.as_ref();
    ev.kubeconfig = kubeconfig::resolve(merged, loaded.1.clone(), opts.context.as_deref());
    ev.aws_auth = read_aws_auth_file(opts);
    ev.signer = ev
        .kubeconfig
        .exec
        .as_ref()
        .map(|x| crate::why::signer::facts(x, env));
    if !ev.kubeconfig.context_found || ev.kubeconfig.dangling.is_some() {
        return ev;
    }
    ev.token = match &opts.token {
        Some(t) => Some(t.clone()),
        // A fixed EKS token is judged like an exec one; any other is not ours.
        None if ev.kubeconfig.exec.is_none() => ev
            .kubeconfig
            .static_token
            .clone()
            .filter(|t| t.expose().starts_with(crate::domain::token::TOKEN_PREFIX)),
        None => run_exec(&mut ev, budget).await,
    };
    let Some(token) = ev.token.clone() else {
        return ev;
    };
    let cluster = this_cluster(&ev);
    let (sts, server) = tokio::join!(
        ask_sts(&ev, &token, cluster.as_deref(), env, budget),
        ask_server(&ev, &token, env, budget)
    );
    ev.sts = sts;
    ev.server = server;
    let region = region_of(&ev, env);
    let sdk = match &region {
        Some(r) if cluster.is_some() || opts.service_account.is_some() => {
            Some(shared_sdk_config(&opts.shared, &ev, r, env, budget).await)
        }
        _ => None,
    };
    let own = authenticated(&ev).then(|| own_client(&ev, &token, budget));
    let admin = match &opts.admin_context {
        Some(a) => Some((
            admin_client(merged, a, budget).await,
            format!("admin context {a}"),
        )),
        None => None,
    };
    let reader: Option<Reader> = admin.or_else(|| {
        own.clone()
            .map(|c| (c, "the diagnosed identity".to_string()))
    });
    let aws_auth_needed = ev.aws_auth.source.is_none();
    let (eks, authz, irsa, aws_auth) = tokio::join!(
        ask_eks(&ev, cluster.as_deref(), sdk.as_ref(), budget),
        ask_authz(&ev, own.as_ref(), reader.as_ref(), budget),
        read_irsa(opts, reader.as_ref(), budget),
        async {
            match aws_auth_needed {
                true => Some(read_aws_auth(reader.as_ref(), budget).await),
                false => None,
            }
        }
    );
    ev.eks = eks;
    ev.authz = authz;
    if let Some(a) = aws_auth {
        ev.aws_auth = a;
    }
    if let Some(mut irsa) = irsa {
        let sa = (irsa.namespace.clone(), irsa.name.clone());
        let (_, pi) = tokio::join!(
            ask_iam(&mut irsa, &ev, sdk.as_ref(), budget),
            pod_identity::read(
                (&sa.0, &sa.1),
                cluster.as_deref(),
                sdk.as_ref(),
                reader.as_ref(),
                budget
            )
        );
        ev.irsa = Some(irsa);
        ev.pod_identity = Some(pi);
    }
    ev
}

/// A client for reading cluster objects, or why there is none, and who it
/// reads as ("admin context NAME", "the diagnosed identity").
type Reader = (Result<kube::Client, String>, String);

/// True when the API server let the token in.
fn authenticated(ev: &Evidence) -> bool {
    matches!(
        ev.server.as_ref().and_then(|s| s.review.as_ref()),
        Some(Review::Authenticated { .. } | Review::Forbidden(_))
    )
}

/// A client that sends the diagnosed token.
fn own_client(ev: &Evidence, token: &Secret, budget: Budget) -> Result<kube::Client, String> {
    let k = &ev.kubeconfig;
    let server = k.server.clone().unwrap_or_default();
    let proxy = ev.server.as_ref().and_then(|s| s.proxy.clone());
    probe::client(
        &server,
        k.ca_pem.as_deref(),
        k.insecure,
        Some(token),
        proxy.as_deref(),
        budget.left(),
    )
    .map_err(|e| format!("{e:#}"))
}

/// A client for `--admin-context` (kube-rs runs its exec itself).
async fn admin_client(
    merged: Option<&kube::config::Kubeconfig>,
    admin: &str,
    budget: Budget,
) -> Result<kube::Client, String> {
    let options = kube::config::KubeConfigOptions {
        context: Some(admin.to_string()),
        ..Default::default()
    };
    let cfg = merged
        .cloned()
        .ok_or_else(|| "no kubeconfig to read the admin context from".to_string())?;
    match kube::Config::from_custom_kubeconfig(cfg, &options).await {
        Ok(mut c) => {
            c.connect_timeout = Some(budget.left());
            c.read_timeout = Some(budget.left());
            kube::Client::try_from(c).map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// VERB RESOURCE: the access review as the diagnosed identity, and the
/// RBAC bindings as the reader, at once.
async fn ask_authz(
    ev: &Evidence,
    own: Option<&Result<kube::Client, String>>,
    reader: Option<&Reader>,
    budget: Budget,
) -> Option<AuthzFacts> {
    let verb = ev.request.verb.as_deref()?;
    let resource = ev.request.resource.as_deref()?;
    let own = own?;
    let asked = async {
        let served = match own {
            Ok(c) => crate::kube::discovery::served(c, budget.left()).await,
            Err(e) => KubeRead::Failed(e.clone()),
        };
        let (attributes, resolution) = resolve(ev, verb, resource, served);
        let review = match own {
            _ if matches!(resolution, Resolution::Unknown { .. }) => {
                AccessAnswer::Failed("the API server does not serve this resource".into())
            }
            Ok(c) => objects::access_review(c, &attributes, budget.left()).await,
            Err(e) => AccessAnswer::Failed(e.clone()),
        };
        (attributes, resolution, review)
    };
    let bindings = async {
        match reader {
            Some((Ok(c), _)) => objects::bindings(c, budget.left()).await,
            Some((Err(e), _)) => KubeRead::Failed(e.clone()),
            None => KubeRead::Failed("no identity that the cluster lets in".into()),
        }
    };
    let ((attributes, resolution, review), bindings) = tokio::join!(asked, bindings);
    Some(AuthzFacts {
        attributes,
        review,
        bindings_source: reader.map(|r| r.1.clone()).unwrap_or_default(),
        bindings,
        resolution,
    })
}

/// RESOURCE through discovery as kubectl resolves it; the built-in table
/// when discovery could not be read.
fn resolve(
    ev: &Evidence,
    verb: &str,
    resource: &str,
    served: KubeRead<Vec<ServedResource>>,
) -> (AccessAttributes, Resolution) {
    use crate::why::resources;
    let ns = ev.request.namespace.as_deref();
    let context_ns = ev.kubeconfig.namespace.as_deref();
    let served = match served {
        KubeRead::Ok(s) => s,
        KubeRead::Forbidden(m) | KubeRead::Failed(m) => {
            let a = resources::attributes(verb, resource, ns, context_ns);
            return (a, Resolution::BuiltinFallback(m));
        }
        KubeRead::NotFound => {
            let a = resources::attributes(verb, resource, ns, context_ns);
            return (
                a,
                Resolution::BuiltinFallback("no discovery documents".into()),
            );
        }
    };
    match resources::resolve(verb, resource, ns, context_ns, &served) {
        Ok((a, group_version)) => (a, Resolution::Discovered { group_version }),
        Err(similar) => {
            let a = resources::attributes(verb, resource, ns, context_ns);
            (a, Resolution::Unknown { similar })
        }
    }
}

/// `--service-account NS/NAME`: the ServiceAccount and its pods, at once.
async fn read_irsa(
    opts: &WhyOptions,
    reader: Option<&Reader>,
    budget: Budget,
) -> Option<IrsaFacts> {
    let given = opts.service_account.as_deref()?;
    let (namespace, name) = given.split_once('/').unwrap_or(("default", given));
    let mut facts = IrsaFacts {
        namespace: namespace.to_string(),
        name: name.to_string(),
        source: reader.map(|r| r.1.clone()).unwrap_or_default(),
        service_account: KubeRead::NotFound,
        pods: KubeRead::Ok(vec![]),
        role: None,
        oidc_provider: None,
    };
    let client = match reader {
        Some((Ok(c), _)) => c,
        Some((Err(e), _)) => {
            facts.service_account = KubeRead::Failed(e.clone());
            facts.pods = KubeRead::Failed(e.clone());
            return Some(facts);
        }
        None => {
            let why = "the diagnosed identity is not let in, and --admin-context was not given";
            facts.service_account = KubeRead::Failed(why.into());
            facts.pods = KubeRead::Failed(why.into());
            return Some(facts);
        }
    };
    let (sa, pods) = tokio::join!(
        objects::service_account(client, namespace, name, budget.left()),
        objects::pods_of(client, namespace, name, budget.left())
    );
    facts.service_account = sa;
    facts.pods = pods;
    Some(facts)
}

/// IAM, with the diagnosed identity's credentials: the annotated role and
/// the OIDC provider of the cluster's issuer, at once.
async fn ask_iam(
    irsa: &mut IrsaFacts,
    ev: &Evidence,
    sdk: Option<&Result<aws_types::SdkConfig, String>>,
    budget: Budget,
) {
    let role_arn = match &irsa.service_account {
        KubeRead::Ok(a) => a.get(crate::why::checks::irsa::ROLE_ANNOTATION).cloned(),
        _ => None,
    };
    let role_name = role_arn
        .as_deref()
        .filter(|a| crate::domain::arn::Arn::parse(a).is_some())
        .and_then(crate::domain::arn::role_name)
        .map(str::to_string);
    let issuer = match ev.eks.as_ref().map(|x| &x.describe) {
        Some(EksCall::Ok(c)) => c.oidc_issuer.clone(),
        _ => None,
    };
    let client = match sdk {
        Some(Ok(s)) => aws_sdk_iam::Client::new(s),
        Some(Err(e)) => {
            let why = EksCall::Failed(format!("no AWS credentials for IAM: {e}"));
            irsa.role = role_name.map(|_| why.clone());
            irsa.oidc_provider =
                issuer.map(|_| EksCall::Failed(format!("no AWS credentials for IAM: {e}")));
            return;
        }
        None => return,
    };
    let role = async {
        let name = role_name?;
        Some(
            tokio::time::timeout(budget.left(), iam::get_role(&client, &name))
                .await
                .unwrap_or_else(|_| EksCall::Failed("GetRole timed out".into())),
        )
    };
    let provider = async {
        let issuer = issuer?;
        Some(
            tokio::time::timeout(budget.left(), iam::oidc_provider(&client, &issuer))
                .await
                .unwrap_or_else(|_| EksCall::Failed("listing OIDC providers timed out".into())),
        )
    };
    let (role, provider) = tokio::join!(role, provider);
    irsa.role = role;
    irsa.oidc_provider = provider;
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
    let url = crate::domain::token::decode_url(token.expose())?;
    let cluster = cluster?.to_string();
    let override_base = env
        .get("AWS_ENDPOINT_URL_STS")
        .or_else(|| env.get("AWS_ENDPOINT_URL"));
    let (target, shown, endpoint_override) = sts_check::target(&url, override_base.as_deref());
    if !sts_check::may_send(&url, endpoint_override) {
        return None;
    }
    let ca = ca_bundle(ev, env).await;
    let (answer, server_date) = sts_check::ask(&target, &cluster, budget.left(), ca.as_ref()).await;
    let exec_cluster = ev
        .kubeconfig
        .exec
        .as_ref()
        .and_then(|e| e.cluster_name.clone());
    let mismatch =
        matches!(&answer, StsAnswer::Error { code, .. } if code == "SignatureDoesNotMatch");
    let answer_with_exec_cluster = match exec_cluster {
        Some(other) if mismatch && other != cluster => {
            let (a, _) = sts_check::ask(&target, &other, budget.left(), ca.as_ref()).await;
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

/// The EKS endpoint whose certificate did not verify, and who issued it.
async fn eks_tls_issuer(sdk: &aws_types::SdkConfig, region: &str) -> (String, String) {
    let endpoint = crate::aws::endpoint::service_override(sdk, "EKS")
        .unwrap_or_else(|| format!("https://eks.{region}.amazonaws.com"));
    let issuer = crate::aws::tls::probe_issuer(&endpoint, None, Duration::from_secs(3))
        .await
        .unwrap_or_else(|| "an issuer that could not be read".into());
    (endpoint, issuer)
}

/// The CA bundle the exec entry's AWS calls trust: `AWS_CA_BUNDLE` (the
/// entry's `env` first, then ours), else its profile's `ca_bundle`. A bundle
/// that cannot be used counts as none: the STS check then says what fails.
async fn ca_bundle(ev: &Evidence, env: &Env) -> Option<crate::aws::tls::CaBundle> {
    let exec = ev.kubeconfig.exec.as_ref();
    let from_entry = exec.and_then(|x| {
        x.env
            .iter()
            .find(|(k, v)| k == crate::aws::tls::CA_BUNDLE_VAR && !v.is_empty())
    });
    let choice = crate::aws::profile::choose_profile(exec.and_then(|x| x.profile.as_deref()), env);
    let ca_env = match from_entry {
        Some((k, v)) => Env::from_pairs(&[(k.as_str(), v.as_str())]),
        None => env.clone(),
    };
    let profiles = crate::aws::profile::Profiles::load(&choice.name).await.ok();
    let profile = profiles.as_ref().and_then(|p| p.get(&choice.name));
    crate::aws::tls::load(&ca_env, profile).ok().flatten()
}

async fn ask_server(
    ev: &Evidence,
    token: &Secret,
    env: &Env,
    budget: Budget,
) -> Option<ServerFacts> {
    let k = &ev.kubeconfig;
    let server = k.server.clone()?;
    let proxy = probe::proxy_for(&server, k.proxy_url.as_deref(), env);
    // Half of what is left: an endpoint that never answers must leave time
    // for DescribeCluster, which says why (resourcesVpcConfig).
    let wait = (budget.left() / 2).max(MIN_STEP);
    let reach = probe::reach(
        &server,
        k.ca_pem.as_deref(),
        k.insecure,
        proxy.as_deref(),
        wait,
    )
    .await;
    let mut facts = ServerFacts {
        server: server.clone(),
        reach: reach.clone(),
        proxy: proxy.clone(),
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
        proxy.as_deref(),
        budget.left(),
    ) {
        Ok(client) => {
            let (review, date) = probe::self_review(&client, budget.left()).await;
            // Through a proxy the certificate is first seen here.
            if let (Some(_), Review::Failed(why)) = (&proxy, &review)
                && why.contains("invalid peer certificate")
            {
                facts.reach = Reach::TlsFailed(why.clone());
                return Some(facts);
            }
            facts.review = Some(review);
            facts.server_date = date;
        }
        Err(e) => facts.review = Some(Review::Failed(format!("{e:#}"))),
    }
    Some(facts)
}

/// [`sdk_config`], opened once per profile, region and role for all the
/// contexts of a run.
async fn shared_sdk_config(
    shared: &Shared,
    ev: &Evidence,
    region: &str,
    env: &Env,
    budget: Budget,
) -> Result<aws_types::SdkConfig, String> {
    let exec = ev.kubeconfig.exec.clone().unwrap_or_default();
    let key = (exec.profile, region.to_string(), exec.role_arn);
    let mut sessions = shared.sdk.lock().await;
    if let Some(s) = sessions.get(&key) {
        return s.clone();
    }
    let s = sdk_config(ev, region, env, budget).await;
    sessions.insert(key, s.clone());
    s
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
    let open = crate::aws_session::open_as(
        exec.profile.as_deref(),
        Some(region),
        env,
        None,
        exec.role_arn.as_deref(),
    );
    match tokio::time::timeout(budget.left(), open).await {
        Ok(Ok(session)) => Ok(session.sdk),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(_) => Err("resolving credentials timed out".to_string()),
    }
}

async fn ask_eks(
    ev: &Evidence,
    cluster: Option<&str>,
    sdk: Option<&Result<aws_types::SdkConfig, String>>,
    budget: Budget,
) -> Option<EksFacts> {
    let cluster = cluster?.to_string();
    let sdk = sdk?;
    let mut facts = EksFacts {
        cluster_name: cluster.clone(),
        region: sdk
            .as_ref()
            .ok()
            .and_then(|s| s.region())
            .map(|r| r.to_string())
            .unwrap_or_default(),
        describe: EksCall::Failed(String::new()),
        access_entry: None,
        entry_arns: Vec::new(),
        role_created: None,
        server_date: None,
        tls_untrusted: None,
    };
    let sdk = match sdk {
        Ok(s) => s,
        Err(e) => {
            facts.describe = EksCall::Failed(format!("no AWS credentials for the EKS API: {e}"));
            return Some(facts);
        }
    };
    let client = aws_sdk_eks::Client::new(sdk);
    facts.describe = tokio::time::timeout(budget.left(), eks::describe(&client, &cluster))
        .await
        .unwrap_or_else(|_| EksCall::Failed("DescribeCluster timed out".into()));
    if let EksCall::Failed(msg) = &facts.describe
        && crate::aws::tls::is_verification_failure(msg)
    {
        facts.tls_untrusted = Some(eks_tls_issuer(sdk, &facts.region).await);
    }
    let mode = match &facts.describe {
        EksCall::Ok(c) => c.authentication_mode.clone(),
        _ => None,
    };
    let principal = match ev.sts.as_ref().map(|s| &s.answer) {
        Some(StsAnswer::Caller { arn, .. }) => {
            crate::domain::arn::canonicalize(arn).map(|c| crate::domain::arn::strip_path(&c))
        }
        _ => None,
    };
    if let (Some(p), Some(m)) = (principal, mode)
        && m != "CONFIG_MAP"
    {
        let work = read_entry(&mut facts, &client, sdk, &cluster, &p);
        if tokio::time::timeout(budget.left(), work).await.is_err() {
            facts.access_entry = Some(EksCall::Failed("reading access entries timed out".into()));
        }
    }
    Some(facts)
}

/// Lists the access entries, describes the caller's, and when the caller
/// is a role with an entry, reads the role's CreateDate (a role recreated
/// after its entry is not matched by it).
async fn read_entry(
    facts: &mut EksFacts,
    client: &aws_sdk_eks::Client,
    sdk: &aws_types::SdkConfig,
    cluster: &str,
    principal: &str,
) {
    let listed = match eks::list_entries(client, cluster).await {
        EksCall::Ok(l) => l,
        EksCall::Denied(m) => return facts.access_entry = Some(EksCall::Denied(m)),
        EksCall::NotFound(m) => return facts.access_entry = Some(EksCall::NotFound(m)),
        EksCall::Failed(m) => return facts.access_entry = Some(EksCall::Failed(m)),
    };
    let mine = eks::entry_of(&listed, principal).cloned();
    facts.entry_arns = listed;
    let Some(arn) = mine else {
        facts.access_entry = Some(EksCall::Ok(None));
        return;
    };
    facts.access_entry = Some(match eks::access_entry(client, cluster, &arn).await {
        EksCall::Ok(info) => EksCall::Ok(Some(info)),
        EksCall::Denied(m) => EksCall::Denied(m),
        EksCall::NotFound(m) => EksCall::NotFound(m),
        EksCall::Failed(m) => EksCall::Failed(m),
    });
    if let Some(name) = crate::domain::arn::role_name(&arn) {
        let iam_client = aws_sdk_iam::Client::new(sdk);
        facts.role_created = Some(match iam::get_role(&iam_client, name).await {
            EksCall::Ok(r) => match r.created {
                Some(t) => EksCall::Ok(t),
                None => EksCall::Failed("GetRole returned no CreateDate".into()),
            },
            EksCall::Denied(m) => EksCall::Denied(m),
            EksCall::NotFound(m) => EksCall::NotFound(m),
            EksCall::Failed(m) => EksCall::Failed(m),
        });
    }
}

fn read_aws_auth_file(opts: &WhyOptions) -> AwsAuthFacts {
    let Some(path) = &opts.aws_auth_file else {
        return AwsAuthFacts::default();
    };
    let source = Some(format!("--aws-auth-file {}", path.display()));
    match crate::fsio::read_text(path, crate::fsio::CONFIG_LIMIT) {
        Ok(text) => match configmap_data(&text).map_err(|e| crate::fsio::yaml_error(path, &e)) {
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
pub fn configmap_data(
    text: &str,
) -> Result<std::collections::BTreeMap<String, String>, serde_saphyr::Error> {
    #[derive(serde::Deserialize)]
    struct Cm {
        #[serde(default)]
        data: std::collections::BTreeMap<String, String>,
    }
    serde_saphyr::from_str::<Cm>(text).map(|c| c.data)
}

async fn read_aws_auth(reader: Option<&Reader>, budget: Budget) -> AwsAuthFacts {
    let Some((client, source)) = reader.cloned() else {
        let why = "the diagnosed identity is not let in, and neither --admin-context nor --aws-auth-file was given";
        return AwsAuthFacts {
            unreadable: Some(why.into()),
            ..Default::default()
        };
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
