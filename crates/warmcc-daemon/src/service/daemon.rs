//! The daemon service: hello (version check), status, stop, stats, cache and toolchains.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tonic::{Request, Response, Status};
use warmcc_proto::v1 as pb;

use crate::state::State;

/// Serves `warmcc.v1.Daemon`.
pub struct DaemonService {
    /// Shared daemon state.
    pub state: Arc<State>,
}

#[tonic::async_trait]
impl pb::daemon_server::Daemon for DaemonService {
    async fn hello(
        &self,
        _r: Request<pb::HelloRequest>,
    ) -> Result<Response<pb::HelloResponse>, Status> {
        self.state.touch();
        Ok(Response::new(pb::HelloResponse {
            version: crate::version(),
            pid: std::process::id(),
        }))
    }

    async fn status(
        &self,
        _r: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusResponse>, Status> {
        let st = &self.state;
        st.touch();
        // Dirty files are found by stat (and hashing what moved): off the async threads.
        let state = st.clone();
        let projects = tokio::task::spawn_blocking(move || crate::project::project_status(&state))
            .await
            .unwrap_or_default();
        let usage = st.engine.store().usage().unwrap_or(warmcc_cache::Usage {
            entries: 0,
            bytes: 0,
        });
        Ok(Response::new(pb::StatusResponse {
            pid: std::process::id(),
            version: crate::version(),
            uptime_ms: st.started.elapsed().as_millis() as u64,
            socket: st.paths.socket.display().to_string(),
            listen: st.listen.clone().unwrap_or_default(),
            sessions: st.sessions.len() as u32,
            cache_bytes: usage.bytes,
            cache_entries: usage.entries,
            cache_max_bytes: st.engine.store().max_bytes(),
            in_flight: st.in_flight.load(Ordering::SeqCst),
            cache_dir: st.paths.cache_dir.display().to_string(),
            log_file: st.paths.log_file().display().to_string(),
            idle_timeout_s: st.config.idle_timeout.as_secs(),
            projects,
        }))
    }

    async fn stop(
        &self,
        _r: Request<pb::StopRequest>,
    ) -> Result<Response<pb::StopResponse>, Status> {
        tracing::info!("stop requested");
        let _ = self.state.shutdown.send(true);
        Ok(Response::new(pb::StopResponse {}))
    }

    async fn stats(
        &self,
        r: Request<pb::StatsRequest>,
    ) -> Result<Response<pb::StatsResponse>, Status> {
        let st = &self.state;
        st.touch();
        let c = st.stats.snapshot(r.into_inner().zero);
        st.stats.flush();
        Ok(Response::new(pb::StatsResponse {
            requests: c.requests,
            hits: c.hits,
            misses: c.misses,
            misses_by_reason: c
                .misses_by_reason
                .iter()
                .map(|(reason, count)| pb::MissReason {
                    reason: reason.clone(),
                    count: *count,
                })
                .collect(),
            errors: c.errors,
            compile_failures: c.compile_failures,
            bytes_in: c.bytes_in,
            bytes_out: c.bytes_out,
            compile_ms: c.compile_ms,
            saved_ms: c.saved_ms,
            since_unix_s: c.since_unix_s,
            passthrough: c.passthrough,
            passthrough_by_reason: c
                .passthrough_by_reason
                .iter()
                .map(|(reason, count)| pb::MissReason {
                    reason: reason.clone(),
                    count: *count,
                })
                .collect(),
            projects: crate::project::project_stats(&c),
        }))
    }

    async fn cache_clear(
        &self,
        _r: Request<pb::CacheClearRequest>,
    ) -> Result<Response<pb::CacheClearResponse>, Status> {
        let removed = self
            .state
            .blocking(|st| {
                st.engine
                    .store()
                    .clear()
                    .map_err(|e| Status::internal(e.to_string()))
            })
            .await?;
        Ok(Response::new(pb::CacheClearResponse {
            removed_entries: removed.entries,
            removed_bytes: removed.bytes,
        }))
    }

    async fn toolchains(
        &self,
        _r: Request<pb::ToolchainsRequest>,
    ) -> Result<Response<pb::ToolchainsResponse>, Status> {
        let list = self
            .state
            .blocking(|st| Ok(st.registry.discover(None)))
            .await?;
        Ok(Response::new(pb::ToolchainsResponse {
            toolchains: list
                .iter()
                .map(|c| pb::ToolchainInfo {
                    name: c.name.clone(),
                    path: c.resolved.display().to_string(),
                    kind: format!("{:?}", c.kind).to_lowercase(),
                    version: c.version.clone(),
                    default_target: c.default_target.clone(),
                })
                .collect(),
        }))
    }
}
