//! Behaviour of `Store` against a real temporary directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::*;

type R = Result<(), Box<dyn std::error::Error>>;

fn key(n: u64) -> Key {
    Key::from_hash(blake3::hash(&n.to_le_bytes()))
}

/// A payload that can be recognised as belonging to `k`, so a mix-up is caught.
fn value(k: &Key, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut xof = blake3::Hasher::new().update(&k.0).finalize_xof();
    out.resize(len, 0);
    xof.fill(&mut out);
    out
}

fn file_of(root: &Path, k: &Key) -> PathBuf {
    let hex = k.to_hex();
    root.join(&hex[..2]).join(&hex[2..])
}

/// Entries on disk, counted independently of the store's own walk.
fn disk_usage(root: &Path) -> Usage {
    let mut u = Usage::default();
    for shard in fs::read_dir(root).into_iter().flatten().flatten() {
        if shard.file_name().len() != 2 || !shard.path().is_dir() {
            continue;
        }
        for f in fs::read_dir(shard.path()).into_iter().flatten().flatten() {
            if !f.file_name().to_string_lossy().starts_with('.') {
                u.entries += 1;
                u.bytes += f.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    u
}

fn temp_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for shard in fs::read_dir(root).into_iter().flatten().flatten() {
        for f in fs::read_dir(shard.path()).into_iter().flatten().flatten() {
            if f.file_name().to_string_lossy().starts_with(".tmp-") {
                out.push(f.path());
            }
        }
    }
    out
}

fn set_age(path: &Path, secs_ago: u64) -> R {
    let t = SystemTime::now() - Duration::from_secs(secs_ago);
    fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(t)?;
    Ok(())
}

const ENTRY: u64 = HEADER_LEN as u64;

#[test]
fn store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Store>();
}

#[test]
fn open_creates_nested_root() -> R {
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("a/b/c");
    let s = Store::open(&root, 1 << 20)?;
    assert!(root.is_dir());
    assert_eq!(s.root(), root);
    assert_eq!(s.max_bytes(), 1 << 20);
    assert_eq!(s.usage()?, Usage::default());
    Ok(())
}

#[test]
fn round_trip() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    let (a, b) = (key(1), key(2));
    assert!(!s.contains(&a));
    s.put(&a, &value(&a, 1000))?;
    s.put(&b, b"")?;
    assert!(s.contains(&a));
    assert_eq!(s.get(&a)?, Some(value(&a, 1000)));
    assert_eq!(s.get(&b)?, Some(Vec::new()));
    assert!(file_of(dir.path(), &a).is_file());
    let expected = Usage {
        entries: 2,
        bytes: 2 * ENTRY + 1000,
    };
    assert_eq!(s.usage()?, expected);
    assert_eq!(disk_usage(dir.path()), expected);
    assert!(temp_files(dir.path()).is_empty());
    assert_eq!(s.corrupt_entries_seen(), 0);
    Ok(())
}

#[test]
fn missing_key_is_a_miss() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    assert_eq!(s.get(&key(9))?, None);
    assert!(!s.contains(&key(9)));
    Ok(())
}

#[test]
fn put_replaces_existing_entry() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    let k = key(1);
    s.put(&k, b"first version")?;
    s.put(&k, b"second")?;
    assert_eq!(s.get(&k)?, Some(b"second".to_vec()));
    let expected = Usage {
        entries: 1,
        bytes: ENTRY + 6,
    };
    assert_eq!(s.usage()?, expected);
    assert_eq!(disk_usage(dir.path()), expected);
    Ok(())
}

#[test]
fn flipped_byte_is_a_miss_and_deleted() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    let k = key(1);
    let payload = value(&k, 300);
    // Magic, reserved, length, checksum, first, middle and last payload byte.
    let positions = [0, 13, 16, 30, 55, 56, 200, 355];
    for (n, &pos) in positions.iter().enumerate() {
        s.put(&k, &payload)?;
        let path = file_of(dir.path(), &k);
        let mut raw = fs::read(&path)?;
        raw[pos] ^= 0x10;
        fs::write(&path, &raw)?;
        assert_eq!(s.get(&k)?, None, "flip at {pos}");
        assert!(!path.exists(), "flip at {pos} left the file");
        assert_eq!(s.corrupt_entries_seen(), n as u64 + 1);
        assert_eq!(s.usage()?, Usage::default());
    }
    Ok(())
}

