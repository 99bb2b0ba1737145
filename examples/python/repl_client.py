#!/usr/bin/env python3
"""A REPL-style client of the warmcc daemon, in Python with grpcio.

It does what a REPL of a language that compiles to C++ does: open a session whose prelude
(<vector>, <string>, <iostream>) is compiled once, send snippets one at a time and get one object
file back per snippet, then link the objects with a main and run the program.

The session contract: each snippet has `source` (definitions, compiled into this snippet's object)
and `exports` (declarations: prototypes, types, templates, inline functions, extern variables).
A later snippet sees the exports of every earlier successful snippet, so snippet 2 can call a
function defined in snippet 1 once snippet 1 exported its prototype. A snippet that fails
returns diagnostics and the session goes on.

Run it with `examples/python/run` (which makes a venv with grpcio under target/py-venv).
The stubs are generated at run time from proto/warmcc/v1/warmcc.proto.

The daemon's socket comes from --socket, else $WARMCC_SOCKET, else `warmcc status --json`
(which starts a daemon when none answers; $WARMCC names the binary, else `warmcc` on PATH, else
target/{release,debug}/warmcc in this repository). --address HOST:PORT with --token-file uses a
daemon's TCP listener instead.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTO_DIR = ROOT / "proto"
PROTO_FILE = "warmcc/v1/warmcc.proto"


def load_stubs(out_dir: str):
    """Generates the Python stubs for warmcc.proto into out_dir and imports them."""
    from grpc_tools import protoc

    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    os.makedirs(out_dir, exist_ok=True)
    rc = protoc.main(
        [
            "protoc",
            f"-I{PROTO_DIR}",
            f"-I{well_known}",
            f"--python_out={out_dir}",
            f"--grpc_python_out={out_dir}",
            PROTO_FILE,
        ]
    )
    if rc != 0:
        raise SystemExit(f"protoc failed on {PROTO_DIR / PROTO_FILE} (exit {rc})")
    sys.path.insert(0, out_dir)
    from warmcc.v1 import warmcc_pb2, warmcc_pb2_grpc  # noqa: E402 (generated above)

    return warmcc_pb2, warmcc_pb2_grpc


def find_warmcc() -> str:
    """The warmcc binary: $WARMCC, `warmcc` on PATH, or the newest build in this repository."""
    if os.environ.get("WARMCC"):
        return os.environ["WARMCC"]
    on_path = shutil.which("warmcc")
    if on_path:
        return on_path
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not target.is_absolute():
        target = ROOT / target
    builds = [p for p in (target / "release/warmcc", target / "debug/warmcc") if p.exists()]
    if not builds:
        raise SystemExit("warmcc not found: build it with `cargo build -p warmcc` or set $WARMCC")
    return str(max(builds, key=lambda p: p.stat().st_mtime))


def daemon_status(warmcc: str) -> dict:
    """`warmcc status --json`; starts the daemon when none answers."""
    out = subprocess.run(
        [warmcc, "status", "--json"], check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    return json.loads(out)


def find_socket(warmcc: str | None = None) -> str:
    if os.environ.get("WARMCC_SOCKET"):
        return os.environ["WARMCC_SOCKET"]
    return daemon_status(warmcc or find_warmcc())["socket"]


def connect(socket: str | None = None, address: str | None = None, token_file: str | None = None):
    """A gRPC channel to the daemon (Unix socket, or TCP with a bearer token) and call metadata."""
    import grpc

    if address:
        metadata = ()
        if token_file:
            token = Path(token_file).read_text().strip()
            metadata = (("authorization", f"Bearer {token}"),)
        return grpc.insecure_channel(address), metadata
    # grpcio sends the socket path as the HTTP/2 :authority, which the daemon's HTTP/2 stack
    # (h2) rejects as malformed (RST_STREAM, PROTOCOL_ERROR): name `localhost` instead, as
    # grpc-go and tonic clients do on Unix sockets.
    return unix_channel(socket or find_socket()), ()


def unix_channel(path: str):
    """A channel to the daemon's Unix socket."""
    import grpc

    return grpc.insecure_channel("unix://" + path,
                                 options=[("grpc.default_authority", "localhost")])


class Session:
    """A REPL session: a prelude compiled once, then one object per snippet."""

    def __init__(self, pb, stubs, channel, metadata, headers, standard="c++17", backend="process",
                 target="", compiler=""):
        self.pb = pb
        self.metadata = metadata
        self.sessions = stubs.SessionsStub(channel)
        start = time.perf_counter()
        reply = self.sessions.Open(
            pb.OpenSessionRequest(
                options=pb.CompileOptions(
                    language=pb.LANGUAGE_CXX, standard=standard, target=target, compiler=compiler
                ),
                prelude=pb.Prelude(headers=headers),
                backend=backend,
            ),
            metadata=metadata,
        )
        self.open_ms = (time.perf_counter() - start) * 1000
        self.id = reply.session_id
        self.opened = reply

    def snippet(self, source: str, exports: str = "", name: str = ""):
        """Compiles one snippet; returns (SnippetResponse, wall-clock milliseconds)."""
        start = time.perf_counter()
        reply = self.sessions.CompileSnippet(
            self.pb.SnippetRequest(
                session_id=self.id,
                source=source.encode(),
                exports=exports.encode(),
                name=name,
            ),
            metadata=self.metadata,
        )
        return reply, (time.perf_counter() - start) * 1000

    def close(self):
        self.sessions.Close(self.pb.CloseSessionRequest(session_id=self.id), metadata=self.metadata)


