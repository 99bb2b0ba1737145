//! The warmcc daemon: gRPC services over a Unix socket, its lifecycle, sessions and stats.

mod auth;
pub mod config;
mod convert;
mod diagnostics;
pub mod fastsock;
pub mod fsutil;
pub mod lock;
mod logging;
mod mutex;
pub mod paths;
mod project;
mod server;
mod service;
mod sessions;
mod state;
pub mod stats;
pub mod watch;

use std::path::PathBuf;

pub use server::{run, DaemonOptions};

impl DaemonError {
    fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DaemonError::Io {
            what,
            path: path.into(),
            source,
        }
    }
}

/// Why the daemon could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Another daemon holds the lock for this socket.
    #[error("a warmcc daemon is already running for {}", .0.display())]
    AlreadyRunning(PathBuf),
    /// A setting is wrong.
    #[error("{0}")]
    Config(String),
    /// A file or socket operation failed.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or address.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Something else needed to start failed.
    #[error("{0}")]
    Setup(String),
}

/// This build's version: the package version and an id of the executable, so a rebuilt
/// binary replaces a daemon started from the old one.
pub fn version() -> String {
    use std::sync::OnceLock;
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            use std::os::unix::fs::MetadataExt;
            let id = std::env::current_exe()
                .and_then(std::fs::metadata)
                .map(|m| {
                    // Not blake3: its CPU feature probe (CPUID, a VM exit under a hypervisor)
                    // was a visible part of every wrapper call and no-op build. SipHash with
                    // std's fixed keys gives every process the same answer.
                    use std::hash::{Hash, Hasher};
                    let mut h = std::hash::DefaultHasher::new();
                    (m.size(), m.mtime(), m.mtime_nsec()).hash(&mut h);
                    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
                })
                .unwrap_or_else(|_| "unknown".into());
            format!("{} ({id})", env!("CARGO_PKG_VERSION"))
        })
        .clone()
}
