//! The errors of finding, identifying and checking compilers, worded for the person at the terminal.

use std::path::PathBuf;

use crate::compiler::Lang;

/// Why a compiler could not be found, identified or used for a target.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    /// A compiler asked for by name is not on `PATH` (or an explicit path does not exist).
    #[error("compiler `{name}` not found on PATH; {}", hint_sentence(hint))]
    NotFound {
        /// The name (or path) that was asked for.
        name: String,
        /// The command that installs it, e.g. `apt-get install clang-19`; empty when unknown.
        hint: String,
    },
    /// No usable compiler for the language at all.
    #[error("no {lang} compiler found on PATH (looked for {}); {}", looked_for(*lang), hint_sentence(hint))]
    NoCompiler {
        /// The language a compiler was wanted for.
        lang: Lang,
        /// The command that installs one, e.g. `apt-get install clang-19`.
        hint: String,
    },
    /// The executable ran (or could not be started) but did not identify itself usably.
    #[error("cannot identify compiler {}: {reason}", path.display())]
    Identify {
        /// The executable that was run.
        path: PathBuf,
        /// What went wrong, with the tail of its stderr when there was any.
        reason: String,
    },
    /// The compiler cannot build for the requested target triple.
    #[error("compiler `{compiler}` cannot build for target `{target}`: {message}")]
    UnknownTarget {
        /// The compiler's name, e.g. `clang++-19`.
        compiler: String,
        /// The target triple that was asked for.
        target: String,
        /// Why, e.g. clang's `unknown target triple` or the cross compiler to install instead.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Turns an install command into the tail of an error message.
fn hint_sentence(hint: &str) -> String {
    if hint.is_empty() {
        "check the name, or give the compiler's full path".to_string()
    } else {
        format!("install it with `{hint}`")
    }
}

/// The names `default_for` tries, so the message says what was searched.
fn looked_for(lang: Lang) -> &'static str {
    match lang {
        Lang::C => "clang-N, clang, gcc-N, gcc, cc",
        Lang::Cxx => "clang++-N, clang++, g++-N, g++, c++",
    }
}
