//! `warmcc check`: what would stop a project from building, found without building it.

use std::path::Path;

use crate::config::{Lto, Project, TargetKind};
use crate::error::{Diagnostic, Location};
use crate::graph::compile::{DEFAULT_CC, DEFAULT_CXX};
use crate::lang::Language;
use crate::sources::{expand, SourceTree};

/// Answers whether a tool (compiler, linker, archiver) can be run, given its configured name.
///
/// For the default compilers the name is `clang` / `clang++`; a caller that resolves
/// those to the newest installed clang should answer accordingly.
pub trait ToolProbe {
    /// Whether `program` is available.
    fn available(&self, program: &str) -> bool;
}

impl<F: Fn(&str) -> bool> ToolProbe for F {
    fn available(&self, program: &str) -> bool {
        self(program)
    }
}

/// Whether `program` is a path to an executable or an executable on `PATH`.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return executable(Path::new(program));
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(program))))
}

/// Every problem with `project`: its load warnings, missing sources and include dirs,
/// dependency cycles, bad profiles and tools `probe` cannot find. Errors come first.
pub fn check(project: &Project, probe: &dyn ToolProbe) -> Vec<Diagnostic> {
    let config = &project.config;
    let mut out = project.warnings.clone();
    let tree = match SourceTree::scan(&project.root, &config.build_dir) {
        Ok(tree) => tree,
        Err(e) => {
            out.push(Diagnostic::error(None, e.to_string()));
            return out;
        }
    };
    let mut languages = Vec::new();
    for target in &config.targets {
        let locs = project.locations.targets.get(&target.name);
        match expand(&tree, target) {
            Ok(expansion) => {
                if expansion.files.is_empty() && target.kind != TargetKind::Objects {
                    out.push(Diagnostic::error(
                        locs.map(|l| l.name.clone()),
                        format!("target `{}` has no source files", target.name),
                    ));
                }
                languages.extend(expansion.files.iter().filter_map(|f| Language::of(f)));
            }
            Err(e) => out.push(Diagnostic::error(
                locs.map(|l| l.table.clone()),
                e.to_string(),
            )),
        }
        for (dirs, at) in [
            (&target.include_dirs, locs.map(|l| &l.include_dirs)),
            (
                &target.public_include_dirs,
                locs.map(|l| &l.public_include_dirs),
            ),
        ] {
            for (i, dir) in dirs.iter().enumerate() {
                if !project.root.join(dir).is_dir() {
                    out.push(Diagnostic::error(
                        at.and_then(|a| a.get(i)).cloned(),
                        format!(
                            "target `{}`: include dir `{dir}` does not exist",
                            target.name
                        ),
                    ));
                }
            }
        }
    }
    if let Some(cycle) = crate::graph::order::find_cycle(&config.targets) {
        out.push(Diagnostic::error(
            Some(Location::file(&project.file)),
            format!("dependency cycle between targets: {}", cycle.join(" -> ")),
        ));
    }
    let mut thin = false;
    for name in config.profile_names() {
        match config.profile(&name) {
            Ok(p) => thin |= p.lto == Lto::Thin,
            Err(e) => out.push(Diagnostic::error(
                Some(Location::file(&project.file)),
                e.to_string(),
            )),
        }
    }
    let tools = &config.toolchain;
    let at = |key: &str| {
        project
            .locations
            .toolchain
            .get(key)
            .cloned()
            .or_else(|| Some(Location::file(&project.file)))
    };
    let mut wanted: Vec<(&str, String)> = Vec::new();
    if languages.iter().any(|l| *l != Language::Cxx) {
        wanted.push(("cc", tools.cc.clone().unwrap_or_else(|| DEFAULT_CC.into())));
    }
    if languages.contains(&Language::Cxx) {
        wanted.push((
            "cxx",
            tools.cxx.clone().unwrap_or_else(|| DEFAULT_CXX.into()),
        ));
    }
    if config
        .targets
        .iter()
        .any(|t| t.kind == TargetKind::StaticLibrary)
    {
        let default = if thin { "llvm-ar" } else { "ar" };
        wanted.push(("ar", tools.ar.clone().unwrap_or_else(|| default.into())));
    }
    let linker = tools
        .linker
        .clone()
        .or_else(|| thin.then(|| "lld".to_string()));
    if let Some(linker) = linker {
        // `-fuse-ld=NAME` makes the driver run `ld.NAME` unless NAME is a path.
        let program = if linker.contains('/') {
            linker
        } else {
            format!("ld.{linker}")
        };
        wanted.push(("linker", program));
    }
    for (key, program) in wanted {
        if !probe.available(&program) {
            out.push(Diagnostic::error(
                at(key),
                format!("`{program}` ({key}) not found on PATH"),
            ));
        }
    }
    out.sort_by_key(|d| !d.is_error());
    out
}
