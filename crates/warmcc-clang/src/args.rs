//! Turns session options into clang driver arguments, the same for the session and its PCH (a PCH
//! is only accepted by a compiler configured like the one that wrote it).

use std::path::Path;

use crate::proto::SessionOptions;
use crate::{Error, DEFAULT_RESOURCE_DIR};

/// What the arguments are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose<'a> {
    /// The incremental session, optionally loading a prelude PCH.
    Session {
        /// The PCH to load, if any.
        pch: Option<&'a Path>,
    },
    /// Writing the prelude PCH.
    Pch,
}

/// The driver arguments for `opts`.
pub fn driver_args(opts: &SessionOptions, purpose: Purpose<'_>) -> Result<Vec<String>, Error> {
    let mut a = Vec::new();
    let is_c = match opts.language.as_str() {
        "" | "c++" | "cxx" => false,
        "c" => true,
        other => {
            return Err(Error::InvalidArgument(format!(
                "unknown language '{other}'"
            )))
        }
    };
    match (purpose, is_c) {
        (Purpose::Pch, false) => a.push("-xc++-header".to_string()),
        (Purpose::Pch, true) => a.push("-xc-header".to_string()),
        (Purpose::Session { .. }, true) => a.push("-xc".to_string()),
        (Purpose::Session { .. }, false) => {}
    }
    if !opts.target.is_empty() {
        a.push(format!("--target={}", opts.target));
    }
    if !opts.standard.is_empty() {
        a.push(format!("-std={}", opts.standard));
    }
    let level = if opts.opt_level.is_empty() {
        "0"
    } else {
        opts.opt_level.as_str()
    };
    if !matches!(level, "0" | "1" | "2" | "3" | "s" | "z" | "g") {
        return Err(Error::InvalidArgument(format!(
            "unknown optimisation level '{level}'"
        )));
    }
    a.push(format!("-O{level}"));
    if opts.debug_info {
        a.push("-g".to_string());
    }
    if !opts.sysroot.is_empty() {
        a.push(format!("--sysroot={}", opts.sysroot));
    }
    for dir in &opts.include_dirs {
        a.push(format!("-I{dir}"));
    }
    for dir in &opts.system_include_dirs {
        a.push("-isystem".to_string());
        a.push(dir.clone());
    }
    for def in &opts.defines {
        a.push(format!("-D{def}"));
    }
    a.push("-resource-dir".to_string());
    a.push(if opts.resource_dir.is_empty() {
        DEFAULT_RESOURCE_DIR.to_string()
    } else {
        opts.resource_dir.clone()
    });
    a.push(if opts.color {
        "-fcolor-diagnostics".to_string()
    } else {
        "-fno-color-diagnostics".to_string()
    });
    a.extend(opts.flags.iter().cloned());
    if let Purpose::Session { pch: Some(pch) } = purpose {
        a.push("-include-pch".to_string());
        a.push(pch.display().to_string());
    }
    if let Some(bad) = a.iter().find(|s| s.contains('\0')) {
        return Err(Error::InvalidArgument(format!(
            "NUL byte in argument {bad:?}"
        )));
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> SessionOptions {
        SessionOptions {
            target: "aarch64-linux-gnu".into(),
            standard: "c++17".into(),
            opt_level: "2".into(),
            debug_info: true,
            include_dirs: vec!["inc".into()],
            defines: vec!["X=1".into()],
            ..Default::default()
        }
    }

    #[test]
    fn session_args_carry_target_level_and_pch() {
        let a = driver_args(
            &opts(),
            Purpose::Session {
                pch: Some(Path::new("/p.pch")),
            },
        )
        .expect("args");
        for want in [
            "--target=aarch64-linux-gnu",
            "-std=c++17",
            "-O2",
            "-g",
            "-Iinc",
            "-DX=1",
        ] {
            assert!(a.iter().any(|s| s == want), "{want} missing from {a:?}");
        }
        assert_eq!(&a[a.len() - 2..], ["-include-pch", "/p.pch"]);
        assert!(a
            .windows(2)
            .any(|w| w[0] == "-resource-dir" && w[1] == DEFAULT_RESOURCE_DIR));
    }

    #[test]
    fn pch_args_name_the_header_language_first() {
        let a = driver_args(&opts(), Purpose::Pch).expect("args");
        assert_eq!(a[0], "-xc++-header");
        let mut c = opts();
        c.language = "c".into();
        assert_eq!(
            driver_args(&c, Purpose::Pch).expect("args")[0],
            "-xc-header"
        );
    }

    #[test]
    fn bad_input_is_refused() {
        let mut o = opts();
        o.opt_level = "9".into();
        assert!(driver_args(&o, Purpose::Pch).is_err());
        let mut o = opts();
        o.defines = vec!["A\0B".into()];
        assert!(driver_args(&o, Purpose::Pch).is_err());
        let mut o = opts();
        o.language = "fortran".into();
        assert!(driver_args(&o, Purpose::Pch).is_err());
    }
}
