//! What a file is, judged by its extension.

use std::path::Path;

/// The language a source file is compiled as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    /// C, compiled by `cc`.
    C,
    /// C++, compiled by `cxx`.
    Cxx,
    /// Assembly (`.s` plain, `.S` preprocessed), assembled by `cc`.
    Asm,
}

impl Language {
    /// The language of a source file, or `None` for headers and everything else.
    pub fn of(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "c" => Some(Language::C),
            "cc" | "cpp" | "cxx" | "c++" | "C" | "cp" | "CPP" => Some(Language::Cxx),
            "s" | "S" | "sx" => Some(Language::Asm),
            _ => None,
        }
    }

    /// The name used in messages and `compile_commands.json` tooling.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::C => "c",
            Language::Cxx => "c++",
            Language::Asm => "assembler",
        }
    }
}

/// Whether `path` looks like a C or C++ header (or a textually included fragment).
pub fn is_header(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("h" | "hh" | "hpp" | "hxx" | "h++" | "H" | "inc" | "inl" | "ipp" | "tcc" | "def")
    )
}
