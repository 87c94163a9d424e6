//! Quoting a word for a POSIX shell, so that a remedy or a mapping command
//! can be pasted as printed. Pure.
//!
//! Written here rather than taken from a crate: the output is pinned (by
//! tests and by what users already paste), and ARNs, `user@host` and
//! `k=v` stay unquoted as the AWS documentation prints them, where shlex,
//! shell-words and shell-escape all quote `:` or `@` or use double quotes.

/// `s` as one shell word: unchanged when it holds only characters no POSIX
/// shell treats specially, else in single quotes (a `'` inside becomes
/// `'\''`). The empty word is `''`.
pub fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        let cases = [
            (
                "plain",
                "arn:aws:iam::1:role/Dev",
                "arn:aws:iam::1:role/Dev",
            ),
            ("template", "dev:{{SessionName}}", "'dev:{{SessionName}}'"),
            ("space", "a b", "'a b'"),
            ("quote", "it's", r"'it'\''s'"),
            ("empty", "", "''"),
        ];
        for (name, input, want) in cases {
            assert_eq!(quote(input), want, "{name}");
        }
    }
}
