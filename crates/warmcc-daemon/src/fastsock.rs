//! The fast sockets: protobuf messages framed by a 4-byte little-endian length, on plain Unix
//! sockets beside the gRPC one. The compiler wrapper (`<socket>.wrap`: one `WrapRequest`, one
//! `WrapResponse`) and `warmcc build` (`<socket>.build`: one `BuildRequest`, then
//! `BuildEvent`s) are hot paths whose whole cost is often the round trip, so they need neither
//! HTTP/2 nor an async runtime on the client side. Other clients use the gRPC services.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use warmcc_proto::v1 as pb;

use crate::mutex::lock;
use crate::service::wrap::{self, Fast};
use crate::state::State;

/// Largest frame accepted (a request is a command line and an environment).
const MAX_FRAME: usize = 64 << 20;

/// Binds a fast socket (mode 0600), replacing a stale one.
pub fn bind(path: &Path) -> std::io::Result<std::os::unix::net::UnixListener> {
    let _ = std::fs::remove_file(path);
    let listener = std::os::unix::net::UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// The body length a frame's header announces, if it is acceptable.
fn frame_len(header: [u8; 4]) -> Option<usize> {
    let len = u32::from_le_bytes(header) as usize;
    (len <= MAX_FRAME).then_some(len)
}

/// Serves the wrapper socket until the daemon stops.
pub async fn serve(state: Arc<State>, listener: std::os::unix::net::UnixListener) {
    let listener = match listener
        .set_nonblocking(true)
        .and_then(|()| UnixListener::from_std(listener))
    {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "cannot serve the wrapper socket");
            return;
        }
    };
    let mut stop = state.shutdown.subscribe();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(wrap_connection(state.clone(), stream));
                }
                Err(e) => tracing::warn!(error = %e, "wrapper socket accept failed"),
            },
            _ = stop.changed() => return,
        }
    }
}

async fn read_frame<M: Message + Default>(stream: &mut UnixStream) -> Option<M> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).await.ok()?;
    let Some(len) = frame_len(len) else {
        tracing::warn!("oversized frame on a fast socket");
        return None;
    };
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).await.ok()?;
    match M::decode(buf.as_slice()) {
        Ok(m) => Some(m),
        Err(_) => {
            tracing::warn!("malformed request on a fast socket");
            None
        }
    }
}

fn frame(m: &impl Message) -> Vec<u8> {
    let body = m.encode_to_vec();
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

async fn wrap_connection(state: Arc<State>, mut stream: UnixStream) {
    while let Some(req) = read_frame::<pb::WrapRequest>(&mut stream).await {
        let _guard = state.begin();
        let resp = match wrap::fast(&state, req) {
            Fast::Answer(resp) => resp,
            Fast::Compile(action, compile, started) => {
                let st = state.clone();
                match tokio::task::spawn_blocking(move || {
                    wrap::compile(&st, &action, &compile, started)
                })
                .await
                {
                    Ok(r) => r,
                    Err(_) => return,
                }
            }
        };
        if stream.write_all(&frame(&resp)).await.is_err() {
            return;
        }
    }
}

/// Serves the build socket on plain threads: a build is blocking work from start to end, and
/// a no-op build is over in well under a millisecond, so every hand-off between threads (each
/// a wake-up, costly on an idle virtual machine) would be a large part of its cost. Idle
/// threads wait in `accept` themselves, and the one that gets a connection serves it; another
/// is started whenever none would be left waiting.
pub fn serve_builds(state: Arc<State>, listener: std::os::unix::net::UnixListener) {
    let pool = Arc::new(Acceptors {
        listener,
        idle: std::sync::atomic::AtomicUsize::new(0),
    });
    pool.spawn(state);
}

/// The threads accepting on the build socket.
struct Acceptors {
    listener: std::os::unix::net::UnixListener,
    idle: std::sync::atomic::AtomicUsize,
}

/// Threads kept waiting in `accept` at most (more exit after their build).
const MAX_IDLE_ACCEPTORS: usize = 2;

impl Acceptors {
    fn spawn(self: &Arc<Self>, state: Arc<State>) {
        let pool = self.clone();
        pool.idle.fetch_add(1, Ordering::SeqCst);
        let spawned = std::thread::Builder::new()
            .name("build".into())
            .spawn(move || pool.run(state));
        if let Err(e) = spawned {
            self.idle.fetch_sub(1, Ordering::SeqCst);
            tracing::error!(error = %e, "cannot start a build-socket thread");
        }
    }

    fn run(self: Arc<Self>, state: Arc<State>) {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    // Leave a thread waiting for the next client before serving this one.
                    if self.idle.fetch_sub(1, Ordering::SeqCst) == 1 {
                        self.spawn(state.clone());
                    }
                    build_connection(state.clone(), stream);
                    if self.idle.load(Ordering::SeqCst) >= MAX_IDLE_ACCEPTORS {
                        return;
                    }
                    self.idle.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "build socket accept failed");
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            }
        }
    }
}

