//! The worker process: the protocol end to end, crash isolation, and restart by replay.
#![cfg(feature = "inproc")]

mod common;

use std::path::PathBuf;

use common::*;
use warmcc_clang::client::{WorkerClient, WorkerConfig};
use warmcc_clang::proto::InitRequest;
use warmcc_clang::Error;

fn config(crash_trigger: bool) -> WorkerConfig {
    let opts = options("");
    WorkerConfig {
        exe: PathBuf::from(env!("CARGO_BIN_EXE_warmcc-clang-worker")),
        env: if crash_trigger {
            vec![("WARMCC_TEST_CRASH".into(), "1".into())]
        } else {
            Vec::new()
        },
        init: InitRequest {
            options: Some(opts),
            prelude_text: STL_PRELUDE.into(),
            pch_path: scratch().join("worker-stl.pch").display().to_string(),
        },
    }
}

fn compiled(client: &mut WorkerClient, name: &str, src: &str) -> Vec<u8> {
    let r = client.compile(name, src.as_bytes()).expect("compile");
    assert!(r.ok, "{name}: {}", r.diagnostics_text);
    r.object
}

#[test]
fn a_crash_kills_only_its_worker_and_replay_restores_the_session() {
    if !have_libclang("a_crash_kills_only_its_worker_and_replay_restores_the_session") {
        return;
    }
    let mut crashy = WorkerClient::start(config(true)).expect("worker starts");
    let mut other = WorkerClient::start(config(false)).expect("second worker starts");
    let mut objects = vec![crashy.init_response().prelude_object.clone()];
    objects.push(compiled(&mut crashy, "a", "int a() { return 1; }"));
    objects.push(compiled(&mut crashy, "b", "int b() { return 2; }"));
    let first_pid = crashy.pid();

    match crashy.compile("boom", b"#pragma warmcc_test_crash\nint c();") {
        Err(Error::WorkerDied { snippet, status }) => {
            assert_eq!(snippet, "boom");
            assert!(status.contains("signal"), "{status}");
        }
        other => panic!("expected the worker to die, got {other:?}"),
    }
    assert!(!crashy.is_alive());
    // Another session's worker is untouched.
    compiled(&mut other, "x", "int x() { return 3; }");

    let replayed = crashy.restart().expect("restart");
    assert_ne!(crashy.pid(), first_pid);
    assert_eq!(replayed.len(), 2);
    assert_eq!(
        replayed[0].object, objects[1],
        "replay reproduces the same object"
    );
    objects.push(compiled(
        &mut crashy,
        "run",
        "void run_all() { std::cout << a() + b() << '\\n'; }",
    ));
    let dir = fresh_dir("worker");
    let paths = write_objects(&dir, &objects);
    let exe = dir.join("prog");
    link(&paths, common::snippets::MAIN, "", &exe);
    assert_eq!(run(&exe, ""), "3\n");

    let stats = crashy.stats().expect("stats");
    assert!(stats.rss_bytes > 0);
    assert_eq!(stats.snippets, 3);
    crashy.shutdown().expect("shutdown");
    other.shutdown().expect("shutdown");
}

#[test]
fn diagnostics_and_undo_travel_through_the_protocol() {
    if !have_libclang("diagnostics_and_undo_travel_through_the_protocol") {
        return;
    }
    let mut w = WorkerClient::start(config(false)).expect("worker starts");
    let r = w
        .compile("bad", b"int f() { return nope; }")
        .expect("compile");
    assert!(!r.ok);
    assert_eq!(r.diagnostics[0].file, "bad");
    assert_eq!(r.diagnostics[0].line, 1);
    assert!(r.diagnostics_text.contains("nope"));

    compiled(&mut w, "g", "int g() { return 1; }");
    let u = w.undo(1).expect("undo");
    assert!(u.ok, "{}", u.error);
    assert_eq!(u.snippets, 0);
    assert_eq!(w.snippets(), 0);
    let refused = w.undo(1).expect("undo answer");
    assert!(
        !refused.ok && refused.error.contains("only 0"),
        "{}",
        refused.error
    );
    w.shutdown().expect("shutdown");
}
