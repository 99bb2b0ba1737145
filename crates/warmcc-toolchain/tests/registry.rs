//! The registry through its public API, against fake compiler scripts in temporary directories
//! and, where installed, the real clang-19.
#![cfg(unix)]

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use warmcc_toolchain::{Compiler, Kind, Lang, Registry, ToolchainError};

/// A shell script that answers like a compiler; `--target=foo-bar-baz` is the one unknown target.
fn fake_compiler(dir: &Path, name: &str, version_output: &str, machine: &str) -> PathBuf {
    fake_with_counter(dir, name, version_output, machine, None)
}

/// As [`fake_compiler`], appending a line to `counter` on every run.
fn fake_with_counter(
    dir: &Path,
    name: &str,
    version_output: &str,
    machine: &str,
    counter: Option<&Path>,
) -> PathBuf {
    let count = counter
        .map(|c| format!("echo run >> '{}'\n", c.display()))
        .unwrap_or_default();
    let script = format!(
        r#"#!/bin/sh
{count}case "$1" in
  --version) printf '%s\n' '{}' ;;
  -dumpmachine) echo '{machine}' ;;
  -print-resource-dir) echo '/fake/lib/clang/99' ;;
  --target=foo-bar-baz) echo "error: unknown target triple 'foo-bar-baz'" >&2; exit 1 ;;
  --target=*) exit 0 ;;
  *) echo "fake compiler: unexpected $*" >&2; exit 2 ;;
esac
"#,
        version_output.replace('\n', "' '")
    );
    let path = dir.join(name);
    write_script(&path, &script);
    path
}

fn write_script(path: &Path, script: &str) {
    fs::write(path, script).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn clang_version(major: u32) -> String {
    format!("clang version {major}.1.0 (fake)\nTarget: x86_64-unknown-linux-gnu")
}

fn gcc_version(major: u32) -> String {
    format!(
        "gcc (Fake {major}.2.0-1) {major}.2.0\nCopyright (C) 2022 Free Software Foundation, Inc."
    )
}

fn runs(counter: &Path) -> usize {
    fs::read_to_string(counter)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

fn path_of(dirs: &[&Path]) -> OsString {
    std::env::join_paths(dirs).unwrap()
}

/// The real compiler `name` from the process's PATH, or `None` (with a notice) when it is not
/// installed; any other failure is a test failure.
fn real(registry: &Registry, name: &str) -> Option<Arc<Compiler>> {
    match registry.find(name, None) {
        Ok(compiler) => Some(compiler),
        Err(ToolchainError::NotFound { .. }) => {
            eprintln!("skipping: `{name}` is not installed here");
            None
        }
        Err(e) => panic!("{name} is installed but not identified: {e}"),
    }
}

#[test]
fn registry_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Registry>();
    assert_send_sync::<Arc<Compiler>>();
}

#[test]
fn identifies_real_clang_19() {
    let registry = Registry::new(None);
    let (Some(c), Some(cxx)) = (real(&registry, "clang-19"), real(&registry, "clang++-19")) else {
        return;
    };
    for (compiler, name, lang) in [(&c, "clang-19", Lang::C), (&cxx, "clang++-19", Lang::Cxx)] {
        assert_eq!(compiler.name, name);
        assert_eq!(compiler.kind, Kind::Clang);
        assert_eq!(compiler.driver_lang, lang);
        assert_eq!(compiler.major, 19);
        assert!(
            compiler.version.contains("clang version 19"),
            "{}",
            compiler.version
        );
        assert!(compiler.path.is_absolute());
        assert!(
            compiler.path.ends_with(name),
            "not canonicalized: {}",
            compiler.path.display()
        );
        assert_eq!(compiler.resolved, fs::canonicalize(&compiler.path).unwrap());
        assert!(
            compiler.default_target.contains('-'),
            "{}",
            compiler.default_target
        );
        assert!(compiler.size > 0);
        assert!(compiler.supports_target_flag());
        assert!(
            compiler.describe().starts_with(&format!("{name} (")),
            "{}",
            compiler.describe()
        );
        assert_eq!(compiler.identity_hex().len(), 64);
    }
    // The same file in C and C++ mode must never share cache entries.
    assert_eq!(c.resolved, cxx.resolved);
    assert_ne!(c.identity, cxx.identity);
    // A second look-up is the remembered value.
    assert!(Arc::ptr_eq(
        &cxx,
        &registry.find("clang++-19", None).unwrap()
    ));
    let dir = registry
        .resource_dir(&cxx)
        .expect("clang-19 has a resource dir");
    assert!(
        dir.join("include").join("stddef.h").exists(),
        "{}",
        dir.display()
    );
}

#[test]
fn identity_changes_when_the_file_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let registry = Registry::new(None);
    let path = fake_compiler(
        tmp.path(),
        "clang-17",
        &clang_version(17),
        "x86_64-unknown-linux-gnu",
    );
    let first = registry.identify(&path).unwrap();
    assert_eq!(first.kind, Kind::Clang);
    assert_eq!(first.major, 17);
    assert_eq!(first.driver_lang, Lang::C);
    assert_eq!(first.default_target, "x86_64-unknown-linux-gnu");
    assert_eq!(first.version, "clang version 17.1.0 (fake)");
    assert_eq!(first.name, "clang-17");

    // New content, new size.
    let mut script = fs::read_to_string(&path).unwrap();
    script.push_str("# rebuilt\n");
    write_script(&path, &script);
    let second = registry.identify(&path).unwrap();
    assert_ne!(first.identity, second.identity);

    // Same content, new mtime only.
    let file = fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() + Duration::from_secs(3600))
        .unwrap();
    drop(file);
    let third = registry.identify(&path).unwrap();
    assert_ne!(second.identity, third.identity);

    // A different version answer changes it too (and so does the C/C++ mode of the name).
    let other = fake_compiler(
        tmp.path(),
        "clang++-17",
        &clang_version(18),
        "x86_64-unknown-linux-gnu",
    );
    let other = registry.identify(&other).unwrap();
    assert_eq!(other.driver_lang, Lang::Cxx);
    assert_eq!(other.major, 18);
    assert_ne!(other.identity, third.identity);
}