#[test]
fn truncated_entry_is_a_miss_and_deleted() -> R {
    let dir = tempfile::tempdir()?;
    let k = key(1);
    let payload = value(&k, 300);
    let full = ENTRY + 300;
    for len in [0, 10, ENTRY - 1, ENTRY, full - 1] {
        Store::open(dir.path(), 1 << 20)?.put(&k, &payload)?;
        let path = file_of(dir.path(), &k);
        fs::File::options().write(true).open(&path)?.set_len(len)?;
        // As after a crash: the next store finds the damaged file at open.
        let s = Store::open(dir.path(), 1 << 20)?;
        assert_eq!(s.get(&k)?, None, "truncated to {len}");
        assert!(!path.exists(), "truncated to {len} left the file");
        assert_eq!(s.corrupt_entries_seen(), 1);
        assert_eq!(s.usage()?, Usage::default());
    }
    Ok(())
}

#[test]
fn entry_copied_to_another_key_is_refused() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    let (a, b) = (key(1), key(2));
    s.put(&a, b"object of a")?;
    let pb = file_of(dir.path(), &b);
    fs::create_dir_all(pb.parent().ok_or("no parent")?)?;
    fs::copy(file_of(dir.path(), &a), &pb)?;
    assert_eq!(s.get(&b)?, None);
    assert!(!pb.exists());
    assert_eq!(s.get(&a)?, Some(b"object of a".to_vec()));
    Ok(())
}

#[test]
fn other_format_version_is_a_miss_but_kept() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    let k = key(1);
    s.put(&k, b"payload")?;
    let path = file_of(dir.path(), &k);
    let mut raw = fs::read(&path)?;
    raw[8] = 2;
    fs::write(&path, &raw)?;
    assert_eq!(s.get(&k)?, None);
    assert!(path.exists());
    assert_eq!(s.corrupt_entries_seen(), 0);
    s.put(&k, b"payload")?;
    assert_eq!(s.get(&k)?, Some(b"payload".to_vec()));
    Ok(())
}

#[test]
fn killed_put_leaves_only_an_ignored_temp_file() -> R {
    let dir = tempfile::tempdir()?;
    let k = key(1);
    let shard = file_of(dir.path(), &k)
        .parent()
        .ok_or("no parent")?
        .to_owned();
    fs::create_dir_all(&shard)?;
    fs::write(shard.join(".tmp-999999-0"), b"WARMCC\0E half an ent")?;
    let s = Store::open(dir.path(), 1 << 20)?;
    assert_eq!(s.get(&k)?, None);
    assert!(!s.contains(&k));
    assert_eq!(s.usage()?, Usage::default());
    s.put(&k, b"x")?;
    assert_eq!(s.get(&k)?, Some(b"x".to_vec()));
    Ok(())
}

#[test]
fn get_marks_entry_recently_used() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    let k = key(1);
    s.put(&k, b"x")?;
    let path = file_of(dir.path(), &k);
    set_age(&path, 3600)?;
    s.get(&k)?;
    let age = SystemTime::now().duration_since(fs::metadata(&path)?.modified()?)?;
    assert!(
        age < Duration::from_secs(60),
        "mtime not refreshed: {age:?}"
    );
    Ok(())
}

#[test]
fn eviction_removes_least_recently_used_first() -> R {
    let dir = tempfile::tempdir()?;
    // Six entries of 156 bytes (936) fit; a seventh does not.
    let s = Store::open(dir.path(), 1000)?;
    let keys: Vec<Key> = (0..7).map(key).collect();
    for (i, k) in keys[..6].iter().enumerate() {
        s.put(k, &value(k, 100))?;
        // k0 oldest … k5 newest.
        set_age(&file_of(dir.path(), k), 1000 - 100 * i as u64)?;
    }
    assert_eq!(disk_usage(dir.path()).entries, 6);
    // Using k0 makes k1 and k2 the least recently used.
    assert!(s.get(&keys[0])?.is_some());
    s.put(&keys[6], &value(&keys[6], 100))?;
    let present: Vec<bool> = keys.iter().map(|k| s.contains(k)).collect();
    assert_eq!(present, [true, false, false, true, true, true, true]);
    let disk = disk_usage(dir.path());
    assert_eq!(disk.bytes, 5 * 156);
    assert!(disk.bytes <= 900);
    assert_eq!(s.usage()?, disk);
    Ok(())
}

