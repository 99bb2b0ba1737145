//! Cross triples, optimisation levels, debug info and the dedup option.
#![cfg(feature = "inproc")]

mod common;

use common::snippets::{EXPECTED, MAIN, SNIPPETS};
use common::*;
use warmcc_clang::session::{Prelude, Session};

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Finds LC_BUILD_VERSION (0x32) in a 64-bit little-endian Mach-O and returns (platform, minos).
fn build_version(obj: &[u8]) -> Option<(u32, u32)> {
    if obj.len() < 32 || u32_at(obj, 0) != 0xfeed_facf {
        return None;
    }
    let ncmds = u32_at(obj, 16);
    let mut at = 32usize;
    for _ in 0..ncmds {
        let (cmd, size) = (u32_at(obj, at), u32_at(obj, at + 4) as usize);
        if cmd == 0x32 {
            return Some((u32_at(obj, at + 8), u32_at(obj, at + 12)));
        }
        at += size;
    }
    None
}

#[test]
fn ios_objects_say_ios_in_lc_build_version() {
    if !have_libclang("ios_objects_say_ios_in_lc_build_version") {
        return;
    }
    let opts = options("arm64-apple-ios17.0");
    let (mut s, _) = Session::new(&opts, &Prelude::None).expect("session");
    let out = s
        .compile("f", b"int twice(int x) { return 2 * x; }\ntemplate <class T> T id(T v) { return v; }\nlong use() { return id(3L); }")
        .expect("compile");
    assert!(out.ok, "{}", out.text);
    let (platform, minos) = build_version(&out.object).expect("LC_BUILD_VERSION present");
    assert_eq!(platform, 2, "PLATFORM_IOS");
    assert_eq!(minos, 17 << 16, "minimum iOS 17.0");
}

#[test]
fn every_optimisation_level_and_debug_info_produce_objects() {
    if !have_libclang("every_optimisation_level_and_debug_info_produce_objects") {
        return;
    }
    for (level, debug) in [
        ("0", false),
        ("1", false),
        ("2", false),
        ("3", false),
        ("s", false),
        ("0", true),
        ("2", true),
    ] {
        let mut opts = options("");
        opts.opt_level = level.into();
        opts.debug_info = debug;
        let prelude = Prelude::Source("#include <vector>\n".into());
        let (mut s, _) = Session::new(&opts, &prelude).expect("session");
        let out = s
            .compile("v", b"int total(const std::vector<int>& v) { int t = 0; for (int x : v) t += x; return t; }")
            .expect("compile");
        assert!(out.ok, "-O{level}: {}", out.text);
        assert_eq!(&out.object[..4], b"\x7fELF");
        let has_debug = out.object.windows(11).any(|w| w == b".debug_info");
        assert_eq!(has_debug, debug, "-O{level} -g={debug}");
    }
}

#[test]
fn dedup_makes_smaller_objects_that_still_link() {
    if !have_libclang("dedup_makes_smaller_objects_that_still_link") {
        return;
    }
    let total = |dedup: bool| -> (usize, Vec<Vec<u8>>) {
        let mut opts = options("");
        opts.dedup = dedup;
        let (mut s, prelude) = stl_session(&opts);
        let mut objects = vec![prelude];
        for (i, src) in SNIPPETS.iter().enumerate() {
            let out = s
                .compile(&format!("s{i}"), src.as_bytes())
                .expect("compile");
            assert!(out.ok, "{}", out.text);
            objects.push(out.object);
        }
        (objects.iter().map(Vec::len).sum(), objects)
    };
    let (plain, _) = total(false);
    let (deduped, objects) = total(true);
    assert!(
        deduped < plain,
        "dedup {deduped} bytes, plain {plain} bytes"
    );
    let dir = fresh_dir("dedup");
    let paths = write_objects(&dir, &objects);
    let exe = dir.join("prog");
    link(&paths, MAIN, "", &exe);
    assert_eq!(run(&exe, ""), EXPECTED);
}
