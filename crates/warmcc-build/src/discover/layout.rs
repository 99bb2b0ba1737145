//! Decides the targets of a discovered project: one library, one program per `main`,
//! tests and benchmarks apart, and the include dirs and libraries each one needs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::includes::Resolution;
use super::scan::Scan;
use crate::config::{Config, RenderNotes, Target, TargetKind};
use crate::sources::{expand, SourceTree};

/// What a source file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Part of the project's library.
    Library,
    /// Defines `main`: a program of its own.
    Program,
    /// A test, benchmark or example that defines `main`.
    TestProgram,
    /// Test cases without `main` (e.g. googletest files linked with `gtest_main`).
    TestCases,
    /// Test support code without `main` (e.g. `testutil.cc`).
    TestSupport,
    /// Code for another platform (Windows, macOS), left out.
    OtherPlatform,
}

/// External libraries recognised by the headers that use them: (header or prefix, package, libs).
const EXTERNALS: &[(&str, &str, &[&str])] = &[
    ("gmock/", "googlemock (libgmock-dev)", &["gmock"]),
    ("gtest/", "googletest (libgtest-dev)", &["gtest"]),
    (
        "benchmark/",
        "google benchmark (libbenchmark-dev)",
        &["benchmark"],
    ),
    ("sqlite3.h", "sqlite3 (libsqlite3-dev)", &["sqlite3"]),
    (
        "kcpolydb.h",
        "kyotocabinet (libkyotocabinet-dev)",
        &["kyotocabinet"],
    ),
    ("zlib.h", "zlib (zlib1g-dev)", &["z"]),
    ("snappy.h", "snappy (libsnappy-dev)", &["snappy"]),
    ("zstd.h", "zstd (libzstd-dev)", &["zstd"]),
    ("lz4.h", "lz4 (liblz4-dev)", &["lz4"]),
    ("crc32c/", "crc32c (libcrc32c-dev)", &["crc32c"]),
    ("readline/", "readline (libreadline-dev)", &["readline"]),
    ("openssl/", "openssl (libssl-dev)", &["ssl", "crypto"]),
    ("curl/", "curl (libcurl4-openssl-dev)", &["curl"]),
];

/// System headers whose functions live in a library of their own on some libcs.
const SYSTEM_LIBS: &[(&str, &str)] = &[
    ("math.h", "m"),
    ("complex.h", "m"),
    ("tgmath.h", "m"),
    ("dlfcn.h", "dl"),
    ("pthread.h", "pthread"),
];

/// Everything the planner needs to know about the tree.
pub(crate) struct Facts<'a> {
    pub root: &'a Path,
    pub name: &'a str,
    /// Sources then headers, relative to the root.
    pub files: &'a [PathBuf],
    /// How many of `files` are sources (they come first).
    pub source_count: usize,
    pub scans: &'a [Scan],
    pub resolution: &'a Resolution,
    pub all_files: &'a [PathBuf],
    /// Where installed headers of external libraries are looked for.
    pub system_include_dirs: &'a [PathBuf],
}

/// The planned project.
pub(crate) struct Plan {
    pub config: Config,
    pub notes: RenderNotes,
    pub roles: BTreeMap<PathBuf, Role>,
    /// Externals needed but not installed, with the files that need them.
    pub missing: BTreeMap<&'static str, BTreeSet<PathBuf>>,
}

/// A target being assembled, with the file indices it compiles.
struct Draft {
    target: Target,
    files: Vec<usize>,
    notes: Vec<String>,
    /// Why it is written commented out, if it is.
    disabled: Option<String>,
    test: bool,
}

