//! Loading a [`User`] with its group and permission names.

use super::{canonical_username, User};
use crate::db::{self, users::UserRow, Database, DbError};

/// `row` as a [`User`], with its group names and permission codenames
/// (from this thread's cache when the row's statement read their access key).
pub(crate) async fn with_names(db: &Database, row: UserRow) -> Result<User, DbError> {
    let key = db::access::AccessKey::new(row.access_version, row.access_generation);
    let access = db::access::load(db, key, row.id).await?;
    Ok(User::from_access(row, &access))
}

/// The user with primary key `id`.
pub(crate) async fn by_id(db: &Database, id: i64) -> Result<Option<User>, DbError> {
    match db::users::by_id(db, id).await? {
        Some(row) => with_names(db, row).await.map(Some),
        None => Ok(None),
    }
}

/// The user named `username` (case-insensitive).
pub(crate) async fn by_username(db: &Database, username: &str) -> Result<Option<User>, DbError> {
    match db::users::by_username(db, &canonical_username(username)).await? {
        Some(row) => with_names(db, row).await.map(Some),
        None => Ok(None),
    }
}
