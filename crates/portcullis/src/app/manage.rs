//! Managing users, groups and permissions from code (what the CLI calls).

use super::Auth;
use crate::{
    accounts::{self, create, User},
    audit::{audit, AuditEvent},
    db,
    error::AuthError,
};

/// Checks a permission codename: `app.action`, letters, digits and `_` on both sides of one dot.
///
/// # Errors
/// [`AuthError::Invalid`] saying what is wrong.
pub(crate) fn validate_codename(codename: &str) -> Result<(), AuthError> {
    let ok = codename.split_once('.').is_some_and(|(app, action)| {
        let part =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        part(app) && part(action)
    });
    if ok {
        Ok(())
    } else {
        Err(AuthError::Invalid(format!(
            "{codename:?} is not a permission like \"app.action\" (letters, digits, '_')"
        )))
    }
}

fn validate_group(name: &str) -> Result<(), AuthError> {
    if name.trim().is_empty() || name.chars().count() > 150 {
        return Err(AuthError::Invalid(
            "group names have 1 to 150 characters".into(),
        ));
    }
    Ok(())
}

impl Auth {
    /// Loads a user with groups and permissions.
    ///
    /// # Errors
    /// [`AuthError::Db`] for database failures.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, AuthError> {
        Ok(accounts::load::by_id(&self.inner.db, id).await?)
    }

    /// Loads a user by username (case-insensitive).
    ///
    /// # Errors
    /// [`AuthError::Db`] for database failures.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, AuthError> {
        Ok(accounts::load::by_username(&self.inner.db, username).await?)
    }

    async fn require_user(&self, username: &str) -> Result<User, AuthError> {
        self.user_by_username(username)
            .await?
            .ok_or_else(|| AuthError::NoSuchUser(username.to_owned()))
    }

    async fn require_group(&self, name: &str) -> Result<i64, AuthError> {
        db::groups::find(self.db(), name)
            .await?
            .ok_or_else(|| AuthError::NoSuchGroup(name.to_owned()))
    }

    /// Grants `codename` directly to the user (the permission is created when new).
    ///
    /// # Errors
    /// [`AuthError::NoSuchUser`], [`AuthError::Invalid`] for a malformed codename, [`AuthError::Db`].
    pub async fn grant_user_permission(
        &self,
        username: &str,
        codename: &str,
    ) -> Result<(), AuthError> {
        validate_codename(codename)?;
        let user = self.require_user(username).await?;
        Ok(db::permissions::grant_user(self.db(), user.id, codename).await?)
    }

    /// Revokes a direct permission; returns whether the user had it.
    ///
    /// # Errors
    /// [`AuthError::NoSuchUser`], [`AuthError::Invalid`], [`AuthError::Db`].
    pub async fn revoke_user_permission(
        &self,
        username: &str,
        codename: &str,
    ) -> Result<bool, AuthError> {
        validate_codename(codename)?;
        let user = self.require_user(username).await?;
        Ok(db::permissions::revoke_user(self.db(), user.id, codename).await?)
    }

    /// Adds the user to group `group`, creating the group when new.
    ///
    /// # Errors
    /// [`AuthError::NoSuchUser`], [`AuthError::Invalid`], [`AuthError::Db`].
    pub async fn add_user_to_group(&self, group: &str, username: &str) -> Result<(), AuthError> {
        validate_group(group)?;
        let user = self.require_user(username).await?;
        let gid = db::groups::get_or_create(self.db(), group).await?;
        Ok(db::groups::add_user(self.db(), gid, user.id).await?)
    }

    /// Removes the user from `group`; returns whether they were a member.
    ///
    /// # Errors
    /// [`AuthError::NoSuchUser`], [`AuthError::NoSuchGroup`], [`AuthError::Db`].
    pub async fn remove_user_from_group(
        &self,
        group: &str,
        username: &str,
    ) -> Result<bool, AuthError> {
        let user = self.require_user(username).await?;
        let gid = self.require_group(group).await?;
        Ok(db::groups::remove_user(self.db(), gid, user.id).await?)
    }

    /// Grants `codename` to every member of `group` (both created when new).
    ///
    /// # Errors
    /// [`AuthError::Invalid`], [`AuthError::Db`].
    pub async fn grant_group_permission(
        &self,
        group: &str,
        codename: &str,
    ) -> Result<(), AuthError> {
        validate_group(group)?;
        validate_codename(codename)?;
        let gid = db::groups::get_or_create(self.db(), group).await?;
        Ok(db::groups::grant(self.db(), gid, codename).await?)
    }

    /// Revokes `codename` from `group`; returns whether the group had it.
    ///
    /// # Errors
    /// [`AuthError::NoSuchGroup`], [`AuthError::Invalid`], [`AuthError::Db`].
    pub async fn revoke_group_permission(
        &self,
        group: &str,
        codename: &str,
    ) -> Result<bool, AuthError> {
        validate_codename(codename)?;
        let gid = self.require_group(group).await?;
        Ok(db::groups::revoke(self.db(), gid, codename).await?)
    }

    /// Sets the active, staff and superuser flags; deactivating ends the user's sessions.
    ///
    /// # Errors
    /// [`AuthError::NoSuchUser`], [`AuthError::Db`].
    pub async fn set_user_flags(
        &self,
        username: &str,
        is_active: bool,
        is_staff: bool,
        is_superuser: bool,
    ) -> Result<(), AuthError> {
        let user = self.require_user(username).await?;
        Ok(db::users::set_flags(self.db(), user.id, is_active, is_staff, is_superuser).await?)
    }

    /// Deletes rate-limit windows that no longer count (the in-process
    /// purge does it every `session.purge_interval_secs` too); returns how many.
    ///
    /// # Errors
    /// [`AuthError::RateLimit`] when the store fails.
    pub async fn clear_expired_rate_limits(&self) -> Result<u64, AuthError> {
        Ok(self.rate_limiter().purge_expired().await?)
    }

    /// Deletes sessions past their lifetime or idle timeout; returns how many.
    ///
    /// # Errors
    /// [`AuthError::Db`].
    pub async fn clear_expired_sessions(&self) -> Result<u64, AuthError> {
        let cutoff = db::sessions::idle_cutoff(self.settings().session.idle_timeout);
        Ok(db::sessions::clear_expired(self.db(), cutoff).await?)
    }

    /// Sets a new password (validated) and ends every session of the user.
    ///
    /// # Errors
    /// [`AuthError::Invalid`] listing what the validators refused, [`AuthError::NoSuchUser`].
    pub async fn set_password(&self, user: &User, password: &str) -> Result<(), AuthError> {
        let problems = crate::password::validate_password(
            password,
            &self.inner.rules,
            &user.username,
            &user.email,
        );
        if !problems.is_empty() {
            let m = &self.inner.settings.auth.messages;
            let text: Vec<String> = problems
                .iter()
                .map(|p| create::password_message(p, m))
                .collect();
            return Err(AuthError::Invalid(text.join(" ")));
        }
        let hash = self.inner.hasher.hash(password).await?;
        if !db::users::set_password(&self.inner.db, user.id, &hash).await? {
            return Err(AuthError::NoSuchUser(user.username.clone()));
        }
        audit(AuditEvent::PasswordChanged, Some(&user.id.to_string()), "");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::validate_codename;

    #[test]
    fn a_codename_is_app_dot_action() {
        assert!(validate_codename("reports.view").is_ok());
        assert!(validate_codename("reports").is_err());
        assert!(validate_codename("a.b.c").is_err());
        assert!(validate_codename("reports.").is_err());
        assert!(validate_codename("re-ports.view").is_err());
    }
}
