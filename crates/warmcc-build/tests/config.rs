//! warmcc.toml parsing: syntax and type errors with positions, semantic checks, profiles,
//! rendering round trips.

use std::path::Path;

use warmcc_build::config::{parse, render, Lto, ProfileSpec, RenderNotes};
use warmcc_build::{Config, ConfigError, Project, Target, TargetKind};

fn file() -> &'static Path {
    Path::new("proj/warmcc.toml")
}

fn err(text: &str) -> ConfigError {
    parse(text, file()).expect_err("should not parse")
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let e = err("name = \"x\"\n\n[[target]]\nname = \n");
    let at = e.location().expect("located");
    assert_eq!((at.file.as_path(), at.line), (file(), 4), "{e}");
    assert!(e.to_string().starts_with("proj/warmcc.toml:4:"), "{e}");
}

#[test]
fn unknown_key_is_an_error_at_the_key() {
    let e = err(
        "name = \"x\"\n[[target]]\nname = \"a\"\nkind = \"executable\"\n  sourcs = [\"a.c\"]\n",
    );
    let text = e.to_string();
    assert!(text.starts_with("proj/warmcc.toml:5:3: "), "{text}");
    assert!(text.contains("sourcs"), "{text}");
}

#[test]
fn unknown_top_level_and_toolchain_keys_are_errors() {
    let e = err("name = \"x\"\nbuild-dir = \"out\"\n");
    assert_eq!(e.location().map(|l| l.line), Some(2), "{e}");
    let e = err("name = \"x\"\n[toolchain]\ncc = \"clang\"\ncompiler = \"gcc\"\n");
    assert_eq!(
        e.location().map(|l| (l.line, l.column)),
        Some((4, 1)),
        "{e}"
    );
}

#[test]
fn wrong_type_is_an_error_at_the_value() {
    let e =
        err("name = \"x\"\n[[target]]\nname = \"a\"\nkind = \"executable\"\nsources = \"a.c\"\n");
    let at = e.location().expect("located");
    assert_eq!((at.line, at.column), (5, 11), "{e}");
    let e = err("name = \"x\"\n[profile.release]\ndebug_info = \"yes\"\n");
    assert_eq!(e.location().map(|l| l.line), Some(3), "{e}");
}

