//! Creating users: validation with per-field messages, then an insert that
//! the database keeps unique.

use validator::ValidateEmail;

use super::MAX_EMAIL_CHARS;
use super::{canonical_email, canonical_username, validate_username, UsernameProblem};
use crate::{
    password::{validate_password, PasswordProblem, PasswordRules},
    settings::Messages,
};

/// A user to create.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Username (letters, digits, `.`, `-`, `_`).
    pub username: String,
    /// Email address; may be empty only when `email_required` is false.
    pub email: String,
    /// Password; `None` creates an account that cannot log in with a password.
    pub password: Option<String>,
    /// Active flag (normally true).
    pub is_active: bool,
    /// Staff flag.
    pub is_staff: bool,
    /// Superuser flag.
    pub is_superuser: bool,
}

impl NewUser {
    /// An active, ordinary user.
    pub fn new(
        username: impl Into<String>,
        email: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        NewUser {
            username: username.into(),
            email: email.into(),
            password: Some(password.into()),
            is_active: true,
            ..Default::default()
        }
    }
}

/// Validation messages, per field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    /// Problems with the username.
    pub username: Vec<String>,
    /// Problems with the email.
    pub email: Vec<String>,
    /// Problems with the password.
    pub password: Vec<String>,
    /// Problems with the password confirmation.
    pub password_confirm: Vec<String>,
    /// Problems with the form as a whole.
    pub form: Vec<String>,
}

impl FieldErrors {
    /// True when nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.username.is_empty()
            && self.email.is_empty()
            && self.password.is_empty()
            && self.password_confirm.is_empty()
            && self.form.is_empty()
    }

    /// Every message on one line each, prefixed by its field (for the CLI).
    pub fn summary(&self) -> String {
        let mut out = Vec::new();
        for (field, msgs) in [
            ("username", &self.username),
            ("email", &self.email),
            ("password", &self.password),
            ("password confirmation", &self.password_confirm),
            ("form", &self.form),
        ] {
            for m in msgs {
                out.push(format!("{field}: {m}"));
            }
        }
        out.join("; ")
    }
}

/// Checks username, email and password shape (not uniqueness); pure, no database.
pub(crate) fn validate_new_user(
    new: &NewUser,
    rules: &PasswordRules,
    messages: &Messages,
    email_required: bool,
) -> FieldErrors {
    let mut errors = FieldErrors::default();
    match validate_username(&new.username) {
        Ok(()) => {}
        Err(UsernameProblem::Empty) => errors.username.push(messages.field_required.clone()),
        Err(UsernameProblem::TooLong) => errors.username.push(messages.username_too_long.clone()),
        Err(UsernameProblem::Invalid) => errors.username.push(messages.username_invalid.clone()),
    }
    let email = new.email.trim();
    if email.is_empty() {
        if email_required {
            errors.email.push(messages.field_required.clone());
        }
    } else if email.chars().count() > MAX_EMAIL_CHARS || !email.validate_email() {
        errors.email.push(messages.email_invalid.clone());
    }
    if let Some(password) = &new.password {
        if password.is_empty() {
            errors.password.push(messages.field_required.clone());
        } else {
            // Only values that passed their own checks are compared: an
            // over-long one would cost Levenshtein seconds (CVE-2021-45115).
            let username = if errors.username.is_empty() {
                new.username.as_str()
            } else {
                ""
            };
            let email = if errors.email.is_empty() { email } else { "" };
            for p in validate_password(password, rules, username, email) {
                errors.password.push(password_message(&p, messages));
            }
        }
    }
    errors
}

/// The user-visible text of a password problem.
pub(crate) fn password_message(p: &PasswordProblem, m: &Messages) -> String {
    match p {
        PasswordProblem::TooShort(min) => m.password_too_short.replace("{min}", &min.to_string()),
        PasswordProblem::TooLong(max) => m.password_too_long.replace("{max}", &max.to_string()),
        PasswordProblem::AllNumeric => m.password_all_numeric.clone(),
        PasswordProblem::TooCommon => m.password_too_common.clone(),
        PasswordProblem::TooSimilar(field) => m.password_too_similar.replace("{field}", field),
    }
}

/// The problems with a password's confirmation (typed again as `password2`).
pub(crate) fn confirm_errors(password1: &str, password2: &str, m: &Messages) -> Vec<String> {
    if password2.is_empty() {
        vec![m.field_required.clone()]
    } else if password1 != password2 {
        vec![m.password_mismatch.clone()]
    } else {
        Vec::new()
    }
}

/// Canonical (username, optional email) of `new`.
pub(crate) fn canonical_pair(new: &NewUser) -> (String, Option<String>) {
    let email = new.email.trim();
    (
        canonical_username(&new.username),
        (!email.is_empty()).then(|| canonical_email(email)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default rules without the common-passwords list.
    fn rules() -> PasswordRules {
        PasswordRules {
            common_check: false,
            ..PasswordRules::from(&crate::settings::AuthSettings::default())
        }
    }

    /// CVE-2021-45115's lesson: a value that already failed validation is not
    /// compared (Levenshtein on a 250,000-character username costs seconds).
    #[test]
    fn invalid_values_skip_the_similarity_check() {
        let m = Messages::default();
        let similar = m.password_too_similar.replace("{field}", "username");
        let valid = NewUser::new("violet-harbour", "v@example.com", "violet-harbour-42");
        assert!(validate_new_user(&valid, &rules(), &m, true)
            .password
            .contains(&similar));
        for username in ["violet harbour!", &"violet-harbour".repeat(20)] {
            let invalid = NewUser::new(username, "v@example.com", "violet-harbour-42");
            let errors = validate_new_user(&invalid, &rules(), &m, true);
            assert!(!errors.username.is_empty(), "{username}");
            assert!(errors.password.is_empty(), "{username}: {errors:?}");
        }
        let bad_email = NewUser::new("ann", "violet.harbour@@example", "violet.harbour@@example1");
        let errors = validate_new_user(&bad_email, &rules(), &m, true);
        assert!(!errors.email.is_empty());
        assert!(errors.password.is_empty(), "{errors:?}");
    }
}
