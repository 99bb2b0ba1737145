//! Recognises compiler names and looks them up on `PATH`.

use std::collections::HashSet;
use std::env;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::compiler::Lang;

/// Which driver a program name belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// `clang`, `clang-N`, `clang++`, `clang++-N`, `<triple>-clang[++]`.
    Clang,
    /// `gcc`, `gcc-N`, `g++`, `g++-N`, `<triple>-gcc[-N]`, `<triple>-g++[-N]`.
    Gcc,
    /// `cc`, `c++`: whatever the system chose.
    Generic,
}

/// What a program name says about the compiler behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NameInfo {
    pub family: Family,
    pub lang: Lang,
    /// The major version in the name (`clang-19` → 19), if any.
    pub version: Option<u32>,
    /// The target prefix (`aarch64-linux-gnu-g++` → `aarch64-linux-gnu`), if any.
    pub triple: Option<String>,
}

/// Recognises compiler driver names, and only those: `clang-format-19`, `gcc-ar` and
/// `x86_64-linux-gnu-gcc-nm-12` share prefixes with compilers but are not compilers.
pub(crate) fn classify(name: &str) -> Option<NameInfo> {
    let (stem, version) = split_version(name);
    let (family, lang) = match stem {
        "cc" | "c++" if version.is_none() => {
            return Some(NameInfo {
                family: Family::Generic,
                lang: Lang::of_driver_name(stem),
                version: None,
                triple: None,
            })
        }
        "clang" => (Family::Clang, Lang::C),
        "clang++" => (Family::Clang, Lang::Cxx),
        "gcc" => (Family::Gcc, Lang::C),
        "g++" => (Family::Gcc, Lang::Cxx),
        _ => {
            let (triple, tool) = stem.rsplit_once('-')?;
            let (family, lang) = match tool {
                "clang" => (Family::Clang, Lang::C),
                "clang++" => (Family::Clang, Lang::Cxx),
                "gcc" => (Family::Gcc, Lang::C),
                "g++" => (Family::Gcc, Lang::Cxx),
                _ => return None,
            };
            if !looks_like_triple(triple) {
                return None;
            }
            return Some(NameInfo {
                family,
                lang,
                version,
                triple: Some(triple.to_string()),
            });
        }
    };
    Some(NameInfo {
        family,
        lang,
        version,
        triple: None,
    })
}

/// Splits a trailing `-N` or `-N.M` version (`clang-19`, `gcc-4.9`) from a name.
fn split_version(name: &str) -> (&str, Option<u32>) {
    if let Some((stem, suffix)) = name.rsplit_once('-') {
        let mut parts = suffix.split('.');
        let major = parts.next().and_then(|p| p.parse::<u32>().ok());
        let rest_ok = parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if let (Some(major), true) = (major, rest_ok) {
            if suffix.as_bytes()[0].is_ascii_digit() && !stem.is_empty() {
                return (stem, Some(major));
            }
        }
    }
    (name, None)
}

/// A target prefix has at least two dash-separated parts and starts with an architecture name.
fn looks_like_triple(triple: &str) -> bool {
    let parts: Vec<&str> = triple.split('-').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        })
        && parts[0].as_bytes()[0].is_ascii_alphabetic()
        // `clang-cpp`-style tools and `gcc-ar` are excluded by the tool match; this excludes
        // names like `clang-tidy-clang` whose "triple" starts with a tool name.
        && !matches!(parts[0], "clang" | "gcc" | "g++" | "llvm")
}

/// The directories of a `PATH` value (or the process's), made absolute; an empty entry means the
/// current directory, as for the shell.
pub(crate) fn path_dirs(path_env: Option<&OsStr>) -> Vec<PathBuf> {
    let owned;
    let value = match path_env {
        Some(v) => v,
        None => {
            owned = env::var_os("PATH").unwrap_or_default();
            owned.as_os_str()
        }
    };
    let cwd = env::current_dir().ok();
    env::split_paths(value)
        .filter_map(|dir| {
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            if dir.is_absolute() {
                Some(dir)
            } else {
                cwd.as_ref().map(|cwd| cwd.join(dir))
            }
        })
        .collect()
}

/// Finds `name` on `PATH` as the shell would, except that compiler wrappers are skipped: running
/// ccache (or warmcc itself) as "the compiler" would identify the wrong file or recurse.
pub(crate) fn which(name: &str, path_env: Option<&OsStr>) -> Option<PathBuf> {
    path_dirs(path_env).into_iter().find_map(|dir| {
        let candidate = dir.join(name);
        if !is_executable(&candidate) {
            return None;
        }
        if let Some(wrapper) = wrapper_name(&candidate) {
            tracing::debug!(path = %candidate.display(), wrapper, "skipping compiler wrapper on PATH");
            return None;
        }
        Some(candidate)
    })
}

