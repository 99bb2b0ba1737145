//! Runs one action of a project build for the scheduler: compiles through the same pipeline as
//! the compiler wrapper (cache, depfiles), archives and links through a content-addressed cache,
//! and anything already up to date not at all.

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use warmcc_build::graph::{Action, ActionKind};
use warmcc_build::schedule::{Done, Executor};
use warmcc_build::ActionGraph;
use warmcc_cache::Key;
use warmcc_proto::v1 as pb;

use super::log::{BuildLog, Watched};
use super::programs::Program;
use crate::fsutil::write_atomic;
use crate::mutex::lock;
use crate::service::wrap::{self, Fast};
use crate::state::State;
use crate::watch::Snapshot;

/// The command hashes of a graph's actions, kept across builds (hashing every command line was
/// most of what a no-op build had left to do). A hash holds while its program resolves to the
/// same file with the same stamp.
pub struct CommandMemo {
    graph: Arc<ActionGraph>,
    slots: Vec<Option<MemoCommand>>,
}

struct MemoCommand {
    program: PathBuf,
    identity: String,
    hash: String,
}

impl CommandMemo {
    /// The memo for `graph`: `earlier` if it was made for this very graph, else an empty one.
    pub fn for_graph(earlier: Option<CommandMemo>, graph: &Arc<ActionGraph>) -> CommandMemo {
        match earlier {
            Some(m) if Arc::ptr_eq(&m.graph, graph) => m,
            _ => CommandMemo {
                graph: graph.clone(),
                slots: (0..graph.actions.len()).map(|_| None).collect(),
            },
        }
    }
}

/// How long each output (by absolute path) took to make, in microseconds.
pub type Durations = Arc<Mutex<HashMap<PathBuf, u64>>>;

/// Executes a project's actions on behalf of one build.
pub struct ProjectExecutor<'a> {
    /// Daemon state (engine, registry, cache).
    pub st: &'a Arc<State>,
    /// The project root: every relative path in the graph is relative to it.
    pub root: PathBuf,
    /// The client's environment.
    pub env: &'a HashMap<String, String>,
    /// Colour compiler diagnostics.
    pub color: bool,
    /// Up-to-date information, shared by the worker threads.
    log: Mutex<BuildLog>,
    /// Programs resolved once per build: name → path and identity.
    programs: Mutex<HashMap<String, Program>>,
    /// Command hashes by action, kept across builds.
    commands: Mutex<CommandMemo>,
    /// How long each output took to make last (shared with the project in memory).
    durations: Durations,
    /// Outputs being copied into the cache.
    stores: Mutex<Vec<std::thread::JoinHandle<()>>>,
    /// The watcher's snapshot at the start of the build, when it vouches for unchanged paths.
    snapshot: Option<Snapshot>,
    /// Outputs this build wrote (or removed).
    written: Mutex<HashSet<PathBuf>>,
    /// Tool time of the actions that ran, in microseconds.
    pub tool_us: AtomicU64,
    /// Tool time the cache hits saved, in microseconds.
    pub saved_us: AtomicU64,
}

impl<'a> ProjectExecutor<'a> {
    /// An executor for one build of the project at `root`.
    pub fn new(
        st: &'a Arc<State>,
        root: PathBuf,
        env: &'a HashMap<String, String>,
        color: bool,
        log: BuildLog,
        memory: (CommandMemo, Durations),
        snapshot: Option<Snapshot>,
    ) -> Self {
        let (commands, durations) = memory;
        ProjectExecutor {
            st,
            root,
            env,
            color,
            log: Mutex::new(log),
            programs: Mutex::new(HashMap::new()),
            commands: Mutex::new(commands),
            durations,
            stores: Mutex::new(Vec::new()),
            snapshot,
            written: Mutex::new(HashSet::new()),
            tool_us: AtomicU64::new(0),
            saved_us: AtomicU64::new(0),
        }
    }

