//! Database errors, classified so pages can pick the right status.

/// A database operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The server cannot be reached, the pool is exhausted, or the database
    /// refuses for now (busy, read-only, full, a statement timed out):
    /// answer 503.
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
    /// True when the database is unreachable or refuses for now (answer 503, not 500).
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
        sqlx::Error::Database(db) if is_temporary(db.as_ref()) => {
            DbError::Unavailable { doing, source }
        }
        _ => DbError::Query { doing, source },
    }
}

/// Errors that say "not now" rather than "never": the database is busy,
/// read-only (a standby, or a failover under way), full, short of
/// connections, or a statement ran past the server's timeout. The request
/// may succeed later, so it is answered 503 with `Retry-After`, not 500.
fn is_temporary(db: &dyn sqlx::error::DatabaseError) -> bool {
    let Some(code) = db.code() else { return false };
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // SQLite reports extended codes; the primary code is the low byte.
        let primary = code.parse::<i32>().map_or(0, |c| c & 0xff);
        // BUSY, LOCKED, READONLY, FULL.
        return matches!(primary, 5 | 6 | 8 | 13);
    }
    // PostgreSQL SQLSTATE classes: 08 connection, 53 insufficient resources,
    // 57 operator intervention (shutdown, statement timeout); then read-only
    // transaction, lock timeout, serialization failure and deadlock.
    ["08", "53", "57"]
        .iter()
        .any(|class| code.starts_with(class))
        || matches!(&*code, "25006" | "55P03" | "40001" | "40P01")
}
