//! The compiler-wrapper client: `warmcc clang++ -c a.cc -o a.o`, or warmcc symlinked as `cc`.
//!
//! Its start-up and one round trip are the whole cost of a cache hit, so it skips argument
//! parsing libraries, the async runtime and HTTP/2: it sends one length-prefixed message on the
//! daemon's wrapper socket, and the answer carries the daemon's version. Only when no daemon
//! answers does it use the gRPC client, which starts one.
//! Whenever warmcc cannot help (no daemon, a pass-through, any error), it becomes the real
//! compiler through exec: a build never fails because of warmcc.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use warmcc_daemon::paths::Paths;
use warmcc_proto::v1 as pb;

/// Compiler driver names warmcc recognizes, without version suffix or target prefix.
const DRIVERS: &[&str] = &["cc", "c++", "gcc", "g++", "clang", "clang++"];

/// Whether a program name is a C/C++ compiler driver: `clang++-19`, `gcc-12`,
/// `aarch64-linux-gnu-g++`, `cc`…
pub fn is_compiler_name(name: &str) -> bool {
    // Drop a version suffix such as `-19` or `-12.2`.
    let base = match name.rsplit_once('-') {
        Some((b, v)) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.') => b,
        _ => name,
    };
    DRIVERS
        .iter()
        .any(|d| base == *d || base.ends_with(&format!("-{d}")))
}

/// Finds `name` on PATH, skipping any entry that is warmcc itself (a masquerading symlink).
pub fn find_real_compiler(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Some(PathBuf::from(name));
    }
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|cand| {
            let Ok(meta) = std::fs::metadata(cand) else {
                return false;
            };
            use std::os::unix::fs::PermissionsExt;
            meta.is_file()
                && meta.permissions().mode() & 0o111 != 0
                && cand.canonicalize().ok() != me
        })
}

/// If this invocation is a wrapped compile, runs it and returns the exit code.
pub fn run_if_wrapper(args: &[OsString], subcommands: &[&str]) -> Option<ExitCode> {
    let argv0 = Path::new(args.first()?).file_name()?.to_str()?;
    let (name, rest) = if argv0 != "warmcc" && is_compiler_name(argv0) {
        (argv0.to_string(), &args[1..])
    } else {
        let first = args.get(1)?.to_str()?;
        let base = Path::new(first).file_name()?.to_str()?;
        if first.starts_with('-')
            || subcommands.contains(&first)
            || !(is_compiler_name(base) || first.contains('/'))
        {
            return None;
        }
        (first.to_string(), &args[2..])
    };
    let Some(real) = find_real_compiler(&name) else {
        eprintln!("warmcc: compiler `{name}` not found on PATH (other than warmcc itself)");
        return Some(ExitCode::from(127));
    };
    Some(wrap(&real, rest))
}

/// Runs the compile through the daemon, or execs the real compiler.
fn wrap(real: &Path, args: &[OsString]) -> ExitCode {
    match through_daemon(real, args) {
        Some(code) => code,
        None => exec_real(real, args),
    }
}

/// Becomes the real compiler (only returns if exec itself fails).
fn exec_real(real: &Path, args: &[OsString]) -> ExitCode {
    let err = std::process::Command::new(real).args(args).exec();
    eprintln!("warmcc: cannot run {}: {err}", real.display());
    ExitCode::from(127)
}

/// `None` means: run the compiler directly.
fn through_daemon(real: &Path, args: &[OsString]) -> Option<ExitCode> {
    if std::env::var_os("WARMCC_DISABLE").is_some_and(|v| !v.is_empty() && v != "0") {
        return None;
    }
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_str().map(String::from))
        .collect::<Option<_>>()?;
    let cwd = std::env::current_dir().ok()?;
    let real = if real.is_absolute() {
        real.to_path_buf()
    } else {
        cwd.join(real)
    };
    let env = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let req = pb::WrapRequest {
        compiler: std::str::from_utf8(real.as_os_str().as_bytes())
            .ok()?
            .to_string(),
        args,
        cwd: cwd.to_str()?.to_string(),
        env,
        stderr_is_tty: std::io::stderr().is_terminal(),
    };
    let paths = Paths::from_env();
    let debug = std::env::var_os("WARMCC_DEBUG").is_some();
    // The hot path: a blocking round trip on the wrapper socket, no async runtime, no HTTP/2.
    let result = match warmcc_daemon::fastsock::call(&paths.wrap_socket(), &req) {
        Some(resp) => {
            if resp.daemon_version != warmcc_daemon::version() {
                replace_daemon(&paths);
            }
            Ok(resp)
        }
        // No daemon (or one without the socket): start one through the API.
        None => through_grpc(&paths, req),
    };
    let resp = match result {
        Ok(r) => r,
        Err(e) => {
            if debug {
                eprintln!("warmcc: running the compiler directly: {e:#}");
            }
            return None;
        }
    };
    if resp.passthrough {
        if debug {
            eprintln!("warmcc: passing through: {}", resp.reason);
        }
        return None;
    }
    let _ = std::io::stdout().write_all(&resp.stdout);
    let _ = std::io::stderr().write_all(&resp.stderr);
    Some(match resp.exit_code {
        0 => ExitCode::SUCCESS,
        c => ExitCode::from(c.clamp(1, 255) as u8),
    })
}

/// Asks an outdated daemon to stop; the next compile starts a current one. The answer it gave
/// is still right: keys cover the compiler and the inputs, not warmcc's own version.
fn replace_daemon(paths: &Paths) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    runtime.block_on(async {
        if let Ok(ch) = crate::client::connect(&paths.socket).await {
            let _ = crate::client::daemon_client(&ch)
                .stop(pb::StopRequest {})
                .await;
        }
    });
}

/// The slow path: start the daemon when none answers, and send the compile over gRPC.
fn through_grpc(paths: &Paths, req: pb::WrapRequest) -> anyhow::Result<pb::WrapResponse> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let channel = crate::client::ensure(paths).await?;
        let resp = pb::compiler_client::CompilerClient::new(channel)
            .max_decoding_message_size(1 << 30)
            .wrap(req)
            .await?
            .into_inner();
        anyhow::Ok(resp)
    })
}

#[cfg(test)]
mod tests {
    use super::is_compiler_name;

    #[test]
    fn compiler_names() {
        for n in [
            "cc",
            "c++",
            "gcc",
            "g++",
            "clang",
            "clang++",
            "clang-19",
            "clang++-19",
            "gcc-12",
            "aarch64-linux-gnu-g++",
            "x86_64-linux-gnu-gcc-12",
        ] {
            assert!(is_compiler_name(n), "{n}");
        }
        for n in [
            "warmcc",
            "ld",
            "clang-format",
            "clang-tidy-19",
            "make",
            "ccache",
            "cmake",
        ] {
            assert!(!is_compiler_name(n), "{n}");
        }
    }
}
