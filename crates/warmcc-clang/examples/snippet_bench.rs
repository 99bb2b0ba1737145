//! Measures the in-process backend through its worker: session start from a PCH, per-snippet
//! latency (p50/p95) for the test suite's 40+ STL snippets at -O0 with and without dedup, and the
//! worker's memory after the prelude and after 200 snippets.
//!
//! Run: `cargo run --release -p warmcc-clang --example snippet_bench`

mod common;

use std::time::Instant;

use common::{snippets, stl_worker};
use warmcc_clang::client::{default_worker_path, WorkerClient};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let exe = default_worker_path().ok_or("warmcc-clang-worker not found; build it first")?;
    let dir = std::env::temp_dir().join(format!("warmcc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let pch = dir.join("stl.pch");
    let config = |dedup: bool| stl_worker(&exe, &pch, dedup);

    // Dedup does not change the PCH, so one PCH serves both runs.
    let first = WorkerClient::start(config(false))?;
    let built = first.init_response();
    println!(
        "prelude PCH built in-process: {:.1} ms",
        built.pch_build_us as f64 / 1000.0
    );
    first.shutdown()?;

    for dedup in [false, true] {
        let started = Instant::now();
        let mut w = WorkerClient::start(config(dedup))?;
        let start_wall = started.elapsed().as_secs_f64() * 1000.0;
        let start_in_worker = w.init_response().start_us as f64 / 1000.0;
        let prelude_stats = w.stats()?;
        let mut compile_ms = Vec::new();
        let mut round_trip_ms = Vec::new();
        let mut bytes = 0usize;
        for (i, src) in snippets::SNIPPETS.iter().enumerate() {
            let t = Instant::now();
            let r = w.compile(&format!("s{i}"), src.as_bytes())?;
            round_trip_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            if !r.ok {
                return Err(format!("snippet {i} failed: {}", r.diagnostics_text).into());
            }
            compile_ms.push(r.compile_us as f64 / 1000.0);
            if std::env::var_os("BENCH_VERBOSE").is_some() {
                eprintln!("  s{i}: {:.1} ms", r.compile_us as f64 / 1000.0);
            }
            bytes += r.object.len();
        }
        let n = compile_ms.len();
        let mut i = n;
        while w.snippets() < 200 {
            let src = format!(
                "int gen_{i}(int n) {{ std::vector<int> v(n, {i}); std::map<int, std::string> m; \
                 for (int k = 0; k < n; ++k) m[k] = std::to_string(v[k]); \
                 return (int)m.size() + std::accumulate(v.begin(), v.end(), 0); }}"
            );
            let r = w.compile(&format!("gen{i}"), src.as_bytes())?;
            if !r.ok {
                return Err(format!("generated snippet {i} failed: {}", r.diagnostics_text).into());
            }
            i += 1;
        }
        let stats_200 = w.stats()?;
        compile_ms.sort_by(f64::total_cmp);
        round_trip_ms.sort_by(f64::total_cmp);
        println!(
            "inproc dedup={dedup}: {n} snippets -O0: compile p50 {:.1} ms p95 {:.1} ms; \
             round trip p50 {:.1} ms p95 {:.1} ms; objects {} KiB",
            percentile(&compile_ms, 0.5),
            percentile(&compile_ms, 0.95),
            percentile(&round_trip_ms, 0.5),
            percentile(&round_trip_ms, 0.95),
            bytes / 1024
        );
        println!(
            "inproc dedup={dedup}: session start {start_in_worker:.1} ms in the worker \
             ({start_wall:.1} ms with process spawn); RSS after prelude {:.1} MiB ({:.1} MiB \
             private), after 200 snippets {:.1} MiB ({:.1} MiB private)",
            mib(prelude_stats.rss_bytes),
            mib(prelude_stats.private_bytes),
            mib(stats_200.rss_bytes),
            mib(stats_200.private_bytes)
        );
        w.shutdown()?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
