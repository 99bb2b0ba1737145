//! The compiler-wrapper path: a build system's command line, run through the cache, with the
//! object and depfile written where the command line asks, as the compiler itself would.

use std::path::{Path, PathBuf};

use tonic::Status;
use warmcc_engine::cmdline::{self, Classified, WrappedCompile};
use warmcc_engine::{normalize, Action, CacheStatus, Input, Outcome, OutputKind};
use warmcc_proto::v1 as pb;
use warmcc_toolchain::Kind;

use crate::fsutil::write_atomic;
use crate::state::State;

/// Serves one wrapped compile.
pub(crate) fn wrap(st: &State, req: pb::WrapRequest) -> Result<pb::WrapResponse, Status> {
    let started = std::time::Instant::now();
    let pass = |reason: String| {
        st.stats.record_passthrough(&reason);
        Ok(pb::WrapResponse {
            passthrough: true,
            reason,
            daemon_version: crate::version(),
            ..Default::default()
        })
    };
    let cwd = PathBuf::from(&req.cwd);
    if !cwd.is_absolute() || !cwd.is_dir() {
        return pass(format!("working directory {} is not usable", cwd.display()));
    }
    // gcc writes dependency files named by these variables itself, behind the command line's back.
    if ["DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES"]
        .iter()
        .any(|k| req.env.contains_key(*k))
    {
        return pass("dependency output requested through the environment".into());
    }
    let args = match cmdline::expand_response_files(&req.args, &cwd) {
        Ok(a) => a,
        Err(e) => return pass(e),
    };
    let mut compile = match cmdline::classify(&args, &cwd) {
        Classified::Cache(c) => *c,
        Classified::Passthrough(reason) => return pass(reason),
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
    let compiler = match st.registry.identify(Path::new(&req.compiler)) {
        Ok(c) => c,
        Err(e) => return pass(format!("compiler not identified: {e}")),
    };
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
    let prepared = started.elapsed();
    let outcome = match st.engine.run(&action) {
        Ok(o) => o,
        // Let the compiler itself report what is wrong (a missing source, say).
        Err(e) => return pass(e.to_string()),
    };
    let ran = started.elapsed();
    if let Err(e) = write_outputs(st, &action, &compile, &outcome) {
        return pass(e);
    }
    tracing::debug!(
        source = %compile.source,
        hit = outcome.cache == CacheStatus::Hit,
        prepare_us = prepared.as_micros() as u64,
        engine_us = (ran - prepared).as_micros() as u64,
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
    Ok(pb::WrapResponse {
        passthrough: false,
        reason,
        exit_code: outcome.exit_code,
        cache_hit: outcome.cache == CacheStatus::Hit,
        stdout: outcome.stdout.into_bytes(),
        stderr: outcome.stderr.into_bytes(),
        daemon_version: crate::version(),
    })
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
