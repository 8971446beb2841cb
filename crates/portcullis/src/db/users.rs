//! The `portcullis_users` table.

use super::{execute, in_tx, now, on_pool, Database, DbError, Doing};

/// One row of `portcullis_users`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// Primary key.
    pub id: i64,
    /// As typed at signup.
    pub username: String,
    /// As typed; empty when none.
    pub email: String,
    /// PHC string; empty when the account has no usable password.
    pub password_hash: String,
    /// Bumped by every real password change; sessions from before it end.
    pub credential_version: i64,
    /// Inactive users cannot log in and have no permission.
    pub is_active: bool,
    /// Staff flag.
    pub is_staff: bool,
    /// Superuser: every permission.
    pub is_superuser: bool,
    /// Email confirmed.
    pub email_verified: bool,
    /// Epoch seconds.
    pub created_at: i64,
    /// Epoch seconds of the last login.
    pub last_login: Option<i64>,
    /// The user's access version, moved by changes to its memberships and
    /// direct permissions (`db/access.rs`).
    pub(crate) access_version: i64,
    /// The access generation read by the same statement (`None` without its
    /// row): names cached under both are exact for this row.
    pub(crate) access_generation: Option<i64>,
}

/// `SELECT <every UserRow column> FROM portcullis_users <filter>` as a static
/// string; the access key comes with the row so that a login needs no
/// second statement for names this thread already has.
macro_rules! select_users {
    ($filter:literal) => {
        concat!(
            "SELECT id, username, email, password_hash, credential_version, is_active, ",
            "is_staff, is_superuser, email_verified, created_at, last_login, access_version, ",
            super::access::generation_sql!(),
            " AS access_generation FROM portcullis_users ",
            $filter
        )
    };
}

/// What [`insert`] writes.
#[derive(Debug, Clone)]
pub struct NewUserRow<'a> {
    /// Display form.
    pub username: &'a str,
    /// Canonical (NFKC, lower-case) username.
    pub username_canonical: &'a str,
    /// Display form, may be empty.
    pub email: &'a str,
    /// Canonical email, `None` when there is none.
    pub email_canonical: Option<&'a str>,
    /// PHC hash or empty.
    pub password_hash: &'a str,
    /// Active flag.
    pub is_active: bool,
    /// Staff flag.
    pub is_staff: bool,
    /// Superuser flag.
    pub is_superuser: bool,
}

/// Which unique column refused an insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// The canonical username exists.
    Username,
    /// The canonical email exists.
    Email,
}

/// Inserts a user; a duplicate username or email (case-insensitive) is reported, never a 500.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn insert(
    db: &Database,
    new: &NewUserRow<'_>,
) -> Result<Result<i64, Vec<Taken>>, DbError> {
    let existing = taken(db, new.username_canonical, new.email_canonical).await?;
    if !existing.is_empty() {
        return Ok(Err(existing));
    }
    let sql =
        "INSERT INTO portcullis_users (username, username_canonical, email, email_canonical, \
               password_hash, is_active, is_staff, is_superuser, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    let result = on_pool!(db, |pool| {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(new.username)
            .bind(new.username_canonical)
            .bind(new.email)
            .bind(new.email_canonical)
            .bind(new.password_hash)
            .bind(new.is_active)
            .bind(new.is_staff)
            .bind(new.is_superuser)
            .bind(now())
            .fetch_one(pool)
            .await
            .doing("creating a user")
    });
    match result {
        Ok(id) => Ok(Ok(id)),
        // Lost a race with a concurrent signup: the database decided; say which field.
        Err(DbError::Conflict { .. }) => {
            let existing = taken(db, new.username_canonical, new.email_canonical).await?;
            Ok(Err(if existing.is_empty() {
                vec![Taken::Username]
            } else {
                existing
            }))
        }
        Err(e) => Err(e),
    }
}

/// Which of the canonical username and email are already taken.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn taken(
    db: &Database,
    username: &str,
    email: Option<&str>,
) -> Result<Vec<Taken>, DbError> {
    let rows: Vec<(bool, bool)> = on_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT username_canonical = $1, COALESCE(email_canonical = $2, FALSE) \
             FROM portcullis_users WHERE username_canonical = $1 OR email_canonical = $2",
        )
        .bind(username)
        .bind(email)
        .fetch_all(pool)
        .await
        .doing("checking for an existing user")
    })?;
    let mut out = Vec::new();
    if rows.iter().any(|r| r.0) {
        out.push(Taken::Username);
    }
    if rows.iter().any(|r| r.1) {
        out.push(Taken::Email);
    }
    Ok(out)
}

/// The user with this id.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn by_id(db: &Database, id: i64) -> Result<Option<UserRow>, DbError> {
    const SQL: &str = select_users!("WHERE id = $1");
    on_pool!(db, |pool| sqlx::query_as::<_, UserRow>(SQL)
        .bind(id)
        .fetch_optional(pool)
        .await
        .doing("loading a user"))
}

