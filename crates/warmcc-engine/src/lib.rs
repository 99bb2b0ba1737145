//! One compile action: key it by content, answer it from the cache, or run a backend.
//!
//! Nothing here knows about projects, sessions or gRPC: callers describe a compile as a
//! [`CompileSpec`], turn it into an [`Action`] and hand it to the [`Engine`].

mod action;
pub mod cmdline;
pub mod depfile;
mod engine;
mod error;
mod hashcache;
mod key;
mod prelude;
mod process;
mod record;
mod spec;
mod sysdirs;
mod zygote;

pub use action::{Action, CacheStatus, Input, MissReason, Outcome, OutputKind, Pch};
pub use engine::{normalize, relative_to, relevant_env, Engine};
pub use error::EngineError;
pub use hashcache::HashCache;
pub use prelude::Prelude;
pub use spec::{guess_lang, CompileSpec};
