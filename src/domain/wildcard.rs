//! Wildcard matching, the ways AWS and EKS read a `*`. One matcher; the
//! functions below say which characters are wildcards and whether case
//! counts:
//!
//! - [`iam_like`]: IAM's `StringLike` (trust-policy conditions): `*` any
//!   run of characters (none too), `?` exactly one; case counts.
//! - [`iam_like_ignore_case`]: the same for what IAM compares without case
//!   (actions such as `sts:AssumeRole*`, service principals).
//! - [`star_like_ignore_case`]: an aws-auth ARN read as if its `*` were a
//!   wildcard (the authenticator never reads it so; the checks use it to
//!   tell whom such an entry was meant for): `*` only, case ignored.
//! - [`trailing_star`]: an access-policy namespace scope, where only a
//!   trailing `*` is a wildcard (a prefix).
//!
//! Pure.

/// IAM's wildcard match: `*` any run of characters (none too), `?` one.
pub fn iam_like(pattern: &str, s: &str) -> bool {
    glob(pattern, s, true)
}

/// [`iam_like`] with ASCII case ignored.
pub fn iam_like_ignore_case(pattern: &str, s: &str) -> bool {
    iam_like(&pattern.to_ascii_lowercase(), &s.to_ascii_lowercase())
}

/// `*` matches any run of characters (`?` is itself); ASCII case ignored.
pub fn star_like_ignore_case(pattern: &str, s: &str) -> bool {
    glob(
        &pattern.to_ascii_lowercase(),
        &s.to_ascii_lowercase(),
        false,
    )
}

/// `pattern` itself, or, when it ends in `*`, any `s` starting with what
/// precedes the `*` (no other character is a wildcard).
pub fn trailing_star(pattern: &str, s: &str) -> bool {
    pattern == s
        || pattern
            .strip_suffix('*')
            .is_some_and(|prefix| s.starts_with(prefix))
}

/// The one matcher: `*` any run, `?` one character when `question` says so.
/// Linear backtracking to the last `*` (no exponential cases).
fn glob(pattern: &str, s: &str, question: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && ((question && p[pi] == '?') || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_is_iams_wildcard() {
        let cases = [
            (
                "star_any_run",
                "system:serviceaccount:dev:*",
                "system:serviceaccount:dev:app",
                true,
            ),
            ("star_empty", "a*", "a", true),
            (
                "star_middle",
                "system:*:dev:app",
                "system:serviceaccount:dev:app",
                true,
            ),
            (
                "question_one_char",
                "system:serviceaccount:dev:ap?",
                "system:serviceaccount:dev:app",
                true,
            ),
            ("question_not_zero", "app?", "app", false),
            ("question_not_two", "a?", "abc", false),
            (
                "literal_mismatch",
                "system:serviceaccount:prod:*",
                "system:serviceaccount:dev:app",
                false,
            ),
            ("case_sensitive", "System:*", "system:x", false),
        ];
        for (name, p, s, want) in cases {
            assert_eq!(iam_like(p, s), want, "{name}");
        }
    }

    #[test]
    fn iam_like_ignore_case_for_actions() {
        assert!(iam_like_ignore_case(
            "STS:AssumeRole*",
            "sts:AssumeRoleWithWebIdentity"
        ));
        assert!(iam_like_ignore_case("sts:*", "STS:TagSession"));
        assert!(iam_like_ignore_case("sts:?agSession", "sts:TagSession"));
        assert!(!iam_like_ignore_case(
            "sts:AssumeRole",
            "sts:AssumeRoleWithWebIdentity"
        ));
    }

    #[test]
    fn wildcards_glob() {
        let glob = star_like_ignore_case;
        assert!(glob("arn:aws:iam::1:role/*", "arn:aws:iam::1:role/Dev"));
        assert!(glob(
            "arn:aws:iam::1:role/Dev*",
            "arn:aws:iam::1:role/DEV-admin"
        ));
        assert!(glob("*:role/*Admin*", "arn:aws:iam::1:role/SuperAdminRole"));
        assert!(!glob("arn:aws:iam::2:role/*", "arn:aws:iam::1:role/Dev"));
    }

    #[test]
    fn star_like_takes_question_marks_literally() {
        assert!(!star_like_ignore_case(
            "arn:aws:iam::1:role/De?*",
            "arn:aws:iam::1:role/Dev"
        ));
        assert!(star_like_ignore_case(
            "arn:aws:iam::1:role/De?*",
            "arn:aws:iam::1:role/de?x"
        ));
        assert!(star_like_ignore_case("a*a", "aa"));
        assert!(!star_like_ignore_case("a*a", "a"));
        assert!(star_like_ignore_case("*", ""));
        assert!(star_like_ignore_case("**x**", "yyx"));
    }

    #[test]
    fn namespace_scopes_take_a_trailing_star_only() {
        assert!(trailing_star("dev", "dev"));
        assert!(!trailing_star("dev", "dev-1"));
        assert!(trailing_star("dev-*", "dev-1"));
        assert!(trailing_star("dev*", "dev"));
        assert!(!trailing_star("*-dev", "team-dev"));
        assert!(trailing_star("*", "anything"));
    }
}
