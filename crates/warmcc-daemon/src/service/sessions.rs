//! The session service: open a REPL session with a prelude, compile snippets in it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};
use warmcc_clang::client::{default_worker_path, WorkerClient, WorkerConfig};
use warmcc_clang::proto as worker;
use warmcc_engine::{CacheStatus, CompileSpec, Input, OutputKind, Prelude};
use warmcc_proto::v1 as pb;
use warmcc_toolchain::Lang;

use crate::convert::{prelude_from, spec_from, status_of};
use crate::mutex::lock;
use crate::sessions::{structured, Session, SessionError};
use crate::state::State;

/// Serves `warmcc.v1.Sessions`.
pub struct SessionsService {
    /// Shared daemon state.
    pub state: Arc<State>,
}

#[tonic::async_trait]
impl pb::sessions_server::Sessions for SessionsService {
    async fn open(
        &self,
        request: Request<pb::OpenSessionRequest>,
    ) -> Result<Response<pb::OpenSessionResponse>, Status> {
        let _guard = self.state.begin();
        let req = request.into_inner();
        let result = self.state.blocking(move |st| open(st, req)).await;
        if result.is_err() {
            self.state.stats.record_error();
        }
        result.map(Response::new)
    }

    async fn compile_snippet(
        &self,
        request: Request<pb::SnippetRequest>,
    ) -> Result<Response<pb::SnippetResponse>, Status> {
        let _guard = self.state.begin();
        let req = request.into_inner();
        let result = self.state.blocking(move |st| snippet(st, req)).await;
        if result.is_err() {
            self.state.stats.record_error();
        }
        result.map(Response::new)
    }

    async fn list(
        &self,
        _request: Request<pb::ListSessionsRequest>,
    ) -> Result<Response<pb::ListSessionsResponse>, Status> {
        let mut sessions = Vec::new();
        for s in self.state.sessions.all() {
            // A session busy compiling is listed without waiting for it.
            let Ok(mut s) = s.try_lock() else { continue };
            let (rss_bytes, private_bytes) = s.memory().unwrap_or((0, 0));
            sessions.push(pb::SessionInfo {
                session_id: s.id.clone(),
                backend: s.backend_name().into(),
                target: s.target.clone(),
                snippets: s.snippets() as u32,
                idle_ms: s.last_used.elapsed().as_millis() as u64,
                compiler: s.compiler.clone(),
                rss_bytes,
                private_bytes,
            });
        }
        sessions.sort_by(|a, b| a.session_id.cmp(&b.session_id));
        Ok(Response::new(pb::ListSessionsResponse { sessions }))
    }

    async fn close(
        &self,
        request: Request<pb::CloseSessionRequest>,
    ) -> Result<Response<pb::CloseSessionResponse>, Status> {
        let id = request.into_inner().session_id;
        // Dropping the session ends its worker, off the async threads.
        let st = self.state.clone();
        let closed = tokio::task::spawn_blocking(move || st.sessions.close(&id).then_some(id))
            .await
            .map_err(|e| Status::internal(e.to_string()))?;
        match closed {
            Some(_) => Ok(Response::new(pb::CloseSessionResponse {})),
            None => Err(Status::not_found("no such session")),
        }
    }

    async fn undo(
        &self,
        request: Request<pb::UndoRequest>,
    ) -> Result<Response<pb::UndoResponse>, Status> {
        let req = request.into_inner();
        self.state
            .blocking(move |st| {
                let session = find(st, &req.session_id)?;
                let mut session = lock(&session);
                let snippets = session.undo(req.count).map_err(session_status)?;
                Ok(pb::UndoResponse {
                    snippets: snippets as u32,
                })
            })
            .await
            .map(Response::new)
    }
}

fn find(st: &State, id: &str) -> Result<Arc<std::sync::Mutex<Session>>, Status> {
    st.sessions.get(id).ok_or_else(|| {
        Status::not_found(format!(
            "no session `{id}` (closed, or the daemon restarted)"
        ))
    })
}

fn session_status(e: SessionError) -> Status {
    match e {
        SessionError::Engine(e) => status_of(&e),
        SessionError::Crashed { .. } => Status::aborted(e.to_string()),
        SessionError::Lost(_) => Status::unavailable(e.to_string()),
        SessionError::UndoRefused(_) => Status::failed_precondition(e.to_string()),
    }
}

