//! Memory of a process, read from /proc (Linux only; `None` elsewhere).

/// Resident set size of the process `pid`, or of this process when `pid` is `None`.
pub fn rss_bytes(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".to_string(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Private (not shared with other processes) memory of `pid` or of this process: what one more
/// worker really costs, unlike RSS, which counts the shared libclang-cpp pages too.
pub fn private_bytes(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/smaps_rollup"),
        None => "/proc/self/smaps_rollup".to_string(),
    };
    let rollup = std::fs::read_to_string(path).ok()?;
    let mut kb = 0u64;
    for line in rollup.lines() {
        if line.starts_with("Private_Clean:") || line.starts_with("Private_Dirty:") {
            kb += line.split_whitespace().nth(1)?.parse::<u64>().ok()?;
        }
    }
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    fn own_rss_is_known_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(super::rss_bytes(None).is_some_and(|b| b > 0));
            assert!(super::private_bytes(None).is_some_and(|b| b > 0));
        }
    }
}
