//! Database errors, classified so pages can pick the right status.

/// A database operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The server cannot be reached or the pool is exhausted: answer 503.
    #[error("database unavailable while {doing}: {source}")]
    Unavailable {
        /// What was under way.
        doing: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A uniqueness constraint refused the write.
    #[error("duplicate value while {doing}")]
    Conflict {
        /// What was under way.
        doing: &'static str,
    },
    /// Anything else the driver reported.
    #[error("database error while {doing}: {source}")]
    Query {
        /// What was under way.
        doing: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The database lacks some of Portcullis' migrations and
    /// `database.auto_migrate` is off.
    #[error(
        "the database has {pending} of Portcullis' migrations still to apply: run `portcullis migrate` \
         (or set database.auto_migrate = true)"
    )]
    NotMigrated {
        /// How many.
        pending: usize,
    },
    /// Migrations could not be applied.
    #[error("migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl DbError {
    /// True when the database is unreachable (answer 503, not 500).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Unavailable { .. })
    }
}

/// Adds "what was under way" to a driver error and classifies it.
pub(crate) trait Doing<T> {
    fn doing(self, what: &'static str) -> Result<T, DbError>;
}

impl<T> Doing<T> for Result<T, sqlx::Error> {
    fn doing(self, doing: &'static str) -> Result<T, DbError> {
        self.map_err(|source| classify(source, doing))
    }
}

fn classify(source: sqlx::Error, doing: &'static str) -> DbError {
    match &source {
        // Recognised by the driver's error kind, never by message text.
        sqlx::Error::Database(db) if db.is_unique_violation() => DbError::Conflict { doing },
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => DbError::Unavailable { doing, source },
        sqlx::Error::Database(db) if is_busy(db.code().as_deref()) => {
            DbError::Unavailable { doing, source }
        }
        _ => DbError::Query { doing, source },
    }
}

/// SQLite "database is locked/busy" and PostgreSQL connection-class errors.
fn is_busy(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("5") | Some("6") | Some("517") | Some("57P01") | Some("57P03")
    ) || code.is_some_and(|c| c.starts_with("08"))
}