fn open(st: &State, req: pb::OpenSessionRequest) -> Result<pb::OpenSessionResponse, Status> {
    let started = Instant::now();
    let opts = req.options.unwrap_or_default();
    let placeholder = Input::Text {
        bytes: Vec::new(),
        name: "session".into(),
    };
    let base = spec_from(&st.registry, &opts, placeholder).map_err(|e| status_of(&e))?;
    // Validates include directories and flags the same way for both backends.
    base.to_action(OutputKind::Object, None)
        .map_err(|e| status_of(&e))?;
    let prelude = prelude_from(req.prelude.as_ref());
    let worker = default_worker_path();
    let inproc = match req.backend.as_str() {
        "inproc" => true,
        "process" => false,
        "" | "auto" => worker.is_some() && opts.compiler.is_empty(),
        other => {
            return Err(Status::invalid_argument(format!(
                "unknown backend `{other}` (inproc, process or auto)"
            )))
        }
    };
    if inproc {
        let exe = worker.ok_or_else(|| {
            Status::failed_precondition(
                "the in-process backend is not installed: build warmcc-clang-worker with \
                 `cargo build --release -p warmcc-clang --features inproc` (needs libclang-19-dev \
                 libclang-cpp19-dev llvm-19-dev) and put it beside warmcc",
            )
        })?;
        return open_inproc(st, &base, &prelude, (req.dedup, req.color), exe, started);
    }
    let mut prelude_cached = false;
    let mut prelude_us = 0;
    let pch = if prelude.is_empty() {
        None
    } else {
        let (pch, out) = st
            .engine
            .precompile(&base, &prelude)
            .map_err(|e| status_of(&e))?;
        prelude_us = started.elapsed().as_micros() as u64;
        prelude_cached = out.cache == CacheStatus::Hit;
        match pch {
            Some(p) => Some(p),
            None => {
                return Err(Status::invalid_argument(format!(
                    "the session's prelude failed to compile:\n{}",
                    out.stderr
                )))
            }
        }
    };
    let compiler = base.compiler.describe();
    let mut base = base;
    if req.color {
        // Only snippets get the flag: the PCH must not depend on how messages are shown.
        base.flags.push("-fcolor-diagnostics".into());
    }
    let session_id = st.sessions.open(Session::process(base, pch));
    tracing::info!(session = %session_id, prelude_cached, "process session opened");
    Ok(pb::OpenSessionResponse {
        session_id,
        prelude_cached,
        timings: Some(pb::Timings {
            total_us: started.elapsed().as_micros() as u64,
            prelude_us,
            ..Default::default()
        }),
        backend: "process".into(),
        compiler,
        prelude_object: Vec::new(),
    })
}

/// The worker's options for a session described like a process-backend one.
fn worker_options(base: &CompileSpec, dedup: bool, color: bool) -> worker::SessionOptions {
    let abs = |dirs: &[PathBuf]| -> Vec<String> {
        dirs.iter()
            .map(|d| base.working_dir.join(d).display().to_string())
            .collect()
    };
    worker::SessionOptions {
        target: base.target.clone(),
        language: match base.language() {
            Lang::C => "c".into(),
            Lang::Cxx => "c++".into(),
        },
        standard: base.standard.clone(),
        opt_level: base.opt_level.clone(),
        debug_info: base.flags.iter().any(|f| f.starts_with("-g") && f != "-g0"),
        include_dirs: abs(&base.include_dirs),
        system_include_dirs: abs(&base.system_include_dirs),
        defines: base.defines.clone(),
        flags: base
            .flags
            .iter()
            .filter(|f| !f.starts_with("-g"))
            .cloned()
            .collect(),
        sysroot: if base.sysroot.is_empty() {
            String::new()
        } else {
            base.working_dir.join(&base.sysroot).display().to_string()
        },
        resource_dir: String::new(),
        dedup,
        color,
        symbol_suffix: String::new(),
    }
}

