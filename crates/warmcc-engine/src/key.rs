//! Cache keys. Wrong keys silently hand users another program, so everything an output depends
//! on goes in, each field length-prefixed and domain-separated so no two inputs collide.
//!
//! Two stages, as in ccache's direct mode: the *manifest key* covers the compiler, arguments,
//! working directory, environment, the source and the prelude; it points to a manifest of the
//! headers earlier compiles read. The *result key* adds the content hash of every such header.

use std::path::Path;

use warmcc_cache::Key;

use crate::action::{Action, Input, OutputKind};

/// Bumped whenever the meaning of a key or of a stored result changes.
const KEY_VERSION: &str = "warmcc-key-v1";

/// A hasher that frames every field so that ("ab","c") and ("a","bc") differ.
pub struct KeyHasher(blake3::Hasher);

impl KeyHasher {
    /// Starts a key for one purpose (e.g. "manifest", "result").
    pub fn new(purpose: &str) -> Self {
        let mut h = KeyHasher(blake3::Hasher::new());
        h.field(KEY_VERSION.as_bytes());
        h.field(purpose.as_bytes());
        h
    }

    /// Adds one length-prefixed field.
    pub fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// Adds a path as its raw bytes.
    pub fn path(&mut self, p: &Path) -> &mut Self {
        use std::os::unix::ffi::OsStrExt;
        self.field(p.as_os_str().as_bytes())
    }

    /// The finished key.
    pub fn finish(&self) -> Key {
        Key::from_hash(self.0.finalize())
    }
}

/// The manifest key of an action whose source content hashes to `source_hash`.
///
/// `env` is the environment the compiler runs with (the backend sets it explicitly).
pub fn manifest_key(action: &Action, source_hash: &[u8; 32], env: &[(String, String)]) -> Key {
    let mut h = KeyHasher::new("manifest");
    h.field(&action.compiler.identity);
    h.field(match action.output {
        OutputKind::Object => b"object",
        OutputKind::Pch => b"pch",
    });
    h.field(action.key_cwd().as_bytes());
    h.field(&(action.args.len() as u64).to_le_bytes());
    for a in &action.args {
        h.field(action.key_arg(a).as_bytes());
    }
    h.field(&(env.len() as u64).to_le_bytes());
    for (k, v) in env {
        h.field(k.as_bytes()).field(v.as_bytes());
    }
    match &action.input {
        // The name matters: it is in diagnostics, __FILE__ and debug info.
        Input::Text { name, .. } => h.field(b"text").field(name.as_bytes()),
        Input::File(p) => h.field(b"file").field(action.key_path(p).as_bytes()),
    };
    h.field(source_hash);
    match &action.pch {
        Some(pch) => h.field(b"pch").field(&pch.key.0),
        None => h.field(b"no-pch"),
    };
    h.finish()
}

/// Adds the content hashes of extra inputs (e.g. PCH files) to a manifest key.
pub fn with_extra_inputs(mkey: &Key, inputs: &[(String, [u8; 32])]) -> Key {
    if inputs.is_empty() {
        return *mkey;
    }
    let mut h = KeyHasher::new("extra-inputs");
    h.field(&mkey.0);
    for (p, hash) in inputs {
        h.field(p.as_bytes()).field(hash);
    }
    h.finish()
}

/// The result key: the manifest key plus every recorded input with its content hash.
pub fn result_key(manifest: &Key, deps: &[(String, [u8; 32])]) -> Key {
    let mut h = KeyHasher::new("result");
    h.field(&manifest.0);
    h.field(&(deps.len() as u64).to_le_bytes());
    for (path, hash) in deps {
        h.field(path.as_bytes()).field(hash);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_separates_fields() {
        let a = KeyHasher::new("t").field(b"ab").field(b"c").finish();
        let b = KeyHasher::new("t").field(b"a").field(b"bc").finish();
        assert_ne!(a, b);
    }

    #[test]
    fn result_key_depends_on_header_hash() {
        let m = KeyHasher::new("m").finish();
        let a = result_key(&m, &[("/x.h".into(), [1; 32])]);
        let b = result_key(&m, &[("/x.h".into(), [2; 32])]);
        assert_ne!(a, b);
    }
}
