//! Project builds in the daemon: load warmcc.toml (kept in memory), build the action graph, run
//! it through the scheduler with the engine behind it, report every action as it finishes, and
//! in watch mode do it again on every change.

mod executor;
pub mod loaded;
pub mod log;
pub mod programs;
mod status;
mod trace;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use warmcc_build::graph::ActionKind;
use warmcc_build::schedule::{self, Event};
use warmcc_build::{ActionGraph, Project};
use warmcc_proto::v1 as pb;

use crate::mutex::lock;
use crate::state::State;
use crate::watch::Snapshot;
use executor::ProjectExecutor;
use loaded::{LastBuild, Loaded};
pub use status::{project_stats, project_status};

/// How long watch mode waits for the edits of one save to settle before building.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// Runs one build (or, with `watch`, one per change until `cancel` is set), sending events
/// through `send`; every build ends with a summary event.
pub fn build(
    st: &Arc<State>,
    req: pb::BuildRequest,
    send: &(dyn Fn(pb::BuildEvent) + Sync),
    cancel: &AtomicBool,
) {
    let root = PathBuf::from(&req.project_dir);
    if !root.is_absolute() {
        send(summary_event(pb::BuildSummary {
            error: format!("project directory {} must be absolute", root.display()),
            ..Default::default()
        }));
        return;
    }
    let loaded = st.projects.get(&root);
    if !req.watch {
        let summary = build_once(st, &loaded, &req, send, Vec::new());
        send(summary_event(summary));
        return;
    }
    lock(&loaded).watchers += 1;
    watch_loop(st, &loaded, &req, send, cancel);
    lock(&loaded).watchers -= 1;
}

fn summary_event(s: pb::BuildSummary) -> pb::BuildEvent {
    pb::BuildEvent {
        event: Some(pb::build_event::Event::Summary(s)),
    }
}

/// Builds, then waits for a relevant change, debounces, and builds again, until cancelled.
fn watch_loop(
    st: &Arc<State>,
    loaded: &Mutex<Loaded>,
    req: &pb::BuildRequest,
    send: &(dyn Fn(pb::BuildEvent) + Sync),
    cancel: &AtomicBool,
) {
    let root = PathBuf::from(&req.project_dir);
    if !st.watcher.active() {
        send(summary_event(pb::BuildSummary {
            error: "watch mode needs a file watcher, and inotify is not available here".into(),
            ..Default::default()
        }));
        return;
    }
    let mut changed = Vec::new();
    while !cancel.load(Ordering::SeqCst) {
        let summary = build_once(st, loaded, req, send, changed);
        let failed_to_start = !summary.error.is_empty();
        send(summary_event(summary));
        let ignored = {
            let l = lock(loaded);
            let build_dir = l
                .loaded_project()
                .map(|p| root.join(&p.config.build_dir))
                .unwrap_or_else(|| root.join(warmcc_build::config::DEFAULT_BUILD_DIR));
            vec![build_dir, root.join(".warmcc")]
        };
        // Changes made by the build itself (outputs, logs) are not edits.
        let mut seen = st.watcher.sync().map_or(0, |s| s.gen);
        send(pb::BuildEvent {
            event: Some(pb::build_event::Event::Waiting(format!(
                "watching {} for changes{} (Ctrl-C to stop)",
                root.display(),
                if failed_to_start {
                    "; fix warmcc.toml to go on"
                } else {
                    ""
                }
            ))),
        });
        changed = Vec::new();
        while changed.is_empty() {
            if cancel.load(Ordering::SeqCst) {
                return;
            }
            let now = st.watcher.wait_change(seen, Duration::from_millis(250));
            if now > seen {
                changed = st
                    .watcher
                    .view()
                    .changed_between(seen, now, |p| relevant_edit(p, &root, &ignored));
                seen = now;
            }
        }
        // One save often writes several files (or one file several times): let it settle.
        loop {
            if cancel.load(Ordering::SeqCst) {
                return;
            }
            let now = st.watcher.wait_change(seen, DEBOUNCE);
            if now == seen {
                break;
            }
            let more = st
                .watcher
                .view()
                .changed_between(seen, now, |p| relevant_edit(p, &root, &ignored));
            changed.extend(more);
            seen = now;
        }
        changed.sort();
        changed.dedup();
    }
}

