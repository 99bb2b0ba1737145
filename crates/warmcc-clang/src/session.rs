//! The safe API over one in-process Clang session.
//!
//! A session is not thread-safe (Clang's is not): [`Session`] is `Send` but not `Sync`, so one
//! thread at a time drives it. Run it inside a worker process (see [`crate::worker`]) so that a
//! compiler crash takes down only that session.

use std::path::{Path, PathBuf};

#[cfg(not(warmcc_no_libclang))]
use crate::args::{driver_args, Purpose};
use crate::proto::SessionOptions;
use crate::{Diagnostic, Error};

/// Where the session's prelude comes from.
#[derive(Debug, Clone)]
pub enum Prelude {
    /// No prelude.
    None,
    /// Source parsed when the session starts (slow for big headers: about 0.5 s for the STL).
    Source(String),
    /// A PCH written by [`build_pch`] with the same options (a session starts in milliseconds).
    Pch(PathBuf),
}

/// What one compile step produced.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// True when there is an object; false when the diagnostics contain errors.
    pub ok: bool,
    /// The relocatable object (empty on failure).
    pub object: Vec<u8>,
    /// Clang's diagnostics as text.
    pub text: String,
    /// The same diagnostics, structured.
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether this build of the crate contains the in-process backend.
pub fn available() -> bool {
    !cfg!(warmcc_no_libclang)
}

#[cfg(not(warmcc_no_libclang))]
mod imp {
    use super::*;
    use crate::ffi;
    use crate::Severity;
    use std::ffi::{CStr, CString};
    use std::os::raw::c_char;
    use std::ptr::NonNull;

    /// Owned C strings and the option struct pointing into them.
    pub(super) struct RawOptions {
        _args: Vec<CString>,
        ptrs: Vec<*const c_char>,
        triple: CString,
        prelude: Vec<u8>,
        suffix: CString,
        dedup: bool,
    }

    impl RawOptions {
        pub(super) fn new(
            opts: &SessionOptions,
            args: Vec<String>,
            prelude: &str,
        ) -> Result<Self, Error> {
            let cstr = |s: &str| {
                CString::new(s).map_err(|_| Error::InvalidArgument(format!("NUL byte in {s:?}")))
            };
            let args = args
                .iter()
                .map(|a| cstr(a))
                .collect::<Result<Vec<_>, _>>()?;
            let ptrs = args.iter().map(|a| a.as_ptr()).collect();
            let suffix = if opts.symbol_suffix.is_empty() {
                ".warmcc"
            } else {
                opts.symbol_suffix.as_str()
            };
            Ok(RawOptions {
                ptrs,
                _args: args,
                triple: cstr(&opts.target)?,
                prelude: prelude.as_bytes().to_vec(),
                suffix: cstr(suffix)?,
                dedup: opts.dedup,
            })
        }

        pub(super) fn raw(&self) -> ffi::warmcc_session_options {
            ffi::warmcc_session_options {
                args: self.ptrs.as_ptr(),
                nargs: self.ptrs.len(),
                triple: self.triple.as_ptr(),
                prelude: self.prelude.as_ptr().cast(),
                prelude_len: self.prelude.len(),
                dedup: i32::from(self.dedup),
                symbol_suffix: self.suffix.as_ptr(),
            }
        }
    }

    /// Takes ownership of a result from the shim and copies it out.
    pub(super) fn take_result(r: *mut ffi::warmcc_result) -> (Output, String) {
        // SAFETY: every shim entry point returns a valid, owned result; it is freed below and
        // not used after.
        unsafe {
            let mut len = 0usize;
            let obj = ffi::warmcc_result_object(r, &mut len);
            let object = if len == 0 {
                Vec::new()
            } else {
                std::slice::from_raw_parts(obj, len).to_vec()
            };
            let text_ptr = ffi::warmcc_result_text(r, &mut len);
            let text = if len == 0 {
                String::new()
            } else {
                String::from_utf8_lossy(std::slice::from_raw_parts(text_ptr.cast::<u8>(), len))
                    .into_owned()
            };
            let n = ffi::warmcc_result_diag_count(r);
            let mut diagnostics = Vec::with_capacity(n);
            for i in 0..n {
                let d = ffi::warmcc_result_diag(r, i);
                diagnostics.push(Diagnostic {
                    severity: Severity::from_clang(d.severity),
                    file: CStr::from_ptr(d.file).to_string_lossy().into_owned(),
                    line: d.line,
                    column: d.column,
                    message: CStr::from_ptr(d.message).to_string_lossy().into_owned(),
                });
            }
            let error = CStr::from_ptr(ffi::warmcc_result_error(r))
                .to_string_lossy()
                .into_owned();
            let ok = ffi::warmcc_result_ok(r) != 0;
            ffi::warmcc_result_free(r);
            (
                Output {
                    ok,
                    object,
                    text,
                    diagnostics,
                },
                error,
            )
        }
    }

    /// Owner of the shim's session pointer.
    pub(super) struct Raw(pub(super) NonNull<ffi::warmcc_session>);

    impl Drop for Raw {
        fn drop(&mut self) {
            // SAFETY: the pointer came from warmcc_session_new and is freed exactly once.
            unsafe { ffi::warmcc_session_free(self.0.as_ptr()) }
        }
    }
}

