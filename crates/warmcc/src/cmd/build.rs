//! `warmcc build` and `warmcc clean`: project builds run by the daemon, streamed here.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use warmcc_daemon::fastsock::BuildEvents;
use warmcc_daemon::paths::Paths;
use warmcc_proto::v1 as pb;

use crate::format;

/// Options of `warmcc build`.
#[derive(clap::Args, Debug, PartialEq)]
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
    /// Print every action, also those already up to date (and no progress bar).
    #[arg(short, long)]
    verbose: bool,
    /// Stay running: rebuild whenever a file of the project changes, until Ctrl-C.
    #[arg(short, long)]
    watch: bool,
}

impl BuildArgs {
    /// Parses the usual forms of `warmcc build`'s arguments (those after `build`) without
    /// clap, whose parser first builds the whole command tree: a third of a no-op build's
    /// client time. `None` leaves everything else (help, bundled short flags, errors) to clap.
    pub fn parse_fast(args: &[std::ffi::OsString]) -> Option<BuildArgs> {
        let mut parsed = BuildArgs {
            target: None,
            profile: "debug".into(),
            jobs: None,
            keep_going: false,
            dir: None,
            verbose: false,
            watch: false,
        };
        let mut it = args.iter().map(|a| a.to_str());
        let mut seen = Vec::new();
        while let Some(arg) = it.next() {
            let arg = arg?;
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v)),
                _ => (arg, None),
            };
            // What clap says of a repeated option is clap's to say.
            let long = match name {
                "-k" => "--keep-going",
                "-v" => "--verbose",
                "-w" => "--watch",
                "-j" => "--jobs",
                "-C" => "--dir",
                n => n,
            };
            if long.starts_with('-') {
                if seen.contains(&long) {
                    return None;
                }
                seen.push(long);
            }
            // A separate value that looks like an option is clap's to judge.
            let mut value = || match inline {
                Some(v) => Some(v.to_string()),
                None => it
                    .next()?
                    .filter(|v| !v.starts_with('-'))
                    .map(str::to_string),
            };
            match name {
                "-k" | "--keep-going" if inline.is_none() => parsed.keep_going = true,
                "-v" | "--verbose" if inline.is_none() => parsed.verbose = true,
                "-w" | "--watch" if inline.is_none() => parsed.watch = true,
                "--profile" => parsed.profile = value()?,
                "-j" | "--jobs" => parsed.jobs = Some(value()?.parse().ok()?),
                "-C" | "--dir" => parsed.dir = Some(PathBuf::from(value()?)),
                _ if name.starts_with('-') || parsed.target.is_some() => return None,
                _ => parsed.target = Some(name.to_string()),
            }
        }
        Some(parsed)
    }
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

/// `warmcc build` (and `--watch`): streamed from the daemon over its build socket.
pub fn build(paths: &Paths, args: BuildArgs) -> Result<ExitCode> {
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
        watch: args.watch,
        verbose: args.verbose,
        client_version: warmcc_daemon::version(),
        progress: std::io::stdout().is_terminal() && !args.verbose,
    };
    let (first, events) = connect(paths, &req)?;
    let mut out = Printer::new(req.progress, args.verbose, args.watch);
    let mut code = None;
    for event in std::iter::once(first).chain(events) {
        match event.event {
            Some(pb::build_event::Event::Start(s)) => out.start(&s),
            Some(pb::build_event::Event::Action(a)) => out.action(&a),
            Some(pb::build_event::Event::Waiting(msg)) => out.waiting(&msg),
            Some(pb::build_event::Event::Summary(s)) => {
                code = Some(out.summary(&s));
                if !args.watch {
                    break;
                }
            }
            None => {}
        }
    }
    match code {
        Some(code) if !args.watch => Ok(code),
        _ => bail!(
            "the daemon went away before the build finished (see {}); outputs it did not finish are rebuilt next time",
            paths.log_file().display()
        ),
    }
}

/// Starts the build on the daemon's build socket, starting or replacing the daemon first
/// when none (or another build of warmcc) answers; returns the first event and the rest.
fn connect(paths: &Paths, req: &pb::BuildRequest) -> Result<(pb::BuildEvent, BuildEvents)> {
    let socket = paths.build_socket();
    let mut why = String::from("no daemon listens");
    let mut runtime = None;
    for _ in 0..3 {
        if let Some(mut events) = BuildEvents::start(&socket, req) {
            match events.next() {
                Some(pb::BuildEvent {
                    event: Some(pb::build_event::Event::Summary(s)),
                }) if s.version_mismatch => {
                    why = format!("the daemon is version {}", s.daemon_version);
                }
                Some(first) => return Ok((first, events)),
                None => why = "the daemon closed the connection".into(),
            }
        }
        if std::env::var_os("WARMCC_DEBUG").is_some() {
            eprintln!("warmcc: build socket: {why}");
        }
        let rt = match &mut runtime {
            Some(rt) => rt,
            None => runtime.insert(
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("cannot start the async runtime")?,
            ),
        };
        rt.block_on(warmcc::client::ensure(paths))?;
    }
    bail!(
        "cannot build through the daemon on {} ({why}); see {}",
        socket.display(),
        paths.log_file().display()
    )
}

