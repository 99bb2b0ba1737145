//! Uses only the `client` feature, as the daemon does; `ldd` on it shows no libclang-cpp.
//!
//! Check: `cargo build -p warmcc-clang --no-default-features --features client --example
//! client_only && ldd target/debug/examples/client_only`

fn main() {
    match warmcc_clang::client::default_worker_path() {
        Some(p) => println!("worker: {}", p.display()),
        None => println!("worker: not found"),
    }
}
