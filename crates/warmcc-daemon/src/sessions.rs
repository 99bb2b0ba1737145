//! REPL sessions on the process backend: a prelude precompiled once, snippets compiled against it.
//!
//! A snippet's `exports` (declarations) become visible to every later snippet; its `source`
//! (definitions) goes only into its own object. Each snippet is compiled as
//! `exports of earlier snippets + its own exports + its source`, with `#line` markers so
//! diagnostics name the snippet they come from.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use warmcc_engine::{CompileSpec, Engine, EngineError, Input, Outcome, OutputKind, Pch};

/// One open session.
pub struct Session {
    /// The session's id.
    pub id: String,
    /// Options every snippet is compiled with (its input is replaced per snippet).
    pub base: CompileSpec,
    /// The precompiled prelude, if the session has one.
    pub pch: Option<Pch>,
    /// Exports of successful snippets, with the names they were given.
    exports: Vec<(String, String)>,
    /// When the session last compiled something.
    pub last_used: Instant,
}

impl Session {
    /// Number of successful snippets.
    pub fn snippets(&self) -> usize {
        self.exports.len()
    }

    /// The source text a snippet is compiled from.
    fn compose(&self, name: &str, exports: &str, source: &str) -> String {
        let mut text = String::new();
        for (n, e) in &self.exports {
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

    /// Compiles a snippet; on success its exports join the session.
    pub fn compile(
        &mut self,
        engine: &Engine,
        name: Option<&str>,
        exports: &str,
        source: &str,
    ) -> Result<(Outcome, u32, String), EngineError> {
        let index = self.exports.len() + 1;
        let name = match name {
            Some(n) if !n.is_empty() => n.replace(['"', '\n', '\\'], "_"),
            _ => format!("snippet-{index}"),
        };
        let text = self.compose(&name, exports, source);
        let mut spec = self.base.clone();
        spec.input = Input::Text {
            bytes: text.into_bytes(),
            name: name.clone(),
        };
        let action = spec.to_action(OutputKind::Object, self.pch.clone())?;
        let outcome = engine.run(&action)?;
        self.last_used = Instant::now();
        if outcome.exit_code == 0 {
            self.exports.push((name.clone(), exports.to_string()));
            Ok((outcome, index as u32, name))
        } else {
            Ok((outcome, 0, name))
        }
    }
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
    pub fn open(&self, base: CompileSpec, pch: Option<Pch>) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("s{n}-{:08x}", rand_u32());
        let session = Session {
            id: id.clone(),
            base,
            pch,
            exports: Vec::new(),
            last_used: Instant::now(),
        };
        let mut map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
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
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// Closes a session; false when there was none.
    pub fn close(&self, id: &str) -> bool {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)
            .is_some()
    }

    /// All sessions, for listing.
    pub fn all(&self) -> Vec<Arc<Mutex<Session>>> {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// How many sessions are open.
    pub fn len(&self) -> usize {
        self.sessions.lock().map(|m| m.len()).unwrap_or(0)
    }
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
