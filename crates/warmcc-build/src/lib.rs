//! warmcc's project layer: reads `warmcc.toml`, discovers projects (`warmcc init`), checks
//! them (`warmcc check`) and turns them into an action graph of compiles, archives and links.
//!
//! Nothing here runs a compiler or knows about gRPC: the daemon takes the [`ActionGraph`]
//! and runs each action through its engine and cache.

pub mod check;
pub mod config;
pub mod discover;
mod error;
pub mod graph;
pub mod lang;
pub mod schedule;
pub mod sources;

pub use check::{check, on_path, ToolProbe};
pub use config::{Config, Profile, Project, Target, TargetKind, Toolchain};
pub use discover::{discover, new_project, Discovery, Template};
pub use error::{ConfigError, Diagnostic, DiscoverError, GraphError, Location, Severity};
pub use graph::{compile_commands, Action, ActionGraph, ActionKind, TargetOutputs};
pub use lang::Language;
