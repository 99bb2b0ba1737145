//! Preludes: the heavy headers a session or request includes, compiled once into a PCH.

use std::path::{Path, PathBuf};

use warmcc_cache::Key;
use warmcc_toolchain::Kind;

use crate::action::{Input, Outcome, OutputKind, Pch};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::spec::CompileSpec;

/// The headers and text that make up a prelude.
#[derive(Clone, Debug, Default)]
pub struct Prelude {
    /// Header paths, or names of headers on the include path (`vector`, `<map>`).
    pub headers: Vec<String>,
    /// Extra text after the headers.
    pub text: String,
}

impl Prelude {
    /// Whether there is nothing to precompile.
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty() && self.text.trim().is_empty()
    }

    /// The prelude as one header file's text. Existing paths are included by absolute path
    /// (so the key names exactly that file); other names are looked up on the include path.
    pub fn source(&self, working_dir: &Path) -> Result<String, EngineError> {
        let mut out = String::from("#pragma once\n");
        for h in &self.headers {
            if h.is_empty() || h.contains(['"', '\n', '\r', '\0']) {
                return Err(EngineError::InvalidRequest(format!(
                    "bad prelude header `{h}`"
                )));
            }
            if h.starts_with('<') && h.ends_with('>') {
                out.push_str(&format!("#include {h}\n"));
                continue;
            }
            let p = working_dir.join(h);
            if p.is_file() {
                let abs = crate::engine::normalize(&p);
                out.push_str(&format!("#include \"{}\"\n", abs.display()));
            } else if h.contains('/') && (h.starts_with('/') || h.starts_with('.')) {
                return Err(EngineError::InvalidRequest(format!(
                    "prelude header {} does not exist",
                    p.display()
                )));
            } else {
                out.push_str(&format!("#include <{h}>\n"));
            }
        }
        out.push_str(&self.text);
        out.push('\n');
        Ok(out)
    }
}

impl Engine {
    /// Precompiles a prelude with the options of `base` (its input is ignored).
    ///
    /// Returns the PCH (None when the prelude failed to compile) and the compile's outcome,
    /// whose diagnostics explain a failure. The PCH bytes are not kept in the outcome.
    pub fn precompile(
        &self,
        base: &CompileSpec,
        prelude: &Prelude,
    ) -> Result<(Option<Pch>, Outcome), EngineError> {
        if base.compiler.kind != Kind::Clang {
            return Err(EngineError::InvalidRequest(format!(
                "preludes are precompiled with clang; {} is not clang",
                base.compiler.name
            )));
        }
        let text = prelude.source(&base.working_dir)?;
        let header = self.materialize(
            "prelude",
            &format!(
                "{}.h",
                Key::from_hash(blake3::hash(text.as_bytes())).to_hex()
            ),
            text.as_bytes(),
        )?;
        let mut spec = base.clone();
        spec.input = Input::File(header);
        let action = spec.to_action(OutputKind::Pch, None)?;
        let mut outcome = self.run(&action)?;
        if outcome.exit_code != 0 {
            return Ok((None, outcome));
        }
        let bytes = std::mem::take(&mut outcome.output);
        let key = Key::from_hash(blake3::hash(&bytes));
        let path = self.materialize("pch", &format!("{}.pch", key.to_hex()), &bytes)?;
        Ok((Some(Pch { key, path }), outcome))
    }

    /// Writes content-named bytes under the state directory once (atomically) and returns the path.
    fn materialize(&self, dir: &str, name: &str, bytes: &[u8]) -> Result<PathBuf, EngineError> {
        let dir = self.state_dir.join(dir);
        let path = dir.join(name);
        if std::fs::metadata(&path)
            .map(|m| m.len() == bytes.len() as u64)
            .unwrap_or(false)
        {
            return Ok(path);
        }
        std::fs::create_dir_all(&dir).map_err(|e| EngineError::io("cannot create", &dir, e))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)
            .map_err(|e| EngineError::io("cannot create a file in", &dir, e))?;
        std::io::Write::write_all(&mut tmp, bytes)
            .map_err(|e| EngineError::io("cannot write", tmp.path().to_path_buf(), e))?;
        tmp.persist(&path)
            .map_err(|e| EngineError::io("cannot write", &path, e.error))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_angle_includes_and_paths_quoted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.h"), "int x;").unwrap();
        let p = Prelude {
            headers: vec!["vector".into(), "<map>".into(), "mine.h".into()],
            text: "using namespace std;".into(),
        };
        let s = p.source(dir.path()).unwrap();
        assert!(s.contains("#include <vector>\n"));
        assert!(s.contains("#include <map>\n"));
        assert!(s.contains(&format!(
            "#include \"{}\"",
            dir.path().join("mine.h").display()
        )));
        assert!(s.contains("using namespace std;"));
    }

    #[test]
    fn missing_explicit_path_is_an_error() {
        let p = Prelude {
            headers: vec!["./nope.h".into()],
            text: String::new(),
        };
        assert!(p.source(Path::new("/tmp")).is_err());
    }
}
