//! [`AuthError`]: why an operation failed for a reason other than bad input.

use crate::{
    db::DbError, mail::MailError, password::HashError, security::ratelimit::RateLimitError,
    settings::SettingsError,
};

/// An account operation failed for a reason other than bad input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Password hashing failed or is overloaded.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Attempts could not be counted for rate limiting.
    #[error(transparent)]
    RateLimit(#[from] RateLimitError),
    /// A mail could not be sent (only where someone waits for it, such as
    /// `portcullis sendtestemail`; pages never wait for mail).
    #[error(transparent)]
    Mail(#[from] MailError),
    /// The session could not be written.
    #[error("while writing the session: {0}")]
    Session(String),
    /// Settings are invalid.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// No such user (CLI and admin helpers).
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    /// No such group (CLI and admin helpers).
    #[error("no group named {0:?}")]
    NoSuchGroup(String),
    /// Input refused by validation (CLI and admin helpers); the text lists every problem.
    #[error("{0}")]
    Invalid(String),
}

impl AuthError {
    /// True when the cause is temporary (database unreachable, hashing queue full): answer 503.
    pub fn is_unavailable(&self) -> bool {
        match self {
            AuthError::Db(e) => e.is_unavailable(),
            AuthError::RateLimit(e) => e.is_unavailable(),
            AuthError::Hash(_) => true,
            _ => false,
        }
    }
}
