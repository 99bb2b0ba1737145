//! Runs a compiler for a short query (`--version`, `-dumpmachine`, a probe compile) with bounds:
//! a deadline, capped output, and no stdin, so a hung or chatty executable cannot stall the daemon.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Long enough for a cold compiler start on a loaded machine or a network file system; queries
/// normally take milliseconds.
const DEADLINE: Duration = Duration::from_secs(60);
/// Compiler queries print a few lines; anything beyond this is garbage we need not keep.
const OUTPUT_CAP: usize = 1 << 20;
/// How many times to retry a spawn that fails with "text file busy".
const BUSY_RETRIES: u32 = 10;

/// What a finished query printed.
#[derive(Debug)]
pub(crate) struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    /// stdout as text; compilers print ASCII, so lossy decoding loses nothing that matters.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// The last lines of stderr, for error messages.
    pub fn stderr_tail(&self) -> String {
        tail(&self.stderr)
    }
}

/// A started query; several can run at once and be collected afterwards.
pub(crate) struct Running {
    child: Child,
    stdout: mpsc::Receiver<Vec<u8>>,
    stderr: mpsc::Receiver<Vec<u8>>,
    started: Instant,
}

/// Starts `program args…` with the C locale, so output is not translated and stays stable.
pub(crate) fn start(program: &Path, args: &[&OsStr]) -> Result<Running, String> {
    let mut attempt = 0;
    let mut child = loop {
        let spawned = Command::new(program)
            .args(args)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match spawned {
            Ok(child) => break child,
            // A file just written (a compiler being installed, a test's script) can be briefly
            // busy while another thread's fork still holds its write descriptor.
            Err(e) if is_text_file_busy(&e) && attempt < BUSY_RETRIES => {
                attempt += 1;
                thread::sleep(Duration::from_millis(5 * u64::from(attempt)));
            }
            Err(e) => return Err(format!("cannot run it: {e}")),
        }
    };
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    Ok(Running {
        child,
        stdout,
        stderr,
        started: Instant::now(),
    })
}

impl Running {
    /// Waits for the process within the deadline, killing it when the deadline passes.
    pub fn finish(mut self) -> Result<Output, String> {
        let deadline = self.started + DEADLINE;
        // Poll with a growing interval: quick queries return within a few milliseconds, and a
        // slow one is not worth a tighter loop.
        let mut pause = Duration::from_micros(500);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err(format!(
                        "it did not finish within {} s and was killed",
                        DEADLINE.as_secs()
                    ));
                }
                Ok(None) => {
                    thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(e) => return Err(format!("cannot wait for it: {e}")),
            }
        };
        // A grandchild may keep the pipes open after the compiler exits; do not wait for it.
        let grace = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(1));
        let stdout = self.stdout.recv_timeout(grace).unwrap_or_default();
        let stderr = self.stderr.recv_timeout(grace).unwrap_or_default();
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

/// Starts and finishes one query.
pub(crate) fn run(program: &Path, args: &[&OsStr]) -> Result<Output, String> {
    start(program, args)?.finish()
}

/// Reads a pipe to its end on a thread, keeping at most `OUTPUT_CAP` bytes.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let room = OUTPUT_CAP.saturating_sub(kept.len());
                        kept.extend_from_slice(&buf[..n.min(room)]);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(kept);
        });
    } else {
        let _ = tx.send(Vec::new());
    }
    rx
}

/// The last few lines of some output, trimmed, for an error message.
pub(crate) fn tail(bytes: &[u8]) -> String {
    const LINES: usize = 8;
    const CHARS: usize = 1000;
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let start = lines.len().saturating_sub(LINES);
    let joined = lines[start..].join("\n");
    let count = joined.chars().count();
    if count > CHARS {
        let cut: String = joined.chars().skip(count - CHARS).collect();
        format!("…{cut}")
    } else {
        joined
    }
}

/// Describes a failed exit: the code, or the signal that killed it (a crash).
pub(crate) fn describe_status(status: &ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("it was killed by signal {signal} (crashed?)");
        }
    }
    match status.code() {
        Some(code) => format!("it exited with status {code}"),
        None => format!("it failed ({status})"),
    }
}

fn is_text_file_busy(e: &io::Error) -> bool {
    // ETXTBSY is 26 on Linux and the BSDs (macOS included).
    cfg!(unix) && e.raw_os_error() == Some(26)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_last_lines() {
        let text: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let t = tail(text.as_bytes());
        assert!(t.starts_with("line 12"), "{t}");
        assert!(t.ends_with("line 19"), "{t}");
        let long = "x".repeat(5000);
        assert_eq!(tail(long.as_bytes()).chars().count(), 1001);
    }

    #[cfg(unix)]
    #[test]
    fn runs_and_reports() {
        let out = run(
            Path::new("/bin/sh"),
            &[
                OsStr::new("-c"),
                OsStr::new("echo out; echo err >&2; exit 3"),
            ],
        )
        .unwrap();
        assert_eq!(out.stdout_text(), "out\n");
        assert_eq!(out.stderr_tail(), "err");
        assert_eq!(describe_status(&out.status), "it exited with status 3");
        let crashed = run(
            Path::new("/bin/sh"),
            &[OsStr::new("-c"), OsStr::new("kill -SEGV $$")],
        )
        .unwrap();
        assert!(describe_status(&crashed.status).contains("signal 11"));
        let missing = run(Path::new("/nonexistent/warmcc-cc"), &[]).unwrap_err();
        assert!(missing.contains("cannot run it"), "{missing}");
    }
}
