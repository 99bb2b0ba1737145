//! `warmcc init`: looks at a C/C++ tree and proposes a `warmcc.toml` for it.
//!
//! The walk respects `.gitignore`; each source and header is scanned for `#include`s and a
//! `main` definition; includes are resolved against the tree to find include dirs; then
//! [`layout`] splits the sources into a library, programs and tests.

mod includes;
mod layout;
mod new;
mod scan;
mod walk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use layout::Role;
pub use new::{new_project, Template};
pub use walk::{Binary, BinaryKind};

use crate::config::{render, Config, Target, DEFAULT_BUILD_DIR};
use crate::DiscoverError;

/// Files larger than this are not scanned (generated tables, amalgamations).
const MAX_SCAN_BYTES: u64 = 4 << 20;

/// What discovery found and the config it proposes.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The directory discovered.
    pub root: PathBuf,
    /// The proposed config (only enabled targets).
    pub config: Config,
    /// The config rendered with comments, plus disabled targets commented out.
    pub toml: String,
    /// Every C, C++ and assembly source, relative to the root.
    pub sources: Vec<PathBuf>,
    /// Every header.
    pub headers: Vec<PathBuf>,
    /// What each source was taken for.
    pub roles: BTreeMap<PathBuf, Role>,
    /// Include dirs needed somewhere in the project.
    pub include_dirs: Vec<PathBuf>,
    /// Targets written commented out (e.g. tests needing an uninstalled library).
    pub disabled: Vec<Target>,
    /// Binaries already in the tree.
    pub binaries: Vec<Binary>,
    /// Files of other build systems (CMakeLists.txt, Makefile, …).
    pub build_files: Vec<PathBuf>,
    /// Includes found neither in the tree nor among known system headers: (includer, spelling).
    pub unresolved: Vec<(PathBuf, String)>,
}

/// Options for [`discover_with`].
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Project name (default: the directory's name).
    pub name: Option<String>,
    /// Where to look for installed headers of external libraries (gtest, zlib, …).
    pub system_include_dirs: Vec<PathBuf>,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            name: None,
            system_include_dirs: vec!["/usr/include".into(), "/usr/local/include".into()],
        }
    }
}

/// Discovers the project in `dir` with default options.
pub fn discover(dir: &Path) -> Result<Discovery, DiscoverError> {
    discover_with(dir, &DiscoverOptions::default())
}

/// Discovers the project in `dir`.
pub fn discover_with(dir: &Path, options: &DiscoverOptions) -> Result<Discovery, DiscoverError> {
    let walk = walk::walk(dir, DEFAULT_BUILD_DIR)?;
    if walk.sources.is_empty() {
        return Err(DiscoverError::NoSources(dir.to_path_buf()));
    }
    let name = match &options.name {
        Some(name) => name.clone(),
        None => project_name(dir),
    };
    if !crate::config::valid_name(&name) {
        return Err(DiscoverError::BadName(name));
    }
    let files: Vec<PathBuf> = walk.sources.iter().chain(&walk.headers).cloned().collect();
    let scans: Vec<scan::Scan> = files
        .iter()
        .map(|f| {
            let path = dir.join(f);
            let small = path.metadata().is_ok_and(|m| m.len() <= MAX_SCAN_BYTES);
            match std::fs::read(&path) {
                Ok(bytes) if small => scan::scan(&String::from_utf8_lossy(&bytes)),
                _ => scan::Scan::default(),
            }
        })
        .collect();
    let resolution = includes::resolve(&files, &scans);
    let facts = layout::Facts {
        root: dir,
        name: &name,
        files: &files,
        source_count: walk.sources.len(),
        scans: &scans,
        resolution: &resolution,
        all_files: &walk.all,
        system_include_dirs: &options.system_include_dirs,
    };
    let mut plan = layout::plan(&facts);
    let include_dirs: Vec<PathBuf> = resolution
        .dirs
        .iter()
        .flatten()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let unresolved: Vec<(PathBuf, String)> = resolution
        .unresolved
        .iter()
        .map(|(i, inc)| (files[*i].clone(), inc.name.clone()))
        .collect();
    plan.notes.header = header(&walk, &plan, &unresolved);
    let toml = render(&plan.config, &plan.notes);
    Ok(Discovery {
        root: dir.to_path_buf(),
        config: plan.config,
        toml,
        sources: walk.sources,
        headers: walk.headers,
        roles: plan.roles,
        include_dirs,
        disabled: plan.notes.disabled.into_iter().map(|(t, _)| t).collect(),
        binaries: walk.binaries,
        build_files: walk.build_files,
        unresolved,
    })
}

/// The directory's name made into a valid project name.
fn project_name(dir: &Path) -> String {
    let base = std::path::absolute(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches(['.', '-']).to_string();
    if cleaned.is_empty() {
        "project".to_string()
    } else {
        cleaned
    }
}

/// The comment block at the top of a discovered `warmcc.toml`.
fn header(walk: &walk::Walk, plan: &layout::Plan, unresolved: &[(PathBuf, String)]) -> Vec<String> {
    let count = |r: Role| plan.roles.values().filter(|x| **x == r).count();
    let mut lines = vec![
        "Written by `warmcc init`. Edit freely; `warmcc check` validates this file.".to_string(),
        "Keys are documented in docs/warmcc-toml.md.".to_string(),
        String::new(),
        format!(
            "Found {} sources and {} headers: {} library sources, {} program(s), {} test/benchmark/example sources.",
            walk.sources.len(),
            walk.headers.len(),
            count(Role::Library),
            count(Role::Program),
            count(Role::TestProgram) + count(Role::TestCases) + count(Role::TestSupport),
        ),
    ];
    let other: Vec<String> = plan
        .roles
        .iter()
        .filter(|(_, r)| **r == Role::OtherPlatform)
        .map(|(p, _)| layout::slash(p))
        .collect();
    if !other.is_empty() {
        lines.push(format!(
            "Left out as code for another platform: {}.",
            list(&other, 6)
        ));
    }
    if !walk.build_files.is_empty() {
        let files: Vec<String> = walk.build_files.iter().map(|p| layout::slash(p)).collect();
        lines.push(format!(
            "Other build systems here: {}. Defines and options they set (e.g. generated",
            list(&files, 6)
        ));
        lines.push("config headers, platform macros) are not imported: add them below.".into());
    }
    if !walk.binaries.is_empty() {
        let bins: Vec<String> = walk
            .binaries
            .iter()
            .map(|b| format!("{} ({})", layout::slash(&b.path), b.kind.as_str()))
            .collect();
        lines.push(format!(
            "Binaries already here (not used): {}.",
            list(&bins, 6)
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let unknown: Vec<String> = unresolved
        .iter()
        .filter(|(_, name)| seen.insert(name.clone()))
        .map(|(file, name)| format!("\"{name}\" (in {})", layout::slash(file)))
        .collect();
    if !unknown.is_empty() {
        lines.push(format!(
            "Includes not found in the tree (external, generated, or only under #if): {}.",
            list(&unknown, 8)
        ));
    }
    for (package, files) in &plan.missing {
        let files: Vec<String> = files.iter().map(|p| layout::slash(p)).collect();
        lines.push(format!(
            "Not installed: {package}, included by {}.",
            list(&files, 3)
        ));
    }
    lines
}

/// `a, b, c and 4 more`.
fn list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..max].join(", "), items.len() - max)
    }
}
