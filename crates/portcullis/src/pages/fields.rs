//! Building the inputs of the pages' forms.

use crate::render::FieldContext;

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
