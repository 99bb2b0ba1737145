//! Diagnostics as structured records, convertible to and from the worker protocol.

use crate::proto;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A note attached to the previous diagnostic.
    Note,
    /// An optimisation remark.
    Remark,
    /// A warning.
    Warning,
    /// An error: the snippet produced no object.
    Error,
    /// A fatal error (e.g. a missing header).
    Fatal,
}

impl Severity {
    /// Maps clang's level number (1 note … 5 fatal) to a severity.
    pub fn from_clang(level: i32) -> Self {
        match level {
            1 => Severity::Note,
            2 => Severity::Remark,
            3 => Severity::Warning,
            5 => Severity::Fatal,
            _ => Severity::Error,
        }
    }

    /// The protocol's enum value.
    pub fn to_proto(self) -> proto::Severity {
        match self {
            Severity::Note => proto::Severity::Note,
            Severity::Remark => proto::Severity::Remark,
            Severity::Warning => proto::Severity::Warning,
            Severity::Error => proto::Severity::Error,
            Severity::Fatal => proto::Severity::Fatal,
        }
    }
}

/// One diagnostic with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// The snippet name or header path; empty when clang gave no location.
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
    /// The message without location or severity.
    pub message: String,
}

impl From<&Diagnostic> for proto::Diagnostic {
    fn from(d: &Diagnostic) -> Self {
        proto::Diagnostic {
            severity: d.severity.to_proto() as i32,
            file: d.file.clone(),
            line: d.line,
            column: d.column,
            message: d.message.clone(),
        }
    }
}
