//! Tells people which Debian/Ubuntu package provides a missing compiler.

use std::path::Path;

use crate::discover::{classify, Family};

/// The `apt-get install …` command that provides the compiler `name` (a name or a path); empty when unknown.
///
/// `clang-19`/`clang++-19` → `apt-get install clang-19`, `clang`/`clang++` → `apt-get install clang`,
/// `gcc`/`cc` → `gcc`, `g++`/`c++` → `g++`, `g++-12` → `g++-12`,
/// `aarch64-linux-gnu-g++` → `g++-aarch64-linux-gnu`, `x86_64-w64-mingw32-gcc` → `gcc-mingw-w64-x86-64`.
pub fn install_hint(name: &str) -> String {
    let name = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string());
    let Some(info) = classify(&name) else {
        return String::new();
    };
    let version = info.version.map(|v| format!("-{v}")).unwrap_or_default();
    let package = match (info.family, info.triple) {
        // One clang package carries every target, so a triple-prefixed clang needs no cross package.
        (Family::Clang, _) => format!("clang{version}"),
        (Family::Gcc, None) => format!("{}{version}", gcc_tool(info.lang)),
        (Family::Gcc, Some(triple)) => cross_gcc_package(gcc_tool(info.lang), &version, &triple),
        (Family::Generic, _) => gcc_tool(info.lang).to_string(),
    };
    format!("apt-get install {package}")
}

fn gcc_tool(lang: crate::Lang) -> &'static str {
    match lang {
        crate::Lang::C => "gcc",
        crate::Lang::Cxx => "g++",
    }
}

/// Debian names cross compilers `<tool>[-N]-<triple>`, with `_` spelled `-` because package names
/// cannot hold underscores; MinGW is packaged as `<tool>-mingw-w64-<arch>`.
fn cross_gcc_package(tool: &str, version: &str, triple: &str) -> String {
    let triple = triple.replace('_', "-");
    if let Some(arch) = triple.strip_suffix("-w64-mingw32") {
        return format!("{tool}-mingw-w64-{arch}");
    }
    format!("{tool}{version}-{triple}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints() {
        let cases = [
            ("clang-19", "apt-get install clang-19"),
            ("clang++-19", "apt-get install clang-19"),
            ("clang", "apt-get install clang"),
            ("clang++", "apt-get install clang"),
            ("/usr/bin/clang++-18", "apt-get install clang-18"),
            ("gcc", "apt-get install gcc"),
            ("g++", "apt-get install g++"),
            ("gcc-12", "apt-get install gcc-12"),
            ("g++-13", "apt-get install g++-13"),
            ("cc", "apt-get install gcc"),
            ("c++", "apt-get install g++"),
            (
                "aarch64-linux-gnu-g++",
                "apt-get install g++-aarch64-linux-gnu",
            ),
            (
                "aarch64-linux-gnu-gcc",
                "apt-get install gcc-aarch64-linux-gnu",
            ),
            (
                "aarch64-linux-gnu-g++-12",
                "apt-get install g++-12-aarch64-linux-gnu",
            ),
            (
                "x86_64-linux-gnu-gcc",
                "apt-get install gcc-x86-64-linux-gnu",
            ),
            (
                "arm-linux-gnueabihf-g++",
                "apt-get install g++-arm-linux-gnueabihf",
            ),
            (
                "x86_64-w64-mingw32-g++",
                "apt-get install g++-mingw-w64-x86-64",
            ),
            ("aarch64-linux-gnu-clang++", "apt-get install clang"),
            ("mycc", ""),
            ("clang-format-19", ""),
        ];
        for (name, want) in cases {
            assert_eq!(install_hint(name), want, "{name}");
        }
    }
}