#[test]
fn registry_reuses_identities_and_persists_them() {
    let tmp = tempfile::tempdir().unwrap();
    let counter = tmp.path().join("runs");
    let bin = tmp.path().join("bin");
    fs::create_dir(&bin).unwrap();
    let state = tmp.path().join("state").join("compilers.json");
    let path = fake_with_counter(
        &bin,
        "clang++-18",
        &clang_version(18),
        "x86_64-linux-gnu",
        Some(&counter),
    );

    let registry = Registry::new(Some(state.clone()));
    let first = registry.identify(&path).unwrap();
    let ran = runs(&counter);
    assert!(ran >= 1, "identification ran nothing");
    let again = registry.identify(&path).unwrap();
    assert_eq!(
        runs(&counter),
        ran,
        "a second identify ran the compiler again"
    );
    assert!(Arc::ptr_eq(&first, &again));
    let by_name = registry.find("clang++-18", Some(bin.as_os_str())).unwrap();
    assert_eq!(by_name.identity, first.identity);
    assert_eq!(runs(&counter), ran);
    assert!(state.exists(), "state file not written");

    // A new registry (a restarted daemon) reuses the stored identity without running anything.
    let restarted = Registry::new(Some(state.clone()));
    let reloaded = restarted.identify(&path).unwrap();
    assert_eq!(runs(&counter), ran, "a restarted registry ran the compiler");
    assert_eq!(reloaded.identity, first.identity);
    assert_eq!(reloaded.version, first.version);
    assert_eq!(reloaded.path, first.path);
    assert_eq!(reloaded.driver_lang, Lang::Cxx);

    // …but only while the file is unchanged.
    let file = fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() + Duration::from_secs(60))
        .unwrap();
    drop(file);
    let restarted = Registry::new(Some(state.clone()));
    let changed = restarted.identify(&path).unwrap();
    assert!(runs(&counter) > ran, "a changed compiler was not run again");
    assert_ne!(changed.identity, first.identity);
}

#[test]
fn damaged_state_file_starts_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("compilers.json");
    fs::write(&state, b"{\"format\": 1, \"compilers\": [tr").unwrap();
    let path = fake_compiler(tmp.path(), "gcc", &gcc_version(12), "x86_64-linux-gnu");
    let registry = Registry::new(Some(state.clone()));
    let gcc = registry.identify(&path).unwrap();
    assert_eq!(gcc.kind, Kind::Gcc);
    assert_eq!(gcc.major, 12);
    assert!(!gcc.supports_target_flag());
    // And the damaged file was replaced by a good one.
    let restarted = Registry::new(Some(state));
    assert_eq!(restarted.identify(&path).unwrap().identity, gcc.identity);
}

