//! Compiler-wrapper mode: `warmcc clang-19 …` and masquerading symlinks, compared with real compiles.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{skip_without, Env};

/// Runs `warmcc <args>` in `dir`.
fn wrapped(env: &Env, dir: &Path, args: &[&str]) -> Output {
    let out = env
        .cmd()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "warmcc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a real compiler in `dir`.
fn real(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(args[0])
        .current_dir(dir)
        .args(&args[1..])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stat(env: &Env, field: &str) -> u64 {
    env.stats()[field].as_u64().unwrap()
}

fn project() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    for sub in ["src", "inc", "inc0", "obj"] {
        std::fs::create_dir_all(p.join(sub)).unwrap();
    }
    std::fs::write(p.join("inc/v.h"), "#define V 3\n").unwrap();
    std::fs::write(
        p.join("src/a.c"),
        "#include <stdio.h>\n#include \"v.h\"\nint main(void){int unused; printf(\"%d\\n\", V); return 0;}\n",
    )
    .unwrap();
    d
}

#[test]
fn hits_are_byte_identical_to_real_compiles_with_equal_depfiles() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = project();
    let p = d.path();
    let variants: &[&[&str]] = &[
        &["-MD", "-MT", "obj/a.o", "-MF", "obj/a.d"],
        &["-MMD", "-MP", "-MF", "obj/a.d"],
        &["-MD", "-MQ", "$(O)/a.o", "-MF", "obj/a.d"],
        &["-MD", "-MF", "obj/a.d", "-g"],
        &["-MMD", "-MF", "obj/a.d", "-O2", "-Wall"],
    ];
    for flags in variants {
        let mut args = vec![
            "clang-19", "-Iinc0", "-Iinc", "-c", "src/a.c", "-o", "obj/a.o",
        ];
        args.extend_from_slice(flags);
        real(p, &args);
        let want_o = std::fs::read(p.join("obj/a.o")).unwrap();
        let want_d = std::fs::read_to_string(p.join("obj/a.d")).unwrap();
        for round in ["miss", "hit"] {
            std::fs::remove_file(p.join("obj/a.o")).unwrap();
            std::fs::remove_file(p.join("obj/a.d")).unwrap();
            let hits = stat(&env, "hits");
            wrapped(&env, p, &args);
            if round == "hit" {
                // Depfile options do not shape the object, so a variant may hit even in its
                // first round; its second round must.
                assert_eq!(stat(&env, "hits") - hits, 1, "{flags:?} {round}");
            }
            assert!(
                std::fs::read(p.join("obj/a.o")).unwrap() == want_o,
                "{flags:?} {round}: object differs"
            );
            assert_eq!(
                std::fs::read_to_string(p.join("obj/a.d")).unwrap(),
                want_d,
                "{flags:?} {round}"
            );
        }
    }
}

#[test]
fn warnings_are_replayed_and_failures_leave_no_object() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = project();
    let p = d.path();
    for _ in 0..2 {
        let out = wrapped(
            &env,
            p,
            &[
                "clang-19", "-Wall", "-Iinc", "-c", "src/a.c", "-o", "obj/a.o",
            ],
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("unused variable 'unused'"));
    }
    assert_eq!(stat(&env, "hits"), 1);
    std::fs::write(p.join("src/a.c"), "int main(void) { return nope; }\n").unwrap();
    let out = env
        .cmd()
        .current_dir(p)
        .args(["clang-19", "-c", "src/a.c", "-o", "obj/a.o"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use of undeclared identifier 'nope'"));
    assert!(
        !p.join("obj/a.o").exists(),
        "a failed compile removes the stale object"
    );
}

#[test]
fn a_new_shadowing_header_is_a_miss() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = project();
    let p = d.path();
    let args = [
        "clang-19", "-Iinc0", "-Iinc", "-c", "src/a.c", "-o", "obj/a.o",
    ];
    wrapped(&env, p, &args);
    wrapped(&env, p, &args);
    assert_eq!(stat(&env, "hits"), 1);
    std::fs::write(p.join("inc0/v.h"), "#define V 4\n").unwrap();
    wrapped(&env, p, &args);
    assert_eq!(stat(&env, "hits"), 1);
    assert_eq!(env.stats()["misses_by_reason"]["new shadowing header"], 1);
    real(p, &["clang-19", "obj/a.o", "-o", "a.out"]);
    assert_eq!(
        String::from_utf8_lossy(&Command::new(p.join("a.out")).output().unwrap().stdout),
        "4\n"
    );
}

