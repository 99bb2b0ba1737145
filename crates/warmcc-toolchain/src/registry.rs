//! The registry: identified compilers remembered per path, with the queries built on them.
//!
//! Every cache is a map from a key to a *slot* (an `Arc<Mutex<Option<T>>>`). The map lock is held
//! only to find the slot; the slot lock is held while the value is computed, so concurrent callers
//! asking for the same compiler wait for one run instead of starting their own, while different
//! compilers are identified in parallel.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::hash::Hash;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::thread;
use std::time::SystemTime;

use crate::compiler::{Compiler, Kind, Lang};
use crate::discover::{self, Candidate, Family};
use crate::error::ToolchainError;
use crate::hint::install_hint;
use crate::identify::{identify_fresh, Fingerprint};
use crate::run;
use crate::state::{self, Entry};
use crate::target::{self, same_target};

type Slot<T> = Arc<Mutex<Option<T>>>;

/// A compiler identity and a target triple.
type TargetKey = ([u8; 32], String);

/// A remembered clang probe: `Err` holds clang's message.
type Verdict = Result<(), String>;

/// An identification and the file state it was made from.
#[derive(Debug)]
struct Known {
    fingerprint: Fingerprint,
    compiler: Arc<Compiler>,
}

/// The clang suggested when nothing is installed: the version warmcc's in-process backend uses.
const SUGGESTED_CLANG: &str = "clang-19";

/// A default compiler and the mtimes of the PATH directories it was chosen under.
type ChosenDefault = (Vec<Option<SystemTime>>, Arc<Compiler>);

/// Remembers identified compilers; shared by the daemon (Send + Sync, interior mutability).
#[derive(Debug, Default)]
pub struct Registry {
    state_file: Option<PathBuf>,
    compilers: Mutex<HashMap<PathBuf, Slot<Known>>>,
    /// Verdicts of clang target probes.
    targets: Mutex<HashMap<TargetKey, Slot<Verdict>>>,
    resource_dirs: Mutex<HashMap<[u8; 32], Slot<Option<PathBuf>>>>,
    /// Serializes state file writes so an older snapshot never lands after a newer one.
    save_lock: Mutex<()>,
    /// Default compiler per language and PATH, with the PATH directories' mtimes it was
    /// chosen under: scanning PATH costs milliseconds, a stat per directory microseconds.
    defaults: Mutex<HashMap<(Lang, OsString), ChosenDefault>>,
}

impl Registry {
    /// A registry, persisting identities in `state_file` (JSON) when given; entries are reused only while path, size and mtime match.
    pub fn new(state_file: Option<PathBuf>) -> Registry {
        let registry = Registry {
            state_file,
            ..Registry::default()
        };
        if let Some(file) = &registry.state_file {
            let entries = state::load(file);
            tracing::debug!(file = %file.display(), count = entries.len(), "loaded compiler state");
            let mut map = lock(&registry.compilers);
            for entry in entries {
                map.insert(
                    entry.compiler.path.clone(),
                    Arc::new(Mutex::new(Some(Known {
                        fingerprint: entry.fingerprint,
                        compiler: Arc::new(entry.compiler),
                    }))),
                );
            }
        }
        registry
    }

