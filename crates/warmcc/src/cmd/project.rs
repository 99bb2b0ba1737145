//! `warmcc init`, `new` and `check`: project files, written and validated on the client side.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use warmcc_build::{Language, Severity, Template};

/// Options of `warmcc init`.
#[derive(clap::Args)]
pub struct InitArgs {
    /// The project's root directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Overwrite an existing warmcc.toml.
    #[arg(long)]
    force: bool,
    /// Print the proposed warmcc.toml instead of writing it.
    #[arg(long)]
    print: bool,
}

/// Options of `warmcc new`.
#[derive(clap::Args)]
pub struct NewArgs {
    /// Name of the project (and of its directory).
    name: String,
    /// What to create: exe or lib.
    #[arg(long, default_value = "exe")]
    template: String,
    /// Source language: c or c++.
    #[arg(long, default_value = "c++")]
    lang: String,
}

/// Options of `warmcc check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// The project's root directory (or its warmcc.toml).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// `warmcc init`: discovers the project and writes a warmcc.toml a person can read and edit.
pub fn init(args: InitArgs) -> Result<ExitCode> {
    let file = args.dir.join(warmcc_build::config::FILE_NAME);
    if file.exists() && !args.force && !args.print {
        bail!(
            "{} already exists; pass --force to replace it",
            file.display()
        );
    }
    let d = warmcc_build::discover(&args.dir)
        .with_context(|| format!("cannot discover a project in {}", args.dir.display()))?;
    if args.print {
        print!("{}", d.toml);
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::write(&file, &d.toml).with_context(|| format!("cannot write {}", file.display()))?;
    println!("wrote {}", file.display());
    println!("  {} sources, {} headers", d.sources.len(), d.headers.len());
    for t in &d.config.targets {
        println!("  {:<16} {}", t.kind.as_str(), t.name);
    }
    if !d.disabled.is_empty() {
        let names: Vec<&str> = d.disabled.iter().map(|t| t.name.as_str()).collect();
        println!(
            "  commented out (missing dependencies): {}",
            names.join(", ")
        );
    }
    if !d.include_dirs.is_empty() {
        let dirs: Vec<String> = d
            .include_dirs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        println!("  include dirs: {}", dirs.join(" "));
    }
    if !d.build_files.is_empty() {
        let files: Vec<String> = d
            .build_files
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        println!("  other build systems: {}", files.join(" "));
    }
    if !d.binaries.is_empty() {
        println!("  binaries already here: {}", d.binaries.len());
    }
    if !d.unresolved.is_empty() {
        println!(
            "  {} includes not found (see the comments in the file)",
            d.unresolved.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `warmcc new`: a fresh project from a template.
pub fn new(args: NewArgs) -> Result<ExitCode> {
    let template = match args.template.as_str() {
        "exe" => Template::Exe,
        "lib" => Template::Lib,
        other => bail!("unknown template `{other}` (exe or lib)"),
    };
    let lang = match args.lang.as_str() {
        "c" => Language::C,
        "c++" | "cxx" | "cpp" => Language::Cxx,
        other => bail!("unknown language `{other}` (c or c++)"),
    };
    let dir = PathBuf::from(&args.name);
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .context("the project name must be a directory name")?
        .to_string();
    let files = warmcc_build::new_project(&dir, &name, template, lang)?;
    for f in files {
        println!("created {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `warmcc check`: validates the project; exit 1 when it has errors.
pub fn check(args: CheckArgs) -> Result<ExitCode> {
    let file = if args.dir.is_file() {
        args.dir.clone()
    } else {
        args.dir.join(warmcc_build::config::FILE_NAME)
    };
    let project = match warmcc_build::Project::load(&file) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let registry = warmcc_toolchain::Registry::new(None);
    // A toolchain left at the generic names is served by the newest clang, as warmcc does when
    // it compiles, so only names that nothing can serve are reported.
    let probe = |program: &str| {
        warmcc_build::on_path(program)
            || match program {
                "clang" | "cc" => registry
                    .default_for(warmcc_toolchain::Lang::C, None)
                    .is_ok(),
                "clang++" | "c++" => registry
                    .default_for(warmcc_toolchain::Lang::Cxx, None)
                    .is_ok(),
                _ => false,
            }
    };
    let problems = warmcc_build::check(&project, &probe);
    let errors = problems
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    for d in &problems {
        eprintln!("{d}");
    }
    let targets = project.config.targets.len();
    if errors > 0 {
        eprintln!("{}: {errors} error(s)", relative(&file));
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "{}: ok ({targets} targets, {} warnings)",
        relative(&file),
        problems.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn relative(p: &Path) -> String {
    p.display().to_string()
}
