//! The registry's state file: identified compilers persisted as JSON across daemon restarts.
//!
//! Written whole to a temporary file beside it and renamed into place, so a reader (or a daemon
//! killed mid-write) never sees half a file. A missing, unreadable or foreign file just means
//! starting empty: every entry can be rebuilt by running the compiler again.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::compiler::Compiler;
use crate::error::ToolchainError;
use crate::identify::Fingerprint;

/// Bumped whenever the meaning of a stored field changes, so old files are ignored, not misread.
const FORMAT: u32 = 1;

/// One remembered identification.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub fingerprint: Fingerprint,
    pub compiler: Compiler,
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    format: u32,
    compilers: Vec<Entry>,
}

/// Reads the entries of `path`, dropping any that contradict themselves.
pub(crate) fn load(path: &Path) -> Vec<Entry> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read compiler state; starting empty");
            return Vec::new();
        }
    };
    let state: StateFile = match serde_json::from_str(&text) {
        Ok(state) => state,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "damaged compiler state; starting empty");
            return Vec::new();
        }
    };
    if state.format != FORMAT {
        tracing::info!(path = %path.display(), format = state.format, "compiler state from another warmcc version; starting empty");
        return Vec::new();
    }
    state
        .compilers
        .into_iter()
        .filter(|e| {
            let c = &e.compiler;
            let f = &e.fingerprint;
            c.path.is_absolute()
                && c.resolved == f.resolved
                && c.size == f.size
                && c.mtime_ns == f.mtime_ns
        })
        .collect()
}

/// Replaces `path` with `entries`, atomically.
pub(crate) fn save(path: &Path, entries: Vec<Entry>) -> Result<(), ToolchainError> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ToolchainError::Io { path, source }
    };
    let mut compilers = entries;
    // Stable order keeps the file diffable and the writes reproducible.
    compilers.sort_by(|a, b| a.compiler.path.cmp(&b.compiler.path));
    let json = serde_json::to_vec_pretty(&StateFile {
        format: FORMAT,
        compilers,
    })
    .map_err(|e| ToolchainError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let tmp = temp_name(path);
    let written = fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(&json).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(path)(e));
    }
    Ok(())
}

/// A name no other writer (thread or process) uses at the same time.
fn temp_name(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp.{}.{n}", std::process::id()));
    path.with_file_name(name)
}
