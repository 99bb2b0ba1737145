//! The build log: for every output, the command that made it and the stamps of what it read,
//! so that a build with nothing to do re-runs nothing and re-hashes nothing (like .ninja_log
//! and .ninja_deps together).

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::watch::{Snapshot, View, Watcher};

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
    /// Every input with its stamp (`None`: it did not exist, and must not appear) and content
    /// hash (hex) when the output was made.
    pub inputs: Vec<(PathBuf, Option<Stamp>, String)>,
    /// The output's own stamp, so an output changed behind our back is rebuilt.
    pub output: Stamp,
    /// The watcher generation at which these stamps were last known right, when every path
    /// here is watched: then only paths that changed since need a stat.
    #[serde(skip)]
    pub verified: Option<u64>,
}

/// What the file watcher says, for one build.
pub struct Watched<'a> {
    /// The watcher.
    pub watcher: &'a Watcher,
    /// The build's snapshot: every change up to it has been seen.
    pub snapshot: Snapshot,
    /// Files this build wrote: their events are read only when the next build starts, so
    /// they are stat'ed.
    pub written: &'a HashSet<PathBuf>,
}

/// All entries of one project and profile.
#[derive(Default, Serialize, Deserialize)]
pub struct BuildLog {
    entries: HashMap<PathBuf, Entry>,
    /// Changed since it was loaded or saved.
    #[serde(skip)]
    dirty: bool,
    /// Paths stat'ed by up-to-date checks since the last [`BuildLog::take_checked`].
    #[serde(skip)]
    checked: u64,
}

impl BuildLog {
    /// Loads the log (empty when missing or unreadable: that only costs a rebuild).
    pub fn load(file: &Path) -> BuildLog {
        std::fs::read(file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Writes the log atomically, when anything changed.
    pub fn save(&mut self, file: &Path) -> std::io::Result<()> {
        if !self.dirty && file.exists() {
            return Ok(());
        }
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic(file, &json)?;
        self.dirty = false;
        Ok(())
    }

    /// Whether `output` is up to date for `command`: it exists unchanged and none of its
    /// recorded inputs changed. An input whose stamp moved but whose content did not (a
    /// `touch`, a checkout that rewrote it) counts as unchanged, and its new stamp is kept.
    /// With `watched`, paths the watcher vouches for are not even stat'ed.
    pub fn up_to_date(
        &mut self,
        output: &Path,
        command: &str,
        hash: &dyn Fn(&Path) -> Option<String>,
        watched: Option<&Watched>,
    ) -> bool {
        let Some(e) = self.entries.get_mut(output) else {
            return false;
        };
        if e.command != command {
            return false;
        }
        let view = watched.map(|w| (w.watcher.view(), w.snapshot.gen));
        let since = view
            .as_ref()
            .and_then(|(v, snap)| Some((v, *snap, e.verified?)));
        // Files this build wrote are stat'ed: their events are still in the queue.
        let written = |p: &Path| watched.is_some_and(|w| w.written.contains(p));
        let none_written = watched.is_none_or(|w| {
            w.written.is_empty() || !written(output) && !e.inputs.iter().any(|(p, _, _)| written(p))
        });
        if let Some((v, snap, g)) = since {
            if none_written && v.quiet_since(g) {
                e.verified = Some(snap);
                return true;
            }
        }
        let trusted =
            |p: &Path| !written(p) && since.is_some_and(|(v, _, g)| v.unchanged_known(p, g));
        if !trusted(output) {
            self.checked += 1;
            if Stamp::of(output) != Some(e.output) {
                return false;
            }
        }
        for (p, stamp, content) in &mut e.inputs {
            if trusted(p) {
                continue;
            }
            self.checked += 1;
            let now = Stamp::of(p);
            if now == *stamp {
                continue;
            }
            match (now, stamp.is_some(), hash(p)) {
                (Some(now), true, Some(h)) if h == *content => {
                    *stamp = Some(now);
                    self.dirty = true;
                }
                _ => return false,
            }
        }
        e.verified = match (since, &view) {
            (Some((_, snap, _)), _) => Some(snap),
            (None, Some((v, snap))) => covered(v, *snap, output, &e.inputs),
            (None, None) => None,
        };
        true
    }

    /// Records how `output` was just made. Inputs that do not exist are recorded as absent:
    /// one appearing later (a new header in a search directory) is a change.
    pub fn record(
        &mut self,
        output: &Path,
        command: String,
        inputs: &[PathBuf],
        hash: &dyn Fn(&Path) -> Option<String>,
        watched: Option<&Watched>,
    ) {
        self.dirty = true;
        let Some(out) = Stamp::of(output) else {
            self.entries.remove(output);
            return;
        };
        let inputs: Vec<_> = inputs
            .iter()
            .map(|p| match Stamp::of(p) {
                Some(s) => (p.clone(), Some(s), hash(p).unwrap_or_default()),
                None => (p.clone(), None, String::new()),
            })
            .collect();
        let verified =
            watched.and_then(|w| covered(&w.watcher.view(), w.snapshot.gen, output, &inputs));
        self.entries.insert(
            output.to_path_buf(),
            Entry {
                command,
                inputs,
                output: out,
                verified,
            },
        );
    }

    /// How many paths up-to-date checks stat'ed since the last call.
    pub fn take_checked(&mut self) -> u64 {
        std::mem::take(&mut self.checked)
    }

    /// Forgets an output (after a failure).
    pub fn forget(&mut self, output: &Path) {
        self.dirty |= self.entries.remove(output).is_some();
    }

    /// Inputs whose content changed since they were recorded (and outputs changed or gone),
    /// sorted: what the next build will look at.
    pub fn dirty(&self, hash: &dyn Fn(&Path) -> Option<String>) -> Vec<PathBuf> {
        let mut seen = std::collections::HashSet::new();
        let mut dirty = Vec::new();
        for (out, e) in &self.entries {
            if Stamp::of(out) != Some(e.output) {
                dirty.push(out.clone());
            }
            for (p, stamp, content) in &e.inputs {
                if !seen.insert(p.as_path()) {
                    continue;
                }
                let now = Stamp::of(p);
                if now == *stamp {
                    continue;
                }
                if now.is_none() || stamp.is_none() || hash(p).as_deref() != Some(content) {
                    dirty.push(p.clone());
                }
            }
        }
        dirty.sort();
        dirty.dedup();
        dirty
    }

    /// Every path the entries depend on (outputs and inputs); with `only`, the entries for
    /// those outputs.
    pub fn paths<'s>(
        &'s self,
        only: Option<&'s HashSet<PathBuf>>,
    ) -> impl Iterator<Item = &'s Path> {
        self.entries
            .iter()
            .filter(move |(out, _)| only.is_none_or(|o| o.contains(*out)))
            .flat_map(|(out, e)| {
                std::iter::once(out.as_path()).chain(e.inputs.iter().map(|(p, _, _)| p.as_path()))
            })
    }
}

