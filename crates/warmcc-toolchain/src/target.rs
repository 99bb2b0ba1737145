//! Target triples: comparing spellings of the same target, and probing whether a compiler can
//! build for one.

use std::ffi::OsStr;
use std::path::Path;

use crate::compiler::{Compiler, Lang};
use crate::error::ToolchainError;
use crate::hint::install_hint;
use crate::run::{self, describe_status};

/// Whether two triples name the same target, e.g. `x86_64-linux-gnu` and `x86_64-pc-linux-gnu`.
///
/// The vendor field `pc`/`unknown` is dropped (Debian omits it, LLVM and Rust spell it out) and
/// `amd64`/`arm64` are read as `x86_64`/`aarch64`; everything else must match.
pub fn same_target(a: &str, b: &str) -> bool {
    normalize(a) == normalize(b)
}

fn normalize(triple: &str) -> Vec<String> {
    let mut parts: Vec<String> = triple
        .trim()
        .to_ascii_lowercase()
        .split('-')
        .map(str::to_string)
        .collect();
    if let Some(arch) = parts.first_mut() {
        match arch.as_str() {
            "amd64" => *arch = "x86_64".into(),
            "arm64" => *arch = "aarch64".into(),
            _ => {}
        }
    }
    if parts.len() >= 3 && matches!(parts[1].as_str(), "pc" | "unknown") {
        parts.remove(1);
    }
    parts
}

/// The triple as Debian spells cross tools: without a `pc`/`unknown` vendor.
fn debian_triple(triple: &str) -> String {
    normalize(triple).join("-")
}

/// Rejects what cannot be a triple before it reaches a command line.
pub(crate) fn validate(compiler: &Compiler, triple: &str) -> Result<(), ToolchainError> {
    let ok = !triple.is_empty()
        && !triple.starts_with('-')
        && triple
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ToolchainError::UnknownTarget {
            compiler: compiler.name.clone(),
            target: triple.to_string(),
            message:
                "a target triple is letters, digits, `_`, `.` and `-`, like `aarch64-linux-gnu`"
                    .into(),
        })
    }
}

/// Why gcc cannot build for `triple`, naming the cross compiler that can.
pub(crate) fn gcc_cross_message(compiler: &Compiler, triple: &str) -> String {
    let mut message = format!(
        "gcc cannot cross-compile via --target; `{}` builds only for {}",
        compiler.name, compiler.default_target
    );
    let triple = debian_triple(triple);
    // Debian packages cross gcc for Linux and MinGW targets; for others only clang helps.
    if triple.contains("linux") || triple.contains("mingw") {
        let tool = match compiler.driver_lang {
            Lang::C => "gcc",
            Lang::Cxx => "g++",
        };
        let cross = format!("{triple}-{tool}");
        message.push_str(&format!(
            ". Use `{cross}` (install it with `{}`), or clang, which builds for any target with --target",
            install_hint(&cross)
        ));
    } else {
        message.push_str(&format!(
            ". Use clang (install it with `{}`), which builds for it with --target",
            install_hint("clang-19")
        ));
    }
    message
}

/// The outcome of asking clang about a triple: `Ok(Err(message))` is a definite "no" worth
/// remembering; `Err` means the probe itself failed (it could not run, or crashed).
pub(crate) fn probe_clang(
    compiler: &Compiler,
    triple: &str,
) -> Result<Result<(), String>, ToolchainError> {
    // Compiling an empty file creates the target and its backend, so both an unknown triple and
    // a clang built without that backend fail here; -fsyntax-only would miss the latter, and it
    // costs about the same (~40 ms).
    let target_arg = format!("--target={triple}");
    let null = null_device();
    let args: [&OsStr; 8] = [
        OsStr::new(&target_arg),
        OsStr::new("-x"),
        OsStr::new("c"),
        OsStr::new("-c"),
        null.as_os_str(),
        OsStr::new("-o"),
        null.as_os_str(),
        OsStr::new("-w"),
    ];
    let out = run::run(&compiler.path, &args).map_err(|reason| ToolchainError::Identify {
        path: compiler.path.clone(),
        reason: format!("probing target `{triple}`: {reason}"),
    })?;
    if out.status.success() {
        return Ok(Ok(()));
    }
    if out.status.code().is_none() {
        return Err(ToolchainError::Identify {
            path: compiler.path.clone(),
            reason: format!(
                "probing target `{triple}`: {}; stderr:\n{}",
                describe_status(&out.status),
                out.stderr_tail()
            ),
        });
    }
    let stderr = out.stderr_tail();
    Ok(Err(if stderr.is_empty() {
        format!("clang rejected it ({})", describe_status(&out.status))
    } else {
        stderr
    }))
}

fn null_device() -> &'static Path {
    if cfg!(windows) {
        Path::new("NUL")
    } else {
        Path::new("/dev/null")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_target_normalises_vendor_and_arch() {
        assert!(same_target("x86_64-linux-gnu", "x86_64-pc-linux-gnu"));
        assert!(same_target("x86_64-unknown-linux-gnu", "x86_64-linux-gnu"));
        assert!(same_target(
            "aarch64-linux-gnu",
            "aarch64-unknown-linux-gnu"
        ));
        assert!(same_target("arm64-linux-gnu", "aarch64-linux-gnu"));
        assert!(same_target("AMD64-pc-linux-gnu", "x86_64-linux-gnu"));
        assert!(!same_target("x86_64-linux-gnu", "aarch64-linux-gnu"));
        assert!(!same_target("x86_64-linux-gnu", "x86_64-linux-musl"));
        assert!(!same_target("arm-none-eabi", "arm-linux-gnueabihf"));
        assert!(!same_target("i686-linux-gnu", "x86_64-linux-gnu"));
    }

    #[test]
    fn debian_spelling() {
        assert_eq!(
            debian_triple("aarch64-unknown-linux-gnu"),
            "aarch64-linux-gnu"
        );
        assert_eq!(debian_triple("x86_64-pc-linux-gnu"), "x86_64-linux-gnu");
        assert_eq!(debian_triple("arm-none-eabi"), "arm-none-eabi");
    }
}
