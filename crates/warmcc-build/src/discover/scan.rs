//! Cheap lexical scans of C/C++ text: `#include` lines and whether `main` is defined.
//!
//! Not a preprocessor: `#if` is ignored, so an include or a `main` under `#if 0` still counts.
//! That errs towards more include dirs and an extra program, both easy to edit away.

/// One `#include` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Include {
    /// The spelling between the delimiters.
    pub name: String,
    /// `"…"` rather than `<…>`.
    pub quoted: bool,
}

/// What a scan of one file found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Scan {
    pub includes: Vec<Include>,
    pub defines_main: bool,
}

/// Scans `text`.
pub(crate) fn scan(text: &str) -> Scan {
    let code = strip(text, true);
    let includes = code.lines().filter_map(include).collect();
    let bare = strip(text, false);
    Scan {
        includes,
        defines_main: defines_main(&bare),
    }
}

/// The include of a preprocessor line, if it is `#include` or `#import`.
fn include(line: &str) -> Option<Include> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let rest = rest
        .strip_prefix("include_next")
        .or_else(|| rest.strip_prefix("include"))
        .or_else(|| rest.strip_prefix("import"))?
        .trim_start();
    let (close, quoted) = match rest.chars().next()? {
        '"' => ('"', true),
        '<' => ('>', false),
        _ => return None, // a macro include: nothing to resolve
    };
    let body = &rest[1..];
    let end = body.find(close)?;
    let name = body[..end].trim();
    (!name.is_empty()).then(|| Include {
        name: name.to_string(),
        quoted,
    })
}

/// `text` with comments replaced by spaces (newlines kept, so line numbers hold), and with
/// string and character literal contents blanked unless `keep_strings`.
fn strip(text: &str, keep_strings: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                    }
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                out.push(' ');
            }
            '"' | '\'' => {
                out.push(c);
                let mut escaped = false;
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n'); // an unterminated literal ends at the line
                        break;
                    }
                    if !escaped && d == c {
                        out.push(d);
                        break;
                    }
                    escaped = !escaped && d == '\\';
                    out.push(if keep_strings { d } else { ' ' });
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether `code` (comments and strings stripped) defines `int main(...) {` or `void main`.
fn defines_main(code: &str) -> bool {
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(pos) = code[from..].find("main") {
        let start = from + pos;
        let end = start + 4;
        from = end;
        if (start > 0 && ident(bytes[start - 1])) || (end < bytes.len() && ident(bytes[end])) {
            continue;
        }
        // The word before must be the return type.
        let before = code[..start].trim_end();
        let word_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        if !matches!(&before[word_start..], "int" | "void") {
            continue;
        }
        // Then a parameter list, then a body rather than `;` (a declaration).
        let after = code[end..].trim_start();
        let Some(params) = after.strip_prefix('(') else {
            continue;
        };
        let mut depth = 1;
        let mut close = None;
        for (i, c) in params.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        if let Some(close) = close {
            if params[close + 1..].trim_start().starts_with('{') {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_includes_but_not_commented_ones() {
        let s = scan("#include \"a/b.h\"\n  # include <c.h> // x\n// #include \"no.h\"\n/* #include \"no2.h\" */\n#define X \"#include \\\"no3.h\\\"\"\n");
        let names: Vec<_> = s
            .includes
            .iter()
            .map(|i| (i.name.as_str(), i.quoted))
            .collect();
        assert_eq!(names, vec![("a/b.h", true), ("c.h", false)]);
    }

    #[test]
    fn main_definitions() {
        assert!(scan("int main(int argc, char** argv) {\n}").defines_main);
        assert!(scan("int main (void)\n{ return 0; }").defines_main);
        assert!(scan("static void f();\nint\nmain(int argc, char *argv[])\n{}\n").defines_main);
        assert!(!scan("int main(int argc, char** argv);").defines_main);
        assert!(!scan("// int main() {}\nint domain(int x) { return x; }").defines_main);
        assert!(!scan("const char* s = \"int main() {\";").defines_main);
        assert!(!scan("int wmain(int a) {}").defines_main);
    }
}
