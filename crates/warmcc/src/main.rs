//! `warmcc`: the command-line client of the warmcc daemon, and the daemon itself.

mod cmd;
mod format;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use warmcc_daemon::paths::Paths;

/// A compile server and build daemon for C and C++ that keeps compilation warm.
#[derive(Parser)]
#[command(name = "warmcc", version, about)]
struct Cli {
    /// Daemon socket (default: $WARMCC_SOCKET, or per user under $XDG_RUNTIME_DIR/warmcc).
    #[arg(long, global = true, value_name = "PATH")]
    socket: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon in the foreground.
    Daemon(cmd::daemon::Args),
    /// Compile one C or C++ file (or `-` for stdin) to an object through the daemon.
    Compile(Box<cmd::compile::Args>),
    /// Show the daemon's state.
    Status(cmd::info::JsonArg),
    /// Stop the daemon.
    Stop,
    /// Show request and cache statistics.
    Stats(cmd::info::StatsArgs),
    /// List the compilers warmcc finds.
    Toolchains(cmd::info::JsonArg),
    /// List open REPL sessions.
    Sessions(cmd::info::JsonArg),
    /// Build the project (from warmcc.toml) through the daemon.
    Build(cmd::build::BuildArgs),
    /// Remove the project's build outputs (and with --cache, the cache).
    Clean(cmd::build::CleanArgs),
    /// Discover the C/C++ project in DIR and write a warmcc.toml for it.
    Init(cmd::project::InitArgs),
    /// Create a new project from a template.
    New(cmd::project::NewArgs),
    /// Validate warmcc.toml: sources, include dirs, compilers, target cycles.
    Check(cmd::project::CheckArgs),
    /// Manage the cache.
    Cache {
        #[command(subcommand)]
        action: cmd::info::CacheAction,
    },
}

/// Words that are warmcc subcommands rather than a compiler to wrap.
const SUBCOMMANDS: &[&str] = &[
    "daemon",
    "compile",
    "status",
    "stop",
    "stats",
    "toolchains",
    "sessions",
    "cache",
    "help",
];

/// The exit code of a command that needs no daemon.
fn local(result: anyhow::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|e| {
        eprintln!("warmcc: error: {}", format::error_chain(&e));
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(code) = warmcc::wrapper::run_if_wrapper(&args, SUBCOMMANDS) {
        return code;
    }
    // The no-op build is the hot path: its usual arguments skip clap (and the async runtime).
    if args.get(1).is_some_and(|a| a == "build") {
        if let Some(build) = cmd::build::BuildArgs::parse_fast(&args[2..]) {
            return local(cmd::build::build(&Paths::from_env(), build));
        }
    }
    let cli = Cli::parse_from(args);
    let mut paths = Paths::from_env();
    if let Some(s) = cli.socket {
        paths.runtime_dir = s.parent().map(PathBuf::from).unwrap_or(paths.runtime_dir);
        paths.socket = s;
    }
    let command = match cli.command {
        Command::Daemon(args) => return cmd::daemon::run(paths, args),
        Command::Init(args) => return local(cmd::project::init(args)),
        Command::New(args) => return local(cmd::project::new(args)),
        Command::Check(args) => return local(cmd::project::check(args)),
        Command::Build(args) => return local(cmd::build::build(&paths, args)),
        other => other,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("warmcc: error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match command {
            Command::Daemon(_)
            | Command::Init(_)
            | Command::New(_)
            | Command::Check(_)
            | Command::Build(_) => {
                unreachable!("handled above")
            }
            Command::Compile(args) => cmd::compile::run(&paths, *args).await,
            Command::Clean(args) => cmd::build::clean(&paths, args).await,
            Command::Status(a) => cmd::info::status(&paths, a.json).await,
            Command::Stop => cmd::info::stop(&paths).await,
            Command::Stats(a) => cmd::info::stats(&paths, a).await,
            Command::Toolchains(a) => cmd::info::toolchains(&paths, a.json).await,
            Command::Sessions(a) => cmd::info::sessions(&paths, a.json).await,
            Command::Cache { action } => cmd::info::cache(&paths, action).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("warmcc: error: {}", format::error_chain(&e));
            ExitCode::from(2)
        }
    }
}