/// One incremental compilation session.
pub struct Session {
    #[cfg(not(warmcc_no_libclang))]
    raw: imp::Raw,
    #[cfg(warmcc_no_libclang)]
    _never: std::convert::Infallible,
}

// SAFETY: the shim's session has no thread affinity; it only must not be used from two threads at
// once, which `!Sync` (from the raw pointer) and `&mut self` methods guarantee.
#[cfg(not(warmcc_no_libclang))]
unsafe impl Send for Session {}

/// Builds the prelude PCH for sessions with `opts` and writes it to `out` (atomically).
pub fn build_pch(opts: &SessionOptions, prelude: &str, out: &Path) -> Result<Output, Error> {
    #[cfg(warmcc_no_libclang)]
    {
        let _ = (opts, prelude, out);
        Err(Error::Unavailable)
    }
    #[cfg(not(warmcc_no_libclang))]
    {
        let raw = imp::RawOptions::new(opts, driver_args(opts, Purpose::Pch)?, prelude)?;
        let path = std::ffi::CString::new(out.as_os_str().as_encoded_bytes())
            .map_err(|_| Error::InvalidArgument("NUL byte in the PCH path".into()))?;
        let o = raw.raw();
        // SAFETY: `o` points into `raw`, which outlives the call.
        let r = unsafe { crate::ffi::warmcc_build_pch(&o, path.as_ptr()) };
        let (output, error) = imp::take_result(r);
        if output.ok {
            Ok(output)
        } else {
            Err(Error::Start {
                message: error,
                diagnostics: output.text,
            })
        }
    }
}

impl Session {
    /// Starts a session; the output's object is the prelude object, to be linked with the
    /// snippets' objects.
    pub fn new(opts: &SessionOptions, prelude: &Prelude) -> Result<(Session, Output), Error> {
        #[cfg(warmcc_no_libclang)]
        {
            let _ = (opts, prelude);
            Err(Error::Unavailable)
        }
        #[cfg(not(warmcc_no_libclang))]
        {
            let (pch, text) = match prelude {
                Prelude::None => (None, ""),
                Prelude::Source(s) => (None, s.as_str()),
                Prelude::Pch(p) => (Some(p.as_path()), ""),
            };
            let args = driver_args(opts, Purpose::Session { pch })?;
            let raw = imp::RawOptions::new(opts, args, text)?;
            let o = raw.raw();
            let mut out = std::ptr::null_mut();
            // SAFETY: `o` points into `raw`, which outlives the call; `out` is written by the shim.
            let r = unsafe { crate::ffi::warmcc_session_new(&o, &mut out) };
            let (output, error) = imp::take_result(r);
            match std::ptr::NonNull::new(out) {
                Some(ptr) if output.ok => Ok((Session { raw: imp::Raw(ptr) }, output)),
                other => {
                    drop(other.map(imp::Raw));
                    Err(Error::Start {
                        message: error,
                        diagnostics: output.text,
                    })
                }
            }
        }
    }

    /// Compiles one snippet into an object of its own; errors come back as diagnostics.
    pub fn compile(&mut self, name: &str, source: &[u8]) -> Result<Output, Error> {
        #[cfg(warmcc_no_libclang)]
        {
            let _ = (name, source);
            match self._never {}
        }
        #[cfg(not(warmcc_no_libclang))]
        {
            let name = std::ffi::CString::new(name)
                .map_err(|_| Error::InvalidArgument("NUL byte in the snippet name".into()))?;
            // SAFETY: the session pointer is live; name and source outlive the call.
            let r = unsafe {
                crate::ffi::warmcc_session_compile(
                    self.raw.0.as_ptr(),
                    name.as_ptr(),
                    source.as_ptr().cast(),
                    source.len(),
                )
            };
            Ok(imp::take_result(r).0)
        }
    }

    /// Undoes the last `n` successful snippets, or refuses (and undoes nothing) where that
    /// would not be sound.
    pub fn undo(&mut self, n: u32) -> Result<(), Error> {
        #[cfg(warmcc_no_libclang)]
        {
            let _ = n;
            match self._never {}
        }
        #[cfg(not(warmcc_no_libclang))]
        {
            let mut why = std::ptr::null_mut();
            // SAFETY: the session pointer is live; `why` is a string we free below.
            let refused =
                unsafe { crate::ffi::warmcc_session_undo(self.raw.0.as_ptr(), n, &mut why) };
            if refused == 0 {
                return Ok(());
            }
            // SAFETY: on refusal the shim hands over a malloc'd NUL-terminated string.
            let reason = unsafe {
                let s = std::ffi::CStr::from_ptr(why).to_string_lossy().into_owned();
                crate::ffi::warmcc_string_free(why);
                s
            };
            Err(Error::UndoRefused(reason))
        }
    }

    /// Successful snippets currently in effect.
    pub fn snippets(&self) -> u32 {
        #[cfg(warmcc_no_libclang)]
        {
            match self._never {}
        }
        #[cfg(not(warmcc_no_libclang))]
        // SAFETY: the session pointer is live.
        unsafe {
            crate::ffi::warmcc_session_snippets(self.raw.0.as_ptr())
        }
    }
}
