//! Helpers shared by the integration tests: skipping without libclang, preludes, linking, running.
#![allow(dead_code)]

pub mod snippets;
pub use snippets::STL_PRELUDE;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use warmcc_clang::proto::SessionOptions;
use warmcc_clang::session::{self, Prelude, Session};

/// True when the in-process backend is built in; prints a notice otherwise.
pub fn have_libclang(test: &str) -> bool {
    if session::available() {
        return true;
    }
    eprintln!("SKIPPED {test}: warmcc-clang was built without libclang-cpp 19");
    false
}

/// True when `tool` runs.
pub fn have_tool(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Options for C++17 at -O0 for `target` (empty = host).
pub fn options(target: &str) -> SessionOptions {
    SessionOptions {
        target: target.into(),
        standard: "c++17".into(),
        opt_level: "0".into(),
        ..Default::default()
    }
}

/// A temp dir kept for the whole test binary.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    // WARMCC_TEST_KEEP=1 keeps the objects and programs for inspection.
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"));
    if std::env::var_os("WARMCC_TEST_KEEP").is_some() {
        eprintln!("keeping {}", dir.path().display());
        let kept = dir.path().to_path_buf();
        return Box::leak(Box::new(kept.clone())).as_path();
    }
    dir.path()
}

/// Builds (once per options) the STL prelude PCH and returns its path.
pub fn stl_pch(opts: &SessionOptions) -> PathBuf {
    let key = format!("{}-{}-{}", opts.target, opts.opt_level, opts.debug_info);
    let path = scratch().join(format!("stl-{}.pch", key.replace(['/', '.'], "_")));
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if !path.exists() {
        session::build_pch(opts, STL_PRELUDE, &path).expect("build the STL PCH");
    }
    path
}

/// Starts a session with the STL PCH.
pub fn stl_session(opts: &SessionOptions) -> (Session, Vec<u8>) {
    let pch = stl_pch(opts);
    let (s, out) = Session::new(opts, &Prelude::Pch(pch)).expect("session starts");
    (s, out.object)
}

/// Writes objects to `dir` as 000.o, 001.o, … and returns their paths.
pub fn write_objects(dir: &Path, objects: &[Vec<u8>]) -> Vec<PathBuf> {
    objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let p = dir.join(format!("{i:03}.o"));
            std::fs::write(&p, o).expect("write object");
            p
        })
        .collect()
}

/// Links objects with a `main` source into `exe` with clang++-19 for `target`; panics with the
/// linker's output on failure.
pub fn link(objects: &[PathBuf], main_src: &str, target: &str, exe: &Path) {
    let dir = exe.parent().expect("exe dir");
    let main = dir.join("main.cpp");
    std::fs::write(&main, main_src).expect("write main");
    let mut cmd = Command::new("clang++-19");
    if !target.is_empty() {
        cmd.arg(format!("--target={target}")).arg("-fuse-ld=lld");
    }
    cmd.arg(&main).args(objects).arg("-o").arg(exe);
    let out = cmd.output().expect("run clang++-19");
    assert!(
        out.status.success(),
        "link failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `exe` (under qemu-aarch64 for aarch64) and returns its stdout.
pub fn run(exe: &Path, target: &str) -> String {
    let out = if target.starts_with("aarch64") {
        Command::new("qemu-aarch64")
            .args(["-L", "/usr/aarch64-linux-gnu"])
            .arg(exe)
            .output()
    } else {
        Command::new(exe).output()
    }
    .expect("run the program");
    assert!(
        out.status.success(),
        "program failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh directory under the scratch dir.
pub fn fresh_dir(name: &str) -> PathBuf {
    let d = scratch().join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}
