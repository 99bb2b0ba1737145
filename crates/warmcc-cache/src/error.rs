//! Errors of the store: each names the file that failed and carries the OS error.

use std::io;
use std::path::{Path, PathBuf};

/// A failed store operation; the message names the operation and the file.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// A cache directory could not be created.
    #[error("cannot create cache directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// An entry exists but could not be read.
    #[error("cannot read cache entry {}: {source}", path.display())]
    Read {
        /// The entry file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// An entry could not be written or moved into place; nothing partial was left behind.
    #[error("cannot write cache entry {}: {source}", path.display())]
    Write {
        /// The entry file that was to be written.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// An entry or a stale temporary file could not be deleted.
    #[error("cannot remove cache file {}: {source}", path.display())]
    Remove {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// A cache directory could not be listed.
    #[error("cannot list cache directory {}: {source}", path.display())]
    Scan {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The lock file that serializes eviction could not be opened or locked.
    #[error("cannot lock cache lock file {}: {source}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

impl CacheError {
    /// The file or directory the failed operation was about.
    pub fn path(&self) -> &Path {
        match self {
            CacheError::CreateDir { path, .. }
            | CacheError::Read { path, .. }
            | CacheError::Write { path, .. }
            | CacheError::Remove { path, .. }
            | CacheError::Scan { path, .. }
            | CacheError::Lock { path, .. } => path,
        }
    }

    /// The underlying OS error (e.g. to tell a full disk from a permission problem).
    pub fn io_error(&self) -> &io::Error {
        match self {
            CacheError::CreateDir { source, .. }
            | CacheError::Read { source, .. }
            | CacheError::Write { source, .. }
            | CacheError::Remove { source, .. }
            | CacheError::Scan { source, .. }
            | CacheError::Lock { source, .. } => source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_operation_file_and_cause() {
        let e = CacheError::Write {
            path: PathBuf::from("/x/y"),
            source: io::Error::from_raw_os_error(libc::ENOSPC),
        };
        let msg = e.to_string();
        assert!(
            msg.starts_with("cannot write cache entry /x/y: No space left on device"),
            "{msg}"
        );
        assert_eq!(e.path(), Path::new("/x/y"));
        assert_eq!(e.io_error().raw_os_error(), Some(libc::ENOSPC));
        assert!(std::error::Error::source(&e).is_some());
    }
}
