//! Classifies a gcc/clang command line for the compiler wrapper: a cacheable single-source
//! compile, or a pass-through (link, preprocess, several sources, unhashed inputs…) with a reason.
//!
//! What is not understood passes through: running the real compiler unchanged is always
//! correct, a wrong cache hit never is.

use std::path::{Path, PathBuf};

/// Options that take their value as the next argument when not joined.
const WITH_VALUE: &[&str] = &[
    "-o",
    "-x",
    "-MF",
    "-MT",
    "-MQ",
    "-I",
    "-D",
    "-U",
    "-include",
    "-imacros",
    "-isystem",
    "-iquote",
    "-idirafter",
    "-iprefix",
    "-iwithprefix",
    "-iwithprefixbefore",
    "-isysroot",
    "--sysroot",
    "-target",
    "-arch",
    "-Xclang",
    "-Xpreprocessor",
    "-Xassembler",
    "-Xlinker",
    "-L",
    "-include-pch",
    "-iframework",
    "-F",
    "-mllvm",
    "-ivfsoverlay",
    "-resource-dir",
    "-imultilib",
    "-aux-info",
    "-MJ",
    "--param",
    "-G",
    "-T",
    "-u",
    "-z",
    "-Xarch_host",
    "-Xarch_device",
    "-Xcuda-ptxas",
    "-Xopenmp-target",
    "--serialize-diagnostics",
    "-dependency-file",
    "-main-file-name",
];

/// Options (as prefixes) whose presence sends the compile through uncached, with why.
const PASSTHROUGH_PREFIXES: &[(&str, &str)] = &[
    ("-E", "preprocessing only"),
    ("-S", "assembly output"),
    ("-M", "dependency generation only"),
    ("-fsyntax-only", "syntax check only"),
    ("-save-temps", "-save-temps writes extra files"),
    ("-ftime-trace", "-ftime-trace writes extra files"),
    ("--coverage", "coverage notes are written beside the object"),
    (
        "-ftest-coverage",
        "coverage notes are written beside the object",
    ),
    (
        "-fprofile-arcs",
        "coverage notes are written beside the object",
    ),
    ("-gsplit-dwarf", "split DWARF writes a .dwo file"),
    ("-fdump-", "-fdump writes extra files"),
    (
        "-frecord-gcc-switches",
        "the command line is embedded in the object",
    ),
    ("-fprofile-use", "profile data is not hashed"),
    ("-fprofile-instr-use", "profile data is not hashed"),
    ("-fprofile-sample-use", "profile data is not hashed"),
    ("-fauto-profile", "profile data is not hashed"),
    ("-fsanitize-ignorelist", "sanitizer lists are not hashed"),
    ("-fsanitize-blacklist", "sanitizer lists are not hashed"),
    ("-fplugin", "compiler plugins are not hashed"),
    ("-fpass-plugin", "compiler plugins are not hashed"),
    ("-fmodule", "modules are not supported yet"),
    ("-fcxx-modules", "modules are not supported yet"),
    ("-fprebuilt-module-path", "modules are not supported yet"),
    ("-MJ", "-MJ writes a compilation database fragment"),
    (
        "--serialize-diagnostics",
        "serialized diagnostics are written beside the object",
    ),
    ("-specs", "gcc spec files are not hashed"),
    ("-B", "-B changes where the compiler finds its programs"),
    ("-Wp,", "options passed to the preprocessor with -Wp,"),
    (
        "-Wa,",
        "options passed to the assembler with -Wa, may write files",
    ),
    (
        "-Xassembler",
        "options passed to the assembler may write files",
    ),
    (
        "-fcrash-diagnostics-dir",
        "crash reproducers are written elsewhere",
    ),
];

/// `-Xclang` values that load code or read files warmcc does not hash.
const PASSTHROUGH_XCLANG: &[&str] = &[
    "-load",
    "-plugin",
    "-add-plugin",
    "-fmodule",
    "-include-pch",
    "-emit-",
];

