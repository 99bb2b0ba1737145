//! Runs a compiler once to learn what it is: `--version` and `-dumpmachine`, checked and parsed.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::compiler::{compute_identity, Compiler, IdentityInputs, Kind, Lang};
use crate::discover::wrapper_name;
use crate::error::ToolchainError;
use crate::hint::install_hint;
use crate::run::{self, describe_status};

/// What a `stat` tells about a compiler file; a cached identification is reused only while this
/// is unchanged. Inode and ctime are extra to size and mtime so that a file replaced by another
/// of the same size with a preserved mtime (`cp -p`, package tools) is still noticed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Fingerprint {
    pub resolved: PathBuf,
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
    pub inode: u64,
}

impl Fingerprint {
    /// Stats the real file behind `path` (an absolute path); no process is run.
    pub fn stat(path: &Path) -> Result<Fingerprint, ToolchainError> {
        let resolved = fs::canonicalize(path).map_err(|e| missing_or_io(path, e))?;
        let meta = fs::metadata(&resolved).map_err(|e| missing_or_io(path, e))?;
        if !meta.is_file() {
            return Err(ToolchainError::Identify {
                path: path.to_path_buf(),
                reason: format!("{} is not a regular file", resolved.display()),
            });
        }
        let mtime_ns = meta.modified().map(nanos_since_epoch).unwrap_or(0);
        #[cfg(unix)]
        let (ctime_ns, inode) = {
            use std::os::unix::fs::MetadataExt;
            (
                i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
                meta.ino(),
            )
        };
        #[cfg(not(unix))]
        let (ctime_ns, inode) = (0, 0);
        Ok(Fingerprint {
            resolved,
            size: meta.len(),
            mtime_ns,
            ctime_ns,
            inode,
        })
    }
}

