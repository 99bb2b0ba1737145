//! Warm compiler processes. clang-19 spends ~25 ms of every run before `main`: the dynamic
//! loader relocating libLLVM and libclang-cpp, and their static constructors. That is a quarter
//! of compiling a small C file. A *zygote* is a clang started once with `zygote/zygote.c`
//! preloaded; once clang is loaded it waits on a socket, and for each compile it forks a child
//! that runs clang's real `main` with the compile's arguments, directory, environment and
//! stdio. The output is the same program's; only the start-up is shared.
//!
//! Anything unusual (no zygote for this compiler, a zygote that died, a child killed by a
//! signal) returns `None`, and the caller runs the compile as a fresh process instead.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The fork server, built by build.rs.
#[cfg(warmcc_zygote)]
const LIBRARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/zygote.so"));
#[cfg(not(warmcc_zygote))]
const LIBRARY: &[u8] = &[];

/// Consecutive failures after which a compiler is no longer given a zygote.
const MAX_FAILURES: u32 = 3;
/// How long a new zygote may take to say it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a zygote may take to fork a child for a request.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// What a compile run by a zygote's child produced.
pub struct Ran {
    /// The exit status `main` returned or `exit` was given.
    pub exit_code: i32,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
}

/// A zygote per compiler (and loader environment), started on first use.
pub struct Zygotes {
    dir: PathBuf,
    enabled: bool,
    servers: Mutex<HashMap<Key, Slot>>,
}

/// The real compiler file, and the loader variables that shape what gets loaded.
type Key = (PathBuf, Option<OsString>, Option<OsString>);

#[derive(Default)]
struct Slot {
    server: Option<Arc<Server>>,
    failures: u32,
}

struct Server {
    socket: PathBuf,
    child: Mutex<Child>,
    /// Closed (on drop) to make the zygote exit.
    _lifeline: OwnedFd,
}

impl Drop for Server {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

impl Zygotes {
    /// Zygotes with their sockets under `dir`; off when built without the fork server or with
    /// `WARMCC_ZYGOTE=0`.
    pub fn new(dir: PathBuf) -> Zygotes {
        let enabled = !LIBRARY.is_empty()
            && std::env::var("WARMCC_ZYGOTE").map_or(true, |v| v != "0")
            && cfg!(target_os = "linux");
        Zygotes {
            dir,
            enabled,
            servers: Mutex::new(HashMap::new()),
        }
    }

    fn servers(&self) -> MutexGuard<'_, HashMap<Key, Slot>> {
        self.servers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `argv` (the compiler `real`, named as `argv[0]`) in `cwd` with exactly `env`,
    /// through the compiler's zygote; its stdio go through files in `scratch`. `None` when
    /// that could not be done.
    pub fn run(
        &self,
        real: &Path,
        argv: &[OsString],
        cwd: &Path,
        env: &[(OsString, OsString)],
        stdin: Option<&[u8]>,
        scratch: &Path,
    ) -> Option<Ran> {
        if !self.enabled {
            return None;
        }
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let key: Key = (
            real.to_path_buf(),
            get("LD_LIBRARY_PATH"),
            get("LD_PRELOAD"),
        );
        let server = self.server(&key, env)?;
        let result = request(&server, argv, cwd, env, stdin, scratch);
        let mut servers = self.servers();
        let slot = servers.get_mut(&key)?;
        match result {
            Ok(Some(ran)) => {
                slot.failures = 0;
                return Some(ran);
            }
            // The compile died without a status (a crash, or a request the child refused): the
            // caller's fresh run tells which; a zygote whose children always do so is retired.
            Ok(None) => slot.failures += 1,
            Err(e) => {
                tracing::debug!(compiler = %real.display(), error = %e, "zygote request failed");
                // Only this server: another thread may have started a new one meanwhile.
                if slot
                    .server
                    .as_ref()
                    .is_some_and(|s| Arc::ptr_eq(s, &server))
                {
                    slot.server = None;
                }
                slot.failures += 1;
            }
        }
        if slot.failures >= MAX_FAILURES {
            slot.server = None;
        }
        None
    }

