//! `warmcc new`: a fresh project with a `warmcc.toml` and a first source file.

use std::path::{Path, PathBuf};

use crate::config::{render, Config, RenderNotes, Target, TargetKind, FILE_NAME};
use crate::lang::Language;
use crate::DiscoverError;

/// What kind of project to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// A program: `src/main.c(c)`.
    Exe,
    /// A static library with a public header: `include/<name>/<name>.h`, `src/<name>.c(c)`.
    Lib,
}

/// Creates project `name` in `dir` (created if missing; refused if it has a `warmcc.toml`).
/// Returns the files written. `lang` chooses C or C++ sources.
pub fn new_project(
    dir: &Path,
    name: &str,
    template: Template,
    lang: Language,
) -> Result<Vec<PathBuf>, DiscoverError> {
    if !crate::config::valid_name(name) {
        return Err(DiscoverError::BadName(name.to_string()));
    }
    let manifest = dir.join(FILE_NAME);
    if manifest.exists() {
        return Err(DiscoverError::Exists(manifest));
    }
    let ext = if lang == Language::Cxx { "cc" } else { "c" };
    let ident: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut config = Config::new(name);
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    match template {
        Template::Exe => {
            let mut t = Target::new(name, TargetKind::Executable);
            t.sources = vec![format!("src/*.{ext}")];
            config.targets.push(t);
            let body = if lang == Language::Cxx {
                format!("#include <iostream>\n\nint main() {{\n    std::cout << \"hello from {name}\\n\";\n    return 0;\n}}\n")
            } else {
                format!("#include <stdio.h>\n\nint main(void) {{\n    printf(\"hello from {name}\\n\");\n    return 0;\n}}\n")
            };
            files.push((PathBuf::from(format!("src/main.{ext}")), body));
        }
        Template::Lib => {
            let mut t = Target::new(name, TargetKind::StaticLibrary);
            t.sources = vec![format!("src/*.{ext}")];
            t.public_include_dirs = vec!["include".into()];
            config.targets.push(t);
            let guard = format!("{}_H", ident.to_ascii_uppercase());
            let header = format!(
                "#ifndef {guard}\n#define {guard}\n\n{open}int {ident}_answer(void);\n{close}\n#endif\n",
                open = if lang == Language::Cxx { "" } else { "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n" },
                close = if lang == Language::Cxx { "" } else { "\n#ifdef __cplusplus\n}\n#endif\n" },
            );
            files.push((PathBuf::from(format!("include/{name}/{name}.h")), header));
            files.push((
                PathBuf::from(format!("src/{name}.{ext}")),
                format!(
                    "#include \"{name}/{name}.h\"\n\nint {ident}_answer(void) {{ return 42; }}\n"
                ),
            ));
        }
    }
    let notes = RenderNotes {
        header: vec![format!(
            "{name}: created by `warmcc new`. Keys are documented in docs/warmcc-toml.md."
        )],
        ..RenderNotes::default()
    };
    files.push((PathBuf::from(FILE_NAME), render(&config, &notes)));
    files.push((PathBuf::from(".gitignore"), "/build/\n/.warmcc/\n".into()));
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(&rel);
        if rel.as_os_str() == ".gitignore" && path.exists() {
            continue; // keep the user's own
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| DiscoverError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| DiscoverError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}
