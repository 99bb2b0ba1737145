//! Content-addressed, checksummed, size-capped on-disk store shared by warmcc processes.
//!
//! Entries live at `root/<first 2 hex chars of the key>/<remaining 62 hex chars>`. Each file is a
//! 56-byte header (magic, format version, payload length, blake3 checksum) followed by the
//! payload; it is written to a temporary file in the same directory and renamed into place, so
//! readers see a whole entry or none. Every read checks
//! the header and a blake3 checksum; a damaged entry is deleted and reported as a miss. The total
//! size is capped: when a put pushes it over the cap, the least recently used entries (oldest
//! mtime; a hit refreshes the mtime) are removed until it is at most 90% of the cap. Several
//! `Store`s — in one process or many — may share a root; eviction and clearing are serialized by an
//! `flock` on `root/lock`.

mod entry;
mod error;
mod evict;
mod key;
mod lock;
mod store;

pub use error::CacheError;
pub use key::Key;
pub use store::{Store, Usage};
