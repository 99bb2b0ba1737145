//! What is stored in the cache: compile results and the manifests that point to them.

use prost::Message;

/// A stored compile result.
#[derive(Clone, PartialEq, Message)]
pub struct StoredResult {
    /// The compiler's exit status.
    #[prost(int32, tag = "1")]
    pub exit_code: i32,
    /// Object or PCH bytes.
    #[prost(bytes = "vec", tag = "2")]
    pub output: Vec<u8>,
    /// Compiler stderr (warnings are replayed on a hit).
    #[prost(string, tag = "3")]
    pub stderr: String,
    /// Compiler stdout.
    #[prost(string, tag = "4")]
    pub stdout: String,
    /// Inputs read, absolute paths (to rewrite depfiles on a hit).
    #[prost(string, repeated, tag = "5")]
    pub deps: Vec<String>,
    /// How long the compile took, for "time saved".
    #[prost(uint64, tag = "6")]
    pub compile_us: u64,
    /// Depfile prerequisites as the compiler wrote them, to render depfiles on a hit.
    #[prost(string, repeated, tag = "7")]
    pub raw_deps: Vec<String>,
}

/// One input a cached compile read, with its content hash.
#[derive(Clone, PartialEq, Message)]
pub struct Dep {
    /// Absolute path.
    #[prost(string, tag = "1")]
    pub path: String,
    /// blake3 of the content.
    #[prost(bytes = "vec", tag = "2")]
    pub hash: Vec<u8>,
}

/// One way a source + arguments has compiled before.
#[derive(Clone, PartialEq, Message)]
pub struct ManifestEntry {
    /// Inputs with their hashes at the time.
    #[prost(message, repeated, tag = "1")]
    pub deps: Vec<Dep>,
    /// Paths that did not exist and would have shadowed a dep on the include path.
    #[prost(string, repeated, tag = "2")]
    pub absent: Vec<String>,
    /// Key of the result.
    #[prost(bytes = "vec", tag = "3")]
    pub result_key: Vec<u8>,
}

/// All the ways a source + arguments has compiled, newest first.
#[derive(Clone, PartialEq, Message)]
pub struct Manifest {
    /// The entries.
    #[prost(message, repeated, tag = "1")]
    pub entries: Vec<ManifestEntry>,
}

/// How many header variants one manifest remembers.
pub const MAX_ENTRIES: usize = 16;
