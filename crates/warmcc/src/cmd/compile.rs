//! `warmcc compile`: one source to one object through the daemon.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use warmcc_daemon::paths::Paths;
use warmcc_proto::v1 as pb;

use crate::format;

/// Options of `warmcc compile`.
#[derive(clap::Args)]
pub struct Args {
    /// The source file, or `-` to read it from stdin.
    file: String,
    /// Where to write the object (`-` for stdout); default: FILE with `.o`.
    #[arg(short = 'o', value_name = "OUT")]
    output: Option<String>,
    /// Target triple, e.g. aarch64-linux-gnu or arm64-apple-ios17.0.
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// Add an include directory.
    #[arg(short = 'I', value_name = "DIR")]
    include: Vec<String>,
    /// Add a system include directory.
    #[arg(long = "isystem", value_name = "DIR")]
    isystem: Vec<String>,
    /// Define a macro (NAME or NAME=VALUE).
    #[arg(short = 'D', value_name = "NAME[=VALUE]")]
    define: Vec<String>,
    /// Precompile this header once and include it (repeatable; names like `vector` work).
    #[arg(long, value_name = "HEADER")]
    prelude: Vec<String>,
    /// Language standard, e.g. c++20 or gnu11.
    #[arg(long = "std", value_name = "STD")]
    standard: Option<String>,
    /// Optimization level: 0, 1, 2, 3, s, z or g.
    #[arg(short = 'O', value_name = "LEVEL")]
    opt: Option<String>,
    /// Source language when it cannot be told from the name: c or c++.
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// Compiler to use (name or path); default: the newest clang.
    #[arg(long, value_name = "NAME")]
    compiler: Option<String>,
    /// Sysroot for cross compiling.
    #[arg(long, value_name = "DIR")]
    sysroot: Option<String>,
    /// Print the result as JSON on stdout (not with `-o -`).
    #[arg(long)]
    json: bool,
    /// Do not print the one-line summary.
    #[arg(short, long)]
    quiet: bool,
    /// Extra compiler flags, after `--`.
    #[arg(last = true, value_name = "FLAGS")]
    extra: Vec<String>,
}

/// Sends the compile and writes the object.
pub async fn run(paths: &Paths, args: Args) -> Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let language = match args.lang.as_deref() {
        None => pb::Language::Unspecified,
        Some("c") => pb::Language::C,
        Some("c++" | "cxx" | "cpp") => pb::Language::Cxx,
        Some(other) => bail!("unknown language `{other}` (use c or c++)"),
    };
    let output = match (&args.output, args.file.as_str()) {
        (Some(o), _) => o.clone(),
        (None, "-") => bail!("reading from stdin needs -o OUT (or -o - for stdout)"),
        (None, f) => Path::new(f).with_extension("o").display().to_string(),
    };
    if output == "-" && args.json {
        bail!("--json prints to stdout, so it cannot be combined with -o -");
    }
    let source = if args.file == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read the source from stdin")?;
        pb::compile_request::Source::SourceText(buf)
    } else {
        let p = cwd.join(&args.file);
        if !p.is_file() {
            bail!("{}: no such file", args.file);
        }
        pb::compile_request::Source::SourcePath(p.display().to_string())
    };
    let prelude = (!args.prelude.is_empty()).then(|| pb::Prelude {
        headers: args.prelude.clone(),
        text: String::new(),
    });
    let request = pb::CompileRequest {
        source: Some(source),
        source_name: if args.file == "-" {
            "<stdin>".into()
        } else {
            String::new()
        },
        options: Some(pb::CompileOptions {
            language: language as i32,
            standard: args.standard.unwrap_or_default(),
            flags: args.extra,
            include_dirs: args.include,
            system_include_dirs: args.isystem,
            defines: args.define,
            target: args.target.unwrap_or_default(),
            sysroot: args.sysroot.unwrap_or_default(),
            opt_level: args.opt.unwrap_or_default(),
            compiler: args.compiler.unwrap_or_default(),
            working_dir: cwd.display().to_string(),
        }),
        prelude,
    };
    let channel = warmcc::client::ensure(paths).await?;
    let response = pb::compiler_client::CompilerClient::new(channel)
        .max_decoding_message_size(1 << 30)
        .max_encoding_message_size(1 << 30)
        .compile(request)
        .await?
        .into_inner();

    if !response.diagnostics.is_empty() {
        eprint!("{}", response.diagnostics);
    }
    if response.exit_code == 0 {
        write_output(&output, &response.object)?;
    }
    let t = response.timings.unwrap_or_default();
    if args.json {
        let v = serde_json::json!({
            "output": output,
            "exit_code": response.exit_code,
            "cache_hit": response.cache_hit,
            "object_bytes": response.object.len(),
            "diagnostics": response.diagnostics,
            "compiler": response.compiler,
            "cache_key": response.cache_key,
            "timings": {"total_us": t.total_us, "compile_us": t.compile_us, "prelude_us": t.prelude_us, "cache_us": t.cache_us},
        });
        println!("{v:#}");
    } else if !args.quiet {
        let total = format::duration(Duration::from_micros(t.total_us));
        let what = match (response.exit_code, response.cache_hit) {
            (0, true) => format!("cache hit ({total})"),
            (0, false) => format!("compiled in {total}"),
            (code, _) => format!("failed with exit code {code} after {total}"),
        };
        eprintln!("warmcc: {output}: {what}");
    }
    Ok(match response.exit_code {
        0 => ExitCode::SUCCESS,
        c => ExitCode::from(c.clamp(1, 255) as u8),
    })
}

/// Writes the object atomically, so an interrupted run never leaves a truncated file.
fn write_output(output: &str, bytes: &[u8]) -> Result<()> {
    if output == "-" {
        std::io::stdout()
            .write_all(bytes)
            .context("cannot write the object to stdout")?;
        return Ok(());
    }
    let path = PathBuf::from(output);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".{}.warmcc-tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}", path.display())
    })?;
    Ok(())
}
