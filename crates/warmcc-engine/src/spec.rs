//! Turns a compile request (source, language, flags, target, prelude) into an [`Action`].
//!
//! This is where user flags are policed: flags that change what the compiler outputs are
//! refused (warmcc owns `-c`, `-o`, the depfile), and flags that read files warmcc does not hash
//! make the action uncacheable instead of risking a wrong hit.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use warmcc_toolchain::{Compiler, Kind, Lang};

use crate::action::{Action, Input, OutputKind, Pch};
use crate::error::EngineError;

/// A compile as a client describes it.
#[derive(Clone, Debug)]
pub struct CompileSpec {
    /// The translation unit (paths relative to `working_dir`).
    pub input: Input,
    /// C or C++; `None` guesses from the file name (C++ for in-memory source).
    pub lang: Option<Lang>,
    /// `-std=` value, empty for the compiler's default.
    pub standard: String,
    /// Extra flags, passed after warmcc's own.
    pub flags: Vec<String>,
    /// `-I` directories.
    pub include_dirs: Vec<PathBuf>,
    /// `-isystem` directories.
    pub system_include_dirs: Vec<PathBuf>,
    /// `-D` definitions.
    pub defines: Vec<String>,
    /// Target triple, empty for the host.
    pub target: String,
    /// `--sysroot`, empty for none.
    pub sysroot: String,
    /// `-O` level, empty for 0.
    pub opt_level: String,
    /// Where relative paths resolve and the compiler runs.
    pub working_dir: PathBuf,
    /// The compiler.
    pub compiler: Arc<Compiler>,
}

/// Flags that would change what warmcc reads back from the compiler.
const OWNED_FLAGS: &[&str] = &[
    "-o",
    "-c",
    "-S",
    "-E",
    "-M",
    "-MM",
    "-MD",
    "-MMD",
    "-MF",
    "-MT",
    "-MQ",
    "-MG",
    "-MP",
    "-x",
    "-include-pch",
    "-save-temps",
    "-###",
    "-target",
    "--target",
    "-emit-pch",
];

/// Flag prefixes that read files not listed in the depfile (or write files warmcc ignores).
const UNHASHED_PREFIXES: &[&str] = &[
    "-fprofile-use",
    "-fprofile-instr-use",
    "-fprofile-sample-use",
    "-fsanitize-ignorelist",
    "-fsanitize-blacklist",
    "-fplugin",
    "-fpass-plugin",
    "-Xclang",
    "-fmodules",
    "-fmodule-file",
    "-fprebuilt-module-path",
    "-ftime-trace",
    "-B",
    "--gcc-toolchain",
    "-specs",
];

impl CompileSpec {
    /// The language this compile uses.
    pub fn language(&self) -> Lang {
        guess_lang(self.lang, &self.input)
    }

