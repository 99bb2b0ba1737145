//! The `warmcc.toml` model: a project's targets, toolchain and profiles.
//!
//! [`Config`] is plain data: it compares equal after a render/parse round trip and knows
//! nothing of where it was read from. [`Project`] pairs it with its file, root directory,
//! the locations of its keys (for later diagnostics) and the warnings found while loading.

mod parse;
mod profile;
mod raw;
mod render;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) use parse::valid_name;
pub use parse::{parse, Parsed};
pub use profile::{Lto, Profile};
pub use render::{render, RenderNotes};

use crate::error::{ConfigError, Diagnostic, Location};
use crate::sources::SourceTree;

/// The file name warmcc looks for in a project root.
pub const FILE_NAME: &str = "warmcc.toml";

/// A whole project description, as written in `warmcc.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Project name.
    pub name: String,
    /// Where outputs go, relative to the project root (default `build`).
    pub build_dir: String,
    /// Compilers and tools.
    pub toolchain: Toolchain,
    /// Profiles as written (overrides of `debug`/`release`, or custom ones).
    pub profiles: BTreeMap<String, ProfileSpec>,
    /// Targets in file order.
    pub targets: Vec<Target>,
}

impl Config {
    /// A config with a name, the default build dir and nothing else.
    pub fn new(name: impl Into<String>) -> Config {
        Config {
            name: name.into(),
            build_dir: DEFAULT_BUILD_DIR.to_string(),
            toolchain: Toolchain::default(),
            profiles: BTreeMap::new(),
            targets: Vec::new(),
        }
    }

    /// The target called `name`.
    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.name == name)
    }

    /// The fully resolved profile `name` (built-in `debug`/`release` merged with overrides).
    pub fn profile(&self, name: &str) -> Result<Profile, crate::GraphError> {
        profile::resolve(self, name)
    }

    /// Every profile name usable with [`Config::profile`], built-ins first.
    pub fn profile_names(&self) -> Vec<String> {
        let mut names = vec!["debug".to_string(), "release".to_string()];
        let custom = self
            .profiles
            .keys()
            .filter(|k| *k != "debug" && *k != "release");
        names.extend(custom.cloned());
        names
    }
}

/// The default `build_dir`.
pub const DEFAULT_BUILD_DIR: &str = "build";

/// The `[toolchain]` table; unset entries fall back to defaults when the graph is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Toolchain {
    /// C compiler (default `clang`).
    pub cc: Option<String>,
    /// C++ compiler (default `clang++`).
    pub cxx: Option<String>,
    /// Target triple, passed as `--target=`.
    pub target: Option<String>,
    /// Sysroot, passed as `--sysroot=`.
    pub sysroot: Option<String>,
    /// Linker, passed to the link driver as `-fuse-ld=` (e.g. `lld`).
    pub linker: Option<String>,
    /// Archiver (default `ar`, or `llvm-ar` with thin LTO).
    pub ar: Option<String>,
}

/// What a target produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    /// A program.
    Executable,
    /// A `.a` archive.
    StaticLibrary,
    /// A `.so` with a soname.
    SharedLibrary,
    /// Object files only; dependents link them directly.
    Objects,
}

impl TargetKind {
    /// The spelling used in `warmcc.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Executable => "executable",
            TargetKind::StaticLibrary => "static-library",
            TargetKind::SharedLibrary => "shared-library",
            TargetKind::Objects => "objects",
        }
    }

    /// Parses the `warmcc.toml` spelling.
    pub fn from_name(name: &str) -> Option<TargetKind> {
        [
            TargetKind::Executable,
            TargetKind::StaticLibrary,
            TargetKind::SharedLibrary,
            TargetKind::Objects,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }

    /// Whether other targets may list this one in `deps`.
    pub fn is_linkable(self) -> bool {
        self != TargetKind::Executable
    }
}

/// One `[[target]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Unique name; also the default output name.
    pub name: String,
    /// What it produces.
    pub kind: TargetKind,
    /// Output base name when it differs from `name` (`lua` gives `liblua.a`).
    pub output_name: Option<String>,
    /// Source globs relative to the project root (`*` stays in one directory, `**` crosses them).
    pub sources: Vec<String>,
    /// Globs removed from what `sources` matched.
    pub exclude: Vec<String>,
    /// Include dirs for this target's own sources only.
    pub include_dirs: Vec<String>,
    /// Include dirs for this target and everything that depends on it.
    pub public_include_dirs: Vec<String>,
    /// `NAME` or `NAME=VALUE` for this target's own sources only.
    pub defines: Vec<String>,
    /// Defines for this target and everything that depends on it.
    pub public_defines: Vec<String>,
    /// Flags for C and C++ sources.
    pub flags: Vec<String>,
    /// Flags for C sources only.
    pub c_flags: Vec<String>,
    /// Flags for C++ sources only.
    pub cxx_flags: Vec<String>,
    /// Libraries passed as `-l<name>` at link time (propagate through static libraries).
    pub link_libs: Vec<String>,
    /// Extra link flags (propagate through static libraries).
    pub link_flags: Vec<String>,
    /// Other targets this one links and whose public include dirs and defines it uses.
    pub deps: Vec<String>,
    /// Shared libraries only: the soname (default `lib<name>.so[.<major>]`).
    pub soname: Option<String>,
    /// Shared libraries only: the version, whose first component goes into the default soname.
    pub version: Option<String>,
}