pub(crate) fn plan(f: &Facts) -> Plan {
    let sources: Vec<usize> = (0..f.source_count).collect();
    let mut roles = BTreeMap::new();
    for &i in &sources {
        roles.insert(
            f.files[i].clone(),
            role(&f.files[i], f.scans[i].defines_main),
        );
    }
    let of = |r: Role| -> Vec<usize> {
        sources
            .iter()
            .copied()
            .filter(|&i| roles[&f.files[i]] == r)
            .collect()
    };
    let (lib_files, programs, test_programs, cases, support) = (
        of(Role::Library),
        of(Role::Program),
        of(Role::TestProgram),
        of(Role::TestCases),
        of(Role::TestSupport),
    );

    // Names: programs by file stem; on a clash, prefix the parent dir.
    let mut names: BTreeMap<usize, String> = BTreeMap::new();
    let stems: Vec<(usize, String)> = programs
        .iter()
        .chain(&test_programs)
        .map(|&i| (i, program_name(&f.files[i])))
        .collect();
    for (i, s) in &stems {
        let clash = stems.iter().filter(|(_, t)| t == s).count() > 1;
        let name = if clash {
            path_name(&f.files[*i])
        } else {
            s.clone()
        };
        names.insert(*i, name);
    }
    let taken: BTreeSet<&String> = names.values().collect();
    let (lib_name, lib_output) = if taken.contains(&f.name.to_string()) {
        (format!("lib{}", f.name), Some(f.name.to_string()))
    } else {
        (f.name.to_string(), None)
    };

    let mut drafts: Vec<Draft> = Vec::new();
    let mut missing: BTreeMap<&'static str, BTreeSet<PathBuf>> = BTreeMap::new();
    let has_lib = !lib_files.is_empty();
    if has_lib {
        let mut t = Target::new(&lib_name, TargetKind::StaticLibrary);
        t.output_name = lib_output;
        (t.sources, t.exclude) = lib_globs(f, &lib_files, &roles);
        drafts.push(Draft {
            target: t,
            files: lib_files.clone(),
            notes: vec![
                "The library: every source that defines no main() and is not a test.".into(),
            ],
            disabled: None,
            test: false,
        });
    }
    let support_name = format!("{}-test-support", f.name);
    if !support.is_empty() {
        let mut t = Target::new(&support_name, TargetKind::Objects);
        t.sources = support.iter().map(|&i| slash(&f.files[i])).collect();
        t.deps = has_lib.then(|| lib_name.clone()).into_iter().collect();
        drafts.push(Draft {
            target: t,
            files: support.clone(),
            notes: vec!["Test support code shared by the tests and benchmarks.".into()],
            disabled: None,
            test: true,
        });
    }
    for &i in &programs {
        let mut t = Target::new(&names[&i], TargetKind::Executable);
        t.sources = vec![slash(&f.files[i])];
        t.deps = has_lib.then(|| lib_name.clone()).into_iter().collect();
        drafts.push(Draft {
            target: t,
            files: vec![i],
            notes: vec![format!("Program: {} defines main().", slash(&f.files[i]))],
            disabled: None,
            test: false,
        });
    }
    let test_deps = |with_support: bool| -> Vec<String> {
        let mut deps: Vec<String> = has_lib.then(|| lib_name.clone()).into_iter().collect();
        if with_support && !support.is_empty() {
            deps.push(support_name.clone());
        }
        deps
    };
    for &i in &test_programs {
        let mut t = Target::new(&names[&i], TargetKind::Executable);
        t.sources = vec![slash(&f.files[i])];
        t.deps = test_deps(true);
        let what = test_kind(&f.files[i]);
        drafts.push(Draft {
            target: t,
            files: vec![i],
            notes: vec![format!(
                "{what} (not part of the product): {} defines main().",
                slash(&f.files[i])
            )],
            disabled: None,
            test: true,
        });
    }
    if !cases.is_empty() {
        let mut t = Target::new(format!("{}-tests", f.name), TargetKind::Executable);
        t.sources = cases.iter().map(|&i| slash(&f.files[i])).collect();
        t.deps = test_deps(true);
        drafts.push(Draft {
            target: t,
            files: cases.clone(),
            notes: vec!["Test cases without main(), linked into one test program.".into()],
            disabled: None,
            test: true,
        });
    }

    // Libraries: externals found in each target's include closure, and libm & co.
    // What a dep's files include is the dep's business (and its link_libs propagate).
    let lib_closure = f.resolution.closure(&lib_files);
    let support_closure = &f.resolution.closure(&support) | &lib_closure;
    for d in &mut drafts {
        let mut closure = f.resolution.closure(&d.files);
        if d.target.deps.contains(&support_name) {
            closure = &closure - &support_closure;
        } else if d.target.deps.contains(&lib_name) {
            closure = &closure - &lib_closure;
        }
        let mut libs: Vec<String> = Vec::new();
        let mut needs: Vec<String> = Vec::new();
        for &(file, ref inc) in &f.resolution.unresolved {
            if !closure.contains(&file) {
                continue;
            }
            let Some(&(_, package, ext_libs)) = EXTERNALS
                .iter()
                .find(|(h, _, _)| inc.name == *h || (h.ends_with('/') && inc.name.starts_with(h)))
            else {
                continue;
            };
            let installed = f
                .system_include_dirs
                .iter()
                .any(|dir| dir.join(&inc.name).is_file());
            if installed {
                libs.extend(ext_libs.iter().map(|s| s.to_string()));
            } else {
                missing
                    .entry(package)
                    .or_default()
                    .insert(f.files[file].clone());
                if !needs.contains(&package.to_string()) {
                    needs.push(package.to_string());
                }
            }
        }
        for &file in &closure {
            for inc in &f.scans[file].includes {
                if let Some((_, lib)) = SYSTEM_LIBS.iter().find(|(h, _)| inc.name == *h) {
                    if !inc.quoted {
                        libs.push(lib.to_string());
                    }
                }
            }
        }
        if d.target.name.ends_with("-tests") && libs.iter().any(|l| l == "gtest") {
            libs.insert(0, "gtest_main".into());
        }
        let mut seen = BTreeSet::new();
        libs.retain(|l| seen.insert(l.clone()));
        d.target.link_libs = libs;
        if !needs.is_empty() {
            let line = format!(
                "Includes headers of {} (not installed here; maybe only under #if).",
                needs.join(", ")
            );
            if d.test {
                d.disabled = Some(format!(
                    "Disabled: needs {}. Install it and uncomment.",
                    needs.join(", ")
                ));
            } else {
                d.notes.push(line);
            }
        }
    }
    // A test whose support code is disabled cannot build either.
    let support_disabled = drafts
        .iter()
        .any(|d| d.target.name == support_name && d.disabled.is_some());
    if support_disabled {
        for d in &mut drafts {
            if d.target.deps.contains(&support_name) && d.disabled.is_none() {
                d.disabled = Some(format!("Disabled: needs `{support_name}`, disabled above."));
            }
        }
    }

    // Include dirs: the library's are public when anything else needs them too.
    let dirs: Vec<BTreeSet<PathBuf>> = drafts
        .iter()
        .map(|d| f.resolution.dirs_for(&d.files))
        .collect();
    let mut inherited: BTreeSet<PathBuf> = BTreeSet::new();
    if has_lib {
        let others: BTreeSet<&PathBuf> = dirs[1..].iter().flatten().collect();
        let lib = &mut drafts[0].target;
        for dir in &dirs[0] {
            let public = others.contains(dir) || dir.file_name().is_some_and(|n| n == "include");
            if public {
                lib.public_include_dirs.push(slash(dir));
                inherited.insert(dir.clone());
            } else {
                lib.include_dirs.push(slash(dir));
            }
        }
    }
    let support_dirs: BTreeSet<PathBuf> = drafts
        .iter()
        .zip(&dirs)
        .find(|(d, _)| d.target.name == support_name)
        .map(|(_, s)| s - &inherited)
        .unwrap_or_default();
    for (d, needed) in drafts.iter_mut().zip(&dirs) {
        if has_lib && d.target.name == lib_name {
            continue;
        }
        if d.target.name == support_name {
            d.target.public_include_dirs = support_dirs.iter().map(|p| slash(p)).collect();
            continue;
        }
        let mut own = needed - &inherited;
        if d.target.deps.contains(&support_name) {
            own = &own - &support_dirs;
        }
        d.target.include_dirs = own.iter().map(|p| slash(p)).collect();
    }

    let mut config = Config::new(f.name);
    let mut notes = RenderNotes::default();
    for d in drafts {
        match d.disabled {
            Some(why) => {
                let mut lines = d.notes;
                lines.push(why);
                notes.disabled.push((d.target, lines));
            }
            None => {
                notes.targets.insert(d.target.name.clone(), d.notes);
                config.targets.push(d.target);
            }
        }
    }
    Plan {
        config,
        notes,
        roles,
        missing,
    }
}