/// Where dependency information should go, as the user asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DepRequest {
    /// The depfile path (as given, relative to the working directory).
    pub file: String,
    /// Rule targets (`-MT`, `-MQ` already quoted); empty means the object path.
    pub targets: Vec<String>,
    /// `-MP`: add a phony rule per header.
    pub phony: bool,
    /// `-MMD`: leave out system headers.
    pub user_only: bool,
}

/// A compile the wrapper can cache.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WrappedCompile {
    /// Arguments that shape the object (everything but `-c`, output, source and depfile options).
    pub args: Vec<String>,
    /// The source, as given.
    pub source: String,
    /// The object path, as given or defaulted.
    pub output: String,
    /// Depfile to write, if any.
    pub dep: Option<DepRequest>,
    /// Include directories in search order (resolved), for the shadowing check.
    pub search_dirs: Vec<PathBuf>,
    /// The `-I` directories (resolved): user directories even when listed for `<...>`.
    pub user_dirs: Vec<PathBuf>,
    /// Files read that the depfile may not list (PCHs), resolved.
    pub extra_inputs: Vec<PathBuf>,
    /// Whether a diagnostics colour option was given.
    pub has_color_flag: bool,
}

/// What to do with a command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Classified {
    /// Compile through the cache.
    Cache(Box<WrappedCompile>),
    /// Run the real compiler unchanged, for this reason.
    Passthrough(String),
}

const SOURCE_EXTENSIONS: &[&str] = &[
    "c", "cc", "cp", "cxx", "cpp", "CPP", "c++", "C", "i", "ii", "m", "mm", "M", "mi", "mii",
];
const HEADER_EXTENSIONS: &[&str] = &["h", "hh", "hpp", "hxx", "H", "h++", "tcc", "inl"];

