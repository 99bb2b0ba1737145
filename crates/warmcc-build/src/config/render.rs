//! Writes a [`Config`] back as readable `warmcc.toml` text, with optional comments.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Config, Lto, ProfileSpec, Target, TargetKind, DEFAULT_BUILD_DIR};

/// Comments to weave into rendered text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderNotes {
    /// Comment lines at the top of the file (without `# `).
    pub header: Vec<String>,
    /// Comment lines above a target, by target name.
    pub targets: BTreeMap<String, Vec<String>>,
    /// Targets written commented out at the end, each with its comment lines.
    pub disabled: Vec<(Target, Vec<String>)>,
}

/// Renders `config` as `warmcc.toml` text that [`super::parse`] reads back to an equal config.
pub fn render(config: &Config, notes: &RenderNotes) -> String {
    let mut out = String::new();
    for line in &notes.header {
        comment(&mut out, line);
    }
    if !notes.header.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "name = {}", quote(&config.name));
    if config.build_dir != DEFAULT_BUILD_DIR {
        let _ = writeln!(out, "build_dir = {}", quote(&config.build_dir));
    }
    let t = &config.toolchain;
    let tools = [
        ("cc", &t.cc),
        ("cxx", &t.cxx),
        ("target", &t.target),
        ("sysroot", &t.sysroot),
        ("linker", &t.linker),
        ("ar", &t.ar),
    ];
    if tools.iter().any(|(_, v)| v.is_some()) {
        out.push_str("\n[toolchain]\n");
        for (key, value) in tools {
            if let Some(value) = value {
                let _ = writeln!(out, "{key} = {}", quote(value));
            }
        }
    }
    for (name, spec) in &config.profiles {
        let _ = writeln!(out, "\n[profile.{}]", key(name));
        out.push_str(&profile(spec));
    }
    for target in &config.targets {
        out.push('\n');
        for line in notes.targets.get(&target.name).into_iter().flatten() {
            comment(&mut out, line);
        }
        out.push_str(&render_target(target));
    }
    for (target, lines) in &notes.disabled {
        out.push('\n');
        for line in lines {
            comment(&mut out, line);
        }
        for line in render_target(target).lines() {
            let _ = writeln!(out, "# {line}");
        }
    }
    out
}

/// One `[[target]]` table.
pub(crate) fn render_target(t: &Target) -> String {
    let mut out = String::from("[[target]]\n");
    let _ = writeln!(out, "name = {}", quote(&t.name));
    let _ = writeln!(out, "kind = {}", quote(t.kind.as_str()));
    if let Some(o) = &t.output_name {
        let _ = writeln!(out, "output_name = {}", quote(o));
    }
    let lists: [(&str, &Vec<String>); 12] = [
        ("sources", &t.sources),
        ("exclude", &t.exclude),
        ("public_include_dirs", &t.public_include_dirs),
        ("include_dirs", &t.include_dirs),
        ("public_defines", &t.public_defines),
        ("defines", &t.defines),
        ("flags", &t.flags),
        ("c_flags", &t.c_flags),
        ("cxx_flags", &t.cxx_flags),
        ("deps", &t.deps),
        ("link_libs", &t.link_libs),
        ("link_flags", &t.link_flags),
    ];
    for (name, values) in lists {
        // `sources` is always written so a reader sees where to add files.
        if !values.is_empty() || name == "sources" {
            let _ = writeln!(out, "{name} = {}", array(values));
        }
    }
    if t.kind == TargetKind::SharedLibrary {
        if let Some(s) = &t.soname {
            let _ = writeln!(out, "soname = {}", quote(s));
        }
        if let Some(v) = &t.version {
            let _ = writeln!(out, "version = {}", quote(v));
        }
    }
    out
}

fn profile(p: &ProfileSpec) -> String {
    let mut out = String::new();
    if let Some(i) = &p.inherits {
        let _ = writeln!(out, "inherits = {}", quote(i));
    }
    if let Some(o) = &p.opt_level {
        let _ = writeln!(out, "opt_level = {}", quote(o));
    }
    if let Some(d) = p.debug_info {
        let _ = writeln!(out, "debug_info = {d}");
    }
    for (name, values) in [
        ("defines", &p.defines),
        ("flags", &p.flags),
        ("c_flags", &p.c_flags),
        ("cxx_flags", &p.cxx_flags),
        ("link_flags", &p.link_flags),
    ] {
        if !values.is_empty() {
            let _ = writeln!(out, "{name} = {}", array(values));
        }
    }
    if let Some(lto) = p.lto {
        let value = match lto {
            Lto::Off => "off",
            Lto::Thin => "thin",
        };
        let _ = writeln!(out, "lto = {}", quote(value));
    }
    if let Some(k) = p.keep_ir {
        let _ = writeln!(out, "keep_ir = {k}");
    }
    out
}

/// Writes `line` as `# ` comments, wrapped at about 95 columns.
fn comment(out: &mut String, line: &str) {
    if line.is_empty() {
        out.push_str("#\n");
        return;
    }
    let mut current = String::new();
    for word in line.split(' ') {
        if !current.is_empty() && current.len() + 1 + word.len() > 93 {
            let _ = writeln!(out, "# {current}");
            current = String::from("  ");
        } else if !current.is_empty() && current != "  " {
            current.push(' ');
        }
        current.push_str(word);
    }
    let _ = writeln!(out, "# {current}");
}

/// A TOML array, on one line when short, one entry per line otherwise.
fn array(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| quote(v)).collect();
    let one_line = format!("[{}]", items.join(", "));
    if one_line.len() <= 76 {
        return one_line;
    }
    let mut out = String::from("[\n");
    for item in items {
        let _ = writeln!(out, "    {item},");
    }
    out.push(']');
    out
}

/// A table key, quoted only when it must be.
fn key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        name.to_string()
    } else {
        quote(name)
    }
}

/// A TOML basic string.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
