//! `portcullis_oidc_identities`: (provider, subject) → user (migration 0005).

use super::{execute, now, on_pool, Database, DbError, Doing};

/// One linked identity.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdentityRow {
    /// The provider's id in settings.
    pub provider: String,
    /// The email the provider last asserted (may be empty).
    pub email: String,
}

/// The user `subject` of `provider` is linked to.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn user_of(db: &Database, provider: &str, subject: &str) -> Result<Option<i64>, DbError> {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT user_id FROM portcullis_oidc_identities WHERE provider = $1 AND subject = $2"
    )
    .bind(provider)
    .bind(subject)
    .fetch_optional(pool)
    .await
    .doing("looking up an OpenID identity"))
}

/// Links `subject` of `provider` to `user_id`; `Ok(false)` when that
/// subject is already linked (to anyone: the database decides).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn link(
    db: &Database,
    user_id: i64,
    provider: &str,
    issuer: &str,
    subject: &str,
    email: &str,
) -> Result<bool, DbError> {
    let n = execute!(
        db,
        "INSERT INTO portcullis_oidc_identities (user_id, provider, issuer, subject, email, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (provider, subject) DO NOTHING",
        [user_id, provider, issuer, subject, email, now()],
        "linking an OpenID identity"
    )?;
    Ok(n > 0)
}

/// Records a sign-in through an identity and the email it asserted.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn touch(
    db: &Database,
    provider: &str,
    subject: &str,
    email: &str,
) -> Result<(), DbError> {
    execute!(
        db,
        "UPDATE portcullis_oidc_identities SET last_login = $1, email = $2 \
         WHERE provider = $3 AND subject = $4",
        [now(), email, provider, subject],
        "recording an OpenID sign-in"
    )?;
    Ok(())
}

/// Every identity linked to `user_id`, by provider.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn of_user(db: &Database, user_id: i64) -> Result<Vec<IdentityRow>, DbError> {
    on_pool!(db, |pool| sqlx::query_as::<_, IdentityRow>(
        "SELECT provider, email FROM portcullis_oidc_identities \
         WHERE user_id = $1 ORDER BY provider, subject"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
    .doing("listing a user's OpenID identities"))
}

/// Unlinks `user_id`'s identities at `provider`, but only while the user
/// keeps another way in: a usable password (`password_hash` not empty) or
/// an identity at another provider `still_configured` lists (the check and
/// the delete are one statement). Returns the rows removed.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn unlink_keeping_a_way_in(
    db: &Database,
    user_id: i64,
    provider: &str,
    still_configured: &[String],
) -> Result<u64, DbError> {
    // The configured providers as one `,a,b,` text: a static statement on
    // both databases (ids are letters, digits, `-` and `_`; `_` is escaped).
    let configured = format!(",{},", still_configured.join(","));
    execute!(
        db,
        "DELETE FROM portcullis_oidc_identities WHERE user_id = $1 AND provider = $2 AND ( \
           EXISTS (SELECT 1 FROM portcullis_users u WHERE u.id = $1 AND u.password_hash <> '') \
           OR EXISTS (SELECT 1 FROM portcullis_oidc_identities o WHERE o.user_id = $1 \
                      AND o.provider <> $2 AND $3 LIKE '%,' || REPLACE(o.provider, '_', '\\_') || ',%' ESCAPE '\\'))",
        [user_id, provider, configured],
        "unlinking an OpenID identity"
    )
}

/// Marks `user_id`'s email verified (the provider asserted it).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn mark_email_verified(db: &Database, user_id: i64) -> Result<(), DbError> {
    execute!(
        db,
        "UPDATE portcullis_users SET email_verified = TRUE WHERE id = $1 AND NOT email_verified",
        [user_id],
        "marking an email verified"
    )?;
    Ok(())
}

/// The names of `user_id`'s groups.
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn group_names(db: &Database, user_id: i64) -> Result<Vec<String>, DbError> {
    on_pool!(db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT g.name FROM portcullis_groups g JOIN portcullis_user_groups ug \
         ON ug.group_id = g.id WHERE ug.user_id = $1"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
    .doing("listing a user's groups"))
}

/// Deletes the account just made for an identity that another request
/// linked first (it was never signed in to and has no identity).
///
/// # Errors
/// [`DbError`] for database failures.
pub async fn delete_orphan(db: &Database, user_id: i64) -> Result<(), DbError> {
    execute!(
        db,
        "DELETE FROM portcullis_users WHERE id = $1 AND last_login IS NULL AND NOT EXISTS \
         (SELECT 1 FROM portcullis_oidc_identities WHERE user_id = $1)",
        [user_id],
        "removing an account that lost a sign-up race"
    )?;
    Ok(())
}
