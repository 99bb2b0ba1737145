//! Stateless compiles through the CLI: objects, cache hits, cross targets, header changes.

mod common;

use std::path::Path;
use std::process::Command;

use common::{elf_machine, link, macho_platform, skip_without, Env, EM_AARCH64, EM_X86_64};

const F: &[u8] = b"int f(int x){return x+1;}\n";

fn misses_for(env: &Env, reason: &str) -> u64 {
    env.stats()["misses_by_reason"][reason]
        .as_u64()
        .unwrap_or(0)
}

#[test]
fn stdin_compile_starts_the_daemon_and_hits_the_second_time() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.o");
    let o = out.to_str().unwrap();
    let first = env.ok(&["compile", "-", "-o", o], Some(F));
    assert!(String::from_utf8_lossy(&first.stderr).contains("compiled in"));
    assert_eq!(elf_machine(&std::fs::read(&out).unwrap()), EM_X86_64);
    std::fs::remove_file(&out).unwrap();
    let second = env.ok(&["compile", "-", "-o", o], Some(F));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("cache hit"),
        "{second:?}"
    );
    assert_eq!(elf_machine(&std::fs::read(&out).unwrap()), EM_X86_64);
    let stats = env.stats();
    assert_eq!(stats["hits"], 1, "{stats}");
    assert_eq!(stats["misses"], 1, "{stats}");
    assert!(
        env.paths().log_file().is_file(),
        "the daemon logs to its state directory"
    );
}

#[test]
fn cross_targets_give_aarch64_elf_and_ios_macho() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let arm = dir.path().join("f-arm.o");
    env.ok(
        &[
            "compile",
            "-",
            "-o",
            arm.to_str().unwrap(),
            "--target",
            "aarch64-linux-gnu",
        ],
        Some(F),
    );
    assert_eq!(elf_machine(&std::fs::read(&arm).unwrap()), EM_AARCH64);
    let ios = dir.path().join("f-ios.o");
    env.ok(
        &[
            "compile",
            "-",
            "-o",
            ios.to_str().unwrap(),
            "--target",
            "arm64-apple-ios17.0",
        ],
        Some(F),
    );
    let bytes = std::fs::read(&ios).unwrap();
    assert_eq!(
        u32::from_le_bytes(bytes[4..8].try_into().unwrap()),
        0x0100_000c,
        "CPU_TYPE_ARM64"
    );
    assert_eq!(
        macho_platform(&bytes),
        Some(2),
        "LC_BUILD_VERSION platform is iOS"
    );
}

fn build_and_run(env: &Env, root: &Path) -> String {
    let obj = root.join("main.o");
    env.ok_in(
        root,
        &[
            "compile",
            "src/main.c",
            "-o",
            obj.to_str().unwrap(),
            "-I",
            "inc1",
            "-I",
            "inc2",
            "-q",
        ],
    );
    let exe = root.join("main");
    link(&["clang-19"], &[obj], &exe);
    String::from_utf8(Command::new(&exe).output().unwrap().stdout).unwrap()
}

#[test]
fn header_edits_and_shadowing_headers_recompile() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    for d in ["src", "inc1", "inc2"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::write(r.join("src/main.c"), "#include <stdio.h>\n#include \"val.h\"\nint main(void){printf(\"%d\\n\", VAL);return 0;}\n").unwrap();
    std::fs::write(r.join("inc2/val.h"), "#define VAL 1\n").unwrap();
    let run = |env: &Env| build_and_run(env, r);
    assert_eq!(run(&env), "1\n");
    assert_eq!(run(&env), "1\n");
    assert_eq!(env.stats()["hits"], 1);

    // Same size, new content: must not be a hit.
    std::fs::write(r.join("inc2/val.h"), "#define VAL 2\n").unwrap();
    assert_eq!(run(&env), "2\n");
    assert_eq!(misses_for(&env, "header changed"), 1);

    // A header earlier on the include path now shadows the recorded one.
    std::fs::write(r.join("inc1/val.h"), "#define VAL 3\n").unwrap();
    assert_eq!(run(&env), "3\n");
    assert_eq!(misses_for(&env, "new shadowing header"), 1);

    // Removing it again returns to the earlier result, from the cache.
    std::fs::remove_file(r.join("inc1/val.h")).unwrap();
    let hits = env.stats()["hits"].as_u64().unwrap();
    assert_eq!(run(&env), "2\n");
    assert_eq!(env.stats()["hits"].as_u64().unwrap(), hits + 1);
}

#[test]
fn prelude_is_precompiled_and_warnings_are_replayed_on_hits() {
    if skip_without("clang++-19") {
        return;
    }
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("v.cc");
    std::fs::write(
        &src,
        "int total() { std::vector<int> v{1,2,3}; int unused; return (int)v.size(); }\n",
    )
    .unwrap();
    let obj = dir.path().join("v.o");
    let args = [
        "compile",
        src.to_str().unwrap(),
        "-o",
        obj.to_str().unwrap(),
        "--prelude",
        "vector",
        "--",
        "-Wall",
    ];
    let first = env.ok(&args, None);
    let second = env.ok(&args, None);
    for o in [&first, &second] {
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("unused variable 'unused'"), "{err}");
    }
    assert!(String::from_utf8_lossy(&second.stderr).contains("cache hit"));
    assert_eq!(elf_machine(&std::fs::read(&obj).unwrap()), EM_X86_64);
}

#[test]
fn compile_errors_are_reported_with_the_compilers_exit_code() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("bad.o");
    let out = env.run(
        &["compile", "-", "-o", obj.to_str().unwrap()],
        Some(b"int f( { return; }\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<stdin>:1:"), "{err}");
    assert!(!obj.exists(), "no object is written for a failed compile");
    assert_eq!(env.stats()["compile_failures"], 1);
}
