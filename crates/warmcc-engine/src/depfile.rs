//! Parses the Makefile-style dependency files that clang and gcc write with `-MD -MF`.

/// Returns the prerequisites listed in a depfile, in order, without duplicates.
///
/// Handles line continuations, `\ ` escaped spaces, `$$` and several rules (as `-MP` writes).
pub fn parse(text: &str) -> Vec<String> {
    let mut deps: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut word = String::new();
    let mut after_colon = false;
    let mut chars = text.chars().peekable();
    let mut push = |word: &mut String, after_colon: bool, deps: &mut Vec<String>| {
        if after_colon && !word.is_empty() && seen.insert(word.clone()) {
            deps.push(word.clone());
        }
        word.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some('\n') => {
                    chars.next();
                    push(&mut word, after_colon, &mut deps);
                }
                Some('\r') => {
                    chars.next();
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    push(&mut word, after_colon, &mut deps);
                }
                Some(' ') | Some('#') => {
                    word.push(chars.next().unwrap_or(' '));
                }
                _ => word.push('\\'),
            },
            '$' if chars.peek() == Some(&'$') => {
                chars.next();
                word.push('$');
            }
            ':' if !after_colon
                && matches!(chars.peek(), Some(' ') | Some('\n') | Some('\t') | None) =>
            {
                word.clear();
                after_colon = true;
            }
            ' ' | '\t' => push(&mut word, after_colon, &mut deps),
            '\n' => {
                push(&mut word, after_colon, &mut deps);
                after_colon = false;
            }
            _ => word.push(c),
        }
    }
    push(&mut word, after_colon, &mut deps);
    deps
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn continuation_and_escapes() {
        let text = "out.o: src/a.c /usr/include/stdio.h \\\n  inc/my\\ file.h dollar$$.h\n";
        assert_eq!(
            parse(text),
            vec![
                "src/a.c",
                "/usr/include/stdio.h",
                "inc/my file.h",
                "dollar$.h"
            ]
        );
    }

    #[test]
    fn phony_rules_from_mp_and_drive_letters_are_kept_once() {
        let text = "a.o: a.c b.h\nb.h:\n";
        assert_eq!(parse(text), vec!["a.c", "b.h"]);
    }

    #[test]
    fn target_with_colon_in_path_is_not_a_dep() {
        let text = "/tmp/x/out.o: /tmp/x/in.c\n";
        assert_eq!(parse(text), vec!["/tmp/x/in.c"]);
    }
}
