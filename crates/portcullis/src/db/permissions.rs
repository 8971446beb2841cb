//! `portcullis_permissions` and direct user permissions.

use super::{execute, on_pool, Database, DbError, Doing};

/// The id of permission `codename` (`app.action`), creating it when missing.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn get_or_create(db: &Database, codename: &str) -> Result<i64, DbError> {
    execute!(
        db,
        "INSERT INTO portcullis_permissions (codename) VALUES ($1) ON CONFLICT (codename) DO NOTHING",
        [codename],
        "creating a permission"
    )?;
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM portcullis_permissions WHERE codename = $1"
    )
    .bind(codename)
    .fetch_one(pool)
    .await
    .doing("looking up a permission"))
}

/// Grants a permission (created when missing) directly to a user.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn grant_user(db: &Database, user_id: i64, codename: &str) -> Result<(), DbError> {
    let perm = get_or_create(db, codename).await?;
    execute!(
        db,
        "INSERT INTO portcullis_user_permissions (user_id, permission_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
        [user_id, perm],
        "granting a permission"
    )?;
    Ok(())
}

/// Revokes a direct permission; returns whether it was granted.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn revoke_user(db: &Database, user_id: i64, codename: &str) -> Result<bool, DbError> {
    let n = execute!(
        db,
        "DELETE FROM portcullis_user_permissions WHERE user_id = $1 AND permission_id IN \
         (SELECT id FROM portcullis_permissions WHERE codename = $2)",
        [user_id, codename],
        "revoking a permission"
    )?;
    Ok(n > 0)
}
