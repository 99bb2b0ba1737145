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
    assert_eq!(app(r), "42\n", "{out}");

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
        summary.contains(&format!("{} ran ({} from cache", ran(&out), ran(&out))),
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
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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

/// The numbers in `warmcc build -v`'s last line: files stat'ed to find what is up to date.
fn stated(out: &str) -> u64 {
    let line = out
        .lines()
        .find(|l| l.contains("files stat'ed"))
        .unwrap_or_else(|| panic!("no stat count in:\n{out}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn no_op_builds_trust_the_watcher_and_status_and_stats_show_the_project() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = fixture();
    let r = d.path().canonicalize().unwrap();
    let r = r.as_path();
    ok(&env, r);
    // The first check after a build stats what the build wrote; from then on the watcher
    // vouches for every file and a no-op stats none.
    let verbose = |env: &Env| {
        let out = build(env, r, &["-v"]);
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    verbose(&env);
    let out = verbose(&env);
    assert_eq!(stated(&out), 0, "a no-op stats nothing:\n{out}");
    assert_eq!(ran(&ok(&env, r)), 0);

    // An edit is seen without a stat of everything, and status lists it before the build.
    write(r, "include/val.h", "#define VAL 30\n");
    let status = env.status();
    let project = &status["projects"][0];
    assert_eq!(project["name"], "fx", "{status:#}");
    assert_eq!(project["root"], r.display().to_string());
    assert!(
        project["targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "app (executable)"),
        "{status:#}"
    );
    assert_eq!(project["last_build"]["success"], true);
    assert!(
        project["dirty"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "include/val.h"),
        "the edited header is dirty: {status:#}"
    );
    let out = verbose(&env);
    assert!(
        out.lines()
            .filter(|l| l.contains("lib/other.c.o") || l.contains("lib/scaled.c.o"))
            .all(|l| l.contains("other.c.o (up to date)")
                || l.contains("scaled.c.o (") && !l.contains("up to date")),
        "only the header's dependents:\n{out}"
    );
    assert!(
        stated(&out) < 10,
        "only what changed is stat'ed after an edit:\n{out}"
    );
    assert_eq!(app(r), "61\n");
    let status = env.status();
    assert_eq!(
        status["projects"][0]["dirty"].as_array().unwrap().len(),
        0,
        "{status:#}"
    );

    // A new source matching a glob is picked up (the project is reloaded).
    write(r, "lib/third.c", "int third(void) { return 3; }\n");
    let out = ok(&env, r);
    assert!(out.contains("lib/third.c.o"), "{out}");

    let stats = env.stats();
    let p = &stats["projects"][0];
    assert_eq!(p["name"], "fx", "{stats:#}");
    assert!(p["builds"].as_u64().unwrap() >= 6, "{stats:#}");
    assert!(p["actions_run"].as_u64().unwrap() >= 10, "{stats:#}");
    assert!(p["up_to_date"].as_u64().unwrap() > 0, "{stats:#}");

    // After a daemon restart the log comes from disk: still nothing to do, and correct.
    env.ok(&["stop"], None);
    assert_eq!(ran(&ok(&env, r)), 0);
    write(r, "include/val.h", "#define VAL 40\n");
    let out = ok(&env, r);
    assert!(out.contains("lib/scaled.c.o"), "{out}");
    assert_eq!(app(r), "81\n");
}

#[test]
fn watch_mode_rebuilds_on_every_change_until_stopped() {
    use std::io::{BufRead, BufReader};
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = fixture();
    let r = d.path().canonicalize().unwrap();
    let r = r.as_path();
    let mut child = env
        .cmd()
        .current_dir(r)
        .args(["build", "--watch"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                return;
            }
        }
    });
    // Reads lines until one contains `what`; returns them all.
    let wait_for = |what: &str| {
        let mut seen = String::new();
        loop {
            match rx.recv_timeout(std::time::Duration::from_secs(60)) {
                Ok(l) => {
                    seen.push_str(&l);
                    seen.push('\n');
                    if l.contains(what) {
                        return seen;
                    }
                }
                Err(_) => panic!("no `{what}` from warmcc build --watch; got:\n{seen}"),
            }
        }
    };
    let first = wait_for("watching");
    assert!(first.contains("warmcc: built"), "{first}");
    assert_eq!(app(r), "21\n");
    assert_eq!(env.status()["projects"][0]["watching"], true);

    write(
        r,
        "lib/other.c",
        "#include \"util.h\"\nint other(void) { return 5; }\n",
    );
    let second = wait_for("watching");
    assert!(second.contains("changed: lib/other.c"), "{second}");
    assert!(second.contains("lib/other.c.o"), "{second}");
    assert_eq!(app(r), "25\n");

    // Writes into the build directory (ours or anyone's) start nothing.
    write(r, "build/debug/scratch.txt", "x");
    assert!(
        rx.recv_timeout(std::time::Duration::from_millis(800))
            .is_err(),
        "a write under build/ must not start a build"
    );

    write(r, "include/val.h", "#define VAL 1\n");
    let third = wait_for("watching");
    assert!(third.contains("lib/scaled.c.o"), "{third}");
    assert_eq!(app(r), "7\n");

    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while env.status()["projects"][0]["watching"] == true {
        assert!(
            std::time::Instant::now() < deadline,
            "the daemon still watches for a client that is gone"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_build_killed_midway_leaves_nothing_that_passes_for_up_to_date() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = fixture();
    let r = d.path();
    // Slow compiles, so the daemon dies in the middle of them.
    for i in 0..4 {
        let mut src = format!("#include \"val.h\"\nint slow{i}(int x) {{\n");
        for j in 0..6000 {
            src.push_str(&format!("  x = x * {j} + VAL;\n"));
        }
        src.push_str("  return x;\n}\n");
        write(r, &format!("lib/slow{i}.c"), &src);
    }
    ok(&env, r);
    assert_eq!(app(r), "21\n");

    // Every util object is out of date now; kill the daemon while they compile.
    config(r, 4, "[]");
    let child = env
        .cmd()
        .current_dir(r)
        .args(["build", "-j", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let pid = env.status()["pid"].as_u64().unwrap();
    // SAFETY: kill(2) on the test's own daemon.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "the client sees the daemon die");

    let out = ok(&env, r);
    assert!(out.contains("lib/scaled.c.o"), "{out}");
    assert_eq!(app(r), "41\n", "the define's new value is in the program");
    assert_eq!(ran(&ok(&env, r)), 0);
}

#[test]
fn clean_right_after_the_first_build_rebuilds_everything() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = fixture();
    let r = d.path();
    ok(&env, r);
    // The build made build/ and its subdirectories; they were removed before the daemon
    // looked at them again, so nothing under them may pass for up to date.
    let out = env.ok_in(r, &["clean"]);
    assert!(!r.join("build").exists(), "{out:?}");
    let out = ok(&env, r);
    assert!(ran(&out) > 0, "{out}");
    assert_eq!(app(r), "21\n");
}

// Multi-threaded: the channel's connection task must be able to close while the daemon stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grpc_build_stream_ends_after_its_summary() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let d = fixture();
    let mut client = warmcc_proto::v1::builder_client::BuilderClient::new(env.channel().await);
    let req = warmcc_proto::v1::BuildRequest {
        project_dir: d.path().display().to_string(),
        env: std::env::vars().collect(),
        ..Default::default()
    };
    let mut stream = client.build(req).await.unwrap().into_inner();
    let read_all = async {
        let mut summaries = Vec::new();
        while let Some(event) = stream.message().await.unwrap() {
            if let Some(warmcc_proto::v1::build_event::Event::Summary(s)) = event.event {
                summaries.push(s);
            }
        }
        summaries
    };
    let summaries = tokio::time::timeout(std::time::Duration::from_secs(60), read_all)
        .await
        .expect("the stream ends once the build is over");
    assert_eq!(summaries.len(), 1);
    assert!(summaries[0].success, "{:?}", summaries[0]);
}
