//! `warmcc build` and `warmcc clean`: project builds run by the daemon, streamed here.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use warmcc_daemon::paths::Paths;
use warmcc_proto::v1 as pb;

use crate::format;

/// Options of `warmcc build`.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// Build only this target (and what it needs).
    target: Option<String>,
    /// Profile: debug (default), release, or one from warmcc.toml.
    #[arg(long, default_value = "debug")]
    profile: String,
    /// Parallel jobs (default: the number of cores).
    #[arg(short, long)]
    jobs: Option<u32>,
    /// Keep building what does not depend on a failure.
    #[arg(short, long)]
    keep_going: bool,
    /// The project directory (default: the nearest one above the current directory with a
    /// warmcc.toml).
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Print every action, also those already up to date.
    #[arg(short, long)]
    verbose: bool,
}

/// Options of `warmcc clean`.
#[derive(clap::Args)]
pub struct CleanArgs {
    /// Also empty the shared cache.
    #[arg(long)]
    cache: bool,
    /// The project directory.
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// The project root: `dir`, or the nearest ancestor of the current directory with a warmcc.toml.
fn project_root(dir: Option<&Path>) -> Result<PathBuf> {
    let start = match dir {
        Some(d) => d
            .canonicalize()
            .with_context(|| format!("cannot open {}", d.display()))?,
        None => std::env::current_dir()?,
    };
    let mut cur = start.as_path();
    loop {
        if cur.join(warmcc_build::config::FILE_NAME).is_file() {
            return Ok(cur.to_path_buf());
        }
        match cur.parent() {
            Some(p) if dir.is_none() => cur = p,
            _ => bail!(
                "no warmcc.toml in {} or above; create one with `warmcc init`",
                start.display()
            ),
        }
    }
}

/// `warmcc build`.
pub async fn build(paths: &Paths, args: BuildArgs) -> Result<ExitCode> {
    let root = project_root(args.dir.as_deref())?;
    let color = std::io::stderr().is_terminal();
    let req = pb::BuildRequest {
        project_dir: root.display().to_string(),
        target: args.target.unwrap_or_default(),
        profile: args.profile,
        jobs: args.jobs.unwrap_or(0),
        keep_going: args.keep_going,
        env: std::env::vars().collect(),
        color,
    };
    let ch = warmcc::client::ensure(paths).await?;
    let mut stream = pb::builder_client::BuilderClient::new(ch)
        .max_decoding_message_size(1 << 30)
        .build(req)
        .await?
        .into_inner();
    let mut code = ExitCode::FAILURE;
    while let Some(event) = stream.message().await? {
        match event.event {
            Some(pb::build_event::Event::Action(a)) => {
                if !a.up_to_date || args.verbose {
                    let what = match a.kind.as_str() {
                        "compile" => "CC",
                        "archive" => "AR",
                        "link" => "LINK",
                        _ => "IR",
                    };
                    let how = match (a.ok, a.up_to_date, a.cache_hit) {
                        (false, _, _) => " FAILED".to_string(),
                        (true, true, _) => " (up to date)".to_string(),
                        (true, false, true) => " (cached)".to_string(),
                        (true, false, false) => format!(
                            " ({})",
                            format::duration(Duration::from_micros(a.duration_us))
                        ),
                    };
                    println!("[{}/{}] {what:<4} {}{how}", a.done, a.total, a.output);
                }
                if !a.output_text.is_empty() {
                    eprint!("{}", a.output_text);
                }
            }
            Some(pb::build_event::Event::Summary(s)) => {
                if !s.error.is_empty() {
                    eprintln!("warmcc: {}", s.error);
                    return Ok(ExitCode::from(2));
                }
                let wall = format::duration(Duration::from_micros(s.wall_us));
                if s.ran == 0 && s.failed == 0 {
                    println!(
                        "warmcc: nothing to do ({} up to date, {wall})",
                        s.up_to_date
                    );
                } else {
                    println!(
                        "warmcc: {} in {wall}: {} ran ({} from cache), {} up to date, {} failed, {} not run",
                        if s.success { "built" } else { "build FAILED" },
                        s.ran,
                        s.cache_hits,
                        s.up_to_date,
                        s.failed,
                        s.not_run
                    );
                }
                code = if s.success {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                };
            }
            None => {}
        }
    }
    Ok(code)
}

/// `warmcc clean`: removes the build directory, warmcc's files in the project, optionally the cache.
pub async fn clean(paths: &Paths, args: CleanArgs) -> Result<ExitCode> {
    let root = project_root(args.dir.as_deref())?;
    let project = warmcc_build::Project::load(&root.join(warmcc_build::config::FILE_NAME))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for d in [root.join(&project.config.build_dir), root.join(".warmcc")] {
        if d.exists() {
            std::fs::remove_dir_all(&d)
                .with_context(|| format!("cannot remove {}", d.display()))?;
            println!("removed {}", d.display());
        }
    }
    if args.cache {
        let ch = warmcc::client::ensure(paths).await?;
        let r = warmcc::client::daemon_client(&ch)
            .cache_clear(pb::CacheClearRequest {})
            .await?
            .into_inner();
        println!(
            "cache: removed {} entries ({})",
            r.removed_entries,
            format::bytes(r.removed_bytes)
        );
    }
    Ok(ExitCode::SUCCESS)
}