    /// The build log, the command hashes and the outputs this build wrote, once the build is
    /// over (and its outputs are in the cache).
    pub fn into_parts(self) -> (BuildLog, CommandMemo, HashSet<PathBuf>) {
        for put in self.stores.into_inner().unwrap_or_else(|p| p.into_inner()) {
            let _ = put.join();
        }
        (
            self.log.into_inner().unwrap_or_else(|p| p.into_inner()),
            self.commands
                .into_inner()
                .unwrap_or_else(|p| p.into_inner()),
            self.written.into_inner().unwrap_or_else(|p| p.into_inner()),
        )
    }

    fn watched<'w>(&'w self, written: &'w HashSet<PathBuf>) -> Option<Watched<'w>> {
        Some(Watched {
            watcher: &self.st.watcher,
            snapshot: self.snapshot?,
            written,
        })
    }

    fn written(&self) -> std::sync::MutexGuard<'_, HashSet<PathBuf>> {
        lock(&self.written)
    }

    /// Whether an action's outputs are up to date (nothing needs to run).
    pub fn up_to_date(&self, action: &Action) -> bool {
        self.command_of(action)
            .is_ok_and(|(_, command)| self.check(action, &command))
    }

    /// The program an action runs and the hash identifying its command.
    fn command_of(&self, action: &Action) -> Result<(PathBuf, String), String> {
        let (program, identity) = self.program(&action.program)?;
        let mut memo = lock(&self.commands);
        let slot = memo.slots.get_mut(action.id);
        if let Some(Some(c)) = &slot {
            // Byte comparison: cheaper than Path's component-wise equality, and as exact here.
            if c.program.as_os_str() == program.as_os_str() && c.identity == identity {
                return Ok((program, c.hash.clone()));
            }
        }
        let hash = command_hash(&program, &identity, &action.args);
        if let Some(slot) = slot {
            *slot = Some(MemoCommand {
                program: program.clone(),
                identity,
                hash: hash.clone(),
            });
        }
        Ok((program, hash))
    }

    fn check(&self, action: &Action, command: &str) -> bool {
        let out = self.root.join(action.output());
        let written = self.written();
        let watched = self.watched(&written);
        lock(&self.log).up_to_date(&out, command, &self.hasher(), watched.as_ref())
    }

    /// Finds a program, once per build (and across builds while the watcher vouches for it).
    fn program(&self, name: &str) -> Program {
        if let Some(p) = lock(&self.programs).get(name).cloned() {
            return p;
        }
        let path_env = self.env.get("PATH").map(String::as_str);
        let found = self.st.programs.find(
            &self.st.registry,
            &self.st.watcher,
            self.snapshot,
            name,
            path_env,
        );
        lock(&self.programs).insert(name.to_string(), found.clone());
        found
    }

    fn hasher(&self) -> impl Fn(&Path) -> Option<String> + '_ {
        |p: &Path| content_hash(self.st, p)
    }

    /// The directories a compile searches for headers: a header appearing in one of them may
    /// shadow one the compile used, so they are inputs too.
    fn search_dirs(&self, action: &Action) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = action
            .source
            .as_ref()
            .and_then(|s| self.root.join(s).parent().map(Path::to_path_buf))
            .into_iter()
            .collect();
        let mut args = action.args.iter();
        while let Some(a) = args.next() {
            for flag in ["-I", "-iquote", "-isystem", "-idirafter"] {
                if a == flag {
                    if let Some(d) = args.next() {
                        dirs.push(self.root.join(d));
                    }
                } else if let Some(d) = a.strip_prefix(flag).filter(|d| !d.is_empty()) {
                    dirs.push(self.root.join(d));
                }
            }
        }
        dirs
    }

    fn compile(&self, action: &Action, program: &Path, command: String) -> Done {
        let req = pb::WrapRequest {
            compiler: program.display().to_string(),
            args: action.args.clone(),
            cwd: self.root.display().to_string(),
            env: self.env.clone(),
            stderr_is_tty: self.color,
        };
        let resp = match wrap::fast(self.st, req) {
            Fast::Answer(r) => r,
            Fast::Compile(a, c, t) => wrap::compile(self.st, &a, &c, t),
        };
        let (ok, output, cache_hit) = if resp.passthrough {
            let started = Instant::now();
            let (ok, text) = self.run_direct(program, &action.args);
            self.add_time(&self.tool_us, started.elapsed());
            (ok, text, false)
        } else {
            let text = String::from_utf8_lossy(&resp.stdout).into_owned()
                + &String::from_utf8_lossy(&resp.stderr);
            self.add_time(&self.tool_us, Duration::from_micros(resp.compile_us));
            self.add_time(&self.saved_us, Duration::from_micros(resp.saved_us));
            (resp.exit_code == 0, text, resp.cache_hit)
        };
        let mut inputs: Vec<PathBuf> = Vec::new();
        if ok {
            inputs.extend(self.search_dirs(action));
            if let Some(d) = &action.depfile {
                if let Ok(text) = std::fs::read_to_string(self.root.join(d)) {
                    inputs.extend(
                        warmcc_engine::depfile::parse(&text)
                            .into_iter()
                            .map(|p| self.root.join(p)),
                    );
                }
            }
        }
        self.note(action, ok, command, inputs);
        Done {
            ok,
            up_to_date: false,
            cache_hit,
            output,
            saved: Duration::from_micros(resp.saved_us),
        }
    }

    fn add_time(&self, counter: &AtomicU64, d: Duration) {
        counter.fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    /// Records in the build log how an action's output was made, or forgets it after a
    /// failure. `extra` adds inputs beyond the action's own (headers, search directories).
    fn note(&self, action: &Action, ok: bool, command: String, extra: Vec<PathBuf>) {
        let out = self.root.join(action.output());
        let mut written = self.written();
        written.extend(action.outputs.iter().map(|o| self.root.join(o)));
        let mut log = lock(&self.log);
        if ok {
            let mut inputs: Vec<PathBuf> =
                action.inputs.iter().map(|p| self.root.join(p)).collect();
            inputs.extend(extra);
            let watched = self.watched(&written);
            log.record(&out, command, &inputs, &self.hasher(), watched.as_ref());
        } else {
            log.forget(&out);
        }
    }

    /// Archives and links: answered from the cache when the program, its arguments and the
    /// content of every input are the same (a warm rebuild after `clean` then relinks nothing).
    fn tool(&self, action: &Action, program: &Path, command: String) -> Done {
        let out = self.root.join(action.output());
        let mut h = blake3::Hasher::new();
        h.update(b"warmcc-tool-v1\0");
        h.update(command.as_bytes());
        for input in &action.inputs {
            match self.st.engine.hash_file(&self.root.join(input)) {
                Ok(Some(hash)) => {
                    h.update(input.as_os_str().as_encoded_bytes());
                    h.update(&hash);
                }
                _ => return self.run_tool(action, program, command, None),
            }
        }
        let key = Key::from_hash(h.finalize());
        if let Ok(Some(bytes)) = self.st.engine.store().get(&key) {
            if self.write_output(action, &out, &bytes).is_ok() {
                self.note(action, true, command, Vec::new());
                return Done {
                    ok: true,
                    cache_hit: true,
                    ..Done::default()
                };
            }
        }
        self.run_tool(action, program, command, Some(key))
    }

    fn run_tool(&self, action: &Action, program: &Path, command: String, key: Option<Key>) -> Done {
        for o in &action.outputs {
            let _ = std::fs::remove_file(self.root.join(o));
        }
        if let Some(parent) = self.root.join(action.output()).parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let started = Instant::now();
        let (ok, output) = self.run_direct(program, &action.args);
        self.add_time(&self.tool_us, started.elapsed());
        if let (true, Some(key)) = (ok, key) {
            // Off the critical path: what depends on this output (the link after an archive)
            // starts now; the build waits for the copy only before it reports.
            let (st, file) = (self.st.clone(), self.root.join(action.output()));
            let put = std::thread::spawn(move || {
                if let Ok(bytes) = std::fs::read(&file) {
                    let _ = st.engine.store().put(&key, &bytes);
                }
            });
            lock(&self.stores).push(put);
        }
        self.note(action, ok, command, Vec::new());
        Done {
            ok,
            output,
            ..Done::default()
        }
    }

    fn write_output(&self, action: &Action, out: &Path, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)?;
        }
        write_atomic(out, bytes)?;
        if action.kind == ActionKind::Link {
            std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o755))?;
        }
        Ok(())
    }

    fn run_direct(&self, program: &Path, args: &[String]) -> (bool, String) {
        let out = Command::new(program)
            .current_dir(&self.root)
            .env_clear()
            .envs(self.env)
            .args(args)
            .output();
        match out {
            Ok(o) => (
                o.status.success(),
                String::from_utf8_lossy(&o.stdout).into_owned()
                    + &String::from_utf8_lossy(&o.stderr),
            ),
            Err(e) => (
                false,
                format!("warmcc: cannot run {}: {e}\n", program.display()),
            ),
        }
    }
}

