//! Bad input gets a clear error, and the daemon keeps serving afterwards.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use bytes::{Buf, BufMut};
use common::{skip_without, Env};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use warmcc_proto::v1 as pb;

/// Sends raw bytes as a gRPC message body, to deliver a message that is not valid protobuf.
#[derive(Default)]
struct RawCodec;
struct RawEnc;
struct RawDec;

impl Encoder for RawEnc {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawDec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        let n = src.remaining();
        Ok(Some(src.copy_to_bytes(n).to_vec()))
    }
}

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawEnc;
    type Decoder = RawDec;
    fn encoder(&mut self) -> RawEnc {
        RawEnc
    }
    fn decoder(&mut self) -> RawDec {
        RawDec
    }
}

/// The daemon still compiles correctly.
fn still_serves(env: &Env) {
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("ok.o");
    env.ok(
        &["compile", "-", "-q", "-o", o.to_str().unwrap()],
        Some(b"int ok(void){return 0;}"),
    );
    assert!(o.is_file());
}

fn fails_with(env: &Env, args: &[&str], stdin: Option<&[u8]>, needle: &str) {
    let out = env.run(args, stdin);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_messages_are_rejected_and_the_daemon_keeps_serving() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let ch = env.channel().await;
    // Not protobuf at all.
    let mut grpc = tonic::client::Grpc::new(ch.clone());
    grpc.ready().await.unwrap();
    let path = tonic::codegen::http::uri::PathAndQuery::from_static("/warmcc.v1.Compiler/Compile");
    let err = grpc
        .unary(
            tonic::Request::new(vec![0xff, 0xff, 0xff, 0xff, 0x0f]),
            path,
            RawCodec,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.code(),
            tonic::Code::Internal | tonic::Code::InvalidArgument
        ),
        "{err:?}"
    );
    // Valid protobuf, but no source.
    let err = pb::compiler_client::CompilerClient::new(ch.clone())
        .compile(pb::CompileRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(err.message().contains("no source"));
    // Garbage on the socket itself, not even HTTP/2.
    let mut raw = std::os::unix::net::UnixStream::connect(env.paths().socket).unwrap();
    let _ = raw.write_all(b"GET / HTTP/1.0\r\n\r\n\x00\x01garbage");
    drop(raw);
    still_serves(&env);
}

#[test]
fn an_oversized_source_is_refused_with_the_limit() {
    if skip_without("clang-19") {
        return;
    }
    let mut env = Env::new();
    env.extra_env
        .push(("WARMCC_MAX_SOURCE_SIZE".into(), "1K".into()));
    let big = format!("int f(void){{return 0;}}\n/*{}*/\n", "x".repeat(4096));
    fails_with(
        &env,
        &["compile", "-", "-o", "/dev/null"],
        Some(big.as_bytes()),
        "over the daemon's limit of 1024 bytes",
    );
    still_serves(&env);
}

#[test]
fn unknown_target_missing_include_dir_and_missing_compiler_are_clear_errors() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let src: &[u8] = b"int f(void){return 0;}";
    fails_with(
        &env,
        &["compile", "-", "-o", "/dev/null", "--target", "foo-bar-baz"],
        Some(src),
        "unknown target triple 'foo-bar-baz'",
    );
    fails_with(
        &env,
        &["compile", "-", "-o", "/dev/null", "-I", "/no/such/dir"],
        Some(src),
        "include directory /no/such/dir does not exist",
    );
    fails_with(
        &env,
        &["compile", "-", "-o", "/dev/null", "--compiler", "clang-77"],
        Some(src),
        "apt-get install clang-77",
    );
    fails_with(
        &env,
        &["compile", "-", "-o", "/dev/null", "--", "-o", "/etc/passwd"],
        Some(src),
        "set by warmcc itself",
    );
    still_serves(&env);
    let stats = env.stats();
    assert_eq!(stats["errors"], 4, "{stats}");
}

#[test]
fn a_crashing_compiler_is_reported_and_the_daemon_survives() {
    if skip_without("clang-19") {
        return;
    }
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("clang-99");
    std::fs::write(
        &fake,
        "#!/bin/sh\ncase \"$1\" in\n  --version) echo 'clang version 99.0.0'; echo 'Target: x86_64-pc-linux-gnu'; exit 0;;\n  -dumpmachine) echo x86_64-pc-linux-gnu; exit 0;;\nesac\nkill -SEGV $$\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = env.run(
        &[
            "compile",
            "-",
            "-o",
            "/dev/null",
            "--compiler",
            fake.to_str().unwrap(),
        ],
        Some(b"int f(void){return 0;}"),
    );
    assert_eq!(out.status.code(), Some(128 + 11));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("killed by signal 11 (it crashed)"), "{err}");
    still_serves(&env);
}
