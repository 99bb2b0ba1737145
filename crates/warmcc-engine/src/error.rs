//! Errors of the engine: what went wrong with which request, file or command.

use std::path::PathBuf;

/// Why the engine could not produce an outcome (compile errors are outcomes, not these).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The request itself is wrong: the caller must change it.
    #[error("{0}")]
    InvalidRequest(String),
    /// No usable compiler, or the target is not supported by it.
    #[error(transparent)]
    Toolchain(#[from] warmcc_toolchain::ToolchainError),
    /// The compiler could not be started.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        /// The program that failed to start.
        command: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A file warmcc needs (scratch space, a source) could not be read or written.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "cannot read source".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl EngineError {
    /// Wraps an I/O error with what was done to which file.
    pub fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EngineError::Io {
            what,
            path: path.into(),
            source,
        }
    }
}
