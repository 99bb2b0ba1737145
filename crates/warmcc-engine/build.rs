//! Builds the compiler fork server (`zygote/zygote.c`) into a shared object that the engine
//! embeds. Without a C compiler the engine is built without it and runs every compile as a
//! fresh process.
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=zygote/zygote.c");
    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo:rustc-check-cfg=cfg(warmcc_zygote)");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("zygote.so");
    let compilers = std::env::var("CC")
        .into_iter()
        .chain(["cc", "clang-19", "clang", "gcc"].map(String::from));
    for cc in compilers {
        let built = Command::new(&cc)
            .args(["-O2", "-Wall", "-shared", "-fPIC", "-o"])
            .arg(&out)
            .arg("zygote/zygote.c")
            .arg("-ldl")
            .status()
            .is_ok_and(|s| s.success());
        if built {
            println!("cargo:rustc-cfg=warmcc_zygote");
            return;
        }
    }
    println!("cargo:warning=no C compiler built zygote/zygote.c: compiles will not be forked from a warm clang");
}
