//! Wiring: load the fixture, bind every listener on 127.0.0.1 with an
//! OS-assigned port, generate the cluster's TLS material, build the world,
//! spawn the servers, publish DIR/ca.pem then DIR/endpoints.json, and serve
//! until SIGTERM or SIGINT.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::cli::Args;
use crate::clock::Clock;
use crate::directory::Directory;
use crate::endpoints::{self, Endpoints};
use crate::http_util::{self, Handler};
use crate::kube::ClusterState;
use crate::sso::SsoPortal;
use crate::world::World;
use crate::{fixture, kube, placeholder, sso, sts, tls};

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

/// The listeners, one per service.
struct Listeners {
    sts: TcpListener,
    sso: TcpListener,
    sso_oidc: TcpListener,
    eks: TcpListener,
    iam: TcpListener,
    kube: TcpListener,
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
    };
    let cluster_tls = tls::generate().context("could not create the cluster's TLS certificates")?;
    let ca_file = state_dir.join("ca.pem");
    endpoints::write_atomically(&ca_file, cluster_tls.ca_pem.as_bytes())?;

    let clock =
        Clock::with_offset_seconds(args.clock_offset.unwrap_or(fixture.clock_offset_seconds));
    let start = clock.now();
    let world = Arc::new(World {
        clock,
        directory: Directory::from_fixture(&fixture.iam, start),
        sso: SsoPortal::from_fixture(&fixture, start),
        sts_authority: authority(&listeners.sts)?,
        cluster: ClusterState::from_fixture(fixture.cluster),
    });
    let published = Endpoints {
        sts: format!("http://{}", authority(&listeners.sts)?),
        sso: format!("http://{}", authority(&listeners.sso)?),
        sso_oidc: format!("http://{}", authority(&listeners.sso_oidc)?),
        eks: format!("http://{}", authority(&listeners.eks)?),
        iam: format!("http://{}", authority(&listeners.iam)?),
        kube: format!("https://{}", authority(&listeners.kube)?),
        ca_file,
        pid: std::process::id(),
    };
    spawn_servers(listeners, TlsAcceptor::from(cluster_tls.config), &world);
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

fn spawn_servers(l: Listeners, tls: TlsAcceptor, world: &Arc<World>) {
    let plain: [(TcpListener, &'static str, Handler); 5] = [
        (l.sts, "sts", sts::handler),
        (l.sso, "sso", sso::handler),
        (l.sso_oidc, "sso-oidc", placeholder::handler),
        (l.eks, "eks", placeholder::handler),
        (l.iam, "iam", placeholder::handler),
    ];
    for (listener, name, handler) in plain {
        tokio::spawn(http_util::serve(
            listener,
            None,
            name,
            world.clone(),
            handler,
        ));
    }
    tokio::spawn(http_util::serve(
        l.kube,
        Some(tls),
        "kube",
        world.clone(),
        kube::handler,
    ));
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
