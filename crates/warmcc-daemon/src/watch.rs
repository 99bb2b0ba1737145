//! The file watcher: one inotify instance (through notify) whose events become numbered
//! changes, so a build re-checks only the paths that changed instead of stat'ing every input.
//!
//! Every change and every new watch takes the next generation number. A build first syncs (a
//! cookie file written into a watched directory comes back as an event, so every earlier event
//! has been seen; the idea is watchman's) and takes the current generation as its snapshot.
//! A build-log entry verified at snapshot `g`, all of whose paths were watched since before `g`,
//! is still valid exactly when none of its paths changed after `g`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

/// Name prefix of the cookie files used to sync with the event queue.
const COOKIE_PREFIX: &str = ".warmcc-cookie-";
/// How long a sync waits for its cookie before giving up (then nothing is trusted).
const SYNC_TIMEOUT: Duration = Duration::from_secs(2);
/// Paths remembered before the oldest are forgotten (and everything older is re-checked).
const MAX_CHANGED: usize = 200_000;
/// Structural changes (files created, removed, renamed) remembered.
const MAX_STRUCTURAL: usize = 20_000;

/// The changes seen so far.
#[derive(Default)]
struct Log {
    /// The latest generation handed out.
    seq: u64,
    /// The generation of the latest change (not counting cookies or new watches).
    last_change: u64,
    /// Changes at or before this generation may have been missed (queue overflow, trimming).
    floor: u64,
    /// Path → generation of its latest change.
    changed: HashMap<PathBuf, u64>,
    /// Files created, removed or renamed, oldest first (they change glob results).
    structural: VecDeque<(u64, PathBuf)>,
    /// Directory watched non-recursively → generation at which its watch was added.
    dirs: HashMap<PathBuf, u64>,
    /// Trees watched recursively → generation at which their watch was added.
    trees: Vec<(PathBuf, u64)>,
    /// Cookies that came back.
    cookies: HashSet<PathBuf>,
}

