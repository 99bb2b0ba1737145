//! Drives one `warmcc-clang-worker` process: spawn, requests, death detection, and restart by
//! replaying the session's successful snippets. Links nothing native, so the daemon can use it
//! without loading libclang-cpp.
//!
//! Calls block; an async caller runs them on a blocking thread (one worker serves one session,
//! so its requests are sequential anyway).

use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::frame::{read_message, write_message};
use crate::proto::{self, request, response};
use crate::Error;

/// The worker binary's file name.
pub const WORKER_BINARY: &str = "warmcc-clang-worker";

/// Finds the worker: `$WARMCC_CLANG_WORKER`, then beside the running executable, then `$PATH`.
pub fn default_worker_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WARMCC_CLANG_WORKER") {
        return Some(PathBuf::from(p));
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        for candidate in [dir.join(WORKER_BINARY), dir.join("..").join(WORKER_BINARY)] {
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(WORKER_BINARY))
        .find(|p| p.is_file())
}

/// How to start workers for one session.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The worker binary.
    pub exe: PathBuf,
    /// Extra environment for the worker.
    pub env: Vec<(String, String)>,
    /// The session's options and prelude.
    pub init: proto::InitRequest,
}

struct Process {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

/// A live worker serving one session, plus what is needed to rebuild it.
pub struct WorkerClient {
    config: WorkerConfig,
    process: Option<Process>,
    history: Vec<proto::SnippetRequest>,
    init: proto::InitResponse,
    restarts: u32,
}

impl WorkerClient {
    /// Spawns a worker and starts its session; fails when the session cannot start.
    pub fn start(config: WorkerConfig) -> Result<WorkerClient, Error> {
        let mut client = WorkerClient {
            config,
            process: None,
            history: Vec::new(),
            init: proto::InitResponse::default(),
            restarts: 0,
        };
        client.spawn_and_init()?;
        Ok(client)
    }

    /// The Init answer: the prelude object, start time, whether the PCH was built.
    pub fn init_response(&self) -> &proto::InitResponse {
        &self.init
    }

    /// The worker's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(|p| p.child.id())
    }

    /// How many times the worker was restarted.
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// Successful snippets in effect (what a restart replays).
    pub fn snippets(&self) -> usize {
        self.history.len()
    }

    /// True while the worker process is running.
    pub fn is_alive(&mut self) -> bool {
        match self.process.as_mut() {
            Some(p) => matches!(p.child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Compiles one snippet. `Err(WorkerDied)` when the compiler crashed: the session is then
    /// down until [`WorkerClient::restart`].
    pub fn compile(&mut self, name: &str, source: &[u8]) -> Result<proto::SnippetResponse, Error> {
        let req = proto::SnippetRequest {
            source: source.to_vec(),
            name: name.to_string(),
        };
        let label = if name.is_empty() { "snippet" } else { name };
        match self.call(request::Kind::Snippet(req.clone()), label)? {
            response::Kind::Snippet(r) => {
                if r.ok {
                    self.history.push(req);
                }
                Ok(r)
            }
            other => Err(unexpected(other)),
        }
    }

    /// Undoes the last `count` successful snippets, or explains the refusal.
    pub fn undo(&mut self, count: u32) -> Result<proto::UndoResponse, Error> {
        match self.call(request::Kind::Undo(proto::UndoRequest { count }), "undo")? {
            response::Kind::Undo(r) => {
                if r.ok {
                    let keep = self.history.len().saturating_sub(count as usize);
                    self.history.truncate(keep);
                }
                Ok(r)
            }
            other => Err(unexpected(other)),
        }
    }

    /// The worker's memory and snippet count (the daemon's memory cap reads this).
    pub fn stats(&mut self) -> Result<proto::StatsResponse, Error> {
        match self.call(request::Kind::Stats(proto::StatsRequest {}), "stats")? {
            response::Kind::Stats(r) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    /// Replaces the worker with a fresh one and replays every successful snippet; returns the
    /// replayed answers (their objects match the earlier ones).
    pub fn restart(&mut self) -> Result<Vec<proto::SnippetResponse>, Error> {
        self.kill();
        self.restarts += 1;
        self.spawn_and_init()?;
        let history = std::mem::take(&mut self.history);
        let mut replayed = Vec::with_capacity(history.len());
        for req in history {
            let label = req.name.clone();
            match self.call(request::Kind::Snippet(req.clone()), &label)? {
                response::Kind::Snippet(r) if r.ok => {
                    self.history.push(req);
                    replayed.push(r);
                }
                response::Kind::Snippet(r) => {
                    return Err(Error::Worker(format!(
                        "replaying '{label}' failed: {}",
                        r.diagnostics_text
                    )))
                }
                other => return Err(unexpected(other)),
            }
        }
        Ok(replayed)
    }

    /// Asks the worker to exit and waits for it.
    pub fn shutdown(mut self) -> Result<(), Error> {
        let result = self.call(
            request::Kind::Shutdown(proto::ShutdownRequest {}),
            "shutdown",
        );
        if let Some(mut p) = self.process.take() {
            drop(p.stdin);
            p.child.wait()?;
        }
        result.map(|_| ())
    }

    fn spawn_and_init(&mut self) -> Result<(), Error> {
        let mut cmd = Command::new(&self.config.exe);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in &self.config.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Protocol("worker pipes missing".into()));
        };
        self.process = Some(Process {
            child,
            stdin: BufWriter::new(stdin),
            stdout: BufReader::new(stdout),
        });
        match self.call(request::Kind::Init(self.config.init.clone()), "init")? {
            response::Kind::Init(r) if r.ok => {
                self.init = r;
                Ok(())
            }
            response::Kind::Init(r) => {
                self.kill();
                Err(Error::Start {
                    message: r.error,
                    diagnostics: r.diagnostics_text,
                })
            }
            other => {
                self.kill();
                Err(unexpected(other))
            }
        }
    }

    fn call(&mut self, kind: request::Kind, label: &str) -> Result<response::Kind, Error> {
        let Some(p) = self.process.as_mut() else {
            return Err(Error::WorkerDied {
                snippet: label.to_string(),
                status: "not running; restart it".into(),
            });
        };
        let req = proto::Request { kind: Some(kind) };
        let answer = write_message(&mut p.stdin, &req)
            .and_then(|()| read_message::<proto::Response>(&mut p.stdout));
        match answer {
            Ok(Some(proto::Response { kind: Some(k) })) => match k {
                response::Kind::Error(e) => Err(Error::Worker(e.message)),
                k => Ok(k),
            },
            Ok(Some(proto::Response { kind: None })) => {
                Err(Error::Protocol("empty response".into()))
            }
            Ok(None) | Err(_) => Err(self.died(label)),
        }
    }

    fn died(&mut self, label: &str) -> Error {
        let status = match self.process.take() {
            Some(mut p) => {
                drop(p.stdin);
                match p.child.wait() {
                    Ok(s) => describe(s),
                    Err(e) => format!("cannot wait for it: {e}"),
                }
            }
            None => "not running".into(),
        };
        Error::WorkerDied {
            snippet: label.to_string(),
            status,
        }
    }

    fn kill(&mut self) {
        if let Some(mut p) = self.process.take() {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}

impl Drop for WorkerClient {
    fn drop(&mut self) {
        self.kill();
    }
}

fn describe(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("killed by signal {sig}");
        }
    }
    format!("{status}")
}

fn unexpected(kind: response::Kind) -> Error {
    Error::Protocol(format!("unexpected response {kind:?}"))
}
