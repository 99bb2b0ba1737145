//! Raw declarations of the shim's C ABI (`shim/warmcc_shim.h`).
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_uint};

#[repr(C)]
pub struct warmcc_session {
    _private: [u8; 0],
}

#[repr(C)]
pub struct warmcc_result {
    _private: [u8; 0],
}

#[repr(C)]
pub struct warmcc_session_options {
    pub args: *const *const c_char,
    pub nargs: usize,
    pub triple: *const c_char,
    pub prelude: *const c_char,
    pub prelude_len: usize,
    pub dedup: c_int,
    pub symbol_suffix: *const c_char,
}

#[repr(C)]
pub struct warmcc_diag {
    pub severity: c_int,
    pub file: *const c_char,
    pub line: c_uint,
    pub column: c_uint,
    pub message: *const c_char,
}

extern "C" {
    pub fn warmcc_session_new(
        opts: *const warmcc_session_options,
        out: *mut *mut warmcc_session,
    ) -> *mut warmcc_result;
    pub fn warmcc_session_compile(
        s: *mut warmcc_session,
        name: *const c_char,
        src: *const c_char,
        len: usize,
    ) -> *mut warmcc_result;
    pub fn warmcc_session_undo(s: *mut warmcc_session, n: c_uint, why: *mut *mut c_char) -> c_int;
    pub fn warmcc_session_snippets(s: *const warmcc_session) -> c_uint;
    pub fn warmcc_session_free(s: *mut warmcc_session);
    pub fn warmcc_build_pch(
        opts: *const warmcc_session_options,
        out_path: *const c_char,
    ) -> *mut warmcc_result;
    pub fn warmcc_result_ok(r: *const warmcc_result) -> c_int;
    pub fn warmcc_result_object(r: *const warmcc_result, len: *mut usize) -> *const u8;
    pub fn warmcc_result_text(r: *const warmcc_result, len: *mut usize) -> *const c_char;
    pub fn warmcc_result_error(r: *const warmcc_result) -> *const c_char;
    pub fn warmcc_result_diag_count(r: *const warmcc_result) -> usize;
    pub fn warmcc_result_diag(r: *const warmcc_result, i: usize) -> warmcc_diag;
    pub fn warmcc_result_free(r: *mut warmcc_result);
    pub fn warmcc_string_free(s: *mut c_char);
}
