//! Client side of warmcc: connecting to (and starting) the daemon. The `warmcc` binary and the
//! integration tests use it.

pub mod client;
pub mod wrapper;
