//! Locations, diagnostics and the typed errors of the project layer.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a file: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// The file, as the caller named it.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Location {
    /// The location of byte offset `offset` in `text`, which is the contents of `file`.
    pub fn from_offset(file: &Path, text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        // Back off to a char boundary so slicing cannot panic on a span inside a multi-byte char.
        let mut at = offset;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location {
            file: file.to_path_buf(),
            line,
            column,
        }
    }

    /// A location naming only a file (line and column 1).
    pub fn file(file: &Path) -> Location {
        Location {
            file: file.to_path_buf(),
            line: 1,
            column: 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; the build can go on.
    Warning,
    /// The project cannot be built as described.
    Error,
}

/// One problem found in a project, with where it is when that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where the offending key or value is, if known.
    pub location: Option<Location>,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(location: Option<Location>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            location,
            message: message.into(),
        }
    }

    /// A warning at `location`.
    pub fn warning(location: Option<Location>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            location,
            message: message.into(),
        }
    }

    /// Whether this is an error rather than a warning.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{word}: {}", self.message)
    }
}

/// Why a `warmcc.toml` could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Bad TOML, an unknown key or a value of the wrong type.
    #[error("{location}: {message}")]
    Syntax {
        /// Where the parser stopped.
        location: Location,
        /// The parser's message.
        message: String,
    },
    /// Well-formed TOML that does not describe a valid project (unknown dep, cycle, …).
    #[error("{}", join(diagnostics))]
    Invalid {
        /// Every error found, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

impl ConfigError {
    /// The location of the first problem, if any.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ConfigError::Io { .. } => None,
            ConfigError::Syntax { location, .. } => Some(location),
            ConfigError::Invalid { diagnostics } => {
                diagnostics.iter().find_map(|d| d.location.as_ref())
            }
        }
    }
}

/// Why discovery or project creation failed.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The directory holds no C or C++ source.
    #[error("{}: no C or C++ sources found", .0.display())]
    NoSources(PathBuf),
    /// `new_project` refuses to overwrite an existing project.
    #[error("{}: already exists", .0.display())]
    Exists(PathBuf),
    /// A project name that cannot be a target name.
    #[error("`{0}` is not a valid project name (use letters, digits, `-`, `_` and `.`)")]
    BadName(String),
}

/// Why an action graph could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The requested profile is neither built in nor defined.
    #[error("unknown profile `{0}`")]
    UnknownProfile(String),
    /// A profile `inherits` chain loops or names an unknown profile.
    #[error("profile `{0}`: {1}")]
    BadProfile(String, String),
    /// The requested target does not exist.
    #[error("unknown target `{0}`")]
    UnknownTarget(String),
    /// A glob in `sources` or `exclude` is malformed.
    #[error("target `{target}`: bad glob `{glob}`: {message}")]
    BadGlob {
        /// The target.
        target: String,
        /// The glob.
        glob: String,
        /// What is wrong with it.
        message: String,
    },
    /// The project tree could not be walked.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Two targets' dependencies form a cycle (only reachable with a hand-built [`crate::Config`]).
    #[error("dependency cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
}

fn join(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
