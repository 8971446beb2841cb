//! `createsuperuser`, `changepassword` and `portcullis user …`.

use anyhow::{bail, Result};
use portcullis::{Auth, AuthError, NewUser};

use super::password::read_new_password;

/// Account flags of a new user.
pub struct Flags {
    pub active: bool,
    pub staff: bool,
    pub superuser: bool,
}

impl Flags {
    /// "superuser", "inactive staff user", …: what the success line calls the account.
    fn describe(&self) -> String {
        let kind = match (self.superuser, self.staff) {
            (true, _) => "superuser",
            (false, true) => "staff user",
            (false, false) => "user",
        };
        if self.active {
            kind.to_owned()
        } else {
            format!("inactive {kind}")
        }
    }
}

pub async fn create(
    auth: &Auth,
    username: &str,
    email: &str,
    flags: Flags,
    no_input: bool,
) -> Result<String> {
    // Refuse a taken username before asking for a password nobody will use;
    // same wording as the library's own duplicate check.
    if auth.user_by_username(username).await?.is_some() {
        bail!("username: {}", auth.settings().auth.messages.username_taken);
    }
    let password = read_new_password(no_input)?;
    let new = NewUser {
        username: username.to_owned(),
        email: email.to_owned(),
        password: Some(password),
        is_active: flags.active,
        is_staff: flags.staff,
        is_superuser: flags.superuser,
    };
    match auth.create_user(new).await? {
        Ok(user) => Ok(format!("created {} {:?}", flags.describe(), user.username)),
        Err(problems) => bail!(problems.summary()),
    }
}

pub async fn change_password(auth: &Auth, username: &str, no_input: bool) -> Result<String> {
    // Look the user up first so a typo fails before the prompt.
    let user = auth
        .user_by_username(username)
        .await?
        .ok_or_else(|| AuthError::NoSuchUser(username.to_owned()))?;
    let password = read_new_password(no_input)?;
    auth.set_password(&user, &password).await?;
    Ok(format!("changed password for {:?}", user.username))
}

pub async fn grant(auth: &Auth, username: &str, permission: &str) -> Result<String> {
    auth.grant_user_permission(username, permission).await?;
    Ok(format!("granted {permission} to {username}"))
}

pub async fn revoke(auth: &Auth, username: &str, permission: &str) -> Result<String> {
    Ok(
        if auth.revoke_user_permission(username, permission).await? {
            format!("revoked {permission} from {username}")
        } else {
            format!("{username} did not have {permission}; nothing changed")
        },
    )
}

pub async fn verify_email(auth: &Auth, username: &str) -> Result<String> {
    auth.mark_email_verified(username).await?;
    Ok(format!(
        "marked the email address of {username:?} as confirmed"
    ))
}