/// What a source is for, from its path and whether it defines `main`.
pub(crate) fn role(path: &Path, defines_main: bool) -> Role {
    if other_platform(path) {
        return Role::OtherPlatform;
    }
    let test = is_test(path);
    match (test, defines_main) {
        (false, false) => Role::Library,
        (false, true) => Role::Program,
        (true, true) => Role::TestProgram,
        (true, false) => {
            let stem = stem(path).to_ascii_lowercase();
            if stem.ends_with("test") || stem.ends_with("tests") {
                Role::TestCases
            } else {
                Role::TestSupport
            }
        }
    }
}

/// Lower-case words of a path's components, split at `_`, `-` and `.`.
fn words(path: &Path) -> impl Iterator<Item = String> + '_ {
    path.components().flat_map(|c| {
        c.as_os_str()
            .to_string_lossy()
            .to_ascii_lowercase()
            .split(['_', '-', '.'])
            .map(str::to_string)
            .collect::<Vec<_>>()
    })
}

fn is_test(path: &Path) -> bool {
    words(path).any(|w| {
        w.starts_with("test")
            || w.ends_with("test")
            || w.ends_with("tests")
            || w.starts_with("bench")
            || w.starts_with("example")
            || w == "unittest"
            || w == "demo"
            || w == "demos"
    })
}