impl Target {
    /// A target with a name and kind and nothing else.
    pub fn new(name: impl Into<String>, kind: TargetKind) -> Target {
        Target {
            name: name.into(),
            kind,
            output_name: None,
            sources: Vec::new(),
            exclude: Vec::new(),
            include_dirs: Vec::new(),
            public_include_dirs: Vec::new(),
            defines: Vec::new(),
            public_defines: Vec::new(),
            flags: Vec::new(),
            c_flags: Vec::new(),
            cxx_flags: Vec::new(),
            link_libs: Vec::new(),
            link_flags: Vec::new(),
            deps: Vec::new(),
            soname: None,
            version: None,
        }
    }

    /// The base name of the output file.
    pub fn output_base(&self) -> &str {
        self.output_name.as_deref().unwrap_or(&self.name)
    }
}

/// A `[profile.<name>]` table as written; unset fields come from `inherits`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileSpec {
    /// Profile to start from (custom profiles default to `debug`).
    pub inherits: Option<String>,
    /// `-O` level: `0`–`3`, `s`, `z` or `g`.
    pub opt_level: Option<String>,
    /// Whether to pass `-g`.
    pub debug_info: Option<bool>,
    /// Defines added to every compile.
    pub defines: Vec<String>,
    /// Flags added to every compile.
    pub flags: Vec<String>,
    /// Flags added to C compiles.
    pub c_flags: Vec<String>,
    /// Flags added to C++ compiles.
    pub cxx_flags: Vec<String>,
    /// Flags added to every link.
    pub link_flags: Vec<String>,
    /// Link-time optimization.
    pub lto: Option<Lto>,
    /// Also write LLVM IR (`.ll`) for every source.
    pub keep_ir: Option<bool>,
}

/// Source locations of a config's keys, for diagnostics after parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locations {
    /// The `name` key.
    pub name: Option<Location>,
    /// The `build_dir` key.
    pub build_dir: Option<Location>,
    /// `[toolchain]` values by key (`cc`, `cxx`, `linker`, `ar`, …).
    pub toolchain: BTreeMap<String, Location>,
    /// Per target, by target name.
    pub targets: BTreeMap<String, TargetLocations>,
}

/// Where a target's keys and list entries are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetLocations {
    /// The `[[target]]` table itself.
    pub table: Location,
    /// The `name` value.
    pub name: Location,
    /// Each `sources` entry.
    pub sources: Vec<Location>,
    /// Each `exclude` entry.
    pub exclude: Vec<Location>,
    /// Each `include_dirs` entry.
    pub include_dirs: Vec<Location>,
    /// Each `public_include_dirs` entry.
    pub public_include_dirs: Vec<Location>,
    /// Each `deps` entry.
    pub deps: Vec<Location>,
}

/// A loaded project: its config, where it lives and what loading it found.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory holding `warmcc.toml`; relative paths in the config start here.
    pub root: PathBuf,
    /// The `warmcc.toml` file.
    pub file: PathBuf,
    /// The parsed config.
    pub config: Config,
    /// Where each key is in `file`.
    pub locations: Locations,
    /// Non-fatal findings (e.g. a source glob matching nothing).
    pub warnings: Vec<Diagnostic>,
}

impl Project {
    /// Loads `path` (a `warmcc.toml` or a directory holding one) and checks its globs.
    pub fn load(path: &Path) -> Result<Project, ConfigError> {
        let file = if path.is_dir() {
            path.join(FILE_NAME)
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&file).map_err(|source| ConfigError::Io {
            path: file.clone(),
            source,
        })?;
        let root = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Project::from_text(&text, &file, &root)
    }

    /// Parses `text` as if read from `file`, with `root` as the project root.
    pub fn from_text(text: &str, file: &Path, root: &Path) -> Result<Project, ConfigError> {
        let Parsed {
            config,
            locations,
            mut warnings,
        } = parse(text, file)?;
        let tree = SourceTree::scan(root, &config.build_dir).map_err(|e| ConfigError::Io {
            path: root.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        warnings.extend(crate::sources::glob_warnings(&config, &locations, &tree));
        Ok(Project {
            root: root.to_path_buf(),
            file: file.to_path_buf(),
            config,
            locations,
            warnings,
        })
    }
}
