//! The serde shape of `warmcc.toml`, with spans kept for diagnostics.
//!
//! `deny_unknown_fields` everywhere turns a misspelt key into an error with a position
//! instead of a silently ignored setting.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub name: Spanned<String>,
    pub build_dir: Option<Spanned<String>>,
    pub toolchain: Option<RawToolchain>,
    #[serde(default)]
    pub profile: BTreeMap<String, Spanned<RawProfile>>,
    #[serde(default)]
    pub target: Vec<Spanned<RawTarget>>,
}

/// `[toolchain]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawToolchain {
    pub cc: Option<Spanned<String>>,
    pub cxx: Option<Spanned<String>>,
    pub target: Option<Spanned<String>>,
    pub sysroot: Option<Spanned<String>>,
    pub linker: Option<Spanned<String>>,
    pub ar: Option<Spanned<String>>,
}

/// `[profile.<name>]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfile {
    pub inherits: Option<Spanned<String>>,
    pub opt_level: Option<Spanned<OptLevel>>,
    pub debug_info: Option<bool>,
    #[serde(default)]
    pub defines: Vec<String>,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub c_flags: Vec<String>,
    #[serde(default)]
    pub cxx_flags: Vec<String>,
    #[serde(default)]
    pub link_flags: Vec<String>,
    pub lto: Option<Spanned<LtoValue>>,
    pub keep_ir: Option<bool>,
}

/// `opt_level = 2` or `opt_level = "s"`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum OptLevel {
    Number(i64),
    Text(String),
}

/// `lto = "thin"`, `lto = "off"` or `lto = false`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum LtoValue {
    Flag(bool),
    Text(String),
}

/// One `[[target]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTarget {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    pub output_name: Option<Spanned<String>>,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub include_dirs: Vec<Spanned<String>>,
    #[serde(default)]
    pub public_include_dirs: Vec<Spanned<String>>,
    #[serde(default)]
    pub defines: Vec<Spanned<String>>,
    #[serde(default)]
    pub public_defines: Vec<Spanned<String>>,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub c_flags: Vec<String>,
    #[serde(default)]
    pub cxx_flags: Vec<String>,
    #[serde(default)]
    pub link_libs: Vec<Spanned<String>>,
    #[serde(default)]
    pub link_flags: Vec<String>,
    #[serde(default)]
    pub deps: Vec<Spanned<String>>,
    pub soname: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
}