fn nanos_since_epoch(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

/// A missing compiler gets the install hint; other I/O failures keep their cause.
fn missing_or_io(path: &Path, e: io::Error) -> ToolchainError {
    if e.kind() == io::ErrorKind::NotFound {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let hint = install_hint(&name);
        let mut reason = "it does not exist".to_string();
        if !hint.is_empty() {
            reason.push_str(&format!(" (install it with `{hint}`)"));
        }
        ToolchainError::Identify {
            path: path.to_path_buf(),
            reason,
        }
    } else {
        ToolchainError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// Runs the compiler at `path` (absolute, as it will be invoked) and builds its [`Compiler`].
///
/// `fingerprint` must come from a `stat` taken *before* this call: if the file changes while it
/// runs, the stale fingerprint makes the next look-up run it again instead of trusting output
/// from the old file under the new file's fingerprint.
pub(crate) fn identify_fresh(
    path: &Path,
    fingerprint: &Fingerprint,
) -> Result<Compiler, ToolchainError> {
    let fail = |reason: String| ToolchainError::Identify {
        path: path.to_path_buf(),
        reason,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| fail("the path has no file name".into()))?;
    if let Some(wrapper) = wrapper_name(path) {
        return Err(fail(format!(
            "it is the compiler wrapper `{wrapper}`, not a compiler; give the real compiler"
        )));
    }
    if let Some(mode) = unsupported_driver_mode(&name) {
        return Err(fail(format!(
            "`{name}` runs clang's {mode} driver, which warmcc does not drive; use clang or clang++"
        )));
    }

    // Both queries run at once: identification is on the path of a first compile.
    let version_run = run::start(path, &[OsStr::new("--version")]).map_err(&fail)?;
    let machine_run = run::start(path, &[OsStr::new("-dumpmachine")]).map_err(&fail)?;
    let version_out = version_run
        .finish()
        .map_err(|e| fail(format!("`--version`: {e}")))?;
    let machine_out = machine_run
        .finish()
        .map_err(|e| fail(format!("`-dumpmachine`: {e}")))?;
    for (query, out) in [("--version", &version_out), ("-dumpmachine", &machine_out)] {
        if !out.status.success() {
            return Err(fail(with_stderr(
                format!("`{query}` failed: {}", describe_status(&out.status)),
                &out.stderr_tail(),
            )));
        }
    }

    let version_output = version_out.stdout_text();
    let version = version_output
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    if version.is_empty() {
        return Err(fail(with_stderr(
            "`--version` printed nothing".into(),
            &version_out.stderr_tail(),
        )));
    }
    let kind = detect_kind(&version_output).ok_or_else(|| {
        fail(format!(
            "`--version` does not look like clang or gcc: `{}`",
            clip(&version)
        ))
    })?;
    let major = parse_major(kind, &version).ok_or_else(|| {
        fail(format!(
            "cannot find a version number in `{}`",
            clip(&version)
        ))
    })?;
    let default_target = machine_out.stdout_text().trim().to_string();
    if !is_plausible_triple(&default_target) {
        return Err(fail(format!(
            "`-dumpmachine` printed `{}`, not a target triple",
            clip(&default_target)
        )));
    }

    let driver_lang = Lang::of_driver_name(&name);
    let identity = compute_identity(&IdentityInputs {
        resolved: &fingerprint.resolved,
        version_output: &version_output,
        default_target: &default_target,
        size: fingerprint.size,
        mtime_ns: fingerprint.mtime_ns,
        driver_lang,
    });
    tracing::debug!(path = %path.display(), %version, %default_target, "identified compiler");
    Ok(Compiler {
        name,
        path: path.to_path_buf(),
        resolved: fingerprint.resolved.clone(),
        kind,
        driver_lang,
        version,
        major,
        default_target,
        size: fingerprint.size,
        mtime_ns: fingerprint.mtime_ns,
        identity,
    })
}

/// clang picks its driver from the program name; `clang-cl` (MSVC flags) and `clang-cpp`
/// (preprocessor only) take command lines warmcc does not understand.
fn unsupported_driver_mode(name: &str) -> Option<&'static str> {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '-');
    if stem == "cl" || stem.ends_with("-cl") {
        Some("MSVC-compatible (clang-cl)")
    } else if stem == "cpp" || stem.ends_with("-cpp") {
        Some("preprocessor-only (cpp)")
    } else {
        None
    }
}

/// clang says "… clang version X" (Debian, Apple, Homebrew, upstream); gcc prints the FSF
/// copyright (always in English, as we run it with `LC_ALL=C`).
fn detect_kind(version_output: &str) -> Option<Kind> {
    let first = version_output.lines().next().unwrap_or("");
    if first.contains("clang version") {
        Some(Kind::Clang)
    } else if version_output.contains("Free Software Foundation") || first.contains("(GCC)") {
        Some(Kind::Gcc)
    } else {
        None
    }
}

/// The major version from the first `--version` line.
///
/// clang: the number after "clang version". gcc: the first number after the parenthesised
/// package note (`gcc (Debian 12.2.0-14) 12.2.0`, `gcc (GCC) 13.2.1 20231011 (Red Hat …)`),
/// because a build date may follow it.
fn parse_major(kind: Kind, line: &str) -> Option<u32> {
    let rest = match kind {
        Kind::Clang => &line[line.find("clang version ")? + "clang version ".len()..],
        Kind::Gcc => line.find(") ").map_or(line, |at| &line[at + 2..]),
    };
    rest.split_whitespace().find_map(leading_number)
}

fn leading_number(token: &str) -> Option<u32> {
    let digits: &str = &token[..token
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(token.len())];
    digits.parse().ok()
}

/// `-dumpmachine` prints one word with at least one dash, e.g. `x86_64-linux-gnu`.
fn is_plausible_triple(text: &str) -> bool {
    !text.is_empty()
        && text.len() < 200
        && text.contains('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn with_stderr(reason: String, stderr_tail: &str) -> String {
    if stderr_tail.is_empty() {
        reason
    } else {
        format!("{reason}; stderr:\n{stderr_tail}")
    }
}

/// Keeps garbage output from flooding an error message.
fn clip(text: &str) -> String {
    const MAX: usize = 200;
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_majors() {
        let cases = [
            ("Debian clang version 19.1.7 (3~deb12u1)\nTarget: x", Kind::Clang, 19),
            ("Apple clang version 15.0.0 (clang-1500.1.0.2.5)", Kind::Clang, 15),
            ("clang version 18.1.8", Kind::Clang, 18),
            ("Ubuntu clang version 14.0.0-1ubuntu1.1", Kind::Clang, 14),
            ("gcc (Debian 12.2.0-14+deb12u1) 12.2.0\nCopyright (C) 2022 Free Software Foundation, Inc.", Kind::Gcc, 12),
            ("gcc (GCC) 13.2.1 20231011 (Red Hat 13.2.1-4)\nCopyright (C) 2023 Free Software Foundation, Inc.", Kind::Gcc, 13),
            ("x86_64-w64-mingw32-gcc (GCC) 10-win32 20220113\nFree Software Foundation", Kind::Gcc, 10),
            ("g++-13 (Homebrew GCC 13.2.0) 13.2.0\nFree Software Foundation", Kind::Gcc, 13),
        ];
        for (output, kind, major) in cases {
            assert_eq!(detect_kind(output), Some(kind), "{output}");
            let first = output.lines().next().unwrap();
            assert_eq!(parse_major(kind, first), Some(major), "{output}");
        }
        assert_eq!(detect_kind("tcc version 0.9.27"), None);
        assert_eq!(parse_major(Kind::Clang, "clang version x.y"), None);
    }

    #[test]
    fn driver_modes() {
        assert!(unsupported_driver_mode("clang-cl").is_some());
        assert!(unsupported_driver_mode("clang-cl-19").is_some());
        assert!(unsupported_driver_mode("clang-cpp-19").is_some());
        assert!(unsupported_driver_mode("clang++-19").is_none());
        assert!(unsupported_driver_mode("gcc").is_none());
    }

    #[test]
    fn triples() {
        assert!(is_plausible_triple("x86_64-pc-linux-gnu"));
        assert!(is_plausible_triple("arm64-apple-darwin23.1.0"));
        assert!(!is_plausible_triple(""));
        assert!(!is_plausible_triple("hello world"));
        assert!(!is_plausible_triple("garbage"));
    }
}