    /// Resolves a possibly relative path against the working directory.
    fn absolute(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.working_dir.join(p)
        }
    }

    /// Builds the action, validating paths and flags.
    pub fn to_action(&self, output: OutputKind, pch: Option<Pch>) -> Result<Action, EngineError> {
        let lang = self.language();
        let mut args: Vec<String> = Vec::new();
        let mut search_dirs: Vec<PathBuf> = Vec::new();
        let input = match &self.input {
            Input::File(p) => {
                let abs = self.absolute(p);
                if !abs.is_file() {
                    return Err(EngineError::InvalidRequest(format!(
                        "source file {} does not exist",
                        abs.display()
                    )));
                }
                if let Some(dir) = abs.parent() {
                    search_dirs.push(dir.to_path_buf());
                }
                Input::File(abs)
            }
            Input::Text { bytes, name } => {
                search_dirs.push(self.working_dir.clone());
                Input::Text {
                    bytes: bytes.clone(),
                    name: name.clone(),
                }
            }
        };

        args.push("-x".into());
        args.push(
            match (lang, output) {
                (Lang::C, OutputKind::Object) => "c",
                (Lang::Cxx, OutputKind::Object) => "c++",
                (Lang::C, OutputKind::Pch) => "c-header",
                (Lang::Cxx, OutputKind::Pch) => "c++-header",
            }
            .into(),
        );
        if !self.standard.is_empty() {
            check_word("standard", &self.standard)?;
            args.push(format!("-std={}", self.standard));
        }
        let opt = if self.opt_level.is_empty() {
            "0"
        } else {
            &self.opt_level
        };
        if !matches!(opt, "0" | "1" | "2" | "3" | "s" | "z" | "g" | "fast") {
            return Err(EngineError::InvalidRequest(format!(
                "unknown optimization level `{opt}` (use 0, 1, 2, 3, s, z or g)"
            )));
        }
        args.push(format!("-O{opt}"));
        if !self.target.is_empty() {
            check_word("target", &self.target)?;
            if !self.compiler.supports_target_flag() {
                return Err(EngineError::InvalidRequest(format!(
                    "{} cannot cross-compile with --target; use clang, or the {}-gcc cross compiler",
                    self.compiler.name, self.target
                )));
            }
            args.push(format!("--target={}", self.target));
        }
        if !self.sysroot.is_empty() {
            let root = self.absolute(Path::new(&self.sysroot));
            if !root.is_dir() {
                return Err(EngineError::InvalidRequest(format!(
                    "sysroot {} is not a directory",
                    root.display()
                )));
            }
            args.push(format!("--sysroot={}", root.display()));
        }
        for (flag, dirs) in [
            ("-I", &self.include_dirs),
            ("-isystem", &self.system_include_dirs),
        ] {
            for d in dirs {
                let abs = self.absolute(d);
                if !abs.is_dir() {
                    return Err(EngineError::InvalidRequest(format!(
                        "include directory {} does not exist",
                        abs.display()
                    )));
                }
                args.push(flag.into());
                args.push(abs.display().to_string());
                search_dirs.push(abs);
            }
        }
        for d in &self.defines {
            if d.is_empty() || d.starts_with('=') {
                return Err(EngineError::InvalidRequest(format!("bad define `{d}`")));
            }
            args.push(format!("-D{d}"));
        }
        if self.compiler.kind == Kind::Clang {
            // A crashing clang otherwise leaves reproducer files in /tmp for every crash.
            args.push("-fno-crash-diagnostics".into());
        }
        if output == OutputKind::Pch {
            // Instantiating templates into the PCH halves per-snippet parse time (RESEARCH.md);
            // without a timestamp the PCH stays valid as long as our manifest says its inputs are.
            args.push("-fpch-instantiate-templates".into());
            args.push("-Xclang".into());
            args.push("-fno-pch-timestamp".into());
        }
        let mut uncacheable = None;
        let mut i = 0;
        while i < self.flags.len() {
            let f = &self.flags[i];
            if OWNED_FLAGS
                .iter()
                .any(|o| f == o || (o.len() > 2 && f.starts_with(&format!("{o}="))))
            {
                return Err(EngineError::InvalidRequest(format!(
                    "flag `{f}` is set by warmcc itself; use the request's fields instead"
                )));
            }
            if let Some(p) = UNHASHED_PREFIXES.iter().find(|p| f.starts_with(**p)) {
                uncacheable
                    .get_or_insert_with(|| format!("flag `{p}` reads inputs warmcc does not hash"));
            }
            // Search directories given as flags shadow like the request's own.
            for dflag in ["-I", "-iquote", "-isystem", "-idirafter"] {
                if f == dflag {
                    if let Some(d) = self.flags.get(i + 1) {
                        search_dirs.push(self.absolute(Path::new(d)));
                    }
                } else if let Some(d) = f.strip_prefix(dflag).filter(|d| !d.is_empty()) {
                    search_dirs.push(self.absolute(Path::new(d)));
                }
            }
            args.push(f.clone());
            i += 1;
        }
        Ok(Action {
            compiler: self.compiler.clone(),
            cwd: self.working_dir.clone(),
            args,
            input,
            output,
            search_dirs,
            pch,
            uncacheable,
            env: None,
            extra_inputs: Vec::new(),
            base_dir: None,
            embeds_cwd: true,
        })
    }
}

/// The language of an input: the given one, else C for `.c` files and C++ otherwise.
pub fn guess_lang(lang: Option<Lang>, input: &Input) -> Lang {
    if let Some(l) = lang {
        return l;
    }
    match input {
        Input::File(p) if p.extension().and_then(|e| e.to_str()) == Some("c") => Lang::C,
        _ => Lang::Cxx,
    }
}

/// Refuses values that would smuggle extra arguments or are empty after trimming.
fn check_word(what: &str, v: &str) -> Result<(), EngineError> {
    if v.trim().is_empty()
        || v.chars().any(|c| c.is_whitespace() || c.is_control())
        || v.starts_with('-')
    {
        return Err(EngineError::InvalidRequest(format!("bad {what} `{v}`")));
    }
    Ok(())
}
