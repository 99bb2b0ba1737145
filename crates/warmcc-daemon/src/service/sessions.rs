//! The session service: open a REPL session with a prelude, compile snippets in it.

use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};
use warmcc_engine::{CacheStatus, Input};
use warmcc_proto::v1 as pb;

use crate::convert::{prelude_from, spec_from, status_of};
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
            let Ok(s) = s.try_lock() else { continue };
            sessions.push(pb::SessionInfo {
                session_id: s.id.clone(),
                backend: "process".into(),
                target: if s.base.target.is_empty() {
                    s.base.compiler.default_target.clone()
                } else {
                    s.base.target.clone()
                },
                snippets: s.snippets() as u32,
                idle_ms: s.last_used.elapsed().as_millis() as u64,
                compiler: s.base.compiler.describe(),
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
        if self.state.sessions.close(&id) {
            Ok(Response::new(pb::CloseSessionResponse {}))
        } else {
            Err(Status::not_found(format!("no session `{id}`")))
        }
    }
}

fn open(st: &State, req: pb::OpenSessionRequest) -> Result<pb::OpenSessionResponse, Status> {
    let started = Instant::now();
    match req.backend.as_str() {
        "" | "auto" | "process" => {}
        other => {
            return Err(Status::invalid_argument(format!(
                "unknown backend `{other}` (available: process)"
            )))
        }
    }
    let opts = req.options.unwrap_or_default();
    let placeholder = Input::Text {
        bytes: Vec::new(),
        name: "session".into(),
    };
    let base = spec_from(&st.registry, &opts, placeholder).map_err(|e| status_of(&e))?;
    let prelude = prelude_from(req.prelude.as_ref());
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
    let session_id = st.sessions.open(base, pch);
    tracing::info!(session = %session_id, prelude_cached, "session opened");
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
    })
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
    let session = st.sessions.get(&req.session_id).ok_or_else(|| {
        Status::not_found(format!(
            "no session `{}` (closed, or the daemon restarted)",
            req.session_id
        ))
    })?;
    let mut session = session.lock().unwrap_or_else(|p| p.into_inner());
    let (outcome, index, name) = session
        .compile(&st.engine, Some(&req.name), &exports, &source)
        .map_err(|e| status_of(&e))?;
    st.stats.record(len as usize, &outcome);
    let total = started.elapsed();
    let cache_us =
        (total.as_micros() as u64).saturating_sub(outcome.compile_time.as_micros() as u64);
    Ok(pb::SnippetResponse {
        exit_code: outcome.exit_code,
        diagnostics: outcome.stderr.clone() + &outcome.stdout,
        cache_hit: super::is_hit(&outcome),
        timings: Some(super::timings(&outcome, total, 0, cache_us)),
        index,
        name,
        object: outcome.output,
    })
}
