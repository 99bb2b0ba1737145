//! What warmcc knows about one compiler executable, and the identity hash that keys its outputs.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The compiler family, which decides the flags warmcc may pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// LLVM clang (any vendor build: Debian, Apple, Homebrew, upstream).
    Clang,
    /// GNU gcc.
    Gcc,
}

/// The language a compiler driver assumes for ambiguous inputs and links against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    /// C: `clang`, `gcc`, `cc`.
    C,
    /// C++: `clang++`, `g++`, `c++`.
    Cxx,
}

impl Lang {
    /// The driver mode a program name selects: clang and gcc both switch to C++ on a `++` name.
    pub fn of_driver_name(name: &str) -> Lang {
        if name.contains("++") {
            Lang::Cxx
        } else {
            Lang::C
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Clang => "clang",
            Kind::Gcc => "gcc",
        })
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::C => "C",
            Lang::Cxx => "C++",
        })
    }
}

/// One identified compiler executable.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Compiler {
    /// The program name as found or asked for, e.g. `clang++-19`.
    pub name: String,
    /// The executable to run: absolute, not canonicalized, because clang's mode follows `argv[0]`.
    pub path: PathBuf,
    /// The canonicalized real file behind `path`.
    pub resolved: PathBuf,
    /// clang or gcc.
    pub kind: Kind,
    /// C for `clang`/`gcc`/`cc`, C++ for `clang++`/`g++`/`c++`.
    pub driver_lang: Lang,
    /// The first line of `--version`.
    pub version: String,
    /// The major version, e.g. 19.
    pub major: u32,
    /// What `-dumpmachine` prints, e.g. `x86_64-pc-linux-gnu`.
    pub default_target: String,
    /// Size in bytes of `resolved`.
    pub size: u64,
    /// Modification time of `resolved`, nanoseconds since the Unix epoch.
    pub mtime_ns: i128,
    /// The compiler's part of every cache key: blake3 over `resolved`, the whole `--version` output, `default_target`, `size`, `mtime_ns` and `driver_lang`.
    #[serde(with = "hex_bytes")]
    pub identity: [u8; 32],
}

impl Compiler {
    /// The identity as 64 lowercase hex digits.
    pub fn identity_hex(&self) -> String {
        hex::encode(self.identity)
    }

    /// A one-line description for people, e.g. `clang++-19 (/usr/lib/llvm-19/bin/clang, Debian clang version 19.1.7)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({}, {})",
            self.name,
            self.resolved.display(),
            self.short_version()
        )
    }

    /// The version line without the vendor's build suffix, e.g. `Debian clang version 19.1.7`.
    pub fn short_version(&self) -> &str {
        short_version(self.kind, &self.version)
    }

    /// Whether one executable builds for any target through `--target=` (clang), unlike gcc.
    pub fn supports_target_flag(&self) -> bool {
        self.kind == Kind::Clang
    }
}

/// Cuts a clang version line after its number, because the parenthesised packaging suffix
/// (`(3~deb12u1)`, `(clang-1500.1.0.2.5)`) is noise in a one-line description.
fn short_version(kind: Kind, line: &str) -> &str {
    if kind != Kind::Clang {
        return line;
    }
    let Some(at) = line.find("version ") else {
        return line;
    };
    let number_start = at + "version ".len();
    let number_len = line[number_start..]
        .find(char::is_whitespace)
        .unwrap_or(line.len() - number_start);
    &line[..number_start + number_len]
}

/// Inputs of the identity hash, borrowed from a fresh identification.
pub(crate) struct IdentityInputs<'a> {
    pub resolved: &'a Path,
    pub version_output: &'a str,
    pub default_target: &'a str,
    pub size: u64,
    pub mtime_ns: i128,
    pub driver_lang: Lang,
}

/// Hashes everything that decides what the compiler produces for given arguments.
///
/// Each field is length-prefixed so that no two different inputs can concatenate to the same
/// bytes, and the key is derived under a versioned context so a change here cannot collide with
/// identities written by an older warmcc.
pub(crate) fn compute_identity(inputs: &IdentityInputs<'_>) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_derive_key("warmcc-toolchain compiler identity v1");
    let mut field = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(inputs.resolved.as_os_str().as_encoded_bytes());
    field(inputs.version_output.as_bytes());
    field(inputs.default_target.as_bytes());
    field(&inputs.size.to_le_bytes());
    field(&inputs.mtime_ns.to_le_bytes());
    field(match inputs.driver_lang {
        Lang::C => b"c",
        Lang::Cxx => b"c++",
    });
    *hasher.finalize().as_bytes()
}

