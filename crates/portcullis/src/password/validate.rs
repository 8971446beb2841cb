//! Password validators, as Django's: length, not all digits, not like the
//! username or email, not a common password.

use super::common::is_common;
use crate::settings::AuthSettings;

/// The rules new passwords must meet (from `[auth]`).
#[derive(Debug, Clone)]
pub struct PasswordRules {
    /// Minimum length in characters.
    pub min_length: usize,
    /// Maximum length in characters.
    pub max_length: usize,
    /// Similarity threshold (0 disables).
    pub similarity: f64,
    /// Check the common-passwords list.
    pub common_check: bool,
}

impl From<&AuthSettings> for PasswordRules {
    fn from(a: &AuthSettings) -> Self {
        Self {
            min_length: a.password_min_length,
            max_length: a.password_max_length,
            similarity: a.password_similarity,
            common_check: a.password_common_check,
        }
    }
}

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer characters than the minimum.
    TooShort(usize),
    /// More characters than the maximum.
    TooLong(usize),
    /// Digits only.
    AllNumeric,
    /// On the common-passwords list.
    TooCommon,
    /// Too similar to the named attribute (`username` or `email`).
    TooSimilar(&'static str),
}

/// Checks `password` against `rules`; `username` and `email` feed the similarity check.
///
/// ```
/// use portcullis::password::{validate_password, PasswordProblem, PasswordRules};
/// let rules = PasswordRules { min_length: 12, max_length: 128, similarity: 0.7, common_check: true };
/// assert!(validate_password("violet-harbour-42-kites", &rules, "alice", "alice@example.com").is_empty());
/// assert_eq!(validate_password("123456789012", &rules, "alice", ""), vec![PasswordProblem::AllNumeric]);
/// assert_eq!(validate_password("password1234", &rules, "alice", ""), vec![PasswordProblem::TooCommon]);
/// assert!(validate_password("alice-smith-1", &rules, "alice-smith", "").contains(&PasswordProblem::TooSimilar("username")));
/// ```
pub fn validate_password(
    password: &str,
    rules: &PasswordRules,
    username: &str,
    email: &str,
) -> Vec<PasswordProblem> {
    let mut problems = Vec::new();
    let len = password.chars().count();
    if len < rules.min_length {
        problems.push(PasswordProblem::TooShort(rules.min_length));
    }
    if len > rules.max_length {
        problems.push(PasswordProblem::TooLong(rules.max_length));
        // Nothing else is worth computing on an over-long input.
        return problems;
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        problems.push(PasswordProblem::AllNumeric);
    }
    if rules.similarity > 0.0 {
        if too_similar(password, username, rules.similarity) {
            problems.push(PasswordProblem::TooSimilar("username"));
        } else if too_similar(password, email, rules.similarity) {
            problems.push(PasswordProblem::TooSimilar("email"));
        }
    }
    if rules.common_check && is_common(password) {
        problems.push(PasswordProblem::TooCommon);
    }
    problems
}

/// Longest attribute value the similarity check compares (an email's maximum).
const MAX_COMPARED_BYTES: usize = 254;

/// Django's rule: the whole value and each of its word-separated parts are compared.
fn too_similar(password: &str, value: &str, threshold: f64) -> bool {
    // No valid username or email is longer; comparing one would only burn CPU.
    if value.is_empty() || value.len() > MAX_COMPARED_BYTES {
        return false;
    }
    let password = password.to_lowercase();
    let value = value.to_lowercase();
    let parts = std::iter::once(value.as_str()).chain(
        value
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| p.len() >= 3),
    );
    for part in parts {
        if password.contains(part) && part.chars().count() * 2 >= password.chars().count() {
            return true;
        }
        if strsim::normalized_levenshtein(&password, part) >= threshold {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PasswordRules {
        PasswordRules {
            min_length: 12,
            max_length: 128,
            similarity: 0.7,
            common_check: true,
        }
    }

    #[test]
    fn length_bounds_are_characters_not_bytes() {
        assert!(validate_password("ééééééééééé", &rules(), "", "")
            .contains(&PasswordProblem::TooShort(12)));
        let long = "x".repeat(129);
        assert_eq!(
            validate_password(&long, &rules(), "", ""),
            vec![PasswordProblem::TooLong(128)]
        );
    }

    #[test]
    fn similar_to_email_parts_is_refused() {
        let p = validate_password(
            "johnsmith1984",
            &rules(),
            "jsm",
            "johnsmith1984@example.com",
        );
        assert!(p.contains(&PasswordProblem::TooSimilar("email")), "{p:?}");
        assert!(validate_password(
            "plum-orbit-vessel-31",
            &rules(),
            "johnsmith",
            "john@example.com"
        )
        .is_empty());
    }

    #[test]
    fn common_passwords_are_refused() {
        assert!(validate_password("password1234", &rules(), "", "")
            .contains(&PasswordProblem::TooCommon));
    }
}
