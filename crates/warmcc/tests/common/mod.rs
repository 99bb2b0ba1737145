//! Helpers shared by the integration tests: an isolated daemon home, the CLI, ELF/Mach-O probes.
#![allow(dead_code)]

pub mod snippets;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use warmcc_daemon::paths::Paths;

/// An isolated warmcc home (socket, cache, state); its daemon is stopped on drop.
pub struct Env {
    pub home: tempfile::TempDir,
    pub extra_env: Vec<(String, String)>,
}

impl Env {
    pub fn new() -> Env {
        let mut home = tempfile::Builder::new()
            .prefix("warmcc-test-")
            .tempdir()
            .unwrap();
        // WARMCC_TEST_KEEP=1 keeps the daemon's logs for a post-mortem.
        home.disable_cleanup(std::env::var_os("WARMCC_TEST_KEEP").is_some());
        Env {
            home,
            extra_env: Vec::new(),
        }
    }

    pub fn paths(&self) -> Paths {
        Paths::under(self.home.path())
    }

    pub fn bin() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_warmcc"))
    }

    /// The CLI, pointed at this home.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(Self::bin());
        c.env("WARMCC_HOME", self.home.path())
            .env_remove("WARMCC_SOCKET")
            .envs(self.extra_env.iter().map(|(k, v)| (k, v)));
        c
    }

    /// Runs the CLI with optional stdin.
    pub fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut c = self.cmd();
        c.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn warmcc");
        if let Some(bytes) = stdin {
            child.stdin.take().unwrap().write_all(bytes).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// Runs the CLI and expects success.
    pub fn ok(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "warmcc {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs the CLI in a directory and expects success.
    pub fn ok_in(&self, dir: &Path, args: &[&str]) -> Output {
        let out = self
            .cmd()
            .current_dir(dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "warmcc {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `warmcc stats --json`.
    pub fn stats(&self) -> serde_json::Value {
        serde_json::from_slice(&self.ok(&["stats", "--json"], None).stdout).unwrap()
    }

    /// `warmcc status --json` (starts the daemon when needed).
    pub fn status(&self) -> serde_json::Value {
        serde_json::from_slice(&self.ok(&["status", "--json"], None).stdout).unwrap()
    }

    /// A gRPC channel to this home's daemon (started through the CLI first).
    pub async fn channel(&self) -> tonic::transport::Channel {
        self.status();
        warmcc::client::connect(&self.paths().socket).await.unwrap()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self
            .cmd()
            .arg("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Whether a program is on PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Prints why a test does nothing here and returns true, when `program` is missing.
pub fn skip_without(program: &str) -> bool {
    if have(program) {
        return false;
    }
    eprintln!("SKIPPED: {program} is not installed");
    true
}

/// The e_machine of an ELF relocatable object (panics if it is not one).
pub fn elf_machine(bytes: &[u8]) -> u16 {
    assert!(
        bytes.len() > 20 && &bytes[..4] == b"\x7fELF",
        "not an ELF file"
    );
    assert_eq!(
        u16::from_le_bytes([bytes[16], bytes[17]]),
        1,
        "not a relocatable object (ET_REL)"
    );
    u16::from_le_bytes([bytes[18], bytes[19]])
}

/// ELF e_machine values.
pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;

/// The platform in a 64-bit Mach-O object's LC_BUILD_VERSION, if it has one.
pub fn macho_platform(bytes: &[u8]) -> Option<u32> {
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    assert_eq!(
        u32_at(0),
        0xfeed_facf,
        "not a 64-bit little-endian Mach-O file"
    );
    let ncmds = u32_at(16) as usize;
    let mut off = 32;
    for _ in 0..ncmds {
        let (cmd, size) = (u32_at(off), u32_at(off + 4) as usize);
        if cmd == 0x32 {
            return Some(u32_at(off + 8));
        }
        off += size;
    }
    None
}

/// Links objects with a C++ driver and returns the executable's path.
pub fn link(driver: &[&str], objects: &[PathBuf], out: &Path) {
    let mut c = Command::new(driver[0]);
    c.args(&driver[1..]).args(objects).arg("-o").arg(out);
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "link failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}