/// Whether a change at `path` should start a build in watch mode: inside the project, outside
/// warmcc's own directories, and not an editor's temporary file.
fn relevant_edit(path: &Path, root: &Path, ignored: &[PathBuf]) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    path.starts_with(root)
        && !ignored.iter().any(|i| path.starts_with(i))
        && name != "compile_commands.json"
        && !name.starts_with('.')
        && !name.ends_with('~')
        && !name.ends_with(".swp")
        && name != "4913"
}

fn kind_name(k: ActionKind) -> &'static str {
    match k {
        ActionKind::Compile => "compile",
        ActionKind::EmitIr => "emit-ir",
        ActionKind::Archive => "archive",
        ActionKind::Link => "link",
    }
}

/// One build of the project; errors before any action ran become the summary's `error`.
fn build_once(
    st: &Arc<State>,
    loaded: &Mutex<Loaded>,
    req: &pb::BuildRequest,
    send: &(dyn Fn(pb::BuildEvent) + Sync),
    changed: Vec<PathBuf>,
) -> pb::BuildSummary {
    let started = Instant::now();
    let mut l = lock(loaded);
    let mut summary = match run(st, &mut l, req, send, changed) {
        Ok(s) => s,
        Err(error) => pb::BuildSummary {
            error,
            ..Default::default()
        },
    };
    if summary.wall_us == 0 {
        summary.wall_us = started.elapsed().as_micros() as u64;
    }
    summary.daemon_version = crate::version();
    l.last = Some(LastBuild {
        finished: SystemTime::now(),
        profile: profile_of(req).to_string(),
        target: req.target.clone(),
        summary: summary.clone(),
    });
    let name = l
        .loaded_project()
        .map(|p| p.config.name.clone())
        .unwrap_or_default();
    st.stats.record_build(&l.root, &name, &summary);
    summary
}

fn profile_of(req: &pb::BuildRequest) -> &str {
    if req.profile.is_empty() {
        "debug"
    } else {
        req.profile.as_str()
    }
}

fn run(
    st: &Arc<State>,
    l: &mut Loaded,
    req: &pb::BuildRequest,
    send: &(dyn Fn(pb::BuildEvent) + Sync),
    changed: Vec<PathBuf>,
) -> Result<pb::BuildSummary, String> {
    let root = l.root.clone();
    if !root.join(warmcc_build::config::FILE_NAME).is_file() {
        return Err(format!(
            "no {} in {}",
            warmcc_build::config::FILE_NAME,
            root.display()
        ));
    }
    let t0 = Instant::now();
    let snap: Option<Snapshot> = if st.watcher.watch(&root, true) {
        st.watcher.sync()
    } else {
        None
    };
    let t_sync = t0.elapsed();
    let project = l.project(&st.watcher, snap)?;
    let profile = profile_of(req);
    let graph = l.graph(&project, profile)?;
    let t_load = t0.elapsed();
    let which: Vec<usize> = if req.target.is_empty() {
        (0..graph.actions.len()).collect()
    } else {
        graph.needed(&req.target).map_err(|e| e.to_string())?
    };
    l.write_compdb(&graph).map_err(|e| {
        format!(
            "cannot write {}: {e}",
            root.join("compile_commands.json").display()
        )
    })?;
    if req.progress || req.watch {
        send(pb::BuildEvent {
            event: Some(pb::build_event::Event::Start(pb::BuildStart {
                total: which.len() as u32,
                changed: changed.iter().map(|p| shown(p, &root)).collect(),
            })),
        });
    }

    let log_file = log_file(&project, profile);
    let log = l.take_log(profile, &log_file);
    let commands = l.take_commands(profile, &graph);
    let exec = ProjectExecutor::new(
        st,
        project.root.clone(),
        &req.env,
        req.color,
        log,
        (commands, l.durations.clone()),
        snap,
    );
    let t_prep = t0.elapsed();
    let mut result = execute(st, &exec, &graph, &which, req, send);
    let t_exec = t0.elapsed();
    result.tool_ms = exec.tool_us.load(Ordering::Relaxed) / 1000;
    result.saved_ms = exec.saved_us.load(Ordering::Relaxed) / 1000;
    let (mut log, commands, written) = exec.into_parts();
    l.put_commands(profile, commands);
    result.paths_checked = log.take_checked();
    if let Err(e) = log.save(&log_file) {
        tracing::warn!(file = %log_file.display(), error = %e, "cannot save the build log");
    }
    // After a daemon restart the log comes from disk: all its inputs get watched once, then
    // those of the actions that ran (they may have read new headers).
    let first = l.first_build_of(profile);
    if snap.is_some() && (first || result.ran > 0) {
        watch_input_dirs(st, &root, &log, (!first).then_some(&written));
    }
    l.put_log(profile, log);
    tracing::debug!(
        sync_us = t_sync.as_micros() as u64,
        load_us = (t_load - t_sync).as_micros() as u64,
        prepare_us = (t_prep - t_load).as_micros() as u64,
        execute_us = (t_exec - t_prep).as_micros() as u64,
        finish_us = (t0.elapsed() - t_exec).as_micros() as u64,
        watched = snap.is_some(),
        "build phases"
    );
    Ok(result)
}

