//! Why a mail was not sent.

/// A mail could not be built or delivered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// The mail thread or its transport could not start.
    #[error("while starting the mail transport: {0}")]
    Setup(String),
    /// An address or header was refused while building the message.
    #[error("while building a mail: {0}")]
    Build(String),
    /// The transport refused or failed (SMTP error, unwritable folder).
    #[error("while sending a mail: {0}")]
    Send(String),
    /// The server did not answer within `email.timeout_secs`.
    #[error("while sending a mail: no answer within {0} s")]
    Timeout(u64),
    /// The mail thread has stopped.
    #[error("the mail thread has stopped")]
    Closed,
}