#[test]
fn pch_users_hit_and_miss_when_the_pch_changes() {
    if skip_without("clang++-19") {
        return;
    }
    let env = Env::new();
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("pre.h"), "#include <vector>\nconstexpr int K = 1;\n").unwrap();
    std::fs::write(p.join("use.cc"), "#include <cstdio>\nint main() { std::vector<int> v(K); std::printf(\"%zu\\n\", v.size()); }\n").unwrap();
    let make_pch = [
        "clang++-19",
        "-x",
        "c++-header",
        "-c",
        "pre.h",
        "-o",
        "pre.h.pch",
    ];
    let use_pch = [
        "clang++-19",
        "-include-pch",
        "pre.h.pch",
        "-c",
        "use.cc",
        "-o",
        "use.o",
    ];
    let run = || {
        real(p, &["clang++-19", "use.o", "-o", "use"]);
        String::from_utf8(Command::new(p.join("use")).output().unwrap().stdout).unwrap()
    };
    wrapped(&env, p, &make_pch);
    wrapped(&env, p, &use_pch);
    assert_eq!(run(), "1\n");
    let hits = stat(&env, "hits");
    wrapped(&env, p, &make_pch);
    wrapped(&env, p, &use_pch);
    assert_eq!(
        stat(&env, "hits"),
        hits + 2,
        "the PCH build and its user both hit"
    );
    std::fs::write(p.join("pre.h"), "#include <vector>\nconstexpr int K = 2;\n").unwrap();
    wrapped(&env, p, &make_pch);
    wrapped(&env, p, &use_pch);
    assert_eq!(
        stat(&env, "hits"),
        hits + 2,
        "a changed PCH is a miss for its users"
    );
    assert_eq!(run(), "2\n");
}

#[test]
fn pass_through_commands_run_the_real_compiler() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = project();
    let p = d.path();
    std::fs::write(p.join("src/b.c"), "int b(void){return 2;}\n").unwrap();
    wrapped(
        &env,
        p,
        &["clang-19", "-Iinc", "-c", "src/a.c", "-o", "obj/a.o"],
    );
    wrapped(&env, p, &["clang-19", "obj/a.o", "-o", "prog"]);
    assert_eq!(
        String::from_utf8_lossy(&Command::new(p.join("prog")).output().unwrap().stdout),
        "3\n"
    );
    let e = wrapped(&env, p, &["clang-19", "-Iinc", "-E", "src/a.c"]);
    assert!(String::from_utf8_lossy(&e.stdout).contains("printf(\"%d\\n\", 3)"));
    wrapped(&env, p, &["clang-19", "-Iinc", "-c", "src/a.c", "src/b.c"]);
    assert!(p.join("a.o").is_file() && p.join("b.o").is_file());
    let s = env.stats();
    let reasons = &s["passthrough_by_reason"];
    assert_eq!(reasons["not a compile (linking)"], 1, "{s}");
    assert_eq!(reasons["preprocessing only"], 1, "{s}");
    assert_eq!(reasons["several source files"], 1, "{s}");
}

#[test]
fn response_files_and_time_macros() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = project();
    let p = d.path();
    std::fs::write(p.join("args.rsp"), "-Iinc -c src/a.c\n-o obj/a.o").unwrap();
    wrapped(&env, p, &["clang-19", "@args.rsp"]);
    wrapped(&env, p, &["clang-19", "@args.rsp"]);
    assert_eq!(stat(&env, "hits"), 1);
    std::fs::write(
        p.join("src/t.c"),
        "const char *built = __DATE__ \" \" __TIME__;\n",
    )
    .unwrap();
    wrapped(&env, p, &["clang-19", "-c", "src/t.c", "-o", "obj/t.o"]);
    wrapped(&env, p, &["clang-19", "-c", "src/t.c", "-o", "obj/t.o"]);
    assert_eq!(
        stat(&env, "hits"),
        1,
        "__DATE__/__TIME__ results are not cached"
    );
    assert_eq!(
        env.stats()["misses_by_reason"]["uncacheable: the source uses __DATE__ or __TIME__"],
        2
    );
}

