//! The Chrome-trace timeline of a build (`.warmcc/trace.json`, for Perfetto or
//! chrome://tracing): one complete event per action that ran, on its worker's row.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use crate::mutex::lock;
use warmcc_build::schedule::Done;
use warmcc_build::Action;

/// Trace events collected while a build runs.
#[derive(Default)]
pub struct Trace {
    events: Mutex<Vec<serde_json::Value>>,
}

impl Trace {
    /// Adds one finished action: it started `start` into the build and took `took`.
    pub fn add(
        &self,
        action: &Action,
        done: &Done,
        start: Duration,
        took: Duration,
        worker: usize,
    ) {
        let e = serde_json::json!({
            "name": action.output().display().to_string(), "cat": super::kind_name(action.kind),
            "ph": "X", "pid": 1, "tid": worker,
            "ts": start.as_micros() as u64, "dur": took.as_micros() as u64,
            "args": {"target": action.target, "cache_hit": done.cache_hit, "ok": done.ok},
        });
        lock(&self.events).push(e);
    }

    /// Writes the trace atomically.
    pub fn write(&self, file: &Path) -> std::io::Result<()> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let events = lock(&self.events);
        let json = serde_json::to_vec(&serde_json::json!({ "traceEvents": *events }))
            .map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic(file, &json)
    }
}
