//! The store: get / put / remove / clear / evict over the sharded directory tree.
//!
//! Multi-process safety rests on three facts. Entries are immutable once renamed into place, so a
//! reader holding an open descriptor reads one whole file even if the path is replaced or removed
//! meanwhile. A get that loses a race with a removal finds no file and is a miss. Eviction and
//! clearing take an exclusive `flock`, so two evictors never fight over the same files.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use crate::entry::{self, Problem, HEADER_LEN};
use crate::evict::{self, Found, TEMP_PREFIX};
use crate::{lock, CacheError, Key};

/// A count of entries and the bytes their files take (headers included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Number of entries.
    pub entries: u64,
    /// Total size of the entry files in bytes.
    pub bytes: u64,
}

/// Running totals, so `usage()` and the over-the-cap check on every put cost no disk access.
///
/// Only this `Store`'s own changes are seen between scans: entries other processes add or remove
/// on the same root show up at the next scan (at open, on every eviction, and whenever this store
/// has written a tenth of the cap since its last scan). So with N writers sharing a root the total
/// can exceed the cap by up to about N × 10% before a scan notices, and `usage()` may lag the
/// other processes' work by as much. Good enough for a status line and for a soft cap.
#[derive(Debug, Default)]
struct Counters {
    usage: Usage,
    written_since_scan: u64,
}

/// A content-addressed on-disk store with a size cap; shared safely by threads and processes.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    max_bytes: u64,
    lock_path: PathBuf,
    counters: Mutex<Counters>,
    corrupt_seen: AtomicU64,
}

/// Makes temporary file names unique within this process; the pid makes them unique across.
static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

impl Store {
    /// Opens (creating if needed) the store at `root` with a cap of `max_bytes` (headers included;
    /// `u64::MAX` for no cap). Scans the tree once to learn its size.
    pub fn open(root: impl Into<PathBuf>, max_bytes: u64) -> Result<Store, CacheError> {
        let root = root.into();
        create_dir_all(&root)?;
        let store = Store {
            lock_path: root.join("lock"),
            root,
            max_bytes,
            counters: Mutex::new(Counters::default()),
            corrupt_seen: AtomicU64::new(0),
        };
        let mut usage = Usage::default();
        evict::walk(&store.root, |found| {
            if let Found::Entry(e) = found {
                usage.entries += 1;
                usage.bytes += e.size;
            }
            Ok(())
        })?;
        store.counters().usage = usage;
        Ok(store)
    }

    /// The directory holding the entries.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The size cap in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Returns the payload stored under `key`, verified; a damaged entry is deleted and is a miss.
    /// A hit marks the entry as recently used.
    pub fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, CacheError> {
        let path = self.entry_path(key);
        let read_err = |source| CacheError::Read {
            path: path.clone(),
            source,
        };
        let mut file = match File::open(&path) {
            Ok(f) => f,
            // NotADirectory: something that is not a shard sits where the shard should be, so
            // nothing can be stored there either.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(read_err(e)),
        };
        let meta = file.metadata().map_err(read_err)?;
        if !meta.is_file() {
            // Not something we wrote (we never create directories there); not ours to delete.
            return Ok(None);
        }
        match read_verified(&mut file, key, meta.len()).map_err(read_err)? {
            Ok(payload) => {
                // Best effort: on a read-only or foreign-owned cache the hit is still good; the
                // entry just ages as if unused.
                let _ = file.set_modified(SystemTime::now());
                Ok(Some(payload))
            }
            Err(Problem::OtherVersion) => Ok(None),
            Err(Problem::Corrupt) => {
                self.corrupt_seen.fetch_add(1, Ordering::Relaxed);
                drop(file);
                if evict::remove_if_same(&path, (meta.dev(), meta.ino()))? {
                    self.account_removed(meta.len());
                }
                Ok(None)
            }
        }
    }

