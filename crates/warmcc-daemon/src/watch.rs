//! The file watcher: inotify, whose events become numbered changes, so a build re-checks only
//! the paths that changed instead of stat'ing every input.
//!
//! Every change and every new watch takes the next generation number. The kernel queues an
//! event inside the very system call that changes a file, so a build that reads the queue dry
//! when it starts has seen every change made before it was asked for, with no thread to wake
//! and no cookie to wait for (the round trip that dominated a no-op build). It takes the
//! current generation as its snapshot: a build-log entry verified at snapshot `g`, all of whose
//! paths were watched since before `g`, is still valid exactly when none of its paths changed
//! after `g`. Linux only; elsewhere the watcher is inactive and builds stat every input.

use std::collections::{HashMap, VecDeque};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::mutex::lock;
use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask};

/// Paths remembered before the oldest are forgotten (and everything older is re-checked).
const MAX_CHANGED: usize = 200_000;
/// Structural changes (files created, removed, renamed) remembered.
const MAX_STRUCTURAL: usize = 20_000;
/// What a watch reports: changes of content, metadata and directory entries (not reads).
const MASK: WatchMask = WatchMask::MODIFY
    .union(WatchMask::ATTRIB)
    .union(WatchMask::CLOSE_WRITE)
    .union(WatchMask::CREATE)
    .union(WatchMask::DELETE)
    .union(WatchMask::DELETE_SELF)
    .union(WatchMask::MOVED_FROM)
    .union(WatchMask::MOVED_TO)
    .union(WatchMask::MOVE_SELF);

/// The changes seen so far.
#[derive(Default)]
struct Log {
    /// The latest generation handed out.
    seq: u64,
    /// The generation of the latest change (not counting new watches).
    last_change: u64,
    /// Changes at or before this generation may have been missed (queue overflow, trimming).
    floor: u64,
    /// Path → generation of its latest change.
    changed: HashMap<PathBuf, u64>,
    /// Files created, removed or renamed, oldest first (they change glob results).
    structural: VecDeque<(u64, PathBuf)>,
    /// Directory with a watch of its own → generation at which the watch was added.
    dirs: HashMap<PathBuf, u64>,
    /// Trees watched recursively → generation at which their watch was added.
    trees: Vec<(PathBuf, u64)>,
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

    /// The generation since which `path` has been watched, if it is: a file through a watch
    /// on its directory, a directory's entries only through a watch on the directory itself.
    /// Only watches that exist count (a directory a build just created gets its watch when
    /// the next build reads the queue), never the mere fact of lying in a watched tree.
    fn watched_since(&self, path: &Path) -> Option<u64> {
        if let Some(g) = self.dirs.get(path) {
            return Some(*g);
        }
        let g = self.dirs.get(path.parent()?)?;
        (!path.is_dir()).then_some(*g)
    }
}

/// The inotify instance and what each of its watches is.
struct Kernel {
    inotify: Inotify,
    /// Watch → its directory and whether new subdirectories get watched too.
    wds: HashMap<WatchDescriptor, (PathBuf, bool)>,
}

/// The daemon's file watcher (inactive when inotify is unavailable: then nothing is trusted
/// and builds stat every input, as without it).
pub struct Watcher {
    /// Locked first when both are needed.
    kernel: Mutex<Option<Kernel>>,
    log: Mutex<Log>,
}

/// What a build may trust, fixed at its start.
#[derive(Clone, Copy, Debug)]
pub struct Snapshot {
    /// Every change up to this generation has been seen.
    pub gen: u64,
}

impl Watcher {
    /// Opens an inotify instance; on failure the watcher stays inactive.
    pub fn new() -> Watcher {
        let kernel = match Inotify::init() {
            Ok(inotify) => Some(Kernel {
                inotify,
                wds: HashMap::new(),
            }),
            Err(e) => {
                tracing::warn!(error = %e, "no file watcher: builds will stat every input");
                None
            }
        };
        Watcher {
            kernel: Mutex::new(kernel),
            log: Mutex::new(Log::default()),
        }
    }

