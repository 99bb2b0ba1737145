//! Compiles the C++ shim against libclang-cpp 19 when the `inproc` feature is on and LLVM 19 is
//! installed; otherwise sets `warmcc_no_libclang` so the crate builds without it.
#[cfg(feature = "inproc")]
use std::path::{Path, PathBuf};
#[cfg(feature = "inproc")]
use std::process::Command;

#[cfg(feature = "inproc")]
const SHIM_SOURCES: &[&str] = &[
    "shim/buffering_consumer.cpp",
    "shim/capi.cpp",
    "shim/diagnostics.cpp",
    "shim/linkage.cpp",
    "shim/pch.cpp",
    "shim/phase_timer.cpp",
    "shim/session.cpp",
    "shim/shipped_decls.cpp",
    "shim/undo_check.cpp",
];

#[cfg(feature = "inproc")]
struct Llvm {
    cxxflags: Vec<String>,
    libdir: PathBuf,
}

fn main() {
    println!("cargo:rustc-check-cfg=cfg(warmcc_no_libclang)");
    #[cfg(feature = "inproc")]
    inproc();
}

#[cfg(feature = "inproc")]
fn inproc() {
    println!("cargo:rerun-if-changed=shim");
    println!("cargo:rerun-if-env-changed=WARMCC_LLVM_CONFIG");
    println!("cargo:rerun-if-env-changed=WARMCC_NO_LIBCLANG");
    match find_llvm() {
        Ok(llvm) => build_shim(&llvm),
        Err(why) => {
            println!(
                "cargo:warning=warmcc-clang: in-process backend disabled ({why}); install \
                 libclang-19-dev libclang-cpp19-dev llvm-19-dev to enable it"
            );
            println!("cargo:rustc-cfg=warmcc_no_libclang");
        }
    }
}

#[cfg(feature = "inproc")]
fn find_llvm() -> Result<Llvm, String> {
    if std::env::var_os("WARMCC_NO_LIBCLANG").is_some_and(|v| v != "0") {
        return Err("WARMCC_NO_LIBCLANG is set".into());
    }
    let config =
        std::env::var("WARMCC_LLVM_CONFIG").unwrap_or_else(|_| "llvm-config-19".to_string());
    let query = |arg: &str| -> Result<String, String> {
        let out = Command::new(&config)
            .arg(arg)
            .output()
            .map_err(|e| format!("{config} not runnable: {e}"))?;
        if !out.status.success() {
            return Err(format!("{config} {arg} failed"));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let version = query("--version")?;
    if !version.starts_with("19.") {
        return Err(format!(
            "{config} reports LLVM {version}, the shim needs 19"
        ));
    }
    let includedir = PathBuf::from(query("--includedir")?);
    let libdir = PathBuf::from(query("--libdir")?);
    let header = includedir.join("clang/Interpreter/Interpreter.h");
    if !header.exists() {
        return Err(format!("{} is missing", header.display()));
    }
    if !has_lib(&libdir, "libclang-cpp.so") {
        return Err(format!("libclang-cpp.so not found in {}", libdir.display()));
    }
    let cxxflags = query("--cxxflags")?
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Ok(Llvm { cxxflags, libdir })
}

#[cfg(feature = "inproc")]
fn has_lib(dir: &Path, name: &str) -> bool {
    dir.join(name).exists()
}

#[cfg(feature = "inproc")]
fn build_shim(llvm: &Llvm) {
    let mut build = cc::Build::new();
    // Debug info for code that is mostly LLVM headers costs minutes and is never read.
    build.cpp(true).include("shim").warnings(false).debug(false);
    for flag in &llvm.cxxflags {
        build.flag(flag);
    }
    // LLVM's headers trip GCC's pedantic warnings; they are not ours to fix.
    build.flag_if_supported("-Wno-unused-parameter");
    for src in SHIM_SOURCES {
        build.file(src);
    }
    build.compile("warmcc_shim");
    let libdir = llvm.libdir.display();
    println!("cargo:rustc-link-search=native={libdir}");
    println!("cargo:rustc-link-lib=dylib=clang-cpp");
    println!("cargo:rustc-link-lib=dylib=LLVM-19");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{libdir}");
}
