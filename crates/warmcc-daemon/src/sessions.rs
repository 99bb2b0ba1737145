//! REPL sessions on two backends, behind one interface.
//!
//! * **process**: the prelude is precompiled once; each snippet is one compiler run against the
//!   PCH, through the cache. A snippet's `exports` (declarations) become visible to later
//!   snippets; its `source` goes only into its own object. Each snippet is compiled as
//!   `exports of earlier snippets + its own exports + its source`, with `#line` markers so
//!   diagnostics name the snippet they come from.
//! * **inproc**: a `warmcc-clang-worker` process keeps one incremental Clang instance; every
//!   declaration of an earlier snippet is visible, and a compiler crash only kills the worker,
//!   which is restarted by replaying the session's successful snippets.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::mutex::lock;
use warmcc_clang::client::WorkerClient;
use warmcc_engine::{CacheStatus, CompileSpec, Engine, EngineError, Input, OutputKind, Pch};
use warmcc_proto::v1 as pb;

/// Why a snippet got no answer (its compile errors are answers, not these).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The request cannot be served as it is.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The in-process compiler crashed on this snippet; the session was restarted without it.
    #[error("the compiler crashed compiling `{snippet}` ({status}); the session was restarted from its {kept} successful snippets, without this one")]
    Crashed {
        /// The snippet's name.
        snippet: String,
        /// How the worker ended.
        status: String,
        /// Snippets replayed.
        kept: usize,
    },
    /// The worker failed in a way a restart did not fix; the session is closed.
    #[error("the in-process session failed and was closed: {0}")]
    Lost(String),
    /// An undo that is not sound.
    #[error("{0}")]
    UndoRefused(String),
}

/// A compiled snippet.
pub struct SnippetResult {
    /// 0 on success.
    pub exit_code: i32,
    /// The object (empty on failure).
    pub object: Vec<u8>,
    /// Diagnostics text.
    pub diagnostics: String,
    /// Answered from the cache.
    pub cache_hit: bool,
    /// Compiler time.
    pub compile_time: Duration,
    /// Position among successful snippets (0 when it failed).
    pub index: u32,
    /// The name used in diagnostics.
    pub name: String,
    /// The engine's outcome, for statistics (process backend only).
    pub outcome: Option<warmcc_engine::Outcome>,
}

/// The state of one backend.
enum Backend {
    Process {
        base: Box<CompileSpec>,
        pch: Option<Pch>,
        exports: Vec<(String, String)>,
    },
    Inproc {
        worker: Box<WorkerClient>,
        memory_cap: u64,
    },
}

/// One open session.
pub struct Session {
    /// The session's id.
    pub id: String,
    /// Target triple (resolved).
    pub target: String,
    /// What compiles the snippets.
    pub compiler: String,
    /// When the session last compiled something.
    pub last_used: Instant,
    backend: Backend,
}

impl Session {
    /// A process-backend session.
    pub fn process(base: CompileSpec, pch: Option<Pch>) -> Session {
        Session {
            id: String::new(),
            target: if base.target.is_empty() {
                base.compiler.default_target.clone()
            } else {
                base.target.clone()
            },
            compiler: base.compiler.describe(),
            last_used: Instant::now(),
            backend: Backend::Process {
                base: Box::new(base),
                pch,
                exports: Vec::new(),
            },
        }
    }

    /// An in-process session around a started worker.
    pub fn inproc(worker: WorkerClient, target: String, memory_cap: u64) -> Session {
        Session {
            id: String::new(),
            target,
            compiler: "in-process clang 19 (libclang-cpp)".into(),
            last_used: Instant::now(),
            backend: Backend::Inproc {
                worker: Box::new(worker),
                memory_cap,
            },
        }
    }