    /// Whether an entry file exists for `key` (not verified: a later `get` may still miss).
    pub fn contains(&self, key: &Key) -> bool {
        fs::symlink_metadata(self.entry_path(key)).is_ok_and(|m| m.is_file())
    }

    /// Stores `bytes` under `key`, replacing any previous entry, atomically: readers see the old
    /// entry, the new one, or none, never a part. Evicts if the store is then over its cap.
    ///
    /// An entry that alone would exceed 90% of the cap is not stored (it would only flush
    /// everything else and then itself); that is not an error. If writing fails (a full disk,
    /// say) nothing is left behind and the caller can carry on uncached; if only the eviction
    /// afterwards fails, the entry is stored and the error is still returned.
    pub fn put(&self, key: &Key, bytes: &[u8]) -> Result<(), CacheError> {
        let size = HEADER_LEN as u64 + bytes.len() as u64;
        if size > self.target_bytes() {
            return Ok(());
        }
        let path = self.entry_path(key);
        let write_err = |source| CacheError::Write {
            path: path.clone(),
            source,
        };
        let dir = path.parent().unwrap_or(&self.root);
        let (mut file, tmp) = create_temp(dir).map_err(write_err)?;
        let header = entry::encode_header(key, bytes);
        // No fsync: after a power loss an entry may be empty or garbage, which the checksum turns
        // into a miss; syncing every object would cost more than recompiling the rare victim.
        let written = file.write_all(&header).and_then(|()| file.write_all(bytes));
        drop(file);
        let replaced = fs::symlink_metadata(&path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        if let Err(e) = written.and_then(|()| fs::rename(&tmp, &path)) {
            let _ = fs::remove_file(&tmp);
            return Err(write_err(e));
        }
        let over = {
            let mut c = self.counters();
            if let Some(old) = replaced {
                c.usage.bytes = c.usage.bytes.saturating_sub(old);
            } else {
                c.usage.entries += 1;
            }
            c.usage.bytes += size;
            c.written_since_scan += size;
            c.usage.bytes > self.max_bytes || c.written_since_scan > self.max_bytes / 10
        };
        if over {
            self.evict_if_over_cap()?;
        }
        Ok(())
    }

    /// Deletes the entry for `key`; `false` if there was none.
    pub fn remove(&self, key: &Key) -> Result<bool, CacheError> {
        let path = self.entry_path(key);
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => m,
            Ok(_) => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(source) => return Err(CacheError::Remove { path, source }),
        };
        if evict::remove_if_same(&path, (meta.dev(), meta.ino()))? {
            self.account_removed(meta.len());
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Deletes every entry (and temporary files left by dead puts); returns what was removed.
    pub fn clear(&self) -> Result<Usage, CacheError> {
        let _lock = lock::lock_exclusive(&self.lock_path)?;
        let now = SystemTime::now();
        let mut removed = Usage::default();
        evict::walk(&self.root, |found| {
            match found {
                Found::Entry(e) => match fs::remove_file(&e.path) {
                    Ok(()) => {
                        removed.entries += 1;
                        removed.bytes += e.size;
                    }
                    Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(CacheError::Remove {
                            path: e.path,
                            source,
                        })
                    }
                },
                Found::Temp { path, mtime } => evict::remove_if_stale(&path, mtime, now)?,
            }
            Ok(())
        })?;
        *self.counters() = Counters::default();
        Ok(removed)
    }

    /// Entries and bytes in the store, from running totals kept without disk access; changes made
    /// by other processes on the same root show up after this store's next scan.
    pub fn usage(&self) -> Result<Usage, CacheError> {
        Ok(self.counters().usage)
    }

    /// Rescans the store and, if it is above 90% of the cap, removes least recently used entries
    /// until it is at most 90%; returns what was removed. Waits for any other evictor.
    pub fn evict(&self) -> Result<Usage, CacheError> {
        let _lock = lock::lock_exclusive(&self.lock_path)?;
        self.scan_and_evict(self.target_bytes())
    }

    /// Number of damaged entries `get` found (and deleted) since this store was opened.
    pub fn corrupt_entries_seen(&self) -> u64 {
        self.corrupt_seen.load(Ordering::Relaxed)
    }

    /// Where `key` lives: `root/ab/cdef…`.
    fn entry_path(&self, key: &Key) -> PathBuf {
        let hex = key.to_hex();
        let (shard, rest) = hex.split_at(2);
        self.root.join(shard).join(rest)
    }

    /// Eviction leaves this much, so the next few puts do not each trigger another scan.
    fn target_bytes(&self) -> u64 {
        self.max_bytes - self.max_bytes / 10
    }

    fn counters(&self) -> MutexGuard<'_, Counters> {
        // The counters are plain numbers that stay consistent even if a holder panicked.
        self.counters.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn account_removed(&self, size: u64) {
        let mut c = self.counters();
        c.usage.entries = c.usage.entries.saturating_sub(1);
        c.usage.bytes = c.usage.bytes.saturating_sub(size);
    }

    /// The put path: rescan (and evict if truly over the cap) unless another store is already
    /// evicting, in which case that one does the job and this put need not wait.
    fn evict_if_over_cap(&self) -> Result<(), CacheError> {
        if let Some(_lock) = lock::try_lock_exclusive(&self.lock_path)? {
            self.scan_and_evict(self.max_bytes)?;
        }
        Ok(())
    }

    fn scan_and_evict(&self, threshold: u64) -> Result<Usage, CacheError> {
        let (removed, kept) = evict::scan_and_evict(&self.root, threshold, self.target_bytes())?;
        // Puts by other threads during the scan may be counted twice or not at all; the next scan
        // corrects that.
        *self.counters() = Counters {
            usage: kept,
            written_since_scan: 0,
        };
        Ok(removed)
    }
}

fn create_dir_all(dir: &Path) -> Result<(), CacheError> {
    fs::create_dir_all(dir).map_err(|source| CacheError::CreateDir {
        path: dir.to_owned(),
        source,
    })
}

/// Creates a fresh temporary file in `dir` (creating `dir` on first use).
fn create_temp(dir: &Path) -> io::Result<(File, PathBuf)> {
    let mut created_dir = false;
    loop {
        let n = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!("{TEMP_PREFIX}{}-{n}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            // A dead process with our pid left this name behind; take the next number.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !created_dir => {
                fs::create_dir_all(dir)?;
                created_dir = true;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Reads and checks a whole entry of `len` bytes. The outer error is an I/O failure; the inner
/// one says the file is not a usable entry.
fn read_verified(file: &mut File, key: &Key, len: u64) -> io::Result<Result<Vec<u8>, Problem>> {
    let mut header = [0u8; HEADER_LEN];
    if len < HEADER_LEN as u64 {
        return Ok(Err(Problem::Corrupt));
    }
    if let Err(e) = read_exact(file, &mut header)? {
        return Ok(Err(e));
    }
    let header = match entry::parse_header(&header, len) {
        Ok(h) => h,
        Err(p) => return Ok(Err(p)),
    };
    // The length was checked against the file's real size, so this cannot be absurdly large.
    let mut payload = vec![0u8; header.payload_len as usize];
    if let Err(e) = read_exact(file, &mut payload)? {
        return Ok(Err(e));
    }
    if entry::payload_matches(&header, key, &payload) {
        Ok(Ok(payload))
    } else {
        Ok(Err(Problem::Corrupt))
    }
}

/// `read_exact`, with a file shorter than it claimed reported as corruption.
fn read_exact(file: &mut File, buf: &mut [u8]) -> io::Result<Result<(), Problem>> {
    match file.read_exact(buf) {
        Ok(()) => Ok(Ok(())),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(Err(Problem::Corrupt)),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests;