    fn server(&self, key: &Key, env: &[(OsString, OsString)]) -> Option<Arc<Server>> {
        let mut servers = self.servers();
        let slot = servers.entry(key.clone()).or_default();
        if let Some(s) = &slot.server {
            let alive = s
                .child
                .lock()
                .map(|mut c| c.try_wait().ok().flatten().is_none())
                .unwrap_or(false);
            if alive {
                return Some(s.clone());
            }
            slot.server = None;
        }
        if slot.failures >= MAX_FAILURES {
            return None;
        }
        match start(&self.dir, key, env) {
            Ok(s) => {
                let s = Arc::new(s);
                slot.server = Some(s.clone());
                Some(s)
            }
            Err(e) => {
                tracing::info!(compiler = %key.0.display(), error = %e, "no zygote for this compiler");
                slot.failures = MAX_FAILURES;
                None
            }
        }
    }
}

/// Writes the library (once per content) and starts a zygote of `key`'s compiler.
fn start(dir: &Path, key: &Key, env: &[(OsString, OsString)]) -> std::io::Result<Server> {
    // A script's interpreter would be the zygote, and would take the compile's arguments for
    // its own: only executables are forked from.
    let mut magic = [0u8; 4];
    std::fs::File::open(&key.0)?.read_exact(&mut magic)?;
    if &magic != b"\x7fELF" {
        return Err(std::io::Error::other("not an ELF executable"));
    }
    // Whoever can connect can run commands as this user: the directory is private.
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    let lib = dir.join(format!(
        "zygote-{}.so",
        &blake3::hash(LIBRARY).to_hex()[..16]
    ));
    if !lib.exists() {
        let tmp = dir.join(format!(".zygote-{}.so", std::process::id()));
        if let Err(e) = std::fs::write(&tmp, LIBRARY).and_then(|()| std::fs::rename(&tmp, &lib)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    }
    // Short: a socket's path must fit in 108 bytes.
    let socket = dir.join(format!(
        "{}-{}.sock",
        std::process::id(),
        &blake3::hash(format!("{key:?}").as_bytes()).to_hex()[..8]
    ));
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)?;
    let (life_r, life_w) = std::io::pipe()?;
    let (mut ready_r, ready_w) = std::io::pipe()?;
    let mut preload = lib.into_os_string();
    if let Some(p) = key.2.as_ref().filter(|p| !p.is_empty()) {
        preload.push(":");
        preload.push(p);
    }
    let mut cmd = Command::new(&key.0);
    cmd.env_clear()
        .envs(
            env.iter()
                .filter(|(k, _)| k == "PATH" || k == "LD_LIBRARY_PATH")
                .map(|(k, v)| (k, v)),
        )
        .env("LD_PRELOAD", preload)
        .env("WARMCC_ZYGOTE_FD", "3")
        .env("WARMCC_ZYGOTE_LIFELINE", "4")
        .env("WARMCC_ZYGOTE_READY", "5")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let fds = [
        listener.as_raw_fd(),
        life_r.as_raw_fd(),
        ready_w.as_raw_fd(),
    ];
    // SAFETY: only dup2 (async-signal-safe) between fork and exec. Descriptors are moved up
    // first so that none is overwritten before it is copied.
    unsafe {
        cmd.pre_exec(move || {
            let mut high = [0; 3];
            for (i, fd) in fds.iter().enumerate() {
                high[i] = libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, 10);
                if high[i] < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            for (i, fd) in high.iter().enumerate() {
                if libc::dup2(*fd, 3 + i as i32) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    // Only the zygote may hold these: a dead zygote must refuse connections and see EOF.
    drop((listener, life_r, ready_w));
    let mut byte = [0u8; 1];
    let ready = wait_readable(ready_r.as_raw_fd(), READY_TIMEOUT)
        && ready_r.read(&mut byte).is_ok_and(|n| n == 1);
    if !ready {
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_file(&socket);
        return Err(std::io::Error::other(
            "the compiler did not start serving (statically linked, or it refused the preload)",
        ));
    }
    Ok(Server {
        socket,
        child: Mutex::new(child),
        _lifeline: life_w.into(),
    })
}

fn wait_readable(fd: i32, timeout: Duration) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call.
    unsafe { libc::poll(&mut pfd, 1, timeout.as_millis() as libc::c_int) > 0 }
}

/// One compile through `server`: `Ok(None)` when the child died without an exit status.
/// stdin, stdout and stderr are files in `scratch`: nothing to pump while the compile runs.
fn request(
    server: &Server,
    argv: &[OsString],
    cwd: &Path,
    env: &[(OsString, OsString)],
    stdin: Option<&[u8]>,
    scratch: &Path,
) -> std::io::Result<Option<Ran>> {
    let mut conn = UnixStream::connect(&server.socket)?;
    let (out_path, err_path) = (scratch.join("zygote.stdout"), scratch.join("zygote.stderr"));
    let input = match stdin {
        Some(bytes) => {
            let path = scratch.join("zygote.stdin");
            std::fs::write(&path, bytes)?;
            std::fs::File::open(path)?
        }
        None => std::fs::File::open("/dev/null")?,
    };
    let (out, err) = (
        std::fs::File::create(&out_path)?,
        std::fs::File::create(&err_path)?,
    );
    let mut payload = Vec::new();
    let mut put = |b: &[u8]| {
        payload.extend_from_slice(b);
        payload.push(0);
    };
    put(cwd.as_os_str().as_bytes());
    put(argv.len().to_string().as_bytes());
    for a in argv {
        put(a.as_bytes());
    }
    put(env.len().to_string().as_bytes());
    for (k, v) in env {
        put(&[k.as_bytes(), b"=", v.as_bytes()].concat());
    }
    send_with_fds(
        &conn,
        &(payload.len() as u32).to_ne_bytes(),
        &[input.as_raw_fd(), out.as_raw_fd(), err.as_raw_fd()],
    )?;
    conn.write_all(&payload)?;
    drop((input, out, err));
    // A zygote that accepted (or merely has the connection queued) but never forks must not
    // hang the compile: its child acknowledges the request before running anything.
    let mut ack = [0u8; 1];
    if !wait_readable(conn.as_raw_fd(), ACK_TIMEOUT) || conn.read(&mut ack)? != 1 {
        return Err(std::io::Error::other("the zygote did not take the request"));
    }
    let mut status = [0u8; 4];
    match conn.read_exact(&mut status) {
        Ok(()) => Ok(Some(Ran {
            exit_code: i32::from_ne_bytes(status),
            stdout: std::fs::read(&out_path)?,
            stderr: std::fs::read(&err_path)?,
        })),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

/// Sends `bytes` with `fds` attached (SCM_RIGHTS).
fn send_with_fds(conn: &UnixStream, bytes: &[u8], fds: &[i32]) -> std::io::Result<()> {
    let fd_bytes = std::mem::size_of_val(fds);
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE(fd_bytes as u32) } as usize;
    let mut control = vec![0u8; space];
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    // SAFETY: msghdr is plain data; every pointer in it outlives the sendmsg call, and the
    // control buffer is CMSG_SPACE bytes, enough for one header carrying `fds`.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = space as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(fd_bytes as u32) as _;
        std::ptr::copy_nonoverlapping(fds.as_ptr() as *const u8, libc::CMSG_DATA(cmsg), fd_bytes);
        let n = libc::sendmsg(conn.as_raw_fd(), &msg, libc::MSG_NOSIGNAL);
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if n as usize != bytes.len() {
            return Err(std::io::Error::other("short sendmsg"));
        }
    }
    Ok(())
}

#[cfg(all(test, warmcc_zygote))]
mod tests {
    use super::*;

    fn clang() -> PathBuf {
        std::fs::canonicalize("/usr/bin/clang-19").expect("clang-19 is needed for these tests")
    }

    fn env() -> Vec<(OsString, OsString)> {
        vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("LANG".into(), "C".into()),
        ]
    }

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("/usr/bin/clang-19")
            .chain(args.iter().copied())
            .map(Into::into)
            .collect()
    }

    fn fresh(dir: &Path, args: &[&str]) -> std::process::Output {
        Command::new("/usr/bin/clang-19")
            .args(args)
            .current_dir(dir)
            .env_clear()
            .envs(env())
            .output()
            .unwrap()
    }

    #[test]
    fn a_forked_compile_is_the_same_as_a_fresh_one() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(
            dir.join("ok.c"),
            "#include <stdio.h>\nint main(void){puts(\"hi\");}\n",
        )
        .unwrap();
        std::fs::write(dir.join("bad.c"), "int f( { return; }\n").unwrap();
        let z = Zygotes::new(dir.join("zygotes"));

        let ran = z
            .run(
                &clang(),
                &argv(&["-c", "ok.c", "-o", "z.o"]),
                dir,
                &env(),
                None,
                dir,
            )
            .expect("served by the zygote");
        assert_eq!(ran.exit_code, 0, "{}", String::from_utf8_lossy(&ran.stderr));
        assert!(fresh(dir, &["-c", "ok.c", "-o", "p.o"]).status.success());
        let (zo, po) = (dir.join("z.o"), dir.join("p.o"));
        assert_eq!(std::fs::read(zo).unwrap(), std::fs::read(po).unwrap());

        let ran = z
            .run(
                &clang(),
                &argv(&["-c", "bad.c", "-o", "b.o"]),
                dir,
                &env(),
                None,
                dir,
            )
            .expect("served by the zygote");
        let plain = fresh(dir, &["-c", "bad.c", "-o", "b.o"]);
        assert_eq!(Some(ran.exit_code), plain.status.code());
        assert_eq!(ran.stderr, plain.stderr, "the same diagnostics");

        // stdin, and the environment the compile is given (not the zygote's).
        let mut e = env();
        e.push(("CPATH".into(), dir.join("inc").into_os_string()));
        std::fs::create_dir(dir.join("inc")).unwrap();
        std::fs::write(dir.join("inc/v.h"), "#define V 7\n").unwrap();
        let src = b"#include <v.h>\nint v = V;\n";
        let ran = z
            .run(
                &clang(),
                &argv(&["-x", "c", "-E", "-"]),
                dir,
                &e,
                Some(src),
                dir,
            )
            .expect("served by the zygote");
        let out = String::from_utf8_lossy(&ran.stdout);
        assert!(out.contains("int v = 7;"), "{out}");
    }

    #[test]
    fn a_dead_zygote_is_replaced_and_scripts_get_none() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("ok.c"), "int x;\n").unwrap();
        let z = Zygotes::new(dir.join("zygotes"));
        let args = argv(&["-c", "ok.c", "-o", "z.o"]);
        assert!(z.run(&clang(), &args, dir, &env(), None, dir).is_some());
        let pid = {
            let servers = z.servers();
            let slot = servers.values().next().unwrap();
            let server = slot.server.as_ref().unwrap();
            let pid = server.child.lock().unwrap().id();
            pid
        };
        // SAFETY: kill(2) on the zygote this test started.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        std::thread::sleep(Duration::from_millis(100));
        let ran = z.run(&clang(), &args, dir, &env(), None, dir);
        assert!(ran.is_some_and(|r| r.exit_code == 0), "a new zygote serves");

        let script = dir.join("fakecc");
        std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
        assert!(z.run(&script, &args, dir, &env(), None, dir).is_none());
    }
}
