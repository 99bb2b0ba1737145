//! One in-process Clang session in a process of its own, so a compiler crash ends only this
//! session. Speaks length-delimited `warmcc.worker.v1` messages on stdin/stdout.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::os::fd::FromRawFd;

fn main() {
    // Anything the compiler libraries print must not corrupt the protocol: keep the real stdout
    // for frames and point file descriptor 1 at stderr.
    // SAFETY: plain descriptor duplication at start-up, before any other thread exists.
    let protocol_fd = unsafe { libc::dup(1) };
    if protocol_fd < 0 || unsafe { libc::dup2(2, 1) } < 0 {
        eprintln!("warmcc-clang-worker: cannot set up the protocol stream");
        std::process::exit(2);
    }
    // SAFETY: protocol_fd is a fresh descriptor owned by nothing else.
    let out = unsafe { File::from_raw_fd(protocol_fd) };
    let stdin = std::io::stdin();
    let result = warmcc_clang::worker::serve(BufReader::new(stdin.lock()), BufWriter::new(out));
    if let Err(e) = result {
        eprintln!("warmcc-clang-worker: {e}");
        std::process::exit(1);
    }
}