#[test]
fn missing_compiler_names_the_package() {
    let tmp = tempfile::tempdir().unwrap();
    let registry = Registry::new(None);
    let err = registry
        .find("clang++-19", Some(tmp.path().as_os_str()))
        .unwrap_err();
    assert!(matches!(err, ToolchainError::NotFound { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("apt-get install clang-19"), "{message}");
    assert!(message.contains("`clang++-19`"), "{message}");

    let err = registry
        .find("aarch64-linux-gnu-g++", Some(tmp.path().as_os_str()))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("apt-get install g++-aarch64-linux-gnu"),
        "{err}"
    );

    let missing = tmp.path().join("nope").join("clang-18");
    let err = registry.find(missing.to_str().unwrap(), None).unwrap_err();
    let message = err.to_string();
    assert!(message.contains(missing.to_str().unwrap()), "{message}");
    assert!(message.contains("apt-get install clang-18"), "{message}");
}

#[test]
fn default_prefers_the_newest_clang() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    fs::create_dir(&a).unwrap();
    fs::create_dir(&b).unwrap();
    let machine = "x86_64-linux-gnu";
    fake_compiler(&a, "clang-15", &clang_version(15), machine);
    fake_compiler(&b, "clang-17", &clang_version(17), machine);
    fake_compiler(&a, "clang", &clang_version(16), machine);
    fake_compiler(&a, "clang++-16", &clang_version(16), machine);
    fake_compiler(&b, "clang++-18", &clang_version(18), machine);
    // Plain clang++ counts with the major it reports.
    fake_compiler(&b, "clang++", &clang_version(20), machine);
    fake_compiler(&a, "gcc", &gcc_version(14), machine);
    fake_compiler(&a, "g++", &gcc_version(14), machine);
    // Not candidates: a tool sharing the prefix, and a cross clang.
    fake_compiler(&a, "clang-format-30", &clang_version(30), machine);
    fake_compiler(
        &a,
        "aarch64-linux-gnu-clang-30",
        &clang_version(30),
        machine,
    );
    let path = path_of(&[&a, &b]);
    let registry = Registry::new(None);

    let c = registry.default_for(Lang::C, Some(&path)).unwrap();
    assert_eq!((c.name.as_str(), c.major), ("clang-17", 17));
    let cxx = registry.default_for(Lang::Cxx, Some(&path)).unwrap();
    assert_eq!((cxx.name.as_str(), cxx.major), ("clang++", 20));
    assert_eq!(cxx.driver_lang, Lang::Cxx);

    // Without clang, gcc; without anything, a message that says what to install.
    let only_gcc = tmp.path().join("gcc-only");
    fs::create_dir(&only_gcc).unwrap();
    fake_compiler(&only_gcc, "g++", &gcc_version(12), machine);
    fake_compiler(&only_gcc, "g++-13", &gcc_version(13), machine);
    let gxx = registry
        .default_for(Lang::Cxx, Some(only_gcc.as_os_str()))
        .unwrap();
    assert_eq!((gxx.name.as_str(), gxx.kind), ("g++-13", Kind::Gcc));
    let err = registry
        .default_for(Lang::C, Some(only_gcc.as_os_str()))
        .unwrap_err();
    assert!(
        matches!(err, ToolchainError::NoCompiler { lang: Lang::C, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("apt-get install clang-19"),
        "{err}"
    );
}

#[test]
fn discover_lists_dedupes_and_orders() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    fs::create_dir(&a).unwrap();
    fs::create_dir(&b).unwrap();
    let machine = "x86_64-linux-gnu";
    let clang17 = fake_compiler(&a, "clang-17", &clang_version(17), machine);
    fake_compiler(&a, "clang-19", &clang_version(19), machine);
    fake_compiler(&a, "gcc-12", &gcc_version(12), machine);
    fake_compiler(&b, "gcc", &gcc_version(13), machine);
    fake_compiler(
        &b,
        "aarch64-linux-gnu-g++",
        &gcc_version(12),
        "aarch64-linux-gnu",
    );
    fake_compiler(&b, "clang-tidy-19", &clang_version(19), machine);
    // The same file under the same name in two PATH directories is listed once…
    symlink(&clang17, b.join("clang-17")).unwrap();
    // …and a different name for it is listed on its own.
    symlink(&clang17, b.join("clang")).unwrap();
    // Garbage and non-executables are skipped, not fatal.
    write_script(&b.join("cc"), "#!/bin/sh\necho hello\n");
    fs::write(a.join("g++"), "not executable").unwrap();
    // A ccache masquerade link is not a compiler.
    write_script(&b.join("ccache"), "#!/bin/sh\nexit 1\n");
    symlink(b.join("ccache"), a.join("clang++")).unwrap();

    let registry = Registry::new(None);
    let found = registry.discover(Some(&path_of(&[&a, &b])));
    let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "clang-19",
            "clang",
            "clang-17",
            "gcc",
            "gcc-12",
            "aarch64-linux-gnu-g++"
        ]
    );
    assert_eq!(found[2].path, clang17, "the first copy on PATH comes first");
}

