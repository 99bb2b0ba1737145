//! Walking the store's files, and removing them: LRU eviction, stale temporary files.

use std::cmp::Ordering;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::{CacheError, Usage};

/// Name prefix of the temporary files a put writes before renaming them into place.
pub(crate) const TEMP_PREFIX: &str = ".tmp-";

/// A temporary file older than this belongs to a put that died; a live put takes milliseconds.
pub(crate) const STALE_TEMP_AGE: Duration = Duration::from_secs(10 * 60);

/// One entry file as seen by a walk.
#[derive(Debug, Clone)]
pub(crate) struct EntryFile {
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
    pub(crate) mtime: SystemTime,
    /// Device and inode, so a removal can tell whether the path still names this file.
    pub(crate) id: (u64, u64),
}

/// What a walk finds.
pub(crate) enum Found {
    Entry(EntryFile),
    Temp { path: PathBuf, mtime: SystemTime },
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `name` is a shard directory (`ab`).
pub(crate) fn is_shard_name(name: &str) -> bool {
    is_lower_hex(name, 2)
}

/// Whether `name` is an entry file inside a shard (the remaining 62 hex chars).
pub(crate) fn is_entry_name(name: &str) -> bool {
    is_lower_hex(name, 62)
}

fn scan_err(path: &Path) -> impl FnOnce(io::Error) -> CacheError + '_ {
    move |source| CacheError::Scan {
        path: path.to_owned(),
        source,
    }
}

/// Lists a directory; one that vanished (removed by hand, or never created) is empty.
fn read_dir(dir: &Path) -> Result<Vec<(String, fs::DirEntry)>, CacheError> {
    let iter = match fs::read_dir(dir) {
        Ok(it) => it,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(scan_err(dir)(e)),
    };
    let mut out = Vec::new();
    for item in iter {
        let item = item.map_err(scan_err(dir))?;
        // Names that are not UTF-8 are not ours.
        if let Ok(name) = item.file_name().into_string() {
            out.push((name, item));
        }
    }
    Ok(out)
}

/// Calls `f` for every entry and temporary file under `root`; anything else is left alone.
pub(crate) fn walk(
    root: &Path,
    mut f: impl FnMut(Found) -> Result<(), CacheError>,
) -> Result<(), CacheError> {
    for (shard_name, shard) in read_dir(root)? {
        if !is_shard_name(&shard_name) || !shard.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        for (name, item) in read_dir(&shard.path())? {
            let is_entry = is_entry_name(&name);
            if !is_entry && !name.starts_with(TEMP_PREFIX) {
                continue;
            }
            let path = item.path();
            let meta = match fs::symlink_metadata(&path) {
                Ok(m) => m,
                // Removed by someone else since the listing: nothing to account for.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(scan_err(&path)(e)),
            };
            if !meta.is_file() {
                continue;
            }
            let mtime = meta.modified().map_err(scan_err(&path))?;
            if is_entry {
                f(Found::Entry(EntryFile {
                    path,
                    size: meta.len(),
                    mtime,
                    id: (meta.dev(), meta.ino()),
                }))?;
            } else {
                f(Found::Temp { path, mtime })?;
            }
        }
    }
    Ok(())
}

/// Removes `path` only if it still is the file `id` (another process may have put a fresh entry
/// there since we looked); `false` if it was already gone or replaced.
///
/// The check and the unlink are two steps, so a replacement landing exactly between them is still
/// removed; that costs a cache miss, never a wrong answer.
pub(crate) fn remove_if_same(path: &Path, id: (u64, u64)) -> Result<bool, CacheError> {
    let remove_err = |source| CacheError::Remove {
        path: path.to_owned(),
        source,
    };
    match fs::symlink_metadata(path) {
        Ok(m) if (m.dev(), m.ino()) == id => {}
        Ok(_) => return Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(remove_err(e)),
    }
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(remove_err(e)),
    }
}