/// A compiler-looking executable on `PATH`.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub name: String,
    pub path: PathBuf,
    pub info: NameInfo,
}

/// Every compiler-named executable on `PATH`, in `PATH` order, without wrappers and without
/// repeats of the same (name, real file) reached through several directories.
pub(crate) fn scan(path_env: Option<&OsStr>) -> Vec<Candidate> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for dir in path_dirs(path_env) {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        // read_dir order is arbitrary; sorting keeps results reproducible.
        names.sort();
        for name in names {
            let Some(info) = classify(&name) else {
                continue;
            };
            let path = dir.join(&name);
            if !is_executable(&path) || wrapper_name(&path).is_some() {
                continue;
            }
            let Ok(resolved) = fs::canonicalize(&path) else {
                continue;
            };
            if seen.insert((name.clone(), resolved)) {
                found.push(Candidate { name, path, info });
            }
        }
    }
    found
}

/// Executables that pose as compilers but forward to one.
const WRAPPERS: &[&str] = &[
    "ccache",
    "sccache",
    "distcc",
    "icecc",
    "buildcache",
    "warmcc",
];

/// The wrapper's name if `path` is really ccache, sccache, distcc, … or this very program.
pub(crate) fn wrapper_name(path: &Path) -> Option<String> {
    let resolved = fs::canonicalize(path).ok()?;
    let file = resolved.file_name()?.to_string_lossy().into_owned();
    if WRAPPERS.contains(&file.as_str()) {
        return Some(file);
    }
    static SELF_EXE: OnceLock<Option<PathBuf>> = OnceLock::new();
    let own = SELF_EXE.get_or_init(|| {
        env::current_exe()
            .ok()
            .and_then(|p| fs::canonicalize(p).ok())
    });
    (own.as_deref() == Some(resolved.as_path())).then_some(file)
}

/// A regular file (after symlinks) that someone may execute.
pub(crate) fn is_executable(path: &Path) -> bool {
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(family: Family, lang: Lang, version: Option<u32>, triple: Option<&str>) -> NameInfo {
        NameInfo {
            family,
            lang,
            version,
            triple: triple.map(str::to_string),
        }
    }

    #[test]
    fn classifies_compiler_names() {
        use Family::*;
        use Lang::*;
        let cases = [
            ("clang", info(Clang, C, None, None)),
            ("clang-19", info(Clang, C, Some(19), None)),
            ("clang++", info(Clang, Cxx, None, None)),
            ("clang++-19", info(Clang, Cxx, Some(19), None)),
            ("clang-3.9", info(Clang, C, Some(3), None)),
            ("gcc", info(Gcc, C, None, None)),
            ("gcc-12", info(Gcc, C, Some(12), None)),
            ("g++-12", info(Gcc, Cxx, Some(12), None)),
            ("cc", info(Generic, C, None, None)),
            ("c++", info(Generic, Cxx, None, None)),
            (
                "aarch64-linux-gnu-g++",
                info(Gcc, Cxx, None, Some("aarch64-linux-gnu")),
            ),
            (
                "x86_64-linux-gnu-gcc-12",
                info(Gcc, C, Some(12), Some("x86_64-linux-gnu")),
            ),
            (
                "aarch64-linux-android21-clang++",
                info(Clang, Cxx, None, Some("aarch64-linux-android21")),
            ),
        ];
        for (name, want) in cases {
            assert_eq!(classify(name), Some(want), "{name}");
        }
        for name in [
            "clang-format",
            "clang-format-19",
            "clang-apply-replacements-19",
            "clang-cpp-19",
            "clang-cl",
            "gcc-ar",
            "gcc-ar-12",
            "x86_64-linux-gnu-gcc-nm-12",
            "cc-12",
            "c99",
            "gcc-",
            "-gcc",
            "linux-gcc",
            "clang-19-gcc",
            "llvm-config-19",
            "g++-12.x",
        ] {
            assert_eq!(classify(name), None, "{name}");
        }
    }

    #[test]
    fn path_dirs_are_absolute() {
        let dirs = path_dirs(Some(OsStr::new("/usr/bin::rel")));
        assert_eq!(dirs[0], Path::new("/usr/bin"));
        assert!(dirs.iter().all(|d| d.is_absolute()), "{dirs:?}");
        assert_eq!(dirs.len(), 3);
    }
}
