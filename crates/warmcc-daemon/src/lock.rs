//! Advisory file locks (flock): one daemon per socket, one client starting it at a time.

use std::fs::{File, OpenOptions};
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// A held lock; released when dropped (or when the process dies, however it dies).
pub struct FileLock {
    file: File,
}

impl FileLock {
    fn open(path: &Path) -> std::io::Result<File> {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
    }

    /// Takes the lock if nobody holds it; `Ok(None)` when someone does.
    pub fn try_exclusive(path: &Path) -> std::io::Result<Option<FileLock>> {
        let file = Self::open(path)?;
        // SAFETY: flock on a file descriptor we own; no memory is shared with the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(Some(FileLock { file }));
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            Ok(None)
        } else {
            Err(err)
        }
    }

    /// Waits for the lock.
    pub fn exclusive(path: &Path) -> std::io::Result<FileLock> {
        let file = Self::open(path)?;
        loop {
            // SAFETY: as above.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return Ok(FileLock { file });
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }

    /// Records text (e.g. the holder's pid) in the lock file.
    pub fn write_note(&self, text: &str) {
        use std::io::Write;
        let _ = self.file.set_len(0);
        let _ = (&self.file).write_all(text.as_bytes());
    }
}
