//! The build log: for every output, the command that made it and the stamps of what it read,
//! so that a build with nothing to do re-runs nothing and re-hashes nothing (like .ninja_log
//! and .ninja_deps together).

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// An input's identity as stat reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    mtime_ns: i128,
    ctime_ns: i128,
    size: u64,
}

impl Stamp {
    /// The stamp of a file, if it exists.
    pub fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp {
            mtime_ns: m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128,
            ctime_ns: m.ctime() as i128 * 1_000_000_000 + m.ctime_nsec() as i128,
            size: m.size(),
        })
    }
}

/// How one output was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Hash of the command line (program identity and arguments).
    pub command: String,
    /// Every input with its stamp and content hash (hex) when the output was made.
    pub inputs: Vec<(PathBuf, Stamp, String)>,
    /// The output's own stamp, so an output changed behind our back is rebuilt.
    pub output: Stamp,
}

/// All entries of one project and profile.
#[derive(Default, Serialize, Deserialize)]
pub struct BuildLog {
    entries: HashMap<PathBuf, Entry>,
}

impl BuildLog {
    /// Loads the log (empty when missing or unreadable: that only costs a rebuild).
    pub fn load(file: &Path) -> BuildLog {
        std::fs::read(file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Writes the log atomically.
    pub fn save(&self, file: &Path) -> std::io::Result<()> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic(file, &json)
    }

    /// Whether `output` is up to date for `command`: it exists unchanged and none of its
    /// recorded inputs changed. An input whose stamp moved but whose content did not (a
    /// `touch`, a checkout that rewrote it) counts as unchanged, and its new stamp is kept.
    pub fn up_to_date(
        &mut self,
        output: &Path,
        command: &str,
        hash: &dyn Fn(&Path) -> Option<String>,
    ) -> bool {
        let Some(e) = self.entries.get_mut(output) else {
            return false;
        };
        if e.command != command || Stamp::of(output) != Some(e.output) {
            return false;
        }
        for (p, stamp, content) in &mut e.inputs {
            let now = Stamp::of(p);
            if now == Some(*stamp) {
                continue;
            }
            match (now, hash(p)) {
                (Some(now), Some(h)) if h == *content => *stamp = now,
                _ => return false,
            }
        }
        true
    }

    /// Records how `output` was just made; inputs that vanished are left out (and make the next
    /// check fail, which is right).
    pub fn record(
        &mut self,
        output: &Path,
        command: String,
        inputs: &[PathBuf],
        hash: &dyn Fn(&Path) -> Option<String>,
    ) {
        let Some(out) = Stamp::of(output) else {
            self.entries.remove(output);
            return;
        };
        let inputs = inputs
            .iter()
            .filter_map(|p| Some((p.clone(), Stamp::of(p)?, hash(p)?)))
            .collect();
        self.entries.insert(
            output.to_path_buf(),
            Entry {
                command,
                inputs,
                output: out,
            },
        );
    }

    /// Forgets an output (after a failure).
    pub fn forget(&mut self, output: &Path) {
        self.entries.remove(output);
    }
}
