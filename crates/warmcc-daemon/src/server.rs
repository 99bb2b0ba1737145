//! Running the daemon: single-instance lock, Unix socket (and optional TCP), idle exit, shutdown.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Semaphore};
use tokio_stream::wrappers::UnixListenerStream;
use warmcc_proto::v1 as pb;

use tonic::service::interceptor::InterceptedService;

use crate::auth::TokenCheck;
use crate::config::Config;
use crate::lock::FileLock;
use crate::paths::Paths;
use crate::service::{
    build::BuilderService, compiler::CompilerService, daemon::DaemonService,
    sessions::SessionsService,
};
use crate::state::State;
use crate::stats::Stats;
use crate::DaemonError;

/// How the daemon was asked to run.
#[derive(Clone, Debug, Default)]
pub struct DaemonOptions {
    /// Also listen on this TCP address (requires a token).
    pub listen: Option<SocketAddr>,
    /// File holding the bearer token for TCP clients.
    pub token_file: Option<PathBuf>,
    /// Overrides the configured idle timeout.
    pub idle_timeout: Option<Duration>,
}

/// Largest message the daemon decodes: sources are checked against their own, smaller limit
/// after decoding, so that an oversized source gets a clear error rather than a codec error.
const MAX_MESSAGE: usize = 1 << 30;

/// Runs the daemon in this process until it is stopped or idles out.
pub fn run(paths: Paths, opts: DaemonOptions) -> Result<(), DaemonError> {
    paths.ensure_runtime_dir().map_err(|e| {
        DaemonError::io(
            "cannot create runtime directory",
            paths.runtime_dir.clone(),
            e,
        )
    })?;
    for d in [&paths.state_dir, &paths.cache_dir] {
        std::fs::create_dir_all(d)
            .map_err(|e| DaemonError::io("cannot create directory", d.clone(), e))?;
    }
    let lock = FileLock::try_exclusive(&paths.daemon_lock())
        .map_err(|e| DaemonError::io("cannot lock", paths.daemon_lock(), e))?
        .ok_or(DaemonError::AlreadyRunning(paths.socket.clone()))?;
    lock.write_note(&format!("{}\n", std::process::id()));

    let mut config = Config::load(&paths.config_file).map_err(|e| DaemonError::Config(e.0))?;
    if let Some(t) = opts.idle_timeout {
        config.idle_timeout = t;
    }
    let token = match (&opts.listen, &opts.token_file) {
        (Some(_), None) => {
            return Err(DaemonError::Config(
                "--listen needs --token-file: TCP clients must present a bearer token".into(),
            ))
        }
        (_, Some(f)) => {
            let t = std::fs::read_to_string(f)
                .map_err(|e| DaemonError::io("cannot read token file", f.clone(), e))?;
            let t = t.trim().to_string();
            if t.len() < 16 {
                return Err(DaemonError::Config(format!(
                    "the token in {} is shorter than 16 characters",
                    f.display()
                )));
            }
            Some(t)
        }
        _ => None,
    };
    let _log_guard = crate::logging::init(&paths.state_dir);

    let store = warmcc_cache::Store::open(&paths.cache_dir, config.cache_max_bytes)
        .map_err(|e| DaemonError::Setup(format!("cannot open the cache: {e}")))?;
    let engine = warmcc_engine::Engine::new(Arc::new(store), &paths.state_dir)
        .map_err(|e| DaemonError::Setup(e.to_string()))?;
    let registry = warmcc_toolchain::Registry::new(Some(paths.state_dir.join("toolchains.json")));
    let (shutdown, _) = watch::channel(false);
    let state = Arc::new(State {
        stats: Stats::load(paths.stats_file()),
        sessions: crate::sessions::SessionManager::new(config.max_sessions),
        jobs: Semaphore::new(config.jobs),
        paths: paths.clone(),
        config,
        engine,
        registry,
        started: Instant::now(),
        in_flight: AtomicU32::new(0),
        last_activity: Mutex::new(Instant::now()),
        shutdown,
        listen: opts.listen.map(|a| a.to_string()),
        watcher: crate::watch::Watcher::new(),
        projects: Default::default(),
        programs: Default::default(),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DaemonError::Setup(format!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(serve(state.clone(), opts.listen, token));
    state.stats.flush();
    tracing::info!("daemon stopped");
    drop(lock);
    result
}

async fn serve(
    state: Arc<State>,
    listen: Option<SocketAddr>,
    token: Option<String>,
) -> Result<(), DaemonError> {
    let socket = state.paths.socket.clone();
    // The fast sockets first: a client that sees the main socket may use them at once.
    let wrap_path = state.paths.wrap_socket();
    let wrap = crate::fastsock::bind(&wrap_path)
        .map_err(|e| DaemonError::io("cannot listen on", wrap_path.clone(), e))?;
    tokio::spawn(crate::fastsock::serve(state.clone(), wrap));
    let build_path = state.paths.build_socket();
    let builds = crate::fastsock::bind(&build_path)
        .map_err(|e| DaemonError::io("cannot listen on", build_path.clone(), e))?;
    crate::fastsock::serve_builds(state.clone(), builds);
    // We hold the daemon lock, so a socket file left here belongs to a dead daemon.
    let _ = std::fs::remove_file(&socket);
    let uds = tokio::net::UnixListener::bind(&socket)
        .map_err(|e| DaemonError::io("cannot listen on", socket.clone(), e))?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| DaemonError::io("cannot restrict", socket.clone(), e))?;
    tracing::info!(socket = %socket.display(), version = %crate::version(), pid = std::process::id(), "daemon listening");

    tokio::spawn(housekeeping(state.clone()));
    tokio::spawn(signals(state.clone()));

    let uds_server = tonic::transport::Server::builder()
        .add_service(compiler_server(&state))
        .add_service(sessions_server(&state))
        .add_service(daemon_server(&state))
        .add_service(pb::builder_server::BuilderServer::new(BuilderService {
            state: state.clone(),
        }))
        .serve_with_incoming_shutdown(UnixListenerStream::new(uds), stopped(state.clone()));

    match (listen, token) {
        (Some(addr), Some(token)) => {
            let check = TokenCheck::new(&token);
            let tcp = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                DaemonError::io("cannot listen on", PathBuf::from(addr.to_string()), e)
            })?;
            tracing::info!(%addr, "listening on TCP (token required)");
            let tcp_server = tonic::transport::Server::builder()
                .add_service(InterceptedService::new(
                    compiler_server(&state),
                    check.clone(),
                ))
                .add_service(InterceptedService::new(
                    sessions_server(&state),
                    check.clone(),
                ))
                .add_service(InterceptedService::new(daemon_server(&state), check))
                .serve_with_incoming_shutdown(
                    tokio_stream::wrappers::TcpListenerStream::new(tcp),
                    stopped(state.clone()),
                );
            let (a, b) = tokio::join!(uds_server, tcp_server);
            a.and(b)
                .map_err(|e| DaemonError::Setup(format!("server failed: {e}")))?;
        }
        _ => uds_server
            .await
            .map_err(|e| DaemonError::Setup(format!("server failed: {e}")))?,
    }
    // We still hold the daemon lock, so these sockets are ours to remove.
    let _ = std::fs::remove_file(&socket);
    let _ = std::fs::remove_file(state.paths.wrap_socket());
    let _ = std::fs::remove_file(state.paths.build_socket());
    Ok(())
}