/// The snapshot, when the watcher covers every path of an entry (else it must be stat'ed).
fn covered(
    v: &View,
    g: u64,
    output: &Path,
    inputs: &[(PathBuf, Option<Stamp>, String)],
) -> Option<u64> {
    let all = v.covered(output, g) && inputs.iter().all(|(p, _, _)| v.covered(p, g));
    if !all && tracing::enabled!(tracing::Level::DEBUG) {
        let missing: Vec<_> = std::iter::once(output)
            .chain(inputs.iter().map(|(p, _, _)| p.as_path()))
            .filter(|p| !v.covered(p, g))
            .collect();
        tracing::debug!(?missing, "not watched yet");
    }
    all.then_some(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(p: &Path) -> Option<String> {
        std::fs::read(p)
            .ok()
            .map(|b| blake3::hash(&b).to_hex().to_string())
    }

    #[test]
    fn the_watcher_spares_stats_but_not_for_files_this_build_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let (input, output) = (root.join("a.o"), root.join("lib.a"));
        std::fs::write(&input, "v1").unwrap();
        std::fs::write(&output, "archive").unwrap();
        let w = Watcher::new();
        assert!(w.watch(&root, true));
        let none = HashSet::new();
        let s1 = w.sync().unwrap();
        let at = |snapshot, written| Watched {
            watcher: &w,
            snapshot,
            written,
        };
        let mut log = BuildLog::default();
        log.record(
            &output,
            "cmd".into(),
            std::slice::from_ref(&input),
            &hash,
            Some(&at(s1, &none)),
        );

        let s2 = w.sync().unwrap();
        assert!(log.up_to_date(&output, "cmd", &hash, Some(&at(s2, &none))));
        assert_eq!(log.take_checked(), 0, "nothing changed: nothing stat'ed");
        assert!(!log.up_to_date(&output, "other", &hash, Some(&at(s2, &none))));

        // The build itself rewrites the input; its event may not have arrived when the next
        // action is checked, so the written set must force a stat.
        std::fs::write(&input, "v2, longer").unwrap();
        let written: HashSet<PathBuf> = [input.clone()].into();
        assert!(!log.up_to_date(&output, "cmd", &hash, Some(&at(s2, &written))));

        // Without the written set, the watcher's event is what tells.
        let s3 = w.sync().unwrap();
        assert!(!log.up_to_date(&output, "cmd", &hash, Some(&at(s3, &none))));
    }

    #[test]
    fn a_missing_input_that_appears_is_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let (shadow, output) = (dir.path().join("inc/x.h"), dir.path().join("a.o"));
        std::fs::write(&output, "obj").unwrap();
        let mut log = BuildLog::default();
        log.record(
            &output,
            "cmd".into(),
            std::slice::from_ref(&shadow),
            &hash,
            None,
        );
        assert!(log.up_to_date(&output, "cmd", &hash, None));
        std::fs::create_dir_all(shadow.parent().unwrap()).unwrap();
        std::fs::write(&shadow, "#define X 1").unwrap();
        assert!(!log.up_to_date(&output, "cmd", &hash, None));
    }
}
