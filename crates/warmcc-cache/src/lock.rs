//! An exclusive `flock` on a lock file, so one `Store` at a time (in any process) evicts or clears.
//!
//! `flock` locks belong to the open file description, so each acquisition opens the file anew:
//! two threads of one process then exclude each other just like two processes do. The lock is
//! released when the guard's descriptor is closed, including when the process dies.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

use crate::CacheError;

/// Holds the lock until dropped.
#[derive(Debug)]
pub(crate) struct LockGuard {
    _file: File,
}

fn open(path: &Path) -> Result<File, CacheError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|source| CacheError::Lock {
            path: path.to_owned(),
            source,
        })
}

fn flock(file: &File, op: libc::c_int) -> io::Result<()> {
    loop {
        // SAFETY: the descriptor is owned by `file` and stays open for the duration of the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Waits for the exclusive lock.
pub(crate) fn lock_exclusive(path: &Path) -> Result<LockGuard, CacheError> {
    let file = open(path)?;
    flock(&file, libc::LOCK_EX).map_err(|source| CacheError::Lock {
        path: path.to_owned(),
        source,
    })?;
    Ok(LockGuard { _file: file })
}

/// Takes the exclusive lock if nobody holds it; `None` if somebody does.
pub(crate) fn try_lock_exclusive(path: &Path) -> Result<Option<LockGuard>, CacheError> {
    let file = open(path)?;
    match flock(&file, libc::LOCK_EX | libc::LOCK_NB) {
        Ok(()) => Ok(Some(LockGuard { _file: file })),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(source) => Err(CacheError::Lock {
            path: path.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_until_first_drops() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("lock");
        let first = lock_exclusive(&path)?;
        assert!(try_lock_exclusive(&path)?.is_none());
        drop(first);
        let second = try_lock_exclusive(&path)?;
        assert!(second.is_some());
        Ok(())
    }

    #[test]
    fn blocking_lock_waits_for_release() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("lock");
        let first = lock_exclusive(&path)?;
        let p = path.clone();
        let waiter = std::thread::spawn(move || lock_exclusive(&p).map(|_| ()));
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished());
        drop(first);
        waiter.join().map_err(|_| "waiter panicked")??;
        Ok(())
    }
}
