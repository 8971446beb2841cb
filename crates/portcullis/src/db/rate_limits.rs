//! The `portcullis_rate_limits` table: one hit counter per bucket and fixed
//! window. Buckets arrive already built (a login in one is already hashed).
//!
//! Lookups are written `bucket = CAST($1 AS TEXT) AND window_start =
//! CAST($2 AS BIGINT)` for the reason `sessions` gives: after `ANALYZE`,
//! SQLite otherwise compiles the statement again at every bind.

use super::{execute, on_pool, Database, DbError, Doing};

/// Counts one hit in `bucket`'s window starting at `window_start` and
/// returns the window's hits with this one, and the hits of the window
/// starting at `previous_start` (0 when it has no row). One statement: the
/// increment is atomic on both databases, so concurrent hits from several
/// replicas each get their own count.
///
/// # Errors
/// [`DbError`] for database failures.
pub(crate) async fn hit(
    db: &Database,
    bucket: &str,
    window_start: i64,
    previous_start: i64,
    expires_at: i64,
) -> Result<(i64, i64), DbError> {
    let (current, previous): (i64, Option<i64>) = on_pool!(db, |pool| sqlx::query_as(
        "INSERT INTO portcullis_rate_limits (bucket, window_start, hits, expires_at) \
         VALUES (CAST($1 AS TEXT), $2, 1, $4) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = portcullis_rate_limits.hits + 1 \
         RETURNING hits, (SELECT p.hits FROM portcullis_rate_limits p \
             WHERE p.bucket = CAST($1 AS TEXT) AND p.window_start = CAST($3 AS BIGINT))"
    )
    .bind(bucket)
    .bind(window_start)
    .bind(previous_start)
    .bind(expires_at)
    .fetch_one(pool)
    .await
    .doing("counting a rate-limited attempt"))?;
    Ok((current, previous.unwrap_or(0)))
}

/// Takes back one hit from `bucket`'s window starting at `window_start`
/// (never below zero).
///
/// # Errors
/// [`DbError`] for database failures.
pub(crate) async fn undo(db: &Database, bucket: &str, window_start: i64) -> Result<(), DbError> {
    execute!(
        db,
        "UPDATE portcullis_rate_limits SET hits = hits - 1 \
         WHERE bucket = CAST($1 AS TEXT) AND window_start = CAST($2 AS BIGINT) AND hits > 0",
        [bucket, window_start],
        "taking back a rate-limited attempt"
    )?;
    Ok(())
}

/// Deletes every window of `bucket`.
///
/// # Errors
/// [`DbError`] for database failures.
pub(crate) async fn clear(db: &Database, bucket: &str) -> Result<(), DbError> {
    execute!(
        db,
        "DELETE FROM portcullis_rate_limits WHERE bucket = CAST($1 AS TEXT)",
        [bucket],
        "clearing a rate-limit bucket"
    )?;
    Ok(())
}

/// Deletes every window that no longer counts at `now`; returns how many.
///
/// # Errors
/// [`DbError`] for database failures.
pub(crate) async fn purge_expired(db: &Database, now: i64) -> Result<u64, DbError> {
    execute!(
        db,
        "DELETE FROM portcullis_rate_limits WHERE expires_at <= $1",
        [now],
        "purging expired rate-limit windows"
    )
}
