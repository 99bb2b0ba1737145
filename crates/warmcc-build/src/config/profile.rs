//! Profiles: the built-in `debug` and `release`, and resolution of `inherits` chains.

use super::{Config, ProfileSpec};
use crate::GraphError;

/// Link-time optimization mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lto {
    /// No LTO.
    #[default]
    Off,
    /// `-flto=thin`, linked by lld with its ThinLTO cache.
    Thin,
}

/// A fully resolved profile: every setting has a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name; outputs go under `<build_dir>/<name>/`.
    pub name: String,
    /// `-O` level.
    pub opt_level: String,
    /// Whether to pass `-g`.
    pub debug_info: bool,
    /// Defines for every compile.
    pub defines: Vec<String>,
    /// Flags for every compile.
    pub flags: Vec<String>,
    /// Flags for C compiles.
    pub c_flags: Vec<String>,
    /// Flags for C++ compiles.
    pub cxx_flags: Vec<String>,
    /// Flags for every link.
    pub link_flags: Vec<String>,
    /// Link-time optimization.
    pub lto: Lto,
    /// Whether to also write LLVM IR per source.
    pub keep_ir: bool,
}

impl Profile {
    /// The built-in profile `name`, if it is one.
    pub fn builtin(name: &str) -> Option<Profile> {
        let (opt_level, debug_info, defines) = match name {
            "debug" => ("0", true, vec![]),
            "release" => ("2", false, vec!["NDEBUG".to_string()]),
            _ => return None,
        };
        Some(Profile {
            name: name.to_string(),
            opt_level: opt_level.to_string(),
            debug_info,
            defines,
            flags: Vec::new(),
            c_flags: Vec::new(),
            cxx_flags: Vec::new(),
            link_flags: Vec::new(),
            lto: Lto::Off,
            keep_ir: false,
        })
    }

    /// This profile with `spec` applied on top: scalars replace, lists append.
    fn apply(mut self, spec: &ProfileSpec) -> Profile {
        if let Some(level) = &spec.opt_level {
            self.opt_level = level.clone();
        }
        if let Some(debug_info) = spec.debug_info {
            self.debug_info = debug_info;
        }
        self.defines.extend(spec.defines.iter().cloned());
        self.flags.extend(spec.flags.iter().cloned());
        self.c_flags.extend(spec.c_flags.iter().cloned());
        self.cxx_flags.extend(spec.cxx_flags.iter().cloned());
        self.link_flags.extend(spec.link_flags.iter().cloned());
        if let Some(lto) = spec.lto {
            self.lto = lto;
        }
        if let Some(keep_ir) = spec.keep_ir {
            self.keep_ir = keep_ir;
        }
        self
    }
}

/// Resolves profile `name` of `config`, following `inherits` down to a built-in.
pub(crate) fn resolve(config: &Config, name: &str) -> Result<Profile, GraphError> {
    let mut chain: Vec<&str> = Vec::new();
    let mut current = name;
    let base = loop {
        if chain.contains(&current) {
            return Err(GraphError::BadProfile(
                name.to_string(),
                "`inherits` forms a cycle".to_string(),
            ));
        }
        chain.push(current);
        match config.profiles.get(current) {
            Some(spec) => match &spec.inherits {
                Some(parent) => current = parent,
                // A built-in override starts from the built-in; a custom profile from `debug`.
                None => match Profile::builtin(current) {
                    Some(builtin) => break builtin,
                    None => current = "debug",
                },
            },
            None => match Profile::builtin(current) {
                Some(builtin) => {
                    chain.pop(); // the built-in itself carries no spec to apply
                    break builtin;
                }
                None if current == name => {
                    return Err(GraphError::UnknownProfile(name.to_string()))
                }
                None => {
                    return Err(GraphError::BadProfile(
                        name.to_string(),
                        format!("inherits unknown profile `{current}`"),
                    ))
                }
            },
        }
    };
    let mut profile = chain
        .iter()
        .rev()
        .filter_map(|n| config.profiles.get(*n))
        .fold(base, Profile::apply);
    profile.name = name.to_string();
    Ok(profile)
}
