//! Authentication backends: each is a way of proving who someone is
//! (Django's `AUTHENTICATION_BACKENDS`, axum-login's `AuthnBackend`). A
//! backend only proves; [`Auth::sign_in`] is the one path from a proven
//! user to a signed-in session, whichever backend proved it.

use std::future::Future;

use super::Auth;
use crate::{
    accounts::{self, User},
    audit::{audit, AuditEvent},
    db,
    error::AuthError,
    password::Verified,
    settings::LoginField,
};

/// A way of proving who someone is.
///
/// A backend checks `Credentials` and answers with the user they prove, or
/// `None`; it never touches the session. Sign the user in with
/// [`Auth::sign_in`], naming the backend's [`id`](AuthBackend::id): the
/// session records it.
///
/// ```
/// use portcullis::{Auth, AuthBackend, AuthError, User};
///
/// /// Signs in one fixed user with one fixed token (an example, not a design).
/// struct FixedToken { token: String, username: String }
///
/// impl AuthBackend for FixedToken {
///     type Credentials = String;
///     fn id(&self) -> &'static str { "fixed-token" }
///     async fn authenticate(&self, auth: &Auth, token: String) -> Result<Option<User>, AuthError> {
///         use subtle::ConstantTimeEq as _;
///         if !bool::from(token.as_bytes().ct_eq(self.token.as_bytes())) {
///             return Ok(None);
///         }
///         auth.user_by_username(&self.username).await
///     }
/// }
/// ```
pub trait AuthBackend {
    /// What the backend checks (a login and password, a token, a code).
    type Credentials;

    /// A short, stable name, recorded in the session of every user this
    /// backend signs in (`"password"`, later `"oidc:{provider}"`).
    fn id(&self) -> &'static str;

    /// The user `credentials` prove, or `None` when they prove no one (an
    /// unknown, inactive or wrong account: all the same to the caller).
    ///
    /// # Errors
    /// [`AuthError`] when the check itself failed (database down, hashing
    /// queue full).
    fn authenticate(
        &self,
        auth: &Auth,
        credentials: Self::Credentials,
    ) -> impl Future<Output = Result<Option<User>, AuthError>>;
}

/// A login (a username, or an email when it contains `@`, per
/// `auth.login_fields`) and a password.
#[derive(Clone)]
pub struct PasswordCredentials {
    /// Username or email as typed.
    pub login: String,
    /// The password as typed.
    pub password: String,
}

impl std::fmt::Debug for PasswordCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password, nor the login: people type passwords there.
        f.write_str("PasswordCredentials { .. }")
    }
}

/// Username or email, and password: the login form's backend.
///
/// Unknown users, inactive users and users without a usable password cost
/// one full hash too, so timing tells nothing; all give `Ok(None)`.
/// Outdated hash parameters are upgraded on success.
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordBackend;

impl PasswordBackend {
    /// The id recorded in sessions this backend signs in.
    pub const ID: &'static str = "password";
}

impl AuthBackend for PasswordBackend {
    type Credentials = PasswordCredentials;

    fn id(&self) -> &'static str {
        Self::ID
    }

    async fn authenticate(
        &self,
        auth: &Auth,
        credentials: PasswordCredentials,
    ) -> Result<Option<User>, AuthError> {
        let a = &auth.inner.settings.auth;
        let login = credentials.login.trim();
        // A NUL cannot be in any account's name, and PostgreSQL text cannot hold one.
        let row = if login.is_empty() || login.contains('\0') {
            None
        } else if login.contains('@') {
            if a.accepts(LoginField::Email) {
                db::users::by_email(&auth.inner.db, &accounts::canonical_email(login)).await?
            } else {
                None
            }
        } else if a.accepts(LoginField::Username) {
            db::users::by_username(&auth.inner.db, &accounts::canonical_username(login)).await?
        } else {
            None
        };
        let Some(row) = row else {
            auth.inner
                .hasher
                .dummy_verify(&credentials.password)
                .await?;
            // Never the typed value: people type passwords into the login box.
            audit(AuditEvent::LoginFailed, None, "unknown login");
            return Ok(None);
        };
        let verified = auth
            .inner
            .hasher
            .try_verify(&credentials.password, &row.password_hash)
            .await?;
        let Verified::Yes { rehash } = verified else {
            audit(
                AuditEvent::LoginFailed,
                Some(&row.id.to_string()),
                "wrong password",
            );
            return Ok(None);
        };
        if !row.is_active {
            audit(
                AuditEvent::LoginFailed,
                Some(&row.id.to_string()),
                "inactive",
            );
            return Ok(None);
        }
        if let Some(new_hash) = rehash {
            // Same password, stronger parameters: no credential-version bump, sessions stay.
            db::users::rehash(&auth.inner.db, row.id, &row.password_hash, &new_hash).await?;
        }
        // The row is at hand: only the names are read.
        accounts::load::with_names(&auth.inner.db, row)
            .await
            .map(Some)
            .map_err(AuthError::from)
    }
}