fn compiler_server(state: &Arc<State>) -> pb::compiler_server::CompilerServer<CompilerService> {
    pb::compiler_server::CompilerServer::new(CompilerService {
        state: state.clone(),
    })
    .max_decoding_message_size(MAX_MESSAGE)
    .max_encoding_message_size(MAX_MESSAGE)
}

fn sessions_server(state: &Arc<State>) -> pb::sessions_server::SessionsServer<SessionsService> {
    pb::sessions_server::SessionsServer::new(SessionsService {
        state: state.clone(),
    })
    .max_decoding_message_size(MAX_MESSAGE)
    .max_encoding_message_size(MAX_MESSAGE)
}

fn daemon_server(state: &Arc<State>) -> pb::daemon_server::DaemonServer<DaemonService> {
    pb::daemon_server::DaemonServer::new(DaemonService {
        state: state.clone(),
    })
}

/// Resolves when the daemon is asked to stop.
async fn stopped(state: Arc<State>) {
    let mut rx = state.shutdown.subscribe();
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// Saves stats now and then, and stops the daemon when it has been idle long enough.
async fn housekeeping(state: Arc<State>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        state.stats.flush();
        let idle = state
            .last_activity
            .lock()
            .map(|t| t.elapsed())
            .unwrap_or_default();
        if state.in_flight.load(Ordering::SeqCst) == 0 && idle >= state.config.idle_timeout {
            tracing::info!(idle_s = idle.as_secs(), "idle timeout; stopping");
            let _ = state.shutdown.send(true);
            return;
        }
    }
}

/// SIGTERM and SIGINT stop the daemon cleanly.
async fn signals(state: Arc<State>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("signal received; stopping");
    let _ = state.shutdown.send(true);
}