impl Log {
    fn bump(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn change(&mut self, path: PathBuf, structural: bool) {
        let g = self.bump();
        self.last_change = g;
        if structural {
            if self.structural.len() >= MAX_STRUCTURAL {
                if let Some((old, _)) = self.structural.pop_front() {
                    self.floor = self.floor.max(old);
                }
            }
            self.structural.push_back((g, path.clone()));
            // A directory's own stamp changes with its entries (search dirs are inputs).
            if let Some(parent) = path.parent() {
                self.changed.insert(parent.to_path_buf(), g);
            }
        }
        self.changed.insert(path, g);
        if self.changed.len() > MAX_CHANGED {
            self.changed.clear();
            self.floor = g;
        }
    }

    /// The generation since which `path` has been watched, if it is. A directory's entries
    /// are watched only by a watch on the directory itself (or a tree holding it).
    fn watched_since(&self, path: &Path) -> Option<u64> {
        if let Some(g) = self
            .trees
            .iter()
            .filter(|(t, _)| path.starts_with(t))
            .map(|(_, g)| *g)
            .min()
        {
            return Some(g);
        }
        if let Some(g) = self.dirs.get(path) {
            return Some(*g);
        }
        let g = self.dirs.get(path.parent()?)?;
        (!path.is_dir()).then_some(*g)
    }
}

struct Shared {
    log: Mutex<Log>,
    cond: Condvar,
}

/// The daemon's file watcher (inactive when inotify is unavailable: then nothing is trusted
/// and builds stat every input, as without it).
pub struct Watcher {
    shared: Arc<Shared>,
    inner: Mutex<Option<RecommendedWatcher>>,
    cookie_seq: AtomicU64,
}

/// What a build may trust, fixed at its start.
#[derive(Clone, Copy, Debug)]
pub struct Snapshot {
    /// Every change up to this generation has been seen.
    pub gen: u64,
}

impl Watcher {
    /// Starts the watcher thread; on failure the watcher stays inactive.
    pub fn new() -> Watcher {
        let shared = Arc::new(Shared {
            log: Mutex::new(Log::default()),
            cond: Condvar::new(),
        });
        let sink = shared.clone();
        let inner = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            let mut log = sink.log.lock().unwrap_or_else(|p| p.into_inner());
            match res {
                Ok(ev) if ev.need_rescan() => {
                    log.floor = log.bump();
                }
                // Reads (opening a directory to list it, a header to hash it) change nothing;
                // a write shows up as a modification as well.
                Ok(ev) if matches!(ev.kind, EventKind::Access(_)) => {}
                Ok(ev) => {
                    let structural = matches!(
                        ev.kind,
                        EventKind::Create(_)
                            | EventKind::Remove(_)
                            | EventKind::Modify(ModifyKind::Name(_))
                            | EventKind::Any
                            | EventKind::Other
                    );
                    for p in ev.paths {
                        let cookie = p
                            .file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with(COOKIE_PREFIX));
                        if cookie {
                            log.cookies.insert(p);
                        } else {
                            log.change(p, structural);
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "file watcher error; re-checking everything");
                    log.floor = log.bump();
                }
            }
            drop(log);
            sink.cond.notify_all();
        });
        let inner = match inner {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!(error = %e, "no file watcher: builds will stat every input");
                None
            }
        };
        Watcher {
            shared,
            inner: Mutex::new(inner),
            cookie_seq: AtomicU64::new(0),
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        self.shared.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether changes are being watched at all.
    pub fn active(&self) -> bool {
        self.inner.lock().map(|w| w.is_some()).unwrap_or(false)
    }

    /// Watches `dir` (recursively with `tree`); returns whether it is watched now.
    pub fn watch(&self, dir: &Path, tree: bool) -> bool {
        {
            let log = self.log();
            let known = if tree {
                log.trees.iter().any(|(t, _)| dir.starts_with(t))
            } else {
                log.dirs.contains_key(dir) || log.trees.iter().any(|(t, _)| dir.starts_with(t))
            };
            if known {
                return true;
            }
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let Some(w) = inner.as_mut() else {
            return false;
        };
        let mode = if tree {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        if let Err(e) = w.watch(dir, mode) {
            tracing::debug!(dir = %dir.display(), error = %e, "cannot watch");
            return false;
        }
        // The watch exists from the next generation on: whatever was stat'ed before it is
        // not covered by it.
        let mut log = self.log();
        let g = log.bump();
        if tree {
            log.trees.push((dir.to_path_buf(), g));
        } else {
            log.dirs.insert(dir.to_path_buf(), g);
        }
        true
    }

    /// Waits until every event that happened before this call has been seen, using a cookie
    /// file in `dir` (which must be watched). `None` when the watcher cannot vouch for that.
    pub fn sync(&self, dir: &Path) -> Option<Snapshot> {
        if !self.active() {
            return None;
        }
        let n = self.cookie_seq.fetch_add(1, Ordering::Relaxed);
        let cookie = dir.join(format!("{COOKIE_PREFIX}{}-{n}", std::process::id()));
        if std::fs::write(&cookie, b"").is_err() {
            // A new directory: watch it ourselves, before the cookie, rather than rely on a
            // recursive watch catching up with its creation.
            std::fs::create_dir_all(dir).ok()?;
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            inner
                .as_mut()?
                .watch(dir, RecursiveMode::NonRecursive)
                .ok()?;
            drop(inner);
            std::fs::write(&cookie, b"").ok()?;
        }
        let deadline = Instant::now() + SYNC_TIMEOUT;
        let mut log = self.log();
        let seen = loop {
            if log.cookies.remove(&cookie) {
                break true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break false;
            }
            log = match self.shared.cond.wait_timeout(log, left) {
                Ok((l, _)) => l,
                Err(p) => p.into_inner().0,
            };
        };
        let snap = Snapshot { gen: log.seq };
        drop(log);
        let _ = std::fs::remove_file(&cookie);
        if !seen {
            tracing::warn!(cookie = %cookie.display(), "the file watcher did not answer in time");
            return None;
        }
        Some(snap)
    }

    /// A view for checking paths against what changed, taken under the lock once.
    pub fn view(&self) -> View<'_> {
        View { log: self.log() }
    }

    /// Waits up to `timeout` for any change after generation `after`; returns the latest
    /// generation.
    pub fn wait_change(&self, after: u64, timeout: Duration) -> u64 {
        let log = self.log();
        if log.seq > after {
            return log.seq;
        }
        match self.shared.cond.wait_timeout(log, timeout) {
            Ok((l, _)) => l.seq,
            Err(p) => p.into_inner().0.seq,
        }
    }
}

impl Default for Watcher {
    fn default() -> Self {
        Watcher::new()
    }
}

/// The change log, locked for a batch of checks.
pub struct View<'a> {
    log: MutexGuard<'a, Log>,
}

