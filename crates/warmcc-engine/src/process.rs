//! The process backend: runs the real compiler as a child process in a scratch directory.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::action::{Action, Input, OutputKind};
use crate::error::EngineError;
use crate::zygote::Zygotes;
use warmcc_toolchain::Kind;

/// What one compiler run produced, before caching.
pub struct RawResult {
    /// Exit status, 128 + signal when killed.
    pub exit_code: i32,
    /// The output file's bytes (empty when it failed).
    pub output: Vec<u8>,
    /// stdout as text.
    pub stdout: String,
    /// stderr as text.
    pub stderr: String,
    /// Prerequisites from the depfile, as the compiler wrote them.
    pub deps: Vec<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// Runs compilers with a fixed, explicit environment so that the key can name all of it.
pub struct ProcessBackend {
    scratch: PathBuf,
    env: Vec<(String, String)>,
    /// Warm clang processes that compiles are forked from.
    zygotes: Zygotes,
}

impl ProcessBackend {
    /// A backend that puts temporary files under `scratch`.
    pub fn new(scratch: PathBuf) -> Result<Self, EngineError> {
        std::fs::create_dir_all(&scratch)
            .map_err(|e| EngineError::io("cannot create scratch directory", &scratch, e))?;
        let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        let env = vec![
            ("PATH".to_string(), path),
            ("LANG".to_string(), "C".to_string()),
            ("LC_ALL".to_string(), "C".to_string()),
        ];
        let zygotes = Zygotes::new(scratch.join("zygotes"));
        Ok(ProcessBackend {
            scratch,
            env,
            zygotes,
        })
    }

    /// The environment compilers run with (part of every key).
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// Runs one action.
    pub fn run(&self, action: &Action) -> Result<RawResult, EngineError> {
        let dir = tempfile::Builder::new()
            .prefix("compile-")
            .tempdir_in(&self.scratch)
            .map_err(|e| EngineError::io("cannot create scratch directory in", &self.scratch, e))?;
        let out = dir.path().join("out");
        let dep = dir.path().join("out.d");
        let env: Vec<(OsString, OsString)> = action
            .env
            .as_deref()
            .unwrap_or(&self.env)
            .iter()
            .filter(|(k, _)| k != "TMPDIR")
            .map(|(k, v)| (k.into(), v.into()))
            .chain([("TMPDIR".into(), dir.path().as_os_str().to_owned())])
            .collect();
        // argv[0] first: the zygote's child needs it; a fresh process gets argv[1..].
        let mut args: Vec<OsString> = std::iter::once(action.compiler.path.clone().into())
            .chain(action.args.iter().map(Into::into))
            .collect();
        if let Some(pch) = &action.pch {
            args.extend(["-include-pch".into(), pch.path.clone().into_os_string()]);
        }
        if action.output == OutputKind::Object {
            args.push("-c".into());
        }
        let stdin_bytes = match &action.input {
            Input::File(p) => {
                args.push(p.clone().into_os_string());
                None
            }
            Input::Text { bytes, name } => {
                args.push("-".into());
                let mut text = format!("#line 1 \"{}\"\n", escape_line_name(name)).into_bytes();
                text.extend_from_slice(bytes);
                Some(text)
            }
        };
        args.extend([
            "-o".into(),
            out.clone().into_os_string(),
            "-MD".into(),
            "-MF".into(),
            dep.clone().into_os_string(),
        ]);

        let mut started = Instant::now();
        let forked = self.fork_from_zygote(action, &args, &env, stdin_bytes.as_deref(), dir.path());
        let output = match forked {
            Some(done) => done,
            None => {
                started = Instant::now();
                self.spawn(action, &args[1..], &env, stdin_bytes)?
            }
        };
        let elapsed = started.elapsed();
        let mut stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let exit_code = match (output.code, output.signal) {
            (Some(c), _) => c,
            (None, Some(sig)) => {
                stderr.push_str(&format!(
                    "warmcc: the compiler {} was killed by signal {sig}{}\n",
                    action.compiler.name,
                    if sig == libc::SIGSEGV || sig == libc::SIGABRT || sig == libc::SIGILL {
                        " (it crashed)"
                    } else {
                        ""
                    }
                ));
                128 + sig
            }
            (None, None) => 255,
        };
        let mut result = RawResult {
            exit_code,
            output: Vec::new(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr,
            deps: Vec::new(),
            elapsed,
        };
        if exit_code == 0 {
            result.output = read_output(&out)?;
            if let Ok(text) = std::fs::read_to_string(&dep) {
                result.deps = crate::depfile::parse(&text);
            }
            if result.output.is_empty() {
                result.exit_code = 1;
                result
                    .stderr
                    .push_str("warmcc: the compiler reported success but wrote no output\n");
            }
        }
        Ok(result)
    }
}

/// How a compiler run ended, and what it printed.
struct Finished {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl ProcessBackend {
    /// Runs the compile in a child of a warm clang, when there is one for this compiler.
    fn fork_from_zygote(
        &self,
        action: &Action,
        argv: &[OsString],
        env: &[(OsString, OsString)],
        stdin: Option<&[u8]>,
        scratch: &Path,
    ) -> Option<Finished> {
        if action.compiler.kind != Kind::Clang {
            return None;
        }
        let ran = self.zygotes.run(
            &action.compiler.resolved,
            argv,
            &action.cwd,
            env,
            stdin,
            scratch,
        )?;
        Some(Finished {
            code: Some(ran.exit_code),
            signal: None,
            stdout: ran.stdout,
            stderr: ran.stderr,
        })
    }

    /// Runs the compile as a fresh process.
    fn spawn(
        &self,
        action: &Action,
        args: &[OsString],
        env: &[(OsString, OsString)],
        stdin_bytes: Option<Vec<u8>>,
    ) -> Result<Finished, EngineError> {
        let mut cmd = Command::new(&action.compiler.path);
        cmd.current_dir(&action.cwd)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .stdin(if stdin_bytes.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|source| EngineError::Spawn {
            command: action.compiler.path.display().to_string(),
            source,
        })?;
        // Feed stdin from another thread: a compiler that writes lots of diagnostics before
        // reading all its input would otherwise deadlock against us.
        let feeder = match (stdin_bytes, child.stdin.take()) {
            (Some(bytes), Some(mut stdin)) => Some(std::thread::spawn(move || {
                let _ = stdin.write_all(&bytes);
            })),
            _ => None,
        };
        let output = child
            .wait_with_output()
            .map_err(|source| EngineError::Spawn {
                command: action.compiler.path.display().to_string(),
                source,
            })?;
        if let Some(f) = feeder {
            let _ = f.join();
        }
        Ok(Finished {
            code: output.status.code(),
            signal: output.status.signal(),
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }
}

fn read_output(path: &Path) -> Result<Vec<u8>, EngineError> {
    match std::fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(EngineError::io("cannot read compiler output", path, e)),
    }
}

/// Escapes a name for a `#line` directive's string literal.
fn escape_line_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            c => vec![c],
        })
        .collect()
}
