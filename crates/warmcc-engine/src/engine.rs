//! The engine: key an action by content, answer it from the cache, or run it and remember it.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use prost::Message;
use warmcc_cache::{Key, Store};

use crate::action::{Action, CacheStatus, Input, MissReason, Outcome};
use crate::error::EngineError;
use crate::hashcache::{mentions_time_macros, unix_ns, HashCache, Stamp};
use crate::key::{manifest_key, result_key, with_extra_inputs};
use crate::process::{ProcessBackend, RawResult};
use crate::record::{Dep, Manifest, ManifestEntry, StoredResult, MAX_ENTRIES};

/// Runs compile actions through the content-addressed cache.
pub struct Engine {
    store: Arc<Store>,
    hashes: HashCache,
    backend: ProcessBackend,
    pub(crate) state_dir: PathBuf,
    /// One lock per manifest key in flight, so identical concurrent actions compile once.
    inflight: Mutex<HashMap<Key, Arc<Mutex<()>>>>,
    /// System include directories per compiler configuration.
    sysdirs: crate::sysdirs::SystemDirs,
}

impl Engine {
    /// An engine storing results in `store` and keeping scratch files and PCHs under `state_dir`.
    pub fn new(store: Arc<Store>, state_dir: &Path) -> Result<Self, EngineError> {
        let backend = ProcessBackend::new(state_dir.join("scratch"))?;
        Ok(Engine {
            store,
            hashes: HashCache::new(),
            backend,
            state_dir: state_dir.to_path_buf(),
            inflight: Mutex::new(HashMap::new()),
            sysdirs: Default::default(),
        })
    }

    /// The content hash of a file, from the stat-validated hash cache; `Ok(None)` if missing.
    pub fn hash_file(&self, path: &Path) -> std::io::Result<Option<[u8; 32]>> {
        self.hashes.hash(path)
    }

    /// The cache this engine uses.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Answers an action from the cache only: `Ok(None)` on a miss (nothing is compiled).
    ///
    /// Cheap enough (a few stats and one read) to run on a latency-critical thread.
    pub fn try_hit(&self, action: &Action) -> Result<Option<Outcome>, EngineError> {
        Ok(match self.manifest_key_of(action)? {
            Ok(mkey) => self.lookup(action, &mkey).ok(),
            Err(_) => None,
        })
    }

    /// The manifest key of an action, or why it cannot be cached.
    fn manifest_key_of(&self, action: &Action) -> Result<Result<Key, String>, EngineError> {
        let (source_hash, source_time_macros) = match &action.input {
            Input::Text { bytes, .. } => {
                (*blake3::hash(bytes).as_bytes(), mentions_time_macros(bytes))
            }
            Input::File(p) => {
                let abs = action.cwd.join(p);
                let info = self
                    .hashes
                    .info(&abs)
                    .map_err(|e| EngineError::io("cannot read source", &abs, e))?
                    .ok_or_else(|| {
                        EngineError::InvalidRequest(format!(
                            "source file {} does not exist",
                            abs.display()
                        ))
                    })?;
                (info.hash, info.time_macros)
            }
        };
        let mut uncacheable = action.uncacheable.clone();
        if source_time_macros && !self.fixed_time(action) {
            uncacheable.get_or_insert_with(|| "the source uses __DATE__ or __TIME__".into());
        }
        let mut extra = Vec::new();
        for p in &action.extra_inputs {
            match self.hashes.hash(p) {
                Ok(Some(h)) => extra.push((action.key_path(p), h)),
                _ => {
                    uncacheable.get_or_insert_with(|| format!("cannot read input {}", p.display()));
                }
            }
        }
        if let Some(reason) = uncacheable {
            return Ok(Err(reason));
        }
        let env = match &action.env {
            Some(env) => relevant_env(env),
            None => self.backend.env().to_vec(),
        };
        Ok(Ok(with_extra_inputs(
            &manifest_key(action, &source_hash, &env),
            &extra,
        )))
    }

