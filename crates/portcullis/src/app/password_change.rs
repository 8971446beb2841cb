//! Changing a password while signed in: the current password, the new one
//! twice; this session stays (its id rotated), every other one ends.

use actix_session::Session;

use super::Auth;
use crate::{
    accounts::User,
    audit::{audit, AuditEvent},
    db,
    error::AuthError,
    password::Verified,
    session::keys,
};

impl Auth {
    /// Checks `old`, then sets `new1` (typed twice as `new2`) as `user`'s
    /// password: every other session of the user ends, this one stays
    /// signed in under a new id, and a notice is mailed. Field problems
    /// come back for the form (`password` is the new password's, `form`
    /// the current password's).
    ///
    /// # Errors
    /// [`AuthError::Db`], [`AuthError::Hash`], [`AuthError::Session`].
    pub(crate) async fn change_password(
        &self,
        session: &Session,
        user: &User,
        old: &str,
        new1: &str,
        new2: &str,
    ) -> Result<Result<(), crate::accounts::FieldErrors>, AuthError> {
        let row = self.user_row(user).await?;
        let mut errors = self.new_password_errors(&row.username, &row.email, new1, new2);
        let m = &self.settings().auth.messages;
        // Always checked, so a wrong current password costs the same time
        // whatever else is wrong.
        let old_ok = matches!(
            self.inner
                .hasher
                .try_verify(old, &row.password_hash)
                .await?,
            Verified::Yes { .. }
        );
        if !old_ok {
            errors.form.push(m.password_incorrect.clone());
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let hash = self.inner.hasher.hash(new1).await?;
        if !db::users::replace_password(&self.inner.db, row.id, Some(&row.password_hash), &hash)
            .await?
        {
            // Changed by another request meanwhile: the old password is no longer it.
            errors.form.push(m.password_incorrect.clone());
            return Ok(Err(errors));
        }
        audit(
            AuditEvent::PasswordChanged,
            Some(&row.id.to_string()),
            "page",
        );
        self.update_session_auth_hash(session, user).await?;
        self.mail_password_changed(&row.username, &row.email);
        Ok(Ok(()))
    }

    /// Keeps `session` signed in as `user` after their password changed
    /// (Django's `update_session_auth_hash`): [`Auth::set_password`] ends
    /// every session of the user, and this brings the current one back
    /// under a new id with the new credential version.
    ///
    /// ```no_run
    /// # async fn f(auth: portcullis::Auth, session: actix_session::Session, user: portcullis::User) -> Result<(), portcullis::AuthError> {
    /// auth.set_password(&user, "a-new-long-passphrase").await?;
    /// auth.update_session_auth_hash(&session, &user).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`AuthError::NoSuchUser`] when the user is gone, [`AuthError::Db`],
    /// [`AuthError::Session`].
    pub async fn update_session_auth_hash(
        &self,
        session: &Session,
        user: &User,
    ) -> Result<(), AuthError> {
        let row = self.user_row(user).await?;
        // The row was deleted with the others: a new id, saved afresh.
        session.renew();
        session
            .insert(keys::USER_ID, row.id)
            .and_then(|_| session.insert(keys::CREDENTIAL, row.credential_version))
            .map_err(|e| AuthError::Session(e.to_string()))?;
        Ok(())
    }
}