/// Expands `@file` response files (relative to `cwd`), recursively.
pub fn expand_response_files(args: &[String], cwd: &Path) -> Result<Vec<String>, String> {
    fn go(args: &[String], cwd: &Path, depth: u32, out: &mut Vec<String>) -> Result<(), String> {
        for a in args {
            match a.strip_prefix('@') {
                Some(f) if !f.is_empty() => {
                    if depth > 8 {
                        return Err("response files nested too deeply".into());
                    }
                    let path = cwd.join(f);
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        format!("cannot read response file {}: {e}", path.display())
                    })?;
                    go(&split_response(&text), cwd, depth + 1, out)?;
                }
                _ => out.push(a.clone()),
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    go(args, cwd, 0, &mut out)?;
    Ok(out)
}

/// Splits response-file text like gcc does: whitespace separates, quotes and backslash escape.
fn split_response(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// Classifies expanded arguments (without the compiler itself).
pub fn classify(args: &[String], cwd: &Path) -> Classified {
    let pass = |why: &str| Classified::Passthrough(why.to_string());
    let mut keep: Vec<String> = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    let mut output: Option<String> = None;
    let mut compile = false;
    let mut dep_md = false;
    let mut dep_mmd = false;
    let mut dep_file: Option<String> = None;
    let mut dep_targets: Vec<String> = Vec::new();
    let mut phony = false;
    let mut lang_set = false;
    let mut has_color = false;
    let mut arch_count = 0;
    let mut quote_dirs: Vec<PathBuf> = Vec::new();
    let mut i_dirs: Vec<PathBuf> = Vec::new();
    let mut sys_dirs: Vec<PathBuf> = Vec::new();
    let mut after_dirs: Vec<PathBuf> = Vec::new();
    let mut extra_inputs: Vec<PathBuf> = Vec::new();
    let abs = |p: &str| cwd.join(p);

    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let next = args.get(i + 1).cloned();
        // Value of an option given as `-oX`, `-o X` or `--opt=X`.
        let value_of = |opt: &str| -> Option<(String, usize)> {
            if a == opt {
                next.clone().map(|v| (v, 2))
            } else {
                a.strip_prefix(opt)
                    .map(|v| (v.strip_prefix('=').unwrap_or(v).to_string(), 1))
            }
        };
        match a {
            "-c" => {
                compile = true;
                i += 1;
                continue;
            }
            "-MD" => {
                dep_md = true;
                i += 1;
                continue;
            }
            "-MMD" => {
                dep_mmd = true;
                i += 1;
                continue;
            }
            "-MP" => {
                phony = true;
                i += 1;
                continue;
            }
            "-" => return pass("input from stdin"),
            "--" => return pass("inputs after --"),
            _ => {}
        }
        if a.starts_with("-MF") || a.starts_with("-MT") || a.starts_with("-MQ") {
            let opt = &a[..3];
            let Some((v, n)) = value_of(opt) else {
                return pass("dependency option without a value");
            };
            match opt {
                "-MF" => dep_file = Some(v),
                "-MT" => dep_targets.push(v),
                _ => dep_targets.push(quote_make_target(&v)),
            }
            i += n;
            continue;
        }
        if a.starts_with("-o") {
            let Some((v, n)) = value_of("-o") else {
                return pass("-o without a value");
            };
            output = Some(v);
            i += n;
            continue;
        }
        if a == "-Xclang" {
            if let Some(v) = &next {
                if PASSTHROUGH_XCLANG.iter().any(|p| v.starts_with(p)) {
                    return pass("-Xclang option that reads files warmcc does not hash");
                }
            }
        }
        if let Some((_, why)) = PASSTHROUGH_PREFIXES.iter().find(|(p, _)| a.starts_with(p)) {
            return pass(why);
        }
        if a.starts_with("-fcolor-diagnostics")
            || a.starts_with("-fdiagnostics-color")
            || a.starts_with("-fno-color-diagnostics")
        {
            has_color = true;
        }
        if a == "-arch" {
            arch_count += 1;
        }
        if a.starts_with("-x") {
            if !sources.is_empty() {
                return pass("-x after the input file");
            }
            lang_set = true;
        }
        for (opt, list) in [
            ("-iquote", &mut quote_dirs),
            ("-isystem", &mut sys_dirs),
            ("-idirafter", &mut after_dirs),
            ("-I", &mut i_dirs),
        ] {
            if a.starts_with(opt) {
                if let Some((v, _)) = value_of(opt) {
                    if opt != "-I" || !a.starts_with("-include") {
                        list.push(abs(&v));
                    }
                }
                break;
            }
        }
        if a == "-include-pch" {
            if let Some(v) = &next {
                extra_inputs.push(abs(v));
            }
        }
        if a.starts_with("-include") && !a.starts_with("-include-pch") {
            if let Some((v, _)) = value_of("-include") {
                // gcc and clang silently use a precompiled X.gch / X.pch beside an -include'd X.
                for ext in ["gch", "pch"] {
                    let p = abs(&format!("{v}.{ext}"));
                    if p.is_file() {
                        extra_inputs.push(p);
                    } else if p.is_dir() {
                        return pass("a .gch directory of precompiled headers");
                    }
                }
            }
        }
        if a.starts_with('-') {
            // Keep the option, with its separate value if it takes one.
            keep.push(a.to_string());
            if WITH_VALUE.contains(&a) {
                match next {
                    Some(v) => keep.push(v),
                    None => return pass("option without its value"),
                }
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        // An input.
        let ext = Path::new(a)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("");
        if lang_set || SOURCE_EXTENSIONS.contains(&ext) || HEADER_EXTENSIONS.contains(&ext) {
            sources.push(a.to_string());
        } else {
            others.push(a.to_string());
        }
        i += 1;
    }

    if !compile {
        return pass("not a compile (linking)");
    }
    if !others.is_empty() {
        return pass("inputs that are not C/C++ sources");
    }
    let source = match sources.as_slice() {
        [one] => one.clone(),
        [] => return pass("no source file"),
        _ => return pass("several source files"),
    };
    if arch_count > 1 {
        return pass("several -arch options");
    }
    let is_header = HEADER_EXTENSIONS.contains(
        &Path::new(&source)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or(""),
    );
    let output = match output {
        Some(o) => o,
        None if is_header => return pass("precompiled header without -o"),
        None => {
            let stem = Path::new(&source)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("a");
            format!("{stem}.o")
        }
    };
    if output == "-" {
        return pass("object to stdout");
    }
    let dep = if dep_md || dep_mmd {
        let file = dep_file.unwrap_or_else(|| {
            let p = Path::new(&output);
            p.with_extension("d").display().to_string()
        });
        Some(DepRequest {
            file,
            targets: dep_targets,
            phony,
            user_only: dep_mmd && !dep_md,
        })
    } else if dep_file.is_some() || !dep_targets.is_empty() || phony {
        // -MF/-MT without -MD/-MMD only make sense with -M/-MM, which passed through above.
        return pass("dependency options without -MD or -MMD");
    } else {
        None
    };
    let source_dir = Path::new(&source)
        .parent()
        .map(|d| abs(&d.display().to_string()))
        .unwrap_or_else(|| cwd.to_path_buf());
    let mut search_dirs = vec![source_dir];
    search_dirs.extend(quote_dirs);
    search_dirs.extend(i_dirs.iter().cloned());
    search_dirs.extend(sys_dirs);
    search_dirs.extend(after_dirs);
    Classified::Cache(Box::new(WrappedCompile {
        args: keep,
        source,
        output,
        dep,
        search_dirs,
        user_dirs: i_dirs,
        extra_inputs,
        has_color_flag: has_color,
    }))
}

/// Options whose joined or separate value is a path.
const PATH_OPTIONS: &[&str] = &[
    "-I",
    "-iquote",
    "-isystem",
    "-idirafter",
    "-include-pch",
    "-include",
    "-imacros",
    "-isysroot",
    "--sysroot=",
    "--sysroot",
    "-iprefix",
    "-F",
    "-iframework",
];

/// Rewrites absolute paths under `base` in arguments and the source into paths relative to
/// `cwd`, as ccache's base_dir does: the compiler then records the same relative paths in any
/// checkout, and results can be shared between checkouts.
pub fn rebase(compile: &mut WrappedCompile, base: &Path, cwd: &Path) {
    let rel = |p: &str| -> Option<String> {
        let path = Path::new(p);
        (path.is_absolute() && path.starts_with(base) && cwd.starts_with(base))
            .then(|| crate::engine::relative_to(path, cwd).display().to_string())
    };
    let mut out = Vec::with_capacity(compile.args.len());
    let mut i = 0;
    while i < compile.args.len() {
        let a = &compile.args[i];
        if let Some(r) = rel(a) {
            out.push(r);
        } else if let Some(opt) = PATH_OPTIONS
            .iter()
            .find(|o| a.starts_with(**o) && a.len() > o.len())
        {
            match rel(&a[opt.len()..]) {
                Some(r) => out.push(format!("{opt}{r}")),
                None => out.push(a.clone()),
            }
        } else {
            out.push(a.clone());
        }
        i += 1;
    }
    compile.args = out;
    if let Some(r) = rel(&compile.source) {
        compile.source = r;
    }
}

/// Prefix-map options: `OLD=NEW` rewrites recorded paths.
pub const PREFIX_MAPS: &[&str] = &[
    "-ffile-prefix-map=",
    "-fdebug-prefix-map=",
    "-fmacro-prefix-map=",
];

/// Whether the object will record the absolute working directory: debug info, and no
/// `-ffile-prefix-map`/`-fdebug-prefix-map` whose old prefix covers the working directory.
pub fn embeds_cwd(args: &[String], cwd: &Path) -> bool {
    let debug = args.iter().any(|a| a.starts_with("-g") && a != "-g0");
    let mapped = args.iter().any(|a| {
        PREFIX_MAPS[..2]
            .iter()
            .filter_map(|p| a.strip_prefix(p))
            .filter_map(|m| m.split_once('='))
            .any(|(old, _)| !old.is_empty() && cwd.starts_with(old))
    });
    debug && !mapped
}

/// Quotes a target like `-MQ` does: `$` doubled, spaces and `#` escaped.
fn quote_make_target(t: &str) -> String {
    let mut out = String::new();
    for c in t.chars() {
        match c {
            '$' => out.push_str("$$"),
            ' ' | '\t' => {
                out.push('\\');
                out.push(c);
            }
            '#' => out.push_str("\\#"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a path for a Makefile rule the way clang writes depfiles.
fn escape_dep(p: &str) -> String {
    let mut out = String::new();
    for c in p.chars() {
        match c {
            ' ' => out.push_str("\\ "),
            '#' => out.push_str("\\#"),
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

/// Writes a depfile for `deps` (the source first) in clang's layout: lines wrapped before 75
/// columns, then one phony rule per header for `-MP`.
pub fn render_depfile(req: &DepRequest, output: &str, deps: &[String]) -> String {
    const MAX_COLUMNS: usize = 75;
    let default_target = [escape_dep(output)];
    let targets: &[String] = if req.targets.is_empty() {
        &default_target
    } else {
        &req.targets
    };
    let mut text = String::new();
    let mut columns = 0;
    for t in targets {
        let n = t.len();
        if columns == 0 {
            columns += n;
        } else if columns + n + 2 > MAX_COLUMNS {
            columns = n + 2;
            text.push_str(" \\\n  ");
        } else {
            columns += n + 1;
            text.push(' ');
        }
        text.push_str(t);
    }
    text.push(':');
    columns += 1;
    for d in deps {
        let n = d.len();
        if columns + (n + 1) + 2 > MAX_COLUMNS {
            text.push_str(" \\\n ");
            columns = 2;
        }
        text.push(' ');
        text.push_str(&escape_dep(d));
        columns += n + 1;
    }
    text.push('\n');
    if req.phony {
        for d in deps.iter().skip(1) {
            text.push_str(&format!("{}:\n", escape_dep(d)));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn cached(s: &str) -> WrappedCompile {
        match classify(&args(s), Path::new("/w")) {
            Classified::Cache(c) => *c,
            Classified::Passthrough(why) => panic!("`{s}` passed through: {why}"),
        }
    }

    fn passes(s: &str) -> String {
        match classify(&args(s), Path::new("/w")) {
            Classified::Passthrough(why) => why,
            Classified::Cache(c) => panic!("`{s}` was cacheable: {c:?}"),
        }
    }

    #[test]
    fn plain_compile() {
        let c = cached("-O2 -Iinc -DX=1 -c src/a.cc -o out/a.o");
        assert_eq!(c.source, "src/a.cc");
        assert_eq!(c.output, "out/a.o");
        assert_eq!(c.args, args("-O2 -Iinc -DX=1"));
        assert_eq!(c.dep, None);
        assert_eq!(
            c.search_dirs,
            vec![PathBuf::from("/w/src"), PathBuf::from("/w/inc")]
        );
    }

    #[test]
    fn default_output_is_the_stem_in_the_working_directory() {
        assert_eq!(cached("-c dir/x.c").output, "x.o");
    }

    #[test]
    fn dependency_options() {
        let c = cached("-MD -MT obj/a.o -MF obj/a.o.d -c a.c -o obj/a.o");
        assert_eq!(
            c.dep,
            Some(DepRequest {
                file: "obj/a.o.d".into(),
                targets: vec!["obj/a.o".into()],
                phony: false,
                user_only: false
            })
        );
        let c = cached("-MMD -MP -c a.c -o obj/a.o");
        let d = c.dep.unwrap();
        assert_eq!(d.file, "obj/a.d");
        assert!(d.phony && d.user_only);
        let c = cached("-MD -MQ $(OBJ)/a.o -c a.c");
        assert_eq!(c.dep.unwrap().targets, vec!["$$(OBJ)/a.o".to_string()]);
    }

    #[test]
    fn pass_through_reasons() {
        assert_eq!(passes("a.o b.o -o prog"), "not a compile (linking)");
        assert_eq!(passes("-E a.c"), "preprocessing only");
        assert_eq!(passes("-c a.c b.c"), "several source files");
        assert_eq!(passes("-c -"), "input from stdin");
        assert_eq!(
            passes("-c a.c -fprofile-use=x.prof"),
            "profile data is not hashed"
        );
        assert_eq!(
            passes("-c a.c -Wp,-MD,a.d"),
            "options passed to the preprocessor with -Wp,"
        );
        assert_eq!(
            passes("-c a.c -Xclang -load -Xclang p.so"),
            "-Xclang option that reads files warmcc does not hash"
        );
        assert_eq!(
            passes("-c a.c -save-temps"),
            "-save-temps writes extra files"
        );
        assert_eq!(passes("-M a.c"), "dependency generation only");
        assert_eq!(passes("-c a.c -x c++"), "-x after the input file");
    }

    #[test]
    fn option_values_are_not_inputs() {
        let c = cached("-c -include pre.h -isystem sys -x c++ weird.txt -o w.o");
        assert_eq!(c.source, "weird.txt");
        assert!(c.args.contains(&"pre.h".to_string()));
        assert_eq!(c.search_dirs.last().unwrap(), &PathBuf::from("/w/sys"));
    }

    #[test]
    fn response_files_expand() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("r.rsp"),
            "-O2 \"-DMSG=hello world\" -c 'a b.c'\n",
        )
        .unwrap();
        let out = expand_response_files(&args("@r.rsp -o x.o"), dir.path()).unwrap();
        assert_eq!(
            out,
            vec!["-O2", "-DMSG=hello world", "-c", "a b.c", "-o", "x.o"]
        );
        assert!(expand_response_files(&args("@missing.rsp"), dir.path()).is_err());
    }

    #[test]
    fn rebasing_makes_paths_under_the_base_relative() {
        let mut c = cached(
            "-I/src/a/inc -isystem /usr/include/x -include /src/a/pre.h -c /src/a/lib/x.c -o x.o",
        );
        rebase(&mut c, Path::new("/src/a"), Path::new("/src/a/build"));
        assert_eq!(
            c.args,
            args("-I../inc -isystem /usr/include/x -include ../pre.h")
        );
        assert_eq!(c.source, "../lib/x.c");
        let cwd = Path::new("/src/a/build");
        assert!(embeds_cwd(&args("-O2 -g"), cwd));
        assert!(!embeds_cwd(&args("-O2 -g0"), cwd));
        assert!(!embeds_cwd(&args("-g -ffile-prefix-map=/src/a=."), cwd));
        assert!(
            embeds_cwd(&args("-g -ffile-prefix-map=/src/a/lib=."), cwd),
            "the map does not cover the cwd"
        );
    }

    #[test]
    fn depfile_rendering() {
        let req = DepRequest {
            file: "a.d".into(),
            targets: vec![],
            phony: true,
            user_only: false,
        };
        let text = render_depfile(&req, "obj/a.o", &["a.c".into(), "inc/my h.h".into()]);
        assert_eq!(text, "obj/a.o: a.c inc/my\\ h.h\ninc/my\\ h.h:\n");
        assert_eq!(crate::depfile::parse(&text), vec!["a.c", "inc/my h.h"]);
        let long: Vec<String> = (0..4)
            .map(|i| format!("/usr/include/some/long/path{i}.h"))
            .collect();
        let text = render_depfile(&req, "x.o", &long);
        let first_line = text.lines().next().unwrap();
        assert_eq!(
            first_line,
            "x.o: /usr/include/some/long/path0.h /usr/include/some/long/path1.h \\"
        );
        assert!(text.lines().all(|l| l.len() <= 75), "{text}");
    }
}
