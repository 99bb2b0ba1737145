//! REPL sessions through the gRPC API: 20 snippets with an STL prelude, linked and run.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::snippets::{EXPECTED, PRELUDE, SNIPPETS, TYPE_ERROR};
use common::{elf_machine, have, link, skip_without, Env, EM_AARCH64, EM_X86_64};
use warmcc_proto::v1 as pb;

/// Whether the in-process worker is built beside the warmcc binary under test.
fn have_worker() -> bool {
    let found = Env::bin().with_file_name("warmcc-clang-worker").is_file();
    if !found {
        eprintln!("SKIPPED: warmcc-clang-worker is not built (cargo build -p warmcc-clang --features inproc)");
    }
    found
}

/// Runs the 20 snippets (plus a failing one in the middle) and returns the object paths
/// (including the in-process backend's prelude object).
async fn run_session(
    env: &Env,
    target: &str,
    dir: &std::path::Path,
    backend: &str,
) -> Vec<PathBuf> {
    let ch = env.channel().await;
    let mut sessions = pb::sessions_client::SessionsClient::new(ch);
    let open = sessions
        .open(pb::OpenSessionRequest {
            options: Some(pb::CompileOptions {
                language: pb::Language::Cxx as i32,
                standard: "c++17".into(),
                target: target.into(),
                ..Default::default()
            }),
            prelude: Some(pb::Prelude {
                headers: PRELUDE.iter().map(|s| s.to_string()).collect(),
                text: String::new(),
            }),
            backend: backend.into(),
            dedup: false,
            color: false,
        })
        .await
        .expect("open session")
        .into_inner();
    assert_eq!(open.backend, backend);
    let mut objects = Vec::new();
    if !open.prelude_object.is_empty() {
        let path = dir.join("prelude.o");
        std::fs::write(&path, &open.prelude_object).unwrap();
        objects.push(path);
    }
    for (i, (exports, source)) in SNIPPETS.iter().enumerate() {
        if i == 10 {
            let bad = sessions
                .compile_snippet(pb::SnippetRequest {
                    session_id: open.session_id.clone(),
                    source: TYPE_ERROR.1.into(),
                    exports: TYPE_ERROR.0.into(),
                    name: "broken".into(),
                })
                .await
                .unwrap()
                .into_inner();
            assert_ne!(bad.exit_code, 0);
            assert!(bad.object.is_empty());
            assert!(
                bad.diagnostics.contains("broken:"),
                "diagnostics name the snippet: {}",
                bad.diagnostics
            );
            let first = &bad.structured[0];
            assert_eq!(
                (first.file.as_str(), first.severity.as_str()),
                ("broken", "error"),
                "{:?}",
                bad.structured
            );
            assert!(bad.diagnostics.contains("error"), "{}", bad.diagnostics);
        }
        let r = sessions
            .compile_snippet(pb::SnippetRequest {
                session_id: open.session_id.clone(),
                source: source.as_bytes().to_vec(),
                exports: exports.as_bytes().to_vec(),
                name: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            r.exit_code,
            0,
            "snippet {} failed:\n{}",
            i + 1,
            r.diagnostics
        );
        assert_eq!(r.index as usize, i + 1, "failed snippets do not count");
        let want = if target.is_empty() {
            EM_X86_64
        } else {
            EM_AARCH64
        };
        assert_eq!(elf_machine(&r.object), want);
        let path = dir.join(format!("snippet-{}.o", i + 1));
        std::fs::write(&path, &r.object).unwrap();
        objects.push(path);
    }
    let list = sessions
        .list(pb::ListSessionsRequest {})
        .await
        .unwrap()
        .into_inner();
    let info = list
        .sessions
        .iter()
        .find(|s| s.session_id == open.session_id)
        .expect("listed");
    assert_eq!(info.snippets as usize, SNIPPETS.len());
    sessions
        .close(pb::CloseSessionRequest {
            session_id: open.session_id.clone(),
        })
        .await
        .unwrap();
    assert!(sessions
        .compile_snippet(pb::SnippetRequest {
            session_id: open.session_id,
            ..Default::default()
        })
        .await
        .is_err());
    objects
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_snippets_link_and_run_on_the_host() {
    if skip_without("clang++-19") {
        return;
    }
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let objects = run_session(&env, "", dir.path(), "process").await;
    let exe = dir.path().join("repl");
    link(&["clang++-19"], &objects, &exe);
    let out = Command::new(&exe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), EXPECTED);

    // A second identical session reuses the prelude PCH and hits the cache for every snippet.
    let before = env.stats();
    let dir2 = tempfile::tempdir().unwrap();
    run_session(&env, "", dir2.path(), "process").await;
    let after = env.stats();
    let hits = after["hits"].as_u64().unwrap() - before["hits"].as_u64().unwrap();
    assert_eq!(hits as usize, SNIPPETS.len(), "{after}");
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_snippets_for_aarch64() {
    if skip_without("clang++-19") {
        return;
    }
    aarch64(&Env::new(), "process").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_snippets_in_process_on_the_host() {
    if skip_without("clang++-19") || !have_worker() {
        return;
    }
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let objects = run_session(&env, "", dir.path(), "inproc").await;
    let exe = dir.path().join("repl");
    link(&["clang++-19"], &objects, &exe);
    let out = Command::new(&exe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), EXPECTED);
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_snippets_in_process_for_aarch64() {
    if skip_without("clang++-19") || !have_worker() {
        return;
    }
    aarch64(&Env::new(), "inproc").await;
}

async fn aarch64(env: &Env, backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let objects = run_session(env, "aarch64-linux-gnu", dir.path(), backend).await;
    if !(have("qemu-aarch64") && have("aarch64-linux-gnu-g++")) {
        eprintln!(
            "SKIPPED running under qemu: qemu-user or g++-aarch64-linux-gnu is not installed"
        );
        return;
    }
    let exe = dir.path().join("repl-arm64");
    link(&["aarch64-linux-gnu-g++"], &objects, &exe);
    let out = Command::new("qemu-aarch64")
        .args(["-L", "/usr/aarch64-linux-gnu"])
        .arg(&exe)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        EXPECTED,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_compiler_crash_kills_only_its_worker() {
    if skip_without("clang++-19") || !have_worker() {
        return;
    }
    let mut env = Env::new();
    env.extra_env.push(("WARMCC_TEST_CRASH".into(), "1".into()));
    let mut sessions = pb::sessions_client::SessionsClient::new(env.channel().await);
    let open = || {
        let mut s = sessions.clone();
        async move {
            s.open(pb::OpenSessionRequest {
                options: Some(pb::CompileOptions {
                    standard: "c++17".into(),
                    ..Default::default()
                }),
                backend: "inproc".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .session_id
        }
    };
    let (a, b) = (open().await, open().await);
    let snippet = |id: &str, name: &str, source: &str| pb::SnippetRequest {
        session_id: id.into(),
        source: source.as_bytes().to_vec(),
        name: name.into(),
        ..Default::default()
    };
    let one = sessions
        .compile_snippet(snippet(&a, "one", "int one() { return 1; }"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.exit_code, 0);
    let err = sessions
        .compile_snippet(snippet(
            &a,
            "boom",
            "#pragma warmcc_test_crash\nint boom();",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Aborted, "{err:?}");
    assert!(
        err.message().contains("`boom`"),
        "the error names the snippet: {}",
        err.message()
    );
    // The other session never noticed.
    let other = sessions
        .compile_snippet(snippet(&b, "other", "int other() { return 7; }"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(other.exit_code, 0, "{}", other.diagnostics);
    // The crashed session was replayed: its earlier declarations are still there.
    let two = sessions
        .compile_snippet(snippet(&a, "two", "int two() { return one() + 1; }"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(two.exit_code, 0, "{}", two.diagnostics);
    assert_eq!(two.index, 2);
    env.status();
}

#[tokio::test(flavor = "multi_thread")]
async fn undo_forgets_the_latest_snippets() {
    if skip_without("clang++-19") {
        return;
    }
    let env = Env::new();
    let mut sessions = pb::sessions_client::SessionsClient::new(env.channel().await);
    let backends: &[&str] = if have_worker() {
        &["process", "inproc"]
    } else {
        &["process"]
    };
    for backend in backends {
        let id = sessions
            .open(pb::OpenSessionRequest {
                backend: backend.to_string(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .session_id;
        let snippet = |name: &str, exports: &str, source: &str| pb::SnippetRequest {
            session_id: id.clone(),
            source: source.as_bytes().to_vec(),
            exports: exports.as_bytes().to_vec(),
            name: name.into(),
        };
        let r = sessions
            .compile_snippet(snippet("a", "int a();", "int a() { return 1; }"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.exit_code, 0, "{backend}: {}", r.diagnostics);
        let r = sessions
            .compile_snippet(snippet("b", "int b();", "int b() { return a(); }"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.exit_code, 0, "{backend}: {}", r.diagnostics);
        let left = sessions
            .undo(pb::UndoRequest {
                session_id: id.clone(),
                count: 1,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(left.snippets, 1, "{backend}");
        let r = sessions
            .compile_snippet(snippet("c", "", "int c() { return b(); }"))
            .await
            .unwrap()
            .into_inner();
        assert_ne!(r.exit_code, 0, "{backend}: b() was undone");
        let refused = sessions
            .undo(pb::UndoRequest {
                session_id: id.clone(),
                count: 5,
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), tonic::Code::FailedPrecondition, "{backend}");
    }
}
