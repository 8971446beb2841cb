//! Password reset by email, Django's way: a stateless link bound to the
//! account's state, the same answer for known and unknown addresses, and
//! no automatic sign-in unless `auth.post_reset_login`.

use super::{mail::MailAbout, Auth};
use crate::{
    accounts::{
        create::{confirm_errors, password_message},
        tokens::{from_base36, to_base36, TokenState},
        FieldErrors,
    },
    audit::{audit, AuditEvent},
    db::{self, users::UserRow},
    error::AuthError,
    password::validate_password,
    render::MailKind,
    security::ratelimit::Action,
};

/// What a set-a-new-password form came to.
pub(crate) enum ResetOutcome {
    /// The password is set; every session of the account has ended.
    Done(Box<UserRow>),
    /// The new password was refused; the form shows why.
    Refused(FieldErrors),
    /// The link died meanwhile (used by a concurrent request).
    LinkDead,
}

impl TokenState<'_> {
    pub(crate) fn of(row: &UserRow) -> TokenState<'_> {
        TokenState {
            id: row.id,
            password_hash: &row.password_hash,
            last_login: row.last_login,
            email: &row.email,
            email_verified: row.email_verified,
        }
    }
}

impl Auth {
    /// Mails a reset link to the account whose address is `email`, when it
    /// is active and has a usable password; nothing happens otherwise, and
    /// the caller answers the same either way. The link goes to the stored
    /// address, never the typed one (CVE-2019-19844).
    ///
    /// # Errors
    /// [`AuthError::Db`].
    pub(crate) async fn request_password_reset(&self, email: &str) -> Result<(), AuthError> {
        match self.row_by_email(email).await? {
            Some(row)
                if row.is_active && !row.password_hash.is_empty() && !row.email.is_empty() =>
            {
                let token = self
                    .inner
                    .tokens
                    .reset_token(&TokenState::of(&row), db::now() as u64);
                let path = format!(
                    "{}/confirm/{}/{token}",
                    self.settings().auth.password_reset_url,
                    to_base36(row.id as u64)
                );
                self.queue_mail(
                    MailKind::PasswordReset,
                    &row.email,
                    &MailAbout {
                        username: &row.username,
                        email: &row.email,
                        link_path: &path,
                        secondary_path: "",
                    },
                );
                audit(
                    AuditEvent::PasswordResetRequested,
                    Some(&row.id.to_string()),
                    "link mailed",
                );
            }
            _ => audit(
                AuditEvent::PasswordResetRequested,
                None,
                "no such account: nothing sent",
            ),
        }
        Ok(())
    }

    /// The account a reset link is for, while the link is valid.
    ///
    /// # Errors
    /// [`AuthError::Db`].
    pub(crate) async fn reset_link_user(
        &self,
        uid: &str,
        token: &str,
    ) -> Result<Option<UserRow>, AuthError> {
        let Some(id) = from_base36(uid).and_then(|id| i64::try_from(id).ok()) else {
            return Ok(None);
        };
        let Some(row) = db::users::by_id(&self.inner.db, id).await? else {
            return Ok(None);
        };
        let valid = row.is_active
            && self.inner.tokens.check_reset_token(
                &TokenState::of(&row),
                token,
                db::now() as u64,
                self.settings().auth.password_reset_timeout,
            );
        Ok(valid.then_some(row))
    }

    /// Sets the password a reset link's form gave, after the same checks
    /// as signup; ends every session of the account and mails a notice.
    ///
    /// # Errors
    /// [`AuthError::Db`], [`AuthError::Hash`].
    pub(crate) async fn finish_password_reset(
        &self,
        row: &UserRow,
        password1: &str,
        password2: &str,
    ) -> Result<ResetOutcome, AuthError> {
        let errors = self.new_password_errors(&row.username, &row.email, password1, password2);
        if !errors.is_empty() {
            return Ok(ResetOutcome::Refused(errors));
        }
        let hash = self.inner.hasher.hash(password1).await?;
        if !db::users::replace_password(&self.inner.db, row.id, Some(&row.password_hash), &hash)
            .await?
        {
            return Ok(ResetOutcome::LinkDead);
        }
        audit(AuditEvent::PasswordReset, Some(&row.id.to_string()), "");
        // Whoever was locked out by failed logins has just proved who they
        // are: their new password must work at once (allauth does the same).
        // The address limits stay. A store failure only delays that.
        if let Err(e) = self
            .rate_limiter()
            .clear_logins(&[Action::LoginFailed], &[&row.username, &row.email])
            .await
        {
            tracing::warn!(error = %e, "could not clear failed logins after a password reset");
        }
        self.mail_password_changed(&row.username, &row.email);
        let fresh = db::users::by_id(&self.inner.db, row.id)
            .await?
            .ok_or_else(|| AuthError::NoSuchUser(row.username.clone()))?;
        Ok(ResetOutcome::Done(Box::new(fresh)))
    }

    /// The problems with a new password typed twice, as the form shows them.
    pub(crate) fn new_password_errors(
        &self,
        username: &str,
        email: &str,
        password1: &str,
        password2: &str,
    ) -> FieldErrors {
        let m = &self.settings().auth.messages;
        let mut errors = FieldErrors::default();
        if password1.is_empty() {
            errors.password.push(m.field_required.clone());
        } else {
            for p in validate_password(password1, &self.inner.rules, username, email) {
                errors.password.push(password_message(&p, m));
            }
        }
        errors.password_confirm = confirm_errors(password1, password2, m);
        errors
    }

    /// The "your password was changed" notice, with a link to reset it.
    pub(crate) fn mail_password_changed(&self, username: &str, email: &str) {
        if email.is_empty() {
            return;
        }
        self.queue_mail(
            MailKind::PasswordChanged,
            email,
            &MailAbout {
                username,
                email,
                link_path: self.reset_path(),
                secondary_path: "",
            },
        );
    }
}

impl Auth {
    /// The reset page's path for links in mails, empty when reset is off.
    pub(crate) fn reset_path(&self) -> &str {
        let a = &self.settings().auth;
        if a.password_reset_enabled {
            &a.password_reset_url
        } else {
            ""
        }
    }
}
