//! Generates the Rust client and server code from the `.proto` contract at the repository root.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "../../proto/warmcc/v1/warmcc.proto";
    println!("cargo:rerun-if-changed={proto}");
    tonic_prost_build::configure().compile_protos(&[proto], &["../../proto"])?;
    // The daemon-to-worker protocol of the in-process Clang backend (plain messages, no service).
    let worker = "../../proto/warmcc/v1/worker.proto";
    println!("cargo:rerun-if-changed={worker}");
    tonic_prost_build::configure().compile_protos(&[worker], &["../../proto"])?;
    Ok(())
}
