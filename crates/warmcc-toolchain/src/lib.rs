//! Finds and identifies the C and C++ compilers warmcc drives (clang of any version, gcc).
//!
//! A [`Registry`] runs each compiler executable once (`--version`, `-dumpmachine`) and remembers the
//! result as a [`Compiler`] keyed by path, size and mtime, so later look-ups cost a `stat`. The
//! [`Compiler::identity`] it computes is the compiler's part of every cache key. The registry also
//! finds compilers on `PATH` by name ([`Registry::find`]), picks a default ([`Registry::default_for`]),
//! lists everything installed ([`Registry::discover`]) and checks whether a compiler can build for a
//! target triple ([`Registry::check_target`]).

mod compiler;
mod discover;
mod error;
mod hint;
mod identify;
mod registry;
mod run;
mod state;
mod target;

pub use compiler::{Compiler, Kind, Lang};
pub use error::ToolchainError;
pub use hint::install_hint;
pub use registry::Registry;
pub use target::same_target;