    fn kernel(&self) -> MutexGuard<'_, Option<Kernel>> {
        lock(&self.kernel)
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        lock(&self.log)
    }

    /// Whether changes are being watched at all.
    pub fn active(&self) -> bool {
        self.kernel().is_some()
    }

    /// Watches `dir` (recursively with `tree`); returns whether it is watched now.
    pub fn watch(&self, dir: &Path, tree: bool) -> bool {
        {
            let log = self.log();
            let known = log.trees.iter().any(|(t, _)| dir.starts_with(t))
                || !tree && log.dirs.contains_key(dir);
            if known {
                return true;
            }
        }
        let mut kernel = self.kernel();
        let Some(k) = kernel.as_mut() else {
            return false;
        };
        // Events already queued predate the watch's generation: take them first.
        let mut log = self.log();
        k.drain(&mut log);
        if let Err(e) = k.add(dir, tree, &mut log) {
            tracing::debug!(dir = %dir.display(), error = %e, "cannot watch");
            return false;
        }
        if tree {
            let g = log.seq;
            log.trees.push((dir.to_path_buf(), g));
        }
        true
    }

    /// Reads every queued event: afterwards, every change made before this call has been
    /// seen. `None` when the watcher cannot vouch for that.
    pub fn sync(&self) -> Option<Snapshot> {
        let mut kernel = self.kernel();
        let k = kernel.as_mut()?;
        let mut log = self.log();
        k.drain(&mut log);
        Some(Snapshot { gen: log.seq })
    }

    /// A view for checking paths against what changed, taken under the lock once.
    pub fn view(&self) -> View<'_> {
        View { log: self.log() }
    }

    /// Waits up to `timeout` for any change after generation `after`; returns the latest
    /// generation.
    pub fn wait_change(&self, after: u64, timeout: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        loop {
            let fd = {
                let mut kernel = self.kernel();
                let Some(k) = kernel.as_mut() else {
                    std::thread::sleep(timeout);
                    return self.log().seq;
                };
                let mut log = self.log();
                k.drain(&mut log);
                if log.seq > after {
                    return log.seq;
                }
                k.inotify.as_raw_fd()
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return self.log().seq;
            }
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd; the descriptor stays open as long as the watcher.
            unsafe { libc::poll(&mut pfd, 1, left.as_millis().max(1) as libc::c_int) };
        }
    }
}

impl Kernel {
    /// Adds a watch on `dir`, and with `tree` on every directory below it. The watches exist
    /// from the next generation on: whatever was stat'ed before is not covered by them.
    fn add(&mut self, dir: &Path, tree: bool, log: &mut Log) -> std::io::Result<()> {
        let g = log.bump();
        let wd = self.inotify.watches().add(dir, MASK)?;
        self.wds.insert(wd, (dir.to_path_buf(), tree));
        log.dirs.insert(dir.to_path_buf(), g);
        if tree {
            for sub in subdirs(dir) {
                self.add_one(sub, g, log);
            }
        }
        Ok(())
    }

    fn add_one(&mut self, dir: PathBuf, g: u64, log: &mut Log) {
        if let Ok(wd) = self.inotify.watches().add(&dir, MASK) {
            self.wds.insert(wd, (dir.clone(), true));
            log.dirs.insert(dir, g);
        }
    }

