//! `warmcc init` on fixture trees, and `warmcc new`.

use std::path::{Path, PathBuf};

use warmcc_build::config::parse;
use warmcc_build::discover::{discover_with, BinaryKind, DiscoverOptions, Role};
use warmcc_build::{
    new_project, ActionGraph, DiscoverError, Language, Project, TargetKind, Template,
};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A library under src/ with public headers under include/kv/, two programs, a test
/// with main, test support code, a Windows file and an ignored build dir.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, ".gitignore", "/out/\nscratch*\n");
    write(
        r,
        "include/kv/db.h",
        "#pragma once\n#include \"kv/status.h\"\nint kv_open(void);\n",
    );
    write(
        r,
        "include/kv/status.h",
        "#pragma once\ntypedef int kv_status;\n",
    );
    write(
        r,
        "src/db/db_impl.h",
        "#pragma once\n#include \"kv/db.h\"\n",
    );
    write(
        r,
        "src/db/db_impl.c",
        "#include \"db/db_impl.h\"\n#include <math.h>\nint kv_open(void) { return 0; }\n",
    );
    write(
        r,
        "src/util/hash.c",
        "#include \"util/hash.h\"\n#include \"db/db_impl.h\"\nint h;\n",
    );
    write(r, "src/util/hash.h", "int hash(void);\n");
    write(r, "src/util/env_windows.c", "#include <windows.h>\n");
    write(r, "tools/kvtool.c", "#include \"kv/db.h\"\n#include <stdio.h>\n\nint main(int argc, char **argv)\n{\n  return kv_open();\n}\n");
    write(
        r,
        "tools/dump/main.c",
        "#include <kv/db.h>\n/* int main() { } is not here */\nint\nmain (void) { return 0; }\n",
    );
    write(
        r,
        "tests/testutil.c",
        "#include \"testutil.h\"\nint helper;\n",
    );
    write(r, "tests/testutil.h", "int helper_fn(void);\n");
    write(
        r,
        "tests/db_test.c",
        "#include \"db/db_impl.h\"\n#include \"testutil.h\"\nint main(void) { return 0; }\n",
    );
    write(r, "out/generated.c", "int main(void) { return 1; }\n");
    write(r, "build/debug/obj/x.c", "int main(void) { return 1; }\n");
    write(r, "scratch.tmp.c", "int main(void) { return 1; }\n");
    write(r, "CMakeLists.txt", "project(kv C)\n");
    std::fs::write(r.join("libold.a"), b"!<arch>\nstuff").unwrap();
    let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
    elf.resize(16, 0);
    elf.extend_from_slice(&[2, 0, 0x3e, 0]);
    std::fs::write(r.join("tools/kvtool"), elf).unwrap();
    dir
}

fn options() -> DiscoverOptions {
    DiscoverOptions {
        name: Some("kv".into()),
        system_include_dirs: Vec::new(),
    }
}

#[test]
fn init_finds_library_programs_tests_and_include_dirs() {
    let dir = fixture();
    let found = discover_with(dir.path(), &options()).unwrap();
    let c = &found.config;
    let names: Vec<(&str, TargetKind)> = c
        .targets
        .iter()
        .map(|t| (t.name.as_str(), t.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("kv", TargetKind::StaticLibrary),
            ("kv-test-support", TargetKind::Objects),
            ("dump", TargetKind::Executable),
            ("kvtool", TargetKind::Executable),
            ("db_test", TargetKind::Executable),
        ],
        "{}",
        found.toml
    );
    let lib = c.target("kv").unwrap();
    assert_eq!(
        lib.sources,
        ["src/db/db_impl.c", "src/util/hash.c"],
        "{}",
        found.toml
    );
    // include/ is needed by the programs too (public); src/ only by the library and the test.
    assert_eq!(lib.public_include_dirs, ["include", "src"]);
    assert!(lib.include_dirs.is_empty());
    assert_eq!(lib.link_libs, ["m"]);
    let tool = c.target("kvtool").unwrap();
    assert_eq!(
        (tool.sources.as_slice(), tool.deps.as_slice()),
        (&["tools/kvtool.c".to_string()][..], &["kv".to_string()][..])
    );
    assert!(tool.include_dirs.is_empty());
    let test = c.target("db_test").unwrap();
    assert_eq!(test.deps, ["kv", "kv-test-support"]);
    assert_eq!(
        c.target("kv-test-support").unwrap().sources,
        ["tests/testutil.c"]
    );

    assert_eq!(
        found.roles[Path::new("src/util/env_windows.c")],
        Role::OtherPlatform
    );
    assert_eq!(found.roles[Path::new("tests/db_test.c")], Role::TestProgram);
    assert_eq!(
        found.include_dirs,
        [PathBuf::from("include"), PathBuf::from("src")]
    );
    // Ignored and build dirs are not looked at.
    for skipped in ["out/generated.c", "build/debug/obj/x.c", "scratch.tmp.c"] {
        assert!(
            !found.sources.contains(&PathBuf::from(skipped)),
            "{skipped}"
        );
    }
    assert_eq!(found.build_files, [PathBuf::from("CMakeLists.txt")]);
    let bins: Vec<(&Path, BinaryKind)> = found
        .binaries
        .iter()
        .map(|b| (b.path.as_path(), b.kind))
        .collect();
    assert_eq!(
        bins,
        [
            (Path::new("libold.a"), BinaryKind::StaticLibrary),
            (Path::new("tools/kvtool"), BinaryKind::Executable),
        ]
    );
    assert!(
        found
            .toml
            .contains("Other build systems here: CMakeLists.txt"),
        "{}",
        found.toml
    );
    assert!(
        found.toml.contains("src/util/env_windows.c"),
        "{}",
        found.toml
    );
}

