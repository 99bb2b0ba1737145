//! Says why the libclang tests did not run when the `inproc` feature is off.
#![cfg(not(feature = "inproc"))]

#[test]
fn libclang_tests_need_the_inproc_feature() {
    eprintln!(
        "SKIPPED the in-process backend tests: run `cargo test -p warmcc-clang --features inproc`"
    );
}
