//! Walks a tree for discovery and sorts what it finds: sources, headers, build files, binaries.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::lang::{is_header, Language};
use crate::DiscoverError;

/// A binary found in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    /// Path relative to the root.
    pub path: PathBuf,
    /// What its magic bytes say it is.
    pub kind: BinaryKind,
}

/// Kinds of binaries recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryKind {
    /// ELF executable (including position-independent ones).
    Executable,
    /// ELF shared object.
    SharedLibrary,
    /// `ar` archive.
    StaticLibrary,
    /// ELF relocatable object.
    Object,
}

impl BinaryKind {
    /// A short description for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryKind::Executable => "executable",
            BinaryKind::SharedLibrary => "shared library",
            BinaryKind::StaticLibrary => "static library",
            BinaryKind::Object => "object file",
        }
    }
}

/// The files of a tree, sorted into kinds (all paths relative to the root, sorted).
#[derive(Debug, Default)]
pub(crate) struct Walk {
    pub sources: Vec<PathBuf>,
    pub headers: Vec<PathBuf>,
    pub build_files: Vec<PathBuf>,
    pub binaries: Vec<Binary>,
    /// Every file seen (for glob checks).
    pub all: Vec<PathBuf>,
}

/// Files that mean another build system is here.
const BUILD_FILES: &[&str] = &[
    "CMakeLists.txt",
    "Makefile",
    "makefile",
    "GNUmakefile",
    "meson.build",
    "configure",
    "configure.ac",
    "configure.in",
    "BUILD",
    "BUILD.bazel",
    "SConstruct",
    "premake5.lua",
    "build.zig",
];

/// Walks `root` (respecting `.gitignore`, skipping hidden entries, `root/<build_dir>` and
/// directories that hold another build system's output).
pub(crate) fn walk(root: &Path, build_dir: &str) -> Result<Walk, DiscoverError> {
    let own_build = root.join(build_dir);
    let root_owned = root.to_path_buf();
    let mut out = Walk::default();
    let walker = crate::sources::walker(root)
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && (e.path() == own_build || (e.path() != root_owned && is_build_output(e.path()))))
        })
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| DiscoverError::Io {
            path: root.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_path_buf();
        let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if Language::of(&rel).is_some() {
            out.sources.push(rel.clone());
        } else if is_header(&rel) {
            out.headers.push(rel.clone());
        } else if BUILD_FILES.contains(&name) {
            out.build_files.push(rel.clone());
        } else if let Some(kind) = binary_kind(entry.path()) {
            out.binaries.push(Binary {
                path: rel.clone(),
                kind,
            });
        }
        out.all.push(rel);
    }
    Ok(out)
}

/// Whether `dir` holds a CMake or Ninja build (its generated sources are not the project's).
fn is_build_output(dir: &Path) -> bool {
    ["CMakeCache.txt", "build.ninja", ".ninja_log"]
        .iter()
        .any(|f| dir.join(f).is_file())
}

/// The kind of binary `path` is, by its first bytes.
fn binary_kind(path: &Path) -> Option<BinaryKind> {
    let mut head = [0u8; 18];
    let mut file = std::fs::File::open(path).ok()?;
    let n = file.read(&mut head).ok()?;
    if n >= 8 && &head[..8] == b"!<arch>\n" {
        return Some(BinaryKind::StaticLibrary);
    }
    if n < 18 || &head[..4] != b"\x7fELF" {
        return None;
    }
    // e_type sits at offset 16, in the byte order named at offset 5 (1 = little endian).
    let e_type = if head[5] == 2 {
        u16::from_be_bytes([head[16], head[17]])
    } else {
        u16::from_le_bytes([head[16], head[17]])
    };
    let name = path.file_name()?.to_string_lossy();
    match e_type {
        1 => Some(BinaryKind::Object),
        2 => Some(BinaryKind::Executable),
        // ET_DYN is both shared libraries and PIE executables; the name tells them apart.
        3 if name.contains(".so") => Some(BinaryKind::SharedLibrary),
        3 => Some(BinaryKind::Executable),
        _ => None,
    }
}
