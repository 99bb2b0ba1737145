//! Human-readable numbers and errors for the CLI's output.

use std::time::Duration;

/// Bytes as "12.3 MiB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// A duration as "1h 2m", "3m 4s", "5.6 s" or "7.8 ms".
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h {}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {}s", s / 60, s % 60)
    } else if s >= 1 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}

/// An error with its causes, and a gRPC status reduced to its message.
pub fn error_chain(e: &anyhow::Error) -> String {
    if let Some(s) = e.downcast_ref::<tonic::Status>() {
        return s.message().to_string();
    }
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        if let Some(s) = cause.downcast_ref::<tonic::Status>() {
            out.push_str(&format!(": {}", s.message()));
        } else {
            out.push_str(&format!(": {cause}"));
        }
    }
    out
}
