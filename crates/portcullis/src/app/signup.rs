//! Creating accounts: one checked path for the signup page, the CLI and
//! the app's own code.

use super::Auth;
use crate::{
    accounts::{create, FieldErrors, NewUser, User},
    audit::{audit, AuditEvent},
    db::{self, users::Taken},
    error::AuthError,
};

impl Auth {
    /// Creates a user after validating username, email and password; a taken
    /// username or email (case-insensitive) comes back as a field error.
    ///
    /// # Errors
    /// [`AuthError`] when the database is down or the hashing queue is full.
    pub async fn create_user(&self, new: NewUser) -> Result<Result<User, FieldErrors>, AuthError> {
        self.create_checked(new, false, FieldErrors::default())
            .await
    }

    /// Creates `new` when nothing is wrong with it. With any problem (its
    /// shape, an email missing when `email_required`, a taken name, or
    /// `known`: what the caller found, such as a mismatched confirmation)
    /// every problem comes back in one round trip and nothing is created.
    pub(crate) async fn create_checked(
        &self,
        new: NewUser,
        email_required: bool,
        known: FieldErrors,
    ) -> Result<Result<User, FieldErrors>, AuthError> {
        let messages = &self.settings().auth.messages;
        let mut errors =
            create::validate_new_user(&new, &self.inner.rules, messages, email_required);
        errors.username.extend(known.username);
        errors.email.extend(known.email);
        errors.password.extend(known.password);
        errors.password_confirm.extend(known.password_confirm);
        errors.form.extend(known.form);
        let (username_c, email_c) = create::canonical_pair(&new);
        if !errors.is_empty() {
            // A taken name is reported beside the other problems.
            for t in db::users::taken(&self.inner.db, &username_c, email_c.as_deref()).await? {
                match t {
                    Taken::Username if errors.username.is_empty() => {
                        errors.username.push(messages.username_taken.clone())
                    }
                    Taken::Email if errors.email.is_empty() => {
                        errors.email.push(messages.email_taken.clone())
                    }
                    _ => {}
                }
            }
            return Ok(Err(errors));
        }
        let hash = match &new.password {
            Some(p) => self.inner.hasher.hash(p).await?,
            None => String::new(),
        };
        let row = db::users::NewUserRow {
            username: new.username.trim(),
            username_canonical: &username_c,
            email: new.email.trim(),
            email_canonical: email_c.as_deref(),
            password_hash: &hash,
            is_active: new.is_active,
            is_staff: new.is_staff,
            is_superuser: new.is_superuser,
        };
        match db::users::insert(&self.inner.db, &row).await? {
            Ok(id) => {
                audit(AuditEvent::SignedUp, Some(&id.to_string()), "");
                let user = self
                    .user_by_id(id)
                    .await?
                    .ok_or_else(|| AuthError::NoSuchUser(new.username.clone()))?;
                Ok(Ok(user))
            }
            Err(taken) => {
                let mut errors = FieldErrors::default();
                for t in taken {
                    match t {
                        Taken::Username => errors.username.push(messages.username_taken.clone()),
                        Taken::Email => errors.email.push(messages.email_taken.clone()),
                    }
                }
                Ok(Err(errors))
            }
        }
    }
}
