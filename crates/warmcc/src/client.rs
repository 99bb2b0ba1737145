//! Connecting to the daemon: over its Unix socket, starting it when none answers.
//!
//! Starting is race-free: clients serialize on a start lock, re-check after taking it, and the
//! daemon itself holds an exclusive lock for its life, so 32 clients at once yield one daemon.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use hyper_util::rt::TokioIo;
use tonic::transport::{Channel, Endpoint, Uri};
use warmcc_daemon::lock::FileLock;
use warmcc_daemon::paths::Paths;
use warmcc_proto::v1 as pb;

/// How long a client waits for a daemon it started to answer.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// One connection attempt to the socket.
pub async fn connect(socket: &Path) -> Result<Channel> {
    let socket = socket.to_path_buf();
    // The URI is required by the API but unused: the connector always dials the socket.
    let channel = Endpoint::try_from("http://warmcc.local")?
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(&socket).await?;
                Ok::<_, std::io::Error>(TokioIo::new(stream))
            }
        }))
        .await?;
    Ok(channel)
}

/// A client of the daemon service.
pub fn daemon_client(ch: &Channel) -> pb::daemon_client::DaemonClient<Channel> {
    pb::daemon_client::DaemonClient::new(ch.clone())
}

/// A connection to a daemon of this very build, starting or replacing one as needed.
pub async fn ensure(paths: &Paths) -> Result<Channel> {
    if let Some(ch) = current(paths).await? {
        return Ok(ch);
    }
    paths
        .ensure_runtime_dir()
        .with_context(|| format!("cannot create {}", paths.runtime_dir.display()))?;
    let start_lock = paths.start_lock();
    let _lock = tokio::task::spawn_blocking(move || FileLock::exclusive(&start_lock))
        .await?
        .with_context(|| format!("cannot lock {}", paths.start_lock().display()))?;
    // Another client may have started it while we waited for the lock.
    if let Some(ch) = current(paths).await? {
        return Ok(ch);
    }
    start(paths).await
}

/// A connection to a running daemon of this build; an older one is asked to stop first.
async fn current(paths: &Paths) -> Result<Option<Channel>> {
    let Ok(ch) = connect(&paths.socket).await else {
        return Ok(None);
    };
    let hello = daemon_client(&ch)
        .hello(pb::HelloRequest {
            client_version: warmcc_daemon::version(),
        })
        .await;
    match hello {
        Ok(h) if h.get_ref().version == warmcc_daemon::version() => Ok(Some(ch)),
        Ok(h) => {
            let old = h.into_inner();
            eprintln!(
                "warmcc: replacing daemon {} (pid {}) with {}",
                old.version,
                old.pid,
                warmcc_daemon::version()
            );
            let _ = daemon_client(&ch).stop(pb::StopRequest {}).await;
            wait_gone(paths, Duration::from_secs(15)).await?;
            Ok(None)
        }
        // A socket that accepts but does not answer is a daemon shutting down; wait it out.
        Err(_) => {
            wait_gone(paths, Duration::from_secs(15)).await?;
            Ok(None)
        }
    }
}

/// Waits until no daemon holds the daemon lock.
pub async fn wait_gone(paths: &Paths, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        match FileLock::try_exclusive(&paths.daemon_lock()) {
            Ok(Some(_)) => return Ok(()),
            Ok(None) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).context("cannot check the daemon lock"),
        }
        if Instant::now() > deadline {
            bail!("the old daemon did not stop within {} s", timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Spawns `warmcc daemon` in the background, its stderr going to the start log.
fn spawn_daemon(paths: &Paths) -> Result<std::process::Child> {
    let log = std::fs::File::create(paths.start_log())
        .with_context(|| format!("cannot create {}", paths.start_log().display()))?;
    let exe = std::env::current_exe().context("cannot find the warmcc executable")?;
    let mut cmd = std::process::Command::new(&exe);
    cmd.arg("--socket")
        .arg(&paths.socket)
        .arg("daemon")
        .env("WARMCC_DETACHED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    // SAFETY: setsid is async-signal-safe; it detaches the daemon from the client's session so
    // that Ctrl-C in a build, or CI reaping the client's process group, does not kill it.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd.spawn()
        .with_context(|| format!("cannot start `{} daemon`", exe.display()))
}

/// Starts a daemon in the background and waits for it to answer.
async fn start(paths: &Paths) -> Result<Channel> {
    std::fs::create_dir_all(&paths.state_dir)
        .with_context(|| format!("cannot create {}", paths.state_dir.display()))?;
    let mut child = spawn_daemon(paths)?;
    let deadline = Instant::now() + START_TIMEOUT;
    let mut delay = Duration::from_millis(2);
    loop {
        if let Ok(ch) = connect(&paths.socket).await {
            // Reap the child in the background so it does not linger as a zombie of ours.
            std::thread::spawn(move || child.wait());
            return Ok(ch);
        }
        if let Ok(Some(status)) = child.try_wait() {
            let text = std::fs::read_to_string(paths.start_log()).unwrap_or_default();
            if !text.contains("already running") {
                return Err(anyhow!(
                    "the daemon exited ({status}) before answering:\n{}",
                    text.trim_end()
                ));
            }
            // The daemon holding the lock may be one that is dying (killed, say): once the
            // lock is free, start another.
            if matches!(FileLock::try_exclusive(&paths.daemon_lock()), Ok(Some(_))) {
                child = spawn_daemon(paths)?;
            }
        }
        if Instant::now() > deadline {
            bail!(
                "the daemon did not answer on {} within {} s; see {}",
                paths.socket.display(),
                START_TIMEOUT.as_secs(),
                paths.log_file().display()
            );
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(50));
    }
}
