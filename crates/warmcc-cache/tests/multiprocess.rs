//! Several real processes on one store root, and a write that the OS refuses half way.
//!
//! The test binary re-runs itself: `child_role` does nothing unless `CHILD_ENV` names a role, so
//! the parent tests can start copies of this binary that act as other warmcc processes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use warmcc_cache::{CacheError, Key, Store, Usage};

type R = Result<(), Box<dyn std::error::Error>>;

const CHILD_ENV: &str = "WARMCC_CACHE_TEST_CHILD";
const ROOT_ENV: &str = "WARMCC_CACHE_TEST_ROOT";
const CAP: u64 = 60_000;
const KEYS: u64 = 80;

fn key(n: u64) -> Key {
    Key::from_hash(blake3::hash(&n.to_le_bytes()))
}

fn value_len(n: u64) -> usize {
    100 + (n as usize * 97) % 2000
}

fn value(k: &Key, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    blake3::Hasher::new()
        .update(&k.0)
        .finalize_xof()
        .fill(&mut out);
    out
}

/// Gets `n` and checks that a hit carries exactly its payload.
fn check_get(s: &Store, n: u64) -> Result<bool, String> {
    let k = key(n);
    match s.get(&k).map_err(|e| e.to_string())? {
        Some(v) if v == value(&k, value_len(n)) => Ok(true),
        Some(_) => Err(format!("wrong payload for key {n}")),
        None => Ok(false),
    }
}

/// Starts a copy of this binary in a role. Its output goes to pipes: the "fsize" role limits
/// file sizes, and a test log that is a regular file would make its own output fail.
fn spawn(role: &str, root: &Path) -> std::io::Result<Child> {
    Command::new(std::env::current_exe()?)
        .args(["--exact", "child_role", "--test-threads=1", "--nocapture"])
        .env(CHILD_ENV, role)
        .env(ROOT_ENV, root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

fn entry_bytes(root: &Path) -> u64 {
    let mut total = 0;
    for shard in fs::read_dir(root).into_iter().flatten().flatten() {
        for f in fs::read_dir(shard.path()).into_iter().flatten().flatten() {
            if !f.file_name().to_string_lossy().starts_with('.') {
                total += f.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    total
}

#[test]
fn child_role() -> R {
    let Ok(role) = std::env::var(CHILD_ENV) else {
        return Ok(());
    };
    let root = PathBuf::from(std::env::var(ROOT_ENV)?);
    match role.as_str() {
        "writer" => writer(&root),
        "fsize" => refused_write(&root),
        other => Err(format!("unknown role {other}").into()),
    }
}

/// Puts and gets over a shared key set with a cap small enough that evictions keep happening.
fn writer(root: &Path) -> R {
    let s = Store::open(root, CAP)?;
    let seed = u64::from(std::process::id());
    for i in 0..600u64 {
        let n = (i * 31 + seed) % KEYS;
        if i % 3 == 0 {
            let k = key(n);
            s.put(&k, &value(&k, value_len(n)))?;
        } else {
            check_get(&s, n)?;
        }
    }
    if s.corrupt_entries_seen() != 0 {
        return Err("a reader saw a damaged entry".into());
    }
    Ok(())
}

/// With the file size limit lowered, the write fails part way, as it would on a full disk.
fn refused_write(root: &Path) -> R {
    let s = Store::open(root, 1 << 30)?;
    s.put(&key(1), b"small entry")?;
    let limit = libc::rlimit {
        rlim_cur: 4096,
        rlim_max: 4096,
    };
    // SAFETY: plain system calls on this (child) process; SIGXFSZ is ignored so the oversized
    // write returns EFBIG instead of killing the process.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
    }
    let big = key(2);
    match s.put(&big, &vec![7u8; 100_000]) {
        Err(e @ CacheError::Write { .. }) if e.io_error().raw_os_error() == Some(libc::EFBIG) => {
            let msg = e.to_string();
            if !msg.contains(&big.to_hex()[2..]) || !msg.starts_with("cannot write cache entry") {
                return Err(format!("unhelpful message: {msg}").into());
            }
        }
        other => return Err(format!("expected EFBIG write error, got {other:?}").into()),
    }
    if s.contains(&big) || s.get(&big)?.is_some() {
        return Err("partial entry left behind".into());
    }
    for shard in fs::read_dir(root)?.flatten() {
        for f in fs::read_dir(shard.path()).into_iter().flatten().flatten() {
            if f.file_name().to_string_lossy().starts_with(".tmp-") {
                return Err(format!("temporary file left behind: {}", f.path().display()).into());
            }
        }
    }
    if s.get(&key(1))?.as_deref() != Some(&b"small entry"[..]) {
        return Err("earlier entry lost".into());
    }
    if s.usage()?.entries != 1 {
        return Err(format!("usage counts the failed put: {:?}", s.usage()?).into());
    }
    Ok(())
}

#[test]
fn processes_sharing_a_root_never_see_a_wrong_entry() -> R {
    let dir = tempfile::tempdir()?;
    let mut children = vec![spawn("writer", dir.path())?, spawn("writer", dir.path())?];
    let s = Store::open(dir.path(), CAP)?;
    let mut until_evict = 0u32;
    loop {
        for n in 0..KEYS {
            check_get(&s, n)?;
        }
        if until_evict == 0 {
            s.evict()?;
            until_evict = 5;
        }
        until_evict -= 1;
        let mut running = false;
        for c in &mut children {
            running |= c.try_wait()?.is_none();
        }
        if !running {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    for c in children {
        let out = c.wait_with_output()?;
        assert!(
            out.status.success(),
            "a writer process failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_eq!(s.corrupt_entries_seen(), 0);
    s.evict()?;
    let usage = s.usage()?;
    assert_eq!(usage.bytes, entry_bytes(dir.path()));
    assert!(usage.bytes <= CAP, "{usage:?}");
    assert!(usage.entries > 0);
    Ok(())
}

#[test]
fn refused_write_leaves_no_partial_entry() -> R {
    let dir = tempfile::tempdir()?;
    let out = spawn("fsize", dir.path())?.wait_with_output()?;
    assert!(
        out.status.success(),
        "child reported a problem: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let s = Store::open(dir.path(), 1 << 30)?;
    assert_eq!(
        s.usage()?,
        Usage {
            entries: 1,
            bytes: 56 + 11
        }
    );
    Ok(())
}