    /// "process" or "inproc".
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Process { .. } => "process",
            Backend::Inproc { .. } => "inproc",
        }
    }

    /// Number of successful snippets in effect.
    pub fn snippets(&self) -> usize {
        match &self.backend {
            Backend::Process { exports, .. } => exports.len(),
            Backend::Inproc { worker, .. } => worker.snippets(),
        }
    }

    /// The worker's resident and private memory, for in-process sessions.
    pub fn memory(&mut self) -> Option<(u64, u64)> {
        match &mut self.backend {
            Backend::Inproc { worker, .. } => {
                worker.stats().ok().map(|s| (s.rss_bytes, s.private_bytes))
            }
            Backend::Process { .. } => None,
        }
    }

    /// Compiles a snippet; on success it joins the session.
    pub fn compile(
        &mut self,
        engine: &Engine,
        name: Option<&str>,
        exports: &str,
        source: &str,
    ) -> Result<SnippetResult, SessionError> {
        let index = self.snippets() + 1;
        let name = match name {
            Some(n) if !n.is_empty() => n.replace(['"', '\n', '\\'], "_"),
            _ => format!("snippet-{index}"),
        };
        self.last_used = Instant::now();
        match &mut self.backend {
            Backend::Process {
                base,
                pch,
                exports: earlier,
            } => {
                let text = compose(earlier, &name, exports, source);
                let mut spec = (**base).clone();
                spec.input = Input::Text {
                    bytes: text.into_bytes(),
                    name: name.clone(),
                };
                let action = spec.to_action(OutputKind::Object, pch.clone())?;
                let outcome = engine.run(&action)?;
                let ok = outcome.exit_code == 0;
                if ok {
                    earlier.push((name.clone(), exports.to_string()));
                }
                Ok(SnippetResult {
                    exit_code: outcome.exit_code,
                    object: outcome.output.clone(),
                    diagnostics: outcome.stderr.clone() + &outcome.stdout,
                    cache_hit: outcome.cache == CacheStatus::Hit,
                    compile_time: outcome.compile_time,
                    index: if ok { index as u32 } else { 0 },
                    name,
                    outcome: Some(outcome),
                })
            }
            Backend::Inproc { worker, memory_cap } => {
                // In-process snippets see every earlier declaration; exports are simply code.
                let mut text = String::with_capacity(exports.len() + source.len() + 1);
                text.push_str(exports);
                text.push('\n');
                text.push_str(source);
                let started = Instant::now();
                let r = match worker.compile(&name, text.as_bytes()) {
                    Ok(r) => r,
                    Err(warmcc_clang::Error::WorkerDied { snippet, status }) => {
                        let kept = worker.snippets();
                        return match worker.restart() {
                            Ok(_) => Err(SessionError::Crashed {
                                snippet,
                                status,
                                kept,
                            }),
                            Err(e) => Err(SessionError::Lost(e.to_string())),
                        };
                    }
                    Err(e) => return Err(SessionError::Lost(e.to_string())),
                };
                // Memory grows with every snippet and is only returned when the process exits;
                // past the cap, a fresh worker replays the session.
                if index.is_multiple_of(16) {
                    if let Ok(s) = worker.stats() {
                        if s.private_bytes > *memory_cap {
                            tracing::info!(
                                private_mib = s.private_bytes >> 20,
                                "session worker over its memory cap; replaying"
                            );
                            worker
                                .restart()
                                .map_err(|e| SessionError::Lost(e.to_string()))?;
                        }
                    }
                }
                Ok(SnippetResult {
                    exit_code: if r.ok { 0 } else { 1 },
                    object: r.object,
                    diagnostics: r.diagnostics_text,
                    cache_hit: false,
                    compile_time: if r.compile_us > 0 {
                        Duration::from_micros(r.compile_us)
                    } else {
                        started.elapsed()
                    },
                    index: if r.ok { r.index } else { 0 },
                    name,
                    outcome: None,
                })
            }
        }
    }

    /// Forgets the latest `count` successful snippets, where that is sound.
    pub fn undo(&mut self, count: u32) -> Result<usize, SessionError> {
        match &mut self.backend {
            Backend::Process { exports, .. } => {
                if count as usize > exports.len() {
                    return Err(SessionError::UndoRefused(format!(
                        "cannot undo {count} snippets: the session has {}",
                        exports.len()
                    )));
                }
                // Every snippet is its own translation unit here, so forgetting its exports
                // is all an undo takes; the client drops its objects.
                exports.truncate(exports.len() - count as usize);
                Ok(exports.len())
            }
            Backend::Inproc { worker, .. } => match worker.undo(count) {
                Ok(r) if r.ok => Ok(r.snippets as usize),
                Ok(r) => Err(SessionError::UndoRefused(r.error)),
                Err(warmcc_clang::Error::UndoRefused(m)) => Err(SessionError::UndoRefused(m)),
                Err(e) => Err(SessionError::Lost(e.to_string())),
            },
        }
    }
}

