//! The mails: one plain-text and one HTML askama template per kind under
//! `templates/portcullis/email/`, branded like the pages. Replace any of
//! them with [`super::Renderer::mail`].

use askama::Template;

use super::RenderError;

/// Which mail this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MailKind {
    /// A password-reset link.
    PasswordReset,
    /// The notice after a password change or reset.
    PasswordChanged,
    /// A confirmation link for a new account's address.
    VerifyEmail,
    /// A confirmation link for a new address (sent to the new address).
    EmailChange,
    /// The notice to the old address after an email change.
    EmailChanged,
    /// Someone tried to sign up with an address that has an account.
    AccountExists,
    /// `portcullis sendtestemail`.
    Test,
}

impl MailKind {
    /// A short name for logs and file names (`password_reset`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::PasswordReset => "password_reset",
            MailKind::PasswordChanged => "password_changed",
            MailKind::VerifyEmail => "verify_email",
            MailKind::EmailChange => "email_change",
            MailKind::EmailChanged => "email_changed",
            MailKind::AccountExists => "account_exists",
            MailKind::Test => "test",
        }
    }
}

/// What every mail template receives.
#[derive(Debug, Clone)]
pub struct MailContext {
    /// Which mail.
    pub kind: MailKind,
    /// Subject line (from `[auth.messages]`).
    pub subject: String,
    /// Brand name from `[auth.branding]`.
    pub brand_text: String,
    /// Primary colour (validated hex) for the HTML part's button.
    pub primary_color: String,
    /// `auth.site_origin`: every link is built from it, never from a request
    /// (empty only when unset, which start-up allows only without links).
    pub site_origin: String,
    /// The account's username (empty when the mail concerns no account).
    pub username: String,
    /// The address the mail is about (the new one for an email change).
    pub email: String,
    /// The link to follow (absolute, on `site_origin`); empty for none.
    pub link: String,
    /// A second link (the login page, the reset page); empty for none.
    pub secondary_link: String,
}

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    /// One-line subject.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part (empty: text only).
    pub html: String,
}

macro_rules! mail_templates {
    ($($kind:ident: $text:ident = $text_path:literal, $html:ident = $html_path:literal;)*) => {
        $(
            #[derive(Template)]
            #[template(path = $text_path, escape = "none")]
            struct $text<'a> {
                m: &'a MailContext,
            }

            #[derive(Template)]
            #[template(path = $html_path)]
            struct $html<'a> {
                m: &'a MailContext,
            }
        )*

        /// The shipped templates for `ctx.kind`.
        ///
        /// # Errors
        /// [`RenderError`] when a template fails.
        pub fn default_mail(ctx: &MailContext) -> Result<RenderedMail, RenderError> {
            let (text, html) = match ctx.kind {
                $(MailKind::$kind => ($text { m: ctx }.render()?, $html { m: ctx }.render()?),)*
            };
            Ok(RenderedMail {
                subject: ctx.subject.clone(),
                text,
                html,
            })
        }
    };
}

mail_templates! {
    PasswordReset: ResetText = "portcullis/email/password_reset.txt", ResetHtml = "portcullis/email/password_reset.html";
    PasswordChanged: ChangedText = "portcullis/email/password_changed.txt", ChangedHtml = "portcullis/email/password_changed.html";
    VerifyEmail: VerifyText = "portcullis/email/verify_email.txt", VerifyHtml = "portcullis/email/verify_email.html";
    EmailChange: ChangeText = "portcullis/email/email_change.txt", ChangeHtml = "portcullis/email/email_change.html";
    EmailChanged: EmailChangedText = "portcullis/email/email_changed.txt", EmailChangedHtml = "portcullis/email/email_changed.html";
    AccountExists: ExistsText = "portcullis/email/account_exists.txt", ExistsHtml = "portcullis/email/account_exists.html";
    Test: TestText = "portcullis/email/test.txt", TestHtml = "portcullis/email/test.html";
}
