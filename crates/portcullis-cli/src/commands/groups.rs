//! `portcullis group …`: membership and group permissions.

use anyhow::Result;
use portcullis::Auth;

pub async fn add_user(auth: &Auth, group: &str, username: &str) -> Result<String> {
    auth.add_user_to_group(group, username).await?;
    Ok(format!("added {username} to group {group:?}"))
}

pub async fn remove_user(auth: &Auth, group: &str, username: &str) -> Result<String> {
    Ok(if auth.remove_user_from_group(group, username).await? {
        format!("removed {username} from group {group:?}")
    } else {
        format!("{username} was not in group {group:?}; nothing changed")
    })
}

pub async fn grant(auth: &Auth, group: &str, permission: &str) -> Result<String> {
    auth.grant_group_permission(group, permission).await?;
    Ok(format!("granted {permission} to group {group:?}"))
}

pub async fn revoke(auth: &Auth, group: &str, permission: &str) -> Result<String> {
    Ok(if auth.revoke_group_permission(group, permission).await? {
        format!("revoked {permission} from group {group:?}")
    } else {
        format!("group {group:?} did not have {permission}; nothing changed")
    })
}
