//! `warmcc new`, `init` and `check` on small projects.

mod common;

use std::process::Command;

use common::Env;

fn warmcc(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(Env::bin())
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn new_init_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = warmcc(d, &["new", "hello", "--template", "exe"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("hello/warmcc.toml").is_file());
    let out = warmcc(d, &["check", "hello"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A small tree: a library, a program with main, an include dir.
    let p = d.join("proj");
    std::fs::create_dir_all(p.join("include/calc")).unwrap();
    std::fs::create_dir_all(p.join("src")).unwrap();
    std::fs::create_dir_all(p.join("tools")).unwrap();
    std::fs::write(p.join("include/calc/calc.h"), "int add(int, int);\n").unwrap();
    std::fs::write(
        p.join("src/calc.c"),
        "#include \"calc/calc.h\"\nint add(int a, int b) { return a + b; }\n",
    )
    .unwrap();
    std::fs::write(
        p.join("tools/main.c"),
        "#include \"calc/calc.h\"\nint main(void) { return add(1, -1); }\n",
    )
    .unwrap();
    let out = warmcc(&p, &["init"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let toml = std::fs::read_to_string(p.join("warmcc.toml")).unwrap();
    assert!(
        toml.contains("static-library") && toml.contains("executable"),
        "{toml}"
    );
    assert!(toml.contains("include"), "{toml}");
    let again = warmcc(&p, &["init"]);
    assert!(
        !again.status.success(),
        "init refuses to overwrite without --force"
    );
    assert!(warmcc(&p, &["check"]).status.success());

    // A broken file names the file, line and column.
    std::fs::write(
        p.join("warmcc.toml"),
        format!("{toml}\n[[target]]\nname = 3\n"),
    )
    .unwrap();
    let out = warmcc(&p, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = toml.lines().count() + 3;
    assert!(err.contains(&format!("warmcc.toml:{line}:")), "{err}");
}