#[test]
fn bad_kind_unknown_dep_and_duplicate_name_are_all_reported() {
    let text = "name = \"x\"
[[target]]
name = \"a\"
kind = \"program\"
sources = [\"a.c\"]
[[target]]
name = \"b\"
kind = \"static-library\"
sources = [\"b.c\"]
deps = [\"a\", \"nope\"]
[[target]]
name = \"b\"
kind = \"objects\"
";
    let ConfigError::Invalid { diagnostics } = err(text) else {
        panic!("expected semantic errors");
    };
    let lines: Vec<(usize, &str)> = diagnostics
        .iter()
        .map(|d| (d.location.as_ref().unwrap().line, d.message.as_str()))
        .collect();
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 4 && m.contains("unknown kind `program`")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 10 && m.contains("unknown target `nope`")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 12 && m.contains("duplicate target name `b`")),
        "{lines:?}"
    );
}

#[test]
fn dependency_cycle_is_named_at_the_dep() {
    let text = "name = \"x\"
[[target]]
name = \"a\"
kind = \"static-library\"
sources = [\"a.c\"]
deps = [\"b\"]
[[target]]
name = \"b\"
kind = \"static-library\"
sources = [\"b.c\"]
deps = [\"c\"]
[[target]]
name = \"c\"
kind = \"static-library\"
sources = [\"c.c\"]
deps = [\"a\"]
";
    let e = err(text);
    let s = e.to_string();
    assert!(s.contains("a -> b -> c -> a"), "{s}");
    assert_eq!(
        e.location().map(|l| (l.line, l.column)),
        Some((6, 9)),
        "{s}"
    );
}

#[test]
fn executable_dep_soname_on_static_and_bad_values_are_errors() {
    let text = "name = \"x\"
[[target]]
name = \"tool\"
kind = \"executable\"
sources = [\"t.c\"]
[[target]]
name = \"lib\"
kind = \"static-library\"
sources = [\"l.c\"]
soname = \"libl.so.1\"
deps = [\"tool\"]
link_libs = [\"-lm\"]
defines = [\"-DX\"]
[profile.fast]
opt_level = 7
lto = \"fat\"
";
    let ConfigError::Invalid { diagnostics } = err(text) else {
        panic!("expected semantic errors");
    };
    let all: String = diagnostics.iter().map(|d| format!("{d}\n")).collect();
    for needle in [
        ":10:10: error: target `lib`: `soname` applies only to shared libraries",
        ":11:9: error: target `lib` depends on `tool`, an executable",
        ":12:14: error: target `lib`: write `m` in `link_libs`",
        ":13:12: error: target `lib`: write `X` in `defines`",
        ":15:13: error: `opt_level` must be",
        ":16:7: error: `lto` must be",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in\n{all}");
    }
}

#[test]
fn glob_matching_nothing_is_a_warning_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/a.c"), "int a;\n").unwrap();
    let text = "name = \"x\"\n[[target]]\nname = \"a\"\nkind = \"static-library\"\nsources = [\"src/*.c\",\n  \"lib/**/*.c\"]\n";
    let p = Project::from_text(text, &dir.path().join("warmcc.toml"), dir.path()).unwrap();
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    let w = &p.warnings[0];
    assert!(!w.is_error());
    assert_eq!(
        w.location.as_ref().map(|l| (l.line, l.column)),
        Some((6, 3))
    );
    assert!(w.message.contains("lib/**/*.c"), "{w}");
}

#[test]
fn profiles_resolve_builtins_overrides_and_inheritance() {
    let text = "name = \"x\"
[profile.release]
defines = [\"FAST\"]
[profile.thin]
inherits = \"release\"
lto = \"thin\"
keep_ir = true
opt_level = \"s\"
[profile.asan]
flags = [\"-fsanitize=address\"]
link_flags = [\"-fsanitize=address\"]
";
    let config = parse(text, file()).unwrap().config;
    let debug = config.profile("debug").unwrap();
    assert_eq!((debug.opt_level.as_str(), debug.debug_info), ("0", true));
    let release = config.profile("release").unwrap();
    assert_eq!(release.defines, ["NDEBUG", "FAST"]);
    assert!(!release.debug_info);
    let thin = config.profile("thin").unwrap();
    assert_eq!(
        (
            thin.name.as_str(),
            thin.opt_level.as_str(),
            thin.lto,
            thin.keep_ir
        ),
        ("thin", "s", Lto::Thin, true)
    );
    assert_eq!(thin.defines, ["NDEBUG", "FAST"]);
    let asan = config.profile("asan").unwrap();
    assert_eq!((asan.opt_level.as_str(), asan.debug_info), ("0", true));
    assert_eq!(asan.flags, ["-fsanitize=address"]);
    assert!(config.profile("nope").is_err());
    assert_eq!(config.profile_names(), ["debug", "release", "asan", "thin"]);
}

#[test]
fn inherits_unknown_profile_is_an_error() {
    let e = err("name = \"x\"\n[profile.p]\ninherits = \"relase\"\n");
    assert!(
        e.to_string()
            .contains(":3:12: error: profile `p` inherits unknown profile `relase`"),
        "{e}"
    );
}

#[test]
fn full_config_renders_and_parses_back_equal() {
    let mut config = Config::new("demo");
    config.build_dir = "out".into();
    config.toolchain.cc = Some("clang-19".into());
    config.toolchain.cxx = Some("clang++-19".into());
    config.toolchain.target = Some("aarch64-linux-gnu".into());
    config.toolchain.linker = Some("lld".into());
    config.profiles.insert(
        "thin".into(),
        ProfileSpec {
            inherits: Some("release".into()),
            lto: Some(Lto::Thin),
            keep_ir: Some(true),
            opt_level: Some("3".into()),
            debug_info: Some(true),
            defines: vec!["A=\"quoted\\\\\"".into()],
            cxx_flags: vec!["-fno-rtti".into()],
            ..ProfileSpec::default()
        },
    );
    let mut lib = Target::new("core", TargetKind::SharedLibrary);
    lib.sources = vec!["src/**/*.cc".into()];
    lib.exclude = vec!["src/**/*_test.cc".into()];
    lib.public_include_dirs = vec!["include".into()];
    lib.include_dirs = vec!["src".into()];
    lib.public_defines = vec!["CORE_SHARED".into()];
    lib.defines = vec!["CORE_BUILD=1".into()];
    lib.flags = vec!["-Wall".into()];
    lib.c_flags = vec!["-std=c11".into()];
    lib.cxx_flags = vec!["-std=c++17".into()];
    lib.link_libs = vec!["m".into()];
    lib.link_flags = vec!["-Wl,--as-needed".into()];
    lib.soname = Some("libcore.so.2".into());
    lib.version = Some("2.1.0".into());
    let mut app = Target::new("app", TargetKind::Executable);
    app.sources = vec!["app/main.cc".into()];
    app.deps = vec!["core".into()];
    app.output_name = Some("demo-app".into());
    config.targets = vec![lib, app];
    let notes = RenderNotes {
        header: vec!["a header".into()],
        ..RenderNotes::default()
    };
    let text = render(&config, &notes);
    let back = parse(&text, file()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back.config, config, "{text}");
    assert!(back.warnings.is_empty());
}
