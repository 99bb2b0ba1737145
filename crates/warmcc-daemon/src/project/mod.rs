//! Project builds in the daemon: load warmcc.toml, build the action graph, run it through the
//! scheduler with the engine behind it, and report every action as it finishes.

mod executor;
pub mod log;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use warmcc_build::graph::ActionKind;
use warmcc_build::schedule::{self, Event};
use warmcc_build::{ActionGraph, Project};
use warmcc_proto::v1 as pb;

use crate::state::State;
use executor::ProjectExecutor;

/// Runs one build, sending events through `send`; the last event is always the summary.
pub fn build(st: &Arc<State>, req: pb::BuildRequest, send: &(dyn Fn(pb::BuildEvent) + Sync)) {
    let summary = match run(st, &req, send) {
        Ok(s) => s,
        Err(error) => pb::BuildSummary {
            error,
            ..Default::default()
        },
    };
    send(pb::BuildEvent {
        event: Some(pb::build_event::Event::Summary(summary)),
    });
}

fn kind_name(k: ActionKind) -> &'static str {
    match k {
        ActionKind::Compile => "compile",
        ActionKind::EmitIr => "emit-ir",
        ActionKind::Archive => "archive",
        ActionKind::Link => "link",
    }
}

fn run(
    st: &Arc<State>,
    req: &pb::BuildRequest,
    send: &(dyn Fn(pb::BuildEvent) + Sync),
) -> Result<pb::BuildSummary, String> {
    let root = PathBuf::from(&req.project_dir);
    if !root.is_absolute() {
        return Err(format!(
            "project directory {} must be absolute",
            root.display()
        ));
    }
    let project =
        Project::load(&root.join(warmcc_build::config::FILE_NAME)).map_err(|e| e.to_string())?;
    let profile = if req.profile.is_empty() {
        "debug"
    } else {
        req.profile.as_str()
    };
    let graph =
        ActionGraph::build(&project.config, &project.root, profile).map_err(|e| e.to_string())?;
    let which: Vec<usize> = if req.target.is_empty() {
        (0..graph.actions.len()).collect()
    } else {
        graph.needed(&req.target).map_err(|e| e.to_string())?
    };
    let compdb = project.root.join("compile_commands.json");
    crate::fsutil::write_atomic(&compdb, warmcc_build::compile_commands(&graph).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", compdb.display()))?;

    let state_dir = project.root.join(&project.config.build_dir).join(profile);
    let log_file = state_dir.join(".warmcc-log.json");
    let exec = ProjectExecutor::new(
        st,
        project.root.clone(),
        req.env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        req.color,
        log::BuildLog::load(&log_file),
    );
    let jobs = if req.jobs == 0 {
        st.config.jobs
    } else {
        req.jobs as usize
    };
    let trace: Mutex<Vec<serde_json::Value>> = Mutex::new(Vec::new());
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
            if let Ok(mut t) = trace.lock() {
                t.push(serde_json::json!({
                    "name": output, "cat": kind_name(action.kind), "ph": "X", "pid": 1, "tid": worker,
                    "ts": start.as_micros() as u64, "dur": took.as_micros() as u64,
                    "args": {"target": action.target, "cache_hit": done.cache_hit, "ok": done.ok},
                }));
            }
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
            })),
        });
    };
    let summary = schedule::run(&graph, &which, jobs, req.keep_going, &exec, &on_event);
    let log = exec.log.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Err(e) = log.save(&log_file) {
        tracing::warn!(file = %log_file.display(), error = %e, "cannot save the build log");
    }
    let trace_file = project.root.join(".warmcc/trace.json");
    let events = trace.into_inner().unwrap_or_default();
    let _ = write_trace(&trace_file, &events);
    Ok(pb::BuildSummary {
        success: summary.failed.is_empty() && summary.not_run == 0,
        ran: summary.ran as u32,
        up_to_date: summary.up_to_date as u32,
        cache_hits: summary.cache_hits as u32,
        failed: summary.failed.len() as u32,
        not_run: summary.not_run as u32,
        wall_us: summary.wall.as_micros() as u64,
        error: String::new(),
        trace_file: trace_file.display().to_string(),
    })
}

fn write_trace(file: &Path, events: &[serde_json::Value]) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let json = serde_json::to_vec(&serde_json::json!({ "traceEvents": events }))
        .map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(file, &json)
}