/// The user with this canonical username.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn by_username(db: &Database, canonical: &str) -> Result<Option<UserRow>, DbError> {
    const SQL: &str = select_users!("WHERE username_canonical = $1");
    on_pool!(db, |pool| sqlx::query_as::<_, UserRow>(SQL)
        .bind(canonical)
        .fetch_optional(pool)
        .await
        .doing("looking up a username"))
}

/// The user with this canonical email.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn by_email(db: &Database, canonical: &str) -> Result<Option<UserRow>, DbError> {
    const SQL: &str = select_users!("WHERE email_canonical = $1");
    on_pool!(db, |pool| sqlx::query_as::<_, UserRow>(SQL)
        .bind(canonical)
        .fetch_optional(pool)
        .await
        .doing("looking up an email"))
}

/// Sets a new password hash and bumps the credential version (ends other sessions).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn set_password(db: &Database, id: i64, hash: &str) -> Result<bool, DbError> {
    replace_password(db, id, None, hash).await
}

/// [`set_password`], only while the stored hash is still `expected` (when
/// given): of two uses of one reset link racing, one wins.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn replace_password(
    db: &Database,
    id: i64,
    expected: Option<&str>,
    hash: &str,
) -> Result<bool, DbError> {
    let changed = in_tx!(db, "changing a password", |tx| {
        let n = sqlx::query(
            "UPDATE portcullis_users SET password_hash = $1, credential_version = credential_version + 1 \
             WHERE id = $2 AND ($3 IS NULL OR password_hash = $3)",
        )
        .bind(hash)
        .bind(id)
        .bind(expected)
        .execute(&mut **tx)
        .await
        .doing("changing a password")?
        .rows_affected();
        if n == 1 {
            // Other sessions would be refused anyway (credential version); remove them now.
            sqlx::query("DELETE FROM portcullis_sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await
                .doing("ending sessions after a password change")?;
        }
        n == 1
    });
    Ok(changed)
}

/// Marks the user's address confirmed while it is still `email`; false
/// when it changed meanwhile (or the user is gone).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn set_email_verified(db: &Database, id: i64, email: &str) -> Result<bool, DbError> {
    let n = execute!(
        db,
        "UPDATE portcullis_users SET email_verified = TRUE WHERE id = $1 AND email = $2",
        [id, email],
        "confirming an email address"
    )?;
    Ok(n == 1)
}

/// Replaces the user's address `old` by `new`, confirmed (the link that
/// asks for it went to `new`). `Ok(false)` when the address is no
/// longer `old`; a `new` that another account took meanwhile is
/// [`DbError::Conflict`].
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn change_email(
    db: &Database,
    id: i64,
    old: &str,
    new: &str,
    new_canonical: &str,
) -> Result<bool, DbError> {
    let n = execute!(
        db,
        "UPDATE portcullis_users SET email = $1, email_canonical = $2, email_verified = TRUE \
         WHERE id = $3 AND email = $4",
        [new, new_canonical, id, old],
        "changing an email address"
    )?;
    Ok(n == 1)
}

/// Replaces the hash with one of new parameters for the same password: no version bump.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn rehash(db: &Database, id: i64, old_hash: &str, new_hash: &str) -> Result<(), DbError> {
    execute!(
        db,
        "UPDATE portcullis_users SET password_hash = $1 WHERE id = $2 AND password_hash = $3",
        [new_hash, id, old_hash],
        "upgrading a password hash"
    )?;
    Ok(())
}

/// Records a successful login.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn touch_last_login(db: &Database, id: i64) -> Result<(), DbError> {
    execute!(
        db,
        "UPDATE portcullis_users SET last_login = $1 WHERE id = $2",
        [now(), id],
        "recording the login time"
    )?;
    Ok(())
}

/// Sets the active/staff/superuser flags; deactivating ends the user's sessions.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn set_flags(
    db: &Database,
    id: i64,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
) -> Result<(), DbError> {
    in_tx!(db, "changing user flags", |tx| {
        sqlx::query(
            "UPDATE portcullis_users SET is_active = $1, is_staff = $2, is_superuser = $3 WHERE id = $4",
        )
        .bind(is_active)
        .bind(is_staff)
        .bind(is_superuser)
        .bind(id)
        .execute(&mut **tx)
        .await
        .doing("changing user flags")?;
        if !is_active {
            sqlx::query("DELETE FROM portcullis_sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await
                .doing("ending a deactivated user's sessions")?;
        }
    });
    Ok(())
}

/// Number of users (for `check` and tests).
///
/// # Errors
/// [`DbError`] for database failures.
#[cfg_attr(not(feature = "test-support"), allow(dead_code))] // test_support
pub async fn count(db: &Database) -> Result<i64, DbError> {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM portcullis_users"
    )
    .fetch_one(pool)
    .await
    .doing("counting users"))
}
