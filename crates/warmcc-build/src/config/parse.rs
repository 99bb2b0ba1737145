//! Turns `warmcc.toml` text into a [`Config`], with every error located by file:line:column.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::raw::{LtoValue, OptLevel, RawConfig, RawProfile, RawTarget};
use super::{
    Config, Locations, Lto, ProfileSpec, Target, TargetKind, TargetLocations, Toolchain,
    DEFAULT_BUILD_DIR,
};
use crate::error::{ConfigError, Diagnostic, Location};

/// A successfully parsed config with its key locations and warnings.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The config.
    pub config: Config,
    /// Where its keys are.
    pub locations: Locations,
    /// Non-fatal findings (e.g. a dep listed twice).
    pub warnings: Vec<Diagnostic>,
}

/// Parses `text`, the contents of `file`; `file` only names locations.
pub fn parse(text: &str, file: &Path) -> Result<Parsed, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
        location: Location::from_offset(file, text, e.span().map_or(0, |s| s.start)),
        message: e.message().trim_end().to_string(),
    })?;
    let mut cx = Cx {
        file,
        text,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let parsed = cx.config(raw);
    if cx.errors.is_empty() {
        Ok(Parsed {
            warnings: cx.warnings,
            ..parsed
        })
    } else {
        Err(ConfigError::Invalid {
            diagnostics: cx.errors,
        })
    }
}

/// Names of profiles that always exist.
const BUILTIN_PROFILES: [&str; 2] = ["debug", "release"];

