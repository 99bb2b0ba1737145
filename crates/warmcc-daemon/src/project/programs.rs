//! The programs builds run (compilers, archivers, linkers), found on PATH and remembered across
//! builds for as long as the watcher vouches that neither the PATH directories nor the program
//! changed: finding one costs a stat per PATH directory and a readlink per path component,
//! most of what a no-op build did.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use warmcc_toolchain::{Lang, Registry};

use super::log::Stamp;
use crate::mutex::lock;
use crate::watch::{Snapshot, Watcher};

/// A program as found: its path and identity (path and stamp), or why it was not found.
pub type Program = Result<(PathBuf, String), String>;

/// A program found earlier, and what must stay unchanged for it to hold.
struct Found {
    program: (PathBuf, String),
    /// The generation after which `paths` are checked.
    gen: u64,
    /// PATH directories (or, where one is missing, the path it would be at), the program and
    /// the real file behind it.
    paths: Vec<PathBuf>,
}

/// Programs found by earlier builds, by name and PATH.
#[derive(Default)]
pub struct Programs {
    found: Mutex<HashMap<(String, Option<String>), Found>>,
    /// Searches made (not answered from memory).
    searches: std::sync::atomic::AtomicU64,
}

impl Programs {
    fn found(&self) -> MutexGuard<'_, HashMap<(String, Option<String>), Found>> {
        lock(&self.found)
    }

    /// Finds `name` on `path_env`, reusing an earlier answer the watcher vouches for (only
    /// with a snapshot: without one nothing is trusted).
    pub fn find(
        &self,
        registry: &Registry,
        watcher: &Watcher,
        snap: Option<Snapshot>,
        name: &str,
        path_env: Option<&str>,
    ) -> Program {
        let key = (name.to_string(), path_env.map(str::to_string));
        if snap.is_some() {
            if let Some(f) = self.found().get(&key) {
                let view = watcher.view();
                if f.paths.iter().all(|p| view.unchanged(p, f.gen)) {
                    return Ok(f.program.clone());
                }
            }
        }
        // Watch before looking: a change made while looking is then newer than `gen`.
        let dirs = path_dirs(path_env);
        let watched = snap.is_some()
            && dirs
                .iter()
                .all(|d| d.is_absolute() && watch_dir_or_parent(watcher, d));
        let gen = watcher.view().gen();
        self.searches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let program = resolve(registry, name, path_env)?;
        if watched {
            let real = std::fs::canonicalize(&program.0).unwrap_or_else(|_| program.0.clone());
            let parents_watched = [&program.0, &real]
                .iter()
                .all(|p| p.parent().is_some_and(|d| watcher.watch(d, false)));
            if parents_watched {
                let mut paths = dirs;
                paths.push(program.0.clone());
                paths.push(real);
                self.found().insert(
                    key,
                    Found {
                        program: program.clone(),
                        gen,
                        paths,
                    },
                );
            }
        }
        Ok(program)
    }
}

/// Watches a PATH directory, or where it is missing its parent (which sees it appear).
fn watch_dir_or_parent(watcher: &Watcher, dir: &Path) -> bool {
    if dir.is_dir() {
        watcher.watch(dir, false)
    } else {
        dir.parent()
            .is_some_and(|p| p.is_dir() && watcher.watch(p, false))
    }
}

fn path_dirs(path_env: Option<&str>) -> Vec<PathBuf> {
    let path = path_env
        .map(std::ffi::OsString::from)
        .or_else(|| std::env::var_os("PATH"))
        .unwrap_or_default();
    std::env::split_paths(&path).collect()
}

/// Finds a program: compilers through the registry (a generic `clang`/`cc` name falls back to
/// the newest clang, as `warmcc compile` does), other tools on PATH (`llvm-ar` also as
/// `llvm-ar-19`).
fn resolve(registry: &Registry, name: &str, path_env: Option<&str>) -> Program {
    let path_env = path_env.map(std::ffi::OsStr::new);
    let found = match name {
        "clang" | "cc" | "gcc" | "clang++" | "c++" | "g++" => {
            let lang = if name.ends_with("++") {
                Lang::Cxx
            } else {
                Lang::C
            };
            registry
                .find(name, path_env)
                .or_else(|_| registry.default_for(lang, path_env))
                .map(|c| c.path.clone())
                .map_err(|e| e.to_string())
        }
        _ if name.contains("clang") || name.contains("gcc") || name.contains("g++") => registry
            .find(name, path_env)
            .map(|c| c.path.clone())
            .map_err(|e| e.to_string()),
        _ => {
            let candidates = [name.to_string(), format!("{name}-19")];
            candidates
                .iter()
                .find_map(|n| which(n, path_env))
                .ok_or_else(|| format!("`{name}` not found on PATH"))
        }
    }?;
    let identity = format!("{:?}", Stamp::of(&found));
    Ok((found, identity))
}

fn which(name: &str, path_env: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let path = path_env
        .map(|p| p.to_os_string())
        .or_else(|| std::env::var_os("PATH"))?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| {
            std::fs::metadata(p)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    fn tool(path: &Path, body: &str) {
        std::fs::write(path, body).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn remembered_until_path_or_program_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let (early, late) = (root.join("early"), root.join("late"));
        std::fs::create_dir(&late).unwrap();
        tool(&late.join("wtool"), "#!/bin/sh\n");
        // `early` comes first on PATH but does not exist yet.
        let path = format!("{}:{}", early.display(), late.display());
        let (reg, w, p) = (Registry::new(None), Watcher::new(), Programs::default());
        let find = || p.find(&reg, &w, w.sync(), "wtool", Some(&path)).unwrap();

        assert_eq!(find().0, late.join("wtool"));
        assert_eq!(find().0, late.join("wtool"));
        assert_eq!(
            p.searches.load(Ordering::Relaxed),
            1,
            "the second find is remembered"
        );

        std::fs::create_dir(&early).unwrap();
        tool(&early.join("wtool"), "#!/bin/sh\n");
        assert_eq!(
            find().0,
            early.join("wtool"),
            "a program earlier on PATH wins"
        );
        let identity = find().1;
        let searches = p.searches.load(Ordering::Relaxed);

        tool(&early.join("wtool"), "#!/bin/sh\nexit 0\n");
        assert_ne!(find().1, identity, "a rewritten program is a new identity");
        assert_eq!(p.searches.load(Ordering::Relaxed), searches + 1);

        // Without a snapshot nothing is trusted.
        p.find(&reg, &w, None, "wtool", Some(&path)).unwrap();
        assert_eq!(p.searches.load(Ordering::Relaxed), searches + 2);
    }
}