/// Where a profile's build log lives.
fn log_file(project: &Project, profile: &str) -> PathBuf {
    project
        .root
        .join(&project.config.build_dir)
        .join(profile)
        .join(".warmcc-log.json")
}

fn shown(p: &Path, root: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

/// Runs the actions: when every one is up to date (the common no-op) that is found in one pass
/// on this thread, else the scheduler runs them on `jobs` threads.
fn execute(
    st: &Arc<State>,
    exec: &ProjectExecutor,
    graph: &ActionGraph,
    which: &[usize],
    req: &pb::BuildRequest,
    send: &(dyn Fn(pb::BuildEvent) + Sync),
) -> pb::BuildSummary {
    let started = Instant::now();
    let total = which.len() as u32;
    if !req.verbose && which.iter().all(|&i| exec.up_to_date(&graph.actions[i])) {
        return pb::BuildSummary {
            success: true,
            up_to_date: total,
            total,
            wall_us: started.elapsed().as_micros() as u64,
            ..Default::default()
        };
    }
    let jobs = if req.jobs == 0 {
        st.config.jobs
    } else {
        req.jobs as usize
    };
    let trace = trace::Trace::default();
    let on_event = |e: Event| {
        let Event::Finished {
            action,
            done,
            start,
            took,
            worker,
            progress,
        } = e;
        let output = action.output().display().to_string();
        if !done.up_to_date {
            trace.add(action, done, start, took, worker);
        }
        if done.up_to_date && !req.verbose {
            return;
        }
        send(pb::BuildEvent {
            event: Some(pb::build_event::Event::Action(pb::ActionDone {
                kind: kind_name(action.kind).into(),
                target: action.target.clone(),
                output,
                ok: done.ok,
                up_to_date: done.up_to_date,
                cache_hit: done.cache_hit,
                duration_us: took.as_micros() as u64,
                output_text: done.output.clone(),
                done: progress.0 as u32,
                total: progress.1 as u32,
                saved_us: done.saved.as_micros() as u64,
            })),
        });
    };
    let summary = schedule::run(graph, which, jobs, req.keep_going, exec, &on_event);
    let trace_file = exec.root.join(".warmcc/trace.json");
    if summary.ran > 0 {
        if let Err(e) = trace.write(&trace_file) {
            tracing::warn!(file = %trace_file.display(), error = %e, "cannot write the trace");
        }
    }
    pb::BuildSummary {
        success: summary.failed.is_empty() && summary.not_run == 0,
        ran: summary.ran as u32,
        up_to_date: summary.up_to_date as u32,
        cache_hits: summary.cache_hits as u32,
        failed: summary.failed.len() as u32,
        not_run: summary.not_run as u32,
        wall_us: summary.wall.as_micros() as u64,
        trace_file: trace_file.display().to_string(),
        total,
        ..Default::default()
    }
}

/// Watches the inputs outside the project tree (system headers, search directories), so that
/// later builds need not stat them either: a directory itself, a file through its directory.
/// With `only`, just the paths of the entries for those outputs.
fn watch_input_dirs(st: &State, root: &Path, log: &log::BuildLog, only: Option<&HashSet<PathBuf>>) {
    let mut outside: Vec<&Path> = log.paths(only).filter(|p| !p.starts_with(root)).collect();
    outside.sort();
    outside.dedup();
    let mut dirs: Vec<&Path> = outside
        .into_iter()
        .filter_map(|p| if p.is_dir() { Some(p) } else { p.parent() })
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        st.watcher.watch(d, false);
    }
}