fn build_connection(state: Arc<State>, mut stream: std::os::unix::net::UnixStream) {
    let Some(req) = read_frame_blocking::<pb::BuildRequest>(&mut stream) else {
        tracing::warn!("malformed request on the build socket");
        return;
    };
    if req.client_version != crate::version() {
        let summary = pb::BuildSummary {
            version_mismatch: true,
            daemon_version: crate::version(),
            error: "the daemon is another build of warmcc".into(),
            ..Default::default()
        };
        let _ = write_frame(
            &mut stream,
            &pb::BuildEvent {
                event: Some(pb::build_event::Event::Summary(summary)),
            },
        );
        return;
    }
    let _guard = state.begin();
    let cancelled = Arc::new(AtomicBool::new(false));
    if req.watch {
        // The client sends nothing more: its end closing (Ctrl-C) is what ends watch mode.
        if let Ok(mut probe) = stream.try_clone() {
            let flag = cancelled.clone();
            let _ = std::thread::Builder::new()
                .name("build-client".into())
                .spawn(move || {
                    let mut b = [0u8; 1];
                    let _ = probe.read(&mut b);
                    flag.store(true, Ordering::SeqCst);
                });
        }
    }
    let writer = std::sync::Mutex::new(stream);
    // A client that went away stops receiving; a build under way still finishes and saves
    // its log, so nothing half-done is taken for up to date later.
    let send = |e: pb::BuildEvent| {
        let mut w = lock(&writer);
        if write_frame(&mut w, &e).is_none() {
            cancelled.store(true, Ordering::SeqCst);
        }
    };
    crate::project::build(&state, req, &send, &cancelled);
}

fn write_frame(stream: &mut std::os::unix::net::UnixStream, m: &impl Message) -> Option<()> {
    stream.write_all(&frame(m)).ok()
}

fn read_frame_blocking<M: Message + Default>(
    stream: &mut std::os::unix::net::UnixStream,
) -> Option<M> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).ok()?;
    let len = frame_len(len)?;
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).ok()?;
    M::decode(buf.as_slice()).ok()
}

/// Client side of the wrapper socket: one request over a blocking connection; `None` when the
/// daemon cannot answer.
pub fn call(path: &Path, req: &pb::WrapRequest) -> Option<pb::WrapResponse> {
    let mut stream = std::os::unix::net::UnixStream::connect(path).ok()?;
    write_frame(&mut stream, req)?;
    read_frame_blocking(&mut stream)
}

/// Client side of the build socket: the events of a build, as they come.
pub struct BuildEvents {
    stream: std::os::unix::net::UnixStream,
}

impl BuildEvents {
    /// Sends `req`; `None` when no daemon listens.
    pub fn start(path: &Path, req: &pb::BuildRequest) -> Option<BuildEvents> {
        let mut stream = std::os::unix::net::UnixStream::connect(path).ok()?;
        write_frame(&mut stream, req)?;
        Some(BuildEvents { stream })
    }
}

impl Iterator for BuildEvents {
    type Item = pb::BuildEvent;

    fn next(&mut self) -> Option<pb::BuildEvent> {
        read_frame_blocking(&mut self.stream)
    }
}