/// The process backend's source text for a snippet.
fn compose(earlier: &[(String, String)], name: &str, exports: &str, source: &str) -> String {
    let mut text = String::new();
    for (n, e) in earlier {
        if !e.is_empty() {
            text.push_str(&format!("#line 1 \"{n} (exports)\"\n{e}\n"));
        }
    }
    if !exports.is_empty() {
        text.push_str(&format!("#line 1 \"{name} (exports)\"\n{exports}\n"));
    }
    text.push_str(&format!("#line 1 \"{name}\"\n{source}\n"));
    text
}

/// All open sessions, with a cap that closes the least recently used.
pub struct SessionManager {
    sessions: Mutex<HashMap<String, Arc<Mutex<Session>>>>,
    next: AtomicU64,
    max: usize,
}

impl SessionManager {
    /// An empty manager keeping at most `max` sessions.
    pub fn new(max: usize) -> Self {
        SessionManager {
            sessions: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            max,
        }
    }

    /// Adds a session and returns its id.
    pub fn open(&self, mut session: Session) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("s{n}-{:08x}", rand_u32());
        session.id = id.clone();
        let mut map = lock(&self.sessions);
        while map.len() >= self.max {
            let oldest = map
                .iter()
                .filter_map(|(k, s)| s.try_lock().ok().map(|s| (k.clone(), s.last_used)))
                .min_by_key(|(_, t)| *t)
                .map(|(k, _)| k);
            match oldest {
                Some(k) => {
                    tracing::info!(session = %k, "closing least recently used session");
                    map.remove(&k);
                }
                None => break,
            }
        }
        map.insert(id.clone(), Arc::new(Mutex::new(session)));
        id
    }

    /// The session with this id.
    pub fn get(&self, id: &str) -> Option<Arc<Mutex<Session>>> {
        lock(&self.sessions).get(id).cloned()
    }

    /// Closes a session; false when there was none.
    pub fn close(&self, id: &str) -> bool {
        lock(&self.sessions).remove(id).is_some()
    }

    /// All sessions, for listing.
    pub fn all(&self) -> Vec<Arc<Mutex<Session>>> {
        lock(&self.sessions).values().cloned().collect()
    }

    /// How many sessions are open.
    pub fn len(&self) -> usize {
        self.sessions.lock().map(|m| m.len()).unwrap_or(0)
    }
}

/// Structured diagnostics of a snippet.
pub fn structured(text: &str) -> Vec<pb::Diagnostic> {
    crate::diagnostics::parse(text)
}

/// A little unpredictability so ids of a restarted daemon do not collide with old ones.
fn rand_u32() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let h = blake3::hash(
        &[
            t.to_le_bytes().as_slice(),
            &std::process::id().to_le_bytes(),
        ]
        .concat(),
    );
    u32::from_le_bytes([
        h.as_bytes()[0],
        h.as_bytes()[1],
        h.as_bytes()[2],
        h.as_bytes()[3],
    ])
}
