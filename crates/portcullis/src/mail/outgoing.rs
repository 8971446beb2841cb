//! A finished mail: recipient, subject, plain-text and HTML parts.

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};

use super::MailError;

/// A mail ready to send: always a plain-text part, and an HTML part when
/// `html` is not empty.
#[derive(Debug, Clone)]
pub(crate) struct OutgoingMail {
    /// Which mail this is, for logs (`password_reset`, …); never its content.
    pub(crate) kind: &'static str,
    /// The recipient's address.
    pub(crate) to: String,
    /// One-line subject.
    pub(crate) subject: String,
    /// The plain-text part.
    pub(crate) text: String,
    /// The HTML part; empty for none.
    pub(crate) html: String,
}

impl OutgoingMail {
    /// The lettre message from `from`.
    pub(super) fn message(&self, from: &Mailbox) -> Result<lettre::Message, MailError> {
        let to: Mailbox = self
            .to
            .parse()
            .map_err(|e| MailError::Build(format!("recipient: {e}")))?;
        // A subject is one line: a newline would start a header of its own.
        let subject = self.subject.replace(['\r', '\n'], " ");
        let builder = lettre::Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject);
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(self.text.clone());
        let built = if self.html.is_empty() {
            builder.singlepart(text)
        } else {
            builder.multipart(
                MultiPart::alternative().singlepart(text).singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(self.html.clone()),
                ),
            )
        };
        built.map_err(|e| MailError::Build(e.to_string()))
    }
}