impl Executor for ProjectExecutor<'_> {
    fn run(&self, action: &Action) -> Done {
        let (program, command) = match self.command_of(action) {
            Ok(p) => p,
            Err(e) => {
                return Done {
                    ok: false,
                    output: format!("warmcc: {e}\n"),
                    ..Done::default()
                }
            }
        };
        let out = self.root.join(action.output());
        if self.check(action, &command) {
            return Done {
                ok: true,
                up_to_date: true,
                ..Done::default()
            };
        }
        if let Some(parent) = out.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let started = Instant::now();
        let done = match action.kind {
            ActionKind::Compile | ActionKind::EmitIr => self.compile(action, &program, command),
            ActionKind::Archive | ActionKind::Link => self.tool(action, &program, command),
        };
        lock(&self.durations).insert(out, started.elapsed().as_micros() as u64);
        done
    }

    /// The time the action took last (while the daemon has been up, even across a clean),
    /// else a guess: a compile by its source's size, anything else as a short step.
    fn estimate(&self, action: &Action) -> u64 {
        let out = self.root.join(action.output());
        if let Some(us) = lock(&self.durations).get(&out).copied() {
            return us;
        }
        let source_bytes = action
            .source
            .as_ref()
            .and_then(|s| std::fs::metadata(self.root.join(s)).ok())
            .map(|m| m.len());
        source_bytes.map_or(LINK_GUESS_US, |b| b * COMPILE_GUESS_US_PER_BYTE)
    }
}