    /// Compiles an action, from the cache when its inputs are unchanged.
    pub fn run(&self, action: &Action) -> Result<Outcome, EngineError> {
        let mkey = match self.manifest_key_of(action)? {
            Ok(mkey) => mkey,
            Err(reason) => {
                let raw = self.backend.run(action)?;
                return Ok(outcome_of(
                    raw,
                    CacheStatus::Uncacheable(reason),
                    None,
                    Vec::new(),
                ));
            }
        };
        let slot = self.inflight_slot(mkey);
        let outcome = {
            let _guard = slot.lock().unwrap_or_else(|p| p.into_inner());
            self.lookup_or_compile(action, &mkey)
        };
        self.release_slot(mkey, slot);
        outcome
    }

    fn lookup_or_compile(&self, action: &Action, mkey: &Key) -> Result<Outcome, EngineError> {
        let reason = match self.lookup(action, mkey) {
            Ok(hit) => return Ok(hit),
            Err(reason) => reason,
        };
        let started_ns = unix_ns(SystemTime::now());
        let raw = self.backend.run(action)?;
        if raw.exit_code != 0 {
            // Failures are not cached: the user is about to fix them, and a retry must show
            // the compiler's current opinion.
            return Ok(outcome_of(raw, CacheStatus::Miss(reason), None, Vec::new()));
        }
        match self.record(action, mkey, &raw, started_ns) {
            Ok((key, deps)) => Ok(outcome_of(raw, CacheStatus::Miss(reason), Some(key), deps)),
            Err(why) => {
                tracing::debug!(%why, "result not cached");
                Ok(outcome_of(
                    raw,
                    CacheStatus::Uncacheable(why),
                    None,
                    Vec::new(),
                ))
            }
        }
    }

    /// Finds a stored result whose recorded inputs all still hash the same.
    fn lookup(&self, action: &Action, mkey: &Key) -> Result<Outcome, MissReason> {
        let manifest = match self.store.get(mkey) {
            Ok(Some(bytes)) => Manifest::decode(bytes.as_slice()).map_err(|_| MissReason::New)?,
            Ok(None) => return Err(MissReason::New),
            Err(e) => {
                tracing::warn!(error = %e, "cache read failed; compiling");
                return Err(MissReason::New);
            }
        };
        let mut reason = MissReason::HeaderChanged;
        for entry in &manifest.entries {
            let unchanged = entry.deps.iter().all(|d| {
                matches!(self.hashes.hash(&action.real_path(&d.path)), Ok(Some(h)) if h[..] == d.hash[..])
            });
            if !unchanged {
                continue;
            }
            if entry.absent.iter().any(|p| action.real_path(p).exists()) {
                reason = MissReason::ShadowingHeader;
                continue;
            }
            let Some(rkey) = key_from(&entry.result_key) else {
                continue;
            };
            match self.store.get(&rkey) {
                Ok(Some(bytes)) => {
                    if let Ok(r) = StoredResult::decode(bytes.as_slice()) {
                        return Ok(Outcome {
                            exit_code: r.exit_code,
                            output: r.output,
                            stderr: r.stderr,
                            stdout: r.stdout,
                            cache: CacheStatus::Hit,
                            compile_time: Duration::ZERO,
                            saved: Duration::from_micros(r.compile_us),
                            key: Some(rkey),
                            deps: r.deps.into_iter().map(PathBuf::from).collect(),
                            raw_deps: r.raw_deps,
                        });
                    }
                    reason = MissReason::ResultMissing;
                }
                _ => reason = MissReason::ResultMissing,
            }
        }
        Err(reason)
    }

