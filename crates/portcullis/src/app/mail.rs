//! Mails from the account flows: rendered by the app's renderer, links on
//! `auth.site_origin` (never the request's `Host`), handed to the mail
//! thread so that no page waits for a server.

use super::Auth;
use crate::{
    error::AuthError,
    mail::OutgoingMail,
    render::{MailContext, MailKind},
};

/// What a mail is about: who, which address, which links (paths, made
/// absolute on `auth.site_origin` here).
pub(crate) struct MailAbout<'a> {
    pub(crate) username: &'a str,
    pub(crate) email: &'a str,
    pub(crate) link_path: &'a str,
    pub(crate) secondary_path: &'a str,
}

impl Auth {
    fn mail_context(&self, kind: MailKind, about: &MailAbout<'_>) -> MailContext {
        let a = &self.settings().auth;
        let m = &a.messages;
        let origin = a.site_origin.trim_end_matches('/');
        let absolute = |path: &str| {
            if path.is_empty() {
                String::new()
            } else {
                format!("{origin}{path}")
            }
        };
        MailContext {
            kind,
            subject: match kind {
                MailKind::PasswordReset => &m.mail_password_reset_subject,
                MailKind::PasswordChanged => &m.mail_password_changed_subject,
                MailKind::VerifyEmail => &m.mail_verify_email_subject,
                MailKind::EmailChange => &m.mail_email_change_subject,
                MailKind::EmailChanged => &m.mail_email_changed_subject,
                MailKind::AccountExists => &m.mail_account_exists_subject,
                MailKind::Test => &m.mail_test_subject,
            }
            .clone(),
            brand_text: a.branding.brand_text.clone(),
            primary_color: a.branding.primary_color.clone(),
            site_origin: origin.to_owned(),
            username: about.username.to_owned(),
            email: about.email.to_owned(),
            link: absolute(about.link_path),
            secondary_link: absolute(about.secondary_path),
        }
    }

    fn outgoing(
        &self,
        kind: MailKind,
        to: &str,
        about: &MailAbout<'_>,
    ) -> Result<OutgoingMail, AuthError> {
        // Start-up refuses an unset origin with the features that mail
        // links; a page mounted by hand must not send a link without one.
        if self.settings().auth.site_origin.is_empty()
            && !(about.link_path.is_empty() && about.secondary_path.is_empty())
        {
            return Err(AuthError::Invalid(
                "auth.site_origin is unset: no link is built from a request".into(),
            ));
        }
        let ctx = self.mail_context(kind, about);
        let rendered = self
            .renderer()
            .mail(&ctx)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        Ok(OutgoingMail {
            kind: kind.as_str(),
            to: to.to_owned(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        })
    }

    /// Renders and queues a mail to `to`; nobody waits for it. A template
    /// that fails (or a link without `auth.site_origin`) is logged: the page
    /// the user sees stays the same.
    pub(crate) fn queue_mail(&self, kind: MailKind, to: &str, about: &MailAbout<'_>) {
        match self.outgoing(kind, to, about) {
            Ok(mail) => self.inner.mailer.send_in_background(mail),
            Err(e) => tracing::error!(mail = kind.as_str(), error = %e, "mail not rendered"),
        }
    }

    /// Sends a test mail to `address` and waits for the server's answer:
    /// Django's `sendtestemail`, end to end through `[email]`.
    ///
    /// # Errors
    /// [`AuthError::Mail`] saying why it was not sent, [`AuthError::Invalid`]
    /// for an address that does not parse or a template that fails.
    pub async fn send_test_email(&self, address: &str) -> Result<(), AuthError> {
        let about = MailAbout {
            username: "",
            email: address,
            link_path: "",
            secondary_path: "",
        };
        let mail = self.outgoing(MailKind::Test, address, &about)?;
        Ok(self.inner.mailer.send(mail).await?)
    }
}