/// The parse context: where we are and what went wrong so far.
struct Cx<'a> {
    file: &'a Path,
    text: &'a str,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn at(&self, span: Range<usize>) -> Location {
        Location::from_offset(self.file, self.text, span.start)
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let location = self.at(span);
        self.errors.push(Diagnostic::error(Some(location), message));
    }

    fn warn(&mut self, span: Range<usize>, message: impl Into<String>) {
        let location = self.at(span);
        self.warnings
            .push(Diagnostic::warning(Some(location), message));
    }

    fn config(&mut self, raw: RawConfig) -> Parsed {
        let mut locations = Locations {
            name: Some(self.at(raw.name.span())),
            ..Locations::default()
        };
        let name = self.name(&raw.name, "project name");
        let build_dir = match raw.build_dir {
            Some(dir) => {
                locations.build_dir = Some(self.at(dir.span()));
                let value = dir.get_ref().trim_end_matches('/');
                if value.is_empty() || value == "." || value == ".." {
                    self.error(dir.span(), "`build_dir` must name a directory below the project root, not the root itself");
                }
                value.to_string()
            }
            None => DEFAULT_BUILD_DIR.to_string(),
        };
        let toolchain = match raw.toolchain {
            Some(t) => {
                let mut get = |key: &str, v: Option<Spanned<String>>| {
                    let v = v?;
                    locations.toolchain.insert(
                        key.to_string(),
                        Location::from_offset(self.file, self.text, v.span().start),
                    );
                    if v.get_ref().trim().is_empty() {
                        self.error(v.span(), format!("`toolchain.{key}` is empty"));
                    }
                    Some(v.into_inner())
                };
                Toolchain {
                    cc: get("cc", t.cc),
                    cxx: get("cxx", t.cxx),
                    target: get("target", t.target),
                    sysroot: get("sysroot", t.sysroot),
                    linker: get("linker", t.linker),
                    ar: get("ar", t.ar),
                }
            }
            None => Toolchain::default(),
        };
        let known_profiles: Vec<String> = BUILTIN_PROFILES
            .iter()
            .map(|s| s.to_string())
            .chain(raw.profile.keys().cloned())
            .collect();
        let mut profiles = BTreeMap::new();
        for (name, spec) in raw.profile {
            let spec = self.profile(&name, spec, &known_profiles);
            profiles.insert(name, spec);
        }
        self.profile_cycles(&profiles);

        let mut targets = Vec::new();
        let mut seen: HashMap<String, Location> = HashMap::new();
        let mut dep_spans = Vec::new();
        for raw_target in raw.target {
            let table = self.at(raw_target.span());
            let raw_target = raw_target.into_inner();
            let name_at = self.at(raw_target.name.span());
            if let Some(first) = seen.get(raw_target.name.get_ref()) {
                let message = format!(
                    "duplicate target name `{}` (first defined at line {})",
                    raw_target.name.get_ref(),
                    first.line
                );
                self.error(raw_target.name.span(), message);
            } else {
                seen.insert(raw_target.name.get_ref().clone(), name_at.clone());
            }
            let (target, locs, deps) = self.target(raw_target, table, name_at);
            locations.targets.entry(target.name.clone()).or_insert(locs);
            dep_spans.push(deps);
            targets.push(target);
        }
        self.target_deps(&targets, &dep_spans);

        Parsed {
            config: Config {
                name,
                build_dir,
                toolchain,
                profiles,
                targets,
            },
            locations,
            warnings: Vec::new(),
        }
    }

    /// Checks a target or project name and returns it.
    fn name(&mut self, name: &Spanned<String>, what: &str) -> String {
        if !valid_name(name.get_ref()) {
            self.error(
                name.span(),
                format!(
                    "{what} `{}` is not valid: use letters, digits, `-`, `_`, `.` and `+`",
                    name.get_ref()
                ),
            );
        }
        name.get_ref().clone()
    }

    fn profile(&mut self, name: &str, raw: Spanned<RawProfile>, known: &[String]) -> ProfileSpec {
        let span = raw.span();
        let raw = raw.into_inner();
        if !valid_name(name) {
            self.error(span.clone(), format!("profile name `{name}` is not valid"));
        }
        let inherits = raw.inherits.map(|inh| {
            if !known.contains(inh.get_ref()) {
                self.error(
                    inh.span(),
                    format!(
                        "profile `{name}` inherits unknown profile `{}`",
                        inh.get_ref()
                    ),
                );
            }
            inh.into_inner()
        });
        let opt_level = raw.opt_level.map(|level| {
            let text = match level.get_ref() {
                OptLevel::Number(n) => n.to_string(),
                OptLevel::Text(s) => s.clone(),
            };
            if !["0", "1", "2", "3", "s", "z", "g"].contains(&text.as_str()) {
                self.error(
                    level.span(),
                    format!("`opt_level` must be 0, 1, 2, 3, \"s\", \"z\" or \"g\", not `{text}`"),
                );
            }
            text
        });
        let lto = raw.lto.map(|lto| match lto.get_ref() {
            LtoValue::Flag(false) => Lto::Off,
            LtoValue::Text(s) if s == "off" => Lto::Off,
            LtoValue::Text(s) if s == "thin" => Lto::Thin,
            _ => {
                self.error(lto.span(), "`lto` must be \"thin\" or \"off\"");
                Lto::Off
            }
        });
        for define in &raw.defines {
            if let Some(problem) = define_problem(define) {
                self.error(span.clone(), format!("profile `{name}`: {problem}"));
            }
        }
        ProfileSpec {
            inherits,
            opt_level,
            debug_info: raw.debug_info,
            defines: raw.defines,
            flags: raw.flags,
            c_flags: raw.c_flags,
            cxx_flags: raw.cxx_flags,
            link_flags: raw.link_flags,
            lto,
            keep_ir: raw.keep_ir,
        }
    }

    /// Reports `inherits` loops among profiles.
    fn profile_cycles(&mut self, profiles: &BTreeMap<String, ProfileSpec>) {
        for start in profiles.keys() {
            let mut chain = vec![start.clone()];
            let mut current = start.clone();
            while let Some(next) = profiles.get(&current).and_then(|p| p.inherits.clone()) {
                if next == *start {
                    chain.push(next);
                    self.errors.push(Diagnostic::error(
                        None,
                        format!("profiles inherit in a cycle: {}", chain.join(" -> ")),
                    ));
                    break;
                }
                if chain.contains(&next) {
                    break; // a loop not through `start`; reported when we start inside it
                }
                chain.push(next.clone());
                current = next;
            }
        }
    }

    fn target(
        &mut self,
        raw: RawTarget,
        table: Location,
        name_at: Location,
    ) -> (Target, TargetLocations, Vec<Range<usize>>) {
        let name = self.name(&raw.name, "target name");
        let kind = match TargetKind::from_name(raw.kind.get_ref()) {
            Some(kind) => kind,
            None => {
                self.error(
                    raw.kind.span(),
                    format!(
                        "target `{name}`: unknown kind `{}` (expected \"executable\", \"static-library\", \"shared-library\" or \"objects\")",
                        raw.kind.get_ref()
                    ),
                );
                TargetKind::Objects
            }
        };
        let output_name = raw.output_name.map(|o| self.name(&o, "output_name"));
        for (key, value) in [("soname", &raw.soname), ("version", &raw.version)] {
            if let Some(v) = value {
                if kind != TargetKind::SharedLibrary {
                    self.error(
                        v.span(),
                        format!("target `{name}`: `{key}` applies only to shared libraries"),
                    );
                }
            }
        }
        if raw.sources.is_empty() && kind != TargetKind::Objects {
            self.warn(raw.name.span(), format!("target `{name}` has no `sources`"));
        }
        for define in raw.defines.iter().chain(&raw.public_defines) {
            if let Some(problem) = define_problem(define.get_ref()) {
                self.error(define.span(), format!("target `{name}`: {problem}"));
            }
        }
        for lib in &raw.link_libs {
            let value = lib.get_ref();
            if let Some(bare) = value.strip_prefix("-l") {
                self.error(
                    lib.span(),
                    format!(
                        "target `{name}`: write `{}` in `link_libs`, without `-l`",
                        bare
                    ),
                );
            } else if value.trim().is_empty() {
                self.error(
                    lib.span(),
                    format!("target `{name}`: empty entry in `link_libs`"),
                );
            }
        }
        for (key, list) in [
            ("sources", &raw.sources),
            ("exclude", &raw.exclude),
            ("include_dirs", &raw.include_dirs),
            ("public_include_dirs", &raw.public_include_dirs),
        ] {
            for entry in list {
                if entry.get_ref().trim().is_empty() {
                    self.error(
                        entry.span(),
                        format!("target `{name}`: empty entry in `{key}`"),
                    );
                } else if key.ends_with("sources") || key == "exclude" {
                    if let Err(e) = globset::Glob::new(entry.get_ref()) {
                        self.error(
                            entry.span(),
                            format!(
                                "target `{name}`: bad glob `{}`: {}",
                                entry.get_ref(),
                                e.kind()
                            ),
                        );
                    }
                }
            }
        }
        let locs = |list: &[Spanned<String>]| -> Vec<Location> {
            list.iter()
                .map(|s| Location::from_offset(self.file, self.text, s.span().start))
                .collect()
        };
        let locations = TargetLocations {
            table,
            name: name_at,
            sources: locs(&raw.sources),
            exclude: locs(&raw.exclude),
            include_dirs: locs(&raw.include_dirs),
            public_include_dirs: locs(&raw.public_include_dirs),
            deps: locs(&raw.deps),
        };
        let dep_spans = raw.deps.iter().map(|d| d.span()).collect();
        let strings = |list: Vec<Spanned<String>>| -> Vec<String> {
            list.into_iter().map(Spanned::into_inner).collect()
        };
        let target = Target {
            name,
            kind,
            output_name,
            sources: strings(raw.sources),
            exclude: strings(raw.exclude),
            include_dirs: strings(raw.include_dirs),
            public_include_dirs: strings(raw.public_include_dirs),
            defines: strings(raw.defines),
            public_defines: strings(raw.public_defines),
            flags: raw.flags,
            c_flags: raw.c_flags,
            cxx_flags: raw.cxx_flags,
            link_libs: strings(raw.link_libs),
            link_flags: raw.link_flags,
            deps: strings(raw.deps),
            soname: raw.soname.map(Spanned::into_inner),
            version: raw.version.map(Spanned::into_inner),
        };
        (target, locations, dep_spans)
    }

    /// Checks that every dep names a linkable target and that deps form no cycle.
    fn target_deps(&mut self, targets: &[Target], dep_spans: &[Vec<Range<usize>>]) {
        let index: HashMap<&str, usize> = targets
            .iter()
            .enumerate()
            .rev() // the first of duplicate names wins, as it does in `Config::target`
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        for (target, spans) in targets.iter().zip(dep_spans) {
            let mut seen = Vec::new();
            for (dep, span) in target.deps.iter().zip(spans) {
                match index.get(dep.as_str()) {
                    None => self.error(
                        span.clone(),
                        format!("target `{}` depends on unknown target `{dep}`", target.name),
                    ),
                    Some(&i) if !targets[i].kind.is_linkable() => self.error(
                        span.clone(),
                        format!(
                            "target `{}` depends on `{dep}`, an executable; only libraries and object sets can be deps",
                            target.name
                        ),
                    ),
                    Some(_) => {}
                }
                if seen.contains(&dep) {
                    self.warn(
                        span.clone(),
                        format!("target `{}` lists `{dep}` twice in `deps`", target.name),
                    );
                }
                seen.push(dep);
            }
        }
        if let Some(cycle) = crate::graph::order::find_cycle(targets) {
            // Point at the dep entry that closes the loop in the cycle's first target.
            let first = &cycle[0];
            let second = &cycle[1];
            let span = targets
                .iter()
                .position(|t| &t.name == first)
                .and_then(|i| {
                    targets[i]
                        .deps
                        .iter()
                        .position(|d| d == second)
                        .map(|j| dep_spans[i][j].clone())
                })
                .unwrap_or(0..0);
            self.error(
                span,
                format!("dependency cycle between targets: {}", cycle.join(" -> ")),
            );
        }
    }
}

/// Whether `name` is usable as a project, target or profile name.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

/// What is wrong with a `NAME[=VALUE]` define, if anything.
fn define_problem(define: &str) -> Option<String> {
    let name = define.split('=').next().unwrap_or("");
    if let Some(bare) = define.strip_prefix("-D") {
        return Some(format!("write `{}` in `defines`, without `-D`", bare));
    }
    let ok = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '(' || c == ')' || c == ',');
    (!ok).then(|| format!("`{define}` is not a valid define (expected NAME or NAME=VALUE)"))
}