impl View<'_> {
    /// Whether `path` is known unchanged after generation `since`: it has been watched since
    /// then and no event named it.
    pub fn unchanged(&self, path: &Path, since: u64) -> bool {
        since >= self.log.floor
            && self.log.changed.get(path).is_none_or(|g| *g <= since)
            && self.log.watched_since(path).is_some_and(|w| w <= since)
    }

    /// Like [`View::unchanged`] for a path already known to be watched since `since`.
    pub fn unchanged_known(&self, path: &Path, since: u64) -> bool {
        since >= self.log.floor && self.log.changed.get(path).is_none_or(|g| *g <= since)
    }

    /// Whether `path` is watched (by a watch added at or before generation `gen`).
    pub fn covered(&self, path: &Path, gen: u64) -> bool {
        self.log.watched_since(path).is_some_and(|w| w <= gen)
    }

    /// Whether nothing at all changed after `since` (the cheapest no-op check).
    pub fn quiet_since(&self, since: u64) -> bool {
        since >= self.log.floor && self.log.last_change <= since
    }

    /// Whether a file for which `relevant` holds was created, removed or renamed after
    /// `since` (or changes may have been missed).
    pub fn structure_changed(&self, since: u64, relevant: impl Fn(&Path) -> bool) -> bool {
        if since < self.log.floor {
            return true;
        }
        self.log
            .structural
            .iter()
            .rev()
            .take_while(|(g, _)| *g > since)
            .any(|(_, p)| relevant(p))
    }

    /// The paths for which `relevant` holds that changed after generation `after` and up to
    /// `upto`.
    pub fn changed_between(
        &self,
        after: u64,
        upto: u64,
        relevant: impl Fn(&Path) -> bool,
    ) -> Vec<PathBuf> {
        self.log
            .changed
            .iter()
            .filter(|(p, g)| **g > after && **g <= upto && relevant(p))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The latest generation.
    pub fn gen(&self) -> u64 {
        self.log.seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_after_the_snapshot_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let file = root.join("a.h");
        std::fs::write(&file, "x").unwrap();
        let w = Watcher::new();
        assert!(w.watch(&root, true));
        let s1 = w.sync(&root).expect("sync");
        assert!(w.view().unchanged(&file, s1.gen));
        std::fs::write(&file, "y").unwrap();
        let s2 = w.sync(&root).expect("sync");
        let v = w.view();
        assert!(!v.unchanged(&file, s1.gen), "the write must be seen");
        assert!(v.unchanged(&file, s2.gen));
        assert!(
            !v.structure_changed(s1.gen, |_| true),
            "a write is not structural"
        );
    }

    #[test]
    fn created_files_are_structural_and_unwatched_paths_untrusted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let w = Watcher::new();
        assert!(w.watch(&root, true));
        let s1 = w.sync(&root).expect("sync");
        std::fs::write(root.join("new.c"), "int x;").unwrap();
        let s2 = w.sync(&root).expect("sync");
        let v = w.view();
        assert!(v.structure_changed(s1.gen, |p| p.starts_with(&root)));
        assert!(!v.structure_changed(s2.gen, |p| p.starts_with(&root)));
        assert!(
            !v.structure_changed(s1.gen, |p| p.ends_with("x.c")),
            "only relevant paths count"
        );
        assert!(!v.unchanged(Path::new("/nonexistent/x.h"), s2.gen));
        // The directory's own stamp changed with its entries.
        assert!(!v.unchanged(&root, s1.gen));
    }

    #[test]
    fn a_watch_added_later_does_not_vouch_for_earlier_checks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let sub = root.join("inc");
        std::fs::create_dir(&sub).unwrap();
        let w = Watcher::new();
        assert!(w.watch(&root, true));
        let s1 = w.sync(&root).expect("sync");
        let other = tempfile::tempdir().unwrap();
        let odir = other.path().canonicalize().unwrap();
        assert!(w.watch(&odir, false));
        assert!(!w.view().unchanged(&odir.join("x.h"), s1.gen));
        let s2 = w.sync(&root).expect("sync");
        assert!(w.view().unchanged(&odir.join("x.h"), s2.gen));
    }
}
