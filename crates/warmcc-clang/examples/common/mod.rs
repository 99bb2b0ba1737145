//! What the worker examples share: the test suite's STL prelude and snippets, and a worker
//! session over that prelude at C++17 -O0.
#![allow(dead_code)]

#[path = "../../tests/common/snippets.rs"]
pub mod snippets;

use std::path::Path;

use warmcc_clang::client::WorkerConfig;
use warmcc_clang::proto::{InitRequest, SessionOptions};

/// A worker for `exe` over the STL prelude, its PCH at `pch`.
pub fn stl_worker(exe: &Path, pch: &Path, dedup: bool) -> WorkerConfig {
    WorkerConfig {
        exe: exe.to_path_buf(),
        env: Vec::new(),
        init: InitRequest {
            options: Some(SessionOptions {
                standard: "c++17".into(),
                opt_level: "0".into(),
                dedup,
                ..Default::default()
            }),
            prelude_text: snippets::STL_PRELUDE.into(),
            pch_path: pch.display().to_string(),
        },
    }
}