#[test]
fn init_toml_parses_back_to_the_same_config_and_builds_a_graph() {
    let dir = fixture();
    let found = discover_with(dir.path(), &options()).unwrap();
    let file = dir.path().join("warmcc.toml");
    std::fs::write(&file, &found.toml).unwrap();
    let back = parse(&found.toml, &file).unwrap_or_else(|e| panic!("{e}\n{}", found.toml));
    assert_eq!(back.config, found.config);
    let project = Project::load(dir.path()).unwrap();
    assert!(project.warnings.is_empty(), "{:?}", project.warnings);
    let graph = ActionGraph::build(&project.config, dir.path(), "debug").unwrap();
    let kvtool = graph.target("kvtool").unwrap();
    let compile = &graph.actions[kvtool.compiles[0]];
    assert!(
        compile.args.contains(&"-Iinclude".to_string()),
        "{:?}",
        compile.args
    );
    let link = &graph.actions[kvtool.action.unwrap()];
    assert!(
        link.args
            .ends_with(&["build/debug/lib/libkv.a".to_string(), "-lm".to_string()]),
        "{:?}",
        link.args
    );
}

#[test]
fn tests_needing_missing_libraries_are_commented_out() {
    let dir = fixture();
    write(
        dir.path(),
        "tests/gtest_test.cc",
        "#include \"gtest/gtest.h\"\n#include \"testutil.h\"\nint main() { return 0; }\n",
    );
    let found = discover_with(dir.path(), &options()).unwrap();
    assert!(found.config.target("gtest_test").is_none());
    assert_eq!(found.disabled.len(), 1);
    assert!(
        found.toml.contains("# name = \"gtest_test\""),
        "{}",
        found.toml
    );
    assert!(
        found.toml.contains("Disabled: needs googletest"),
        "{}",
        found.toml
    );

    // With the headers "installed", the test is enabled and links gtest.
    let sys = tempfile::tempdir().unwrap();
    write(sys.path(), "gtest/gtest.h", "");
    let opts = DiscoverOptions {
        system_include_dirs: vec![sys.path().to_path_buf()],
        ..options()
    };
    let found = discover_with(dir.path(), &opts).unwrap();
    assert_eq!(
        found.config.target("gtest_test").unwrap().link_libs,
        ["gtest"]
    );
}

#[test]
fn library_named_like_a_program_gets_output_name() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lapi.c", "#include \"lua.h\"\nint x;\n");
    write(dir.path(), "src/lua.h", "int y;\n");
    write(
        dir.path(),
        "src/lua.c",
        "#include \"lua.h\"\nint main (int argc, char **argv) {\n  return 0;\n}\n",
    );
    let opts = DiscoverOptions {
        name: Some("lua".into()),
        system_include_dirs: Vec::new(),
    };
    let found = discover_with(dir.path(), &opts).unwrap();
    let lib = found.config.target("liblua").unwrap();
    assert_eq!(lib.output_name.as_deref(), Some("lua"));
    assert_eq!(found.config.target("lua").unwrap().deps, ["liblua"]);
    let graph = ActionGraph::build(&found.config, dir.path(), "debug").unwrap();
    assert_eq!(
        graph.target("liblua").unwrap().artifact.as_deref(),
        Some(Path::new("build/debug/lib/liblua.a"))
    );
    assert_eq!(
        graph.target("lua").unwrap().artifact.as_deref(),
        Some(Path::new("build/debug/bin/lua"))
    );
}

#[test]
fn init_on_a_tree_without_sources_fails() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README", "nothing\n");
    assert!(matches!(
        discover_with(dir.path(), &options()),
        Err(DiscoverError::NoSources(_))
    ));
}

#[test]
fn new_project_templates_parse_and_refuse_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("hello");
    let files = new_project(&exe, "hello", Template::Exe, Language::C).unwrap();
    assert!(files.contains(&exe.join("src/main.c")));
    let p = Project::load(&exe).unwrap();
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.config.targets[0].kind, TargetKind::Executable);
    assert!(matches!(
        new_project(&exe, "hello", Template::Exe, Language::C),
        Err(DiscoverError::Exists(_))
    ));

    let lib = dir.path().join("mylib");
    new_project(&lib, "mylib", Template::Lib, Language::Cxx).unwrap();
    let p = Project::load(&lib).unwrap();
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let graph = ActionGraph::build(&p.config, &lib, "debug").unwrap();
    let compile = &graph.actions[0];
    assert_eq!(compile.program, "clang++");
    assert!(compile.args.contains(&"-Iinclude".to_string()));
    assert!(lib.join("include/mylib/mylib.h").is_file());
    assert!(matches!(
        new_project(&lib, "bad name", Template::Lib, Language::C),
        Err(DiscoverError::BadName(_))
    ));
}
