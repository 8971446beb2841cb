//! The data of the account pages the email flows add: password change and
//! reset, email verification and email change. Form pages share one
//! context shape; pages that only tell something share another, with
//! [`Notice`] saying which page it is.

use askama::Template;

use super::{FieldContext, FormError, PageBase};

/// A link under a form or notice.
#[derive(Debug, Clone)]
pub struct LinkContext {
    /// Target URL (a local path).
    pub href: String,
    /// Link text.
    pub label: String,
}

/// `templates/portcullis/pages/account_form.html`: the password-change,
/// password-reset, set-a-new-password, email-change and resend-confirmation forms.
#[derive(Debug, Clone, Template)]
#[template(path = "portcullis/pages/account_form.html")]
pub struct AccountFormContext {
    /// Shared fields.
    pub base: PageBase,
    /// Page heading.
    pub heading: String,
    /// Paragraphs above the form.
    pub intro: Vec<String>,
    /// Form action.
    pub action: String,
    /// Masked CSRF token for the hidden `csrf_token` input.
    pub csrf_token: String,
    /// The inputs, in order.
    pub fields: Vec<FieldContext>,
    /// Every problem, for the summary at the top (whole-form ones first).
    pub errors: Vec<FormError>,
    /// Submit button text.
    pub button: String,
    /// Links under the form.
    pub links: Vec<LinkContext>,
}

/// Which page a [`NoticeContext`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// After a reset request (the same for known and unknown addresses).
    PasswordResetSent,
    /// After a new password was set through a reset link.
    PasswordResetComplete,
    /// After a password change.
    PasswordChanged,
    /// A reset link that no longer works.
    PasswordResetLinkInvalid,
    /// A confirmation link's page: one button that confirms (a GET
    /// confirms nothing: mail scanners follow links).
    ConfirmEmail,
    /// After an address was confirmed.
    EmailVerified,
    /// A confirmation link that no longer works.
    VerificationLinkInvalid,
    /// After a confirmation link was sent (signup, resend, email change).
    VerificationSent,
    /// A login refused until the address is confirmed.
    VerificationRequired,
    /// A sensitive page asked for a password the account does not have:
    /// sign out and in again.
    ReauthenticationNeeded,
}

/// A one-button form on a notice page.
#[derive(Debug, Clone)]
pub struct ButtonForm {
    /// Where it posts.
    pub action: String,
    /// Masked CSRF token.
    pub csrf_token: String,
    /// Button text.
    pub button: String,
}

/// `templates/portcullis/pages/notice.html`: a page that tells the user
/// something, with at most one button.
#[derive(Debug, Clone, Template)]
#[template(path = "portcullis/pages/notice.html")]
pub struct NoticeContext {
    /// Shared fields.
    pub base: PageBase,
    /// Which page this is.
    pub notice: Notice,
    /// Page heading.
    pub heading: String,
    /// Paragraphs.
    pub paragraphs: Vec<String>,
    /// A button, when the page has one.
    pub form: Option<ButtonForm>,
    /// Links under the text.
    pub links: Vec<LinkContext>,
}
