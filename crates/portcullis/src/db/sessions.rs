//! The `portcullis_sessions` table. Keys arrive already hashed.

use super::{now, on_pool, Database, DbError, Doing};

/// A live session row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Serialized session state (JSON object of strings).
    pub data: String,
    /// Epoch seconds of the last request that touched it.
    pub last_seen: i64,
}

/// The live row for `key_hash`: not past its absolute expiry, not idle since `idle_cutoff`.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn load(
    db: &Database,
    key_hash: &str,
    idle_cutoff: i64,
) -> Result<Option<SessionRow>, DbError> {
    on_pool!(db, |pool| sqlx::query_as::<_, SessionRow>(
        "SELECT data, last_seen FROM portcullis_sessions \
         WHERE key_hash = $1 AND expires_at > $2 AND last_seen > $3"
    )
    .bind(key_hash)
    .bind(now())
    .bind(idle_cutoff)
    .fetch_optional(pool)
    .await
    .doing("loading a session"))
}

/// Stores a new session.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn insert(
    db: &Database,
    key_hash: &str,
    user_id: Option<i64>,
    data: &str,
    expires_at: i64,
) -> Result<(), DbError> {
    let t = now();
    on_pool!(db, |pool| {
        sqlx::query(
        "INSERT INTO portcullis_sessions (key_hash, user_id, data, created_at, last_seen, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $5)"
    )
    .bind(key_hash)
    .bind(user_id)
    .bind(data)
    .bind(t)
    .bind(expires_at)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    .doing("saving a session")
    })?;
    Ok(())
}

/// Replaces a live session's data; false when the row is gone or expired.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn update(
    db: &Database,
    key_hash: &str,
    user_id: Option<i64>,
    data: &str,
) -> Result<bool, DbError> {
    let t = now();
    let done = on_pool!(db, |pool| sqlx::query(
        "UPDATE portcullis_sessions SET data = $1, user_id = $2, last_seen = $3 \
         WHERE key_hash = $4 AND expires_at > $3"
    )
    .bind(data)
    .bind(user_id)
    .bind(t)
    .bind(key_hash)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    .doing("updating a session"))?;
    Ok(done == 1)
}

/// Records activity (for the idle timeout).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn touch(db: &Database, key_hash: &str) -> Result<(), DbError> {
    on_pool!(db, |pool| sqlx::query(
        "UPDATE portcullis_sessions SET last_seen = $1 WHERE key_hash = $2"
    )
    .bind(now())
    .bind(key_hash)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    .doing("touching a session"))?;
    Ok(())
}

/// Deletes one session.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn delete(db: &Database, key_hash: &str) -> Result<(), DbError> {
    on_pool!(db, |pool| sqlx::query(
        "DELETE FROM portcullis_sessions WHERE key_hash = $1"
    )
    .bind(key_hash)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    .doing("deleting a session"))?;
    Ok(())
}

/// The `last_seen` before which a session counts as idle (`i64::MIN` when the timeout is off).
pub fn idle_cutoff(idle_timeout_secs: u64) -> i64 {
    if idle_timeout_secs == 0 {
        i64::MIN
    } else {
        now() - idle_timeout_secs as i64
    }
}

/// Deletes every session past its absolute expiry or idle since `idle_cutoff`; returns how many.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn clear_expired(db: &Database, idle_cutoff: i64) -> Result<u64, DbError> {
    let done = on_pool!(db, |pool| sqlx::query(
        "DELETE FROM portcullis_sessions WHERE expires_at <= $1 OR last_seen <= $2"
    )
    .bind(now())
    .bind(idle_cutoff)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    .doing("clearing expired sessions"))?;
    Ok(done)
}

/// Number of stored sessions for `user_id` (tests, future session lists).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn count_for_user(db: &Database, user_id: i64) -> Result<i64, DbError> {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM portcullis_sessions WHERE user_id = $1"
    )
    .bind(user_id)
    .fetch_one(pool)
    .await
    .doing("counting sessions"))
}

/// Number of stored sessions.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn count(db: &Database) -> Result<i64, DbError> {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM portcullis_sessions"
    )
    .fetch_one(pool)
    .await
    .doing("counting sessions"))
}
