//! Daemon lifecycle: one daemon for many racing clients, version replacement, TCP tokens,
//! persistent stats, idle exit.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{elf_machine, skip_without, Env, EM_X86_64};
use warmcc_daemon::lock::FileLock;
use warmcc_proto::v1 as pb;

fn daemon_starts(env: &Env) -> usize {
    std::fs::read_to_string(env.paths().log_file())
        .unwrap_or_default()
        .matches("daemon listening")
        .count()
}

fn daemon_running(env: &Env) -> bool {
    matches!(
        FileLock::try_exclusive(&env.paths().daemon_lock()),
        Ok(None)
    )
}

#[test]
fn thirty_two_racing_clients_start_exactly_one_daemon() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..32)
        .map(|i| {
            let mut c = env.cmd();
            c.args(["compile", "-", "--lang", "c", "-q", "-o"])
                .arg(dir.path().join(format!("f{i}.o")))
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            let mut child = c.spawn().unwrap();
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("int f{i}(void) {{ return {i}; }}\n").as_bytes())
                .unwrap();
            child
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "client {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let obj = std::fs::read(dir.path().join(format!("f{i}.o"))).unwrap();
        assert_eq!(elf_machine(&obj), EM_X86_64);
        let nm = Command::new("nm")
            .arg(dir.path().join(format!("f{i}.o")))
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&nm.stdout).contains(&format!("T f{i}")),
            "client {i} got its own object"
        );
    }
    assert_eq!(
        daemon_starts(&env),
        1,
        "exactly one daemon served all clients"
    );
    assert_eq!(env.stats()["requests"], 32);
}

#[test]
fn a_rebuilt_client_replaces_the_old_daemon() {
    let env = Env::new();
    let bins = tempfile::tempdir().unwrap();
    let old = bins.path().join("old/warmcc");
    let new = bins.path().join("new/warmcc");
    for b in [&old, &new] {
        std::fs::create_dir_all(b.parent().unwrap()).unwrap();
        std::fs::copy(Env::bin(), b).unwrap();
    }
    // A different executable (here: the same bytes with another mtime) is another build.
    let f = std::fs::File::options().write(true).open(&old).unwrap();
    f.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    drop(f);
    let status_with = |bin: &std::path::Path| {
        let out = Command::new(bin)
            .env("WARMCC_HOME", env.home.path())
            .args(["status", "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (v, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (a, _) = status_with(&old);
    let (b, note) = status_with(&new);
    assert_ne!(a["pid"], b["pid"]);
    assert_ne!(a["version"], b["version"]);
    assert!(note.contains("replacing daemon"), "{note}");
    let (c, _) = status_with(&new);
    assert_eq!(b["pid"], c["pid"], "the same build keeps its daemon");
    let _ = Command::new(&new)
        .env("WARMCC_HOME", env.home.path())
        .arg("stop")
        .output();
}

#[test]
fn stats_survive_a_restart_and_can_be_zeroed() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("f.o");
    env.ok(
        &["compile", "-", "-q", "-o", o.to_str().unwrap()],
        Some(b"int g(void){return 1;}"),
    );
    env.ok(
        &["compile", "-", "-q", "-o", o.to_str().unwrap()],
        Some(b"int g(void){return 1;}"),
    );
    let before = env.stats();
    env.ok(&["stop"], None);
    assert!(!daemon_running(&env));
    let after = env.stats();
    assert_eq!(after["hits"], before["hits"]);
    assert_eq!(after["requests"], 2);
    assert_eq!(daemon_starts(&env), 2, "stats started a new daemon");
    let z: serde_json::Value =
        serde_json::from_slice(&env.ok(&["stats", "--json", "--zero"], None).stdout).unwrap();
    assert_eq!(
        z["requests"], 2,
        "--zero prints the counters, then resets them"
    );
    assert_eq!(env.stats()["requests"], 0);
}

#[test]
fn an_idle_daemon_exits_by_itself() {
    let mut env = Env::new();
    env.extra_env
        .push(("WARMCC_IDLE_TIMEOUT".into(), "1".into()));
    let s = env.status();
    assert_eq!(s["idle_timeout_s"], 1);
    let deadline = Instant::now() + Duration::from_secs(30);
    while daemon_running(&env) {
        assert!(
            Instant::now() < deadline,
            "daemon still running 30 s after a 1 s idle timeout"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !env.paths().socket.exists(),
        "the socket is removed on exit"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tcp_listener_requires_the_token() {
    let env = Env::new();
    let token_file = env.home.path().join("token");
    std::fs::write(&token_file, "correct-horse-battery-staple\n").unwrap();
    let port = free_port();
    let mut daemon = env
        .cmd()
        .args([
            "daemon",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--token-file",
        ])
        .arg(&token_file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let ch = loop {
        if let Ok(ep) = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        {
            if let Ok(ch) = ep.connect().await {
                break ch;
            }
        }
        assert!(Instant::now() < deadline, "daemon did not listen on TCP");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let call = |token: Option<&'static str>| {
        let ch = ch.clone();
        async move {
            let mut req = tonic::Request::new(pb::StatusRequest {});
            if let Some(t) = token {
                req.metadata_mut()
                    .insert("authorization", format!("Bearer {t}").parse().unwrap());
            }
            pb::daemon_client::DaemonClient::new(ch).status(req).await
        }
    };
    assert_eq!(
        call(None).await.unwrap_err().code(),
        tonic::Code::Unauthenticated
    );
    assert_eq!(
        call(Some("wrong-token-wrong-token"))
            .await
            .unwrap_err()
            .code(),
        tonic::Code::Unauthenticated
    );
    let mut req = tonic::Request::new(pb::CompileRequest::default());
    req.metadata_mut()
        .insert("authorization", "Bearer nope".parse().unwrap());
    let denied = pb::compiler_client::CompilerClient::new(ch.clone())
        .compile(req)
        .await;
    assert_eq!(denied.unwrap_err().code(), tonic::Code::Unauthenticated);
    let ok = call(Some("correct-horse-battery-staple"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ok.listen, format!("127.0.0.1:{port}"));
    env.ok(&["stop"], None);
    let _ = daemon.wait();
    let _ = daemon.kill();
}

#[test]
fn listen_without_a_token_is_refused() {
    let env = Env::new();
    let out = env.run(&["daemon", "--listen", "127.0.0.1:1"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token-file"));
}
