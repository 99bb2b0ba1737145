//! `warmcc status`, `stop`, `stats`, `toolchains`, `sessions` and `cache`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use serde_json::json;
use warmcc_daemon::paths::Paths;
use warmcc_proto::v1 as pb;

use crate::format;
use warmcc::client::{self, daemon_client};

/// A `--json` switch.
#[derive(clap::Args)]
pub struct JsonArg {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Options of `warmcc stats`.
#[derive(clap::Args)]
pub struct StatsArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Reset the counters after printing them.
    #[arg(long)]
    pub zero: bool,
}

/// Subcommands of `warmcc cache`.
#[derive(clap::Subcommand)]
pub enum CacheAction {
    /// Remove every cached result.
    Clear,
}

/// `warmcc status`.
pub async fn status(paths: &Paths, json: bool) -> Result<ExitCode> {
    let ch = client::ensure(paths).await?;
    let s = daemon_client(&ch)
        .status(pb::StatusRequest {})
        .await?
        .into_inner();
    if json {
        println!(
            "{:#}",
            json!({
                "pid": s.pid, "version": s.version, "uptime_ms": s.uptime_ms, "socket": s.socket,
                "listen": s.listen, "sessions": s.sessions, "cache_bytes": s.cache_bytes,
                "cache_entries": s.cache_entries, "cache_max_bytes": s.cache_max_bytes,
                "in_flight": s.in_flight, "cache_dir": s.cache_dir, "log_file": s.log_file,
                "idle_timeout_s": s.idle_timeout_s,
                "projects": s.projects.iter().map(project_json).collect::<Vec<_>>(),
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "warmcc daemon {}, pid {}, up {}",
        s.version,
        s.pid,
        format::duration(Duration::from_millis(s.uptime_ms))
    );
    println!("  socket     {}", s.socket);
    if !s.listen.is_empty() {
        println!("  tcp        {} (token required)", s.listen);
    }
    println!("  sessions   {}", s.sessions);
    println!("  in flight  {}", s.in_flight);
    println!(
        "  cache      {} in {} entries (max {}) at {}",
        format::bytes(s.cache_bytes),
        s.cache_entries,
        format::bytes(s.cache_max_bytes),
        s.cache_dir
    );
    println!(
        "  idle exit  after {}",
        format::duration(Duration::from_secs(s.idle_timeout_s))
    );
    println!("  log        {}", s.log_file);
    for p in &s.projects {
        print_project(p);
    }
    Ok(ExitCode::SUCCESS)
}

fn project_json(p: &pb::ProjectStatus) -> serde_json::Value {
    let last = p.last_summary.as_ref().map(|s| {
        json!({"success": s.success, "ran": s.ran, "cache_hits": s.cache_hits,
               "up_to_date": s.up_to_date, "failed": s.failed, "not_run": s.not_run,
               "wall_us": s.wall_us, "error": s.error})
    });
    json!({
        "root": p.root, "name": p.name, "targets": p.targets, "watching": p.watching,
        "file_watcher": p.file_watcher, "last_profile": p.last_profile,
        "last_target": p.last_target, "last_build_unix_ms": p.last_build_unix_ms,
        "last_build": last, "dirty": p.dirty, "dirty_more": p.dirty_more,
    })
}

/// The project section of `warmcc status`.
fn print_project(p: &pb::ProjectStatus) {
    println!();
    let name = if p.name.is_empty() { "?" } else { &p.name };
    println!(
        "project {name} at {}{}",
        p.root,
        if p.watching { " (watching)" } else { "" }
    );
    if !p.targets.is_empty() {
        println!("  targets    {}", p.targets.join(", "));
    }
    if let Some(s) = &p.last_summary {
        let ago = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH + Duration::from_millis(p.last_build_unix_ms))
            .unwrap_or_default();
        let what = if !s.error.is_empty() {
            format!("could not start: {}", s.error)
        } else if s.success {
            format!(
                "succeeded: {} ran ({} from cache), {} up to date",
                s.ran, s.cache_hits, s.up_to_date
            )
        } else {
            format!("FAILED: {} failed, {} not run", s.failed, s.not_run)
        };
        let target = if p.last_target.is_empty() {
            "all targets".to_string()
        } else {
            p.last_target.clone()
        };
        println!(
            "  last build {} ago ({target}, {}) {what}, in {}",
            format::duration(ago),
            p.last_profile,
            format::duration(Duration::from_micros(s.wall_us))
        );
    }
    if p.dirty.is_empty() {
        println!("  dirty      none");
    } else {
        let more = if p.dirty_more > 0 {
            format!(" and {} more", p.dirty_more)
        } else {
            String::new()
        };
        println!("  dirty      {}{more}", p.dirty.join(", "));
    }
    if !p.file_watcher {
        println!("  (no file watcher: builds stat every input)");
    }
}

/// `warmcc stop`: stops a running daemon and waits until it is gone.
pub async fn stop(paths: &Paths) -> Result<ExitCode> {
    let Ok(ch) = client::connect(&paths.socket).await else {
        println!("warmcc: no daemon is running on {}", paths.socket.display());
        return Ok(ExitCode::SUCCESS);
    };
    let pid = daemon_client(&ch)
        .hello(pb::HelloRequest::default())
        .await
        .map(|h| h.into_inner().pid)
        .unwrap_or(0);
    daemon_client(&ch).stop(pb::StopRequest {}).await?;
    client::wait_gone(paths, Duration::from_secs(30)).await?;
    println!("warmcc: stopped the daemon (pid {pid})");
    Ok(ExitCode::SUCCESS)
}

/// `warmcc stats`.
pub async fn stats(paths: &Paths, args: StatsArgs) -> Result<ExitCode> {
    let ch = client::ensure(paths).await?;
    let s = daemon_client(&ch)
        .stats(pb::StatsRequest { zero: args.zero })
        .await?
        .into_inner();
    if args.json {
        let reasons: serde_json::Map<String, serde_json::Value> = s
            .misses_by_reason
            .iter()
            .map(|m| (m.reason.clone(), json!(m.count)))
            .collect();
        println!(
            "{:#}",
            json!({
                "requests": s.requests, "hits": s.hits, "misses": s.misses,
                "misses_by_reason": reasons, "errors": s.errors,
                "compile_failures": s.compile_failures, "bytes_in": s.bytes_in,
                "bytes_out": s.bytes_out, "compile_ms": s.compile_ms, "saved_ms": s.saved_ms,
                "since_unix_s": s.since_unix_s, "passthrough": s.passthrough,
                "passthrough_by_reason": s.passthrough_by_reason.iter().map(|m| (m.reason.clone(), json!(m.count))).collect::<serde_json::Map<_, _>>(),
                "projects": s.projects.iter().map(|p| json!({
                    "root": p.root, "name": p.name, "builds": p.builds,
                    "failed_builds": p.failed_builds, "actions_run": p.actions_run,
                    "cache_hits": p.cache_hits, "up_to_date": p.up_to_date,
                    "compile_ms": p.compile_ms, "saved_ms": p.saved_ms,
                    "last_build_unix_s": p.last_build_unix_s,
                })).collect::<Vec<_>>(),
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    let answered = s.hits + s.misses;
    let rate = if answered > 0 {
        100.0 * s.hits as f64 / answered as f64
    } else {
        0.0
    };
    println!("requests          {}", s.requests);
    println!("cache hits        {} ({rate:.1} %)", s.hits);
    println!("cache misses      {}", s.misses);
    for m in &s.misses_by_reason {
        println!("  {:<30} {}", m.reason, m.count);
    }
    println!("passed through    {}", s.passthrough);
    for m in &s.passthrough_by_reason {
        println!("  {:<30} {}", m.reason, m.count);
    }
    println!("compile failures  {}", s.compile_failures);
    println!("errors            {}", s.errors);
    println!("source in         {}", format::bytes(s.bytes_in));
    println!("objects out       {}", format::bytes(s.bytes_out));
    println!(
        "compiler time     {}",
        format::duration(Duration::from_millis(s.compile_ms))
    );
    println!(
        "time saved        {}",
        format::duration(Duration::from_millis(s.saved_ms))
    );
    if !s.projects.is_empty() {
        println!();
        println!(
            "{:<16} {:>7} {:>9} {:>9} {:>10} {:>11} {:>11}",
            "project", "builds", "ran", "hit rate", "up to date", "tool time", "time saved"
        );
    }
    for p in &s.projects {
        let rate = if p.actions_run > 0 {
            format!(
                "{:.1} %",
                100.0 * p.cache_hits as f64 / p.actions_run as f64
            )
        } else {
            "-".into()
        };
        let name = if p.name.is_empty() { &p.root } else { &p.name };
        println!(
            "{name:<16} {:>7} {:>9} {rate:>9} {:>10} {:>11} {:>11}",
            p.builds,
            p.actions_run,
            p.up_to_date,
            format::duration(Duration::from_millis(p.compile_ms)),
            format::duration(Duration::from_millis(p.saved_ms)),
        );
        println!("  {}", p.root);
    }
    if args.zero {
        println!("(counters reset)");
    }
    Ok(ExitCode::SUCCESS)
}

/// `warmcc toolchains`.
pub async fn toolchains(paths: &Paths, json: bool) -> Result<ExitCode> {
    let ch = client::ensure(paths).await?;
    let list = daemon_client(&ch)
        .toolchains(pb::ToolchainsRequest {})
        .await?
        .into_inner()
        .toolchains;
    if json {
        let v: Vec<_> = list
            .iter()
            .map(|t| json!({"name": t.name, "path": t.path, "kind": t.kind, "version": t.version, "default_target": t.default_target}))
            .collect();
        println!("{:#}", json!(v));
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        println!("no compilers found on PATH; install one with `apt-get install clang-19`");
    }
    for t in &list {
        println!(
            "{:<22} {:<6} {:<28} {}\n{:<22} {}",
            t.name, t.kind, t.default_target, t.version, "", t.path
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `warmcc sessions`.
pub async fn sessions(paths: &Paths, json: bool) -> Result<ExitCode> {
    let ch = client::ensure(paths).await?;
    let list = pb::sessions_client::SessionsClient::new(ch)
        .list(pb::ListSessionsRequest {})
        .await?
        .into_inner()
        .sessions;
    if json {
        let v: Vec<_> = list
            .iter()
            .map(|s| json!({"session_id": s.session_id, "backend": s.backend, "target": s.target, "snippets": s.snippets, "idle_ms": s.idle_ms, "compiler": s.compiler}))
            .collect();
        println!("{:#}", json!(v));
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        println!("no open sessions");
    }
    for s in &list {
        println!(
            "{}  {} snippets  {}  idle {}  {}",
            s.session_id,
            s.snippets,
            s.target,
            format::duration(Duration::from_millis(s.idle_ms)),
            s.compiler
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `warmcc cache clear`.
pub async fn cache(paths: &Paths, action: CacheAction) -> Result<ExitCode> {
    match action {
        CacheAction::Clear => {
            let ch = client::ensure(paths).await?;
            let r = daemon_client(&ch)
                .cache_clear(pb::CacheClearRequest {})
                .await?
                .into_inner();
            println!(
                "removed {} entries ({})",
                r.removed_entries,
                format::bytes(r.removed_bytes)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
