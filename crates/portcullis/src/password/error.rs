//! Hashing failures.

/// A hash job could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// Too many hash jobs are waiting: shed the request (503 + Retry-After).
    #[error("the password hashing queue is full")]
    Busy,
    /// The hashing threads are gone (shutting down).
    #[error("the password hashing pool has stopped")]
    Stopped,
    /// The argon2 parameters are invalid.
    #[error("invalid argon2 parameters: {0}")]
    Params(String),
}
