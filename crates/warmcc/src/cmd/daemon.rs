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

/// Runs the daemon until it stops.
pub fn run(paths: Paths, args: Args) -> ExitCode {
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
