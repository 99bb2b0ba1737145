//! Resolves `#include`s against the tree to find which include dirs a project needs.
//!
//! A header included as `db/db_impl.h` that lives at `src/db/db_impl.h` implies the include
//! dir `src`. Quoted includes found next to the includer need no dir at all.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::scan::{Include, Scan};
use crate::sources::normalize;

/// Standard and POSIX headers that a same-named project file must not capture.
const SYSTEM_HEADERS: &[&str] = &[
    "assert.h",
    "complex.h",
    "ctype.h",
    "errno.h",
    "fenv.h",
    "float.h",
    "inttypes.h",
    "iso646.h",
    "limits.h",
    "locale.h",
    "math.h",
    "setjmp.h",
    "signal.h",
    "stdalign.h",
    "stdarg.h",
    "stdatomic.h",
    "stdbool.h",
    "stddef.h",
    "stdint.h",
    "stdio.h",
    "stdlib.h",
    "stdnoreturn.h",
    "string.h",
    "tgmath.h",
    "threads.h",
    "time.h",
    "uchar.h",
    "wchar.h",
    "wctype.h",
    "unistd.h",
    "fcntl.h",
    "pthread.h",
    "dirent.h",
    "dlfcn.h",
    "poll.h",
    "sched.h",
    "semaphore.h",
    "strings.h",
    "termios.h",
    "syslog.h",
    "regex.h",
    "glob.h",
    "libgen.h",
    "netdb.h",
    "pwd.h",
    "grp.h",
    "utime.h",
    "alloca.h",
    "malloc.h",
    "memory.h",
    "endian.h",
    "byteswap.h",
    "execinfo.h",
    "getopt.h",
    "windows.h",
    "io.h",
];

/// System directories whose headers are never the project's own.
const SYSTEM_PREFIXES: &[&str] = &[
    "sys/", "bits/", "linux/", "asm/", "arpa/", "netinet/", "net/",
];

/// The includes of every scanned file, resolved.
#[derive(Debug, Default)]
pub(crate) struct Resolution {
    /// Per file: the files its includes resolved to.
    pub edges: Vec<Vec<usize>>,
    /// Per file: the include dirs its own includes need.
    pub dirs: Vec<BTreeSet<PathBuf>>,
    /// Includes found nowhere in the tree (file index, include); system headers left out.
    pub unresolved: Vec<(usize, Include)>,
}

impl Resolution {
    /// Every file reachable from `starts` through includes (the starts included).
    pub fn closure(&self, starts: &[usize]) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<usize> = starts.to_vec();
        while let Some(i) = stack.pop() {
            if seen.insert(i) {
                stack.extend(&self.edges[i]);
            }
        }
        seen
    }

    /// The include dirs needed to compile `starts`, following includes.
    pub fn dirs_for(&self, starts: &[usize]) -> BTreeSet<PathBuf> {
        self.closure(starts)
            .into_iter()
            .flat_map(|i| self.dirs[i].iter().cloned())
            .collect()
    }
}

/// Resolves the includes in `scans` (parallel to `files`, paths relative to the root).
pub(crate) fn resolve(files: &[PathBuf], scans: &[Scan]) -> Resolution {
    let by_path: HashMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_path(), i))
        .collect();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in files.iter().enumerate() {
        if let Some(name) = p.file_name().and_then(|n| n.to_str()) {
            by_name.entry(name).or_default().push(i);
        }
    }
    let mut res = Resolution {
        edges: vec![Vec::new(); files.len()],
        dirs: vec![BTreeSet::new(); files.len()],
        unresolved: Vec::new(),
    };
    // Includes with several candidate dirs wait until the unambiguous ones are known.
    let mut ambiguous: Vec<(usize, Vec<(PathBuf, usize)>)> = Vec::new();
    let mut required: BTreeSet<PathBuf> = BTreeSet::new();
    for (i, scan) in scans.iter().enumerate() {
        let here = files[i].parent().unwrap_or(Path::new(""));
        for inc in &scan.includes {
            let name = inc.name.strip_prefix("./").unwrap_or(&inc.name);
            if !inc.quoted && is_system(name) {
                continue;
            }
            if inc.quoted {
                let local = normalize(&here.join(name));
                if let Some(&j) = by_path.get(local.as_path()) {
                    res.edges[i].push(j);
                    continue;
                }
            }
            let spelled = normalize(Path::new(name));
            let base = spelled.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let mut candidates: Vec<(PathBuf, usize)> = by_name
                .get(base)
                .into_iter()
                .flatten()
                .filter_map(|&j| strip_suffix(&files[j], &spelled).map(|dir| (dir, j)))
                .collect();
            candidates.sort();
            candidates.dedup_by(|a, b| a.0 == b.0);
            match candidates.len() {
                0 => {
                    if !is_system(name) {
                        res.unresolved.push((i, inc.clone()));
                    }
                }
                1 => {
                    let (dir, j) = candidates.remove(0);
                    required.insert(dir.clone());
                    res.dirs[i].insert(dir);
                    res.edges[i].push(j);
                }
                _ => ambiguous.push((i, candidates)),
            }
        }
    }
    for (i, candidates) in ambiguous {
        let here = files[i].parent().unwrap_or(Path::new(""));
        // Prefer a dir already needed, else the one nearest the includer, else the shortest.
        let pick = candidates
            .iter()
            .find(|(dir, _)| required.contains(dir))
            .or_else(|| {
                candidates.iter().max_by(|a, b| {
                    common_prefix(here, &a.0)
                        .cmp(&common_prefix(here, &b.0))
                        .then_with(|| b.0.components().count().cmp(&a.0.components().count()))
                        .then_with(|| b.0.cmp(&a.0))
                })
            })
            .cloned();
        if let Some((dir, j)) = pick {
            required.insert(dir.clone());
            res.dirs[i].insert(dir);
            res.edges[i].push(j);
        }
    }
    res
}

/// Whether an angle include names a system header.
pub(crate) fn is_system(name: &str) -> bool {
    SYSTEM_HEADERS.contains(&name)
        || SYSTEM_PREFIXES.iter().any(|p| name.starts_with(p))
        || !name.contains('.') // <vector>, <cstdio>
}

/// `path` without the trailing components `suffix`, or `None` when it does not end with them.
/// The result is `.` for a suffix that is the whole path.
fn strip_suffix(path: &Path, suffix: &Path) -> Option<PathBuf> {
    if suffix
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return None;
    }
    let dir = path.to_str()?.strip_suffix(suffix.to_str()?)?;
    if dir.is_empty() {
        return Some(PathBuf::from("."));
    }
    let dir = dir.strip_suffix('/')?; // `xdb/db.h` does not end with the component `db/db.h`
    Some(PathBuf::from(dir))
}

/// How many leading components two paths share.
fn common_prefix(a: &Path, b: &Path) -> usize {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .count()
}
