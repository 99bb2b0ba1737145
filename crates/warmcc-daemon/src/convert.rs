//! Turns API messages into engine requests, resolving the compiler and checking the target.

use std::path::PathBuf;

use warmcc_engine::{guess_lang, CompileSpec, EngineError, Input, Prelude};
use warmcc_proto::v1 as pb;
use warmcc_toolchain::{Lang, Registry};

/// Builds an engine spec from request options and an input.
pub fn spec_from(
    registry: &Registry,
    opts: &pb::CompileOptions,
    input: Input,
) -> Result<CompileSpec, EngineError> {
    let lang = match pb::Language::try_from(opts.language) {
        Ok(pb::Language::C) => Some(Lang::C),
        Ok(pb::Language::Cxx) => Some(Lang::Cxx),
        Ok(pb::Language::Unspecified) => None,
        Err(_) => {
            return Err(EngineError::InvalidRequest(format!(
                "unknown language {}",
                opts.language
            )))
        }
    };
    let working_dir = if opts.working_dir.is_empty() {
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
    } else {
        let d = PathBuf::from(&opts.working_dir);
        if !d.is_absolute() || !d.is_dir() {
            return Err(EngineError::InvalidRequest(format!(
                "working directory {} must be an existing absolute path",
                d.display()
            )));
        }
        d
    };
    let compiler = if opts.compiler.is_empty() {
        registry.default_for(guess_lang(lang, &input), None)?
    } else {
        registry.find(&opts.compiler, None)?
    };
    let spec = CompileSpec {
        input,
        lang,
        standard: opts.standard.clone(),
        flags: opts.flags.clone(),
        include_dirs: opts.include_dirs.iter().map(PathBuf::from).collect(),
        system_include_dirs: opts.system_include_dirs.iter().map(PathBuf::from).collect(),
        defines: opts.defines.clone(),
        target: opts.target.trim().to_string(),
        sysroot: opts.sysroot.clone(),
        opt_level: opts.opt_level.clone(),
        working_dir,
        compiler,
    };
    if !spec.target.is_empty() {
        registry.check_target(&spec.compiler, &spec.target)?;
    }
    Ok(spec)
}

/// The prelude of a request, if any.
pub fn prelude_from(p: Option<&pb::Prelude>) -> Prelude {
    p.map(|p| Prelude {
        headers: p.headers.clone(),
        text: p.text.clone(),
    })
    .unwrap_or_default()
}

/// Maps engine errors to gRPC statuses a client can act on.
pub fn status_of(e: &EngineError) -> tonic::Status {
    use warmcc_toolchain::ToolchainError as T;
    match e {
        EngineError::InvalidRequest(m) => tonic::Status::invalid_argument(m.clone()),
        EngineError::Toolchain(T::UnknownTarget { .. }) => {
            tonic::Status::invalid_argument(e.to_string())
        }
        EngineError::Toolchain(_) | EngineError::Spawn { .. } => {
            tonic::Status::failed_precondition(e.to_string())
        }
        EngineError::Io { .. } => tonic::Status::internal(e.to_string()),
    }
}
