//! The action graph: exact compile commands, propagation of public settings, link order,
//! shared libraries, LTO and compile_commands.json.

use std::path::{Path, PathBuf};

use warmcc_build::config::parse;
use warmcc_build::{compile_commands, ActionGraph, ActionKind, Config};

fn project(files: &[&str], toml: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let path = dir.path().join(f);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "int x;\n").unwrap();
    }
    let config = parse(toml, &dir.path().join("warmcc.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .config;
    (dir, config)
}

const LIB_EXE: &str = r#"name = "demo"
[[target]]
name = "util"
kind = "static-library"
sources = ["util/*.c"]
public_include_dirs = ["util/include"]
include_dirs = ["util/private"]
public_defines = ["UTIL_API=1"]
defines = ["UTIL_BUILD"]
link_libs = ["m"]

[[target]]
name = "core"
kind = "static-library"
sources = ["core/**/*.cc"]
exclude = ["core/**/*_test.cc"]
public_include_dirs = ["core/include"]
deps = ["util"]
cxx_flags = ["-std=c++17"]
link_libs = ["pthread"]

[[target]]
name = "app"
kind = "executable"
sources = ["app/main.c"]
deps = ["core"]
flags = ["-Wall"]
c_flags = ["-std=c11"]
link_libs = ["m"]
"#;

const LIB_EXE_FILES: &[&str] = &[
    "util/a.c",
    "util/b.c",
    "util/README.md",
    "core/x.cc",
    "core/sub/y.cc",
    "core/sub/y_test.cc",
    "app/main.c",
    "app/unused.c",
];

fn args(graph: &ActionGraph, source: &str) -> Vec<String> {
    graph
        .actions
        .iter()
        .find(|a| a.source.as_deref() == Some(Path::new(source)))
        .unwrap_or_else(|| panic!("no action for {source}"))
        .command()
}

#[test]
fn compile_commands_are_exact_and_propagate_public_settings() {
    let (dir, config) = project(LIB_EXE_FILES, LIB_EXE);
    let graph = ActionGraph::build(&config, dir.path(), "debug").unwrap();
    assert_eq!(
        args(&graph, "util/a.c"),
        [
            "clang",
            "-O0",
            "-g",
            "-DUTIL_API=1",
            "-DUTIL_BUILD",
            "-Iutil/private",
            "-Iutil/include",
            "-MD",
            "-MF",
            "build/debug/obj/util/util/a.c.d",
            "-c",
            "util/a.c",
            "-o",
            "build/debug/obj/util/util/a.c.o",
        ]
    );
    // core sees util's public dir and define but not its private ones.
    assert_eq!(
        args(&graph, "core/sub/y.cc"),
        [
            "clang++",
            "-O0",
            "-g",
            "-DUTIL_API=1",
            "-Icore/include",
            "-Iutil/include",
            "-std=c++17",
            "-MD",
            "-MF",
            "build/debug/obj/core/core/sub/y.cc.d",
            "-c",
            "core/sub/y.cc",
            "-o",
            "build/debug/obj/core/core/sub/y.cc.o",
        ]
    );
    // app gets both public dirs transitively, its own flags last.
    assert_eq!(
        args(&graph, "app/main.c"),
        [
            "clang",
            "-O0",
            "-g",
            "-DUTIL_API=1",
            "-Icore/include",
            "-Iutil/include",
            "-Wall",
            "-std=c11",
            "-MD",
            "-MF",
            "build/debug/obj/app/app/main.c.d",
            "-c",
            "app/main.c",
            "-o",
            "build/debug/obj/app/app/main.c.o",
        ]
    );
    let sources: Vec<PathBuf> = graph
        .actions
        .iter()
        .filter_map(|a| a.source.clone())
        .collect();
    let expected: Vec<PathBuf> = [
        "util/a.c",
        "util/b.c",
        "core/sub/y.cc",
        "core/x.cc",
        "app/main.c",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    assert_eq!(
        sources, expected,
        "excluded and unlisted files stay out, order is stable"
    );
}

#[test]
fn archives_and_link_order() {
    let (dir, config) = project(LIB_EXE_FILES, LIB_EXE);
    let graph = ActionGraph::build(&config, dir.path(), "release").unwrap();
    let archive = &graph.actions[graph.target("util").unwrap().action.unwrap()];
    assert_eq!(archive.kind, ActionKind::Archive);
    assert_eq!(
        archive.command(),
        [
            "ar",
            "rcs",
            "build/release/lib/libutil.a",
            "build/release/obj/util/util/a.c.o",
            "build/release/obj/util/util/b.c.o",
        ]
    );
    assert_eq!(archive.deps, graph.target("util").unwrap().compiles);
    let link = &graph.actions[graph.target("app").unwrap().action.unwrap()];
    assert_eq!(link.kind, ActionKind::Link);
    // C++ objects come in through core, so the C++ driver links; dependents before their deps;
    // `m` is wanted by app and util and goes after both, once.
    assert_eq!(
        link.command(),
        [
            "clang++",
            "-o",
            "build/release/bin/app",
            "build/release/obj/app/app/main.c.o",
            "build/release/lib/libcore.a",
            "build/release/lib/libutil.a",
            "-lpthread",
            "-lm",
        ]
    );
    let core = graph.target("core").unwrap().action.unwrap();
    let util = graph.target("util").unwrap().action.unwrap();
    assert!(link.deps.contains(&core) && link.deps.contains(&util));
    assert_eq!(
        link.inputs.last().unwrap(),
        Path::new("build/release/lib/libutil.a")
    );
    // Every action's deps come before it.
    for a in &graph.actions {
        assert!(a.deps.iter().all(|&d| d < a.id), "{a:?}");
    }
    assert_eq!(
        args(&graph, "util/b.c")[1..3],
        ["-O2".to_string(), "-DNDEBUG".to_string()]
    );
    // Building only core needs core's and util's actions, not app's.
    let needed = graph.needed("core").unwrap();
    assert!(needed.contains(&util) && needed.contains(&core));
    assert!(!needed.contains(&link.id));
}

#[test]
fn shared_library_gets_pic_soname_and_rpath() {
    let toml = r#"name = "s"
[toolchain]
cc = "gcc-12"
target = "x86_64-linux-gnu"
[[target]]
name = "base"
kind = "static-library"
sources = ["base.c"]
[[target]]
name = "plug"
kind = "shared-library"
sources = ["plug.c"]
deps = ["base"]
version = "3.1.4"
[[target]]
name = "tool"
kind = "executable"
sources = ["tool.c"]
deps = ["plug"]
"#;
    let (dir, config) = project(&["base.c", "plug.c", "tool.c"], toml);
    let graph = ActionGraph::build(&config, dir.path(), "debug").unwrap();
    assert!(
        args(&graph, "base.c").contains(&"-fPIC".to_string()),
        "static dep of a .so"
    );
    assert!(args(&graph, "plug.c").contains(&"-fPIC".to_string()));
    assert!(!args(&graph, "tool.c").contains(&"-fPIC".to_string()));
    assert_eq!(
        args(&graph, "tool.c")[..2],
        ["gcc-12", "--target=x86_64-linux-gnu"]
    );
    let plug = &graph.actions[graph.target("plug").unwrap().action.unwrap()];
    assert_eq!(
        plug.command(),
        [
            "gcc-12",
            "--target=x86_64-linux-gnu",
            "-shared",
            "-Wl,-soname,libplug.so.3",
            "-o",
            "build/debug/lib/libplug.so.3",
            "build/debug/obj/plug/plug.c.o",
            "build/debug/lib/libbase.a",
        ]
    );
    let tool = &graph.actions[graph.target("tool").unwrap().action.unwrap()];
    // base is inside libplug already: not linked again.
    assert_eq!(
        tool.args[3..],
        [
            "build/debug/obj/tool/tool.c.o",
            "build/debug/lib/libplug.so.3",
            "-Wl,-rpath,$ORIGIN/../lib",
        ]
    );
}

#[test]
fn thin_lto_and_keep_ir() {
    let toml = r#"name = "t"
[profile.lto]
inherits = "release"
lto = "thin"
keep_ir = true
[[target]]
name = "lib"
kind = "static-library"
sources = ["a.cc"]
[[target]]
name = "exe"
kind = "executable"
sources = ["m.cc"]
deps = ["lib"]
"#;
    let (dir, config) = project(&["a.cc", "m.cc"], toml);
    let graph = ActionGraph::build(&config, dir.path(), "lto").unwrap();
    assert!(args(&graph, "a.cc").contains(&"-flto=thin".to_string()));
    let ir: Vec<_> = graph
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::EmitIr)
        .collect();
    assert_eq!(ir.len(), 2);
    assert_eq!(ir[0].output(), Path::new("build/lto/ir/lib/a.cc.ll"));
    assert!(ir[0].args.contains(&"-emit-llvm".to_string()));
    let archive = &graph.actions[graph.target("lib").unwrap().action.unwrap()];
    assert_eq!(archive.program, "llvm-ar");
    let link = &graph.actions[graph.target("exe").unwrap().action.unwrap()];
    assert_eq!(
        link.args[..4],
        [
            "-fuse-ld=lld",
            "-flto=thin",
            "-O2",
            "-Wl,--thinlto-cache-dir=build/lto/thinlto-cache"
        ]
    );
}

#[test]
fn objects_targets_link_their_objects_directly() {
    let toml = r#"name = "o"
[[target]]
name = "objs"
kind = "objects"
sources = ["o.c"]
link_libs = ["z"]
[[target]]
name = "exe"
kind = "executable"
sources = ["m.c"]
deps = ["objs"]
"#;
    let (dir, config) = project(&["o.c", "m.c"], toml);
    let graph = ActionGraph::build(&config, dir.path(), "debug").unwrap();
    assert!(graph.target("objs").unwrap().action.is_none());
    let link = &graph.actions[graph.target("exe").unwrap().action.unwrap()];
    assert_eq!(
        link.args,
        [
            "-o",
            "build/debug/bin/exe",
            "build/debug/obj/exe/m.c.o",
            "build/debug/obj/objs/o.c.o",
            "-lz"
        ]
    );
}

#[test]
fn unknown_profile_is_an_error() {
    let (dir, config) = project(LIB_EXE_FILES, LIB_EXE);
    let e = ActionGraph::build(&config, dir.path(), "fast").unwrap_err();
    assert_eq!(e.to_string(), "unknown profile `fast`");
}

#[test]
fn compile_commands_json_is_valid_and_complete() {
    let (dir, config) = project(LIB_EXE_FILES, LIB_EXE);
    let graph = ActionGraph::build(&config, dir.path(), "debug").unwrap();
    let text = compile_commands(&graph);
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let entries = value.as_array().unwrap();
    assert_eq!(entries.len(), 5);
    let root = std::path::absolute(dir.path()).unwrap();
    let first = &entries[0];
    assert_eq!(first["directory"], root.to_string_lossy().as_ref());
    assert_eq!(
        first["file"],
        root.join("util/a.c").to_string_lossy().as_ref()
    );
    assert_eq!(first["output"], "build/debug/obj/util/util/a.c.o");
    let arguments: Vec<&str> = first["arguments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(arguments, args(&graph, "util/a.c"));
    assert!(entries
        .iter()
        .all(|e| Path::new(e["file"].as_str().unwrap()).is_absolute()));
}