/// Serializes the identity as a hex string, which is readable in the state file and in logs.
mod hex_bytes {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&text, &mut out).map_err(D::Error::custom)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(lang: Lang) -> IdentityInputs<'static> {
        IdentityInputs {
            resolved: Path::new("/usr/lib/llvm-19/bin/clang"),
            version_output: "Debian clang version 19.1.7 (3~deb12u1)\n",
            default_target: "x86_64-pc-linux-gnu",
            size: 132360,
            mtime_ns: 1_750_000_000_000_000_000,
            driver_lang: lang,
        }
    }

    #[test]
    fn identity_depends_on_every_input() {
        let base = compute_identity(&inputs(Lang::C));
        assert_eq!(base, compute_identity(&inputs(Lang::C)));
        assert_ne!(base, compute_identity(&inputs(Lang::Cxx)));
        let mut other = inputs(Lang::C);
        other.size += 1;
        assert_ne!(base, compute_identity(&other));
        let mut other = inputs(Lang::C);
        other.mtime_ns += 1;
        assert_ne!(base, compute_identity(&other));
        let mut other = inputs(Lang::C);
        other.default_target = "aarch64-linux-gnu";
        assert_ne!(base, compute_identity(&other));
        let mut other = inputs(Lang::C);
        other.version_output = "Debian clang version 19.1.6 (3~deb12u1)\n";
        assert_ne!(base, compute_identity(&other));
        let mut other = inputs(Lang::C);
        other.resolved = Path::new("/usr/lib/llvm-18/bin/clang");
        assert_ne!(base, compute_identity(&other));
    }

    #[test]
    fn describe_and_serde() {
        let compiler = Compiler {
            name: "clang++-19".into(),
            path: "/usr/bin/clang++-19".into(),
            resolved: "/usr/lib/llvm-19/bin/clang".into(),
            kind: Kind::Clang,
            driver_lang: Lang::Cxx,
            version: "Debian clang version 19.1.7 (3~deb12u1)".into(),
            major: 19,
            default_target: "x86_64-pc-linux-gnu".into(),
            size: 1,
            mtime_ns: -5,
            identity: compute_identity(&inputs(Lang::Cxx)),
        };
        assert_eq!(
            compiler.describe(),
            "clang++-19 (/usr/lib/llvm-19/bin/clang, Debian clang version 19.1.7)"
        );
        assert!(compiler.supports_target_flag());
        let json = serde_json::to_string(&compiler).unwrap();
        assert!(json.contains(&compiler.identity_hex()), "{json}");
        let back: Compiler = serde_json::from_str(&json).unwrap();
        assert_eq!(back.identity, compiler.identity);
        assert_eq!(back.mtime_ns, -5);
        assert_eq!(back.driver_lang, Lang::Cxx);
    }

    #[test]
    fn short_versions() {
        assert_eq!(
            short_version(
                Kind::Clang,
                "Apple clang version 15.0.0 (clang-1500.1.0.2.5)"
            ),
            "Apple clang version 15.0.0"
        );
        assert_eq!(
            short_version(Kind::Clang, "clang version 18.1.8"),
            "clang version 18.1.8"
        );
        assert_eq!(
            short_version(Kind::Gcc, "gcc (Debian 12.2.0-14+deb12u1) 12.2.0"),
            "gcc (Debian 12.2.0-14+deb12u1) 12.2.0"
        );
    }

    #[test]
    fn driver_lang_from_name() {
        for name in [
            "clang++",
            "clang++-19",
            "g++",
            "g++-12",
            "c++",
            "aarch64-linux-gnu-g++",
        ] {
            assert_eq!(Lang::of_driver_name(name), Lang::Cxx, "{name}");
        }
        for name in ["clang", "clang-19", "gcc", "cc", "x86_64-linux-gnu-gcc-12"] {
            assert_eq!(Lang::of_driver_name(name), Lang::C, "{name}");
        }
    }
}