fn open_inproc(
    st: &State,
    base: &CompileSpec,
    prelude: &Prelude,
    (dedup, color): (bool, bool),
    exe: PathBuf,
    started: Instant,
) -> Result<pb::OpenSessionResponse, Status> {
    let options = worker_options(base, dedup, color);
    let prelude_text = if prelude.is_empty() {
        String::new()
    } else {
        let text = prelude
            .source(&base.working_dir)
            .map_err(|e| status_of(&e))?;
        text.trim_start_matches("#pragma once\n").to_string()
    };
    // The PCH depends on the worker build, the options that shape parsing, and the prelude.
    let mut key_options = options.clone();
    key_options.dedup = false;
    key_options.color = false;
    let worker_id = std::fs::metadata(&exe)
        .map(|m| format!("{}:{:?}", m.len(), m.modified().ok()))
        .unwrap_or_default();
    let mut h = blake3::Hasher::new();
    h.update(b"warmcc-inproc-pch-v1\0");
    h.update(worker_id.as_bytes());
    h.update(&prost::Message::encode_to_vec(&key_options));
    h.update(prelude_text.as_bytes());
    let pch_dir = st.paths.state_dir.join("inproc-pch");
    std::fs::create_dir_all(&pch_dir)
        .map_err(|e| Status::internal(format!("cannot create {}: {e}", pch_dir.display())))?;
    let pch_path = pch_dir.join(format!("{}.pch", &h.finalize().to_hex()[..32]));
    let init = worker::InitRequest {
        options: Some(options),
        prelude_text: prelude_text.clone(),
        pch_path: if prelude_text.is_empty() {
            String::new()
        } else {
            pch_path.display().to_string()
        },
    };
    let config = WorkerConfig {
        exe,
        env: Vec::new(),
        init,
    };
    let client = match WorkerClient::start(config.clone()) {
        Ok(c) => c,
        // A PCH made stale by a changed prelude header is rebuilt once.
        Err(warmcc_clang::Error::Start { .. }) if pch_path.exists() => {
            let _ = std::fs::remove_file(&pch_path);
            WorkerClient::start(config).map_err(start_status)?
        }
        Err(e) => return Err(start_status(e)),
    };
    let init = client.init_response().clone();
    let session = Session::inproc(
        client,
        if base.target.is_empty() {
            base.compiler.default_target.clone()
        } else {
            base.target.clone()
        },
        st.config.session_memory_cap,
    );
    let compiler = session.compiler.clone();
    let session_id = st.sessions.open(session);
    tracing::info!(session = %session_id, pch_built = init.pch_built, start_us = init.start_us, "in-process session opened");
    Ok(pb::OpenSessionResponse {
        session_id,
        prelude_cached: !init.pch_built,
        timings: Some(pb::Timings {
            total_us: started.elapsed().as_micros() as u64,
            prelude_us: init.pch_build_us + init.start_us,
            ..Default::default()
        }),
        backend: "inproc".into(),
        compiler,
        prelude_object: init.prelude_object,
    })
}

fn start_status(e: warmcc_clang::Error) -> Status {
    match e {
        warmcc_clang::Error::Start {
            message,
            diagnostics,
        } => Status::invalid_argument(format!(
            "the session could not start: {message}\n{diagnostics}"
        )),
        warmcc_clang::Error::Unavailable => Status::failed_precondition(e.to_string()),
        other => Status::internal(format!("cannot start the in-process worker: {other}")),
    }
}

fn snippet(st: &State, req: pb::SnippetRequest) -> Result<pb::SnippetResponse, Status> {
    let started = Instant::now();
    let max = st.config.max_source_bytes;
    let len = (req.source.len() + req.exports.len()) as u64;
    if len > max {
        return Err(Status::invalid_argument(format!(
            "snippet is {len} bytes, over the daemon's limit of {max} bytes (max_source_size in config.toml)"
        )));
    }
    let source = String::from_utf8(req.source)
        .map_err(|_| Status::invalid_argument("snippet source is not UTF-8"))?;
    let exports = String::from_utf8(req.exports)
        .map_err(|_| Status::invalid_argument("snippet exports are not UTF-8"))?;
    let session = find(st, &req.session_id)?;
    let mut session = lock(&session);
    let r = match session.compile(&st.engine, Some(&req.name), &exports, &source) {
        Ok(r) => r,
        Err(e @ SessionError::Lost(_)) => {
            drop(session);
            st.sessions.close(&req.session_id);
            return Err(session_status(e));
        }
        Err(e) => return Err(session_status(e)),
    };
    match &r.outcome {
        Some(o) => st.stats.record(len as usize, o),
        None => st.stats.record_inproc(
            len as usize,
            r.object.len(),
            r.compile_time,
            r.exit_code != 0,
        ),
    }
    let total = started.elapsed();
    Ok(pb::SnippetResponse {
        exit_code: r.exit_code,
        structured: structured(&r.diagnostics),
        diagnostics: r.diagnostics,
        cache_hit: r.cache_hit,
        timings: Some(pb::Timings {
            total_us: total.as_micros() as u64,
            compile_us: r.compile_time.as_micros() as u64,
            ..Default::default()
        }),
        index: r.index,
        name: r.name,
        object: r.object,
    })
}
