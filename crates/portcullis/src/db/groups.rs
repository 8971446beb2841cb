//! `portcullis_groups`, group membership and group permissions.

use super::{execute, on_pool, permissions, Database, DbError, Doing};

/// The id of group `name`, creating it when missing.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn get_or_create(db: &Database, name: &str) -> Result<i64, DbError> {
    execute!(
        db,
        "INSERT INTO portcullis_groups (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
        [name],
        "creating a group"
    )?;
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM portcullis_groups WHERE name = $1"
    )
    .bind(name)
    .fetch_one(pool)
    .await
    .doing("looking up a group"))
}

/// The id of group `name`, if it exists.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn find(db: &Database, name: &str) -> Result<Option<i64>, DbError> {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM portcullis_groups WHERE name = $1"
    )
    .bind(name)
    .fetch_optional(pool)
    .await
    .doing("looking up a group"))
}

/// Adds a user to a group (no-op when already a member).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn add_user(db: &Database, group_id: i64, user_id: i64) -> Result<(), DbError> {
    execute!(
        db,
        "INSERT INTO portcullis_user_groups (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [user_id, group_id],
        "adding a user to a group"
    )?;
    Ok(())
}

/// Removes a user from a group; returns whether they were a member.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn remove_user(db: &Database, group_id: i64, user_id: i64) -> Result<bool, DbError> {
    let n = execute!(
        db,
        "DELETE FROM portcullis_user_groups WHERE user_id = $1 AND group_id = $2",
        [user_id, group_id],
        "removing a user from a group"
    )?;
    Ok(n > 0)
}

/// Grants a permission (created when missing) to a group.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn grant(db: &Database, group_id: i64, codename: &str) -> Result<(), DbError> {
    let perm = permissions::get_or_create(db, codename).await?;
    execute!(
        db,
        "INSERT INTO portcullis_group_permissions (group_id, permission_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
        [group_id, perm],
        "granting a permission to a group"
    )?;
    Ok(())
}

/// Revokes a permission from a group; returns whether it was granted.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn revoke(db: &Database, group_id: i64, codename: &str) -> Result<bool, DbError> {
    let n = execute!(
        db,
        "DELETE FROM portcullis_group_permissions WHERE group_id = $1 AND permission_id IN \
         (SELECT id FROM portcullis_permissions WHERE codename = $2)",
        [group_id, codename],
        "revoking a permission from a group"
    )?;
    Ok(n > 0)
}