#[test]
fn many_puts_stay_under_the_cap() -> R {
    let dir = tempfile::tempdir()?;
    let cap = 10_000;
    let s = Store::open(dir.path(), cap)?;
    for i in 0..300u64 {
        let k = key(i);
        s.put(&k, &value(&k, (i as usize * 37) % 700))?;
        let disk = disk_usage(dir.path());
        assert!(disk.bytes <= cap, "after put {i}: {disk:?}");
        assert_eq!(s.usage()?, disk, "after put {i}");
    }
    // The most recent put survives eviction.
    assert!(s.get(&key(299))?.is_some());
    Ok(())
}

#[test]
fn explicit_evict_brings_size_to_ninety_percent() -> R {
    let dir = tempfile::tempdir()?;
    let big = Store::open(dir.path(), 1 << 20)?;
    for i in 0..20 {
        let k = key(i);
        big.put(&k, &value(&k, 944))?; // 1000 bytes on disk
        set_age(&file_of(dir.path(), &k), 1000 - i)?;
    }
    assert_eq!(big.evict()?, Usage::default());
    let small = Store::open(dir.path(), 10_000)?;
    assert_eq!(small.usage()?.bytes, 20_000);
    let removed = small.evict()?;
    assert_eq!(
        removed,
        Usage {
            entries: 11,
            bytes: 11_000
        }
    );
    assert_eq!(disk_usage(dir.path()).bytes, 9_000);
    assert_eq!(small.usage()?, disk_usage(dir.path()));
    for i in 0..20 {
        assert_eq!(small.contains(&key(i)), i >= 11, "key {i}");
    }
    Ok(())
}

#[test]
fn oversized_entry_is_skipped_without_flushing_others() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1000)?;
    s.put(&key(1), b"small")?;
    s.put(&key(2), &[0u8; 900])?;
    assert!(!s.contains(&key(2)));
    assert_eq!(s.get(&key(1))?, Some(b"small".to_vec()));
    let zero = Store::open(tempfile::tempdir()?.path(), 0)?;
    zero.put(&key(1), b"")?;
    assert_eq!(zero.get(&key(1))?, None);
    Ok(())
}

#[test]
fn remove_reports_whether_there_was_an_entry() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    s.put(&key(1), b"abc")?;
    s.put(&key(2), b"de")?;
    assert!(s.remove(&key(1))?);
    assert!(!s.remove(&key(1))?);
    assert!(!s.remove(&key(3))?);
    assert_eq!(s.get(&key(1))?, None);
    let expected = Usage {
        entries: 1,
        bytes: ENTRY + 2,
    };
    assert_eq!(s.usage()?, expected);
    assert_eq!(disk_usage(dir.path()), expected);
    Ok(())
}

#[test]
fn clear_removes_entries_and_stale_temps_only() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    for i in 0..5 {
        s.put(&key(i), &[1u8; 10])?;
    }
    let shard = file_of(dir.path(), &key(0))
        .parent()
        .ok_or("no parent")?
        .to_owned();
    let stale = shard.join(".tmp-1-1");
    let fresh = shard.join(".tmp-1-2");
    let foreign = shard.join("notes.txt");
    for p in [&stale, &fresh, &foreign] {
        fs::write(p, b"x")?;
    }
    set_age(&stale, 3600)?;
    let removed = s.clear()?;
    assert_eq!(
        removed,
        Usage {
            entries: 5,
            bytes: 5 * (ENTRY + 10)
        }
    );
    assert_eq!(disk_usage(dir.path()).bytes, 1); // only notes.txt
    assert!(!stale.exists());
    assert!(fresh.exists(), "a young temp file may belong to a live put");
    assert!(foreign.exists());
    assert_eq!(s.usage()?, Usage::default());
    assert_eq!(s.get(&key(0))?, None);
    assert_eq!(s.clear()?, Usage::default());
    Ok(())
}