/// Shows a build: a progress bar on a terminal, one line per action otherwise; compiler
/// output always passes through.
struct Printer {
    bar: Option<ProgressBar>,
    verbose: bool,
    watch: bool,
}

impl Printer {
    fn new(progress: bool, verbose: bool, watch: bool) -> Printer {
        let bar = progress.then(|| {
            let bar = ProgressBar::hidden();
            bar.set_style(
                ProgressStyle::with_template("[{pos}/{len}] {wide_bar} {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Printer {
            bar,
            verbose,
            watch,
        }
    }

    fn line(&self, text: &str, to_stderr: bool) {
        let print = || {
            // A closed pipe (`warmcc build | head`) must not stop the build's report.
            let _ = if to_stderr {
                std::io::stderr().write_all(text.as_bytes())
            } else {
                std::io::stdout().write_all(text.as_bytes())
            };
        };
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    fn start(&mut self, s: &pb::BuildStart) {
        if !s.changed.is_empty() {
            let mut shown = s.changed[..s.changed.len().min(5)].join(", ");
            if s.changed.len() > 5 {
                shown += &format!(" and {} more", s.changed.len() - 5);
            }
            self.line(&format!("warmcc: changed: {shown}\n"), false);
        }
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_length(u64::from(s.total));
            bar.set_position(0);
            bar.set_message("");
            bar.set_draw_target(ProgressDrawTarget::stdout());
        }
    }

    fn action(&mut self, a: &pb::ActionDone) {
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
        let text = format!("[{}/{}] {what:<4} {}{how}\n", a.done, a.total, a.output);
        match &self.bar {
            Some(bar) => {
                bar.set_position(u64::from(a.done));
                bar.set_message(format!("{what} {}", a.output));
                if !a.ok {
                    self.line(&text, false);
                }
            }
            None if !a.up_to_date || self.verbose => self.line(&text, false),
            None => {}
        }
        if !a.output_text.is_empty() {
            self.line(&a.output_text, true);
        }
    }

    fn waiting(&mut self, msg: &str) {
        self.line(&format!("warmcc: {msg}\n"), false);
    }

    fn summary(&mut self, s: &pb::BuildSummary) -> ExitCode {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        if !s.error.is_empty() {
            self.line(&format!("warmcc: error: {}\n", s.error), true);
            return ExitCode::from(2);
        }
        let wall = format::duration(Duration::from_micros(s.wall_us));
        let saved = if s.saved_ms > 0 {
            format!(
                ", saved {}",
                format::duration(Duration::from_millis(s.saved_ms))
            )
        } else {
            String::new()
        };
        let text = if s.ran == 0 && s.failed == 0 {
            format!(
                "warmcc: nothing to do ({} up to date, {wall})\n",
                s.up_to_date
            )
        } else {
            format!(
                "warmcc: {} in {wall}: {} ran ({} from cache{saved}), {} up to date, {} failed, {} not run\n",
                if s.success { "built" } else { "build FAILED" },
                s.ran,
                s.cache_hits,
                s.up_to_date,
                s.failed,
                s.not_run
            )
        };
        self.line(&text, false);
        if self.verbose {
            self.line(
                &format!(
                    "warmcc: {} files stat'ed to check what is up to date\n",
                    s.paths_checked
                ),
                false,
            );
        }
        if self.watch {
            let _ = std::io::stdout().flush();
        }
        if s.success {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: BuildArgs,
    }

    #[test]
    fn the_fast_parser_agrees_with_clap_or_defers_to_it() {
        let agree = [
            "",
            "lua",
            "lua --profile release -j 3 -k -v -w",
            "--profile=release --jobs=4 --keep-going --verbose --watch",
            "-C /tmp/p -j 2",
            "--dir=/tmp/q",
            "--dir /tmp/p -j 8 app",
        ];
        for line in agree {
            let args: Vec<std::ffi::OsString> = line.split_whitespace().map(Into::into).collect();
            let clap = Cli::try_parse_from(std::iter::once("build".into()).chain(args.clone()));
            let fast = BuildArgs::parse_fast(&args);
            let clap = clap.unwrap_or_else(|e| panic!("{line:?}: {e}"));
            assert_eq!(Some(clap.args), fast, "{line:?}");
        }
        let declined = [
            "--help",
            "-kv",
            "-j2",
            "a b",
            "-j x",
            "--nope",
            "--profile",
            "--watch=1",
            "-v -v",
            "-C a --dir b",
        ];
        for line in declined {
            let args: Vec<std::ffi::OsString> = line.split_whitespace().map(Into::into).collect();
            assert_eq!(
                BuildArgs::parse_fast(&args),
                None,
                "{line:?} is left to clap"
            );
        }
        assert_eq!(
            BuildArgs::parse_fast(&["-j".into(), "3".into(), "t".into()]),
            Some(BuildArgs {
                target: Some("t".into()),
                profile: "debug".into(),
                jobs: Some(3),
                keep_going: false,
                dir: None,
                verbose: false,
                watch: false,
            })
        );
    }
}
