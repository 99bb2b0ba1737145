//! The in-process Clang backend: a C++ shim over libclang-cpp 19 that compiles snippets of one
//! session incrementally into relocatable objects, the worker process that hosts one session, and
//! the client that drives a worker.
//!
//! Features: `inproc` builds the shim and the `warmcc-clang-worker` binary (they link libclang-cpp
//! when it is installed); `client` only spawns and talks to workers and links nothing native.

pub mod args;
pub mod diag;
pub mod error;
pub mod frame;
pub mod rss;

#[cfg(feature = "client")]
pub mod client;
#[cfg(all(feature = "inproc", not(warmcc_no_libclang)))]
mod ffi;
#[cfg(feature = "inproc")]
pub mod session;
#[cfg(feature = "inproc")]
pub mod worker;

pub use diag::{Diagnostic, Severity};
pub use error::Error;
pub use warmcc_proto::worker as proto;

/// Where Debian's clang 19 keeps its built-in headers.
pub const DEFAULT_RESOURCE_DIR: &str = "/usr/lib/llvm-19/lib/clang/19";
