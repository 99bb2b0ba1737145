//! Generated gRPC types and stubs for the warmcc API (`proto/warmcc/v1/warmcc.proto`).

/// Version 1 of the API.
pub mod v1 {
    tonic::include_proto!("warmcc.v1");
}

/// Messages between the daemon and a `warmcc-clang-worker` process (`proto/warmcc/v1/worker.proto`).
pub mod worker {
    tonic::include_proto!("warmcc.worker.v1");
}
