//! `warmcc check`: missing sources, include dirs and tools, with locations.

use warmcc_build::{check, Project};

fn project(toml: &str, files: &[&str]) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let path = dir.path().join(f);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "int x;\n").unwrap();
    }
    let file = dir.path().join("warmcc.toml");
    std::fs::write(&file, toml).unwrap();
    let p = Project::load(&file).unwrap_or_else(|e| panic!("{e}"));
    (dir, p)
}

const TOML: &str = r#"name = "c"
[toolchain]
cxx = "my-clang++"
[[target]]
name = "lib"
kind = "static-library"
sources = ["src/*.cc"]
public_include_dirs = ["include", "missing"]
[[target]]
name = "app"
kind = "executable"
sources = ["app/main.c"]
deps = ["lib"]
"#;

#[test]
fn reports_missing_dirs_sources_and_tools_with_locations() {
    let (_dir, p) = project(TOML, &["src/a.cc", "include/a.h"]);
    let all_but = |missing: &'static str| move |prog: &str| prog != missing;
    let problems = check(&p, &all_but("my-clang++"));
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(
        has("warmcc.toml:8:35: error: target `lib`: include dir `missing` does not exist"),
        "{text:#?}"
    );
    assert!(
        has("warmcc.toml:10:8: error: target `app` has no source files"),
        "{text:#?}"
    );
    assert!(
        has("warmcc.toml:3:7: error: `my-clang++` (cxx) not found on PATH"),
        "{text:#?}"
    );
    assert!(
        has("warmcc.toml:12:12: warning: target `app`: `app/main.c` matches no"),
        "{text:#?}"
    );
    assert!(
        problems[0].is_error() && !problems.last().unwrap().is_error(),
        "errors first"
    );
}

#[test]
fn a_complete_project_has_no_problems() {
    let (_dir, p) = project(
        TOML.replace(", \"missing\"", "").as_str(),
        &["src/a.cc", "include/a.h", "app/main.c"],
    );
    let problems = check(&p, &|_: &str| true);
    assert!(problems.is_empty(), "{problems:#?}");
    // The C compiler is the default one; a probe that lacks it says so.
    let problems = check(&p, &|prog: &str| prog != "clang");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].message.contains("`clang` (cc) not found"));
}
