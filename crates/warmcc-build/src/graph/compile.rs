//! The argument list of one compile: language, include dirs, defines, flags, depfile.

use std::path::{Component, Path, PathBuf};

use super::{order, Action, ActionKind, Layout};
use crate::config::{Config, Lto, Profile, Target};
use crate::lang::Language;

/// Default compilers when the toolchain names none.
pub(crate) const DEFAULT_CC: &str = "clang";
/// Default C++ compiler.
pub(crate) const DEFAULT_CXX: &str = "clang++";

/// One source of one target, ready to become a compile action.
pub(crate) struct Unit<'a> {
    pub config: &'a Config,
    pub profile: &'a Profile,
    pub layout: &'a Layout,
    /// Index of the target in `config.targets`.
    pub index: usize,
    /// Source path relative to the root.
    pub source: &'a Path,
    /// Whether the object goes into a shared library.
    pub pic: bool,
}

impl Unit<'_> {
    fn target(&self) -> &Target {
        &self.config.targets[self.index]
    }

    fn language(&self) -> Language {
        Language::of(self.source).unwrap_or(Language::C)
    }

    /// The compile action (object and depfile) with id `id`.
    pub fn compile(&self, id: usize) -> Action {
        let object = self.output("obj", "o");
        let depfile = self.output("obj", "d");
        let mut args = self.common_args();
        if self.profile.lto == Lto::Thin && self.language() != Language::Asm {
            args.push("-flto=thin".into());
        }
        args.extend(["-MD".into(), "-MF".into(), path_arg(&depfile)]);
        args.extend([
            "-c".into(),
            path_arg(self.source),
            "-o".into(),
            path_arg(&object),
        ]);
        Action {
            id,
            kind: ActionKind::Compile,
            target: self.target().name.clone(),
            program: self.program(),
            args,
            inputs: vec![self.source.to_path_buf()],
            outputs: vec![object, depfile.clone()],
            deps: Vec::new(),
            source: Some(self.source.to_path_buf()),
            language: Some(self.language()),
            depfile: Some(depfile),
        }
    }

    /// The LLVM IR action with id `id`; `None` for assembly.
    pub fn emit_ir(&self, id: usize) -> Option<Action> {
        if self.language() == Language::Asm {
            return None;
        }
        let ir = self.output("ir", "ll");
        let mut args = self.common_args();
        args.extend([
            "-S".into(),
            "-emit-llvm".into(),
            path_arg(self.source),
            "-o".into(),
            path_arg(&ir),
        ]);
        Some(Action {
            id,
            kind: ActionKind::EmitIr,
            target: self.target().name.clone(),
            program: self.program(),
            args,
            inputs: vec![self.source.to_path_buf()],
            outputs: vec![ir],
            deps: Vec::new(),
            source: Some(self.source.to_path_buf()),
            language: Some(self.language()),
            depfile: None,
        })
    }

    fn program(&self) -> String {
        let t = &self.config.toolchain;
        match self.language() {
            Language::Cxx => t.cxx.clone().unwrap_or_else(|| DEFAULT_CXX.into()),
            Language::C | Language::Asm => t.cc.clone().unwrap_or_else(|| DEFAULT_CC.into()),
        }
    }

    /// `<build>/<profile>/<dir>/<target>/<source path>.<ext>`.
    fn output(&self, dir: &str, ext: &str) -> PathBuf {
        let mut path = self.layout.base.join(dir).join(&self.target().name);
        path.push(mangle(self.source));
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".");
        name.push(ext);
        path.set_file_name(name);
        path
    }

    /// Everything but the depfile and input/output arguments, in a fixed order: target and
    /// sysroot, optimization, PIC, defines (profile, deps', own), include dirs (own, deps'),
    /// then flags (profile, target) so the target's own flags win.
    fn common_args(&self) -> Vec<String> {
        let config = self.config;
        let profile = self.profile;
        let target = self.target();
        let lang = self.language();
        let deps: Vec<&Target> = order::closure(&config.targets, self.index, true)
            .into_iter()
            .map(|j| &config.targets[j])
            .collect();
        let mut args = Vec::new();
        if let Some(triple) = &config.toolchain.target {
            args.push(format!("--target={triple}"));
        }
        if let Some(sysroot) = &config.toolchain.sysroot {
            args.push(format!("--sysroot={sysroot}"));
        }
        args.push(format!("-O{}", profile.opt_level));
        if profile.debug_info {
            args.push("-g".into());
        }
        if self.pic {
            args.push("-fPIC".into());
        }
        let mut defines: Vec<&String> = profile.defines.iter().collect();
        for dep in deps.iter().rev() {
            defines.extend(&dep.public_defines);
        }
        defines.extend(&target.public_defines);
        defines.extend(&target.defines);
        push_unique(&mut args, defines.into_iter().map(|d| format!("-D{d}")));
        let mut includes: Vec<&String> = target.include_dirs.iter().collect();
        includes.extend(&target.public_include_dirs);
        for dep in &deps {
            includes.extend(&dep.public_include_dirs);
        }
        push_unique(
            &mut args,
            includes
                .into_iter()
                .map(|d| format!("-I{}", path_arg(&crate::sources::normalize(Path::new(d))))),
        );
        args.extend(profile.flags.iter().cloned());
        match lang {
            Language::C => args.extend(profile.c_flags.iter().cloned()),
            Language::Cxx => args.extend(profile.cxx_flags.iter().cloned()),
            Language::Asm => {}
        }
        args.extend(target.flags.iter().cloned());
        match lang {
            Language::C => args.extend(target.c_flags.iter().cloned()),
            Language::Cxx => args.extend(target.cxx_flags.iter().cloned()),
            Language::Asm => {}
        }
        args
    }
}

/// Appends `items` to `args`, skipping ones already added by this call.
fn push_unique(args: &mut Vec<String>, items: impl Iterator<Item = String>) {
    let mut seen: Vec<String> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item.clone());
            args.push(item);
        }
    }
}

/// A source path as a path below the output dir: `..` becomes `__`, a root is dropped.
fn mangle(source: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in source.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::ParentDir => out.push("__"),
            Component::RootDir | Component::Prefix(_) => out.push("_abs"),
            Component::CurDir => {}
        }
    }
    out
}

/// A path as a command-line argument (lossy only for non-UTF-8 names).
pub(crate) fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
