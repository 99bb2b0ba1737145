//! Expands targets' source globs against the files of a project tree.
//!
//! The tree is walked once (respecting `.gitignore`, skipping hidden entries and the build
//! dir); a daemon that watches the tree can build a [`SourceTree`] from its own file list.
//! Literal paths (no glob characters) are taken as they are, even when ignored.

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobMatcher};

use crate::config::{Config, Locations, Target};
use crate::error::{Diagnostic, GraphError};
use crate::lang::Language;

/// The files of a project, relative to its root, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceTree {
    root: PathBuf,
    files: Vec<PathBuf>,
}

impl SourceTree {
    /// Walks `root`, skipping `.gitignore`d and hidden entries and `root/<build_dir>`.
    pub fn scan(root: &Path, build_dir: &str) -> Result<SourceTree, GraphError> {
        let build = root.join(build_dir);
        let mut files = Vec::new();
        for entry in walker(root)
            .filter_entry(move |e| e.path() != build)
            .build()
        {
            let entry = entry.map_err(|e| GraphError::Io {
                path: root.to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            })?;
            if entry.file_type().is_some_and(|t| t.is_file()) {
                if let Ok(rel) = entry.path().strip_prefix(root) {
                    files.push(rel.to_path_buf());
                }
            }
        }
        Ok(SourceTree::from_files(root, files))
    }

    /// A tree from a file list the caller already has (paths relative to `root`).
    pub fn from_files(root: &Path, mut files: Vec<PathBuf>) -> SourceTree {
        files.sort();
        files.dedup();
        SourceTree {
            root: root.to_path_buf(),
            files,
        }
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every file, relative to the root, sorted.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

/// The walker settings shared by source expansion and discovery.
pub(crate) fn walker(root: &Path) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        // The user's global excludes would make results differ between machines.
        .git_global(false)
        // A project inside an ignored folder (e.g. a vendored checkout) must still see its files.
        .parents(false)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b));
    builder
}

/// The result of expanding one target's `sources`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// Source files (relative to the root), sorted, without excluded ones.
    pub files: Vec<PathBuf>,
    /// Indices into `target.sources` of entries that matched no source file.
    pub unmatched: Vec<usize>,
}

/// Expands `target.sources` minus `target.exclude` against `tree`; only C, C++ and asm files count.
pub fn expand(tree: &SourceTree, target: &Target) -> Result<Expansion, GraphError> {
    let excludes = target
        .exclude
        .iter()
        .map(|g| matcher(target, g))
        .collect::<Result<Vec<_>, _>>()?;
    let excluded = |p: &Path| excludes.iter().any(|m| m.is_match(p));
    let mut files = Vec::new();
    let mut unmatched = Vec::new();
    for (i, pattern) in target.sources.iter().enumerate() {
        let before = files.len();
        let clean = pattern.strip_prefix("./").unwrap_or(pattern);
        if !has_glob_chars(clean) {
            let path = normalize(Path::new(clean));
            if tree.root.join(&path).is_file() && Language::of(&path).is_some() && !excluded(&path)
            {
                files.push(path);
            }
        } else {
            let m = matcher(target, clean)?;
            files.extend(
                tree.files
                    .iter()
                    .filter(|p| Language::of(p).is_some() && m.is_match(p) && !excluded(p))
                    .cloned(),
            );
        }
        if files.len() == before {
            unmatched.push(i);
        }
    }
    files.sort();
    files.dedup();
    Ok(Expansion { files, unmatched })
}

/// Warnings for source globs that match nothing, located at the glob.
pub(crate) fn glob_warnings(
    config: &Config,
    locations: &Locations,
    tree: &SourceTree,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for target in &config.targets {
        let Ok(expansion) = expand(tree, target) else {
            continue; // bad globs are parse errors already
        };
        for i in expansion.unmatched {
            let at = locations
                .targets
                .get(&target.name)
                .and_then(|t| t.sources.get(i))
                .cloned();
            out.push(Diagnostic::warning(
                at,
                format!(
                    "target `{}`: `{}` matches no C, C++ or assembly source",
                    target.name, target.sources[i]
                ),
            ));
        }
    }
    out
}

fn matcher(target: &Target, glob: &str) -> Result<GlobMatcher, GraphError> {
    let clean = glob.strip_prefix("./").unwrap_or(glob);
    let built: Result<Glob, _> = GlobBuilder::new(clean)
        .literal_separator(true)
        .backslash_escape(true)
        .build();
    built
        .map(|g| g.compile_matcher())
        .map_err(|e| GraphError::BadGlob {
            target: target.name.clone(),
            glob: glob.to_string(),
            message: e.kind().to_string(),
        })
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// Drops `.` components and folds `dir/..` so equal paths compare equal.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}