/// Removes a temporary file left by a dead put; young ones may belong to a put in progress.
pub(crate) fn remove_if_stale(
    path: &Path,
    mtime: SystemTime,
    now: SystemTime,
) -> Result<(), CacheError> {
    let age = now.duration_since(mtime).unwrap_or(Duration::ZERO);
    if age < STALE_TEMP_AGE {
        return Ok(());
    }
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(CacheError::Remove {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Oldest first; the path breaks ties so the order does not depend on the listing order.
fn lru_order(a: &EntryFile, b: &EntryFile) -> Ordering {
    a.mtime.cmp(&b.mtime).then_with(|| a.path.cmp(&b.path))
}

/// Walks the store, removes stale temporary files and, if the entries total more than
/// `threshold` bytes, removes least recently used entries until at most `target` bytes remain.
/// Returns (removed, remaining). The caller must hold the eviction lock.
pub(crate) fn scan_and_evict(
    root: &Path,
    threshold: u64,
    target: u64,
) -> Result<(Usage, Usage), CacheError> {
    let now = SystemTime::now();
    let mut entries = Vec::new();
    let mut kept = Usage::default();
    walk(root, |found| {
        match found {
            Found::Entry(e) => {
                kept.entries += 1;
                kept.bytes += e.size;
                entries.push(e);
            }
            Found::Temp { path, mtime } => remove_if_stale(&path, mtime, now)?,
        }
        Ok(())
    })?;
    let mut removed = Usage::default();
    if kept.bytes > threshold {
        entries.sort_by(lru_order);
        for e in &entries {
            if kept.bytes <= target {
                break;
            }
            if remove_if_same(&e.path, e.id)? {
                removed.entries += 1;
                removed.bytes += e.size;
            }
            // Gone or replaced either way: this file no longer counts; the next scan sees any
            // replacement.
            kept.entries = kept.entries.saturating_sub(1);
            kept.bytes = kept.bytes.saturating_sub(e.size);
        }
    }
    Ok((removed, kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_shard_name("0f"));
        assert!(!is_shard_name("0F"));
        assert!(!is_shard_name("0"));
        assert!(!is_shard_name("lock"));
        assert!(is_entry_name(&"a".repeat(62)));
        assert!(!is_entry_name(&"a".repeat(64)));
        assert!(!is_entry_name(&format!(".tmp-{}", "a".repeat(57))));
    }

    #[test]
    fn walk_ignores_foreign_files() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let shard = dir.path().join("ab");
        fs::create_dir(&shard)?;
        fs::write(shard.join("c".repeat(62)), b"x")?;
        fs::write(shard.join(".tmp-1-2-3"), b"yy")?;
        fs::write(shard.join("README"), b"zzz")?;
        fs::create_dir(shard.join("d".repeat(62)))?;
        fs::write(dir.path().join("lock"), b"")?;
        fs::create_dir(dir.path().join("zz"))?;
        fs::write(dir.path().join("zz").join("c".repeat(62)), b"x")?;
        let (mut entries, mut temps) = (0, 0);
        walk(dir.path(), |f| {
            match f {
                Found::Entry(e) => {
                    assert_eq!(e.size, 1);
                    entries += 1
                }
                Found::Temp { .. } => temps += 1,
            }
            Ok(())
        })?;
        assert_eq!((entries, temps), (1, 1));
        Ok(())
    }

    #[test]
    fn walk_of_missing_root_is_empty() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        walk(&dir.path().join("nope"), |_| {
            Err(CacheError::Scan {
                path: PathBuf::new(),
                source: io::Error::other("called"),
            })
        })?;
        Ok(())
    }

    #[test]
    fn remove_if_same_spares_a_replacement() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("f");
        fs::write(&path, b"old")?;
        let m = fs::metadata(&path)?;
        let old_id = (m.dev(), m.ino());
        let tmp = dir.path().join("g");
        fs::write(&tmp, b"new")?;
        fs::rename(&tmp, &path)?;
        assert!(!remove_if_same(&path, old_id)?);
        assert_eq!(fs::read(&path)?, b"new");
        let m = fs::metadata(&path)?;
        assert!(remove_if_same(&path, (m.dev(), m.ino()))?);
        assert!(!path.exists());
        assert!(!remove_if_same(&path, (m.dev(), m.ino()))?);
        Ok(())
    }
}
