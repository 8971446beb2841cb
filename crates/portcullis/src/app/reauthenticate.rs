//! Reauthentication: a signed-in user proves again who they are before a
//! sensitive change (ASVS 5 7.5.1; allauth's `reauthenticate`).
//!
//! No session key records when: a sign-in stores the session under a new
//! key, and so does a reauthentication, so the row's `created_at` is the
//! time of the last proof. The session every request parses stays as small
//! as it was.

use actix_session::Session;
use actix_web::{cookie::CookieJar, HttpRequest};

use super::Auth;
use crate::{
    accounts::User,
    audit::{audit, AuditEvent},
    db,
    error::AuthError,
    password::Verified,
    session::hash_key,
};

/// What a password typed on the reauthentication page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reauthentication {
    /// Right: the session now counts as freshly authenticated.
    Done,
    /// Wrong password.
    Refused,
    /// The account has no password (signed in through an OpenID provider).
    NoPassword,
}

impl Auth {
    /// Whether `req`'s session was signed in, or reauthenticated, within
    /// `auth.reauthentication_timeout` seconds (always, when that is 0).
    ///
    /// # Errors
    /// [`AuthError::Db`].
    pub(crate) async fn recently_authenticated(
        &self,
        req: &HttpRequest,
    ) -> Result<bool, AuthError> {
        let timeout = self.settings().auth.reauthentication_timeout;
        if timeout == 0 {
            return Ok(true);
        }
        let Some(key) = self.session_key(req) else {
            return Ok(false);
        };
        let began = db::sessions::created_at(&self.inner.db, &hash_key(&key)).await?;
        let timeout = i64::try_from(timeout).unwrap_or(i64::MAX);
        Ok(began.is_some_and(|t| db::now() - t < timeout))
    }

    /// Whether `user` has a password to type again.
    ///
    /// # Errors
    /// [`AuthError::NoSuchUser`] when the user is gone, [`AuthError::Db`].
    pub(crate) async fn has_password(&self, user: &User) -> Result<bool, AuthError> {
        let row = self.user_row(user).await?;
        Ok(!row.password_hash.is_empty())
    }

    /// Checks `password` against `user`'s; when right, `session` is stored
    /// under a new id, which makes it count as freshly authenticated.
    ///
    /// # Errors
    /// [`AuthError::NoSuchUser`], [`AuthError::Db`], [`AuthError::Hash`].
    pub(crate) async fn reauthenticate(
        &self,
        session: &Session,
        user: &User,
        password: &str,
    ) -> Result<Reauthentication, AuthError> {
        let row = self.user_row(user).await?;
        if row.password_hash.is_empty() {
            return Ok(Reauthentication::NoPassword);
        }
        let verified = self
            .inner
            .hasher
            .try_verify(password, &row.password_hash)
            .await?;
        if !matches!(verified, Verified::Yes { .. }) {
            return Ok(Reauthentication::Refused);
        }
        session.renew();
        audit(AuditEvent::Reauthenticated, Some(&row.id.to_string()), "");
        Ok(Reauthentication::Done)
    }

    /// The session key of `req`'s cookie, when its signature holds.
    fn session_key(&self, req: &HttpRequest) -> Option<String> {
        let name = self.settings().cookie_name();
        let mut jar = CookieJar::new();
        jar.add_original(req.cookie(&name)?);
        let verified = jar.signed(&self.inner.cookie_key).get(&name)?;
        Some(verified.value().to_owned())
    }
}