/// A first guess of a compile's time per byte of source (a 40 kB file: about a second).
const COMPILE_GUESS_US_PER_BYTE: u64 = 25;
/// A first guess of an archive's or link's time.
const LINK_GUESS_US: u64 = 50_000;

/// Content hashes for the build log: files from the engine's stat-validated hash cache,
/// directories by their sorted entry names (so only added or removed files count; hidden ones,
/// such as warmcc's own .warmcc or editors' swap files, are not headers and do not count).
pub(super) fn content_hash(st: &State, p: &Path) -> Option<String> {
    if p.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(p)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .filter(|n| !n.as_encoded_bytes().starts_with(b"."))
            .collect();
        names.sort();
        let mut h = blake3::Hasher::new();
        for n in names {
            h.update(n.as_encoded_bytes());
            h.update(b"\0");
        }
        return Some(h.finalize().to_hex().to_string());
    }
    st.engine.hash_file(p).ok().flatten().map(hex::encode)
}

/// What identifies a command: the program (path and stamp) and its arguments.
fn command_hash(program: &Path, identity: &str, args: &[String]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(program.as_os_str().as_encoded_bytes());
    h.update(b"\0");
    h.update(identity.as_bytes());
    for a in args {
        h.update(&(a.len() as u64).to_le_bytes());
        h.update(a.as_bytes());
    }
    h.finalize().to_hex().to_string()
}
