//! The action that finishes a target: `ar` for static libraries, a driver link otherwise.

use std::path::PathBuf;

use super::compile::{path_arg, DEFAULT_CC, DEFAULT_CXX};
use super::{order, Action, ActionKind, Layout, TargetOutputs};
use crate::config::{Config, Lto, Profile, Target, TargetKind};
use crate::lang::Language;

/// Everything needed to finish target `index` once its deps are done.
pub(crate) struct Finish<'a> {
    pub config: &'a Config,
    pub profile: &'a Profile,
    pub layout: &'a Layout,
    pub index: usize,
    /// Outputs of the targets built so far (all deps, by topological order).
    pub outputs: &'a [Option<TargetOutputs>],
}

impl Finish<'_> {
    fn target(&self) -> &Target {
        &self.config.targets[self.index]
    }

    /// The archive or link action for the target, or `None` for object sets.
    pub fn action(&self, own: &TargetOutputs, id: usize) -> Option<Action> {
        match self.target().kind {
            TargetKind::Objects => None,
            TargetKind::StaticLibrary => Some(self.archive(own, id)),
            TargetKind::Executable | TargetKind::SharedLibrary => Some(self.link(own, id)),
        }
    }

    fn archive(&self, own: &TargetOutputs, id: usize) -> Action {
        let out = self
            .layout
            .base
            .join("lib")
            .join(format!("lib{}.a", self.target().output_base()));
        let program = self.config.toolchain.ar.clone().unwrap_or_else(|| {
            // GNU ar cannot index bitcode objects without the LLVM plugin.
            if self.profile.lto == Lto::Thin {
                "llvm-ar"
            } else {
                "ar"
            }
            .to_string()
        });
        let mut args = vec!["rcs".to_string(), path_arg(&out)];
        args.extend(own.objects.iter().map(|o| path_arg(o)));
        Action {
            id,
            kind: ActionKind::Archive,
            target: self.target().name.clone(),
            program,
            args,
            inputs: own.objects.clone(),
            outputs: vec![out],
            deps: own.compiles.clone(),
            source: None,
            language: None,
            depfile: None,
        }
    }

    /// The default soname: `lib<name>.so`, or `lib<name>.so.<major>` with a version.
    pub fn soname(target: &Target) -> String {
        target.soname.clone().unwrap_or_else(|| {
            let base = format!("lib{}.so", target.output_base());
            match target.version.as_deref().and_then(|v| v.split('.').next()) {
                Some(major) if !major.is_empty() => format!("{base}.{major}"),
                _ => base,
            }
        })
    }

    fn link(&self, own: &TargetOutputs, id: usize) -> Action {
        let config = self.config;
        let target = self.target();
        let shared = target.kind == TargetKind::SharedLibrary;
        let out = if shared {
            self.layout.base.join("lib").join(Finish::soname(target))
        } else {
            self.layout.base.join("bin").join(target.output_base())
        };
        let deps = order::closure(&config.targets, self.index, false);

        let mut inputs: Vec<PathBuf> = own.objects.clone();
        let mut action_deps: Vec<usize> = own.compiles.clone();
        let mut libs: Vec<PathBuf> = Vec::new();
        let mut any_shared = false;
        let mut cxx = self.uses_cxx(own);
        for &j in &deps {
            let Some(dep) = &self.outputs[j] else {
                continue;
            };
            cxx |= self.uses_cxx(dep);
            match dep.kind {
                TargetKind::Objects => {
                    inputs.extend(dep.objects.iter().cloned());
                    action_deps.extend(&dep.compiles);
                }
                TargetKind::StaticLibrary | TargetKind::SharedLibrary => {
                    any_shared |= dep.kind == TargetKind::SharedLibrary;
                    libs.extend(dep.artifact.iter().cloned());
                    action_deps.extend(dep.action);
                }
                TargetKind::Executable => {}
            }
        }

        let tools = &config.toolchain;
        let program = if cxx {
            tools.cxx.clone().unwrap_or_else(|| DEFAULT_CXX.into())
        } else {
            tools.cc.clone().unwrap_or_else(|| DEFAULT_CC.into())
        };
        let mut args = Vec::new();
        if let Some(triple) = &tools.target {
            args.push(format!("--target={triple}"));
        }
        if let Some(sysroot) = &tools.sysroot {
            args.push(format!("--sysroot={sysroot}"));
        }
        match (&tools.linker, self.profile.lto) {
            (Some(linker), _) => args.push(format!("-fuse-ld={linker}")),
            // ThinLTO needs a linker that runs LLVM; lld does and has a cache.
            (None, Lto::Thin) => args.push("-fuse-ld=lld".into()),
            (None, Lto::Off) => {}
        }
        if self.profile.lto == Lto::Thin {
            args.push("-flto=thin".into());
            args.push(format!("-O{}", self.profile.opt_level));
            let cache = self.layout.base.join("thinlto-cache");
            args.push(format!("-Wl,--thinlto-cache-dir={}", path_arg(&cache)));
        }
        if shared {
            args.push("-shared".into());
            args.push(format!("-Wl,-soname,{}", Finish::soname(target)));
        }
        args.push("-o".into());
        args.push(path_arg(&out));
        // Link flags go before the inputs so options like `-Wl,--as-needed` apply to them.
        args.extend(self.profile.link_flags.iter().cloned());
        args.extend(target.link_flags.iter().cloned());
        for &j in &deps {
            args.extend(config.targets[j].link_flags.iter().cloned());
        }
        args.extend(inputs.iter().map(|p| path_arg(p)));
        args.extend(libs.iter().map(|p| path_arg(p)));
        if any_shared {
            // Executables in bin/ and shared libraries in lib/ find each other without install.
            let origin = if shared { "$ORIGIN" } else { "$ORIGIN/../lib" };
            args.push(format!("-Wl,-rpath,{origin}"));
        }
        // A library used by several must come after all of them: keep each one's last place.
        let mut system: Vec<&String> = target.link_libs.iter().collect();
        for &j in &deps {
            system.extend(&config.targets[j].link_libs);
        }
        let mut kept: Vec<&String> = Vec::new();
        for (k, lib) in system.iter().enumerate() {
            if !system[k + 1..].contains(lib) {
                kept.push(lib);
            }
        }
        args.extend(kept.into_iter().map(|l| format!("-l{l}")));

        inputs.extend(libs);
        action_deps.sort_unstable();
        action_deps.dedup();
        Action {
            id,
            kind: ActionKind::Link,
            target: target.name.clone(),
            program,
            args,
            inputs,
            outputs: vec![out],
            deps: action_deps,
            source: None,
            language: None,
            depfile: None,
        }
    }

    /// Whether any of a target's objects came from C++ (then the C++ driver links).
    fn uses_cxx(&self, outputs: &TargetOutputs) -> bool {
        // Objects are named `<source>.o`, so the source's extension is still there.
        outputs
            .objects
            .iter()
            .any(|o| Language::of(&o.with_extension("")) == Some(Language::Cxx))
    }
}
