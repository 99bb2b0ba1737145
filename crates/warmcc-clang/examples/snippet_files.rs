//! Feeds the snippet files of a directory (sorted by name) to one worker and prints, per
//! snippet, the worker's own compile time, the pipe round trip and the worker's CPU time, then
//! p50s. Without the daemon or gRPC in the way, it isolates the worker's cost; with
//! `WARMCC_SHIM_TIMING=1` the worker also prints its per-phase times to stderr.
//!
//! Run: `cargo run --release -p warmcc-clang --example snippet_files -- DIR [--dedup] [--pch FILE]`
//! (the worker is found like the daemon finds it; build it first). bench/snippets writes its
//! snippets as files with `--keep`; any `exports\nsource` files do.

use std::path::PathBuf;
use std::time::Instant;

mod common;

use warmcc_clang::client::{default_worker_path, WorkerClient};

/// CPU time of every thread of `pid`, in ms (schedstat has nanoseconds, unlike /proc/PID/stat).
fn cpu_ms(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    let mut ns = 0u64;
    for t in tasks.flatten() {
        if let Ok(s) = std::fs::read_to_string(t.path().join("schedstat")) {
            ns += s
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    ns as f64 / 1e6
}

fn p50(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(0.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: snippet_files DIR [--dedup] [--pch FILE]")?,
    );
    let (mut dedup, mut pch) = (false, std::env::temp_dir().join("warmcc-snippet-files.pch"));
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dedup" => dedup = true,
            "--pch" => pch = PathBuf::from(args.next().ok_or("--pch needs a file")?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let exe = default_worker_path().ok_or("warmcc-clang-worker not found; build it first")?;
    let mut w = WorkerClient::start(common::stl_worker(&exe, &pch, dedup))?;
    let pid = w.pid().ok_or("worker not running")?;
    let (mut compile, mut trip, mut cpu) = (Vec::new(), Vec::new(), Vec::new());
    println!(
        "{:<24} {:>10} {:>10} {:>10} {:>8}",
        "snippet", "compile", "round trip", "CPU", "object"
    );
    for f in &files {
        let src = std::fs::read(f)?;
        let name = f
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let c0 = cpu_ms(pid);
        let t = Instant::now();
        let r = w.compile(&name, &src)?;
        let rt = t.elapsed().as_secs_f64() * 1000.0;
        let c = cpu_ms(pid) - c0;
        if !r.ok {
            return Err(format!("{name} failed:\n{}", r.diagnostics_text).into());
        }
        let ms = r.compile_us as f64 / 1000.0;
        println!(
            "{name:<24} {ms:>10.1} {rt:>10.1} {c:>10.1} {:>8}",
            r.object.len()
        );
        compile.push(ms);
        trip.push(rt);
        cpu.push(c);
    }
    println!(
        "{:<24} {:>10.1} {:>10.1} {:>10.1}",
        "p50",
        p50(&compile),
        p50(&trip),
        p50(&cpu)
    );
    w.shutdown()?;
    Ok(())
}