    /// Identifies the compiler at `path` (relative paths resolve against this process's directory), running it at most once per (path, size, mtime); later calls cost a `stat`.
    pub fn identify(&self, path: &Path) -> Result<Arc<Compiler>, ToolchainError> {
        let path = std::path::absolute(path).map_err(|source| ToolchainError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        // Stat before running, so a change during the run is caught by the next look-up.
        let fingerprint = Fingerprint::stat(&path)?;
        let slot = slot(&self.compilers, path.clone());
        let mut guard = lock(&slot);
        if let Some(known) = guard.as_ref() {
            if known.fingerprint == fingerprint {
                return Ok(known.compiler.clone());
            }
            tracing::info!(path = %path.display(), "compiler changed on disk; identifying it again");
            *guard = None;
        }
        let compiler = Arc::new(identify_fresh(&path, &fingerprint)?);
        *guard = Some(Known {
            fingerprint,
            compiler: compiler.clone(),
        });
        drop(guard);
        self.persist();
        Ok(compiler)
    }

    /// Finds and identifies a compiler by name (`clang++-19`, `gcc`), searched on `path_env` or the process's `PATH`, or by path.
    pub fn find(
        &self,
        name_or_path: &str,
        path_env: Option<&OsStr>,
    ) -> Result<Arc<Compiler>, ToolchainError> {
        if name_or_path.contains('/') || Path::new(name_or_path).is_absolute() {
            return self.identify(Path::new(name_or_path));
        }
        match discover::which(name_or_path, path_env) {
            Some(path) => self.identify(&path),
            None => Err(ToolchainError::NotFound {
                name: name_or_path.to_string(),
                hint: install_hint(name_or_path),
            }),
        }
    }

    /// The default compiler for `lang`: the newest clang (by major version), else the newest gcc, else `cc`/`c++`.
    pub fn default_for(
        &self,
        lang: Lang,
        path_env: Option<&OsStr>,
    ) -> Result<Arc<Compiler>, ToolchainError> {
        let path = path_env
            .map(OsStr::to_os_string)
            .unwrap_or_else(|| std::env::var_os("PATH").unwrap_or_default());
        // Adding or removing a compiler changes its directory's mtime, so unchanged mtimes
        // mean the same names are there; identify() still re-checks the chosen file itself.
        let stamps: Vec<Option<SystemTime>> = discover::path_dirs(Some(&path))
            .iter()
            .map(|d| std::fs::metadata(d).and_then(|m| m.modified()).ok())
            .collect();
        let key = (lang, path);
        let cached = lock(&self.defaults).get(&key).cloned();
        if let Some((seen, compiler)) = cached {
            if seen == stamps {
                if let Ok(fresh) = self.identify(&compiler.path) {
                    return Ok(fresh);
                }
            }
        }
        let chosen = self.default_uncached(lang, Some(&key.1))?;
        lock(&self.defaults).insert(key, (stamps, chosen.clone()));
        Ok(chosen)
    }

    fn default_uncached(
        &self,
        lang: Lang,
        path_env: Option<&OsStr>,
    ) -> Result<Arc<Compiler>, ToolchainError> {
        // Only the first executable of each name counts, as when the shell runs it.
        let mut names = HashSet::new();
        let candidates: Vec<Candidate> = discover::scan(path_env)
            .into_iter()
            .filter(|c| c.info.lang == lang && c.info.triple.is_none())
            .filter(|c| names.insert(c.name.clone()))
            .collect();
        let newest = |family: Family, kind: Option<Kind>| {
            candidates
                .iter()
                .filter(|c| c.info.family == family)
                .filter_map(|c| match self.identify(&c.path) {
                    Ok(compiler) if kind.is_none_or(|k| compiler.kind == k) => {
                        Some((compiler, c.info.version.is_some()))
                    }
                    Ok(compiler) => {
                        tracing::debug!(compiler = %compiler.describe(), "name does not match its kind; not a default");
                        None
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "skipping unusable compiler");
                        None
                    }
                })
                // On equal majors prefer the versioned name (`clang-19` over `clang`): it keeps
                // naming the same compiler when the unversioned alternative is switched.
                .max_by_key(|(compiler, versioned)| (compiler.major, *versioned))
                .map(|(compiler, _)| compiler)
        };
        newest(Family::Clang, Some(Kind::Clang))
            .or_else(|| newest(Family::Gcc, Some(Kind::Gcc)))
            .or_else(|| newest(Family::Generic, None))
            .ok_or_else(|| ToolchainError::NoCompiler {
                lang,
                hint: install_hint(SUGGESTED_CLANG),
            })
    }

