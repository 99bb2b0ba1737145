//! One compile action and its outcome: what the engine keys, caches and runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use warmcc_cache::Key;
use warmcc_toolchain::Compiler;

/// Where the translation unit comes from.
#[derive(Clone, Debug)]
pub enum Input {
    /// Source in memory, fed to the compiler on stdin under a `#line` name.
    Text {
        /// The source bytes.
        bytes: Vec<u8>,
        /// The name diagnostics and `__FILE__` use.
        name: String,
    },
    /// A file on disk; a relative path is relative to the action's working directory and is
    /// passed to the compiler as given (it ends up in `__FILE__` and debug info).
    File(PathBuf),
}

/// What the compiler produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// A relocatable object (`-c`).
    Object,
    /// A clang precompiled header.
    Pch,
}

/// A precompiled prelude, materialized on disk and identified by its content.
#[derive(Clone, Debug)]
pub struct Pch {
    /// blake3 of the PCH file's bytes.
    pub key: Key,
    /// Where the PCH file is.
    pub path: PathBuf,
}

/// A fully resolved compile: everything the result depends on, besides header contents.
#[derive(Clone, Debug)]
pub struct Action {
    /// The compiler to run.
    pub compiler: Arc<Compiler>,
    /// Working directory of the compiler.
    pub cwd: PathBuf,
    /// Arguments, without input, output, depfile and PCH path (those are added by the backend).
    pub args: Vec<String>,
    /// The translation unit.
    pub input: Input,
    /// Object or PCH.
    pub output: OutputKind,
    /// Include directories in search order, used to detect newly shadowing headers.
    pub search_dirs: Vec<PathBuf>,
    /// Prelude PCH to use, if any.
    pub pch: Option<Pch>,
    /// Set when the result must not be cached, with the reason.
    pub uncacheable: Option<String>,
    /// The environment to run the compiler with (the wrapper's client's); `None` runs it with
    /// the daemon's fixed environment. Only variables that affect compiles enter the key.
    pub env: Option<Vec<(String, String)>>,
    /// Inputs the depfile may not list (PCHs given to `-include-pch`), hashed into the key.
    pub extra_inputs: Vec<PathBuf>,
    /// Paths under this directory enter keys relative to the working directory, so that
    /// checkouts in different places share results (arguments must already be relative).
    pub base_dir: Option<PathBuf>,
    /// Whether the object records the absolute working directory (debug info without a prefix
    /// map), which then stays in the key even with a base directory.
    pub embeds_cwd: bool,
}

impl Action {
    /// How a path enters keys and manifests: relative to the working directory when it is
    /// under the base directory, absolute otherwise.
    pub fn key_path(&self, p: &Path) -> String {
        match &self.base_dir {
            Some(base) if p.starts_with(base) && self.cwd.starts_with(base) => {
                crate::engine::relative_to(p, &self.cwd)
                    .display()
                    .to_string()
            }
            _ => p.display().to_string(),
        }
    }

    /// A path from a manifest, back to a real path for this action.
    pub fn real_path(&self, stored: &str) -> PathBuf {
        self.cwd.join(stored)
    }

    /// How an argument enters keys: a prefix map's old prefix under the base directory is
    /// written relative to the working directory (the compiler still gets the real one).
    pub fn key_arg<'a>(&self, arg: &'a str) -> std::borrow::Cow<'a, str> {
        let Some(base) = &self.base_dir else {
            return arg.into();
        };
        for p in crate::cmdline::PREFIX_MAPS {
            if let Some((old, new)) = arg.strip_prefix(p).and_then(|m| m.split_once('=')) {
                if Path::new(old).starts_with(base) && self.cwd.starts_with(base) {
                    let rel = crate::engine::relative_to(Path::new(old), &self.cwd);
                    return format!("{p}<cwd>/{}={new}", rel.display()).into();
                }
            }
        }
        arg.into()
    }

    /// How the working directory enters keys. Under a base directory, with arguments made
    /// relative, the object does not depend on where the checkout is (every relative path and
    /// the content behind it is keyed), so the directory itself stays out, as in ccache.
    pub fn key_cwd(&self) -> String {
        match &self.base_dir {
            Some(base) if !self.embeds_cwd && self.cwd.starts_with(base) => {
                "<under base_dir>".into()
            }
            _ => self.cwd.display().to_string(),
        }
    }
}

/// Why a lookup did not hit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MissReason {
    /// This source and these arguments were never compiled.
    New,
    /// A header the last compiles read has changed.
    HeaderChanged,
    /// A header appeared that would shadow one a cached compile read.
    ShadowingHeader,
    /// The manifest matched but its result was evicted or corrupt.
    ResultMissing,
}

impl MissReason {
    /// A short stable name, used as the stats key.
    pub fn as_str(&self) -> &'static str {
        match self {
            MissReason::New => "new source or flags",
            MissReason::HeaderChanged => "header changed",
            MissReason::ShadowingHeader => "new shadowing header",
            MissReason::ResultMissing => "result evicted",
        }
    }
}

/// How the cache took part in an outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheStatus {
    /// Answered from the cache; no compiler ran.
    Hit,
    /// The compiler ran; the reason it had to.
    Miss(MissReason),
    /// The compiler ran and the result was not stored, with why.
    Uncacheable(String),
}

/// What an action produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The compiler's exit status (128 + signal when it was killed).
    pub exit_code: i32,
    /// The object or PCH bytes (empty on failure).
    pub output: Vec<u8>,
    /// The compiler's stderr (diagnostics).
    pub stderr: String,
    /// The compiler's stdout.
    pub stdout: String,
    /// Hit, miss or uncacheable.
    pub cache: CacheStatus,
    /// How long the compiler ran for this outcome (zero on a hit).
    pub compile_time: Duration,
    /// On a hit, how long the original compile took.
    pub saved: Duration,
    /// The result's cache key, when it has one.
    pub key: Option<Key>,
    /// Headers and other inputs the compile read (absolute paths), when known.
    pub deps: Vec<PathBuf>,
    /// The depfile's prerequisites as the compiler wrote them (source first), when known.
    pub raw_deps: Vec<String>,
}
