//! The wrapper's fast socket: `WrapRequest` in, `WrapResponse` out, each framed by a 4-byte
//! little-endian length. The compiler wrapper is the hot path (its whole cost is a hit's
//! cost), so it talks to this instead of gRPC; other clients use `Compiler.Wrap`.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use warmcc_proto::v1 as pb;

use crate::service::wrap::{self, Fast};
use crate::state::State;

/// Largest frame accepted (a request is a command line and an environment).
const MAX_FRAME: usize = 64 << 20;

/// Binds the socket (mode 0600), replacing a stale one.
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// Serves connections until the daemon stops.
pub async fn serve(state: Arc<State>, listener: UnixListener) {
    let mut stop = state.shutdown.subscribe();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(connection(state.clone(), stream));
                }
                Err(e) => tracing::warn!(error = %e, "wrapper socket accept failed"),
            },
            _ = stop.changed() => return,
        }
    }
}

async fn connection(state: Arc<State>, mut stream: UnixStream) {
    loop {
        let mut len = [0u8; 4];
        if stream.read_exact(&mut len).await.is_err() {
            return;
        }
        let len = u32::from_le_bytes(len) as usize;
        if len > MAX_FRAME {
            tracing::warn!(len, "oversized frame on the wrapper socket");
            return;
        }
        let mut buf = vec![0u8; len];
        if stream.read_exact(&mut buf).await.is_err() {
            return;
        }
        let Ok(req) = pb::WrapRequest::decode(buf.as_slice()) else {
            tracing::warn!("malformed request on the wrapper socket");
            return;
        };
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
        let body = resp.encode_to_vec();
        let mut out = Vec::with_capacity(body.len() + 4);
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        if stream.write_all(&out).await.is_err() {
            return;
        }
    }
}

/// Client side: one request over a blocking connection; `None` when the daemon cannot answer.
pub fn call(path: &Path, req: &pb::WrapRequest) -> Option<pb::WrapResponse> {
    let mut stream = std::os::unix::net::UnixStream::connect(path).ok()?;
    let body = req.encode_to_vec();
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    stream.write_all(&out).ok()?;
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).ok()?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return None;
    }
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).ok()?;
    pb::WrapResponse::decode(buf.as_slice()).ok()
}
