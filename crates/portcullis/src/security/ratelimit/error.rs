//! Why attempts could not be counted.

use crate::db::DbError;

/// A rate-limit store failed. Pages answer 503 when it is temporary: an
/// attempt that cannot be counted is not let through.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RateLimitError {
    /// The database behind the default store failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Another store failed (for stores outside this crate).
    #[error("while counting attempts: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl RateLimitError {
    /// True when the cause is likely temporary (answer 503, not 500): an
    /// unreachable database, or any failure of another store.
    pub fn is_unavailable(&self) -> bool {
        match self {
            RateLimitError::Db(e) => e.is_unavailable(),
            RateLimitError::Store(_) => true,
        }
    }
}
