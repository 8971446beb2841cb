//! Canonical forms: uniqueness is decided on NFKC + lower-case, so "Alice",
//! "ALICE" and "Ａｌｉｃｅ" are one name (CVE-2019-19844's lesson).

use unicode_normalization::UnicodeNormalization;

/// Longest username, as Django.
pub const MAX_USERNAME_CHARS: usize = 150;
/// Longest email address (RFC 5321 path limit, as allauth).
pub const MAX_EMAIL_CHARS: usize = 254;

/// The form usernames are compared by.
pub fn canonical_username(username: &str) -> String {
    username.trim().nfkc().collect::<String>().to_lowercase()
}

/// The form emails are compared by (the whole address lower-cased, as allauth).
pub fn canonical_email(email: &str) -> String {
    email.trim().nfkc().collect::<String>().to_lowercase()
}

/// Why a username is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameProblem {
    /// Empty.
    Empty,
    /// Over [`MAX_USERNAME_CHARS`].
    TooLong,
    /// Characters other than letters, digits, `.`, `-`, `_` (an `@` would make it look like an email).
    Invalid,
}

/// Checks a username: 1–150 letters, digits, `.`, `-`, `_`.
///
/// # Errors
/// The [`UsernameProblem`].
pub fn validate_username(username: &str) -> Result<(), UsernameProblem> {
    let u = username.trim();
    if u.is_empty() {
        return Err(UsernameProblem::Empty);
    }
    if u.chars().count() > MAX_USERNAME_CHARS {
        return Err(UsernameProblem::TooLong);
    }
    if !u
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(UsernameProblem::Invalid);
    }
    Ok(())
}

#[cfg(test)]
mod examples {
    use super::*;

    #[test]
    fn canonical_forms_fold_case_width_and_space() {
        assert_eq!(canonical_username(" Alice "), "alice");
        assert_eq!(canonical_username("Ａｌｉｃｅ"), "alice");
        assert_eq!(canonical_email(" Bob@Example.COM "), "bob@example.com");
    }

    #[test]
    fn usernames_take_letters_digits_and_dot_dash_underscore() {
        assert_eq!(validate_username("alice.smith"), Ok(()));
        assert_eq!(validate_username("a@b"), Err(UsernameProblem::Invalid));
    }
}
