//! What every service shares: engine, registry, sessions, stats, and activity tracking.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{watch, Semaphore};
use warmcc_engine::Engine;
use warmcc_toolchain::Registry;

use crate::config::Config;
use crate::paths::Paths;
use crate::project::loaded::Projects;
use crate::project::programs::Programs;
use crate::sessions::SessionManager;
use crate::stats::Stats;
use crate::watch::Watcher;

/// The daemon's shared state.
pub struct State {
    /// Where things live.
    pub paths: Paths,
    /// Settings.
    pub config: Config,
    /// Compiles through the cache.
    pub engine: Engine,
    /// Identified compilers.
    pub registry: Registry,
    /// Counters.
    pub stats: Stats,
    /// Open REPL sessions.
    pub sessions: SessionManager,
    /// When the daemon started.
    pub started: Instant,
    /// Requests being served now.
    pub in_flight: AtomicU32,
    /// When the last request started or ended.
    pub last_activity: Mutex<Instant>,
    /// Limits concurrent compiler processes.
    pub jobs: Semaphore,
    /// Set to true to stop the daemon.
    pub shutdown: watch::Sender<bool>,
    /// The TCP address, when listening on one.
    pub listen: Option<String>,
    /// Watches projects and the inputs of their builds.
    pub watcher: Watcher,
    /// Projects built since the daemon started, kept in memory.
    pub projects: Projects,
    /// Programs builds run, found once while they stay unchanged.
    pub programs: Programs,
}

/// Marks a request in flight until dropped.
pub struct RequestGuard(Arc<State>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.touch();
    }
}

impl State {
    /// Records activity now (keeps the idle timer away).
    pub fn touch(&self) {
        if let Ok(mut t) = self.last_activity.lock() {
            *t = Instant::now();
        }
    }

    /// Starts tracking one request.
    pub fn begin(self: &Arc<Self>) -> RequestGuard {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.touch();
        RequestGuard(self.clone())
    }

    /// Runs blocking work (compiles, file I/O) off the async threads, within the job limit.
    pub async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&State) -> Result<T, tonic::Status> + Send + 'static,
    ) -> Result<T, tonic::Status> {
        let _permit = self
            .jobs
            .acquire()
            .await
            .map_err(|_| tonic::Status::unavailable("the daemon is shutting down"))?;
        let st = self.clone();
        tokio::task::spawn_blocking(move || f(&st))
            .await
            .map_err(|e| tonic::Status::internal(format!("compile task failed: {e}")))?
    }
}