    /// Every compiler on `PATH`, identified; one per (name, real file); clang newest first, then gcc.
    pub fn discover(&self, path_env: Option<&OsStr>) -> Vec<Arc<Compiler>> {
        let candidates = discover::scan(path_env);
        let results: Vec<Mutex<Option<Arc<Compiler>>>> =
            candidates.iter().map(|_| Mutex::new(None)).collect();
        // A few workers: identification is mostly waiting for child processes, but each child
        // wants a core of its own for a moment.
        let workers = thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 4)
            .min(candidates.len());
        let next = AtomicUsize::new(0);
        thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(candidate) = candidates.get(i) else {
                        break;
                    };
                    match self.identify(&candidate.path) {
                        Ok(compiler) => *lock(&results[i]) = Some(compiler),
                        Err(e) => tracing::warn!(error = %e, "skipping unusable compiler"),
                    }
                });
            }
        });
        let mut found: Vec<(bool, Arc<Compiler>)> = candidates
            .iter()
            .zip(results)
            .filter_map(|(c, r)| {
                let compiler = r.into_inner().unwrap_or_else(|e| e.into_inner())?;
                Some((c.info.triple.is_some(), compiler))
            })
            .collect();
        // Stable: equal keys keep PATH order, so the copy the shell would run comes first.
        found.sort_by_key(|(cross, c)| {
            (
                c.kind != Kind::Clang,
                *cross,
                Reverse(c.major),
                c.name.clone(),
            )
        });
        found.into_iter().map(|(_, c)| c).collect()
    }

    /// Checks that `compiler` can build for `triple`, once per (compiler identity, triple): clang by a probe compile, gcc only for its own target.
    pub fn check_target(&self, compiler: &Compiler, triple: &str) -> Result<(), ToolchainError> {
        target::validate(compiler, triple)?;
        let unknown = |message: String| ToolchainError::UnknownTarget {
            compiler: compiler.name.clone(),
            target: triple.to_string(),
            message,
        };
        // Every compiler builds for its own target; this also spares a probe for the common case.
        if same_target(&compiler.default_target, triple) {
            return Ok(());
        }
        if compiler.kind == Kind::Gcc {
            return Err(unknown(target::gcc_cross_message(compiler, triple)));
        }
        let slot = slot(&self.targets, (compiler.identity, triple.to_string()));
        let mut guard = lock(&slot);
        let verdict = match guard.as_ref() {
            Some(verdict) => verdict.clone(),
            None => {
                // Probe failures (could not run, crashed) propagate uncached: they may pass.
                let verdict = target::probe_clang(compiler, triple)?;
                *guard = Some(verdict.clone());
                verdict
            }
        };
        verdict.map_err(unknown)
    }

    /// clang's resource directory (`-print-resource-dir`: builtin headers, runtime libraries), cached; `None` for gcc or on failure.
    pub fn resource_dir(&self, compiler: &Compiler) -> Option<PathBuf> {
        if compiler.kind != Kind::Clang {
            return None;
        }
        let slot = slot(&self.resource_dirs, compiler.identity);
        let mut guard = lock(&slot);
        if let Some(dir) = guard.as_ref() {
            return dir.clone();
        }
        let out = match run::run(&compiler.path, &[OsStr::new("-print-resource-dir")]) {
            Ok(out) => out,
            Err(reason) => {
                // Not remembered: a failure to start may be passing.
                tracing::warn!(compiler = %compiler.describe(), %reason, "cannot ask for the resource dir");
                return None;
            }
        };
        let text = out.stdout_text();
        let text = text.trim();
        let dir = (out.status.success() && !text.is_empty() && !text.contains('\n'))
            .then(|| PathBuf::from(text));
        if dir.is_none() {
            tracing::warn!(compiler = %compiler.describe(), stderr = %out.stderr_tail(), "no usable -print-resource-dir answer");
        }
        *guard = Some(dir.clone());
        dir
    }

    /// Writes the state file; failures are logged, because the file only saves future runs.
    fn persist(&self) {
        let Some(file) = &self.state_file else {
            return;
        };
        let _save = lock(&self.save_lock);
        let slots: Vec<Slot<Known>> = lock(&self.compilers).values().cloned().collect();
        let mut entries = Vec::with_capacity(slots.len());
        let to_entry = |known: &Known| Entry {
            fingerprint: known.fingerprint.clone(),
            compiler: (*known.compiler).clone(),
        };
        for slot in slots {
            // A busy slot is being identified; its owner persists again when done.
            match slot.try_lock() {
                Ok(guard) => entries.extend(guard.as_ref().map(to_entry)),
                Err(TryLockError::Poisoned(e)) => {
                    entries.extend(e.into_inner().as_ref().map(to_entry))
                }
                Err(TryLockError::WouldBlock) => {}
            }
        }
        if let Err(e) = state::save(file, entries) {
            tracing::warn!(error = %e, "cannot save compiler state");
        }
    }
}

/// The slot for `key`, created empty if new.
fn slot<K: Eq + Hash, T>(map: &Mutex<HashMap<K, Slot<T>>>, key: K) -> Slot<T> {
    lock(map).entry(key).or_default().clone()
}

/// Locks, ignoring poisoning: every value stored is complete, so a panic elsewhere leaves
/// nothing half-written.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
