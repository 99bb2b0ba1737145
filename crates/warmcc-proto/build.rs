//! Generates the Rust client and server code from the `.proto` contract at the repository root.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "../../proto/warmcc/v1/warmcc.proto";
    println!("cargo:rerun-if-changed={proto}");
    tonic_prost_build::configure().compile_protos(&[proto], &["../../proto"])?;
    Ok(())
}