#[test]
fn evict_removes_stale_temp_files() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    s.put(&key(1), b"x")?;
    let shard = file_of(dir.path(), &key(1))
        .parent()
        .ok_or("no parent")?
        .to_owned();
    let stale = shard.join(".tmp-1-1");
    let fresh = shard.join(".tmp-1-2");
    fs::write(&stale, b"x")?;
    fs::write(&fresh, b"x")?;
    set_age(&stale, 3600)?;
    s.evict()?;
    assert!(!stale.exists());
    assert!(fresh.exists());
    assert!(s.contains(&key(1)));
    Ok(())
}

#[test]
fn write_failure_names_the_entry_and_leaves_nothing() -> R {
    let dir = tempfile::tempdir()?;
    let s = Store::open(dir.path(), 1 << 20)?;
    let mut raw = [0u8; 32];
    raw[0] = 0xab;
    let k = Key(raw);
    // A plain file where the shard directory should be makes every write there fail.
    fs::write(dir.path().join("ab"), b"in the way")?;
    let err = match s.put(&k, b"payload") {
        Err(e) => e,
        Ok(()) => return Err("put succeeded".into()),
    };
    let msg = err.to_string();
    let path = file_of(dir.path(), &k);
    assert!(matches!(err, CacheError::Write { .. }), "{err:?}");
    assert_eq!(err.path(), path);
    assert!(
        msg.starts_with(&format!("cannot write cache entry {}: ", path.display())),
        "{msg}"
    );
    assert_eq!(err.io_error().raw_os_error(), Some(libc::ENOTDIR));
    assert_eq!(s.usage()?, Usage::default());
    assert_eq!(s.get(&k)?, None);
    Ok(())
}

#[test]
fn concurrent_puts_and_gets_never_see_a_wrong_entry() -> R {
    let dir = tempfile::tempdir()?;
    // Small enough that eviction runs while other threads read and write.
    let s = Arc::new(Store::open(dir.path(), 40_000)?);
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let s = Arc::clone(&s);
            std::thread::spawn(move || -> Result<u64, String> {
                let mut hits = 0;
                for i in 0..400u64 {
                    let n = (i * 7 + t * 13) % 60;
                    let k = key(n);
                    let len = 200 + (n as usize * 53) % 1500;
                    match i % 4 {
                        0 => s.put(&k, &value(&k, len)).map_err(|e| e.to_string())?,
                        3 if t == 0 && i % 40 == 3 => {
                            s.evict().map_err(|e| e.to_string())?;
                        }
                        _ => {
                            if let Some(v) = s.get(&k).map_err(|e| e.to_string())? {
                                if v != value(&k, len) {
                                    return Err(format!("wrong payload for key {n}"));
                                }
                                hits += 1;
                            }
                        }
                    }
                }
                Ok(hits)
            })
        })
        .collect();
    let mut hits = 0;
    for t in threads {
        hits += t.join().map_err(|_| "thread panicked")??;
    }
    assert!(hits > 0, "no get ever hit");
    assert_eq!(s.corrupt_entries_seen(), 0);
    assert!(temp_files(dir.path()).is_empty());
    s.evict()?;
    let disk = disk_usage(dir.path());
    assert!(disk.bytes <= 40_000);
    assert_eq!(s.usage()?, disk);
    Ok(())
}

#[test]
fn two_stores_on_one_root_see_each_other() -> R {
    let dir = tempfile::tempdir()?;
    let a = Store::open(dir.path(), 1 << 20)?;
    let b = Store::open(dir.path(), 1 << 20)?;
    a.put(&key(1), b"from a")?;
    assert!(b.contains(&key(1)));
    assert_eq!(b.get(&key(1))?, Some(b"from a".to_vec()));
    b.put(&key(2), b"from b")?;
    assert_eq!(a.get(&key(2))?, Some(b"from b".to_vec()));
    assert!(b.remove(&key(1))?);
    assert_eq!(a.get(&key(1))?, None);
    assert_eq!(a.corrupt_entries_seen(), 0);
    // b learned of a's put only at its scan; a fresh store counts everything at open.
    let c = Store::open(dir.path(), 1 << 20)?;
    assert_eq!(c.usage()?, disk_usage(dir.path()));
    a.evict()?;
    assert_eq!(a.usage()?, disk_usage(dir.path()));
    Ok(())
}