MAIN_CC = """\
#include <iostream>
#include <string>
std::string describe(int x);  // defined by snippet "describe"
int main() { std::cout << describe(21) << std::endl; }
"""
EXPECTED = "21 doubled is 42"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", help="the daemon's Unix socket")
    parser.add_argument("--address", help="HOST:PORT of a daemon started with --listen")
    parser.add_argument("--token-file", help="the bearer token for --address")
    parser.add_argument("--linker", default="clang++-19", help="links the objects (clang++-19)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--backend", default="process", choices=["process", "inproc", "auto"],
                        help="session backend (inproc needs warmcc-clang-worker beside warmcc)")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="warmcc-py-")
    try:
        pb, stubs = load_stubs(os.path.join(work, "stubs"))
        channel, metadata = connect(args.socket, args.address, args.token_file)
        hello = stubs.DaemonStub(channel).Hello(
            pb.HelloRequest(client_version="repl_client.py"), metadata=metadata
        )
        print(f"connected to warmcc {hello.version} (pid {hello.pid})")

        session = Session(pb, stubs, channel, metadata, headers=["vector", "string", "iostream"],
                          backend=args.backend)
        cached = "cached" if session.opened.prelude_cached else "built"
        print(
            f"session {session.id}: backend {session.opened.backend}, prelude {cached}, "
            f"opened in {session.open_ms:.0f} ms"
        )
        objects = []
        if session.opened.prelude_object:
            # The in-process backend's prelude code: linked with the snippets.
            path = os.path.join(work, "prelude.o")
            Path(path).write_bytes(session.opened.prelude_object)
            objects.append(path)
        failures = 0
        try:
            # 1. Defines twice() and exports its prototype, so later snippets can call it.
            # 2. A type error: diagnostics come back and the session goes on.
            # 3. Calls twice() from snippet 1.
            steps = [
                ("twice", "int twice(int x) { return 2 * x; }\n", "int twice(int x);\n", True),
                ("oops", 'int oops() { return twice("two"); }\n', "", False),
                (
                    "describe",
                    "std::string describe(int x) {\n"
                    '    return std::to_string(x) + " doubled is " + std::to_string(twice(x));\n'
                    "}\n",
                    "std::string describe(int x);\n",
                    True,
                ),
            ]
            for name, source, exports, should_compile in steps:
                reply, ms = session.snippet(source, exports, name)
                if reply.exit_code == 0 and reply.object:
                    path = os.path.join(work, f"{name}.o")
                    Path(path).write_bytes(reply.object)
                    if should_compile:
                        objects.append(path)
                    how = "cache hit" if reply.cache_hit else "compiled"
                    print(f"  [{reply.index}] {name}: {how} in {ms:.0f} ms, "
                          f"{len(reply.object)} bytes of object")
                else:
                    first = next((l for l in reply.diagnostics.splitlines() if "error" in l),
                                 reply.diagnostics.strip().split("\n")[0] if reply.diagnostics else "")
                    print(f"  [-] {name}: exit {reply.exit_code} in {ms:.0f} ms: {first}")
                if (reply.exit_code == 0) != should_compile:
                    failures += 1
                    want = "to compile" if should_compile else "a compile error"
                    print(f"FAIL: expected {want} for snippet {name}\n{reply.diagnostics}")
                elif not should_compile and not reply.diagnostics.strip():
                    failures += 1
                    print(f"FAIL: snippet {name} failed without diagnostics")
        finally:
            session.close()
        if failures:
            return 1

        main_cc = os.path.join(work, "main.cc")
        Path(main_cc).write_text(MAIN_CC)
        program = os.path.join(work, "program")
        subprocess.run([args.linker, *objects, main_cc, "-o", program], check=True)
        output = subprocess.run([program], check=True, stdout=subprocess.PIPE, text=True).stdout
        output = output.strip()
        if output != EXPECTED:
            print(f"FAIL: the program printed {output!r}, expected {EXPECTED!r}")
            return 1
        print(f"linked {len(objects)} snippet objects with a main and ran it: {output!r}: ok")
        return 0
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as err:  # a gRPC error reads better as one line than as a traceback
        import grpc

        if isinstance(err, grpc.RpcError):
            sys.exit(f"error: {err.code().name}: {err.details()}")
        raise
