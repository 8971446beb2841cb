//! Building the inputs of the pages' forms.

use crate::{accounts::FieldErrors, render::FieldContext, settings::AuthSettings};

/// An input; a password's value is never sent back, others are shown
/// again cut to `maxlength` (0: no limit on the input).
pub(super) fn field(
    name: &str,
    label: &str,
    kind: &str,
    value: &str,
    errors: &[String],
    autocomplete: &str,
    maxlength: usize,
) -> FieldContext {
    FieldContext {
        name: name.into(),
        label: label.into(),
        input_type: kind.into(),
        value: if kind == "password" {
            String::new()
        } else if maxlength == 0 {
            value.to_owned()
        } else {
            value.chars().take(maxlength).collect()
        },
        errors: errors.to_vec(),
        autocomplete: autocomplete.into(),
        maxlength,
        help: String::new(),
        autofocus: false,
    }
}

/// Focuses the first field with a problem, else the first field.
pub(super) fn focus_first(fields: &mut [FieldContext]) {
    let first = fields
        .iter()
        .position(|f| !f.errors.is_empty())
        .unwrap_or(0);
    if let Some(f) = fields.get_mut(first) {
        f.autofocus = true;
    }
}

/// The `new_password1` and `new_password2` inputs of the password-change
/// and set-a-new-password forms, with the rules as help.
pub(super) fn new_password_pair(a: &AuthSettings, errors: &FieldErrors) -> Vec<FieldContext> {
    let m = &a.messages;
    let mut new1 = field(
        "new_password1",
        &m.new_password_label,
        "password",
        "",
        &errors.password,
        "new-password",
        0,
    );
    new1.help = m
        .password_help
        .replace("{min}", &a.password_min_length.to_string());
    let new2 = field(
        "new_password2",
        &m.new_password_confirm_label,
        "password",
        "",
        &errors.password_confirm,
        "new-password",
        0,
    );
    vec![new1, new2]
}

/// The one `email` input of the reset-request and resend forms.
pub(super) fn email_field(a: &AuthSettings, value: &str, errors: &FieldErrors) -> FieldContext {
    field(
        "email",
        &a.messages.email_label,
        "email",
        value,
        &errors.email,
        "email",
        crate::accounts::MAX_EMAIL_CHARS,
    )
}
