//! Links the `warmcc` executable as position-dependent. The compiler wrapper and a no-op
//! `warmcc build` are whole runs of this binary lasting a few milliseconds; as a PIE it first
//! applies ~17,000 relocations, writing (and so copying) every page of its relocated data, which
//! measured 70 extra page faults and about 0.3 ms per run here. scripts/build-release goes
//! further and links it statically (the dynamic loader cost another ~0.5 ms).
fn main() {
    println!("cargo:rustc-link-arg-bin=warmcc=-no-pie");
}
