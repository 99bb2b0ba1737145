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
    Ok(ExitCode::SUCCESS)
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