fn test_kind(path: &Path) -> &'static str {
    if words(path).any(|w| w.starts_with("bench")) {
        "Benchmark"
    } else if words(path).any(|w| w.starts_with("example") || w.starts_with("demo")) {
        "Example"
    } else {
        "Test"
    }
}

fn other_platform(path: &Path) -> bool {
    words(path).any(|w| {
        matches!(
            w.as_str(),
            "windows" | "win32" | "win64" | "darwin" | "macos" | "osx"
        )
    })
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A program's name: its file stem, or its directory's name for `main.c` and the like.
fn program_name(path: &Path) -> String {
    let stem = stem(path);
    match path.parent().and_then(|p| p.file_name()) {
        Some(dir) if matches!(stem.as_str(), "main" | "Main" | "app") => {
            dir.to_string_lossy().into_owned()
        }
        _ => stem,
    }
}

/// `tools/foo/bar.c` → `foo-bar`, for programs whose plain names clash.
fn path_name(path: &Path) -> String {
    match path.parent().and_then(|p| p.file_name()) {
        Some(dir) => format!("{}-{}", dir.to_string_lossy(), stem(path)),
        None => stem(path),
    }
}

/// A path with `/` separators, as written in `warmcc.toml`.
pub(crate) fn slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Globs for the library: `dir/*.ext` per directory and extension, minus the other files
/// there (tests collapsed to `**/*_test.cc`-style patterns). Falls back to the plain file
/// list if the globs would not select exactly the library's files.
fn lib_globs(
    f: &Facts,
    lib: &[usize],
    roles: &BTreeMap<PathBuf, Role>,
) -> (Vec<String>, Vec<String>) {
    let wanted: BTreeSet<&PathBuf> = lib.iter().map(|&i| &f.files[i]).collect();
    let explicit = || wanted.iter().map(|p| slash(p)).collect::<Vec<_>>();
    let mut globs: BTreeSet<String> = BTreeSet::new();
    for p in &wanted {
        let ext = p
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = p.parent().map(slash).unwrap_or_default();
        globs.insert(if dir.is_empty() {
            format!("*.{ext}")
        } else {
            format!("{dir}/*.{ext}")
        });
    }
    let tree = SourceTree::from_files(f.root, f.all_files.to_vec());
    let mut target = Target::new("lib", TargetKind::StaticLibrary);
    target.sources = globs.into_iter().collect();
    let Ok(matched) = expand(&tree, &target) else {
        return (explicit(), Vec::new());
    };
    let extra: Vec<&PathBuf> = matched
        .files
        .iter()
        .filter(|p| !wanted.contains(p))
        .collect();
    // Collapse extras sharing a suffix like `_test.cc` when the pattern takes nothing wanted.
    let mut excludes: Vec<String> = Vec::new();
    let mut covered: BTreeSet<&PathBuf> = BTreeSet::new();
    for p in &extra {
        if covered.contains(p) {
            continue;
        }
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let pattern = name
            .rfind('_')
            .filter(|_| matches!(roles.get(*p), Some(Role::TestCases | Role::TestProgram)))
            .map(|i| format!("**/*{}", &name[i..]));
        let collapsed = pattern.and_then(|pat| {
            let m = globset::GlobBuilder::new(&pat)
                .literal_separator(true)
                .build()
                .ok()?
                .compile_matcher();
            let hits: Vec<&PathBuf> = matched.files.iter().filter(|q| m.is_match(q)).collect();
            (hits.len() > 1 && hits.iter().all(|q| !wanted.contains(q))).then_some((pat, hits))
        });
        match collapsed {
            Some((pat, hits)) => {
                excludes.push(pat);
                covered.extend(hits);
            }
            None => {
                excludes.push(slash(p));
                covered.insert(p);
            }
        }
    }
    target.exclude = excludes;
    match expand(&tree, &target) {
        // Globs are worth it only when they are shorter than the list they replace.
        Ok(e)
            if e.files.iter().collect::<BTreeSet<_>>() == wanted
                && target.sources.len() + target.exclude.len() < wanted.len() =>
        {
            (target.sources, target.exclude)
        }
        _ => (explicit(), Vec::new()),
    }
}
