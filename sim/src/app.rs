//! Wiring: load the fixture, bind every listener on 127.0.0.1 with an
//! OS-assigned port, generate the cluster's TLS material, build the world,
//! spawn the servers, publish DIR/ca.pem then DIR/endpoints.json, and serve
//! until SIGTERM or SIGINT.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::access::Denials;
use crate::cli::Args;
use crate::clock::Clock;
use crate::directory::Directory;
use crate::endpoints::{self, Endpoints};
use crate::fixture::EndpointFault;
use crate::http_util::{self, Handler};
use crate::kube::ClusterState;
use crate::sso::SsoPortal;
use crate::world::World;
use crate::{eks, faults, fixture, iam, kube, sso, sso_oidc, sts, tls};
use base64::Engine;

/// Why the simulator stopped with an error (decides the exit status).
pub enum RunError {
    /// The fixture is unreadable or invalid (exit 2).
    Fixture(anyhow::Error),
    /// Anything else (exit 1).
    Other(anyhow::Error),
}

/// Two worker threads: the machines this runs on are small and the load is
/// a handful of requests.
const WORKER_THREADS: usize = 2;

/// Run the simulator until a termination signal.
pub fn run(args: Args) -> Result<(), RunError> {
    let fixture = fixture::load(&args.fixture).map_err(RunError::Fixture)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .enable_all()
        .build()
        .map_err(|e| RunError::Other(e.into()))?;
    runtime
        .block_on(serve_all(args, fixture))
        .map_err(RunError::Other)
}

/// The listeners, one per service, plus the fault listeners.
struct Listeners {
    sts: TcpListener,
    sso: TcpListener,
    sso_oidc: TcpListener,
    eks: TcpListener,
    iam: TcpListener,
    kube: TcpListener,
    /// Accepts and never answers.
    hang: TcpListener,
    /// The API server with a certificate from another CA.
    kube_wrong_ca: TcpListener,
    /// STS over TLS with a CA clients do not trust by default.
    sts_tls: TcpListener,
    /// The SSO portal over TLS, with the same CA.
    sso_tls: TcpListener,
}

async fn serve_all(args: Args, fixture: fixture::Fixture) -> anyhow::Result<()> {
    let state_dir = prepare_state_dir(&args.state_dir)?;
    let listeners = Listeners {
        sts: bind().await?,
        sso: bind().await?,
        sso_oidc: bind().await?,
        eks: bind().await?,
        iam: bind().await?,
        kube: bind().await?,
        hang: bind().await?,
        kube_wrong_ca: bind().await?,
        sts_tls: bind().await?,
        sso_tls: bind().await?,
    };
    let closed_port = faults::closed_port()
        .await
        .context("could not find a free port")?;
    let cluster_tls = tls::generate().context("could not create the cluster's TLS certificates")?;
    let other_tls = tls::generate().context("could not create the other CA's certificates")?;
    let ca_file = state_dir.join("ca.pem");
    endpoints::write_atomically(&ca_file, cluster_tls.ca_pem.as_bytes())?;
    let aws_tls = tls::generate_named("eks-sim TLS inspection CA")
        .context("could not create the AWS proxy's certificates")?;
    let aws_ca_file = state_dir.join("aws-ca.pem");
    endpoints::write_atomically(&aws_ca_file, aws_tls.ca_pem.as_bytes())?;

    let clock =
        Clock::with_offset_seconds(args.clock_offset.unwrap_or(fixture.clock_offset_seconds));
    let start = clock.now();
    let kube_url = format!("https://{}", authority(&listeners.kube)?);
    let hang_url = format!("http://{}", authority(&listeners.hang)?);
    let wrong_ca_url = format!("https://{}", authority(&listeners.kube_wrong_ca)?);
    let closed_url = format!("http://127.0.0.1:{closed_port}");
    let cluster_endpoint = match fixture.faults.cluster_endpoint {
        EndpointFault::Normal => kube_url.clone(),
        EndpointFault::Hang => hang_url.replacen("http:", "https:", 1),
        EndpointFault::Closed => closed_url.replacen("http:", "https:", 1),
        EndpointFault::WrongCa => wrong_ca_url.clone(),
    };
    let world = Arc::new(World {
        clock,
        directory: Directory::from_fixture(&fixture.iam, start),
        sso: SsoPortal::from_fixture(&fixture, start),
        sts_authority: authority(&listeners.sts)?,
        started: start,
        denials: Denials::from_fixture(&fixture.access_denied),
        cluster_endpoint,
        cluster_ca_data: base64::engine::general_purpose::STANDARD.encode(&cluster_tls.ca_pem),
        oidc_providers: iam::OidcProvider::from_fixture(&fixture),
        sso_oidc: sso_oidc::SsoOidc::from_fixture(&fixture),
        faults: faults::FaultState::from_fixture(&fixture.faults),
        cluster: ClusterState::from_fixture(fixture.cluster),
    });
    let published = Endpoints {
        sts: format!("http://{}", authority(&listeners.sts)?),
        sso: format!("http://{}", authority(&listeners.sso)?),
        sso_oidc: format!("http://{}", authority(&listeners.sso_oidc)?),
        eks: format!("http://{}", authority(&listeners.eks)?),
        iam: format!("http://{}", authority(&listeners.iam)?),
        kube: kube_url,
        ca_file,
        pid: std::process::id(),
        hang: hang_url,
        closed: closed_url,
        kube_wrong_ca: wrong_ca_url,
        sts_tls: format!("https://{}", authority(&listeners.sts_tls)?),
        sso_tls: format!("https://{}", authority(&listeners.sso_tls)?),
        aws_ca_file,
    };
    let acceptors = Acceptors {
        cluster: TlsAcceptor::from(cluster_tls.config),
        other: TlsAcceptor::from(other_tls.config),
        aws: TlsAcceptor::from(aws_tls.config),
    };
    spawn_servers(listeners, acceptors, &world);
    endpoints::write(&state_dir, &published)?;
    eprintln!(
        "eks-sim: ready: cluster {} ({}) at {}; STS {}; endpoints in {}",
        world.cluster.name,
        world.cluster.region,
        published.kube,
        published.sts,
        state_dir.join(endpoints::FILE_NAME).display()
    );
    wait_for_termination().await?;
    let _ = std::fs::remove_file(state_dir.join(endpoints::FILE_NAME));
    eprintln!("eks-sim: stopped");
    Ok(())
}

