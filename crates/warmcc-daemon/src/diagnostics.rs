//! Structured diagnostics from clang's text format (`file:line:col: severity: message`).

use warmcc_proto::v1 as pb;

const SEVERITIES: &[&str] = &["fatal error", "error", "warning", "note", "remark"];

/// Parses the first line of every diagnostic; continuation lines (source excerpts, carets) are
/// left to the text form.
pub fn parse(text: &str) -> Vec<pb::Diagnostic> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<pb::Diagnostic> {
    // Find ": <severity>: " and split the location before it from the message after it.
    let (sev, at) = SEVERITIES
        .iter()
        .filter_map(|s| line.find(&format!(": {s}: ")).map(|i| (*s, i)))
        .min_by_key(|(_, i)| *i)?;
    let location = &line[..at];
    let message = &line[at + sev.len() + 4..];
    let mut parts = location.rsplitn(3, ':');
    let (col, ln, file) = (parts.next()?, parts.next()?, parts.next()?);
    Some(pb::Diagnostic {
        severity: sev.to_string(),
        file: file.to_string(),
        line: ln.parse().ok()?,
        column: col.parse().ok()?,
        message: message.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn clang_lines() {
        let text = "snippet-3:1:21: error: no matching function for call to 'twice'\n    1 | int f() { return twice(); }\n      |                  ^~~~~\nsnippet-1 (exports):1:5: note: candidate function not viable\n";
        let d = parse(text);
        assert_eq!(d.len(), 2);
        assert_eq!(
            (
                d[0].file.as_str(),
                d[0].line,
                d[0].column,
                d[0].severity.as_str()
            ),
            ("snippet-3", 1, 21, "error")
        );
        assert_eq!(d[0].message, "no matching function for call to 'twice'");
        assert_eq!(
            (d[1].file.as_str(), d[1].severity.as_str()),
            ("snippet-1 (exports)", "note")
        );
    }
}
