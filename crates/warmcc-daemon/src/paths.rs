//! Where warmcc keeps its socket, cache, state and configuration, per user.
//!
//! `WARMCC_HOME=DIR` puts everything under one directory (tests, demos, CI); otherwise the XDG
//! locations are used. `WARMCC_SOCKET` overrides only the socket path.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// All the paths one daemon and its clients agree on.
#[derive(Clone, Debug)]
pub struct Paths {
    /// Directory of the socket and lock files (mode 0700).
    pub runtime_dir: PathBuf,
    /// The daemon's Unix socket (mode 0600).
    pub socket: PathBuf,
    /// Content-addressed cache.
    pub cache_dir: PathBuf,
    /// Logs, stats, identified compilers, PCHs, scratch files.
    pub state_dir: PathBuf,
    /// The configuration file (may not exist).
    pub config_file: PathBuf,
}

impl Paths {
    /// Paths from the environment.
    pub fn from_env() -> Paths {
        let socket_override = std::env::var_os("WARMCC_SOCKET").map(PathBuf::from);
        let mut p = match std::env::var_os("WARMCC_HOME") {
            Some(home) if !home.is_empty() => Paths::under(Path::new(&home)),
            _ => Paths::xdg(),
        };
        if let Some(s) = socket_override.filter(|s| !s.as_os_str().is_empty()) {
            p.runtime_dir = s
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| p.runtime_dir.clone());
            p.socket = s;
        }
        p
    }

    /// Everything under one directory.
    pub fn under(home: &Path) -> Paths {
        let runtime_dir = home.join("run");
        Paths {
            socket: runtime_dir.join("warmcc.sock"),
            runtime_dir,
            cache_dir: home.join("cache"),
            state_dir: home.join("state"),
            config_file: home.join("config.toml"),
        }
    }

    fn xdg() -> Paths {
        let uid = unsafe { libc::getuid() };
        let runtime_dir = match std::env::var_os("XDG_RUNTIME_DIR") {
            Some(d) if !d.is_empty() && Path::new(&d).is_dir() => PathBuf::from(d).join("warmcc"),
            _ => std::env::temp_dir().join(format!("warmcc-{uid}")),
        };
        let base = directories::BaseDirs::new();
        let home = base
            .as_ref()
            .map(|b| b.home_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        let cache_dir = base
            .as_ref()
            .map(|b| b.cache_dir().join("warmcc"))
            .unwrap_or_else(|| home.join(".cache/warmcc"));
        let state_dir = base
            .as_ref()
            .and_then(|b| b.state_dir().map(|d| d.join("warmcc")))
            .unwrap_or_else(|| home.join(".local/state/warmcc"));
        let config_file = base
            .as_ref()
            .map(|b| b.config_dir().join("warmcc/config.toml"))
            .unwrap_or_else(|| home.join(".config/warmcc/config.toml"));
        Paths {
            socket: runtime_dir.join("warmcc.sock"),
            runtime_dir,
            cache_dir,
            state_dir,
            config_file,
        }
    }

    /// The wrapper's socket: the same `Wrap` messages as the gRPC API, framed by a length
    /// prefix, so that a compiler-wrapper client needs neither HTTP/2 nor an async runtime.
    pub fn wrap_socket(&self) -> PathBuf {
        self.beside_socket("wrap")
    }

    fn beside_socket(&self, suffix: &str) -> PathBuf {
        let name = self
            .socket
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "warmcc.sock".into());
        self.socket.with_file_name(format!("{name}.{suffix}"))
    }

    /// The build socket: `BuildRequest` in, `BuildEvent`s out, framed like the wrapper's.
    pub fn build_socket(&self) -> PathBuf {
        self.beside_socket("build")
    }

    /// The lock the running daemon holds for its whole life.
    pub fn daemon_lock(&self) -> PathBuf {
        self.runtime_dir.join("daemon.lock")
    }

    /// The lock clients take while starting a daemon, so only one of them does.
    pub fn start_lock(&self) -> PathBuf {
        self.runtime_dir.join("start.lock")
    }

    /// The daemon's log file.
    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("daemon.log")
    }

    /// Where a background daemon's early errors go.
    pub fn start_log(&self) -> PathBuf {
        self.state_dir.join("daemon-start.log")
    }

    /// Persistent statistics.
    pub fn stats_file(&self) -> PathBuf {
        self.state_dir.join("stats.json")
    }

    /// Creates the runtime directory private to this user, refusing one owned by someone else.
    pub fn ensure_runtime_dir(&self) -> std::io::Result<()> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.runtime_dir)?;
        let meta = std::fs::metadata(&self.runtime_dir)?;
        let uid = unsafe { libc::getuid() };
        if meta.uid() != uid {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{} belongs to another user; set WARMCC_SOCKET or XDG_RUNTIME_DIR",
                    self.runtime_dir.display()
                ),
            ));
        }
        if meta.mode() & 0o077 != 0 {
            std::fs::set_permissions(&self.runtime_dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
}
