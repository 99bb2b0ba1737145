//! Failed snippets return diagnostics and leave nothing behind: the session goes on, names from
//! failed snippets can be defined again, and later objects link. Undo works where it is sound.
#![cfg(feature = "inproc")]

mod common;

use common::*;
use warmcc_clang::session::Session;
use warmcc_clang::{Error, Severity};

fn ok(s: &mut Session, name: &str, src: &str, objects: &mut Vec<Vec<u8>>) {
    let out = s.compile(name, src.as_bytes()).expect("compile call");
    assert!(out.ok, "{name} failed:\n{}", out.text);
    objects.push(out.object);
}

fn fails(s: &mut Session, name: &str, src: &str) -> Vec<warmcc_clang::Diagnostic> {
    let out = s.compile(name, src.as_bytes()).expect("compile call");
    assert!(!out.ok, "{name} should fail");
    assert!(out.object.is_empty());
    assert!(out.text.contains("error:"), "text: {}", out.text);
    let errors: Vec<_> = out
        .diagnostics
        .into_iter()
        .filter(|d| d.severity >= Severity::Error)
        .collect();
    assert!(!errors.is_empty());
    errors
}

#[test]
fn errors_return_diagnostics_and_the_session_goes_on() {
    if !have_libclang("errors_return_diagnostics_and_the_session_goes_on") {
        return;
    }
    let (mut s, prelude) = stl_session(&options(""));
    let mut objects = vec![prelude];
    ok(&mut s, "first", "int ok1() { return 1; }", &mut objects);
    ok(
        &mut s,
        "tmpl",
        "template <typename T> auto get_first(const T& c) { return c.front(); }",
        &mut objects,
    );

    let syntax = fails(&mut s, "syntax_bad", "int broken( { return 2; }");
    assert_eq!(syntax[0].file, "syntax_bad");
    assert_eq!(syntax[0].line, 1);
    assert!(syntax[0].column > 0);

    // A definition next to an error must not leak: the name can be defined again later.
    let typed = fails(
        &mut s,
        "type_bad",
        "int leaked_fn() { return 5; }\nint typed() { std::string s = 42; return 0; }",
    );
    assert_eq!(typed[0].line, 2);

    let inst = fails(
        &mut s,
        "inst_bad",
        "int bad_inst() { return get_first(42); }",
    );
    // The error sits in the template's body, in the snippet that defined it.
    assert_eq!(inst[0].file, "tmpl", "{inst:?}");
    assert!(inst[0].message.contains("member reference"), "{inst:?}");

    // A failed snippet that instantiated templates must not leave later objects with
    // undefined references to them.
    fails(
        &mut s,
        "inst_then_error",
        "double vd_fail() { std::vector<double> v; v.push_back(1.0); return v.back(); }\nint y = undefined_name;",
    );
    ok(
        &mut s,
        "redefine",
        "int leaked_fn() { return 6; }",
        &mut objects,
    );
    ok(
        &mut s,
        "vd_ok",
        "double vd_ok() { std::vector<double> v; v.push_back(2.5); return v.back(); }",
        &mut objects,
    );
    ok(
        &mut s,
        "run",
        "void run_all() { std::cout << ok1() << ' ' << leaked_fn() << ' ' << vd_ok() << ' ' << get_first(std::vector<int>{7}) << '\\n'; }",
        &mut objects,
    );

    let dir = fresh_dir("errors");
    let paths = write_objects(&dir, &objects);
    let exe = dir.join("prog");
    link(&paths, common::snippets::MAIN, "", &exe);
    assert_eq!(run(&exe, ""), "1 6 2.5 7\n");
}

#[test]
fn undo_works_where_sound_and_refuses_otherwise() {
    if !have_libclang("undo_works_where_sound_and_refuses_otherwise") {
        return;
    }
    let (mut s, prelude) = stl_session(&options(""));
    let mut objects = vec![prelude];
    ok(&mut s, "a", "int value() { return 1; }", &mut objects);
    ok(&mut s, "b", "int helper() { return 10; }", &mut objects);
    assert_eq!(s.snippets(), 2);
    s.undo(1).expect("undo of a new definition");
    objects.pop();
    assert_eq!(s.snippets(), 1);
    // The undone name is free again; the client dropped the undone object.
    ok(&mut s, "b2", "int helper() { return 20; }", &mut objects);

    ok(&mut s, "redecl", "int value();", &mut objects);
    match s.undo(1) {
        Err(Error::UndoRefused(why)) => assert!(why.contains("redeclares"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(s.snippets(), 3, "a refused undo changes nothing");
    match s.undo(10) {
        Err(Error::UndoRefused(why)) => assert!(why.contains("only 3"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }

    ok(
        &mut s,
        "run",
        "void run_all() { std::cout << value() + helper() << '\\n'; }",
        &mut objects,
    );
    let dir = fresh_dir("undo");
    let paths = write_objects(&dir, &objects);
    let exe = dir.join("prog");
    link(&paths, common::snippets::MAIN, "", &exe);
    assert_eq!(run(&exe, ""), "21\n");
}

#[test]
fn dedup_undo_brings_back_code_later_snippets_need() {
    if !have_libclang("dedup_undo_brings_back_code_later_snippets_need") {
        return;
    }
    // With dedup, the code generator is told that template code an earlier object defines lives
    // there; undoing that object must make the code generated again where it is used.
    let mut opts = options("");
    opts.dedup = true;
    let (mut s, prelude) = stl_session(&opts);
    let mut objects = vec![prelude];
    let uses = |name: &str| {
        format!(
            "long {name}() {{ std::vector<long> v(4); std::iota(v.begin(), v.end(), 1); \
             return std::accumulate(v.begin(), v.end(), 0L); }}"
        )
    };
    ok(&mut s, "a", &uses("first"), &mut objects);
    ok(&mut s, "b", &uses("second"), &mut objects);
    assert!(
        objects[2].len() < objects[1].len(),
        "the second object should only reference the template code"
    );
    s.undo(2).expect("undo of new definitions");
    objects.truncate(1);
    ok(&mut s, "c", &uses("third"), &mut objects);
    ok(
        &mut s,
        "run",
        "void run_all() { std::cout << third() << '\\n'; }",
        &mut objects,
    );
    let dir = fresh_dir("dedup-undo");
    let paths = write_objects(&dir, &objects);
    let exe = dir.join("prog");
    link(&paths, common::snippets::MAIN, "", &exe);
    assert_eq!(run(&exe, ""), "10\n");
}