#[test]
fn a_masquerading_symlink_finds_the_real_compiler() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = project();
    let p = d.path();
    let bin = p.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(Env::bin(), bin.join("clang-19")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    for _ in 0..2 {
        let out = Command::new("clang-19")
            .current_dir(p)
            .env("PATH", &path)
            .env("WARMCC_HOME", env.home.path())
            .args(["-Iinc", "-c", "src/a.c", "-o", "obj/a.o"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(stat(&env, "hits"), 1);
    assert_eq!(stat(&env, "misses"), 1);
}

#[test]
fn a_killed_daemon_never_fails_the_build() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = project();
    let p = d.path();
    let pid = env.status()["pid"].as_i64().unwrap() as i32;
    let children: Vec<_> = (0..8)
        .map(|i| {
            std::fs::write(
                p.join(format!("src/k{i}.c")),
                format!("int k{i}(void) {{ return {i}; }}\n"),
            )
            .unwrap();
            env.cmd()
                .current_dir(p)
                .args([
                    "clang-19",
                    "-O2",
                    "-c",
                    &format!("src/k{i}.c"),
                    "-o",
                    &format!("obj/k{i}.o"),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(30));
    // SAFETY: sending a signal to a pid; no memory is involved.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "compile {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(p.join(format!("obj/k{i}.o")).is_file());
    }
    // Without any daemon reachable, the wrapper still compiles (it runs the compiler itself).
    let out = Command::new(Env::bin())
        .current_dir(p)
        .env("WARMCC_SOCKET", "/proc/no/such/dir/warmcc.sock")
        .env("WARMCC_HOME", env.home.path())
        .args(["clang-19", "-Iinc", "-c", "src/a.c", "-o", "obj/direct.o"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(p.join("obj/direct.o").is_file());
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn checkouts_under_a_base_dir_share_hits_but_never_each_others_paths() {
    if skip_without("clang-19") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let mut env = Env::new();
    env.extra_env
        .push(("WARMCC_BASEDIR".into(), root.path().display().to_string()));
    let checkouts: Vec<_> = ["one", "two"]
        .iter()
        .map(|name| {
            let c = root.path().join(name);
            for sub in ["src", "inc", "build"] {
                std::fs::create_dir_all(c.join(sub)).unwrap();
            }
            std::fs::write(c.join("inc/v.h"), "#define V 3\n").unwrap();
            std::fs::write(
                c.join("src/a.c"),
                "#include \"v.h\"\nint v(void) { return V; }\nconst char *where = __FILE__;\n",
            )
            .unwrap();
            c
        })
        .collect();
    // Absolute paths, as CMake writes them.
    let compile = |c: &Path, extra: &[&str]| -> Vec<u8> {
        let inc = format!("-I{}", c.join("inc").display());
        let src = c.join("src/a.c").display().to_string();
        let mut args = vec!["clang-19", inc.as_str(), "-c", src.as_str(), "-o", "a.o"];
        args.extend_from_slice(extra);
        wrapped(&env, &c.join("build"), &args);
        std::fs::read(c.join("build/a.o")).unwrap()
    };
    let (one, two) = (&checkouts[0], &checkouts[1]);
    let name = |c: &Path| c.display().to_string();

    let a = compile(one, &[]);
    let hits = stat(&env, "hits");
    let b = compile(two, &[]);
    assert_eq!(stat(&env, "hits"), hits + 1, "the second checkout hits");
    assert!(
        !contains(&b, &name(one)) && !contains(&b, &name(two)),
        "no checkout path in the object"
    );
    assert_eq!(a, b);
    let expected = real(
        &two.join("build"),
        &["clang-19", "-I../inc", "-c", "../src/a.c", "-o", "real.o"],
    );
    drop(expected);
    assert_eq!(
        std::fs::read(two.join("build/real.o")).unwrap(),
        b,
        "same bytes as a relative compile there"
    );

    // Debug info records the working directory: no sharing, and each object names its own checkout.
    compile(one, &["-g"]);
    let hits = stat(&env, "hits");
    let b = compile(two, &["-g"]);
    assert_eq!(stat(&env, "hits"), hits, "-g compiles are not shared");
    assert!(contains(&b, &name(two)) && !contains(&b, &name(one)));

    // ...unless a prefix map covering the working directory takes the paths out.
    let map = |c: &Path| format!("-ffile-prefix-map={}=.", c.display());
    let (map_one, map_two) = (map(one), map(two));
    compile(one, &["-g", map_one.as_str()]);
    let hits = stat(&env, "hits");
    let b = compile(two, &["-g", map_two.as_str()]);
    assert_eq!(
        stat(&env, "hits"),
        hits + 1,
        "mapped -g compiles are shared"
    );
    assert!(!contains(&b, &name(one)) && !contains(&b, &name(two)));
}
