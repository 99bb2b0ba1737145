//! Request statistics, kept on disk so they survive daemon restarts and idle exits.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::mutex::lock;
use serde::{Deserialize, Serialize};
use warmcc_engine::{CacheStatus, Outcome};

/// The counters, as stored in `stats.json` and reported by `warmcc stats`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Counters {
    /// Compile and snippet requests.
    pub requests: u64,
    /// Answered from the cache.
    pub hits: u64,
    /// The compiler ran.
    pub misses: u64,
    /// Misses by cause (including "uncacheable: …").
    pub misses_by_reason: BTreeMap<String, u64>,
    /// Requests refused or failed inside warmcc.
    pub errors: u64,
    /// Compiles that ran and reported errors.
    pub compile_failures: u64,
    /// Source bytes received.
    pub bytes_in: u64,
    /// Object bytes sent.
    pub bytes_out: u64,
    /// Compiler time on misses.
    pub compile_ms: u64,
    /// Compiler time the hits did not spend.
    pub saved_ms: u64,
    /// When the counters were last zeroed.
    pub since_unix_s: u64,
    /// Wrapper compiles handed back to the client to run unchanged.
    pub passthrough: u64,
    /// Pass-throughs by cause.
    pub passthrough_by_reason: BTreeMap<String, u64>,
    /// `warmcc build` counters by project root.
    pub projects: BTreeMap<String, ProjectCounters>,
}

/// Counters of one project's builds.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ProjectCounters {
    /// The project's name (from warmcc.toml).
    pub name: String,
    /// Builds run.
    pub builds: u64,
    /// Builds that failed (or could not start).
    pub failed_builds: u64,
    /// Actions that ran (cache hits included).
    pub actions_run: u64,
    /// Actions answered from the cache.
    pub cache_hits: u64,
    /// Actions that were up to date.
    pub up_to_date: u64,
    /// Tool time of the actions that ran.
    pub compile_ms: u64,
    /// Tool time the cache hits did not spend.
    pub saved_ms: u64,
    /// When the last build finished.
    pub last_build_unix_s: u64,
}

/// Thread-safe counters with a backing file.
pub struct Stats {
    file: PathBuf,
    inner: Mutex<(Counters, bool)>,
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Stats {
    /// Loads the counters from `file` (fresh ones when it is missing or unreadable).
    pub fn load(file: PathBuf) -> Stats {
        let counters = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice::<Counters>(&b).ok())
            .unwrap_or_else(|| Counters {
                since_unix_s: now_s(),
                ..Counters::default()
            });
        Stats {
            file,
            inner: Mutex::new((counters, false)),
        }
    }

    fn update(&self, f: impl FnOnce(&mut Counters)) {
        let mut g = lock(&self.inner);
        f(&mut g.0);
        g.1 = true;
    }

    /// Counts one answered compile.
    pub fn record(&self, bytes_in: usize, outcome: &Outcome) {
        self.update(|c| {
            c.requests += 1;
            c.bytes_in += bytes_in as u64;
            c.bytes_out += outcome.output.len() as u64;
            match &outcome.cache {
                CacheStatus::Hit => {
                    c.hits += 1;
                    c.saved_ms += outcome.saved.as_millis() as u64;
                }
                CacheStatus::Miss(r) => {
                    c.misses += 1;
                    *c.misses_by_reason
                        .entry(r.as_str().to_string())
                        .or_default() += 1;
                }
                CacheStatus::Uncacheable(r) => {
                    c.misses += 1;
                    *c.misses_by_reason
                        .entry(format!("uncacheable: {r}"))
                        .or_default() += 1;
                }
            }
            c.compile_ms += outcome.compile_time.as_millis() as u64;
            if outcome.exit_code != 0 {
                c.compile_failures += 1;
            }
        });
    }

    /// Counts an in-process snippet (never cached: the session's history is its input).
    pub fn record_inproc(
        &self,
        bytes_in: usize,
        bytes_out: usize,
        compile: std::time::Duration,
        failed: bool,
    ) {
        self.update(|c| {
            c.requests += 1;
            c.misses += 1;
            *c.misses_by_reason
                .entry("in-process session".to_string())
                .or_default() += 1;
            c.bytes_in += bytes_in as u64;
            c.bytes_out += bytes_out as u64;
            c.compile_ms += compile.as_millis() as u64;
            if failed {
                c.compile_failures += 1;
            }
        });
    }

    /// Counts a wrapper compile passed through to the real compiler.
    pub fn record_passthrough(&self, reason: &str) {
        self.update(|c| {
            c.requests += 1;
            c.passthrough += 1;
            *c.passthrough_by_reason
                .entry(reason.to_string())
                .or_default() += 1;
        });
    }

    /// Counts one `warmcc build` of the project at `root`.
    pub fn record_build(
        &self,
        root: &std::path::Path,
        name: &str,
        s: &warmcc_proto::v1::BuildSummary,
    ) {
        self.update(|c| {
            let p = c.projects.entry(root.display().to_string()).or_default();
            if !name.is_empty() {
                p.name = name.to_string();
            }
            p.builds += 1;
            p.failed_builds += u64::from(!s.success);
            p.actions_run += u64::from(s.ran);
            p.cache_hits += u64::from(s.cache_hits);
            p.up_to_date += u64::from(s.up_to_date);
            p.compile_ms += s.tool_ms;
            p.saved_ms += s.saved_ms;
            p.last_build_unix_s = now_s();
        });
    }

    /// Counts a request refused or failed inside warmcc.
    pub fn record_error(&self) {
        self.update(|c| {
            c.requests += 1;
            c.errors += 1;
        });
    }

    /// A copy of the counters; with `zero`, resets them afterwards.
    pub fn snapshot(&self, zero: bool) -> Counters {
        let mut g = lock(&self.inner);
        let snap = g.0.clone();
        if zero {
            g.0 = Counters {
                since_unix_s: now_s(),
                ..Counters::default()
            };
            g.1 = true;
        }
        snap
    }

    /// Writes the counters if they changed since the last write (atomically).
    pub fn flush(&self) {
        let snap = {
            let mut g = lock(&self.inner);
            if !g.1 {
                return;
            }
            g.1 = false;
            g.0.clone()
        };
        let Ok(json) = serde_json::to_vec_pretty(&snap) else {
            return;
        };
        let tmp = self.file.with_extension("json.tmp");
        let res = std::fs::write(&tmp, json).and_then(|_| std::fs::rename(&tmp, &self.file));
        if let Err(e) = res {
            tracing::warn!(file = %self.file.display(), error = %e, "cannot save stats");
        }
    }
}
