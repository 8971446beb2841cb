//! Hooks for Portcullis' own tests and benchmarks, behind the
//! `test-support` feature: raw table counts, the hashing pool and the
//! stores under the API. Not a stable API, and nothing an app needs.

use crate::db::{self, Database, DbError};
pub use crate::{
    db::users::UserRow,
    password::hash::{HashParams, HashPool, Verified},
    security::ratelimit::database::DbRateLimitStore,
    session::DbSessionStore,
};

/// Now, in epoch seconds, as the tables store it.
pub fn now() -> i64 {
    db::now()
}

/// Rows in the users table.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn count_users(db: &Database) -> Result<i64, DbError> {
    db::users::count(db).await
}

/// Rows in the sessions table.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn count_sessions(db: &Database) -> Result<i64, DbError> {
    db::sessions::count(db).await
}

/// Live sessions of one user.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn count_sessions_of(db: &Database, user_id: i64) -> Result<i64, DbError> {
    db::sessions::count_for_user(db, user_id).await
}

/// A user's row as stored, password hash included.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn user_row(db: &Database, id: i64) -> Result<Option<UserRow>, DbError> {
    db::users::by_id(db, id).await
}

/// Stores a session row as the store would (`key_hash` as given).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn insert_session(
    db: &Database,
    key_hash: &str,
    user_id: Option<i64>,
    data: &str,
    expires_at: i64,
) -> Result<(), DbError> {
    db::sessions::insert(db, key_hash, user_id, data, expires_at).await
}

/// True when the masked CSRF token `submitted` unmasks to `secret` (the
/// session's stored secret), as the CSRF check decides.
pub fn masked_token_matches(secret: &str, submitted: &str) -> bool {
    crate::security::csrf::masked_token_matches(secret, submitted)
}