    /// Stores a successful result and adds it to the manifest; returns why not when it must not.
    fn record(
        &self,
        action: &Action,
        mkey: &Key,
        raw: &RawResult,
        started_ns: i128,
    ) -> Result<(Key, Vec<PathBuf>), String> {
        let skip: Vec<PathBuf> = [
            match &action.input {
                Input::File(p) => Some(normalize(&action.cwd.join(p))),
                Input::Text { .. } => None,
            },
            action.pch.as_ref().map(|p| p.path.clone()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let fixed_time = self.fixed_time(action);
        let mut deps: Vec<(String, [u8; 32])> = Vec::new();
        let mut paths = Vec::new();
        for d in &raw.deps {
            if d == "-" || d == "<stdin>" {
                continue;
            }
            let abs = normalize(&action.cwd.join(d));
            if skip.contains(&abs) {
                continue;
            }
            let stamp =
                Stamp::of(&abs).map_err(|e| format!("input {} vanished: {e}", abs.display()))?;
            // Like ccache: a file changed after the compile started may have been read
            // half-written, so its current hash need not describe what the compiler saw.
            if stamp.changed_ns() >= started_ns {
                return Err(format!(
                    "input {} changed during the compile",
                    abs.display()
                ));
            }
            let info = match self.hashes.info(&abs) {
                Ok(Some(i)) => i,
                _ => return Err(format!("cannot hash input {}", abs.display())),
            };
            if info.time_macros && !fixed_time {
                return Err(format!("{} uses __DATE__ or __TIME__", abs.display()));
            }
            deps.push((action.key_path(&abs), info.hash));
            paths.push(abs);
        }
        deps.sort();
        deps.dedup();
        let absent: Vec<String> = shadow_candidates(&paths, &action.search_dirs)
            .iter()
            .map(|p| action.key_path(Path::new(p)))
            .collect();
        let rkey = result_key(mkey, &deps);
        let stored = StoredResult {
            exit_code: raw.exit_code,
            output: raw.output.clone(),
            stderr: raw.stderr.clone(),
            stdout: raw.stdout.clone(),
            deps: paths.iter().map(|p| p.display().to_string()).collect(),
            compile_us: raw.elapsed.as_micros() as u64,
            raw_deps: raw.deps.clone(),
        };
        self.store
            .put(&rkey, &stored.encode_to_vec())
            .map_err(|e| format!("cache write failed: {e}"))?;
        let mut manifest = match self.store.get(mkey) {
            Ok(Some(b)) => Manifest::decode(b.as_slice()).unwrap_or_default(),
            _ => Manifest::default(),
        };
        manifest.entries.retain(|e| e.result_key[..] != rkey.0[..]);
        manifest.entries.insert(
            0,
            ManifestEntry {
                deps: deps
                    .iter()
                    .map(|(p, h)| Dep {
                        path: p.clone(),
                        hash: h.to_vec(),
                    })
                    .collect(),
                absent,
                result_key: rkey.0.to_vec(),
            },
        );
        manifest.entries.truncate(MAX_ENTRIES);
        self.store
            .put(mkey, &manifest.encode_to_vec())
            .map_err(|e| format!("cache write failed: {e}"))?;
        Ok((rkey, paths))
    }

    fn inflight_slot(&self, key: Key) -> Arc<Mutex<()>> {
        let mut map = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(key).or_default().clone()
    }

    fn release_slot(&self, key: Key, slot: Arc<Mutex<()>>) {
        let mut map = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        // Two references left (the map's and ours) means nobody else waits on this key.
        if Arc::strong_count(&slot) == 2 {
            map.remove(&key);
        }
    }

    /// The compiler's system include directories for an action (for `-MMD` depfiles).
    pub fn system_include_dirs(
        &self,
        action: &Action,
        lang: &str,
        user_dirs: &[PathBuf],
    ) -> Vec<PathBuf> {
        self.sysdirs
            .get(&action.compiler, &action.args, lang, &action.cwd, user_dirs)
    }

    /// Whether `SOURCE_DATE_EPOCH` pins `__DATE__` and `__TIME__` for this action.
    fn fixed_time(&self, action: &Action) -> bool {
        let env = action.env.as_deref().unwrap_or(self.backend.env());
        env.iter()
            .any(|(k, v)| k == "SOURCE_DATE_EPOCH" && !v.is_empty())
    }

    /// Times a closure, for callers that report phases.
    pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
        let t = Instant::now();
        let v = f();
        (v, t.elapsed())
    }
}

fn key_from(bytes: &[u8]) -> Option<Key> {
    <[u8; 32]>::try_from(bytes).ok().map(Key)
}

/// Environment variables that change what a compile produces (the others do not enter keys).
const RELEVANT_ENV: &[&str] = &[
    "CPATH",
    "C_INCLUDE_PATH",
    "CPLUS_INCLUDE_PATH",
    "OBJC_INCLUDE_PATH",
    "OBJCPLUS_INCLUDE_PATH",
    "SOURCE_DATE_EPOCH",
    "LANG",
    "LC_ALL",
    "LC_MESSAGES",
    "LC_CTYPE",
    "GCC_EXEC_PREFIX",
    "COMPILER_PATH",
    "CCC_OVERRIDE_OPTIONS",
    "SDKROOT",
    "MACOSX_DEPLOYMENT_TARGET",
    "IPHONEOS_DEPLOYMENT_TARGET",
    "GCC_COLORS",
    "GCC_COMPARE_DEBUG",
];

/// The sorted subset of an environment that enters cache keys.
pub fn relevant_env(env: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = env
        .iter()
        .filter(|(k, _)| RELEVANT_ENV.contains(&k.as_str()))
        .cloned()
        .collect();
    out.sort();
    out
}

fn outcome_of(raw: RawResult, cache: CacheStatus, key: Option<Key>, deps: Vec<PathBuf>) -> Outcome {
    Outcome {
        raw_deps: raw.deps.clone(),
        exit_code: raw.exit_code,
        output: raw.output,
        stderr: raw.stderr,
        stdout: raw.stdout,
        cache,
        compile_time: raw.elapsed,
        saved: Duration::ZERO,
        key,
        deps,
    }
}

/// `path` relative to `from` (both absolute and normalized), with `..` where needed.
pub fn relative_to(path: &Path, from: &Path) -> PathBuf {
    let path = normalize(path);
    let from = normalize(from);
    let common = path
        .components()
        .zip(from.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in from.components().skip(common) {
        out.push("..");
    }
    for c in path.components().skip(common) {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Removes `.` and `..` components lexically, so paths compare and prefix-match reliably.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Paths that did not exist at compile time but would, if created, be found before a dep.
///
/// For a dep `D/rel` under search directory `D` (position j), every earlier directory `E`
/// (position i < j) would win with `E/rel`. Recording the ones that are absent now means a
/// later lookup can refuse a hit when one appears (ccache's known gap, issue list item 4).
fn shadow_candidates(deps: &[PathBuf], search_dirs: &[PathBuf]) -> Vec<String> {
    let dirs: Vec<PathBuf> = search_dirs.iter().map(|d| normalize(d)).collect();
    let mut out = Vec::new();
    for dep in deps {
        for (j, d) in dirs.iter().enumerate() {
            let Ok(rel) = dep.strip_prefix(d) else {
                continue;
            };
            for earlier in &dirs[..j] {
                let cand = earlier.join(rel);
                if &cand != dep && !cand.exists() {
                    out.push(cand.display().to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shadow_candidates_cover_earlier_dirs_only() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(b.join("x.h"), "").unwrap();
        let c = shadow_candidates(&[b.join("x.h")], &[a.clone(), b.clone()]);
        assert_eq!(c, vec![a.join("x.h").display().to_string()]);
        let none = shadow_candidates(&[a.join("y.h")], &[a, b]);
        assert!(none.is_empty());
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(Path::new("/a/b/inc"), Path::new("/a/b/build")),
            PathBuf::from("../inc")
        );
        assert_eq!(
            relative_to(Path::new("/a/b/build/x.h"), Path::new("/a/b/build")),
            PathBuf::from("x.h")
        );
        assert_eq!(
            relative_to(Path::new("/a/b"), Path::new("/a/b")),
            PathBuf::from(".")
        );
    }

    #[test]
    fn normalize_removes_dots() {
        assert_eq!(
            normalize(Path::new("/a/./b/../c.h")),
            PathBuf::from("/a/c.h")
        );
    }
}
