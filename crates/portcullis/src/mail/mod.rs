//! Outgoing mail. Pages call a [`Mailer`], never a transport directly; the
//! SMTP and file transports arrive with the password-reset feature.

use std::{future::Future, pin::Pin};

/// One message to send.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    /// Recipient address (always the stored one, never the typed one).
    pub to: String,
    /// One-line subject.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
}

/// Why a mail was not sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// The transport refused or failed.
    #[error("while sending mail: {0}")]
    Transport(String),
}

/// Sends mail; installed on [`crate::AuthBuilder::mailer`].
pub trait Mailer: Send + Sync + 'static {
    /// Sends `mail`.
    fn send<'a>(
        &'a self,
        mail: &'a OutgoingMail,
    ) -> Pin<Box<dyn Future<Output = Result<(), MailError>> + 'a>>;
}

/// Writes each mail to the log (development default, `email.backend = "console"`).
#[derive(Debug, Default, Clone, Copy)]
pub struct ConsoleMailer;

impl Mailer for ConsoleMailer {
    fn send<'a>(
        &'a self,
        mail: &'a OutgoingMail,
    ) -> Pin<Box<dyn Future<Output = Result<(), MailError>> + 'a>> {
        Box::pin(async move {
            tracing::info!(to = %mail.to, subject = %mail.subject, body = %mail.text, "mail (console backend)");
            Ok(())
        })
    }
}
