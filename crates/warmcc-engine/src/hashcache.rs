//! Content hashes of input files, kept hot and revalidated by `stat` instead of re-reading.
//!
//! A hash is reused only while device, inode, size, mtime and ctime are all unchanged; any write
//! (even one that keeps the size and restores the mtime) moves ctime, so a stale hash cannot
//! survive. Files changed within the last moments are re-hashed every time, because a write in
//! the same clock tick as the previous stat could otherwise go unnoticed.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How recent a change must be for its hash not to be trusted from memory.
const SETTLE: Duration = Duration::from_secs(2);

/// The identity of a file version as `stat` reports it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl Stamp {
    /// Reads the stamp of a file, following symlinks.
    pub fn of(path: &Path) -> std::io::Result<Stamp> {
        let m = std::fs::metadata(path)?;
        Ok(Stamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128,
            ctime_ns: m.ctime() as i128 * 1_000_000_000 + m.ctime_nsec() as i128,
        })
    }

    /// The later of mtime and ctime, in nanoseconds since the epoch.
    pub fn changed_ns(&self) -> i128 {
        self.mtime_ns.max(self.ctime_ns)
    }
}

/// Nanoseconds since the epoch for a point in time.
pub fn unix_ns(t: SystemTime) -> i128 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

/// What is remembered of one file version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// blake3 of the content.
    pub hash: [u8; 32],
    /// Whether the text mentions `__DATE__`, `__TIME__` or `__TIMESTAMP__`, whose expansion
    /// changes every compile (ccache's "time macros" check).
    pub time_macros: bool,
}

/// Whether bytes mention a macro that expands to the compile's date or time.
pub fn mentions_time_macros(bytes: &[u8]) -> bool {
    const NEEDLES: [&[u8]; 3] = [b"__DATE__", b"__TIME__", b"__TIMESTAMP__"];
    bytes
        .windows(8)
        .enumerate()
        .any(|(i, w)| w.starts_with(b"__") && NEEDLES.iter().any(|n| bytes[i..].starts_with(n)))
}

/// A thread-safe map from path to (stamp, content facts).
#[derive(Default)]
pub struct HashCache {
    entries: Mutex<HashMap<PathBuf, (Stamp, FileInfo)>>,
}

impl HashCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The blake3 hash of a file's content; `Ok(None)` when the file does not exist.
    pub fn hash(&self, path: &Path) -> std::io::Result<Option<[u8; 32]>> {
        Ok(self.info(path)?.map(|i| i.hash))
    }

    /// Hash and time-macro facts of a file; `Ok(None)` when the file does not exist.
    pub fn info(&self, path: &Path) -> std::io::Result<Option<FileInfo>> {
        let stamp = match Stamp::of(path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if let Ok(map) = self.entries.lock() {
            if let Some((s, h)) = map.get(path) {
                if *s == stamp {
                    return Ok(Some(*h));
                }
            }
        }
        let bytes = std::fs::read(path)?;
        let info = FileInfo {
            hash: *blake3::hash(&bytes).as_bytes(),
            time_macros: mentions_time_macros(&bytes),
        };
        // Re-stat: if the file changed while we read it, do not remember a hash that may mix
        // two versions (the caller still gets it; a later compare will catch the mismatch).
        let after = Stamp::of(path)?;
        let settled = unix_ns(SystemTime::now()) - after.changed_ns() > SETTLE.as_nanos() as i128;
        if after == stamp && settled {
            if let Ok(mut map) = self.entries.lock() {
                map.insert(path.to_path_buf(), (stamp, info));
            }
        }
        Ok(Some(info))
    }

    /// Forgets everything (for example after a watcher reports a burst of changes).
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }

    /// Number of remembered files.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_same_size_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.h");
        std::fs::write(&p, "int a;").unwrap();
        let cache = HashCache::new();
        let h1 = cache.hash(&p).unwrap().unwrap();
        std::fs::write(&p, "int b;").unwrap();
        let h2 = cache.hash(&p).unwrap().unwrap();
        assert_ne!(h1, h2);
        assert_eq!(h2, *blake3::hash(b"int b;").as_bytes());
    }

    #[test]
    fn missing_file_is_none() {
        let cache = HashCache::new();
        assert!(cache
            .hash(Path::new("/nonexistent/warmcc/x.h"))
            .unwrap()
            .is_none());
    }
}
