//! The gRPC services, one per concern.

pub mod build;
pub mod compiler;
pub mod daemon;
pub mod sessions;
pub(crate) mod wrap;

use warmcc_engine::{CacheStatus, Outcome};
use warmcc_proto::v1 as pb;

/// Timings of an outcome as the API reports them.
pub(crate) fn timings(
    outcome: &Outcome,
    total: std::time::Duration,
    prelude_us: u64,
    cache_us: u64,
) -> pb::Timings {
    pb::Timings {
        total_us: total.as_micros() as u64,
        compile_us: outcome.compile_time.as_micros() as u64,
        prelude_us,
        cache_us,
    }
}

/// Whether an outcome came from the cache.
pub(crate) fn is_hit(outcome: &Outcome) -> bool {
    outcome.cache == CacheStatus::Hit
}
