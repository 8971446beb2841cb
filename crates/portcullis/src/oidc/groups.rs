//! Group sync: at each sign-in the groups claim's values become local group
//! memberships, `add` only or `mirror`. Memberships move the user's access
//! version (database triggers), so guards see the change at once.

use crate::{
    db::{self, Database, DbError},
    settings::GroupsSync,
};

/// Makes `user_id`'s groups follow `names`: each is created when missing
/// and joined; with [`GroupsSync::Mirror`] groups not in `names` are left.
/// Returns (added, removed) counts.
///
/// # Errors
/// [`DbError`] for database failures.
pub(crate) async fn sync_groups(
    db: &Database,
    user_id: i64,
    names: &[String],
    mode: GroupsSync,
) -> Result<(usize, usize), DbError> {
    let current = db::identities::group_names(db, user_id).await?;
    let mut added = 0;
    for name in names.iter().filter(|n| !current.contains(n)) {
        let group = db::groups::get_or_create(db, name).await?;
        db::groups::add_user(db, group, user_id).await?;
        added += 1;
    }
    let mut removed = 0;
    if mode == GroupsSync::Mirror {
        for name in current.iter().filter(|n| !names.contains(n)) {
            if let Some(group) = db::groups::find(db, name).await? {
                if db::groups::remove_user(db, group, user_id).await? {
                    removed += 1;
                }
            }
        }
    }
    Ok((added, removed))
}