    /// Moves every queued event into the log.
    fn drain(&mut self, log: &mut Log) {
        let mut buf = [0u8; 16384];
        loop {
            let events = match self.inotify.read_events(&mut buf) {
                Ok(events) => events,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read file events; re-checking everything");
                    log.floor = log.bump();
                    return;
                }
            };
            let mut new_dirs = Vec::new();
            for ev in events {
                if ev.mask.contains(EventMask::Q_OVERFLOW) {
                    log.floor = log.bump();
                    continue;
                }
                let Some((dir, tree)) = self.wds.get(&ev.wd).cloned() else {
                    continue;
                };
                if ev.mask.contains(EventMask::IGNORED) {
                    // The directory is gone (or unmounted): a new one there is not watched.
                    self.wds.remove(&ev.wd);
                    log.dirs.remove(&dir);
                    log.change(dir, true);
                    continue;
                }
                // A watched directory moved: its watches now report under stale paths, so
                // nothing seen so far can be trusted.
                if ev.mask.contains(EventMask::MOVE_SELF)
                    || ev.mask.contains(EventMask::ISDIR | EventMask::MOVED_FROM)
                {
                    log.floor = log.bump();
                }
                let path = match ev.name {
                    Some(name) => dir.join(name),
                    None => dir,
                };
                let structural = ev.mask.intersects(
                    EventMask::CREATE
                        | EventMask::DELETE
                        | EventMask::MOVED_FROM
                        | EventMask::MOVED_TO
                        | EventMask::DELETE_SELF
                        | EventMask::MOVE_SELF,
                ) || is_ignore_file(&path);
                if tree
                    && ev.mask.contains(EventMask::ISDIR)
                    && ev.mask.intersects(EventMask::CREATE | EventMask::MOVED_TO)
                {
                    new_dirs.push(path.clone());
                }
                log.change(path, structural);
            }
            // A new directory in a watched tree: watch it, and count what it already holds as
            // created (it may have been filled before the watch existed).
            for d in new_dirs {
                let g = log.bump();
                self.add_one(d.clone(), g, log);
                for sub in subdirs(&d) {
                    self.add_one(sub, g, log);
                }
                for p in walk_files(&d) {
                    log.change(p, true);
                }
            }
        }
    }
}

/// Whether `path` holds ignore rules, which decide what source globs see: editing one is as
/// good as files appearing or vanishing.
fn is_ignore_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == ".gitignore" || n == ".ignore")
}

/// Every directory below `dir` (not following symlinks).
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    walk(dir, true)
}

/// Every entry below `dir`.
fn walk_files(dir: &Path) -> Vec<PathBuf> {
    walk(dir, false)
}

fn walk(dir: &Path, dirs_only: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                stack.push(e.path());
            }
            if is_dir || !dirs_only {
                out.push(e.path());
            }
        }
    }
    out
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
        let s1 = w.sync().expect("sync");
        assert!(w.view().unchanged(&file, s1.gen));
        std::fs::write(&file, "y").unwrap();
        let s2 = w.sync().expect("sync");
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
        let s1 = w.sync().expect("sync");
        std::fs::write(root.join("new.c"), "int x;").unwrap();
        let s2 = w.sync().expect("sync");
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
    fn editing_an_ignore_file_is_structural() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join(".gitignore"), "a/\n").unwrap();
        let w = Watcher::new();
        assert!(w.watch(&root, true));
        let s1 = w.sync().expect("sync");
        std::fs::write(root.join(".gitignore"), "a/\nb/\n").unwrap();
        w.sync().expect("sync");
        assert!(w.view().structure_changed(s1.gen, |p| p.starts_with(&root)));
    }

    #[test]
    fn a_directory_made_inside_a_tree_counts_only_once_its_watch_exists() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let w = Watcher::new();
        assert!(w.watch(&root, true));
        let out = root.join("build/obj/a.o");
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        std::fs::write(&out, "o").unwrap();
        // Not yet read from the queue: build/obj has no watch, a.o is not covered.
        let now = w.view().gen();
        assert!(!w.view().covered(&out, now));
        let s = w.sync().unwrap();
        assert!(w.view().covered(&out, s.gen));
        std::fs::remove_dir_all(root.join("build")).unwrap();
        let s2 = w.sync().unwrap();
        assert!(!w.view().unchanged(&out, s.gen), "the removal is seen");
        assert!(
            !w.view().covered(&out, s2.gen),
            "a removed directory is not watched"
        );
    }

    #[test]
    fn a_watch_added_later_does_not_vouch_for_earlier_checks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let sub = root.join("inc");
        std::fs::create_dir(&sub).unwrap();
        let w = Watcher::new();
        assert!(w.watch(&root, true));
        let s1 = w.sync().expect("sync");
        let other = tempfile::tempdir().unwrap();
        let odir = other.path().canonicalize().unwrap();
        assert!(w.watch(&odir, false));
        assert!(!w.view().unchanged(&odir.join("x.h"), s1.gen));
        let s2 = w.sync().expect("sync");
        assert!(w.view().unchanged(&odir.join("x.h"), s2.gen));
    }
}
