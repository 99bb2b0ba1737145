//! `warmcc daemon`: run the daemon in the foreground.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use warmcc_daemon::paths::Paths;
use warmcc_daemon::{DaemonError, DaemonOptions};

/// Options of `warmcc daemon`.
#[derive(clap::Args)]
pub struct Args {
    /// Also serve on this TCP address (e.g. 127.0.0.1:5570); needs --token-file.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// File holding the bearer token TCP clients must send.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Exit after this many seconds without requests (default 3600, or idle_timeout in config).
    #[arg(long, value_name = "SECS")]
    idle_timeout: Option<u64>,
}

/// Closes descriptors a background daemon inherited from the build that started it.
///
/// make's jobserver pipe or a pipe ninja reads until EOF would otherwise stay open for the
/// daemon's whole life, and the build could wait on it.
fn close_inherited_fds() {
    for fd in 3..1024 {
        // SAFETY: nothing in this process has opened descriptors yet; closing an unused
        // number is harmless.
        unsafe {
            libc::close(fd);
        }
    }
}

/// Runs the daemon until it stops.
pub fn run(paths: Paths, args: Args) -> ExitCode {
    if std::env::var_os("WARMCC_DETACHED").is_some() {
        close_inherited_fds();
    }
    let opts = DaemonOptions {
        listen: args.listen,
        token_file: args.token_file,
        idle_timeout: args.idle_timeout.map(std::time::Duration::from_secs),
    };
    match warmcc_daemon::run(paths, opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ DaemonError::AlreadyRunning(_)) => {
            eprintln!("warmcc: {e}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("warmcc: error: {e}");
            ExitCode::from(2)
        }
    }
}
