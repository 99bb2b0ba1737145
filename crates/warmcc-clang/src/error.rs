//! Errors of sessions, workers and the protocol between them.

/// Everything that can go wrong outside of a snippet's own diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The crate was built without libclang-cpp 19.
    #[error(
        "in-process backend unavailable: install libclang-19-dev libclang-cpp19-dev llvm-19-dev \
         and rebuild warmcc"
    )]
    Unavailable,
    /// The session could not start (bad options, unreadable PCH, prelude errors).
    #[error("cannot start the session: {message}")]
    Start {
        /// What went wrong.
        message: String,
        /// Clang's diagnostics text, if any.
        diagnostics: String,
    },
    /// An undo was refused; nothing was undone.
    #[error("undo refused: {0}")]
    UndoRefused(String),
    /// A request carried something the compiler cannot take (a NUL byte, an unknown language).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The worker process died while serving a request.
    #[error("the compiler worker died while compiling '{snippet}' ({status}); restart replays the session")]
    WorkerDied {
        /// The snippet being compiled (or the request) when it died.
        snippet: String,
        /// How it ended (exit code or signal).
        status: String,
    },
    /// The worker answered something that does not fit the request.
    #[error("worker protocol error: {0}")]
    Protocol(String),
    /// The worker reported an error for the request.
    #[error("worker error: {0}")]
    Worker(String),
    /// Reading or writing the worker's pipes, or spawning it.
    #[error("worker I/O: {0}")]
    Io(#[from] std::io::Error),
}
