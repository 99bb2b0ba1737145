//! The compiler-wrapper path: a build system's command line, run through the cache, with the
//! object and depfile written where the command line asks, as the compiler itself would.

use std::path::{Path, PathBuf};
use std::time::Instant;

use warmcc_engine::cmdline::{self, Classified, WrappedCompile};
use warmcc_engine::{normalize, Action, CacheStatus, Input, Outcome, OutputKind};
use warmcc_proto::v1 as pb;
use warmcc_toolchain::Kind;

use crate::fsutil::write_atomic;
use crate::state::State;

/// What the fast path decided.
pub(crate) enum Fast {
    /// Answered: a hit, or a pass-through.
    Answer(pb::WrapResponse),
    /// A compile is needed (on a blocking thread).
    Compile(Box<Action>, Box<WrappedCompile>, Instant),
}

fn passthrough(st: &State, reason: String) -> pb::WrapResponse {
    st.stats.record_passthrough(&reason);
    pb::WrapResponse {
        passthrough: true,
        reason,
        daemon_version: crate::version(),
        ..Default::default()
    }
}

/// Classifies the command line and answers hits and pass-throughs; cheap enough to run on the
/// thread that received the request (a hand-off to another thread costs a scheduler wake-up,
/// which on a busy machine is more than the hit itself).
pub(crate) fn fast(st: &State, req: pb::WrapRequest) -> Fast {
    let started = Instant::now();
    let pass = |reason: String| Fast::Answer(passthrough(st, reason));
    match prepare(st, req) {
        Err(reason) => pass(reason),
        Ok((action, compile)) => match st.engine.try_hit(&action) {
            Ok(Some(outcome)) => Fast::Answer(finish(st, &action, &compile, outcome, started)),
            Ok(None) => Fast::Compile(Box::new(action), Box::new(compile), started),
            Err(e) => pass(e.to_string()),
        },
    }
}

/// Runs a compile the fast path could not answer.
pub(crate) fn compile(
    st: &State,
    action: &Action,
    compile: &WrappedCompile,
    started: Instant,
) -> pb::WrapResponse {
    match st.engine.run(action) {
        Ok(outcome) => finish(st, action, compile, outcome, started),
        // Let the compiler itself report what is wrong (a missing source, say).
        Err(e) => passthrough(st, e.to_string()),
    }
}

/// Turns a request into an action, or says why it passes through.
fn prepare(st: &State, req: pb::WrapRequest) -> Result<(Action, WrappedCompile), String> {
    let cwd = PathBuf::from(&req.cwd);
    if !cwd.is_absolute() || !cwd.is_dir() {
        return Err(format!("working directory {} is not usable", cwd.display()));
    }
    // gcc writes dependency files named by these variables itself, behind the command line's back.
    if ["DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES"]
        .iter()
        .any(|k| req.env.contains_key(*k))
    {
        return Err("dependency output requested through the environment".into());
    }
    let args = cmdline::expand_response_files(&req.args, &cwd)?;
    let mut compile = match cmdline::classify(&args, &cwd) {
        Classified::Cache(c) => *c,
        Classified::Passthrough(reason) => return Err(reason),
    };
    let base_dir = req
        .env
        .get("WARMCC_BASEDIR")
        .filter(|b| !b.is_empty())
        .map(PathBuf::from)
        .or_else(|| st.config.base_dir.clone())
        .filter(|b| b.is_absolute())
        .map(|b| normalize(&b));
    if let Some(base) = &base_dir {
        cmdline::rebase(&mut compile, base, &cwd);
    }
    let compiler = st
        .registry
        .identify(Path::new(&req.compiler))
        .map_err(|e| format!("compiler not identified: {e}"))?;
    let mut args = compile.args.clone();
    if req.stderr_is_tty && !compile.has_color_flag {
        // The compiler would have seen a terminal; the daemon's pipe must not change its output.
        args.push(match compiler.kind {
            Kind::Clang => "-fcolor-diagnostics".into(),
            Kind::Gcc => "-fdiagnostics-color=always".into(),
        });
    }
    let action = Action {
        compiler,
        cwd: cwd.clone(),
        args,
        input: Input::File(PathBuf::from(&compile.source)),
        output: OutputKind::Object,
        search_dirs: compile.search_dirs.clone(),
        pch: None,
        uncacheable: None,
        env: Some(req.env.into_iter().collect()),
        extra_inputs: compile.extra_inputs.clone(),
        embeds_cwd: cmdline::embeds_cwd(&compile.args, &cwd),
        base_dir,
    };
    Ok((action, compile))
}

/// Writes the outputs and answers.
fn finish(
    st: &State,
    action: &Action,
    compile: &WrappedCompile,
    outcome: Outcome,
    started: Instant,
) -> pb::WrapResponse {
    let ran = started.elapsed();
    if let Err(e) = write_outputs(st, action, compile, &outcome) {
        return passthrough(st, e);
    }
    tracing::debug!(
        source = %compile.source,
        hit = outcome.cache == CacheStatus::Hit,
        lookup_or_compile_us = ran.as_micros() as u64,
        write_us = (started.elapsed() - ran).as_micros() as u64,
        object_bytes = outcome.output.len(),
        "wrapped compile"
    );
    st.stats.record(0, &outcome);
    let reason = match &outcome.cache {
        CacheStatus::Hit => String::new(),
        CacheStatus::Miss(r) => r.as_str().to_string(),
        CacheStatus::Uncacheable(r) => format!("uncacheable: {r}"),
    };
    pb::WrapResponse {
        passthrough: false,
        reason,
        exit_code: outcome.exit_code,
        cache_hit: outcome.cache == CacheStatus::Hit,
        stdout: outcome.stdout.into_bytes(),
        stderr: outcome.stderr.into_bytes(),
        daemon_version: crate::version(),
        compile_us: outcome.compile_time.as_micros() as u64,
        saved_us: outcome.saved.as_micros() as u64,
    }
}

/// Writes the object and depfile of a successful compile, or removes a stale object after a
/// failed one (as compilers do, so make does not take it for up to date).
fn write_outputs(
    st: &State,
    action: &Action,
    compile: &WrappedCompile,
    outcome: &Outcome,
) -> Result<(), String> {
    let out = action.cwd.join(&compile.output);
    if outcome.exit_code != 0 {
        let _ = std::fs::remove_file(&out);
        return Ok(());
    }
    write_atomic(&out, &outcome.output)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    if let Some(dep) = &compile.dep {
        let mut deps = outcome.raw_deps.clone();
        if dep.user_only {
            let lang = if compile.source.ends_with(".c") {
                "c"
            } else {
                "c++"
            };
            let system = st
                .engine
                .system_include_dirs(action, lang, &compile.user_dirs);
            deps.retain(|d| {
                let p = normalize(&action.cwd.join(d));
                !system.iter().any(|s| p.starts_with(s))
            });
        }
        let text = cmdline::render_depfile(dep, &compile.output, &deps);
        let path = action.cwd.join(&dep.file);
        write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
