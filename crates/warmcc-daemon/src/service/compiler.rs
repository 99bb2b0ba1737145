//! The stateless compile service: one request, one object.

use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};
use warmcc_engine::{Input, OutputKind};
use warmcc_proto::v1 as pb;
use warmcc_proto::v1::compile_request::Source;

use crate::convert::{prelude_from, spec_from, status_of};
use crate::state::State;

/// Serves `warmcc.v1.Compiler`.
pub struct CompilerService {
    /// Shared daemon state.
    pub state: Arc<State>,
}

#[tonic::async_trait]
impl pb::compiler_server::Compiler for CompilerService {
    async fn compile(
        &self,
        request: Request<pb::CompileRequest>,
    ) -> Result<Response<pb::CompileResponse>, Status> {
        let _guard = self.state.begin();
        let req = request.into_inner();
        let result = self.state.blocking(move |st| compile(st, req)).await;
        if result.is_err() {
            self.state.stats.record_error();
        }
        result.map(Response::new)
    }

    async fn wrap(
        &self,
        request: Request<pb::WrapRequest>,
    ) -> Result<Response<pb::WrapResponse>, Status> {
        let _guard = self.state.begin();
        let req = request.into_inner();
        // No job limit here: the build system's -j already bounds wrapper compiles, and a hit
        // must never queue behind another client's compile.
        match super::wrap::fast(&self.state, req) {
            super::wrap::Fast::Answer(resp) => Ok(Response::new(resp)),
            super::wrap::Fast::Compile(action, compile, started) => {
                let st = self.state.clone();
                tokio::task::spawn_blocking(move || {
                    super::wrap::compile(&st, &action, &compile, started)
                })
                .await
                .map(Response::new)
                .map_err(|e| Status::internal(format!("wrapped compile failed: {e}")))
            }
        }
    }
}

fn too_big(len: u64, max: u64) -> Status {
    Status::invalid_argument(format!(
        "source is {len} bytes, over the daemon's limit of {max} bytes (max_source_size in config.toml)"
    ))
}

fn compile(st: &State, req: pb::CompileRequest) -> Result<pb::CompileResponse, Status> {
    let started = Instant::now();
    let max = st.config.max_source_bytes;
    let opts = req.options.unwrap_or_default();
    let (input, bytes_in) = match req.source {
        Some(Source::SourceText(bytes)) => {
            if bytes.len() as u64 > max {
                return Err(too_big(bytes.len() as u64, max));
            }
            let n = bytes.len();
            (
                Input::Text {
                    bytes,
                    name: if req.source_name.is_empty() {
                        "input".into()
                    } else {
                        req.source_name.clone()
                    },
                },
                n,
            )
        }
        Some(Source::SourcePath(p)) if !p.is_empty() => (Input::File(p.into()), 0),
        _ => {
            return Err(Status::invalid_argument(
                "the request has no source (source_text or source_path)",
            ))
        }
    };
    let spec = spec_from(&st.registry, &opts, input).map_err(|e| status_of(&e))?;
    let mut bytes_in = bytes_in;
    if let Input::File(p) = &spec.input {
        let abs = spec.working_dir.join(p);
        let len = std::fs::metadata(&abs)
            .map_err(|e| {
                Status::invalid_argument(format!("cannot read source {}: {e}", abs.display()))
            })?
            .len();
        if len > max {
            return Err(too_big(len, max));
        }
        bytes_in = len as usize;
    }
    let prelude = prelude_from(req.prelude.as_ref());
    let mut prelude_us = 0;
    let pch = if prelude.is_empty() {
        None
    } else {
        let t = Instant::now();
        let (pch, out) = st
            .engine
            .precompile(&spec, &prelude)
            .map_err(|e| status_of(&e))?;
        prelude_us = t.elapsed().as_micros() as u64;
        match pch {
            Some(p) => Some(p),
            None => {
                return Ok(pb::CompileResponse {
                    exit_code: out.exit_code,
                    diagnostics: format!("warmcc: the prelude failed to compile:\n{}", out.stderr),
                    compiler: spec.compiler.describe(),
                    ..Default::default()
                })
            }
        }
    };
    let action = spec
        .to_action(OutputKind::Object, pch)
        .map_err(|e| status_of(&e))?;
    let outcome = st.engine.run(&action).map_err(|e| status_of(&e))?;
    st.stats.record(bytes_in, &outcome);
    let cache_us = (started.elapsed().as_micros() as u64)
        .saturating_sub(prelude_us)
        .saturating_sub(outcome.compile_time.as_micros() as u64);
    Ok(pb::CompileResponse {
        exit_code: outcome.exit_code,
        diagnostics: outcome.stderr.clone() + &outcome.stdout,
        cache_hit: super::is_hit(&outcome),
        timings: Some(super::timings(
            &outcome,
            started.elapsed(),
            prelude_us,
            cache_us,
        )),
        compiler: spec.compiler.describe(),
        cache_key: outcome.key.map(|k| k.to_hex()).unwrap_or_default(),
        object: outcome.output,
    })
}
