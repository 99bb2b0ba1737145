//! Daemon settings: defaults, the optional `config.toml`, then environment overrides.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// Settings the daemon runs with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Exit after this long without requests.
    pub idle_timeout: Duration,
    /// Cache size cap in bytes.
    pub cache_max_bytes: u64,
    /// Largest source a request may carry.
    pub max_source_bytes: u64,
    /// Compiler processes run at once.
    pub jobs: usize,
    /// Open sessions kept at once; the least recently used is closed beyond that.
    pub max_sessions: usize,
    /// Wrapper compiles under this directory share results across checkouts.
    pub base_dir: Option<std::path::PathBuf>,
    /// Private memory an in-process session's worker may hold before it is replayed afresh.
    pub session_memory_cap: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            idle_timeout: Duration::from_secs(3600),
            cache_max_bytes: 10 << 30,
            max_source_bytes: 16 << 20,
            jobs: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            max_sessions: 64,
            base_dir: None,
            session_memory_cap: 2 << 30,
        }
    }
}

/// A configuration problem, naming the file, line and column when it comes from the file.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    idle_timeout: Option<String>,
    cache_max_size: Option<String>,
    max_source_size: Option<String>,
    jobs: Option<usize>,
    max_sessions: Option<usize>,
    base_dir: Option<String>,
    session_memory_cap: Option<String>,
}

impl Config {
    /// Loads defaults, then `file` if it exists, then `WARMCC_IDLE_TIMEOUT`,
    /// `WARMCC_CACHE_SIZE`, `WARMCC_MAX_SOURCE_SIZE` and `WARMCC_JOBS`.
    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        if let Ok(text) = std::fs::read_to_string(file) {
            let fc: FileConfig = toml::from_str(&text).map_err(|e| {
                let at = e
                    .span()
                    .map(|s| {
                        let (line, col) = line_col(&text, s.start);
                        format!(":{line}:{col}")
                    })
                    .unwrap_or_default();
                ConfigError(format!("{}{at}: {}", file.display(), e.message()))
            })?;
            let at = |key: &str| format!("{}: {key}", file.display());
            if let Some(v) = fc.idle_timeout {
                c.idle_timeout = parse_duration(&v)
                    .map_err(|e| ConfigError(format!("{}: {e}", at("idle_timeout"))))?;
            }
            if let Some(v) = fc.cache_max_size {
                c.cache_max_bytes = parse_size(&v)
                    .map_err(|e| ConfigError(format!("{}: {e}", at("cache_max_size"))))?;
            }
            if let Some(v) = fc.max_source_size {
                c.max_source_bytes = parse_size(&v)
                    .map_err(|e| ConfigError(format!("{}: {e}", at("max_source_size"))))?;
            }
            if let Some(v) = fc.jobs {
                c.jobs = v.max(1);
            }
            if let Some(v) = fc.max_sessions {
                c.max_sessions = v.max(1);
            }
            if let Some(v) = fc.session_memory_cap {
                c.session_memory_cap = parse_size(&v)
                    .map_err(|e| ConfigError(format!("{}: {e}", at("session_memory_cap"))))?;
            }
            if let Some(v) = fc.base_dir {
                let p = std::path::PathBuf::from(&v);
                if !p.is_absolute() {
                    return Err(ConfigError(format!(
                        "{}: base_dir `{v}` must be an absolute path",
                        at("base_dir")
                    )));
                }
                c.base_dir = Some(p);
            }
        }
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(v) = env("WARMCC_IDLE_TIMEOUT") {
            c.idle_timeout =
                parse_duration(&v).map_err(|e| ConfigError(format!("WARMCC_IDLE_TIMEOUT: {e}")))?;
        }
        if let Some(v) = env("WARMCC_CACHE_SIZE") {
            c.cache_max_bytes =
                parse_size(&v).map_err(|e| ConfigError(format!("WARMCC_CACHE_SIZE: {e}")))?;
        }
        if let Some(v) = env("WARMCC_MAX_SOURCE_SIZE") {
            c.max_source_bytes =
                parse_size(&v).map_err(|e| ConfigError(format!("WARMCC_MAX_SOURCE_SIZE: {e}")))?;
        }
        if let Some(v) = env("WARMCC_JOBS") {
            c.jobs = v
                .parse::<usize>()
                .map_err(|_| ConfigError(format!("WARMCC_JOBS: `{v}` is not a number")))?
                .max(1);
        }
        Ok(c)
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Parses "90", "90s", "15m", "1h", "2d" into a duration.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 90s, 15m, 1h"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("`{s}` is not a duration like 90s, 15m, 1h")),
    };
    Ok(Duration::from_secs(secs))
}

/// Parses "1048576", "512K", "64M", "10G" (binary units) into bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size like 64M or 10G"))?;
    let mult: u64 = match unit.trim().trim_end_matches(['B', 'b', 'i']) {
        "" => 1,
        "K" | "k" => 1 << 10,
        "M" | "m" => 1 << 20,
        "G" | "g" => 1 << 30,
        "T" | "t" => 1 << 40,
        _ => return Err(format!("`{s}` is not a size like 64M or 10G")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("10G").unwrap(), 10 << 30);
        assert_eq!(parse_size("512KiB").unwrap(), 512 << 10);
        assert_eq!(parse_size("77").unwrap(), 77);
        assert!(parse_size("ten").is_err());
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert!(parse_duration("1y").is_err());
    }

    #[test]
    fn bad_file_names_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, "idle_timeout = \"1h\"\ncache_size = 3\n").unwrap();
        let e = Config::load(&f).unwrap_err().0;
        assert!(e.contains("config.toml:2:1"), "{e}");
        assert!(e.contains("cache_size"), "{e}");
    }
}
