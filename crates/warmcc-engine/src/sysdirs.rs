//! The compiler's system include directories, to tell `-MMD` which headers to leave out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use warmcc_cache::Key;
use warmcc_toolchain::Compiler;

use crate::engine::normalize;
use crate::key::KeyHasher;

/// Remembers the `#include <...>` search list per compiler and arguments.
#[derive(Default)]
pub struct SystemDirs {
    known: Mutex<HashMap<Key, Vec<PathBuf>>>,
}

impl SystemDirs {
    /// System include directories (normalized) for a compile with these arguments.
    ///
    /// Asks the compiler once (`-E -v` on an empty input) and parses its search list; the `-I`
    /// directories in that list are user directories and are left out.
    pub fn get(
        &self,
        compiler: &Compiler,
        args: &[String],
        lang: &str,
        cwd: &Path,
        user_dirs: &[PathBuf],
    ) -> Vec<PathBuf> {
        let mut h = KeyHasher::new("sysdirs");
        h.field(&compiler.identity).field(lang.as_bytes()).path(cwd);
        for a in args {
            h.field(a.as_bytes());
        }
        let key = h.finish();
        if let Some(v) = self.known.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return v;
        }
        let out = Command::new(&compiler.path)
            .current_dir(cwd)
            .args(args)
            .args(["-E", "-v", "-x", lang, "/dev/null", "-o", "/dev/null"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output();
        let text = out
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .unwrap_or_default();
        let user: Vec<PathBuf> = user_dirs.iter().map(|d| normalize(d)).collect();
        let dirs: Vec<PathBuf> = text
            .lines()
            .skip_while(|l| !l.starts_with("#include <...> search starts here:"))
            .skip(1)
            .take_while(|l| !l.starts_with("End of search list."))
            .map(|l| normalize(&cwd.join(l.trim().trim_end_matches(" (framework directory)"))))
            .filter(|d| !user.contains(d))
            .collect();
        if let Ok(mut m) = self.known.lock() {
            m.insert(key, dirs.clone());
        }
        dirs
    }
}
