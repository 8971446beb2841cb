//! Confirming email addresses: the link mailed at signup (or sent again),
//! and the link that makes a new address the account's. One stateless
//! token names the user and the address; confirming changes the state it
//! is bound to, so a link works once.

use validator::ValidateEmail as _;

use super::{mail::MailAbout, Auth};
use crate::{
    accounts::{
        canonical_email, tokens::EmailClaim, tokens::TokenState, FieldErrors, User, MAX_EMAIL_CHARS,
    },
    audit::{audit, AuditEvent},
    db::{self, users::UserRow, DbError},
    error::AuthError,
    render::MailKind,
};

/// A valid confirmation link, before its form is posted.
pub(crate) struct EmailLink {
    /// The address it confirms.
    pub(crate) address: String,
}

impl Auth {
    fn email_link_path(&self, row: &UserRow, address: &str) -> String {
        let token = self
            .inner
            .tokens
            .email_token(&TokenState::of(row), address, db::now() as u64);
        format!("{}/{token}", self.settings().auth.verify_email_url)
    }

    /// [`Auth::mail_verification`] for the user with id `user_id`.
    ///
    /// # Errors
    /// [`AuthError::Db`].
    pub(crate) async fn mail_verification_of(&self, user_id: i64) -> Result<(), AuthError> {
        if let Some(row) = db::users::by_id(&self.inner.db, user_id).await? {
            self.mail_verification(&row);
        }
        Ok(())
    }

    /// Mails a confirmation link for the account's current address, unless
    /// it has none or it is confirmed already.
    pub(crate) fn mail_verification(&self, row: &UserRow) {
        if row.email.is_empty() || row.email_verified {
            return;
        }
        let path = self.email_link_path(row, &row.email);
        self.queue_mail(
            MailKind::VerifyEmail,
            &row.email,
            &MailAbout {
                username: &row.username,
                email: &row.email,
                link_path: &path,
                secondary_path: "",
            },
        );
    }

    /// The account row whose canonical address is `email`.
    pub(crate) async fn row_by_email(&self, email: &str) -> Result<Option<UserRow>, AuthError> {
        let canonical = canonical_email(email.trim());
        if canonical.is_empty() || canonical.contains('\0') {
            return Ok(None);
        }
        Ok(db::users::by_email(&self.inner.db, &canonical).await?)
    }

    /// Tells the owner of `email` that someone tried to sign up with it
    /// (the signup page shows the usual "check your email" page: no
    /// enumeration).
    pub(crate) async fn mail_account_exists(&self, email: &str) -> Result<(), AuthError> {
        let Some(row) = self.row_by_email(email).await? else {
            return Ok(());
        };
        let a = &self.settings().auth;
        let reset = self.reset_path();
        self.queue_mail(
            MailKind::AccountExists,
            &row.email,
            &MailAbout {
                username: &row.username,
                email: &row.email,
                link_path: &a.login_url,
                secondary_path: reset,
            },
        );
        Ok(())
    }

    /// Checks a new address for `user` and mails a link to it; the address
    /// changes only when the link is followed. An address another account
    /// uses gets no mail and the same answer (no enumeration).
    ///
    /// # Errors
    /// [`AuthError::Db`], [`AuthError::NoSuchUser`].
    pub(crate) async fn request_email_change(
        &self,
        user: &User,
        new_email: &str,
    ) -> Result<Result<(), FieldErrors>, AuthError> {
        let m = &self.settings().auth.messages;
        let new_email = new_email.trim();
        let mut errors = FieldErrors::default();
        if new_email.is_empty() {
            errors.email.push(m.field_required.clone());
        } else if new_email.chars().count() > MAX_EMAIL_CHARS || !new_email.validate_email() {
            errors.email.push(m.email_invalid.clone());
        }
        let row = self.user_row(user).await?;
        if errors.is_empty() && canonical_email(new_email) == canonical_email(&row.email) {
            errors.email.push(m.email_same.clone());
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        if self.row_by_email(new_email).await?.is_some() {
            tracing::info!(
                user = row.id,
                "email change to an address in use: no mail sent"
            );
            return Ok(Ok(()));
        }
        let path = self.email_link_path(&row, new_email);
        self.queue_mail(
            MailKind::EmailChange,
            new_email,
            &MailAbout {
                username: &row.username,
                email: new_email,
                link_path: &path,
                secondary_path: "",
            },
        );
        Ok(Ok(()))
    }

    /// The account row and claim of a confirmation link while it is valid.
    async fn email_link_target(
        &self,
        token: &str,
    ) -> Result<Option<(UserRow, EmailClaim)>, AuthError> {
        let Some(claim) = EmailClaim::parse(token) else {
            return Ok(None);
        };
        let Some(row) = db::users::by_id(&self.inner.db, claim.user_id).await? else {
            return Ok(None);
        };
        let holds = row.is_active
            && claim.holds(
                &self.inner.tokens,
                &TokenState::of(&row),
                db::now() as u64,
                self.settings().auth.email_verification_timeout,
            );
        Ok(holds.then_some((row, claim)))
    }

    /// What a confirmation link would confirm, while it is valid (its GET:
    /// confirms nothing).
    ///
    /// # Errors
    /// [`AuthError::Db`].
    pub(crate) async fn email_link(&self, token: &str) -> Result<Option<EmailLink>, AuthError> {
        Ok(self
            .email_link_target(token)
            .await?
            .map(|(_, claim)| EmailLink {
                address: claim.address,
            }))
    }

    /// Confirms what a valid link names (its POST): the account's own
    /// address becomes confirmed, or the new address replaces the old one,
    /// which is told. `None` when the link is not (or no longer) valid.
    ///
    /// # Errors
    /// [`AuthError::Db`].
    pub(crate) async fn confirm_email_link(
        &self,
        token: &str,
    ) -> Result<Option<EmailLink>, AuthError> {
        let Some((row, claim)) = self.email_link_target(token).await? else {
            return Ok(None);
        };
        let db = &self.inner.db;
        if claim.address == row.email {
            if !db::users::set_email_verified(db, row.id, &row.email).await? {
                return Ok(None);
            }
            audit(AuditEvent::EmailVerified, Some(&row.id.to_string()), "");
        } else {
            let canonical = canonical_email(&claim.address);
            match db::users::change_email(db, row.id, &row.email, &claim.address, &canonical).await
            {
                Ok(true) => {}
                // Changed meanwhile, or another account took the address first.
                Ok(false) | Err(DbError::Conflict { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
            audit(AuditEvent::EmailChanged, Some(&row.id.to_string()), "");
            if !row.email.is_empty() {
                self.queue_mail(
                    MailKind::EmailChanged,
                    &row.email,
                    &MailAbout {
                        username: &row.username,
                        email: &claim.address,
                        link_path: self.reset_path(),
                        secondary_path: "",
                    },
                );
            }
        }
        Ok(Some(EmailLink {
            address: claim.address,
        }))
    }

    /// Marks `username`'s address confirmed (the CLI's `user verify-email`).
    ///
    /// # Errors
    /// [`AuthError::NoSuchUser`], [`AuthError::Db`].
    pub async fn mark_email_verified(&self, username: &str) -> Result<(), AuthError> {
        let row = db::users::by_username(
            &self.inner.db,
            &crate::accounts::canonical_username(username),
        )
        .await?
        .ok_or_else(|| AuthError::NoSuchUser(username.to_owned()))?;
        if db::users::set_email_verified(&self.inner.db, row.id, &row.email).await? {
            audit(AuditEvent::EmailVerified, Some(&row.id.to_string()), "cli");
        }
        Ok(())
    }
}
