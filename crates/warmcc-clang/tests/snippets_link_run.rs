//! 40+ snippets over the STL prelude become objects that link with a `main` and run, on the host
//! and for aarch64 (under qemu when it is installed).
#![cfg(feature = "inproc")]

mod common;

use common::snippets::{EXPECTED, MAIN, SNIPPETS};
use common::*;

fn compile_all(target: &str, dedup: bool) -> Vec<Vec<u8>> {
    let mut opts = options(target);
    opts.dedup = dedup;
    let (mut session, prelude_object) = stl_session(&opts);
    let mut objects = vec![prelude_object];
    for (i, src) in SNIPPETS.iter().enumerate() {
        let out = session
            .compile(&format!("snippet_{i}"), src.as_bytes())
            .expect("compile call");
        assert!(out.ok, "snippet {i} failed:\n{src}\n{}", out.text);
        assert!(!out.object.is_empty(), "snippet {i} has no object");
        objects.push(out.object);
    }
    assert_eq!(session.snippets() as usize, SNIPPETS.len());
    objects
}

#[test]
fn host_session_links_and_runs() {
    if !have_libclang("host_session_links_and_runs") {
        return;
    }
    assert!(SNIPPETS.len() >= 40);
    let objects = compile_all("", false);
    let dir = fresh_dir("host");
    let paths = write_objects(&dir, &objects);
    let exe = dir.join("prog");
    link(&paths, MAIN, "", &exe);
    let out = run(&exe, "");
    assert_eq!(out, EXPECTED);
    assert!(out.starts_with("1 2\n"), "the static counter has one copy");
}

#[test]
fn aarch64_session_links_and_runs_under_qemu() {
    if !have_libclang("aarch64_session_links_and_runs_under_qemu") {
        return;
    }
    let target = "aarch64-linux-gnu";
    let objects = compile_all(target, false);
    for o in &objects {
        assert_eq!(&o[..4], b"\x7fELF");
        // e_machine sits at offset 18, little-endian; 183 is EM_AARCH64.
        assert_eq!(u16::from_le_bytes([o[18], o[19]]), 183);
    }
    if !(have_tool("qemu-aarch64") && std::path::Path::new("/usr/aarch64-linux-gnu").exists()) {
        eprintln!("SKIPPED running under qemu: qemu-aarch64 or /usr/aarch64-linux-gnu missing");
        return;
    }
    let dir = fresh_dir("aarch64");
    let paths = write_objects(&dir, &objects);
    let exe = dir.join("prog");
    link(&paths, MAIN, target, &exe);
    assert_eq!(run(&exe, target), EXPECTED);
}
