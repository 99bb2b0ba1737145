//! REPL sessions through the gRPC API: 20 snippets with an STL prelude, linked and run.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::snippets::{EXPECTED, PRELUDE, SNIPPETS, TYPE_ERROR};
use common::{elf_machine, have, link, skip_without, Env, EM_AARCH64, EM_X86_64};
use warmcc_proto::v1 as pb;

/// Runs the 20 snippets (plus a failing one in the middle) and returns the object paths.
async fn run_session(env: &Env, target: &str, dir: &std::path::Path) -> Vec<PathBuf> {
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
            backend: String::new(),
        })
        .await
        .expect("open session")
        .into_inner();
    let mut objects = Vec::new();
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
                bad.diagnostics.contains("broken:1:"),
                "diagnostics name the snippet: {}",
                bad.diagnostics
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
    let objects = run_session(&env, "", dir.path()).await;
    let exe = dir.path().join("repl");
    link(&["clang++-19"], &objects, &exe);
    let out = Command::new(&exe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), EXPECTED);

    // A second identical session reuses the prelude PCH and hits the cache for every snippet.
    let before = env.stats();
    let dir2 = tempfile::tempdir().unwrap();
    run_session(&env, "", dir2.path()).await;
    let after = env.stats();
    let hits = after["hits"].as_u64().unwrap() - before["hits"].as_u64().unwrap();
    assert_eq!(hits as usize, SNIPPETS.len(), "{after}");
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_snippets_for_aarch64() {
    if skip_without("clang++-19") {
        return;
    }
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let objects = run_session(&env, "aarch64-linux-gnu", dir.path()).await;
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
