//! The request loop of a worker process: one session, requests on one stream, responses on
//! another (see `proto/warmcc/v1/worker.proto`).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use crate::frame::{read_message, write_message};
use crate::proto::{self, request, response};
use crate::session::{build_pch, Output, Prelude, Session};
use crate::Error;

/// Serves requests until Shutdown or the end of `input`.
pub fn serve(mut input: impl Read, mut output: impl Write) -> Result<(), Error> {
    let mut session: Option<Session> = None;
    while let Some(req) = read_message::<proto::Request>(&mut input)? {
        let (resp, stop) = match req.kind {
            Some(request::Kind::Init(init)) => (init_session(&mut session, init), false),
            Some(request::Kind::Snippet(s)) => (compile(&mut session, s), false),
            Some(request::Kind::Undo(u)) => (undo(&mut session, u.count), false),
            Some(request::Kind::Stats(_)) => (stats(&session), false),
            Some(request::Kind::Shutdown(_)) => {
                (response::Kind::Shutdown(proto::ShutdownResponse {}), true)
            }
            None => (error("empty request"), false),
        };
        write_message(&mut output, &proto::Response { kind: Some(resp) })?;
        if stop {
            break;
        }
    }
    Ok(())
}

fn error(message: impl Into<String>) -> response::Kind {
    response::Kind::Error(proto::ErrorResponse {
        message: message.into(),
    })
}

fn diagnostics(out: &Output) -> Vec<proto::Diagnostic> {
    out.diagnostics
        .iter()
        .map(proto::Diagnostic::from)
        .collect()
}

fn init_session(session: &mut Option<Session>, init: proto::InitRequest) -> response::Kind {
    if session.is_some() {
        return error("the session is already initialised");
    }
    let opts = init.options.unwrap_or_default();
    let mut resp = proto::InitResponse::default();
    let prelude = if init.pch_path.is_empty() {
        if init.prelude_text.is_empty() {
            Prelude::None
        } else {
            Prelude::Source(init.prelude_text)
        }
    } else {
        let pch = PathBuf::from(&init.pch_path);
        if !pch.exists() && !init.prelude_text.is_empty() {
            let started = Instant::now();
            match build_pch(&opts, &init.prelude_text, &pch) {
                Ok(_) => {
                    resp.pch_built = true;
                    resp.pch_build_us = started.elapsed().as_micros() as u64;
                }
                Err(e) => return start_failed(resp, e),
            }
        }
        Prelude::Pch(pch)
    };
    let started = Instant::now();
    match Session::new(&opts, &prelude) {
        Ok((s, out)) => {
            resp.start_us = started.elapsed().as_micros() as u64;
            resp.ok = true;
            resp.diagnostics = diagnostics(&out);
            resp.diagnostics_text = out.text;
            resp.prelude_object = out.object;
            *session = Some(s);
            response::Kind::Init(resp)
        }
        Err(e) => start_failed(resp, e),
    }
}

fn start_failed(mut resp: proto::InitResponse, e: Error) -> response::Kind {
    if let Error::Start { diagnostics, .. } = &e {
        resp.diagnostics_text = diagnostics.clone();
    }
    resp.error = e.to_string();
    response::Kind::Init(resp)
}

fn compile(session: &mut Option<Session>, req: proto::SnippetRequest) -> response::Kind {
    let Some(s) = session.as_mut() else {
        return error("no session: send Init first");
    };
    let started = Instant::now();
    match s.compile(&req.name, &req.source) {
        Ok(out) => response::Kind::Snippet(proto::SnippetResponse {
            ok: out.ok,
            diagnostics: diagnostics(&out),
            diagnostics_text: out.text,
            object: out.object,
            index: s.snippets(),
            compile_us: started.elapsed().as_micros() as u64,
        }),
        Err(e) => error(e.to_string()),
    }
}

fn undo(session: &mut Option<Session>, count: u32) -> response::Kind {
    let Some(s) = session.as_mut() else {
        return error("no session: send Init first");
    };
    let result = s.undo(count);
    response::Kind::Undo(proto::UndoResponse {
        ok: result.is_ok(),
        error: result.err().map(|e| e.to_string()).unwrap_or_default(),
        snippets: s.snippets(),
    })
}

fn stats(session: &Option<Session>) -> response::Kind {
    response::Kind::Stats(proto::StatsResponse {
        rss_bytes: crate::rss::rss_bytes(None).unwrap_or(0),
        private_bytes: crate::rss::private_bytes(None).unwrap_or(0),
        snippets: session.as_ref().map(Session::snippets).unwrap_or(0),
    })
}