/// One server: listener, log name, fault name, TLS, handler.
type Server = (
    TcpListener,
    &'static str,
    &'static str,
    Option<TlsAcceptor>,
    Handler,
);

/// The TLS identities: the cluster's, another CA's (wrong-CA fault), and
/// the one a TLS-inspecting proxy would show for AWS endpoints.
struct Acceptors {
    cluster: TlsAcceptor,
    other: TlsAcceptor,
    aws: TlsAcceptor,
}

fn spawn_servers(l: Listeners, a: Acceptors, world: &Arc<World>) {
    let (tls, other_tls) = (a.cluster, a.other);
    let servers: [Server; 9] = [
        (l.sts, "sts", "sts", None, sts::handler),
        (
            l.sts_tls,
            "sts-tls",
            "sts",
            Some(a.aws.clone()),
            sts::handler,
        ),
        (l.sso_tls, "sso-tls", "sso", Some(a.aws), sso::handler),
        (l.sso, "sso", "sso", None, sso::handler),
        (l.sso_oidc, "sso-oidc", "sso_oidc", None, sso_oidc::handler),
        (l.eks, "eks", "eks", None, eks::handler),
        (l.iam, "iam", "iam", None, iam::handler),
        (l.kube, "kube", "kube", Some(tls), kube::handler),
        (
            l.kube_wrong_ca,
            "kube-wrong-ca",
            "kube",
            Some(other_tls),
            kube::handler,
        ),
    ];
    for (listener, name, fault_name, tls, handler) in servers {
        if world.faults.hangs(fault_name) {
            tokio::spawn(faults::serve_hang(listener, name));
        } else {
            tokio::spawn(http_util::serve(
                listener,
                tls,
                name,
                world.clone(),
                handler,
            ));
        }
    }
    tokio::spawn(faults::serve_hang(l.hang, "hang"));
}

/// Create the state directory, make it absolute, and remove a stale
/// endpoints.json so its presence keeps meaning "this run is ready".
fn prepare_state_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("could not resolve {}", dir.display()))?;
    let stale = dir.join(endpoints::FILE_NAME);
    if stale.exists() {
        std::fs::remove_file(&stale)
            .with_context(|| format!("could not remove stale {}", stale.display()))?;
    }
    Ok(dir)
}

async fn bind() -> anyhow::Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0")
        .await
        .context("could not bind a port on 127.0.0.1")
}

fn authority(listener: &TcpListener) -> anyhow::Result<String> {
    Ok(listener
        .local_addr()
        .context("listener has no address")?
        .to_string())
}

/// Waits for SIGTERM or SIGINT (Ctrl-C).
#[cfg(unix)]
async fn wait_for_termination() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("could not watch SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("could not watch SIGINT")?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

/// Waits for Ctrl-C or Ctrl-Break (Windows has no SIGTERM).
#[cfg(windows)]
async fn wait_for_termination() -> anyhow::Result<()> {
    use tokio::signal::windows::{ctrl_break, ctrl_c};
    let mut c = ctrl_c().context("could not watch Ctrl-C")?;
    let mut brk = ctrl_break().context("could not watch Ctrl-Break")?;
    tokio::select! {
        _ = c.recv() => {}
        _ = brk.recv() => {}
    }
    Ok(())
}
