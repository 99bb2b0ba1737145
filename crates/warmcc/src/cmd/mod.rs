//! The CLI's subcommands, one module per family.

pub mod build;
pub mod compile;
pub mod daemon;
pub mod info;
pub mod project;
