//! Signing in and out: the one path every backend's proven user takes into
//! a session, and the way out.

use actix_session::Session;

use super::{backend::AuthBackend, Auth, PasswordBackend, PasswordCredentials};
use crate::{
    accounts::User,
    audit::{audit, AuditEvent},
    db,
    error::AuthError,
    security::{csrf, redirect::safe_next},
    session::keys,
};

impl Auth {
    /// Finds the user for `login` (a username, or an email when it contains `@`,
    /// per `auth.login_fields`) and checks the password: the
    /// [`PasswordBackend`].
    ///
    /// Unknown users, inactive users and users without a usable password cost
    /// one full hash too, so timing tells nothing; all give `Ok(None)`.
    /// Outdated hash parameters are upgraded on success.
    ///
    /// # Errors
    /// [`AuthError`] when the database is down or the hashing queue is full.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
    ) -> Result<Option<User>, AuthError> {
        let credentials = PasswordCredentials {
            login: login.to_owned(),
            password: password.to_owned(),
        };
        PasswordBackend.authenticate(self, credentials).await
    }

    /// The one path from a user that `backend` proved to a signed-in
    /// session, for every backend: the session id is rotated (fixation), a
    /// session of another user is emptied first, the user id, credential
    /// version and backend id are stored, the CSRF secret is renewed (and
    /// kept in the session from now on), `last_login` is recorded and the
    /// login audited. Returns where to send the browser: `next` when it is
    /// a safe local path, else `auth.login_redirect_url`.
    ///
    /// # Errors
    /// [`AuthError::Session`] when the session cannot be written, [`AuthError::Db`].
    pub async fn sign_in(
        &self,
        session: &Session,
        user: &User,
        backend: &str,
        next: Option<&str>,
    ) -> Result<String, AuthError> {
        let previous: Option<i64> = session.get(keys::USER_ID).ok().flatten();
        if previous.is_some_and(|id| id != user.id) {
            session.clear();
        }
        session.renew();
        session
            .insert(keys::USER_ID, user.id)
            .and_then(|_| session.insert(keys::CREDENTIAL, user.credential_version()))
            .map_err(|e| AuthError::Session(e.to_string()))?;
        // No key for the default backend: the session every request parses
        // stays as small as it was before backends.
        if backend == PasswordBackend::ID {
            session.remove(keys::BACKEND);
        } else {
            session
                .insert(keys::BACKEND, backend)
                .map_err(|e| AuthError::Session(e.to_string()))?;
        }
        // A new CSRF secret, in the session now (the anonymous cookie's ends).
        csrf::rotate(session).map_err(|e| AuthError::Session(e.to_string()))?;
        db::users::touch_last_login(&self.inner.db, user.id).await?;
        audit(
            AuditEvent::LoginSucceeded,
            Some(&user.id.to_string()),
            backend,
        );
        let fallback = &self.settings().auth.login_redirect_url;
        Ok(safe_next(next).unwrap_or(fallback).to_owned())
    }

    /// Signs `user` in on `session` as the [`PasswordBackend`] would: see
    /// [`Auth::sign_in`], which names the backend and resolves `next`. Use
    /// it to build your own password login UI.
    ///
    /// # Errors
    /// [`AuthError::Session`] when the session cannot be written, [`AuthError::Db`].
    pub async fn login(&self, session: &Session, user: &User) -> Result<(), AuthError> {
        self.sign_in(session, user, PasswordBackend::ID, None)
            .await
            .map(drop)
    }

    /// The id of the backend that signed `session` in (Django's
    /// `BACKEND_SESSION_KEY`), `None` when nobody is signed in.
    pub fn signed_in_backend(session: &Session) -> Option<String> {
        session.get::<i64>(keys::USER_ID).ok().flatten()?;
        let recorded: Option<String> = session.get(keys::BACKEND).ok().flatten();
        Some(recorded.unwrap_or_else(|| PasswordBackend::ID.to_owned()))
    }

    /// Signs out: the server-side session is deleted and a fresh one keeps only
    /// `auth.logout_preserve_session_keys`.
    pub fn logout(&self, session: &Session) {
        let keep: Vec<(String, String)> = {
            let entries = session.entries();
            self.inner
                .settings
                .auth
                .logout_preserve_session_keys
                .iter()
                .filter_map(|k| entries.get(k).map(|v| (k.clone(), v.clone())))
                .collect()
        };
        let user: Option<i64> = session.get(keys::USER_ID).ok().flatten();
        if keep.is_empty() {
            // Deletes the row and the cookie.
            session.purge();
        } else {
            // renew() deletes the old row and stores the kept keys under a brand-new id.
            session.clear();
            for (k, v) in keep {
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(&v) {
                    let _ = session.insert(k, value);
                }
            }
            session.renew();
        }
        audit(
            AuditEvent::LoggedOut,
            user.map(|u| u.to_string()).as_deref(),
            "",
        );
    }
}
