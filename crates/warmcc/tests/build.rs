//! `warmcc build` on a small fixture: incremental correctness, cached links, bad input.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{skip_without, Env};

const TOML: &str = r#"name = "fx"

[toolchain]
cc = "clang-19"
cxx = "clang++-19"

[[target]]
name = "util"
kind = "static-library"
sources = ["lib/*.c"]
exclude = EXCLUDE
public_include_dirs = ["inc0", "include"]
defines = ["SCALE=SCALEV"]

[[target]]
name = "app"
kind = "executable"
sources = ["app/main.c"]
deps = ["util"]

[[target]]
name = "tool"
kind = "executable"
sources = ["tools/t.c"]
"#;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn config(root: &Path, scale: u32, exclude: &str) {
    write(
        root,
        "warmcc.toml",
        &TOML
            .replace("SCALEV", &scale.to_string())
            .replace("EXCLUDE", exclude),
    );
}

fn fixture() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    config(r, 2, "[]");
    write(r, "inc0/.keep", "");
    write(r, "include/val.h", "#define VAL 10\n");
    write(r, "include/util.h", "int scaled(void);\nint other(void);\n");
    write(
        r,
        "lib/scaled.c",
        "#include \"val.h\"\n#include \"util.h\"\nint scaled(void) { return VAL * SCALE; }\n",
    );
    write(
        r,
        "lib/other.c",
        "#include \"util.h\"\nint other(void) { return 1; }\n",
    );
    write(r, "lib/extra.c", "int extra(void) { return 3; }\n");
    write(r, "app/main.c", "#include <stdio.h>\n#include \"util.h\"\nint main(void) { printf(\"%d\\n\", scaled() + other()); return 0; }\n");
    write(r, "tools/t.c", "int main(void) { return 0; }\n");
    d
}

fn build(env: &Env, root: &Path, extra: &[&str]) -> Output {
    env.cmd()
        .current_dir(root)
        .arg("build")
        .args(extra)
        .output()
        .unwrap()
}

/// Builds, expects success, returns stdout.
fn ok(env: &Env, root: &Path) -> String {
    let out = build(env, root, &[]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn ran(summary: &str) -> usize {
    if summary.contains("nothing to do") {
        return 0;
    }
    let line = summary.lines().last().unwrap();
    let after = line.split(": ").nth(2).unwrap();
    after.split(' ').next().unwrap().parse().unwrap()
}

fn app(root: &Path) -> String {
    String::from_utf8(
        Command::new(root.join("build/debug/bin/app"))
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
}

fn touch_later(p: &Path) {
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
}

#[test]
fn incremental_builds_rebuild_exactly_what_changed() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = fixture();
    let r = d.path();
    ok(&env, r);
    assert_eq!(app(r), "21\n");
    assert!(r.join("compile_commands.json").is_file() && r.join(".warmcc/trace.json").is_file());
    let trace: serde_json::Value =
        serde_json::from_slice(&std::fs::read(r.join(".warmcc/trace.json")).unwrap()).unwrap();
    assert!(!trace["traceEvents"].as_array().unwrap().is_empty());

    assert_eq!(ran(&ok(&env, r)), 0, "a second build has nothing to do");

    touch_later(&r.join("lib/scaled.c"));
    assert_eq!(
        ran(&ok(&env, r)),
        0,
        "touching without a change rebuilds nothing"
    );

    write(
        r,
        "lib/other.c",
        "#include \"util.h\"\nint other(void) { return 2; }\n",
    );
    let out = ok(&env, r);
    assert_eq!(ran(&out), 3, "one compile, the archive, the link:\n{out}");
    assert_eq!(app(r), "22\n");

    write(r, "include/val.h", "#define VAL 20\n");
    let out = ok(&env, r);
    assert!(
        out.contains("lib/scaled.c.o") && !out.contains("lib/other.c.o"),
        "only the header's dependents:\n{out}"
    );
    assert_eq!(app(r), "42\n");

    config(r, 3, "[]");
    let out = ok(&env, r);
    assert!(
        out.contains("lib/scaled.c.o")
            && out.contains("lib/other.c.o")
            && !out.contains("app/main.c.o ("),
        "the define's target rebuilds:\n{out}"
    );
    assert_eq!(app(r), "62\n");

    write(r, "inc0/val.h", "#define VAL 5\n");
    let out = ok(&env, r);
    let line = out
        .lines()
        .find(|l| l.contains("lib/scaled.c.o"))
        .expect("scaled.c recompiled");
    assert!(
        !line.contains("cached"),
        "a shadowing header is a real recompile: {line}"
    );
    assert_eq!(app(r), "17\n");

    let archive = || {
        String::from_utf8(
            Command::new("ar")
                .arg("t")
                .arg(r.join("build/debug/lib/libutil.a"))
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap()
    };
    assert!(archive().contains("extra.c.o"));
    config(r, 3, "[\"lib/extra.c\"]");
    ok(&env, r);
    assert!(
        !archive().contains("extra.c.o"),
        "a source removed from the config leaves the archive"
    );
    assert_eq!(app(r), "17\n");

    // Deleting the build dir: everything comes back from the cache, links included.
    std::fs::remove_dir_all(r.join("build")).unwrap();
    let out = ok(&env, r);
    let summary = out.lines().last().unwrap();
    assert!(
        summary.contains(&format!("{} ran ({} from cache)", ran(&out), ran(&out))),
        "{out}"
    );
    assert_eq!(app(r), "17\n");
}

#[test]
fn failures_report_and_keep_going_builds_the_rest() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = fixture();
    let r = d.path();
    write(
        r,
        "app/main.c",
        "int main(void) { return undefined_thing; }\n",
    );
    let out = build(&env, r, &["--keep-going"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("undefined_thing"));
    assert!(
        r.join("build/debug/bin/tool").is_file(),
        "an independent target still builds"
    );
    assert!(!r.join("build/debug/bin/app").exists());

    std::fs::write(
        r.join("warmcc.toml"),
        "name = \"fx\"\n[[target]]\nname = \"x\"\nkind = \"executable\"\nsourcez = []\n",
    )
    .unwrap();
    let out = build(&env, r, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warmcc.toml:5:1"), "{err}");
}
