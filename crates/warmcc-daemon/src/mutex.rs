//! Locking that survives a panicked holder: the daemon's shared maps stay usable after one
//! request panics (the data behind these locks is never left half-updated across a panic point).

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, taking the data over from a holder that panicked.
pub(crate) fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