#[test]
fn find_skips_compiler_wrappers() {
    let tmp = tempfile::tempdir().unwrap();
    let (wrap, real_dir) = (tmp.path().join("ccache"), tmp.path().join("bin"));
    fs::create_dir(&wrap).unwrap();
    fs::create_dir(&real_dir).unwrap();
    write_script(&tmp.path().join("ccache-bin"), "#!/bin/sh\nexit 1\n");
    fs::rename(tmp.path().join("ccache-bin"), wrap.join("ccache")).unwrap();
    symlink(wrap.join("ccache"), wrap.join("clang")).unwrap();
    let clang = fake_compiler(&real_dir, "clang", &clang_version(19), "x86_64-linux-gnu");
    let registry = Registry::new(None);
    let found = registry
        .find("clang", Some(&path_of(&[&wrap, &real_dir])))
        .unwrap();
    assert_eq!(found.path, clang);
    // Named explicitly, the wrapper is refused with a reason.
    let err = registry.identify(&wrap.join("clang")).unwrap_err();
    assert!(err.to_string().contains("wrapper `ccache`"), "{err}");
}

#[test]
fn broken_compilers_are_errors_not_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let registry = Registry::new(None);
    let cases = [
        ("garbage", "#!/bin/sh\necho hello world\n", "does not look like clang or gcc"),
        ("crash", "#!/bin/sh\nkill -SEGV $$\n", "signal 11"),
        ("fails", "#!/bin/sh\necho 'boom: licence expired' >&2\nexit 1\n", "boom: licence expired"),
        ("silent", "#!/bin/sh\nexit 0\n", "printed nothing"),
        (
            "badmachine",
            "#!/bin/sh\ncase \"$1\" in --version) echo 'clang version 19.0.0';; *) echo 'what?';; esac\n",
            "not a target triple",
        ),
        ("nover", "#!/bin/sh\ncase \"$1\" in --version) echo 'clang version x';; *) echo 'a-b-c';; esac\n", "version number"),
    ];
    for (name, script, expected) in cases {
        let path = tmp.path().join(name);
        write_script(&path, script);
        let err = registry.identify(&path).unwrap_err();
        assert!(
            matches!(err, ToolchainError::Identify { .. }),
            "{name}: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(expected), "{name}: {message}");
        assert!(
            message.contains(path.to_str().unwrap()),
            "{name}: {message}"
        );
    }
    let not_exec = tmp.path().join("clang-1");
    fs::write(&not_exec, "#!/bin/sh\n").unwrap();
    let err = registry.identify(&not_exec).unwrap_err();
    assert!(err.to_string().contains("cannot run it"), "{err}");
    let err = registry.identify(tmp.path()).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[test]
fn check_target_with_real_clang_19() {
    let registry = Registry::new(None);
    let Some(clang) = real(&registry, "clang++-19") else {
        return;
    };
    let err = registry.check_target(&clang, "foo-bar-baz").unwrap_err();
    assert!(
        matches!(err, ToolchainError::UnknownTarget { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("foo-bar-baz"), "{err}");
    for triple in [
        "aarch64-linux-gnu",
        "arm64-apple-ios17.0",
        "x86_64-linux-gnu",
        "wasm32-unknown-unknown",
    ] {
        registry
            .check_target(&clang, triple)
            .unwrap_or_else(|e| panic!("{triple}: {e}"));
    }
}

#[test]
fn check_target_probes_clang_once() {
    let tmp = tempfile::tempdir().unwrap();
    let counter = tmp.path().join("runs");
    let path = fake_with_counter(
        tmp.path(),
        "clang",
        &clang_version(19),
        "x86_64-pc-linux-gnu",
        Some(&counter),
    );
    let registry = Registry::new(None);
    let clang = registry.identify(&path).unwrap();
    let before = runs(&counter);
    // Its own target needs no probe.
    registry.check_target(&clang, "x86_64-linux-gnu").unwrap();
    assert_eq!(runs(&counter), before);
    registry.check_target(&clang, "aarch64-linux-gnu").unwrap();
    registry.check_target(&clang, "aarch64-linux-gnu").unwrap();
    assert_eq!(
        runs(&counter),
        before + 1,
        "an accepted triple was probed twice"
    );
    for _ in 0..2 {
        let err = registry.check_target(&clang, "foo-bar-baz").unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown target triple 'foo-bar-baz'"),
            "{err}"
        );
    }
    assert_eq!(
        runs(&counter),
        before + 2,
        "a rejected triple was probed twice"
    );
    let err = registry.check_target(&clang, "--help").unwrap_err();
    assert!(
        matches!(err, ToolchainError::UnknownTarget { .. }),
        "{err:?}"
    );
    assert_eq!(runs(&counter), before + 2);
    assert_eq!(
        registry.resource_dir(&clang),
        Some(PathBuf::from("/fake/lib/clang/99"))
    );
    assert_eq!(
        registry.resource_dir(&clang),
        Some(PathBuf::from("/fake/lib/clang/99"))
    );
    assert_eq!(runs(&counter), before + 3, "resource dir not cached");
}

#[test]
fn gcc_builds_only_for_its_own_target() {
    let tmp = tempfile::tempdir().unwrap();
    let counter = tmp.path().join("runs");
    let path = fake_with_counter(
        tmp.path(),
        "g++",
        &gcc_version(12),
        "x86_64-linux-gnu",
        Some(&counter),
    );
    let registry = Registry::new(None);
    let gxx = registry.identify(&path).unwrap();
    let before = runs(&counter);
    registry.check_target(&gxx, "x86_64-linux-gnu").unwrap();
    registry.check_target(&gxx, "x86_64-pc-linux-gnu").unwrap();
    registry
        .check_target(&gxx, "x86_64-unknown-linux-gnu")
        .unwrap();
    let err = registry
        .check_target(&gxx, "aarch64-unknown-linux-gnu")
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("cannot cross-compile via --target"),
        "{message}"
    );
    assert!(message.contains("`aarch64-linux-gnu-g++`"), "{message}");
    assert!(
        message.contains("apt-get install g++-aarch64-linux-gnu"),
        "{message}"
    );
    assert_eq!(registry.resource_dir(&gxx), None);
    assert_eq!(runs(&counter), before, "gcc target checks ran the compiler");
}

#[test]
fn real_gcc_and_cross_gcc_if_installed() {
    let registry = Registry::new(None);
    if let Some(gxx) = real(&registry, "g++") {
        assert_eq!(gxx.kind, Kind::Gcc);
        assert_eq!(gxx.driver_lang, Lang::Cxx);
        assert!(gxx.major >= 4);
        registry
            .check_target(&gxx, &gxx.default_target.clone())
            .unwrap();
        assert!(registry.check_target(&gxx, "foo-bar-baz").is_err());
    }
    if let Some(cross) = real(&registry, "aarch64-linux-gnu-g++") {
        assert_eq!(cross.default_target, "aarch64-linux-gnu");
        registry
            .check_target(&cross, "aarch64-unknown-linux-gnu")
            .unwrap();
    }
    let all = registry.discover(None);
    for pair in all.windows(2) {
        if pair[0].kind == pair[1].kind && pair[0].kind == Kind::Clang {
            assert!(
                pair[0].major >= pair[1].major,
                "{} before {}",
                pair[0].name,
                pair[1].name
            );
        }
    }
    eprintln!(
        "discovered: {:#?}",
        all.iter().map(|c| c.describe()).collect::<Vec<_>>()
    );
}
